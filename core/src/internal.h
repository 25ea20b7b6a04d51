/* Private structures shared by the core's source files. Not installed. */
#ifndef ONELOOP_INTERNAL_H
#define ONELOOP_INTERNAL_H

#include "oneloop.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <uv.h>

typedef struct ol_http_ctx ol_http_ctx; /* http.c: the curl multi handle of a loop */

/* ---- messages to the loop thread (one mutex-protected queue, one uv_async_t) */
enum ol_msg_type { OL_MSG_START = 1, OL_MSG_CANCEL = 2, OL_MSG_RESUME = 3, OL_MSG_SHUTDOWN = 4 };
typedef struct ol_msg {
    struct ol_msg *next;
    int type;
    ol_future *future; /* CANCEL / RESUME: one reference held by the message */
} ol_msg;

enum ol_loop_state { OL_LOOP_RUNNING = 0, OL_LOOP_CLOSING = 1, OL_LOOP_CLOSED = 2 };

/* Deferred work: an intrusive list entry, embedded in its owner. */
typedef struct ol_deferred {
    struct ol_deferred *next;
    void (*run)(struct ol_deferred *d);
} ol_deferred;

struct ol_loop {
    uv_loop_t uv;
    uv_async_t wake;
    uv_timer_t deadline_timer;
    uv_thread_t thread;
    bool has_thread;
    bool is_default;
    ol_loop_options opts;
    unsigned generation; /* fork generation it was made in */
    pthread_t driver;    /* OL_LOOP_NO_THREAD: the thread that first ran it, once driven */
    atomic_bool driven;
    atomic_int refs; /* the owner until ol_loop_free, the running thread until it
                               * leaves uv_run, and one per future */

    /* Submission gate (threading rules 1 and 2, docs/threading.md). */
    atomic_int state;   /* ol_loop_state */
    atomic_int senders; /* threads between the state check and uv_async_send */
    pthread_mutex_t queue_lock;
    ol_msg *queue_head, *queue_tail;

    /* Loop thread only. */
    struct ol_job *tasks; /* running tasks (doubly linked) */
    size_t task_count;
    ol_msg shutdown_msg;
    bool shutdown_started;
    bool shutdown_cancelled_any;
    int64_t shutdown_timeout_ms;

    /* Shutdown's caller waits on these (set by the thread that runs the loop). */
    pthread_mutex_t done_lock;
    pthread_cond_t done_cond;
    bool run_ended;             /* the loop thread left uv_run: nothing runs any more */
    bool deadline_passed;       /* every future settled; only detached pool work may run */
    ol_http_ctx *http;          /* created by the first HTTP job */
    uv_prepare_t defer_prepare; /* run the deferred list (loop_defer.c) */
    uv_check_t defer_check;
    ol_deferred *deferred;
    bool deferring;

    /* Process exit (loop_exit.c), under its registry lock. */
    struct ol_loop *exit_next; /* loops whose thread runs */
    bool exit_parked;

    /* Counters (relaxed atomics). */
    atomic_uint_fast64_t n_submitted, n_completed, n_failed, n_cancelled, n_queued;
    atomic_uint_fast64_t n_http_connections;
};

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
} ol_job_ops;

/* A job; once started it is also the task (ol_task * is the same pointer). */
typedef struct ol_job {
    ol_msg msg; /* first: queued as an OL_MSG_START message */
    int kind;
    const ol_job_ops *ops;
    ol_loop *loop;
    ol_future *future;          /* one reference, held until the task ends */
    ol_iter *iter;              /* producer side of an iterator, or NULL */
    struct ol_job *prev, *next; /* loop->tasks */
    bool started, finished;
    bool starting;     /* inside ops->start: a finish there defers the free */
    size_t batch_last; /* a refused batch: 1 + the job's last index in the array */
    void *data;        /* kind-specific */
} ol_job;

#define OL_TASK(job) ((ol_task *)(job))

/* ---- response-body buffers (body_pool.c), any thread */
/* A buffer of at least need bytes; *cap gets its real capacity (pass it back to free). */
void *ol__body_alloc(size_t need, size_t *cap);
void ol__body_free(void *p, size_t cap);
/* Gives back buffers unused for keep_ms (negative: the pool's own 5 s), from a loop's idle
 * tick. */
void ol__body_pool_decay(int64_t keep_ms);
size_t ol__body_pool_idle_bytes(void);
#define OL_JOB(task) ((ol_job *)(task))

/* future.c */
ol_future *ol__future_new(ol_loop *loop);
/* Settle once; returns false if it had already settled (then value is freed here). Runs the
 * callbacks on the calling thread. message may be NULL (ol_strerror is used). */
bool ol__future_settle(ol_future *f, int status, void *value, ol_free_fn value_free,
                       int64_t value_int, const char *message);
bool ol__future_pending(const ol_future *f);
/* Loop thread, for an OL_MSG_CANCEL message: run the callbacks that ol_future_cancel, called
 * off the loop thread, left for the loop thread. */
void ol__future_run_cancel_callbacks(ol_future *f);
/* The running job of a future (loop thread), set at start and cleared at the task's end. */
void ol__future_set_job(ol_future *f, ol_job *job);
ol_job *ol__future_job(ol_future *f);
ol_loop *ol__future_loop(const ol_future *f);
void ol__future_forget_loop(ol_future *f);

