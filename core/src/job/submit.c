/* Submission: a job, a batch of jobs or an iterator's producer goes to the loop's queue. A
 * job the gate refuses ends through ol__job_refuse, like every job that never runs. */
#include "job.h"

#include "../future/future.h"
#include "../iter/iter.h"

#include <stdlib.h>

/* The gate refused a job: it was never counted in the loop's stats, and it ends with rc. */
static void refused_at_gate(ol_job *job, int rc)
{
    ol__future_forget_loop(job->future);
    ol__job_refuse(job, rc, NULL);
}

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
    ol__loop_count_submitted(loop, 1);
    int rc = ol__loop_post(loop, &job->msg, true);
    if (rc != OL_OK) {
        ol__loop_uncount_submitted(loop, 1);
        refused_at_gate(job, rc);
        ol_future_release(f);         /* the caller's reference */
        if (it) ol__iter_release(it); /* the caller's reference; the job dropped its own */
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

/* A batch refused before it was posted frees each job once, even one listed twice: every job
 * is marked with its last index first, then freed at that index only (so nothing is read
 * after its free). */
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
        ol__loop_count_submitted(loop, n);
        /* Keep the futures: once posted, a job may finish and be freed on the loop thread. */
        for (size_t i = 0; i < n; i++) out[i] = jobs[i]->future;
        rc = ol__loop_post_chain(loop, &jobs[0]->msg, &jobs[n - 1]->msg, true);
        if (rc == OL_OK) return OL_OK;
        ol__loop_uncount_submitted(loop, n);
        for (size_t i = 0; i < n; i++) { /* distinct jobs: each was checked above */
            refused_at_gate(jobs[i], rc);
            ol_future_release(out[i]); /* the caller's reference */
            out[i] = NULL;
        }
        return rc;
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
