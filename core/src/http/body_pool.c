/* Recycling of large response-body buffers, process-wide.
 *
 * glibc gives memory at the top of a thread's arena back to the kernel as soon as more than
 * 128 KB of it is free (M_TRIM_THRESHOLD). A batch of 100 KB bodies, allocated on the loop
 * thread and freed together by the caller, was trimmed away after every batch and faulted
 * back in by the next one: the page faults cost as much CPU as the requests themselves.
 * This pool keeps freed buffers of 16 KB to 16 MB and gives back those left unused for a few
 * seconds, with a cap on the idle total (it never holds more than was in use at once). Sizes are rounded up to one of four classes per
 * power of two (at most 25% more; a 100 KB body gets 112 KB), so a buffer fits any later
 * body of its class and stays below glibc's 128 KB mmap threshold where the body does.
 * Untouched pages of a rounded-up buffer are never faulted in. */
#include "body_pool.h"

#include "../util/util.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define MIN_SIZE ((size_t)16 << 10) /* smaller bodies use malloc directly */
#define MAX_SIZE ((size_t)16 << 20) /* larger ones too */
#define N_CLASSES 44                /* class_of() of MAX_SIZE, plus one */
#define IDLE_CAP ((size_t)1 << 30)  /* at most this much kept unused */
#define KEEP_MS 5000                /* an unused buffer is given back after this */

/* Lives inside an idle buffer. Lists are newest first, so the old ones form a tail. */
typedef struct idle_buf {
    struct idle_buf *next;
    int64_t since_ms;
} idle_buf;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static idle_buf *classes[N_CLASSES];
static size_t idle_bytes;
static int64_t next_decay_ms;

/* A fork child inherits the pool; the lock must not be held by a thread that is gone. */
static void pool_lock_all(void) { pthread_mutex_lock(&pool_lock); }
static void pool_unlock_all(void) { pthread_mutex_unlock(&pool_lock); }
static const ol_fork_hooks fork_hooks = {pool_lock_all, pool_unlock_all, pool_unlock_all};
static pthread_once_t fork_hooks_once = PTHREAD_ONCE_INIT;
static void add_fork_hooks(void) { ol__fork_hooks_add(&fork_hooks); }

/* The class of a size in [MIN_SIZE, MAX_SIZE]: with 2^k < size <= 2^(k+1), the classes of
 * that range are 5/4, 6/4, 7/4 and 8/4 of 2^k. *rounded gets the class's size. */
static int class_of(size_t size, size_t *rounded)
{
    int k = 63 - __builtin_clzll((unsigned long long)(size - 1));
    size_t quarter = (size_t)1 << (k - 2);
    size_t q = (size + quarter - 1) / quarter;
    *rounded = q * quarter;
    return (k - 13) * 4 + (int)(q - 5);
}

/* The class of a capacity that ol__body_alloc handed out, or -1 for a plain malloc. */
static int class_of_cap(size_t cap)
{
    if (cap < MIN_SIZE || cap > MAX_SIZE) return -1;
    size_t rounded;
    int c = class_of(cap, &rounded);
    return rounded == cap ? c : -1;
}

static size_t class_size(int c)
{
    int k = c / 4 + 13;
    return (size_t)(c % 4 + 5) << (k - 2);
}

/* Moves the buffers idle since cutoff_ms or earlier to *to_free; the pool lock is held. */
static void release_older_locked(int64_t cutoff_ms, idle_buf **to_free)
{
    for (int c = 0; c < N_CLASSES; c++) {
        idle_buf **link = &classes[c];
        while (*link && (*link)->since_ms > cutoff_ms) link = &(*link)->next;
        idle_buf *old = *link;
        *link = NULL;
        while (old) {
            idle_buf *next = old->next;
            idle_bytes -= class_size(c);
            old->next = *to_free;
            *to_free = old;
            old = next;
        }
    }
}

static void free_list(idle_buf *list)
{
    while (list) {
        idle_buf *next = list->next;
        free(list);
        list = next;
    }
}

void *ol__body_alloc(size_t need, size_t *cap)
{
    if (need < MIN_SIZE || need > MAX_SIZE) {
        void *p = malloc(need ? need : 1);
        if (p) *cap = need;
        return p;
    }
    size_t size;
    int c = class_of(need, &size);
    pthread_once(&fork_hooks_once, add_fork_hooks);
    pthread_mutex_lock(&pool_lock);
    idle_buf *b = classes[c];
    if (b) {
        classes[c] = b->next;
        idle_bytes -= size;
    }
    pthread_mutex_unlock(&pool_lock);
    void *p = b ? (void *)b : malloc(size);
    if (p) *cap = size;
    return p;
}

void ol__body_free(void *p, size_t cap)
{
    if (!p) return;
    int c = class_of_cap(cap);
    if (c < 0) {
        free(p);
        return;
    }
    int64_t now = ol__now_ms();
    idle_buf *to_free = NULL;
    pthread_once(&fork_hooks_once, add_fork_hooks);
    pthread_mutex_lock(&pool_lock);
    if (now >= next_decay_ms) { /* at most once a second, while bodies come and go */
        next_decay_ms = now + 1000;
        release_older_locked(now - KEEP_MS, &to_free);
    }
    if (idle_bytes + cap <= IDLE_CAP) {
        idle_buf *b = p;
        b->since_ms = now;
        b->next = classes[c];
        classes[c] = b;
        idle_bytes += cap;
        p = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
    free(p);
    free_list(to_free);
}

void ol__body_pool_decay(int64_t keep_ms)
{
    idle_buf *to_free = NULL;
    pthread_mutex_lock(&pool_lock);
    release_older_locked(ol__now_ms() - (keep_ms < 0 ? KEEP_MS : keep_ms), &to_free);
    pthread_mutex_unlock(&pool_lock);
    free_list(to_free);
}

size_t ol__body_pool_idle_bytes(void)
{
    pthread_mutex_lock(&pool_lock);
    size_t n = idle_bytes;
    pthread_mutex_unlock(&pool_lock);
    return n;
}
