/* The core's small helpers, used by every layer: strings, clocks and deadlines, versioned
 * structs, fork hooks. Private, like everything under core/src. */
#ifndef OL_SRC_UTIL_H
#define OL_SRC_UTIL_H

#include "oneloop.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* util.c */
char *ol__strdup(const char *s);

/* ---- clocks and deadlines (deadline.c): every timed wait of the core goes through these */
int64_t ol__now_ms(void);
/* CLOCK_MONOTONIC now + timeout_ms, for a condvar made by ol__cond_init_monotonic. The one
 * deadline computation of the core: it saturates (a huge timeout gives the farthest time
 * there is, never an overflow or a deadline in the past). */
void ol__deadline_from_now(struct timespec *ts, int64_t timeout_ms);
/* Milliseconds left until a deadline of ol__deadline_from_now, rounded up and clamped to
 * [0, INT_MAX]: a timeout for poll(2). Wait in a loop: a far deadline takes several. */
int ol__ms_until(const struct timespec *deadline);
/* A condition variable whose timed waits use CLOCK_MONOTONIC. */
void ol__cond_init_monotonic(pthread_cond_t *cv);
/* Wait on cv (mu held) until signalled, or until deadline (NULL: none) passes. false once the
 * deadline passed; callers check their own condition either way. */
bool ol__cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, const struct timespec *deadline);

/* ---- versioned structs (ol_loop_options, ol_loop_stats, ol_http_timing, ol_custom_ops)
 * A caller built against version v has v's fields and no more: the library reads and writes
 * exactly the bytes up to the end of v's last field, never its own sizeof (which a newer
 * version's fields, or trailing padding, make larger than the caller's struct). Each owner
 * keeps a table: sizes[v] = OL_FIELD_END(type, last field of version v), and checks a
 * caller's struct with OL_CALLER_SIZE. */
#define OL_FIELD_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))
/* sizes[version], or 0 for an unknown version (0, or newer than this library). */
#define OL_VERSIONED_SIZE(sizes, version) \
    ((version) >= 1 && (version) < sizeof(sizes) / sizeof((sizes)[0]) ? (sizes)[version] : 0)
/* The bytes of the caller's struct s (its version field first) to read or write: 0 when s is
 * NULL or of an unknown version (the call is then OL_EINVAL). */
#define OL_CALLER_SIZE(sizes, s) ((s) ? OL_VERSIONED_SIZE(sizes, (s)->version) : 0)
/* Copy the first size bytes of the library's struct to the caller's, keeping the caller's
 * version (the first field of every versioned struct). */
static inline void ol__versioned_write(void *out, const void *full, size_t size)
{
    unsigned version;
    memcpy(&version, out, sizeof version);
    memcpy(out, full, size);
    memcpy(out, &version, sizeof version);
}

/* ---- fork (fork.c, threading rule 8, docs/threading.md) */
/* What a part of the core does around fork(): prepare takes its process-wide locks, parent
 * and child give them back; child also forgets what the child does not have (threads). Any
 * of them may be NULL. */
typedef struct ol_fork_hooks {
    void (*prepare)(void);
    void (*parent)(void);
    void (*child)(void);
} ol_fork_hooks;
/* Add hooks, once per part (it keeps them: static storage), before its locks are first
 * taken. Prepare hooks run last-added first; parent and child hooks in the order added. */
void ol__fork_hooks_add(const ol_fork_hooks *hooks);
/* The fork generation now. Handles record it when made and answer OL_EFORKED in a child. */
extern atomic_uint ol__fork_generation;
unsigned ol__fork_generation_now(void);
static inline bool ol__forked_since(unsigned generation)
{
    return generation != atomic_load(&ol__fork_generation);
}

#endif
