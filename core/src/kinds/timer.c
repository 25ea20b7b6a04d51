/* The timer kind: a job that finishes after ms milliseconds (value_int: ms). */
#include "../job/job.h"

#include <stdlib.h>

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
    uv_timer_init(ol__loop_uv(job->loop), &t->timer);
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

static void timer_destroy(ol_job *job) { free(job->data); }

static const ol_job_ops timer_ops = {
    .start = timer_start,
    .cancel = timer_cancel,
    .destroy = timer_destroy,
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
