/* Jobs: allocation, option dispatch, and on the loop thread start, cancel, finish and the one
 * refusal path of a job that never ran. */
#include "job.h"

#include "../future/future.h"
#include "../iter/iter.h"

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

/* ---- on the loop thread */

void ol__job_refuse(ol_job *job, int status, const char *message)
{
    ol__future_settle(job->future, status, NULL, NULL, 0, message);
    if (job->iter) ol__iter_end(job->iter, status, message);
    ol__job_destroy(job);
}

void ol__job_start(ol_job *job)
{
    if (!ol__future_pending(job->future)) { /* cancelled before it started: never runs */
        ol__job_refuse(job, OL_ECANCELED, NULL);
        return;
    }
    ol__loop_task_started(job->loop, job);
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
