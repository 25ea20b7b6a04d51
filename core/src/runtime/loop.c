/* The executor loop: creation, its thread, the default loop, running it from the host,
 * counters, stats and the list of running tasks. */
#include "loop_impl.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Thread_local ol_loop *ol__current_loop;
_Thread_local bool ol__drives_loop;

static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(ol_loop *) default_loop;

/* ---- fork (threading rule 8, docs/threading.md): the child forgets the parent's loop, never
 * touches it. */

static void fork_prepare(void) { pthread_mutex_lock(&default_lock); }
static void fork_parent(void) { pthread_mutex_unlock(&default_lock); }
static void fork_child(void)
{
    pthread_mutex_init(&default_lock, NULL);
    atomic_store(&default_loop, NULL); /* leaked on purpose: its thread does not exist here */
    ol__current_loop = NULL;
}

static const ol_fork_hooks fork_hooks = {fork_prepare, fork_parent, fork_child};
static pthread_once_t fork_hooks_once = PTHREAD_ONCE_INIT;
static void add_fork_hooks(void) { ol__fork_hooks_add(&fork_hooks); }

bool ol__loop_driven_here(const ol_loop *loop)
{
    return !loop->has_thread && atomic_load_explicit(&loop->driven, memory_order_acquire) &&
           pthread_equal(loop->driver, pthread_self());
}

/* ---- options */

/* The size of each version of ol_loop_options (util/util.h: versioned structs). */
static const size_t options_sizes[] = {0, OL_FIELD_END(ol_loop_options, max_host_connections)};
_Static_assert(sizeof options_sizes / sizeof options_sizes[0] == OL_LOOP_OPTIONS_VERSION + 1,
               "a size for every version of ol_loop_options");

/* The caller's options (of its version) over the defaults of the current version. */
static ol_loop_options options_from_caller(const ol_loop_options *opts)
{
    ol_loop_options full = OL_LOOP_OPTIONS_INIT;
    memcpy(&full, opts, OL_CALLER_SIZE(options_sizes, opts));
    full.version = OL_LOOP_OPTIONS_VERSION;
    return full;
}

int ol_loop_options_init(ol_loop_options *opts, unsigned version)
{
    size_t size = OL_VERSIONED_SIZE(options_sizes, version);
    if (!opts || !size) return OL_EINVAL;
    ol_loop_options defaults = OL_LOOP_OPTIONS_INIT;
    memcpy(opts, &defaults, size);
    opts->version = version;
    return OL_OK;
}

/* ---- tasks */

void ol__loop_task_started(ol_loop *loop, ol_job *job)
{
    job->next = loop->tasks;
    if (loop->tasks) loop->tasks->prev = job;
    loop->tasks = job;
    loop->task_count++;
}

void ol__loop_task_ended(ol_loop *loop, ol_job *job)
{
    if (job->prev)
        job->prev->next = job->next;
    else if (loop->tasks == job)
        loop->tasks = job->next;
    if (job->next) job->next->prev = job->prev;
    loop->task_count--;
    if (!job->starting) ol__job_destroy(job); /* else ol__job_start frees it */
    if (loop->shutdown_started && loop->task_count == 0) ol__loop_begin_shutdown(loop);
}

/* ---- creation */

static void loop_thread_main(void *arg)
{
    ol_loop *loop = arg;
    ol__current_loop = loop;
    /* Shown by top -H, ps -L, gdb and py-spy, so the executor is easy to tell apart. */
    pthread_setname_np(pthread_self(), "oneloop");
    ol__loop_exit_enter(loop);
    uv_run(&loop->uv, UV_RUN_DEFAULT);
    ol__loop_exit_leave(loop);
    ol__loop_thread_done(loop);
}

/* A thread that runs the loop until it is closed, holding a reference to it. It runs with
 * every signal blocked (threading rule 5, docs/threading.md). */
int ol__loop_start_thread(ol_loop *loop, uv_thread_t *thread, void (*entry)(void *))
{
    sigset_t all, old;
    sigfillset(&all);
    ol__loop_retain(loop);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = uv_thread_create(thread, entry, loop);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) atomic_fetch_sub(&loop->refs, 1); /* never the last one here */
    return rc;
}

/* libuv aborts (in its process-wide signal setup, on the first loop of a process) when it
 * cannot make a pipe after the loop's epoll descriptor. Check that those three descriptors are
 * free, so that running out of them fails the loop's creation instead of the process. (Past
 * that point libuv fails cleanly. Another thread taking the last descriptors between this
 * check and uv_loop_init can still win; only libuv itself could close that window.) */
static bool descriptors_available(void)
{
    int fds[2];
    if (pipe(fds) != 0) return false;
    int third = dup(fds[0]);
    close(fds[0]);
    close(fds[1]);
    if (third < 0) return false;
    close(third);
    return true;
}

