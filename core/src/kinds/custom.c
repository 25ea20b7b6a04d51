/* Custom C jobs: a job whose start, cancel, resume and destroy are the caller's
 * (ol_custom_ops), driven through the task handle (task.c). */
#include "../job/job.h"

#include <stdlib.h>

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

/* The size of each version of ol_custom_ops (util/util.h: versioned structs). */
static const size_t custom_ops_sizes[] = {0, OL_FIELD_END(ol_custom_ops, destroy)};
_Static_assert(sizeof custom_ops_sizes / sizeof custom_ops_sizes[0] == OL_CUSTOM_OPS_VERSION + 1,
               "a size for every version of ol_custom_ops");

int ol_job_custom_new(ol_job **out, const ol_custom_ops *ops, void *user_data)
{
    if (!out) return OL_EINVAL;
    *out = NULL;
    size_t ops_size = OL_CALLER_SIZE(custom_ops_sizes, ops);
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

void *ol_task_user_data(ol_task *task)
{
    if (!task || OL_JOB(task)->kind != OL_JOB_CUSTOM) return NULL;
    return ((custom_job *)OL_JOB(task)->data)->user_data;
}
