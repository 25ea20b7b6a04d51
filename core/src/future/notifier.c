/* Notifiers: completions of many futures reported through one readable fd, for host event
 * loops (asyncio, Ruby fiber schedulers, Node).
 *
 * The fd is written when the first tag since the last drain is queued. On a loop thread that
 * write waits for the end of the loop iteration (runtime/defer.c): completions that arrive
 * together then cost the host loop one wake-up, even if it drains between two of them. */
#include "../runtime/runtime.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct ol_notifier {
    atomic_int refs; /* the owner, plus one per watched pending future */
    pthread_mutex_t mu;
    int fd;              /* eventfd: readable while tags are queued */
    unsigned generation; /* fork generation it was made in */
    bool closed;
    uint64_t *tags; /* ring buffer */
    size_t head, count, cap;
    ol_deferred kick; /* the deferred write of fd, queued on a loop thread */
    bool kick_queued;
};

typedef struct watch {
    ol_notifier *notifier;
    uint64_t tag;
} watch;

int ol_notifier_new(ol_notifier **out)
{
    if (!out) return OL_EINVAL;
    *out = NULL;
    ol_notifier *n = calloc(1, sizeof *n);
    if (!n) return OL_ENOMEM;
    n->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (n->fd < 0) {
        free(n);
        return errno == ENOMEM ? OL_ENOMEM : OL_ERROR;
    }
    atomic_init(&n->refs, 1);
    pthread_mutex_init(&n->mu, NULL);
    n->generation = ol__fork_generation_now();
    *out = n;
    return OL_OK;
}

static void notifier_release(ol_notifier *n)
{
    if (atomic_fetch_sub(&n->refs, 1) != 1) return;
    close(n->fd);
    pthread_mutex_destroy(&n->mu);
    free(n->tags);
    free(n);
}

/* A notifier made before a fork, used in the child: its eventfd is shared with the parent
 * (writing it would wake the parent's host) and its lock may be held by a parent thread. */
static bool from_parent(const ol_notifier *n) { return ol__forked_since(n->generation); }

void ol_notifier_free(ol_notifier *n)
{
    if (!n) return;
    if (from_parent(n)) { /* the child's copy of the fd goes; the memory is left untouched */
        close(n->fd);
        return;
    }
    pthread_mutex_lock(&n->mu);
    n->closed = true;
    pthread_mutex_unlock(&n->mu);
    notifier_release(n);
}

int ol_notifier_fd(const ol_notifier *n) { return n ? n->fd : OL_EINVAL; }

static bool queue_tag(ol_notifier *n, uint64_t tag)
{
    if (n->count == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 64;
        uint64_t *tags = malloc(cap * sizeof *tags);
        if (!tags) return false;
        for (size_t i = 0; i < n->count; i++) tags[i] = n->tags[(n->head + i) % n->cap];
        free(n->tags);
        n->tags = tags;
        n->head = 0;
        n->cap = cap;
    }
    n->tags[(n->head + n->count) % n->cap] = tag;
    n->count++;
    return true;
}

static void make_readable(ol_notifier *n)
{
    uint64_t one = 1;
    ssize_t rc = write(n->fd, &one, sizeof one);
    (void)rc;
}

static void run_kick(ol_deferred *d)
{
    ol_notifier *n = (ol_notifier *)((char *)d - offsetof(ol_notifier, kick));
    pthread_mutex_lock(&n->mu);
    n->kick_queued = false;
    if (n->count > 0 && !n->closed) make_readable(n); /* unless drained meanwhile */
    pthread_mutex_unlock(&n->mu);
    notifier_release(n);
}

static void post_tag(ol_notifier *n, uint64_t tag)
{
    pthread_mutex_lock(&n->mu);
    /* First tag since the last drain (and no write queued yet): the fd must become readable. */
    if (!n->closed && queue_tag(n, tag) && n->count == 1 && !n->kick_queued) {
        ol_loop *loop = ol__current_loop;
        n->kick.run = run_kick;
        if (loop && ol__loop_defer(loop, &n->kick)) {
            n->kick_queued = true;
            atomic_fetch_add(&n->refs, 1); /* the queued kick's */
        } else {
            make_readable(n);
        }
    }
    pthread_mutex_unlock(&n->mu);
}