/* loop.c */
extern _Thread_local ol_loop *ol__current_loop; /* the loop whose thread this is, if any */
extern atomic_uint ol__fork_generation;
extern _Thread_local bool ol__drives_loop; /* this thread runs a loop without thread */
/* The fork generation now (the fork handler installed first). Handles record it when made and
 * answer OL_EFORKED in a child (threading rule 8, docs/threading.md). */
unsigned ol__fork_generation_now(void);
static inline bool ol__forked_since(unsigned generation)
{
    return generation != atomic_load(&ol__fork_generation);
}
/* The thread that drives this OL_LOOP_NO_THREAD loop with ol_loop_run, also between two runs:
 * a blocking wait there for the loop's work would never end. */
bool ol__loop_driven_here(const ol_loop *loop);
/* Queue a message for the loop thread. OL_ECLOSED if the gate refuses it. */
int ol__loop_post(ol_loop *loop, ol_msg *msg, bool is_submit);
/* Queue messages first..last (already linked) with one lock and at most one wake-up. */
int ol__loop_post_chain(ol_loop *loop, ol_msg *first, ol_msg *last, bool is_submit);
/* Futures keep their loop's memory alive (not its thread): a future may outlive shutdown. */
void ol__loop_retain(ol_loop *loop);
void ol__loop_release(ol_loop *loop);
/* Loop thread: a task finished; unlink it and free the job. */
void ol__loop_task_ended(ol_loop *loop, ol_job *job);

/* loop_exit.c: loop threads park when the process exits, before OpenSSL's exit cleanup. */
void ol__loop_exit_init(void);                   /* before a loop thread is created */
void ol__exit_hook_after_global_init(void);      /* right after curl_global_init */
void ol__loop_exit_enter(ol_loop *loop);         /* loop thread, before uv_run */
void ol__loop_exit_leave(ol_loop *loop);         /* loop thread, after uv_run */
void ol__loop_exit_park_if_asked(ol_loop *loop); /* loop thread, at each wake-up */
bool ol__loop_exit_began(void);

/* loop_defer.c: work for the loop thread to do at the end of the current loop iteration. */
void ol__loop_defer_init(ol_loop *loop);
/* Loop thread. false when the loop no longer defers (it is closing): do the work now. */
bool ol__loop_defer(ol_loop *loop, ol_deferred *d);
void ol__loop_defer_flush(ol_loop *loop);
void ol__loop_defer_stop(ol_loop *loop); /* at close: run what is queued, defer no more */

/* job.c */
ol_job *ol__job_alloc(int kind, const ol_job_ops *ops);
void ol__job_destroy(ol_job *job);
/* Loop thread: start a dequeued job (or drop it if its future is already settled). */
void ol__job_start(ol_job *job);
/* Loop thread: carry a cancellation to a running job. */
void ol__job_cancel(ol_job *job);
/* Finish: settle the future (if still pending), end the iterator stream, free the task. */
int ol__task_finish(ol_job *job, int status, void *value, ol_free_fn value_free, int64_t value_int,
                    const char *message);

/* iter.c */
ol_iter *ol__iter_new(ol_loop *loop, ol_future *future, size_t capacity);
/* Producer side (loop thread). */
int ol__iter_push(ol_iter *it, int kind, const void *data, size_t len, void *object,
                  ol_free_fn object_free);
void ol__iter_end(ol_iter *it, int status, const char *message);
void ol__iter_release(ol_iter *it);

/* http.c: the HTTP kind */
int ol__http_loop_close(ol_loop *loop); /* loop thread, at shutdown: cleanup multi, handles */

/* ---- versioned structs (ol_loop_options, ol_loop_stats, ol_http_timing, ol_custom_ops)
 * A caller built against version v has v's fields and no more: the library reads and writes
 * exactly the bytes up to the end of v's last field, never its own sizeof (which a newer
 * version's fields, or trailing padding, make larger than the caller's struct). Each owner
 * keeps a table: sizes[v] = OL_FIELD_END(type, last field of version v). */
#define OL_FIELD_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))
/* sizes[version], or 0 for an unknown version (0, or newer than this library). */
#define OL_VERSIONED_SIZE(sizes, version) \
    ((version) >= 1 && (version) < sizeof(sizes) / sizeof((sizes)[0]) ? (sizes)[version] : 0)
/* Copy the first size bytes of the library's struct to the caller's, keeping the caller's
 * version (the first field of every versioned struct). */
static inline void ol__versioned_write(void *out, const void *full, size_t size)
{
    unsigned version;
    memcpy(&version, out, sizeof version);
    memcpy(out, full, size);
    memcpy(out, &version, sizeof version);
}

/* util */
int64_t ol__now_ms(void);
/* CLOCK_MONOTONIC now + timeout_ms, for pthread_cond_timedwait on a monotonic condvar. The
 * one deadline computation of the core: it saturates (a huge timeout gives the farthest time
 * there is, never an overflow or a deadline in the past). */
struct timespec;
void ol__deadline_from_now(struct timespec *ts, int64_t timeout_ms);
/* Milliseconds left until a deadline of ol__deadline_from_now, rounded up and clamped to
 * [0, INT_MAX]: a timeout for poll(2). Wait in a loop: a far deadline takes several. */
int ol__ms_until(const struct timespec *deadline);
char *ol__strdup(const char *s);

#endif
