/* The loop's structure and what the runtime's files (runtime/) share. Other layers use
 * runtime.h. */
#ifndef OL_SRC_LOOP_IMPL_H
#define OL_SRC_LOOP_IMPL_H

#include "runtime.h"

#include "../future/future.h"
#include "../job/job.h"

enum ol_loop_state { OL_LOOP_RUNNING = 0, OL_LOOP_CLOSING = 1, OL_LOOP_CLOSED = 2 };

/* A job kind's state in this loop (kinds.c). */
typedef struct ol_kind_slot {
    void *state;                  /* loop thread only */
    atomic_uint_fast64_t counter; /* kept by the kind, reported by its stats hook */
} ol_kind_slot;

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
    ol_job *tasks; /* running tasks (doubly linked) */
    size_t task_count;
    ol_msg shutdown_msg;
    bool shutdown_started;
    bool shutdown_cancelled_any;
    int64_t shutdown_timeout_ms;
    ol_kind_slot kind_slots[OL_KIND_SLOTS];

    /* Shutdown's caller waits on these (set by the thread that runs the loop). */
    pthread_mutex_t done_lock;
    pthread_cond_t done_cond;
    bool run_ended;             /* the loop thread left uv_run: nothing runs any more */
    bool deadline_passed;       /* every future settled; only detached pool work may run */
    uv_prepare_t defer_prepare; /* run the deferred list (defer.c) */
    uv_check_t defer_check;
    ol_deferred *deferred;
    bool deferring;

    /* Process exit (exit.c), under its registry lock. */
    struct ol_loop *exit_next; /* loops whose thread runs */
    bool exit_parked;

    /* Counters (relaxed atomics). */
    atomic_uint_fast64_t n_submitted, n_completed, n_failed, n_cancelled, n_queued;
};

/* queue.c */
void ol__loop_on_wake(uv_async_t *handle); /* the loop's wake handle */
/* Loop thread: close the gate for good (OL_LOOP_CLOSED), wait out the submitters inside it,
 * and refuse what they queued: jobs are cancelled, other messages dropped. Idempotent. */
void ol__loop_close_gate(ol_loop *loop);

/* shutdown.c (threading rule 9, docs/threading.md). Loop thread: called when the request
 * arrives and again whenever the last task ends. */
void ol__loop_begin_shutdown(ol_loop *loop);

/* loop.c: start a thread that runs the loop until it closes (holding a reference to it), and
 * the end of such a thread. */
int ol__loop_start_thread(ol_loop *loop, uv_thread_t *thread, void (*entry)(void *));
void ol__loop_thread_done(ol_loop *loop);

/* defer.c */
void ol__loop_defer_init(ol_loop *loop);
void ol__loop_defer_flush(ol_loop *loop);
void ol__loop_defer_stop(ol_loop *loop); /* at close: run what is queued, defer no more */

/* exit.c */
void ol__loop_exit_init(void);           /* before a loop thread is created */
void ol__loop_exit_enter(ol_loop *loop); /* loop thread, before uv_run */
void ol__loop_exit_leave(ol_loop *loop); /* loop thread, after uv_run */
bool ol__loop_exit_began(void);

/* kinds.c: loop thread, at shutdown: close every kind's state. Any thread: their stats. */
void ol__kinds_close(ol_loop *loop);
void ol__kinds_stats(ol_loop *loop, ol_loop_stats *stats);

#endif
