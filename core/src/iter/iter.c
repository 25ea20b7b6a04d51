/* Iterators: a bounded channel from a producing job on the loop thread to one consumer. */
#include "iter.h"

#include "../runtime/runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ol_item {
    struct ol_item *next;
    int kind;
    size_t size;
    void *object;
    ol_free_fn object_free;
    unsigned char data[]; /* size bytes */
};

struct ol_iter {
    atomic_int refs; /* the consumer and the producing job */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ol_loop *loop;
    unsigned generation; /* fork generation it was made in */
    ol_future *future;   /* the producing job's future (one reference) */
    ol_item *head, *tail;
    size_t buffered, capacity;
    bool ended;           /* the producer finished: status/message are final */
    bool closed;          /* the consumer closed the iterator */
    bool cancelled;       /* ol_iter_cancel: ended OL_ECANCELED, nothing more to pull */
    bool producer_paused; /* a push reported OL_EAGAIN and no resume was sent yet */
    int status;
    char *message;
    ol_iter_ready_cb ready_cb; /* armed readiness callback (ol_iter_on_ready), or NULL */
    void *ready_data;
};

typedef struct ready_call {
    ol_iter_ready_cb cb;
    void *data;
} ready_call;

/* Under it->mu: disarm the readiness callback if the iterator has something to give. */
static ready_call take_ready_call(ol_iter *it)
{
    ready_call call = {NULL, NULL};
    if (it->ready_cb && (it->head || it->ended)) {
        call.cb = it->ready_cb;
        call.data = it->ready_data;
        it->ready_cb = NULL;
    }
    return call;
}

/* Outside it->mu, so the callback may take its own locks. */
static void run_ready_call(ol_iter *it, ready_call call, int status)
{
    if (call.cb) call.cb(it, status, call.data);
}

ol_iter *ol__iter_new(ol_loop *loop, ol_future *future, size_t capacity)
{
    ol_iter *it = calloc(1, sizeof *it);
    if (!it) return NULL;
    atomic_init(&it->refs, 2);
    pthread_mutex_init(&it->mu, NULL);
    ol__cond_init_monotonic(&it->cv);
    it->loop = loop;
    it->generation = ol__fork_generation_now();
    it->future = future;
    ol_future_retain(future);
    it->capacity = capacity;
    return it;
}

static void free_items(ol_item *item)
{
    while (item) {
        ol_item *next = item->next;
        ol_item_free(item);
        item = next;
    }
}

void ol__iter_release(ol_iter *it)
{
    if (atomic_fetch_sub(&it->refs, 1) != 1) return;
    free_items(it->head);
    ol_future_release(it->future);
    free(it->message);
    pthread_cond_destroy(&it->cv);
    pthread_mutex_destroy(&it->mu);
    free(it);
}

int ol__iter_push(ol_iter *it, int kind, const void *data, size_t len, void *object,
                  ol_free_fn object_free)
{
    ol_item *item = malloc(sizeof *item + len);
    if (!item) {
        if (object && object_free) object_free(object);
        return OL_ENOMEM;
    }
    item->next = NULL;
    item->kind = kind;
    item->size = len;
    item->object = object;
    item->object_free = object_free;
    if (len) memcpy(item->data, data, len);

    pthread_mutex_lock(&it->mu);
    if (it->closed || it->ended) {
        pthread_mutex_unlock(&it->mu);
        ol_item_free(item);
        return OL_ECANCELED;
    }
    if (it->tail)
        it->tail->next = item;
    else
        it->head = item;
    it->tail = item;
    it->buffered += len;
    bool full = it->buffered >= it->capacity;
    if (full) it->producer_paused = true;
    pthread_cond_signal(&it->cv);
    ready_call call = take_ready_call(it);
    pthread_mutex_unlock(&it->mu);
    run_ready_call(it, call, OL_OK);
    return full ? OL_EAGAIN : OL_OK;
}

void ol__iter_end(ol_iter *it, int status, const char *message)
{
    pthread_mutex_lock(&it->mu);
    if (!it->ended) {
        it->ended = true;
        it->status = status;
        if (status != OL_OK)
            it->message = ol__strdup(message && *message ? message : ol_strerror(status));
    }
    pthread_cond_signal(&it->cv);
    ready_call call = take_ready_call(it);
    pthread_mutex_unlock(&it->mu);
    run_ready_call(it, call, OL_OK);
}

/* Consumer made room: ask the loop thread to resume the producer (once per pause). */
static void request_resume(ol_iter *it)
{
    ol_msg *msg = malloc(sizeof *msg);
    if (!msg) return;
    msg->type = OL_MSG_RESUME;
    msg->future = it->future;
    ol_future_retain(it->future);
    if (ol__loop_post(it->loop, msg, false) != OL_OK) {
        ol_future_release(it->future);
        free(msg);
    }
}

/* Under it->mu: wait until an item or the end is there. false on timeout. */
static bool wait_for_item(ol_iter *it, int64_t timeout_ms)
{
    struct timespec deadline;
    if (timeout_ms > 0) ol__deadline_from_now(&deadline, timeout_ms);
    while (!it->head && !it->ended) {
        if (timeout_ms == 0) return false;
        if (!ol__cond_wait_until(&it->cv, &it->mu, timeout_ms > 0 ? &deadline : NULL))
            return it->head || it->ended;
    }
    return true;
}

