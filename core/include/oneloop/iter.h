/* oneloop: iterators over streams produced on the loop thread.
 *
 * An iterator is a bounded channel: the producing job pushes items on the loop thread, any
 * thread pulls them with ol_iter_next. When the channel is full the producer is paused (an HTTP
 * transfer stops reading) and resumed on the loop thread once the consumer has made room.
 * One consumer thread at a time.
 */
#ifndef ONELOOP_ITER_H
#define ONELOOP_ITER_H

#include "common.h"

OL_BEGIN_DECL

typedef struct ol_iter ol_iter;
typedef struct ol_item ol_item;

typedef enum ol_item_kind {
    OL_ITEM_DATA = 1,     /* bytes (an HTTP body chunk) */
    OL_ITEM_HEAD = 2      /* an HTTP response head: ol_item_object is an ol_response (no body) */
} ol_item_kind;

/* Next item: OL_OK with *item (the caller frees it with ol_item_free), OL_ITEROVER at the end,
 * OL_ETIMEDOUT, the producer's failure status (the message via ol_iter_error_message), or
 * OL_EDEADLK on the loop thread. */
OL_EXTERN int ol_iter_next(ol_iter *iter, ol_item **item, int64_t timeout_ms);
/* The failure message after ol_iter_next returned an error ("" otherwise). Valid until the
 * iterator is closed. */
OL_EXTERN const char *ol_iter_error_message(const ol_iter *iter);
/* Stop and free: a producer still running is cancelled (an HTTP transfer aborted) and queued
 * items are freed. Accepts NULL. Any thread but not concurrently with ol_iter_next. */
OL_EXTERN void ol_iter_close(ol_iter *iter);
/* Bytes queued and not yet pulled (for tests and monitoring). */
OL_EXTERN size_t ol_iter_buffered(const ol_iter *iter);

/* Readiness, for consumers driven by their own event loop (asyncio, a fiber scheduler, Node)
 * that must not block in ol_iter_next. status is OL_OK when an item or the end of the stream
 * is there for ol_iter_next(iter, &item, 0), or OL_ECANCELED when the iterator was closed
 * first. iter identifies the registration only: it may be closed by the time cb runs. */
typedef void (*ol_iter_ready_cb)(ol_iter *iter, int status, void *user_data);
/* Call cb exactly once: at once on the calling thread if the iterator is ready, else on the
 * loop thread when it becomes ready (cb must not block there), or from ol_iter_close. One
 * registration at a time (OL_EALREADY while one is armed); register again after draining. */
OL_EXTERN int ol_iter_on_ready(ol_iter *iter, ol_iter_ready_cb cb, void *user_data);

OL_EXTERN int ol_item_kind_get(const ol_item *item);
OL_EXTERN const void *ol_item_data(const ol_item *item);
OL_EXTERN size_t ol_item_size(const ol_item *item);
OL_EXTERN void *ol_item_object(const ol_item *item);
OL_EXTERN void ol_item_free(ol_item *item);

OL_END_DECL

#endif
