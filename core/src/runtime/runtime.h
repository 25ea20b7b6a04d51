/* The runtime as the other layers see it: the loop's message queue and thread, its counters
 * and task list, deferred work, process exit, and the slots where job kinds keep per-loop
 * state. The loop itself stays opaque here (its structure: runtime/loop_impl.h). */
#ifndef OL_SRC_RUNTIME_H
#define OL_SRC_RUNTIME_H

#include "../util/util.h"

#include <uv.h>

/* ---- messages to the loop thread (queue.c: one mutex-protected queue, one uv_async_t) */
enum ol_msg_type { OL_MSG_START = 1, OL_MSG_CANCEL = 2, OL_MSG_RESUME = 3, OL_MSG_SHUTDOWN = 4 };
typedef struct ol_msg {
    struct ol_msg *next;
    int type;
    ol_future *future; /* CANCEL / RESUME: one reference held by the message */
} ol_msg;

/* Queue a message for the loop thread. OL_ECLOSED if the gate refuses it (a submit once
 * shutdown began, anything once the loop closed), OL_EFORKED in a forked child. */
int ol__loop_post(ol_loop *loop, ol_msg *msg, bool is_submit);
/* Queue messages first..last (already linked) with one lock and at most one wake-up. */
int ol__loop_post_chain(ol_loop *loop, ol_msg *first, ol_msg *last, bool is_submit);

/* ---- the loop and its threads (loop.c) */
extern _Thread_local ol_loop *ol__current_loop; /* the loop whose thread this is, if any */
extern _Thread_local bool ol__drives_loop;      /* this thread runs a loop without thread */
/* The thread that drives this OL_LOOP_NO_THREAD loop with ol_loop_run, also between two runs:
 * a blocking wait there for the loop's work would never end. */
bool ol__loop_driven_here(const ol_loop *loop);
/* Futures keep their loop's memory alive (not its thread): a future may outlive shutdown. */
void ol__loop_retain(ol_loop *loop);
void ol__loop_release(ol_loop *loop);
uv_loop_t *ol__loop_uv(ol_loop *loop);
/* Loop thread: shutdown began; nothing new starts from now on. */
bool ol__loop_shutting_down(const ol_loop *loop);

/* Counters of ol_loop_stats (relaxed atomics, any thread). */
void ol__loop_count_submitted(ol_loop *loop, uint64_t n);   /* n jobs queued */
void ol__loop_uncount_submitted(ol_loop *loop, uint64_t n); /* the gate refused them */
void ol__loop_count_settled(ol_loop *loop, ol_future_state state);

/* Loop thread: the running tasks. A started job joins the list; the end of a task unlinks
 * and frees it (and may let a pending shutdown finish). */
void ol__loop_task_started(ol_loop *loop, ol_job *job);
void ol__loop_task_ended(ol_loop *loop, ol_job *job);

/* ---- deferred work (defer.c): run by the loop thread at the end of the current iteration */
typedef struct ol_deferred {
    struct ol_deferred *next;
    void (*run)(struct ol_deferred *d);
} ol_deferred;
/* Loop thread. false when the loop no longer defers (it is closing): do the work now. */
bool ol__loop_defer(ol_loop *loop, ol_deferred *d);

/* ---- process exit (exit.c): loop threads park before libcurl's and OpenSSL's cleanup */
void ol__exit_hook_after_global_init(void);      /* right after curl_global_init */
void ol__loop_exit_park_if_asked(ol_loop *loop); /* loop thread, at each wake-up */

/* ---- job kinds' per-loop state (kinds.c)
 * The loop never names a job kind. A kind that keeps state in each loop (HTTP: a curl multi
 * handle, sockets, timers) registers these hooks once per process and gets a slot number;
 * every loop has one slot per number. */
typedef struct ol_kind_hooks {
    /* Loop thread, the kind's first use of a loop: its state, NULL when out of memory. */
    void *(*init)(ol_loop *loop);
    /* Loop thread, at shutdown once the kind has no task left: release state. The slot is
     * empty from then on (ol__kind_state answers NULL). */
    void (*close)(ol_loop *loop, void *state);
    /* Any thread: report the slot's counter in the kind's fields of the loop's stats. */
    void (*stats)(uint64_t counter, ol_loop_stats *stats);
} ol_kind_hooks;
enum { OL_KIND_SLOTS = 4 };
int ol__kind_register(const ol_kind_hooks *hooks);        /* the kind's slot number */
void *ol__kind_state(ol_loop *loop, int slot);            /* loop thread; NULL: none now */
void *ol__kind_state_get(ol_loop *loop, int slot);        /* loop thread; made on first use */
void ol__kind_count(ol_loop *loop, int slot, uint64_t n); /* add to its counter, any thread */

#endif
