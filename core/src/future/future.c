/* Futures: settle once, wait with a monotonic clock, callbacks, cancel. */
#include "future.h"

#include "../runtime/runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A thread blocked in a wait, registered on every pending future it waits for. `remaining`
 * counts the settles it still needs (1 for wait-any, the pending count for wait-all): each
 * settle decrements it and only the one that reaches zero wakes the thread, so a batch of N
 * costs one sleep and one wake-up, not N. */
typedef struct ol_waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_long remaining;
    bool woken;
} ol_waiter;

typedef struct ol_waiter_link {
    struct ol_waiter_link *next, *prev;
    ol_waiter *waiter;
} ol_waiter_link;

typedef struct ol_callback {
    struct ol_callback *next;
    ol_future_cb cb;
    void *user_data;
} ol_callback;

struct ol_future {
    atomic_int refs;
    atomic_int state; /* ol_future_state; written under mu, read lock-free */
    pthread_mutex_t mu;
    int status;
    char *message;
    void *value;
    ol_free_fn value_free;
    int64_t value_int;
    ol_loop *loop;
    unsigned generation; /* fork generation it was made in */
    ol_job *job;         /* the running task; loop thread only */
    ol_callback *cbs, *cbs_tail;
    bool cbs_to_loop; /* settled by a cancel off the loop thread: the callbacks wait
                                  * for the loop thread (ol__future_run_cancel_callbacks) */
    ol_waiter_link *waiters;
};

ol_future *ol__future_new(ol_loop *loop)
{
    ol_future *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    atomic_init(&f->refs, 1);
    atomic_init(&f->state, OL_FUTURE_PENDING);
    pthread_mutex_init(&f->mu, NULL);
    f->status = OL_EPENDING;
    f->loop = loop;
    f->generation = ol__fork_generation_now();
    if (loop) ol__loop_retain(loop);
    return f;
}

void ol_future_retain(ol_future *f)
{
    if (f) atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
}

void ol_future_release(ol_future *f)
{
    if (!f) return;
    if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1) return;
    /* Last reference: nobody else can see it. A pending future always has its job's
     * reference, so here it is settled and has no waiters or callbacks left. */
    if (f->value_free && f->value) f->value_free(f->value);
    free(f->message);
    pthread_mutex_destroy(&f->mu);
    if (f->loop) ol__loop_release(f->loop);
    free(f);
}

bool ol__future_pending(const ol_future *f)
{
    return atomic_load_explicit(&f->state, memory_order_acquire) == OL_FUTURE_PENDING;
}

void ol__future_set_job(ol_future *f, ol_job *job)
{
    pthread_mutex_lock(&f->mu);
    f->job = job;
    pthread_mutex_unlock(&f->mu);
}

ol_job *ol__future_job(ol_future *f)
{
    pthread_mutex_lock(&f->mu);
    ol_job *job = f->job;
    pthread_mutex_unlock(&f->mu);
    return job;
}

void ol__future_forget_loop(ol_future *f)
{
    if (f->loop) ol__loop_release(f->loop);
    f->loop = NULL;
}

