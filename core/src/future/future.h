/* Futures as the other layers see them (future.c). */
#ifndef OL_SRC_FUTURE_H
#define OL_SRC_FUTURE_H

#include "../util/util.h"

ol_future *ol__future_new(ol_loop *loop);
/* Settle once; returns false if it had already settled (then value is freed here). Runs the
 * callbacks on the calling thread. message may be NULL (ol_strerror is used). */
bool ol__future_settle(ol_future *f, int status, void *value, ol_free_fn value_free,
                       int64_t value_int, const char *message);
bool ol__future_pending(const ol_future *f);
/* Loop thread, for an OL_MSG_CANCEL message: run the callbacks that ol_future_cancel, called
 * off the loop thread, left for the loop thread. */
void ol__future_run_cancel_callbacks(ol_future *f);
/* The running job of a future (loop thread), set at start and cleared at the task's end. */
void ol__future_set_job(ol_future *f, ol_job *job);
ol_job *ol__future_job(ol_future *f);
/* A future whose job the gate refused: not counted in its loop's stats. */
void ol__future_forget_loop(ol_future *f);

#endif
