/* oneloop: jobs and how to submit them.
 *
 * A job is a description built on any thread (one thread at a time) and consumed by a submit
 * call: after ol_job_submit or ol_job_submit_iter, successful or not, the job belongs to the
 * library and the caller must not touch it again. A job never submitted is freed with
 * ol_job_free.
 *
 * Kinds: a timer, blocking work on libuv's thread pool, a custom C job whose start function
 * runs on the loop thread, and HTTP requests (oneloop/http.h).
 */
#ifndef ONELOOP_JOB_H
#define ONELOOP_JOB_H

#include "common.h"
#include "future.h"
#include "iter.h"
#include "loop.h"

OL_BEGIN_DECL

typedef struct ol_job ol_job;
typedef struct ol_task ol_task;

typedef enum ol_job_kind {
    OL_JOB_TIMER = 1,
    OL_JOB_WORK = 2,
    OL_JOB_CUSTOM = 3,
    OL_JOB_HTTP = 4
} ol_job_kind;

/* Frees a job that was never submitted. Accepts NULL. */
OL_EXTERN void ol_job_free(ol_job *job);
OL_EXTERN int ol_job_kind_get(const ol_job *job);

/* Typed option setters (the option keys are per kind: OL_HTTP_* in oneloop/http.h).
 * OL_EINVAL for an unknown key, a key of another kind, or a bad value; the job is unchanged.
 * Strings and bytes are copied. */
OL_EXTERN int ol_job_set_int(ol_job *job, int option, int64_t value);
OL_EXTERN int ol_job_set_str(ol_job *job, int option, const char *value);
OL_EXTERN int ol_job_set_bytes(ol_job *job, int option, const void *data, size_t len);

/* Submit the job; *out gets a future (one reference, the caller's). The job is consumed even on
 * failure. OL_ECLOSED when the loop is shutting down. Any thread, including the loop thread. */
OL_EXTERN int ol_job_submit(ol_loop *loop, ol_job *job, ol_future **out);

/* Submit n jobs at once, with one queue lock and at most one wake-up of the loop thread, so
 * that they start together (one burst of requests for the server, one loop iteration for the
 * executor). out[i] gets jobs[i]'s future. All or nothing: on failure (OL_EINVAL for a NULL
 * out, a NULL job or one listed twice, OL_ENOMEM, OL_ECLOSED) every out[i] is NULL. Every job
 * is consumed either way (freed once, even if listed twice, whatever else was wrong). */
OL_EXTERN int ol_job_submit_batch(ol_loop *loop, ol_job *const *jobs, size_t n, ol_future **out);

/* Submit a producing job (HTTP streaming, custom producers) as an iterator with a channel of
 * `capacity` bytes (0: 1 MiB). OL_ENOTSUP for kinds that produce nothing (timer, work). The job
 * is consumed even on failure; *out is then NULL and nothing is left to free. */
OL_EXTERN int ol_job_submit_iter(ol_loop *loop, ol_job *job, size_t capacity, ol_iter **out);

/* ---- Timer: settles OL_OK after ms milliseconds; ol_future_value_int gives ms. */
OL_EXTERN int ol_job_timer_new(ol_job **out, uint64_t ms);

/* ---- Work: fn runs on libuv's thread pool (never on the loop thread; it may block).
 * It returns OL_OK or a negative status, and may store a value in *value (with *value_free to
 * free it, called when the future is freed) and an integer in *value_int. A negative return
 * fails the future with that status. Cancellation before it starts skips it; once running it
 * runs to its end and the value is freed. Running work does not hold up ol_loop_shutdown's
 * deadline: it finishes detached (oneloop/loop.h). */
typedef void (*ol_free_fn)(void *ptr);
typedef int (*ol_work_fn)(void *arg, void **value, ol_free_fn *value_free, int64_t *value_int);
/* arg_free (may be NULL) frees arg after fn ran or the job was dropped. */
OL_EXTERN int ol_job_work_new(ol_job **out, ol_work_fn fn, void *arg, ol_free_fn arg_free);

/* ---- Custom C job: the general primitive. ops->start runs on the loop thread with a task
 * handle; the job then does its work with the loop (ol_task_uv_loop) and ends the task with
 * ol_task_finish exactly once, from the loop thread, now or later. */
#define OL_CUSTOM_OPS_VERSION 1
typedef struct ol_custom_ops {
    unsigned version; /* OL_CUSTOM_OPS_VERSION */
    /* Loop thread. Return OL_OK and finish later (or now, with ol_task_finish), or a negative
     * status to fail at once (then do not call ol_task_finish; if it was called anyway, the
     * status it gave wins). */
    int (*start)(ol_task *task, void *user_data);
    /* Loop thread, optional. The future was cancelled (or the loop is shutting down): stop
     * the work and call ol_task_finish (its status is ignored, the future already settled). */
    void (*cancel)(ol_task *task, void *user_data);
    /* Loop thread, optional. An iterator's consumer freed channel space after
     * ol_task_push reported OL_EAGAIN: the producer may push again. */
    void (*resume)(ol_task *task, void *user_data);
    /* Any thread, optional: frees user_data when the job is done or dropped. */
    void (*destroy)(void *user_data);
} ol_custom_ops;
OL_EXTERN int ol_job_custom_new(ol_job **out, const ol_custom_ops *ops, void *user_data);

/* Task functions: loop thread only, while the task is running (between start and finish). */
/* The libuv loop (a uv_loop_t *) of the executor. */
OL_EXTERN void *ol_task_uv_loop(ol_task *task);
OL_EXTERN ol_loop *ol_task_loop(ol_task *task);
OL_EXTERN void *ol_task_user_data(ol_task *task);
/* 1 if the future was cancelled: finish soon. */
OL_EXTERN int ol_task_cancelled(const ol_task *task);
/* Settle the future (status OL_OK with value/value_int, or a negative status with message,
 * which is copied; may be NULL) and end the task: the task handle is invalid afterwards. For
 * an iterator, OL_OK ends the stream (the consumer sees OL_ITEROVER after the queued items)
 * and an error is reported after the queued items. */
OL_EXTERN int ol_task_finish(ol_task *task, int status, void *value, ol_free_fn value_free,
                             int64_t value_int, const char *message);
/* Iterator producers: queue an item (kind, bytes copied, optional object with its free
 * function). Returns OL_OK, or OL_EAGAIN when the item was queued but the channel is now
 * full: stop producing until ops->resume. OL_ECANCELED when the consumer closed the iterator
 * (the item was dropped). OL_ENOTSUP when the task was not submitted as an iterator. */
OL_EXTERN int ol_task_push(ol_task *task, int kind, const void *data, size_t len, void *object,
                           ol_free_fn object_free);

OL_END_DECL

#endif