static void wake_waiter(ol_waiter *w)
{
    if (atomic_fetch_sub_explicit(&w->remaining, 1, memory_order_acq_rel) != 1) return;
    pthread_mutex_lock(&w->mu);
    w->woken = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Under f->mu, f pending: record the outcome and wake the waiters. The callbacks stay in
 * f->cbs for the caller to take. */
static void settle_locked(ol_future *f, int status, void *value, ol_free_fn value_free,
                          int64_t value_int, const char *message)
{
    int state = status == OL_OK          ? OL_FUTURE_DONE
                : status == OL_ECANCELED ? OL_FUTURE_CANCELLED
                                         : OL_FUTURE_FAILED;
    f->status = status;
    if (status == OL_OK) {
        f->value = value;
        f->value_free = value_free;
        f->value_int = value_int;
    } else {
        if (value && value_free) value_free(value);
        f->message = ol__strdup(message && *message ? message : ol_strerror(status));
    }
    /* Counted before anyone can see the settle, so stats never lag a wait. */
    if (f->loop) ol__loop_count_settled(f->loop, (ol_future_state)state);
    atomic_store_explicit(&f->state, state, memory_order_release);
    for (ol_waiter_link *l = f->waiters; l; l = l->next) wake_waiter(l->waiter);
}

/* Under f->mu: detach the callbacks to run. */
static ol_callback *take_callbacks(ol_future *f)
{
    ol_callback *cbs = f->cbs;
    f->cbs = f->cbs_tail = NULL;
    f->cbs_to_loop = false;
    return cbs;
}

/* Outside f->mu. The caller holds a reference: a callback may release the last user one. */
static void run_callbacks(ol_future *f, ol_callback *cbs)
{
    while (cbs) {
        ol_callback *next = cbs->next;
        cbs->cb(f, cbs->user_data);
        free(cbs);
        cbs = next;
    }
}

bool ol__future_settle(ol_future *f, int status, void *value, ol_free_fn value_free,
                       int64_t value_int, const char *message)
{
    pthread_mutex_lock(&f->mu);
    if (atomic_load_explicit(&f->state, memory_order_relaxed) != OL_FUTURE_PENDING) {
        pthread_mutex_unlock(&f->mu);
        if (value && value_free) value_free(value);
        return false;
    }
    settle_locked(f, status, value, value_free, value_int, message);
    ol_callback *cbs = take_callbacks(f);
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&f->mu);
    run_callbacks(f, cbs);
    ol_future_release(f);
    return true;
}

void ol__future_run_cancel_callbacks(ol_future *f)
{
    pthread_mutex_lock(&f->mu);
    ol_callback *cbs = take_callbacks(f);
    pthread_mutex_unlock(&f->mu);
    run_callbacks(f, cbs); /* the CANCEL message holds a reference */
}

/* ---- waiting */

/* A wait that would never end: on the loop thread of a future's loop, or (unless it only
 * polls) on the thread that drives a loop without thread, which runs nothing while it waits. */
static bool would_deadlock(const ol_future *f, int64_t timeout_ms)
{
    if (!f->loop) return false;
    if (ol__current_loop == f->loop) return true;
    return timeout_ms != 0 && ol__future_pending(f) && ol__loop_driven_here(f->loop);
}

static int check_wait_args(ol_future *const *fs, size_t n, int64_t timeout_ms)
{
    if (n && !fs) return OL_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!fs[i]) return OL_EINVAL;
        if (ol__forked_since(fs[i]->generation)) return OL_EFORKED;
        if (would_deadlock(fs[i], timeout_ms)) return OL_EDEADLK;
    }
    return OL_OK;
}

static bool any_settled(ol_future *const *fs, size_t n, size_t *index)
{
    for (size_t i = 0; i < n; i++) {
        if (!ol__future_pending(fs[i])) {
            if (index) *index = i;
            return true;
        }
    }
    return false;
}

static bool all_settled(ol_future *const *fs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ol__future_pending(fs[i])) return false;
    return true;
}

static bool wait_done(ol_future *const *fs, size_t n, bool all, size_t *index)
{
    return all ? all_settled(fs, n) : any_settled(fs, n, index);
}

/* Adaptive spin before sleeping. A waiter whose jobs settle within a few microseconds (trivial
 * jobs, cached answers) spins and skips the futex sleep and wake-up, which cost tens of
 * microseconds on virtual machines. A thread whose spins keep failing (HTTP waits of
 * milliseconds) halves its budget on each failure, down to zero, and tries again only once in
 * 256 waits: then it costs next to no CPU. OL_WAIT_SPIN_US sets the maximum (default 50, 0 off). */
static int64_t max_spin_ns(void)
{
    static atomic_llong cached = -1;
    long long v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v < 0) {
        const char *env = getenv("OL_WAIT_SPIN_US");
        v = (env ? atoll(env) : 50) * 1000;
        if (v < 0) v = 0;
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v;
}

static _Thread_local unsigned spin_failures; /* consecutive failed spins of this thread */
static _Thread_local unsigned spin_waits;

