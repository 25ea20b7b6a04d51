/* Small helpers: status strings, version, clock. */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *ol_strerror(int status)
{
    switch (status) {
    case OL_OK: return "success";
    case OL_ERROR: return "error";
    case OL_EINVAL: return "invalid argument";
    case OL_ENOMEM: return "out of memory";
    case OL_ETIMEDOUT: return "timed out";
    case OL_ECANCELED: return "cancelled";
    case OL_ECLOSED: return "loop is shut down";
    case OL_EDEADLK: return "blocking wait on the loop's own thread would deadlock";
    case OL_EFORKED: return "handle belongs to the parent process of a fork";
    case OL_EAGAIN: return "try again";
    case OL_EPENDING: return "not settled yet";
    case OL_ENOTSUP: return "not supported";
    case OL_EALREADY: return "already settled";
    case OL_ESTATE: return "invalid state for this call";
    case OL_EURL: return "malformed URL";
    case OL_EPROTOCOL_DENIED: return "URL scheme not allowed";
    case OL_EDNS: return "could not resolve host";
    case OL_ECONNREFUSED: return "connection refused";
    case OL_ECONNECT: return "could not connect";
    case OL_ETLS: return "TLS failure";
    case OL_ETOOLARGE: return "response too large";
    case OL_EPROTO: return "invalid HTTP response";
    case OL_ERECV: return "failure receiving data";
    case OL_ESEND: return "failure sending data";
    case OL_EPARTIAL: return "response body truncated";
    case OL_EREDIRECTS: return "too many redirects";
    case OL_EEMPTY: return "server returned nothing";
    case OL_EHOSTLIMIT: return "no free connection to the host (per-host connection limit)";
    case OL_ITEROVER: return "iteration over";
    default: return "unknown status";
    }
}

unsigned ol_version(void) { return OL_VERSION_NUMBER; }
const char *ol_version_string(void) { return OL_VERSION_STRING; }

int64_t ol__now_ms(void) { return (int64_t)(uv_hrtime() / 1000000u); }

char *ol__strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

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