static int loop_create(ol_loop **out, const ol_loop_options *opts, bool is_default)
{
    if (!out) return OL_EINVAL;
    *out = NULL;
    if (opts && !OL_CALLER_SIZE(options_sizes, opts)) return OL_EINVAL;
    pthread_once(&fork_hooks_once, add_fork_hooks);

    ol_loop *loop = calloc(1, sizeof *loop);
    if (!loop) return OL_ENOMEM;
    ol_loop_options_init(&loop->opts, OL_LOOP_OPTIONS_VERSION);
    if (opts) loop->opts = options_from_caller(opts);
    loop->is_default = is_default;
    loop->generation = ol__fork_generation_now();
    atomic_init(&loop->refs, 1);
    pthread_mutex_init(&loop->queue_lock, NULL);
    pthread_mutex_init(&loop->done_lock, NULL);
    pthread_cond_init(&loop->done_cond, NULL);
    if (!descriptors_available() || uv_loop_init(&loop->uv) != 0) goto fail_loop;
    loop->uv.data = loop;
    if (uv_async_init(&loop->uv, &loop->wake, ol__loop_on_wake) != 0) goto fail_async;
    loop->wake.data = loop;
    uv_timer_init(&loop->uv, &loop->deadline_timer);
    loop->deadline_timer.data = loop;
    uv_unref((uv_handle_t *)&loop->deadline_timer);
    ol__loop_defer_init(loop);

    if (!(loop->opts.flags & OL_LOOP_NO_THREAD)) {
        ol__loop_exit_init(); /* its exit handler, before the thread can exist */
        if (ol__loop_start_thread(loop, &loop->thread, loop_thread_main) != 0) goto fail_thread;
        loop->has_thread = true;
    }
    *out = loop;
    return OL_OK;

fail_thread:
    uv_close((uv_handle_t *)&loop->wake, NULL);
    uv_close((uv_handle_t *)&loop->deadline_timer, NULL);
    uv_close((uv_handle_t *)&loop->defer_prepare, NULL);
    uv_close((uv_handle_t *)&loop->defer_check, NULL);
    uv_run(&loop->uv, UV_RUN_DEFAULT);
fail_async:
    uv_loop_close(&loop->uv);
fail_loop:
    pthread_cond_destroy(&loop->done_cond);
    pthread_mutex_destroy(&loop->done_lock);
    pthread_mutex_destroy(&loop->queue_lock);
    free(loop);
    return OL_ENOMEM;
}

int ol_loop_new(ol_loop **out, const ol_loop_options *opts)
{
    return loop_create(out, opts, false);
}

/* Options of the process-wide loop: ol_loop_default_configure, else the environment, else the
 * defaults. Kept across fork, so a child's fresh default loop is configured alike. */
static ol_loop_options default_opts;
static bool default_opts_set;

/* ONELOOP_MAX_CONNECTIONS / ONELOOP_MAX_HOST_CONNECTIONS: a decimal count (0 = unlimited).
 * Anything else is ignored, keeping the default. */
static void option_from_env(const char *name, unsigned *field)
{
    const char *text = getenv(name);
    if (!text || !*text) return;
    char *end = NULL;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno == 0 && *end == '\0' && text[0] != '-' && value <= UINT_MAX) *field = (unsigned)value;
}

static ol_loop_options default_loop_options(void)
{
    if (default_opts_set) return default_opts;
    ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
    option_from_env("ONELOOP_MAX_CONNECTIONS", &opts.max_connections);
    option_from_env("ONELOOP_MAX_HOST_CONNECTIONS", &opts.max_host_connections);
    return opts;
}

int ol_loop_options_get(const ol_loop *loop, ol_loop_options *out)
{
    size_t size = OL_CALLER_SIZE(options_sizes, out);
    if (!loop || !size) return OL_EINVAL;
    ol__versioned_write(out, &loop->opts, size);
    return OL_OK;
}

int ol_loop_default_configure(const ol_loop_options *opts)
{
    if (!OL_CALLER_SIZE(options_sizes, opts) || (opts->flags & OL_LOOP_NO_THREAD)) return OL_EINVAL;
    pthread_once(&fork_hooks_once, add_fork_hooks);
    pthread_mutex_lock(&default_lock);
    int rc = OL_EALREADY;
    if (!atomic_load(&default_loop)) {
        default_opts = options_from_caller(opts);
        default_opts_set = true;
        rc = OL_OK;
    }
    pthread_mutex_unlock(&default_lock);
    return rc;
}

ol_loop *ol_loop_default(void)
{
    ol_loop *loop = atomic_load_explicit(&default_loop, memory_order_acquire);
    if (loop) return loop;
    pthread_once(&fork_hooks_once, add_fork_hooks);
    pthread_mutex_lock(&default_lock);
    loop = atomic_load(&default_loop);
    if (!loop) {
        ol_loop_options opts = default_loop_options();
        if (loop_create(&loop, &opts, true) == OL_OK)
            atomic_store_explicit(&default_loop, loop, memory_order_release);
    }
    pthread_mutex_unlock(&default_lock);
    return loop;
}

