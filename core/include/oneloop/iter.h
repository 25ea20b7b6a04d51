/* oneloop: iterators over streams produced on the loop thread.
 *
 * An iterator is a bounded channel: the producing job pushes items on the loop thread, any
 * thread pulls them with ol_iter_next. When the channel is full the producer is paused (an HTTP
 * transfer stops reading) and resumed on the loop thread once the consumer has made room.
 * One consumer thread at a time; ol_iter_cancel may be called from any other thread.
 * In a forked child an iterator of the parent answers OL_EFORKED (threading rule 8, docs/threading.md).
 */
#ifndef ONELOOP_ITER_H
#define ONELOOP_ITER_H

#include "common.h"

OL_BEGIN_DECL

typedef struct ol_iter ol_iter;
typedef struct ol_item ol_item;

typedef enum ol_item_kind {
    OL_ITEM_DATA = 1, /* bytes (an HTTP body chunk) */
    OL_ITEM_HEAD = 2  /* an HTTP response head: ol_item_object is an ol_response (no body) */
} ol_item_kind;

/* Next item: OL_OK with *item (the caller frees it with ol_item_free), OL_ITEROVER at the end,
 * OL_ETIMEDOUT, the producer's failure status (the message via ol_iter_error_message),
 * OL_ECANCELED after ol_iter_cancel, OL_EFORKED for a parent's iterator in a forked child, or
 * OL_EDEADLK instead of blocking where the wait could never end: on the loop thread, or (with
 * a timeout other than 0 and nothing there) on the thread that drives an OL_LOOP_NO_THREAD
 * loop. Timeouts of any size are honoured (INT64_MAX waits as long as forever). */
OL_EXTERN int ol_iter_next(ol_iter *iter, ol_item **item, int64_t timeout_ms);
/* The failure message after ol_iter_next returned an error ("" otherwise). Valid until the
 * iterator is closed. */
OL_EXTERN const char *ol_iter_error_message(const ol_iter *iter);
/* Stop and free: a producer still running is cancelled (an HTTP transfer aborted) and queued
 * items are freed. Accepts NULL. Any thread but not concurrently with ol_iter_next or
 * ol_iter_cancel. In a forked child a parent's iterator is left untouched (leaked). */
OL_EXTERN void ol_iter_close(ol_iter *iter);
/* Stop the stream without freeing the iterator, to interrupt a consumer: thread-safe, also
 * while another thread is blocked in ol_iter_next on it (which then returns OL_ECANCELED at
 * once). Queued items are dropped, every later ol_iter_next returns OL_ECANCELED, an armed
 * ol_iter_on_ready callback fires (OL_OK: the end is there), and the producing job is
 * cancelled (an HTTP transfer aborted, its future settles OL_ECANCELED if still pending).
 * The consumer still calls ol_iter_close afterwards, never concurrently with this call.
 * Returns OL_OK, OL_EALREADY if already cancelled, OL_EFORKED in a forked child. */
OL_EXTERN int ol_iter_cancel(ol_iter *iter);
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
