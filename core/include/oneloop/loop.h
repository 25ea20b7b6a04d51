/* oneloop: the executor loop.
 *
 * A loop is one libuv event loop and the thread that runs it (the "loop thread"). Jobs are
 * submitted to it from any thread; they run on the loop thread and settle futures that any
 * thread may wait on. ol_loop_default() is the process-wide loop every binding shares.
 */
#ifndef ONELOOP_LOOP_H
#define ONELOOP_LOOP_H

#include "common.h"

OL_BEGIN_DECL

typedef struct ol_loop ol_loop;

/* Flags for ol_loop_options.flags */
#define OL_LOOP_NO_THREAD 1u /* no thread of its own: the host drives it with ol_loop_run */

/* Versioned structs (ol_loop_options, ol_loop_stats, ol_http_timing, ol_custom_ops): the
 * library reads and writes only the fields of the version the caller set (up to the end of
 * that version's last field, never its own sizeof), so a caller built against an older header
 * keeps working; a version newer than the library's is refused with OL_EINVAL. */
#define OL_LOOP_OPTIONS_VERSION 1
typedef struct ol_loop_options {
    unsigned version;              /* OL_LOOP_OPTIONS_VERSION */
    unsigned flags;                /* OL_LOOP_* */
    unsigned max_connections;      /* HTTP: total open connections, 0 = libcurl's default */
    unsigned max_host_connections; /* HTTP: transfers in progress per host, and so its
                                     * connections (HTTP/2 included); more requests wait in
                                     * oneloop, first come first served; a waiting one
                                     * fails OL_ETIMEDOUT as soon as its timeout (which
                                     * counts the wait) ends. 0 = unlimited; default 256 */
} ol_loop_options;
/* The default per-host limit: it bounds sockets and keeps a burst's connections reusable by
 * the next burst (idle connections beyond the cache's 256 are closed). */
#define OL_LOOP_DEFAULT_MAX_HOST_CONNECTIONS 256u
#define OL_LOOP_OPTIONS_INIT                                                  \
    {                                                                         \
        OL_LOOP_OPTIONS_VERSION, 0u, 0u, OL_LOOP_DEFAULT_MAX_HOST_CONNECTIONS \
    }

/* Fill opts with the defaults of the given version (its fields only; opts->version is set to
 * it). OL_EINVAL for an unknown version. */
OL_EXTERN int ol_loop_options_init(ol_loop_options *opts, unsigned version);

/* The process-wide loop, started on first call (not at load time). Safe from any number of
 * threads at once; every call returns the same loop. In a forked child the first call builds a
 * fresh loop (the parent's is abandoned, never touched). Returns NULL only when the loop could
 * not be started (out of memory or file descriptors, thread creation failed); a later call
 * tries again. Never free it (ol_loop_free ignores it). */
OL_EXTERN ol_loop *ol_loop_default(void);
/* Options for the process-wide loop (connection limits), before it starts: OL_OK, OL_EALREADY
 * once it runs, OL_EINVAL for a bad version or OL_LOOP_NO_THREAD. Without this call the
 * environment's ONELOOP_MAX_CONNECTIONS and ONELOOP_MAX_HOST_CONNECTIONS (decimal, 0 =
 * unlimited) are used, else the defaults. Kept for the fresh loop of a forked child. */
OL_EXTERN int ol_loop_default_configure(const ol_loop_options *opts);
/* The options a loop runs with; set out->version first. Any thread. */
OL_EXTERN int ol_loop_options_get(const ol_loop *loop, ol_loop_options *out);

/* A new, independent loop. opts may be NULL for defaults. Any thread. Free it with
 * ol_loop_free. OL_ENOMEM when it cannot be made (memory, file descriptors, threads).
 * With OL_LOOP_NO_THREAD the loop has no thread: the host calls ol_loop_run from one thread of
 * its own (that thread is then the loop thread), e.g. when its backend fd is readable. */
OL_EXTERN int ol_loop_new(ol_loop **out, const ol_loop_options *opts);

/* Close the loop: stop accepting (later submits get OL_ECLOSED), let running jobs finish until
 * timeout_ms (negative: no deadline), cancel what is left (futures settle OL_ECANCELED) and
 * join the thread. A job whose submit raced with the shutdown (accepted, not yet started when
 * closing began) never starts: its future settles OL_ECANCELED. Every future of the loop is
 * settled when this returns. It does not free the loop: the handle stays valid (submits get
 * OL_ECLOSED, a second shutdown returns OL_ECLOSED) until ol_loop_free.
 * The deadline is a bound: the call returns within timeout_ms plus a few milliseconds (as
 * long as cancelled custom jobs finish promptly, as ol_custom_ops.cancel asks), even when a
 * work job (ol_job_work_new) is still running on libuv's thread pool, which nothing can
 * interrupt. Such work finishes detached: its future is already settled OL_ECANCELED, the
 * loop's thread (or, for a loop without thread, a thread started for it) goes on until the
 * work returns, then frees the job (arg_free and value_free run then, on that thread) and the
 * loop's memory once ol_loop_free was called.
 * Any thread but the loop thread (OL_EDEADLK). For ol_loop_default() it shuts the
 * process-wide loop down: later submits to it fail with OL_ECLOSED. Returns OL_OK, or
 * OL_ETIMEDOUT if running jobs had to be cancelled. A loop without thread must be shut down
 * from the thread that drives it.
 * Once the process exits (exit(), a return from main: see README "Exit with jobs in flight"),
 * a loop with a thread is parked, not joined: this returns OL_ECLOSED at once. */
OL_EXTERN int ol_loop_shutdown(ol_loop *loop, int64_t timeout_ms);
/* Free a loop made by ol_loop_new. If it was not shut down yet, it is first, with a deadline
 * of 0 (every job cancelled). Futures of the loop stay valid until released; work still
 * running on the pool keeps the loop's memory until it ends. No call on the loop may run
 * concurrently or follow. Accepts NULL; ignores ol_loop_default() (never freed), a loop of
 * the parent process in a forked child (abandoned, never touched) and calls from the loop's
 * own thread. */
OL_EXTERN void ol_loop_free(ol_loop *loop);

/* For OL_LOOP_NO_THREAD loops. */
#define OL_RUN_DEFAULT 0 /* run until the loop is shut down */
#define OL_RUN_ONCE 1    /* wait for and process one round of events */
#define OL_RUN_NOWAIT 2  /* process what is ready, do not wait */
/* Run the loop on the calling thread. Returns the number of jobs still queued or running
 * (0 when idle), or a negative status. Only ever from one thread. */
OL_EXTERN int ol_loop_run(ol_loop *loop, int mode);
/* A file descriptor that becomes readable when ol_loop_run has work (for the host's poller),
 * and the time in ms until the next timer (-1: none). */
OL_EXTERN int ol_loop_backend_fd(ol_loop *loop);
OL_EXTERN int ol_loop_backend_timeout(ol_loop *loop);

/* 1 when the calling thread is this loop's thread, else 0. Any thread. */
OL_EXTERN int ol_loop_is_loop_thread(const ol_loop *loop);

#define OL_LOOP_STATS_VERSION 1
typedef struct ol_loop_stats {
    unsigned version;          /* set by the caller: OL_LOOP_STATS_VERSION */
    uint64_t submitted;        /* jobs accepted */
    uint64_t completed;        /* futures settled OK */
    uint64_t failed;           /* futures settled with an error other than cancellation */
    uint64_t cancelled;        /* futures settled OL_ECANCELED */
    uint64_t in_flight;        /* accepted and not settled */
    uint64_t queue_depth;      /* submitted, not yet picked up by the loop thread */
    uint64_t http_connections; /* HTTP connections opened so far (reuse keeps it low) */
} ol_loop_stats;
#define OL_LOOP_STATS_INIT                         \
    {                                              \
        OL_LOOP_STATS_VERSION, 0, 0, 0, 0, 0, 0, 0 \
    }
/* A snapshot of the counters. Any thread. */
OL_EXTERN int ol_loop_stats_get(ol_loop *loop, ol_loop_stats *out);

OL_END_DECL

#endif