int ol_notifier_post(ol_notifier *n, uint64_t tag)
{
    if (!n) return OL_EINVAL;
    if (from_parent(n)) return OL_EFORKED;
    post_tag(n, tag);
    return OL_OK;
}

static watch *watch_new(ol_notifier *n, uint64_t tag)
{
    watch *w = malloc(sizeof *w);
    if (!w) return NULL;
    w->notifier = n;
    w->tag = tag;
    atomic_fetch_add(&n->refs, 1);
    return w;
}

static void watch_free(watch *w)
{
    ol_notifier *n = w->notifier;
    free(w);
    notifier_release(n);
}

static void on_settled(ol_future *f, void *user_data)
{
    (void)f;
    watch *w = user_data;
    post_tag(w->notifier, w->tag);
    watch_free(w);
}

int ol_notifier_watch(ol_notifier *n, ol_future *f, uint64_t tag)
{
    if (!n || !f) return OL_EINVAL;
    if (from_parent(n)) return OL_EFORKED;
    watch *w = watch_new(n, tag);
    if (!w) return OL_ENOMEM;
    int rc = ol_future_on_done(f, on_settled, w);
    if (rc != OL_OK) watch_free(w);
    return rc;
}

static void on_iter_ready(ol_iter *it, int status, void *user_data)
{
    (void)it;
    watch *w = user_data;
    if (status == OL_OK) post_tag(w->notifier, w->tag);
    watch_free(w);
}

int ol_notifier_watch_iter(ol_notifier *n, ol_iter *it, uint64_t tag)
{
    if (!n || !it) return OL_EINVAL;
    if (from_parent(n)) return OL_EFORKED;
    watch *w = watch_new(n, tag);
    if (!w) return OL_ENOMEM;
    int rc = ol_iter_on_ready(it, on_iter_ready, w);
    if (rc != OL_OK) watch_free(w);
    return rc;
}

size_t ol_notifier_drain(ol_notifier *n, uint64_t *tags, size_t max)
{
    if (!n || (!tags && max) || from_parent(n)) return 0;
    pthread_mutex_lock(&n->mu);
    size_t taken = 0;
    while (taken < max && n->count > 0) {
        tags[taken++] = n->tags[n->head];
        n->head = (n->head + 1) % n->cap;
        n->count--;
    }
    if (n->count == 0) {
        uint64_t value;
        ssize_t rc = read(n->fd, &value, sizeof value); /* clears readiness */
        (void)rc;
    }
    pthread_mutex_unlock(&n->mu);
    return taken;
}

int ol_notifier_wait(ol_notifier *n, int64_t timeout_ms)
{
    if (!n) return OL_EINVAL;
    if (from_parent(n)) return OL_EFORKED;
    struct pollfd pfd = {.fd = n->fd, .events = POLLIN};
    /* On an executor's thread (a loop thread, or one driving a loop without thread) blocking
     * would stall the jobs whose completions it waits for: only a poll is allowed there. */
    if ((ol__current_loop || ol__drives_loop) && timeout_ms != 0) {
        if (poll(&pfd, 1, 0) > 0) return OL_OK;
        return OL_EDEADLK;
    }
    struct timespec deadline;
    if (timeout_ms > 0) ol__deadline_from_now(&deadline, timeout_ms);
    for (;;) {
        /* poll takes an int: a far deadline is reached in several polls of at most INT_MAX. */
        int wait_ms = timeout_ms < 0 ? -1 : timeout_ms == 0 ? 0 : ol__ms_until(&deadline);
        int rc = poll(&pfd, 1, wait_ms);
        if (rc > 0) return OL_OK;
        if (rc == 0 && (timeout_ms == 0 || ol__ms_until(&deadline) == 0)) return OL_ETIMEDOUT;
        if (rc < 0 && errno != EINTR) return OL_ERROR;
    }
}
