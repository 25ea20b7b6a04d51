/* oneloop: futures, batches and notifiers.
 *
 * A future is the outcome of one job. It settles exactly once: OK with a value, failed with a
 * status and a message, or cancelled (OL_ECANCELED). Futures are reference-counted and
 * thread-safe; every function here may be called from any thread unless it says otherwise.
 * Releasing a pending future is legal: the job goes on (or is cancelled quietly) and its memory
 * is freed when the job ends.
 *
 * Timeouts (int64_t ms, negative: forever) are honoured whatever their size: INT64_MAX waits
 * as long as forever. In a forked child the parent's futures and notifiers are never touched:
 * waiting, cancelling, ol_future_on_done, and every notifier call answer OL_EFORKED at once
 * (settled outcomes stay readable with ol_future_status and the other accessors).
 */
#ifndef ONELOOP_FUTURE_H
#define ONELOOP_FUTURE_H

#include "common.h"
#include "iter.h"

OL_BEGIN_DECL

typedef struct ol_future ol_future;
typedef struct ol_notifier ol_notifier;

typedef enum ol_future_state {
    OL_FUTURE_PENDING = 0,
    OL_FUTURE_DONE = 1,     /* settled OK */
    OL_FUTURE_FAILED = 2,   /* settled with an error */
    OL_FUTURE_CANCELLED = 3 /* settled OL_ECANCELED */
} ol_future_state;

/* Called once when the future settles. Runs on the loop thread for every built-in job,
 * ol_future_cancel included: a cancel from another thread settles the status at once but the
 * callbacks run on the loop thread (for an OL_LOOP_NO_THREAD loop, in its next ol_loop_run);
 * only once the loop is shut down, when no loop thread remains, they run on the cancelling
 * thread. A custom job finished off the loop thread runs them on that thread. If the future
 * has already settled, ol_future_on_done runs cb at once on the calling thread (or, while a
 * cancellation's callbacks are still on their way to the loop thread, after them there).
 * Must not block. C only: bindings use a notifier instead. */
typedef void (*ol_future_cb)(ol_future *future, void *user_data);

OL_EXTERN void ol_future_retain(ol_future *future);
/* Drops one reference. Accepts NULL. Legal on a pending future. */
OL_EXTERN void ol_future_release(ol_future *future);

/* Block until the future settles or timeout_ms passes (monotonic clock). Returns OL_OK once
 * settled (whatever the outcome; read it with ol_future_status), OL_ETIMEDOUT, OL_EDEADLK
 * where it could never end (never blocks there): on the loop thread of the future's loop, or,
 * with a timeout other than 0 on a pending future, on the thread that drives an
 * OL_LOOP_NO_THREAD loop (the first thread that called ol_loop_run), also between two runs.
 * OL_EFORKED in a forked child for a parent's future, OL_EINVAL for NULL. */
OL_EXTERN int ol_future_wait(ol_future *future, int64_t timeout_ms);

/* Wait until every future has settled, or the timeout. OL_OK, OL_ETIMEDOUT, OL_EDEADLK,
 * OL_EFORKED (as ol_future_wait), OL_EINVAL (NULL array or element). n == 0 returns OL_OK at
 * once. */
OL_EXTERN int ol_wait_all(ol_future *const *futures, size_t n, int64_t timeout_ms);
/* Wait until at least one has settled; *index (may be NULL) gets the lowest settled index. */
OL_EXTERN int ol_wait_any(ol_future *const *futures, size_t n, int64_t timeout_ms, size_t *index);

/* Ask the job to stop. If the future is still pending it settles OL_ECANCELED at once (waits
 * return, the status reads OL_ECANCELED) and the cancellation is carried to the job on the
 * loop thread (an HTTP transfer is removed, a timer stopped), where the on_done callbacks run
 * (see ol_future_cb). Returns OL_OK if this call cancelled it, OL_EALREADY if it had already
 * settled (the outcome stays as it was), OL_EFORKED in a forked child for a parent's future. */
OL_EXTERN int ol_future_cancel(ol_future *future);

OL_EXTERN ol_future_state ol_future_state_get(const ol_future *future);
/* OL_EPENDING while pending, then OL_OK or the failure status. */
OL_EXTERN int ol_future_status(const ol_future *future);
/* The failure message (never NULL once failed; "" when OK; NULL while pending). Valid while
 * the caller holds a reference. */
OL_EXTERN const char *ol_future_error_message(const ol_future *future);
/* The job's value when settled OK (NULL otherwise): see each job kind for its type. Owned by
 * the future, valid while the caller holds a reference. */
OL_EXTERN void *ol_future_value(const ol_future *future);
/* An integer value some jobs give (a work job's return, a timer's elapsed ms). */
OL_EXTERN int64_t ol_future_value_int(const ol_future *future);

/* Register cb (see ol_future_cb). Any number may be registered; they run in order.
 * OL_EFORKED in a forked child for a parent's future (cb is never called). */
OL_EXTERN int ol_future_on_done(ol_future *future, ol_future_cb cb, void *user_data);

/* A notifier collects completions for a host runtime: when a watched future settles, its tag
 * is queued and the notifier's fd becomes readable, one wakeup for many completions. The host
 * polls the fd from its own event loop (asyncio, a Ruby fiber scheduler, Node) and drains.
 * Tags queued on an executor's thread make the fd readable at the end of that loop iteration,
 * so everything settled in one iteration costs the host one wake-up. */
OL_EXTERN int ol_notifier_new(ol_notifier **out);
/* Frees the notifier. Futures still watched by it stop being reported. Any thread. In a forked
 * child a parent's notifier only has its fd closed (the memory is left untouched). */
OL_EXTERN void ol_notifier_free(ol_notifier *notifier);
/* The readable fd (an eventfd or a pipe). Do not read or close it yourself. */
OL_EXTERN int ol_notifier_fd(const ol_notifier *notifier);
/* Report tag to notifier when the future settles (queued at once if it already has). */
OL_EXTERN int ol_notifier_watch(ol_notifier *notifier, ol_future *future, uint64_t tag);
/* Report tag once, when iter has an item or has ended (see ol_iter_on_ready); nothing is
 * reported if the iterator is closed first. Watch it again after pulling what was there. */
OL_EXTERN int ol_notifier_watch_iter(ol_notifier *notifier, ol_iter *iter, uint64_t tag);
/* Queue tag now, as if something watched had become ready: wakes the host's wait for its own
 * reasons (a stream closed by another fiber, a shutdown). Any thread. */
OL_EXTERN int ol_notifier_post(ol_notifier *notifier, uint64_t tag);
/* Take up to max queued tags, oldest first, without blocking; returns how many (0 if none), and
 * clears the fd's readiness once the queue is empty. */
OL_EXTERN size_t ol_notifier_drain(ol_notifier *notifier, uint64_t *tags, size_t max);
/* Block until at least one tag is queued or the timeout: OL_OK or OL_ETIMEDOUT. OL_EDEADLK
 * instead of blocking on an executor's thread (a loop thread, or a thread that drives an
 * OL_LOOP_NO_THREAD loop): there only a timeout of 0 polls, and a ready notifier still gives
 * OL_OK. A parent's notifier in a forked child answers OL_EFORKED here and in watch, post and
 * watch_iter, and drain takes nothing (its eventfd is shared with the parent). */
OL_EXTERN int ol_notifier_wait(ol_notifier *notifier, int64_t timeout_ms);

OL_END_DECL

#endif
