/* Process exit with loop threads still running (docs/threading.md rule 9, issue 13.1).
 *
 * exit() (or a return from main) runs the atexit handlers and then every library's destructors
 * on the exiting thread, while our loop threads go on. OpenSSL's cleanup, an atexit handler
 * that curl_global_init registers, freed OpenSSL's tables under a TLS handshake running on the
 * loop thread, and the process died with SIGSEGV in most runs. So, before that cleanup, every
 * loop thread of the process parks: it stops at the start of its next libuv callback that
 * could enter libcurl (on_wake, and the HTTP socket and timer callbacks: outside any libcurl
 * or OpenSSL call; a thread busy with hundreds of handshakes in one poll phase would reach
 * on_wake too late) and sleeps there until the process is gone. Nothing is joined, freed or settled: the process is ending. Work jobs still queued in
 * libuv's thread pool are taken out first: libuv's own exit cleanup (a destructor) would run
 * them after every other library's cleanup, and make exit wait for all of them. A work
 * function already running runs to its end, and exit waits for it.
 *
 * The exiting thread waits for the parking at most PARK_WAIT_MS, so a loop thread stuck in a
 * long callback delays exit by that bound, never forever. Atexit handlers run last-in first-out:
 * park_all_loops is registered right after curl_global_init (so it runs before OpenSSL's
 * cleanup) and before the first loop thread starts; a destructor is the second line for cleanup
 * registered later still. Parking again is a no-op. A loop thread that calls exit() itself is
 * left alone (it is not in a callback of libcurl), a loop without a thread of its own is the
 * host's to stop, and a forked child forgets the parent's loop threads (they do not exist
 * there). */
#include "loop_impl.h"

#include <stdlib.h>

enum { PARK_WAIT_MS = 2000 };

/* Loop threads that run their loop now: each adds itself when it starts and removes itself
 * when uv_run returns, so an entry's loop is never freed while listed. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t registry_changed; /* monotonic clock; a thread parked or left */
static ol_loop *running_loops;
static atomic_bool exit_began;
static atomic_bool registry_ready; /* a loop thread ran or curl was initialised */

static void fork_prepare(void) { pthread_mutex_lock(&registry_lock); }
static void fork_parent(void) { pthread_mutex_unlock(&registry_lock); }
static void fork_child(void)
{
    pthread_mutex_unlock(&registry_lock);       /* this thread took it in fork_prepare */
    ol__cond_init_monotonic(&registry_changed); /* the parent's parked threads waited on it */
    running_loops = NULL;                       /* the parent's threads are not in the child */
    atomic_store(&exit_began, false);
}
static const ol_fork_hooks fork_hooks = {fork_prepare, fork_parent, fork_child};

static void park_all_loops(void);
static void register_exit_hook(void) { atexit(park_all_loops); }

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void init_registry(void)
{
    ol__cond_init_monotonic(&registry_changed);
    ol__fork_hooks_add(&fork_hooks);
    register_exit_hook();
    atomic_store(&registry_ready, true);
}

void ol__loop_exit_init(void) { pthread_once(&init_once, init_registry); }

void ol__exit_hook_after_global_init(void)
{
    ol__loop_exit_init();
    register_exit_hook(); /* after OpenSSL's own atexit handler, so ours runs first */
}

/* Registry lock held. Never returns: the process ends around this thread. */
static void park_here(ol_loop *loop)
{
    loop->exit_parked = true;
    pthread_cond_broadcast(&registry_changed);
    for (;;) pthread_cond_wait(&registry_changed, &registry_lock);
}

void ol__loop_exit_enter(ol_loop *loop)
{
    pthread_mutex_lock(&registry_lock);
    if (atomic_load(&exit_began)) park_here(loop); /* started while the process exits */
    loop->exit_next = running_loops;
    running_loops = loop;
    pthread_mutex_unlock(&registry_lock);
}

void ol__loop_exit_leave(ol_loop *loop)
{
    pthread_mutex_lock(&registry_lock);
    for (ol_loop **p = &running_loops; *p; p = &(*p)->exit_next) {
        if (*p == loop) {
            *p = loop->exit_next;
            break;
        }
    }
    pthread_cond_broadcast(&registry_changed);
    pthread_mutex_unlock(&registry_lock);
}

/* Loop thread. A work job's cancel is uv_cancel alone (queued requests only); the completion
 * it queues would run on this loop, which never runs again, so nothing settles. */
static void unqueue_work(ol_loop *loop)
{
    for (ol_job *job = loop->tasks; job; job = job->next)
        if (job->ops->runs_on_pool) job->ops->cancel(job);
}

void ol__loop_exit_park_if_asked(ol_loop *loop)
{
    if (!atomic_load_explicit(&exit_began, memory_order_acquire)) return;
    /* An OL_LOOP_NO_THREAD loop runs on a host thread, maybe the exiting one: never park it. */
    if (!loop->has_thread) return;
    unqueue_work(loop);
    pthread_mutex_lock(&registry_lock);
    park_here(loop);
}

bool ol__loop_exit_began(void) { return atomic_load(&exit_began); }

/* Registry lock held. Wakes the loop threads not parked yet; true when none is left. */
static bool wake_unparked(void)
{
    bool all_parked = true;
    for (ol_loop *loop = running_loops; loop; loop = loop->exit_next) {
        if (loop->exit_parked || loop == ol__current_loop) continue;
        uv_async_send(&loop->wake); /* its on_wake parks it */
        all_parked = false;
    }
    return all_parked;
}

static void park_all_loops(void)
{
    if (!atomic_load(&registry_ready)) return;            /* no loop thread ever ran */
    if (ol__current_loop) unqueue_work(ol__current_loop); /* exit() from a loop callback */
    pthread_mutex_lock(&registry_lock);
    atomic_store_explicit(&exit_began, true, memory_order_release);
    struct timespec deadline;
    ol__deadline_from_now(&deadline, PARK_WAIT_MS);
    while (!wake_unparked()) {
        if (!ol__cond_wait_until(&registry_changed, &registry_lock, &deadline)) break;
    }
    pthread_mutex_unlock(&registry_lock);
}

/* The second line: runs from _dl_fini, before the destructors of libcurl and OpenSSL that this
 * library depends on. Does nothing when the atexit handler ran already and parked them all. */
__attribute__((destructor)) static void park_all_loops_at_unload(void) { park_all_loops(); }
