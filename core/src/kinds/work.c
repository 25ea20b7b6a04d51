/* The work kind: a blocking function run on libuv's thread pool. */
#include "../future/future.h"
#include "../job/job.h"

#include <stdlib.h>

typedef struct work_job {
    uv_work_t req;
    ol_work_fn fn;
    void *arg;
    ol_free_fn arg_free;
    int status;
    void *value;
    ol_free_fn value_free;
    int64_t value_int;
} work_job;

static int work_start(ol_job *job);
static void work_cancel(ol_job *job);

static void work_destroy(ol_job *job)
{
    work_job *w = job->data;
    if (w->arg_free) w->arg_free(w->arg);
    free(w);
}

static const ol_job_ops work_ops = {
    .start = work_start,
    .cancel = work_cancel,
    .destroy = work_destroy,
    .runs_on_pool = true,
};

static void work_after(uv_work_t *req, int uv_status)
{
    ol_job *job = req->data;
    work_job *w = job->data;
    if (uv_status == UV_ECANCELED) {
        ol__task_finish(job, OL_ECANCELED, NULL, NULL, 0, NULL);
        return;
    }
    void *value = w->value;
    w->value = NULL;
    ol__task_finish(job, w->status, value, w->value_free, w->value_int, NULL);
}

static void work_thread(uv_work_t *req)
{
    ol_job *job = req->data;
    work_job *w = job->data;
    /* Cancelled while queued, before uv_cancel could reach the pool: skip the work. */
    if (!ol__future_pending(job->future)) {
        w->status = OL_ECANCELED;
        return;
    }
    w->status = w->fn(w->arg, &w->value, &w->value_free, &w->value_int);
    if (w->status > 0) w->status = OL_ERROR;
}

static int work_start(ol_job *job)
{
    work_job *w = job->data;
    w->req.data = job;
    int rc = uv_queue_work(ol__loop_uv(job->loop), &w->req, work_thread, work_after);
    return rc == 0 ? OL_OK : OL_ERROR;
}

static void work_cancel(ol_job *job)
{
    work_job *w = job->data;
    /* Succeeds only while queued; a running function runs to its end (work_after frees). */
    uv_cancel((uv_req_t *)&w->req);
}

int ol_job_work_new(ol_job **out, ol_work_fn fn, void *arg, ol_free_fn arg_free)
{
    if (!out || !fn) return OL_EINVAL;
    *out = NULL;
    work_job *w = calloc(1, sizeof *w);
    ol_job *job = w ? ol__job_alloc(OL_JOB_WORK, &work_ops) : NULL;
    if (!job) {
        free(w);
        return OL_ENOMEM;
    }
    w->fn = fn;
    w->arg = arg;
    w->arg_free = arg_free;
    job->data = w;
    *out = job;
    return OL_OK;
}
