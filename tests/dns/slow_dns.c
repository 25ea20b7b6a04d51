/* See slow_dns.h. */
#define _GNU_SOURCE
#include "slow_dns.h"

#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SUFFIX ".slow-dns.test"

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static gai_fn next_gai;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;        /* monotonic clock; set up in init() */
static pthread_key_t thread_key; /* marks threads that ran a slow lookup, to see them exit */
static int released = 1;         /* nothing is held until a test calls slow_dns_hold() */
static unsigned entered, held, capped, threads_marked, threads_exited;

static void thread_gone(void *value)
{
    (void)value;
    pthread_mutex_lock(&mu);
    threads_exited++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void init(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_key_create(&thread_key, thread_gone);
    next_gai = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
    if (!next_gai) {
        fprintf(stderr, "slow_dns: no next getaddrinfo: %s\n", dlerror());
        abort();
    }
}

static struct timespec deadline_after(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static int is_slow(const char *node)
{
    size_t n = node ? strlen(node) : 0, s = strlen(SUFFIX);
    return n > s && strcasecmp(node + n - s, SUFFIX) == 0;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    pthread_once(&once, init);
    if (!is_slow(node)) return next_gai(node, service, hints, res);
    pthread_mutex_lock(&mu);
    if (!pthread_getspecific(thread_key)) {
        pthread_setspecific(thread_key, (void *)1);
        threads_marked++;
    }
    entered++;
    held++;
    pthread_cond_broadcast(&cv);
    struct timespec cap = deadline_after(SLOW_DNS_CAP_MS);
    int rc = 0;
    while (!released && rc == 0) rc = pthread_cond_timedwait(&cv, &mu, &cap);
    if (!released) capped++;
    held--;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    /* A numeric address: libc answers without any network, and curl frees the result with
     * libc's freeaddrinfo as usual. */
    return next_gai("127.0.0.1", service, hints, res);
}

void slow_dns_hold(void)
{
    pthread_once(&once, init);
    pthread_mutex_lock(&mu);
    released = 0;
    pthread_mutex_unlock(&mu);
}

void slow_dns_release(void)
{
    pthread_once(&once, init);
    pthread_mutex_lock(&mu);
    released = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static unsigned read_counter(const unsigned *c)
{
    pthread_mutex_lock(&mu);
    unsigned v = *c;
    pthread_mutex_unlock(&mu);
    return v;
}

unsigned slow_dns_entered(void) { return read_counter(&entered); }
unsigned slow_dns_held(void) { return read_counter(&held); }
unsigned slow_dns_capped(void) { return read_counter(&capped); }

/* Wait on cv until *a >= *b (b may be NULL: then until *a >= n). */
static int wait_until(const unsigned *a, const unsigned *b, unsigned n, int timeout_ms)
{
    pthread_once(&once, init);
    struct timespec dl = deadline_after(timeout_ms);
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (*a < (b ? *b : n) && rc == 0) rc = pthread_cond_timedwait(&cv, &mu, &dl);
    int ok = *a >= (b ? *b : n);
    pthread_mutex_unlock(&mu);
    return ok;
}

int slow_dns_wait_entered(unsigned n, int timeout_ms)
{
    return wait_until(&entered, NULL, n, timeout_ms);
}

int slow_dns_wait_threads_exited(int timeout_ms)
{
    return wait_until(&threads_exited, &threads_marked, 0, timeout_ms);
}
