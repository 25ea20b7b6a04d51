/* The executor loop: its thread, the submission gate and queue, shutdown, fork. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

_Thread_local ol_loop *ol__current_loop;
_Thread_local bool ol__drives_loop;
atomic_uint ol__fork_generation;

static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(ol_loop *) default_loop;

/* ---- fork (DESIGN.md rule 8): the child forgets the parent's loop, never touches it. */

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

/* A version of ol_loop_options this library reads (1 to the current one). */
static bool options_version_known(unsigned version)
{
    return version >= 1 && version <= OL_LOOP_OPTIONS_VERSION;
}

int ol_loop_options_init(ol_loop_options *opts, unsigned version)
{
    if (!opts || !options_version_known(version)) return OL_EINVAL;
    ol_loop_options defaults = OL_LOOP_OPTIONS_INIT;
    *opts = defaults;
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
    if (loop->queue_tail) loop->queue_tail->next = first;
    else loop->queue_head = first;
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

static void handle_message(ol_loop *loop, ol_msg *msg)
{
    switch (msg->type) {
    case OL_MSG_START: {
        ol_job *job = (ol_job *)msg;
        atomic_fetch_sub_explicit(&loop->n_queued, 1, memory_order_relaxed);
        ol__job_start(job);
        break;
    }
    case OL_MSG_CANCEL:
    case OL_MSG_RESUME: {
        if (msg->type == OL_MSG_CANCEL) ol__future_run_cancel_callbacks(msg->future);
        ol_job *job = ol__future_job(msg->future);
        if (job && !job->finished) {
            if (msg->type == OL_MSG_CANCEL) ol__job_cancel(job);
            else if (job->ops->resume) job->ops->resume(job);
        }
        ol_future_release(msg->future);
        free(msg);
        break;
    }
    case OL_MSG_SHUTDOWN:
        begin_shutdown(loop);
        break;
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
    if (job->prev) job->prev->next = job->next;
    else if (loop->tasks == job) loop->tasks = job->next;
    if (job->next) job->next->prev = job->prev;
    loop->task_count--;
    ol__job_destroy(job);
    if (loop->shutdown_started && loop->task_count == 0) begin_shutdown(loop);
}

/* ---- shutdown (DESIGN.md rule 9) */

static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

static void finish_close(ol_loop *loop)
{
    ol__http_loop_close(loop);
    ol__loop_defer_stop(loop);
    atomic_store(&loop->state, OL_LOOP_CLOSED);
    while (atomic_load(&loop->senders) != 0) sched_yield();
    /* Anything that slipped in before CLOSED: jobs are refused, other messages dropped. */
    ol_msg *msg = take_queue(loop);
    while (msg) {
        ol_msg *next = msg->next;
        if (msg->type == OL_MSG_START) {
            ol_job *job = (ol_job *)msg;
            ol__future_settle(job->future, OL_ECANCELED, NULL, NULL, 0, "loop shut down");
            if (job->iter) ol__iter_end(job->iter, OL_ECANCELED, "loop shut down");
            ol__job_destroy(job);
        } else if (msg->type != OL_MSG_SHUTDOWN) {
            if (msg->type == OL_MSG_CANCEL) ol__future_run_cancel_callbacks(msg->future);
            ol_future_release(msg->future);
            free(msg);
        }
        msg = next;
    }
    uv_walk(&loop->uv, close_handle, NULL);
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

static void on_deadline(uv_timer_t *timer)
{
    ol_loop *loop = timer->data;
    cancel_all_tasks(loop);
}

/* Loop thread. Called when the request arrives and again whenever the last task ends. */
static void begin_shutdown(ol_loop *loop)
{
    if (!loop->shutdown_started) {
        loop->shutdown_started = true;
        if (loop->task_count > 0) {
            if (loop->shutdown_timeout_ms == 0) cancel_all_tasks(loop);
            else if (loop->shutdown_timeout_ms > 0)
                uv_timer_start(&loop->deadline_timer, on_deadline,
                               (uint64_t)loop->shutdown_timeout_ms, 0);
        }
    }
    if (loop->task_count == 0 && atomic_load(&loop->state) != OL_LOOP_CLOSED) finish_close(loop);
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
    ol__current_loop = NULL;
}

static int loop_create(ol_loop **out, const ol_loop_options *opts, bool is_default)
{
    if (!out) return OL_EINVAL;
    *out = NULL;
    if (opts && !options_version_known(opts->version)) return OL_EINVAL;
    pthread_once(&atfork_once, install_atfork);

    ol_loop *loop = calloc(1, sizeof *loop);
    if (!loop) return OL_ENOMEM;
    ol_loop_options_init(&loop->opts, OL_LOOP_OPTIONS_VERSION);
    if (opts) memcpy(&loop->opts, opts, sizeof *opts < sizeof loop->opts ? sizeof *opts : sizeof loop->opts);
    loop->opts.version = OL_LOOP_OPTIONS_VERSION;
    loop->is_default = is_default;
    loop->generation = atomic_load(&ol__fork_generation);
    atomic_init(&loop->refs, 1);
    pthread_mutex_init(&loop->queue_lock, NULL);
    if (uv_loop_init(&loop->uv) != 0) goto fail_loop;
    loop->uv.data = loop;
    if (uv_async_init(&loop->uv, &loop->wake, on_wake) != 0) goto fail_async;
    loop->wake.data = loop;
    uv_timer_init(&loop->uv, &loop->deadline_timer);
    loop->deadline_timer.data = loop;
    uv_unref((uv_handle_t *)&loop->deadline_timer);
    ol__loop_defer_init(loop);

    if (!(loop->opts.flags & OL_LOOP_NO_THREAD)) {
        ol__loop_exit_init(); /* its exit handler, before the thread can exist */
        /* The loop thread runs with every signal blocked (DESIGN.md rule 5). */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int rc = uv_thread_create(&loop->thread, loop_thread_main, loop);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0) goto fail_thread;
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
    if (!loop || !out || !options_version_known(out->version)) return OL_EINVAL;
    unsigned version = out->version;
    memcpy(out, &loop->opts, sizeof *out);
    out->version = version;
    return OL_OK;
}

int ol_loop_default_configure(const ol_loop_options *opts)
{
    if (!opts || !options_version_known(opts->version) || (opts->flags & OL_LOOP_NO_THREAD))
        return OL_EINVAL;
    pthread_once(&atfork_once, install_atfork);
    pthread_mutex_lock(&default_lock);
    int rc = OL_EALREADY;
    if (!atomic_load(&default_loop)) {
        default_opts = *opts;
        default_opts.version = OL_LOOP_OPTIONS_VERSION;
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
        uv_thread_join(&loop->thread);
    } else {
        ol_loop *previous = ol__current_loop;
        ol__current_loop = loop;
        uv_run(&loop->uv, UV_RUN_DEFAULT);
        ol__current_loop = previous;
        if (ol__loop_driven_here(loop)) ol__drives_loop = false;
    }
    int rc = loop->shutdown_cancelled_any ? OL_ETIMEDOUT : OL_OK;
    /* The default loop's struct stays (closed) so that later submits get OL_ECLOSED. */
    if (!loop->is_default) ol__loop_release(loop);
    return rc;
}

void ol__loop_retain(ol_loop *loop) { atomic_fetch_add_explicit(&loop->refs, 1, memory_order_relaxed); }

void ol__loop_release(ol_loop *loop)
{
    if (atomic_fetch_sub_explicit(&loop->refs, 1, memory_order_acq_rel) != 1) return;
    /* Only reached after shutdown dropped the owner's reference: the thread is joined. */
    uv_loop_close(&loop->uv);
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
    int rc = uv_run(&loop->uv, mode == OL_RUN_ONCE ? UV_RUN_ONCE
                               : mode == OL_RUN_NOWAIT ? UV_RUN_NOWAIT : UV_RUN_DEFAULT);
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

int ol_loop_is_loop_thread(const ol_loop *loop)
{
    return loop && ol__current_loop == loop;
}

int ol_loop_stats_get(ol_loop *loop, ol_loop_stats *out)
{
    if (!loop || !out || out->version == 0 || out->version > OL_LOOP_STATS_VERSION)
        return OL_EINVAL;
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
    return OL_OK;
}
