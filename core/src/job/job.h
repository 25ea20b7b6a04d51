/* Jobs and tasks: what a job kind implements (ol_job_ops) and the one path of a job from its
 * submission to its end (job.c, submit.c). */
#ifndef OL_SRC_JOB_H
#define OL_SRC_JOB_H

#include "../runtime/runtime.h"

/* How a kind of job runs. Built-in kinds and custom jobs share it. */
typedef struct ol_job_ops {
    int (*start)(struct ol_job *job);
    void (*cancel)(struct ol_job *job);
    void (*resume)(struct ol_job *job);
    void (*destroy)(struct ol_job *job); /* free kind-specific data, any thread */
    /* Option setters (any thread, before submit); NULL: the kind has no options. */
    int (*set_int)(struct ol_job *job, int option, int64_t value);
    int (*set_str)(struct ol_job *job, int option, const char *value);
    int (*set_bytes)(struct ol_job *job, int option, const void *data, size_t len);
    /* The job runs on libuv's thread pool: once running it cannot be stopped (its cancel only
     * takes it off the pool's queue), so shutdown may return while it runs. */
    bool runs_on_pool;
} ol_job_ops;

/* A job; once started it is also the task (ol_task * is the same pointer). */
typedef struct ol_job {
    ol_msg msg; /* first: queued as an OL_MSG_START message */
    int kind;
    const ol_job_ops *ops;
    ol_loop *loop;
    ol_future *future;          /* one reference, held until the task ends */
    ol_iter *iter;              /* producer side of an iterator, or NULL */
    struct ol_job *prev, *next; /* the loop's running tasks */
    bool started, finished;
    bool starting;     /* inside ops->start: a finish there defers the free */
    size_t batch_last; /* a refused batch: 1 + the job's last index in the array */
    void *data;        /* kind-specific */
} ol_job;

#define OL_TASK(job) ((ol_task *)(job))
#define OL_JOB(task) ((ol_job *)(task))

ol_job *ol__job_alloc(int kind, const ol_job_ops *ops);
void ol__job_destroy(ol_job *job);
/* Loop thread: start a dequeued job (or refuse it if its future is already settled). */
void ol__job_start(ol_job *job);
/* Loop thread: carry a cancellation to a running job. */
void ol__job_cancel(ol_job *job);
/* The one end of a job that never ran (refused at the gate, cancelled before its start,
 * queued when shutdown began): its future settles with status unless it settled already,
 * its iterator ends alike, and the job is freed. */
void ol__job_refuse(ol_job *job, int status, const char *message);
/* Finish: settle the future (if still pending), end the iterator stream, free the task. */
int ol__task_finish(ol_job *job, int status, void *value, ol_free_fn value_free, int64_t value_int,
                    const char *message);

#endif
