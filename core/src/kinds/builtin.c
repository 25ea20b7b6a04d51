/* The built-in job kinds: timer, blocking work on libuv's pool, custom C jobs. */
#include "internal.h"

#include <stdlib.h>

/* ---- timer */

typedef struct timer_job {
    uv_timer_t timer;
    uint64_t ms;
    int status; /* set before closing the handle */
} timer_job;

static void timer_closed(uv_handle_t *h)
{
    ol_job *job = h->data;
    timer_job *t = job->data;
    ol__task_finish(job, t->status, NULL, NULL, (int64_t)t->ms, NULL);
}

static void timer_fired(uv_timer_t *h)
{
    ol_job *job = h->data;
    ((timer_job *)job->data)->status = OL_OK;
    uv_close((uv_handle_t *)h, timer_closed);
}

static int timer_start(ol_job *job)
{
    timer_job *t = job->data;
    uv_timer_init(&job->loop->uv, &t->timer);
    t->timer.data = job;
    uv_timer_start(&t->timer, timer_fired, t->ms, 0);
    return OL_OK;
}

static void timer_cancel(ol_job *job)
{
    timer_job *t = job->data;
    if (uv_is_closing((uv_handle_t *)&t->timer)) return;
    t->status = OL_ECANCELED;
    uv_close((uv_handle_t *)&t->timer, timer_closed);
}

static void free_data(ol_job *job) { free(job->data); }

static const ol_job_ops timer_ops = {
    .start = timer_start,
    .cancel = timer_cancel,
    .destroy = free_data,
};

int ol_job_timer_new(ol_job **out, uint64_t ms)
{
    if (!out) return OL_EINVAL;
    *out = NULL;
    timer_job *t = calloc(1, sizeof *t);
    ol_job *job = t ? ol__job_alloc(OL_JOB_TIMER, &timer_ops) : NULL;
    if (!job) {
        free(t);
        return OL_ENOMEM;
    }
    t->ms = ms;
    job->data = t;
    *out = job;
    return OL_OK;
}

/* ---- work on the thread pool */

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
    int rc = uv_queue_work(&job->loop->uv, &w->req, work_thread, work_after);
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

/* ---- custom C jobs */

typedef struct custom_job {
    ol_custom_ops ops;
    void *user_data;
} custom_job;

static int custom_start(ol_job *job)
{
    custom_job *c = job->data;
    return c->ops.start(OL_TASK(job), c->user_data);
}

static void custom_cancel(ol_job *job)
{
    custom_job *c = job->data;
    if (c->ops.cancel)
        c->ops.cancel(OL_TASK(job), c->user_data);
    else
        ol__task_finish(job, OL_ECANCELED, NULL, NULL, 0, NULL);
}

static void custom_resume(ol_job *job)
{
    custom_job *c = job->data;
    if (c->ops.resume) c->ops.resume(OL_TASK(job), c->user_data);
}

static void custom_destroy(ol_job *job)
{
    custom_job *c = job->data;
    if (c->ops.destroy) c->ops.destroy(c->user_data);
    free(c);
}

static const ol_job_ops custom_ops = {
    .start = custom_start,
    .cancel = custom_cancel,
    .resume = custom_resume,
    .destroy = custom_destroy,
};

/* The size of each version of ol_custom_ops (internal.h: versioned structs). */
static const size_t custom_ops_sizes[] = {0, OL_FIELD_END(ol_custom_ops, destroy)};
_Static_assert(sizeof custom_ops_sizes / sizeof custom_ops_sizes[0] == OL_CUSTOM_OPS_VERSION + 1,
               "a size for every version of ol_custom_ops");

int ol_job_custom_new(ol_job **out, const ol_custom_ops *ops, void *user_data)
{
    if (!out) return OL_EINVAL;
    *out = NULL;
    size_t ops_size = ops ? OL_VERSIONED_SIZE(custom_ops_sizes, ops->version) : 0;
    if (!ops_size || !ops->start) return OL_EINVAL;
    custom_job *c = calloc(1, sizeof *c);
    ol_job *job = c ? ol__job_alloc(OL_JOB_CUSTOM, &custom_ops) : NULL;
    if (!job) {
        free(c);
        return OL_ENOMEM;
    }
    memcpy(&c->ops, ops, ops_size); /* later versions' fields stay NULL (calloc) */
    c->user_data = user_data;
    job->data = c;
    *out = job;
    return OL_OK;
}

/* ---- the task handle (loop thread) */

void *ol_task_uv_loop(ol_task *task) { return task ? &OL_JOB(task)->loop->uv : NULL; }
ol_loop *ol_task_loop(ol_task *task) { return task ? OL_JOB(task)->loop : NULL; }

void *ol_task_user_data(ol_task *task)
{
    if (!task || OL_JOB(task)->kind != OL_JOB_CUSTOM) return NULL;
    return ((custom_job *)OL_JOB(task)->data)->user_data;
}

int ol_task_cancelled(const ol_task *task)
{
    const ol_job *job = (const ol_job *)task;
    return job && !ol__future_pending(job->future);
}

int ol_task_finish(ol_task *task, int status, void *value, ol_free_fn value_free, int64_t value_int,
                   const char *message)
{
    if (!task || status > 0) return OL_EINVAL;
    return ol__task_finish(OL_JOB(task), status, value, value_free, value_int, message);
}

int ol_task_push(ol_task *task, int kind, const void *data, size_t len, void *object,
                 ol_free_fn object_free)
{
    if (!task || (!data && len)) return OL_EINVAL;
    ol_job *job = OL_JOB(task);
    if (!job->iter) return OL_ENOTSUP;
    return ol__iter_push(job->iter, kind, data, len, object, object_free);
}
