/* The task handle: what a running job's code (a custom job's callbacks) may do, on the loop
 * thread. An ol_task * is its ol_job *. */
#include "job.h"

#include "../future/future.h"
#include "../iter/iter.h"

void *ol_task_uv_loop(ol_task *task) { return task ? ol__loop_uv(OL_JOB(task)->loop) : NULL; }
ol_loop *ol_task_loop(ol_task *task) { return task ? OL_JOB(task)->loop : NULL; }

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
