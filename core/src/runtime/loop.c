/* The executor loop: its thread, the submission gate and queue, shutdown, fork. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Thread_local ol_loop *ol__current_loop;
_Thread_local bool ol__drives_loop;
atomic_uint ol__fork_generation;

static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(ol_loop *) default_loop;

/* ---- fork (threading rule 8, docs/threading.md): the child forgets the parent's loop, never touches it. */

static void atfork_prepare(void) { pthread_mutex_lock(&default_lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&default_lock); }
static void atfork_child(void)
{
    pthread_mutex_init(&default_lock, NULL);
    atomic_fetch_add(&ol__fork_generation, 1);
    atomic_store(&default_loop, NULL); /* leaked on purpose: its thread does not exist here */
    ol__current_loop = NULL;
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void install_atfork(void) { pthread_atfork(atfork_prepare, atfork_parent, atfork_child); }

unsigned ol__fork_generation_now(void)
{
    pthread_once(&atfork_once, install_atfork);
    return atomic_load(&ol__fork_generation);
}

bool ol__loop_driven_here(const ol_loop *loop)
{
    return !loop->has_thread && atomic_load_explicit(&loop->driven, memory_order_acquire) &&
           pthread_equal(loop->driver, pthread_self());
}

/* ---- options */

/* The size of each version of ol_loop_options (internal.h: versioned structs). */
static const size_t options_sizes[] = {0, OL_FIELD_END(ol_loop_options, max_host_connections)};
_Static_assert(sizeof options_sizes / sizeof options_sizes[0] == OL_LOOP_OPTIONS_VERSION + 1,
               "a size for every version of ol_loop_options");

static size_t options_size(unsigned version) { return OL_VERSIONED_SIZE(options_sizes, version); }

/* The caller's options (of its version) over the defaults of the current version. */
static ol_loop_options options_from_caller(const ol_loop_options *opts)
{
    ol_loop_options full = OL_LOOP_OPTIONS_INIT;
    memcpy(&full, opts, options_size(opts->version));
    full.version = OL_LOOP_OPTIONS_VERSION;
    return full;
}

int ol_loop_options_init(ol_loop_options *opts, unsigned version)
{
    if (!opts || !options_size(version)) return OL_EINVAL;
    ol_loop_options defaults = OL_LOOP_OPTIONS_INIT;
    memcpy(opts, &defaults, options_size(version));
    opts->version = version;
    return OL_OK;
}

/* ---- the queue */

int ol__loop_post_chain(ol_loop *loop, ol_msg *first, ol_msg *last, bool is_submit)
{
    if (loop->generation != atomic_load(&ol__fork_generation)) return OL_EFORKED;
    atomic_fetch_add(&loop->senders, 1);
    int state = atomic_load(&loop->state);
    if (state == OL_LOOP_CLOSED || (is_submit && state != OL_LOOP_RUNNING)) {
        atomic_fetch_sub(&loop->senders, 1);
        return OL_ECLOSED;
    }
    last->next = NULL;
    pthread_mutex_lock(&loop->queue_lock);
    /* Only the message that makes the queue non-empty wakes the loop: the loop thread takes
     * the whole queue at once, so a burst of submits costs one wake-up, not one each. */
    bool was_empty = loop->queue_head == NULL;
    if (loop->queue_tail)
        loop->queue_tail->next = first;
    else
        loop->queue_head = first;
    loop->queue_tail = last;
    pthread_mutex_unlock(&loop->queue_lock);
    if (was_empty) {
        atomic_thread_fence(memory_order_seq_cst);
        uv_async_send(&loop->wake);
    }
    atomic_fetch_sub(&loop->senders, 1);
    return OL_OK;
}

int ol__loop_post(ol_loop *loop, ol_msg *msg, bool is_submit)
{
    return ol__loop_post_chain(loop, msg, msg, is_submit);
}

static ol_msg *take_queue(ol_loop *loop)
{
    pthread_mutex_lock(&loop->queue_lock);
    ol_msg *head = loop->queue_head;
    loop->queue_head = loop->queue_tail = NULL;
    pthread_mutex_unlock(&loop->queue_lock);
    return head;
}

static void begin_shutdown(ol_loop *loop);

/* A job accepted before the gate closed that had not started when shutdown began: it never
 * runs, its future settles OL_ECANCELED. */
static void refuse_job(ol_loop *loop, ol_job *job)
{
    atomic_fetch_sub_explicit(&loop->n_queued, 1, memory_order_relaxed);
    ol__future_settle(job->future, OL_ECANCELED, NULL, NULL, 0, "loop shut down");
    if (job->iter) ol__iter_end(job->iter, OL_ECANCELED, "loop shut down");
    ol__job_destroy(job);
}

static void handle_message(ol_loop *loop, ol_msg *msg)
{
    switch (msg->type) {
    case OL_MSG_START: {
        ol_job *job = (ol_job *)msg;
        /* Queued by a submitter that raced with shutdown (even in the same drained batch as
         * the SHUTDOWN message): nothing starts once closing began. */
        if (loop->shutdown_started) {
            refuse_job(loop, job);
            break;
        }
        atomic_fetch_sub_explicit(&loop->n_queued, 1, memory_order_relaxed);
        ol__job_start(job);
        break;
    }
    case OL_MSG_CANCEL:
    case OL_MSG_RESUME: {
        if (msg->type == OL_MSG_CANCEL) ol__future_run_cancel_callbacks(msg->future);
        ol_job *job = ol__future_job(msg->future);
        if (job && !job->finished) {
            if (msg->type == OL_MSG_CANCEL)
                ol__job_cancel(job);
            else if (job->ops->resume)
                job->ops->resume(job);
        }
        ol_future_release(msg->future);
        free(msg);
        break;
    }
    case OL_MSG_SHUTDOWN: begin_shutdown(loop); break;
    }
}

static void on_wake(uv_async_t *handle)
{
    ol_loop *loop = handle->data;
    ol__loop_exit_park_if_asked(loop); /* the process exits: stop here (loop_exit.c) */
    ol_msg *msg;
    /* Drain until empty: a message queued while we work gets its own uv_async_send, but
     * draining here saves the extra loop iteration. */
    while ((msg = take_queue(loop)) != NULL) {
        while (msg) {
            ol_msg *next = msg->next;
            handle_message(loop, msg);
            msg = next;
        }
    }
}

/* ---- tasks */

void ol__loop_task_ended(ol_loop *loop, ol_job *job)
{
    if (job->prev)
        job->prev->next = job->next;
    else if (loop->tasks == job)
        loop->tasks = job->next;
    if (job->next) job->next->prev = job->prev;
    loop->task_count--;
    if (!job->starting) ol__job_destroy(job); /* else ol__job_start frees it */
    if (loop->shutdown_started && loop->task_count == 0) begin_shutdown(loop);
}

/* ---- shutdown (threading rule 9, docs/threading.md) */

static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

/* Loop thread: close the gate for good (OL_LOOP_CLOSED), wait out the submitters inside it,
 * and refuse what they queued: jobs are cancelled, other messages dropped. Idempotent. */
static void close_gate(ol_loop *loop)
{
    atomic_store(&loop->state, OL_LOOP_CLOSED);
    while (atomic_load(&loop->senders) != 0) sched_yield();
    ol_msg *msg = take_queue(loop);
    while (msg) {
        ol_msg *next = msg->next;
        if (msg->type == OL_MSG_START) {
            refuse_job(loop, (ol_job *)msg);
        } else if (msg->type != OL_MSG_SHUTDOWN) {
            if (msg->type == OL_MSG_CANCEL) ol__future_run_cancel_callbacks(msg->future);
            ol_future_release(msg->future);
            free(msg);
        }
        msg = next;
    }
}

static void finish_close(ol_loop *loop)
{
    ol__http_loop_close(loop);
    ol__loop_defer_stop(loop);
    close_gate(loop);
    uv_walk(&loop->uv, close_handle, NULL);
}

/* Wake the thread waiting in ol_loop_shutdown. */
static void signal_shutdown_waiter(ol_loop *loop, bool *flag)
{
    pthread_mutex_lock(&loop->done_lock);
    *flag = true;
    pthread_cond_broadcast(&loop->done_cond);
    pthread_mutex_unlock(&loop->done_lock);
}

/* Loop thread, after the deadline: work running on libuv's pool cannot be stopped. Once it is
 * all that is left, the shutdown caller returns; this thread goes on until the work ends, and
 * the task's end frees it (the loop's memory stays until then: this thread holds a
 * reference). Every future is settled by now. */
static void release_waiter_if_only_pool_work(ol_loop *loop)
{
    if (loop->deadline_passed) return;
    for (ol_job *job = loop->tasks; job; job = job->next)
        if (job->kind != OL_JOB_WORK) return; /* cancelled, ends soon: wait for it */
    ol__http_loop_close(loop);  /* no HTTP job is left: libcurl is done before the caller goes */
    ol__loop_defer_flush(loop); /* e.g. notifier writes for the futures just cancelled */
    signal_shutdown_waiter(loop, &loop->deadline_passed);
}

static void cancel_all_tasks(ol_loop *loop)
{
    ol_job *job = loop->tasks;
    while (job) {
        ol_job *next = job->next; /* the job may end (and be freed) inside cancel */
        if (ol__future_settle(job->future, OL_ECANCELED, NULL, NULL, 0, "loop shut down"))
            loop->shutdown_cancelled_any = true;
        ol__job_cancel(job);
        job = next;
    }
}

/* The deadline passed (or was 0): cancel every task, then refuse whatever is still queued. */
static void cancel_at_deadline(ol_loop *loop)
{
    cancel_all_tasks(loop);
    close_gate(loop);
    begin_shutdown(loop);
}

static void on_deadline(uv_timer_t *timer)
{
    ol_loop *loop = timer->data;
    cancel_at_deadline(loop);
}

/* Loop thread. Called when the request arrives and again whenever the last task ends. */
static void begin_shutdown(ol_loop *loop)
{
    if (!loop->shutdown_started) {
        loop->shutdown_started = true;
        if (loop->task_count > 0) {
            if (loop->shutdown_timeout_ms == 0) {
                cancel_at_deadline(loop);
                return;
            }
            if (loop->shutdown_timeout_ms > 0)
                uv_timer_start(&loop->deadline_timer, on_deadline,
                               (uint64_t)loop->shutdown_timeout_ms, 0);
        }
    }
    if (loop->task_count == 0) {
        if (!uv_is_closing((uv_handle_t *)&loop->wake)) finish_close(loop);
    } else if (atomic_load(&loop->state) == OL_LOOP_CLOSED) { /* the deadline passed */
        release_waiter_if_only_pool_work(loop);
    }
}

/* ---- creation */

/* A thread that ran the loop is done with it: wake a waiting shutdown, drop its reference. */
static void loop_thread_done(ol_loop *loop)
{
    ol__current_loop = NULL;
    signal_shutdown_waiter(loop, &loop->run_ended);
    ol__loop_release(loop); /* the thread's reference: the loop may be freed here */
}

static void loop_thread_main(void *arg)
{
    ol_loop *loop = arg;
    ol__current_loop = loop;
    /* Shown by top -H, ps -L, gdb and py-spy, so the executor is easy to tell apart. */
    pthread_setname_np(pthread_self(), "oneloop");
    ol__loop_exit_enter(loop);
    uv_run(&loop->uv, UV_RUN_DEFAULT);
    ol__loop_exit_leave(loop);
    loop_thread_done(loop);
}

/* The thread that finishes an OL_LOOP_NO_THREAD loop for its shutdown when pool work outlives
 * the deadline. Only that work is left and libcurl is closed already, so it is not in the
 * registry of threads parked at process exit (loop_exit.c), which would wait for it. */
static void detached_rest_main(void *arg)
{
    ol_loop *loop = arg;
    ol__current_loop = loop;
    pthread_setname_np(pthread_self(), "oneloop");
    uv_run(&loop->uv, UV_RUN_DEFAULT);
    loop_thread_done(loop);
}

/* A thread that runs the loop until it is closed, holding a reference to it. It runs with
 * every signal blocked (threading rule 5, docs/threading.md). */
static int start_loop_thread(ol_loop *loop, uv_thread_t *thread, void (*entry)(void *))
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
    if (opts && !options_size(opts->version)) return OL_EINVAL;
    pthread_once(&atfork_once, install_atfork);

    ol_loop *loop = calloc(1, sizeof *loop);
    if (!loop) return OL_ENOMEM;
    ol_loop_options_init(&loop->opts, OL_LOOP_OPTIONS_VERSION);
    if (opts) loop->opts = options_from_caller(opts);
    loop->is_default = is_default;
    loop->generation = atomic_load(&ol__fork_generation);
    atomic_init(&loop->refs, 1);
    pthread_mutex_init(&loop->queue_lock, NULL);
    pthread_mutex_init(&loop->done_lock, NULL);
    pthread_cond_init(&loop->done_cond, NULL);
    if (!descriptors_available() || uv_loop_init(&loop->uv) != 0) goto fail_loop;
    loop->uv.data = loop;
    if (uv_async_init(&loop->uv, &loop->wake, on_wake) != 0) goto fail_async;
    loop->wake.data = loop;
    uv_timer_init(&loop->uv, &loop->deadline_timer);
    loop->deadline_timer.data = loop;
    uv_unref((uv_handle_t *)&loop->deadline_timer);
    ol__loop_defer_init(loop);

    if (!(loop->opts.flags & OL_LOOP_NO_THREAD)) {
        ol__loop_exit_init(); /* its exit handler, before the thread can exist */
        if (start_loop_thread(loop, &loop->thread, loop_thread_main) != 0) goto fail_thread;
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
    if (!loop || !out || !options_size(out->version)) return OL_EINVAL;
    ol__versioned_write(out, &loop->opts, options_size(out->version));
    return OL_OK;
}

int ol_loop_default_configure(const ol_loop_options *opts)
{
    if (!opts || !options_size(opts->version) || (opts->flags & OL_LOOP_NO_THREAD))
        return OL_EINVAL;
    pthread_once(&atfork_once, install_atfork);
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
    pthread_once(&atfork_once, install_atfork);
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

/* The shutdown caller of a loop with a thread: true once the thread left uv_run, false when
 * only pool work is left after the deadline (the thread then goes on, detached). */
static bool wait_run_ended_or_deadline(ol_loop *loop)
{
    pthread_mutex_lock(&loop->done_lock);
    while (!loop->run_ended && !loop->deadline_passed)
        pthread_cond_wait(&loop->done_cond, &loop->done_lock);
    bool ended = loop->run_ended;
    pthread_mutex_unlock(&loop->done_lock);
    return ended;
}

/* The shutdown caller of a loop without thread runs it until it closes, or until only pool
 * work is left after the deadline: a thread of our own then runs it until that work ends. */
static void run_here_until_closed_or_deadline(ol_loop *loop)
{
    ol_loop *previous = ol__current_loop;
    ol__current_loop = loop;
    bool alive = true;
    while (alive && !loop->deadline_passed) alive = uv_run(&loop->uv, UV_RUN_ONCE) != 0;
    if (alive) {
        uv_thread_t helper;
        if (start_loop_thread(loop, &helper, detached_rest_main) == 0)
            pthread_detach(helper);
        else
            uv_run(&loop->uv, UV_RUN_DEFAULT); /* no thread: wait for the work here */
    }
    ol__current_loop = previous;
}

int ol_loop_shutdown(ol_loop *loop, int64_t timeout_ms)
{
    if (!loop) return OL_EINVAL;
    if (loop->generation != atomic_load(&ol__fork_generation)) return OL_EFORKED;
    if (loop->has_thread && ol__current_loop == loop) return OL_EDEADLK;
    if (loop->has_thread && ol__loop_exit_began()) return OL_ECLOSED; /* parked, never joined */
    int expected = OL_LOOP_RUNNING;
    if (!atomic_compare_exchange_strong(&loop->state, &expected, OL_LOOP_CLOSING))
        return OL_ECLOSED; /* someone else shut it down */

    loop->shutdown_msg.type = OL_MSG_SHUTDOWN;
    loop->shutdown_timeout_ms = timeout_ms;
    ol__loop_post(loop, &loop->shutdown_msg, false);

    if (loop->has_thread) {
        if (wait_run_ended_or_deadline(loop))
            uv_thread_join(&loop->thread);
        else
            pthread_detach(loop->thread); /* it ends when the pool work does */
    } else {
        run_here_until_closed_or_deadline(loop);
        if (ol__loop_driven_here(loop)) ol__drives_loop = false;
    }
    /* Written on the loop thread before it signalled us. */
    return loop->shutdown_cancelled_any ? OL_ETIMEDOUT : OL_OK;
}

void ol_loop_free(ol_loop *loop)
{
    if (!loop || loop->is_default) return;
    if (loop->generation != atomic_load(&ol__fork_generation)) return; /* never touched */
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

/* The size of each version of ol_loop_stats (internal.h: versioned structs). */
static const size_t stats_sizes[] = {0, OL_FIELD_END(ol_loop_stats, http_connections)};
_Static_assert(sizeof stats_sizes / sizeof stats_sizes[0] == OL_LOOP_STATS_VERSION + 1,
               "a size for every version of ol_loop_stats");

int ol_loop_stats_get(ol_loop *loop, ol_loop_stats *caller)
{
    size_t size = caller ? OL_VERSIONED_SIZE(stats_sizes, caller->version) : 0;
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
    out->http_connections = atomic_load(&loop->n_http_connections);
    ol__versioned_write(caller, &full, size);
    return OL_OK;
}