int ol_iter_next(ol_iter *it, ol_item **out, int64_t timeout_ms)
{
    if (!it || !out) return OL_EINVAL;
    *out = NULL;
    if (ol__forked_since(it->generation)) return OL_EFORKED;
    /* Its producer runs on the loop thread: waiting there, or on the thread that drives a
     * loop without thread, would never end. */
    if (ol__current_loop == it->loop) return OL_EDEADLK;
    bool would_hang = timeout_ms != 0 && ol__loop_driven_here(it->loop);
    pthread_mutex_lock(&it->mu);
    if (would_hang && !it->head && !it->ended) {
        pthread_mutex_unlock(&it->mu);
        return OL_EDEADLK;
    }
    if (!wait_for_item(it, timeout_ms)) {
        pthread_mutex_unlock(&it->mu);
        return OL_ETIMEDOUT;
    }
    ol_item *item = it->head;
    if (!item) { /* ended and drained */
        int status = it->status == OL_OK ? OL_ITEROVER : it->status;
        pthread_mutex_unlock(&it->mu);
        return status;
    }
    it->head = item->next;
    if (!it->head) it->tail = NULL;
    it->buffered -= item->size;
    bool resume = it->producer_paused && !it->ended && it->buffered <= it->capacity / 2;
    if (resume) it->producer_paused = false;
    pthread_mutex_unlock(&it->mu);
    if (resume) request_resume(it);
    item->next = NULL;
    *out = item;
    return OL_OK;
}

const char *ol_iter_error_message(const ol_iter *it)
{
    if (!it) return "";
    if (ol__forked_since(it->generation)) return ol_strerror(OL_EFORKED); /* its lock too */
    ol_iter *mut = (ol_iter *)it;
    pthread_mutex_lock(&mut->mu);
    const char *msg = mut->ended && mut->message ? mut->message : "";
    pthread_mutex_unlock(&mut->mu);
    return msg;
}

void ol_iter_close(ol_iter *it)
{
    if (!it) return;
    /* A parent's iterator in a forked child: its lock and producer belong to the parent.
     * Leaked on purpose, never touched. */
    if (ol__forked_since(it->generation)) return;
    pthread_mutex_lock(&it->mu);
    it->closed = true;
    ol_item *items = it->head;
    it->head = it->tail = NULL;
    it->buffered = 0;
    ready_call call = {it->ready_cb, it->ready_data};
    it->ready_cb = NULL;
    pthread_mutex_unlock(&it->mu);
    run_ready_call(it, call, OL_ECANCELED);
    free_items(items);
    ol_future_cancel(it->future); /* no-op if the producer already finished */
    ol__iter_release(it);
}

int ol_iter_on_ready(ol_iter *it, ol_iter_ready_cb cb, void *user_data)
{
    if (!it || !cb) return OL_EINVAL;
    if (ol__forked_since(it->generation)) return OL_EFORKED;
    pthread_mutex_lock(&it->mu);
    if (it->ready_cb) {
        pthread_mutex_unlock(&it->mu);
        return OL_EALREADY;
    }
    it->ready_cb = cb;
    it->ready_data = user_data;
    ready_call call = take_ready_call(it); /* already ready: call it here and now */
    pthread_mutex_unlock(&it->mu);
    run_ready_call(it, call, OL_OK);
    return OL_OK;
}

int ol_iter_cancel(ol_iter *it)
{
    if (!it) return OL_EINVAL;
    if (ol__forked_since(it->generation)) return OL_EFORKED;
    pthread_mutex_lock(&it->mu);
    if (it->cancelled || it->closed) {
        pthread_mutex_unlock(&it->mu);
        return OL_EALREADY;
    }
    /* End the stream OL_ECANCELED, whatever was queued or however it ended: the consumer
     * asked to stop, so the next pull (or the one blocked now) reports the cancellation. */
    it->cancelled = true;
    it->ended = true;
    it->status = OL_ECANCELED;
    free(it->message);
    it->message = ol__strdup(ol_strerror(OL_ECANCELED));
    ol_item *items = it->head;
    it->head = it->tail = NULL;
    it->buffered = 0;
    pthread_cond_broadcast(&it->cv);
    ready_call call = take_ready_call(it);
    pthread_mutex_unlock(&it->mu);
    run_ready_call(it, call, OL_OK);
    free_items(items);
    ol_future_cancel(it->future); /* stops the producer; no-op if it already finished */
    return OL_OK;
}

size_t ol_iter_buffered(const ol_iter *it)
{
    if (!it) return 0;
    if (ol__forked_since(it->generation)) return 0;
    ol_iter *mut = (ol_iter *)it;
    pthread_mutex_lock(&mut->mu);
    size_t n = mut->buffered;
    pthread_mutex_unlock(&mut->mu);
    return n;
}

int ol_item_kind_get(const ol_item *item) { return item ? item->kind : OL_EINVAL; }
const void *ol_item_data(const ol_item *item) { return item ? item->data : NULL; }
size_t ol_item_size(const ol_item *item) { return item ? item->size : 0; }
void *ol_item_object(const ol_item *item) { return item ? item->object : NULL; }

void ol_item_free(ol_item *item)
{
    if (!item) return;
    if (item->object && item->object_free) item->object_free(item->object);
    free(item);
}