void ol_loop_free(ol_loop *loop)
{
    if (!loop || loop->is_default) return;
    if (ol__forked_since(loop->generation)) return;      /* never touched */
    if (ol_loop_shutdown(loop, 0) == OL_EDEADLK) return; /* from its own thread: refused */
    ol__loop_release(loop);                              /* the owner's reference */
}

void ol__loop_retain(ol_loop *loop)
{
    atomic_fetch_add_explicit(&loop->refs, 1, memory_order_relaxed);
}

void ol__loop_release(ol_loop *loop)
{
    if (atomic_fetch_sub_explicit(&loop->refs, 1, memory_order_acq_rel) != 1) return;
    /* Only reached after ol_loop_free dropped the owner's reference and the loop's thread (if
     * any) left uv_run: nothing runs the loop any more. */
    uv_loop_close(&loop->uv);
    pthread_cond_destroy(&loop->done_cond);
    pthread_mutex_destroy(&loop->done_lock);
    pthread_mutex_destroy(&loop->queue_lock);
    free(loop);
}

int ol_loop_run(ol_loop *loop, int mode)
{
    if (!loop || loop->has_thread) return OL_EINVAL;
    if (mode < OL_RUN_DEFAULT || mode > OL_RUN_NOWAIT) return OL_EINVAL;
    if (atomic_load(&loop->state) == OL_LOOP_CLOSED) return OL_ECLOSED;
    if (!atomic_load_explicit(&loop->driven, memory_order_relaxed)) {
        loop->driver = pthread_self(); /* "only ever from one thread": the first is the one */
        atomic_store_explicit(&loop->driven, true, memory_order_release);
    }
    ol__drives_loop = true;
    ol_loop *previous = ol__current_loop;
    ol__current_loop = loop;
    int rc = uv_run(&loop->uv, mode == OL_RUN_ONCE     ? UV_RUN_ONCE
                               : mode == OL_RUN_NOWAIT ? UV_RUN_NOWAIT
                                                       : UV_RUN_DEFAULT);
    ol__loop_defer_flush(loop); /* work deferred by callbacks after the last check phase */
    ol__current_loop = previous;
    (void)rc; /* uv_run counts our own always-active wake handle: report jobs instead */
    uint64_t pending = loop->task_count + atomic_load(&loop->n_queued);
    return pending > INT32_MAX ? INT32_MAX : (int)pending;
}

int ol_loop_backend_fd(ol_loop *loop)
{
    if (!loop) return OL_EINVAL;
    return uv_backend_fd(&loop->uv);
}

int ol_loop_backend_timeout(ol_loop *loop)
{
    if (!loop) return OL_EINVAL;
    return uv_backend_timeout(&loop->uv);
}

int ol_loop_is_loop_thread(const ol_loop *loop) { return loop && ol__current_loop == loop; }

/* The size of each version of ol_loop_stats (util/util.h: versioned structs). */
static const size_t stats_sizes[] = {0, OL_FIELD_END(ol_loop_stats, http_connections)};
_Static_assert(sizeof stats_sizes / sizeof stats_sizes[0] == OL_LOOP_STATS_VERSION + 1,
               "a size for every version of ol_loop_stats");

int ol_loop_stats_get(ol_loop *loop, ol_loop_stats *caller)
{
    size_t size = OL_CALLER_SIZE(stats_sizes, caller);
    if (!loop || !size) return OL_EINVAL;
    ol_loop_stats full = OL_LOOP_STATS_INIT, *out = &full;
    uint64_t submitted = atomic_load(&loop->n_submitted);
    uint64_t completed = atomic_load(&loop->n_completed);
    uint64_t failed = atomic_load(&loop->n_failed);
    uint64_t cancelled = atomic_load(&loop->n_cancelled);
    uint64_t settled = completed + failed + cancelled;
    out->submitted = submitted;
    out->completed = completed;
    out->failed = failed;
    out->cancelled = cancelled;
    out->in_flight = submitted > settled ? submitted - settled : 0;
    out->queue_depth = atomic_load(&loop->n_queued);
    ol__kinds_stats(loop, out);
    ol__versioned_write(caller, &full, size);
    return OL_OK;
}

uv_loop_t *ol__loop_uv(ol_loop *loop) { return &loop->uv; }
bool ol__loop_shutting_down(const ol_loop *loop) { return loop->shutdown_started; }

void ol__loop_count_submitted(ol_loop *loop, uint64_t n)
{
    atomic_fetch_add_explicit(&loop->n_queued, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&loop->n_submitted, n, memory_order_relaxed);
}

void ol__loop_uncount_submitted(ol_loop *loop, uint64_t n)
{
    atomic_fetch_sub_explicit(&loop->n_queued, n, memory_order_relaxed);
    atomic_fetch_sub_explicit(&loop->n_submitted, n, memory_order_relaxed);
}

void ol__loop_count_settled(ol_loop *loop, ol_future_state state)
{
    atomic_uint_fast64_t *counter = state == OL_FUTURE_DONE        ? &loop->n_completed
                                    : state == OL_FUTURE_CANCELLED ? &loop->n_cancelled
                                                                   : &loop->n_failed;
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}
