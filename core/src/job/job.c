/* Jobs: allocation, option dispatch, submission, start, cancel and finish. */
#include "internal.h"

#include <stdlib.h>

ol_job *ol__job_alloc(int kind, const ol_job_ops *ops)
{
    ol_job *job = calloc(1, sizeof *job);
    if (!job) return NULL;
    job->msg.type = OL_MSG_START;
    job->kind = kind;
    job->ops = ops;
    return job;
}

void ol__job_destroy(ol_job *job)
{
    if (job->ops->destroy) job->ops->destroy(job);
    if (job->iter) ol__iter_release(job->iter);
    ol_future_release(job->future);
    free(job);
}

void ol_job_free(ol_job *job)
{
    if (job) ol__job_destroy(job);
}

int ol_job_kind_get(const ol_job *job) { return job ? job->kind : OL_EINVAL; }

int ol_job_set_int(ol_job *job, int option, int64_t value)
{
    if (!job || !job->ops->set_int) return OL_EINVAL;
    return job->ops->set_int(job, option, value);
}

int ol_job_set_str(ol_job *job, int option, const char *value)
{
    if (!job || !job->ops->set_str) return OL_EINVAL;
    return job->ops->set_str(job, option, value);
}

int ol_job_set_bytes(ol_job *job, int option, const void *data, size_t len)
{
    if (!job || !job->ops->set_bytes || (!data && len)) return OL_EINVAL;
    return job->ops->set_bytes(job, option, data, len);
}

/* ---- submission */

static int submit(ol_loop *loop, ol_job *job, size_t capacity, bool as_iter, ol_future **fut,
                  ol_iter **iter)
{
    if (!loop || !job) {
        if (job) ol__job_destroy(job);
        return OL_EINVAL;
    }
    job->loop = loop;
    job->future = ol__future_new(loop);
    if (!job->future) {
        ol__job_destroy(job);
        return OL_ENOMEM;
    }
    if (as_iter) {
        job->iter = ol__iter_new(loop, job->future, capacity ? capacity : (size_t)1 << 20);
        if (!job->iter) {
            ol__job_destroy(job);
            return OL_ENOMEM;
        }
    }
    ol_future_retain(job->future); /* the caller's reference */
    ol_future *f = job->future;
    ol_iter *it = job->iter;
    atomic_fetch_add_explicit(&loop->n_queued, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&loop->n_submitted, 1, memory_order_relaxed);
    int rc = ol__loop_post(loop, &job->msg, true);
    if (rc != OL_OK) {
        atomic_fetch_sub_explicit(&loop->n_queued, 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(&loop->n_submitted, 1, memory_order_relaxed);
        ol__future_forget_loop(f); /* refused: not counted in the loop's stats */
        ol__future_settle(f, rc, NULL, NULL, 0, NULL);
        ol_future_release(f);
        if (it) ol__iter_release(it); /* the caller's reference; the job drops its own */
        ol__job_destroy(job);
        return rc;
    }
    if (fut) *fut = f;
    if (iter) {
        *iter = it;
        ol_future_release(f); /* the iterator holds its own */
    }
    return OL_OK;
}

int ol_job_submit(ol_loop *loop, ol_job *job, ol_future **out)
{
    if (!out) {
        if (job) ol__job_destroy(job);
        return OL_EINVAL;
    }
    *out = NULL;
    return submit(loop, job, 0, false, out, NULL);
}

/* A refused batch frees each job once, even one listed twice: every job is marked with its
 * last index first, then freed at that index only (so nothing is read after its free). */
static void destroy_batch(ol_job *const *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (jobs[i]) jobs[i]->batch_last = i + 1;
    for (size_t i = 0; i < n; i++)
        if (jobs[i] && jobs[i]->batch_last == i + 1) ol__job_destroy(jobs[i]);
}

int ol_job_submit_batch(ol_loop *loop, ol_job *const *jobs, size_t n, ol_future **out)
{
    bool valid = loop && out && (jobs || n == 0);
    for (size_t i = 0; valid && i < n; i++) valid = jobs[i] != NULL;
    if (out)
        for (size_t i = 0; i < n; i++) out[i] = NULL;
    int rc = valid ? OL_OK : OL_EINVAL;
    for (size_t i = 0; rc == OL_OK && i < n; i++) {
        ol_job *job = jobs[i];
        if (job->future) { /* listed before: it would be queued twice */
            rc = OL_EINVAL;
            break;
        }
        job->loop = loop;
        job->future = ol__future_new(loop);
        if (!job->future)
            rc = OL_ENOMEM;
        else
            job->msg.next = i + 1 < n ? &jobs[i + 1]->msg : NULL;
    }
    if (rc == OL_OK && n > 0) {
        for (size_t i = 0; i < n; i++) ol_future_retain(jobs[i]->future); /* the caller's */
        atomic_fetch_add_explicit(&loop->n_queued, n, memory_order_relaxed);
        atomic_fetch_add_explicit(&loop->n_submitted, n, memory_order_relaxed);
        /* Keep the futures: once posted, a job may finish and be freed on the loop thread. */
        for (size_t i = 0; i < n; i++) out[i] = jobs[i]->future;
        rc = ol__loop_post_chain(loop, &jobs[0]->msg, &jobs[n - 1]->msg, true);
        if (rc == OL_OK) return OL_OK;
        atomic_fetch_sub_explicit(&loop->n_queued, n, memory_order_relaxed);
        atomic_fetch_sub_explicit(&loop->n_submitted, n, memory_order_relaxed);
        for (size_t i = 0; i < n; i++) {
            ol__future_forget_loop(out[i]); /* refused: not counted in the loop's stats */
            ol__future_settle(out[i], rc, NULL, NULL, 0, NULL);
            ol_future_release(out[i]);
            out[i] = NULL;
        }
    }
    if (jobs) destroy_batch(jobs, n);
    return rc;
}

int ol_job_submit_iter(ol_loop *loop, ol_job *job, size_t capacity, ol_iter **out)
{
    if (!out || (job && !job->ops->resume)) {
        if (job) ol__job_destroy(job);
        return out ? OL_ENOTSUP : OL_EINVAL;
    }
    *out = NULL;
    return submit(loop, job, capacity, true, NULL, out);
}

/* ---- on the loop thread */

void ol__job_start(ol_job *job)
{
    ol_loop *loop = job->loop;
    if (!ol__future_pending(job->future)) { /* cancelled before it started: never runs */
        if (job->iter) ol__iter_end(job->iter, OL_ECANCELED, NULL);
        ol__job_destroy(job);
        return;
    }
    job->next = loop->tasks;
    if (loop->tasks) loop->tasks->prev = job;
    loop->tasks = job;
    loop->task_count++;
    job->started = true;
    ol__future_set_job(job->future, job);
    /* A start may finish the task itself (an HTTP job whose transfer cannot begin) and
     * still return its error: the job is freed here, after start returned, not inside it. */
    job->starting = true;
    int rc = job->ops->start(job);
    job->starting = false;
    if (job->finished)
        ol__job_destroy(job);
    else if (rc != OL_OK)
        ol__task_finish(job, rc, NULL, NULL, 0, NULL);
}

void ol__job_cancel(ol_job *job)
{
    if (job->finished) return;
    if (job->ops->cancel)
        job->ops->cancel(job);
    else
        ol__task_finish(job, OL_ECANCELED, NULL, NULL, 0, NULL);
}

int ol__task_finish(ol_job *job, int status, void *value, ol_free_fn value_free, int64_t value_int,
                    const char *message)
{
    if (job->finished) return OL_EALREADY;
    job->finished = true;
    ol__future_set_job(job->future, NULL);
    if (job->iter) ol__iter_end(job->iter, status, message);
    ol__future_settle(job->future, status, value, value_free, value_int, message);
    ol__loop_task_ended(job->loop, job);
    return OL_OK;
}