static int64_t spin_budget_ns(void)
{
    int64_t budget = max_spin_ns() >> (spin_failures < 16 ? spin_failures : 16);
    if (budget < 1000) budget = (++spin_waits % 256 == 0) ? max_spin_ns() : 0;
    return budget;
}

static bool spin_until_done(ol_future *const *fs, size_t n, bool all, size_t *index)
{
    int64_t budget = spin_budget_ns();
    if (budget <= 0) return false;
    uint64_t end = uv_hrtime() + (uint64_t)budget;
    do {
        for (int i = 0; i < 64; i++) {
            if (wait_done(fs, n, all, index)) {
                spin_failures = 0;
                return true;
            }
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
    } while (uv_hrtime() < end);
    spin_failures++;
    return false;
}

/* Wait until one (all == false) or every (all == true) future has settled. */
static int wait_blocking(ol_future *const *fs, size_t n, bool all, int64_t timeout_ms,
                         size_t *index)
{
    if (wait_done(fs, n, all, index)) return OL_OK;
    if (timeout_ms == 0) return OL_ETIMEDOUT;
    if (spin_until_done(fs, n, all, index)) return OL_OK;

    ol_waiter w;
    ol__cond_init_monotonic(&w.cv);
    pthread_mutex_init(&w.mu, NULL);
    w.woken = false;
    /* One extra count guards the registration: nobody can reach zero before it is done. */
    long needed = all ? (long)n : 1;
    atomic_init(&w.remaining, needed + 1);

    ol_waiter_link stack_links[4];
    ol_waiter_link *links = n <= 4 ? stack_links : malloc(n * sizeof *links);
    if (!links) {
        pthread_cond_destroy(&w.cv);
        pthread_mutex_destroy(&w.mu);
        return OL_ENOMEM;
    }
    long settled_before = 0;
    for (size_t i = 0; i < n; i++) {
        ol_future *f = fs[i];
        links[i].waiter = NULL; /* not registered */
        pthread_mutex_lock(&f->mu);
        if (atomic_load_explicit(&f->state, memory_order_relaxed) == OL_FUTURE_PENDING) {
            links[i].waiter = &w;
            links[i].prev = NULL;
            links[i].next = f->waiters;
            if (f->waiters) f->waiters->prev = &links[i];
            f->waiters = &links[i];
        } else {
            settled_before++;
        }
        pthread_mutex_unlock(&f->mu);
    }
    /* Futures found settled count as settles; then drop the guard. */
    if (!all && settled_before > 0) settled_before = 1;
    atomic_fetch_sub(&w.remaining, settled_before + 1);

    struct timespec deadline;
    if (timeout_ms > 0) ol__deadline_from_now(&deadline, timeout_ms);
    int rc = OL_OK;
    pthread_mutex_lock(&w.mu);
    while (atomic_load(&w.remaining) > 0 && !w.woken) {
        if (!ol__cond_wait_until(&w.cv, &w.mu, timeout_ms > 0 ? &deadline : NULL)) {
            if (atomic_load(&w.remaining) > 0 && !w.woken) rc = OL_ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&w.mu);

    for (size_t i = 0; i < n; i++) {
        if (!links[i].waiter) continue;
        ol_future *f = fs[i];
        pthread_mutex_lock(&f->mu);
        if (links[i].prev)
            links[i].prev->next = links[i].next;
        else
            f->waiters = links[i].next;
        if (links[i].next) links[i].next->prev = links[i].prev;
        pthread_mutex_unlock(&f->mu);
    }
    if (links != stack_links) free(links);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    if (rc == OL_OK && !wait_done(fs, n, all, index)) rc = OL_ETIMEDOUT; /* cannot happen */
    return rc;
}

int ol_future_wait(ol_future *f, int64_t timeout_ms)
{
    int rc = check_wait_args(&f, 1, timeout_ms);
    if (rc) return rc;
    return wait_blocking(&f, 1, false, timeout_ms, NULL);
}

int ol_wait_any(ol_future *const *fs, size_t n, int64_t timeout_ms, size_t *index)
{
    int rc = check_wait_args(fs, n, timeout_ms);
    if (rc) return rc;
    if (n == 0) return OL_EINVAL;
    return wait_blocking(fs, n, false, timeout_ms, index);
}

int ol_wait_all(ol_future *const *fs, size_t n, int64_t timeout_ms)
{
    int rc = check_wait_args(fs, n, timeout_ms);
    if (rc) return rc;
    if (n == 0) return OL_OK;
    return wait_blocking(fs, n, true, timeout_ms, NULL);
}

/* ---- cancel */

/* Carry a cancellation to the loop thread: the job is stopped there and the callbacks run
 * there (ol__future_run_cancel_callbacks). The message holds a reference. false if the loop
 * takes no more messages (it is closed: no loop thread will ever run them). */
static bool post_cancel(ol_future *f, ol_msg *msg)
{
    if (!msg) return false;
    msg->type = OL_MSG_CANCEL;
    msg->future = f;
    ol_future_retain(f);
    if (ol__loop_post(f->loop, msg, false) == OL_OK) return true;
    ol_future_release(f);
    free(msg);
    return false;
}

int ol_future_cancel(ol_future *f)
{
    if (!f) return OL_EINVAL;
    if (ol__forked_since(f->generation)) return OL_EFORKED;
    /* On the loop thread (or without loop) the callbacks may run here and now. */
    bool on_loop_thread = !f->loop || ol__current_loop == f->loop;
    ol_msg *msg = f->loop ? malloc(sizeof *msg) : NULL;
    pthread_mutex_lock(&f->mu);
    if (atomic_load_explicit(&f->state, memory_order_relaxed) != OL_FUTURE_PENDING) {
        pthread_mutex_unlock(&f->mu);
        free(msg);
        return OL_EALREADY;
    }
    /* Settled at once: waiters wake and the status reads OL_ECANCELED from now on. */
    settle_locked(f, OL_ECANCELED, NULL, NULL, 0, NULL);
    f->cbs_to_loop = !on_loop_thread;
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&f->mu);

    bool posted = f->loop && post_cancel(f, msg);
    /* Not posted: the loop is closed (or out of memory) and no loop thread will run them. */
    if (on_loop_thread || !posted) ol__future_run_cancel_callbacks(f);
    ol_future_release(f);
    return OL_OK;
}

/* ---- accessors */

ol_future_state ol_future_state_get(const ol_future *f)
{
    if (!f) return OL_FUTURE_PENDING;
    return (ol_future_state)atomic_load_explicit(&f->state, memory_order_acquire);
}

int ol_future_status(const ol_future *f)
{
    if (!f) return OL_EINVAL;
    if (ol__future_pending(f)) return OL_EPENDING;
    return f->status;
}

const char *ol_future_error_message(const ol_future *f)
{
    if (!f || ol__future_pending(f)) return NULL;
    return f->message ? f->message : "";
}

void *ol_future_value(const ol_future *f)
{
    if (!f || ol_future_state_get(f) != OL_FUTURE_DONE) return NULL;
    return f->value;
}

int64_t ol_future_value_int(const ol_future *f)
{
    if (!f || ol_future_state_get(f) != OL_FUTURE_DONE) return 0;
    return f->value_int;
}

int ol_future_on_done(ol_future *f, ol_future_cb cb, void *user_data)
{
    if (!f || !cb) return OL_EINVAL;
    if (ol__forked_since(f->generation)) return OL_EFORKED;
    pthread_mutex_lock(&f->mu);
    /* Queued while pending, and behind a cancellation's callbacks still on their way to the
     * loop thread (they run in order). */
    if (atomic_load_explicit(&f->state, memory_order_relaxed) == OL_FUTURE_PENDING ||
        f->cbs_to_loop) {
        ol_callback *node = malloc(sizeof *node);
        if (!node) {
            pthread_mutex_unlock(&f->mu);
            return OL_ENOMEM;
        }
        node->next = NULL;
        node->cb = cb;
        node->user_data = user_data;
        if (f->cbs_tail)
            f->cbs_tail->next = node;
        else
            f->cbs = node;
        f->cbs_tail = node;
        pthread_mutex_unlock(&f->mu);
        return OL_OK;
    }
    pthread_mutex_unlock(&f->mu);
    cb(f, user_data);
    return OL_OK;
}
