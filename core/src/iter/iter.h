/* Iterators as the other layers see them (iter.c): the producer side, on the loop thread. */
#ifndef OL_SRC_ITER_H
#define OL_SRC_ITER_H

#include "../util/util.h"

ol_iter *ol__iter_new(ol_loop *loop, ol_future *future, size_t capacity);
/* Queue an item: OL_OK, OL_EAGAIN (queued, and the channel is full: pause until the resume),
 * OL_ECANCELED (the consumer is gone) or OL_ENOMEM (object freed). */
int ol__iter_push(ol_iter *it, int kind, const void *data, size_t len, void *object,
                  ol_free_fn object_free);
void ol__iter_end(ol_iter *it, int status, const char *message);
void ol__iter_release(ol_iter *it);

#endif
