/* Handing a coroutine job's result to the thread waiting for it, without a second sleep.
 *
 * A round trip pays one wake-up to reach the asyncio loop thread. Paying a second one to wake
 * the waiter back (a futex wake, then often a wait for the GIL the loop thread still holds)
 * doubles it; on virtual machines each wake-up costs tens of microseconds. So the waiter first
 * spins on a flag with the GIL released (olpy_handoff_spin), and the loop thread raises that
 * flag only as it blocks in epoll_wait, with the GIL released too (olpy_handoff_poll): the
 * waiter then finds the GIL free. The flag is only a hint: the waiter still takes the future's
 * lock afterwards, and a spin that fails just falls back to sleeping on it.
 *
 * The spin adapts like the core's waits (core/src/future/future.c): it halves after each failure
 * (threads waiting on slow coroutines stop spinning), and at most (CPUs - 1) threads spin at
 * once so the loop threads keep a CPU. OL_WAIT_SPIN_US sets the maximum (default 200 here:
 * the loop thread's wake-up plus the Python it runs take longer than a core job's; 0 is off). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "handoff.h"

#define HANDOFF_DEFAULT_SPIN_US 200
#define HANDOFF_MAX_EVENTS 256

static atomic_int spinning_threads;
static _Thread_local unsigned spin_failures;
static _Thread_local unsigned spin_skips;

static int64_t monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Read once, as the extension loads (before any thread can spin). */
static int64_t max_spin_ns;
static int max_spinning_threads;

static void reset_after_fork(void) { atomic_store(&spinning_threads, 0); }

__attribute__((constructor)) static void handoff_init(void)
{
    const char *env = getenv("OL_WAIT_SPIN_US");
    long us = env && *env ? strtol(env, NULL, 10) : HANDOFF_DEFAULT_SPIN_US;
    max_spin_ns = us > 0 ? (int64_t)us * 1000 : 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    max_spinning_threads = cpus > 2 ? (int)cpus - 1 : 1;
    pthread_atfork(NULL, NULL, reset_after_fork); /* a spinner caught by fork is not copied */
}

/* 1 if the flag was raised within this thread's spin budget, 0 if the caller must sleep. */
int olpy_handoff_spin(olpy_handoff *handoff)
{
    _Atomic int *settled = (_Atomic int *)&handoff->settled;
    if (atomic_load_explicit(settled, memory_order_acquire)) return 1;
    int64_t budget = max_spin_ns >> (spin_failures < 16 ? spin_failures : 16);
    if (budget < 1000) budget = (++spin_skips % 256 == 0) ? max_spin_ns : 0; /* probe again */
    if (budget == 0) return 0;
    if (atomic_fetch_add(&spinning_threads, 1) >= max_spinning_threads) {
        atomic_fetch_sub(&spinning_threads, 1);
        return 0;
    }
    int64_t deadline = monotonic_ns() + budget;
    int raised = 0;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(settled, memory_order_acquire)) {
            raised = 1;
            break;
        }
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (i % 32 == 0 && monotonic_ns() > deadline) break;
    }
    atomic_fetch_sub(&spinning_threads, 1);
    spin_failures = raised ? 0 : spin_failures + 1;
    return raised;
}

/* The loop thread, about to block: raise the flags of the futures settled since it last
 * blocked, then epoll_wait. Returns the number of events (fds[i], events[i]), 0 on EINTR, or
 * -errno. At most HANDOFF_MAX_EVENTS per call: level-triggered epoll reports the rest next. */
int olpy_handoff_poll(int epoll_fd, olpy_handoff *const *settled, size_t n_settled, int timeout_ms,
                      int *fds, uint32_t *events, int max_events)
{
    for (size_t i = 0; i < n_settled; i++)
        atomic_store_explicit((_Atomic int *)&settled[i]->settled, 1, memory_order_release);
    struct epoll_event ready[HANDOFF_MAX_EVENTS];
    if (max_events > HANDOFF_MAX_EVENTS) max_events = HANDOFF_MAX_EVENTS;
    if (max_events < 1) max_events = 1;
    int n = epoll_wait(epoll_fd, ready, max_events, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        fds[i] = ready[i].data.fd;
        events[i] = ready[i].events;
    }
    return n;
}
