/* A getaddrinfo that hangs on demand, for tests of cancellation during name resolution.
 *
 * slow_dns.c defines getaddrinfo in the test executable, which comes first in the process's
 * symbol lookup, so libcurl's resolver thread calls it instead of libc's. A name ending in
 * ".slow-dns.test" blocks until slow_dns_release() (or a safety cap) and then resolves to
 * 127.0.0.1; any other name goes to the next getaddrinfo (libc's, or a sanitizer's). */
#ifndef ONELOOP_TESTS_SLOW_DNS_H
#define ONELOOP_TESTS_SLOW_DNS_H

#ifdef __cplusplus
extern "C" {
#endif

/* A held lookup gives up waiting after this long and resolves anyway. */
#define SLOW_DNS_CAP_MS 10000

/* Start a new round: later slow lookups block again until slow_dns_release(). */
void slow_dns_hold(void);
/* Let every slow lookup (held now or later in this round) return. */
void slow_dns_release(void);
/* Slow lookups entered so far (cumulative), held right now, and released by the cap. */
unsigned slow_dns_entered(void);
unsigned slow_dns_held(void);
unsigned slow_dns_capped(void);
/* Wait until at least n slow lookups have entered: 1, or 0 after timeout_ms. */
int slow_dns_wait_entered(unsigned n, int timeout_ms);
/* Wait until every thread that ran a slow lookup has exited (after curl freed its resolver
 * state): 1, or 0 after timeout_ms. */
int slow_dns_wait_threads_exited(int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif
