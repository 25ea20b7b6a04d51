/* Clocks and deadlines: every timed wait of the core computes its deadline here. */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <uv.h>

int64_t ol__now_ms(void) { return (int64_t)(uv_hrtime() / 1000000u); }

/* The largest time_t, for a deadline that saturates instead of overflowing. */
#define OL_TIME_T_MAX ((time_t)(((uint64_t)1 << (sizeof(time_t) * 8 - 1)) - 1))

void ol__deadline_from_now(struct timespec *ts, int64_t timeout_ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    if (timeout_ms < 0) timeout_ms = 0;
    int64_t sec = timeout_ms / 1000;
    long nsec = ts->tv_nsec + (long)(timeout_ms % 1000) * 1000000L;
    if (nsec >= 1000000000L) {
        sec++;
        nsec -= 1000000000L;
    }
    /* A timeout beyond the clock's range (INT64_MAX ms on a 32-bit time_t, or near it on any)
     * means "the farthest time there is", not a wrapped-around deadline in the past. */
    if (sec > (int64_t)(OL_TIME_T_MAX - ts->tv_sec)) {
        ts->tv_sec = OL_TIME_T_MAX;
        ts->tv_nsec = 999999999L;
        return;
    }
    ts->tv_sec += (time_t)sec;
    ts->tv_nsec = nsec;
}

int ol__ms_until(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t sec = (int64_t)deadline->tv_sec - (int64_t)now.tv_sec; /* now.tv_sec >= 0 */
    if (sec < 0) return 0;
    if (sec >= INT_MAX / 1000) return INT_MAX; /* checked first: no overflow below */
    int64_t ns = sec * 1000000000 + (deadline->tv_nsec - now.tv_nsec);
    if (ns <= 0) return 0;
    return (int)((ns + 999999) / 1000000); /* rounded up: never wake before the deadline */
}

void ol__cond_init_monotonic(pthread_cond_t *cv)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
}

bool ol__cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, const struct timespec *deadline)
{
    if (!deadline) {
        pthread_cond_wait(cv, mu);
        return true;
    }
    return pthread_cond_timedwait(cv, mu, deadline) != ETIMEDOUT;
}
