/* The submission gate and the message queue: any thread posts, the loop thread drains
 * (threading rules 1 and 2, docs/threading.md). */
#include "loop_impl.h"

#include <sched.h>
#include <stdlib.h>

int ol__loop_post_chain(ol_loop *loop, ol_msg *first, ol_msg *last, bool is_submit)
{
    if (ol__forked_since(loop->generation)) return OL_EFORKED;
    atomic_fetch_add(&loop->senders, 1);
    int state = atomic_load(&loop->state);
    if (state == OL_LOOP_CLOSED || (is_submit && state != OL_LOOP_RUNNING)) {
        atomic_fetch_sub(&loop->senders, 1);
        return OL_ECLOSED;
    }
    last->next = NULL;
    pthread_mutex_lock(&loop->queue_lock);
    /* Only the message that makes the queue non-empty wakes the loop: the loop thread takes
     * the whole queue at once, so a burst of submits costs one wake-up, not one each. */
    bool was_empty = loop->queue_head == NULL;
    if (loop->queue_tail)
        loop->queue_tail->next = first;
    else
        loop->queue_head = first;
    loop->queue_tail = last;
    pthread_mutex_unlock(&loop->queue_lock);
    if (was_empty) {
        atomic_thread_fence(memory_order_seq_cst);
        uv_async_send(&loop->wake);
    }
    atomic_fetch_sub(&loop->senders, 1);
    return OL_OK;
}

int ol__loop_post(ol_loop *loop, ol_msg *msg, bool is_submit)
{
    return ol__loop_post_chain(loop, msg, msg, is_submit);
}

static ol_msg *take_queue(ol_loop *loop)
{
    pthread_mutex_lock(&loop->queue_lock);
    ol_msg *head = loop->queue_head;
    loop->queue_head = loop->queue_tail = NULL;
    pthread_mutex_unlock(&loop->queue_lock);
    return head;
}

/* A job accepted before the gate closed that had not started when shutdown began: it never
 * runs, its future settles OL_ECANCELED. */
static void refuse_queued_job(ol_loop *loop, ol_job *job)
{
    atomic_fetch_sub_explicit(&loop->n_queued, 1, memory_order_relaxed);
    ol__job_refuse(job, OL_ECANCELED, "loop shut down");
}

static void handle_message(ol_loop *loop, ol_msg *msg)
{
    switch (msg->type) {
    case OL_MSG_START: {
        ol_job *job = (ol_job *)msg;
        /* Queued by a submitter that raced with shutdown (even in the same drained batch as
         * the SHUTDOWN message): nothing starts once closing began. */
        if (loop->shutdown_started) {
            refuse_queued_job(loop, job);
            break;
        }
        atomic_fetch_sub_explicit(&loop->n_queued, 1, memory_order_relaxed);
        ol__job_start(job);
        break;
    }
    case OL_MSG_CANCEL:
    case OL_MSG_RESUME: {
        if (msg->type == OL_MSG_CANCEL) ol__future_run_cancel_callbacks(msg->future);
        ol_job *job = ol__future_job(msg->future);
        if (job && !job->finished) {
            if (msg->type == OL_MSG_CANCEL)
                ol__job_cancel(job);
            else if (job->ops->resume)
                job->ops->resume(job);
        }
        ol_future_release(msg->future);
        free(msg);
        break;
    }
    case OL_MSG_SHUTDOWN: ol__loop_begin_shutdown(loop); break;
    }
}

void ol__loop_on_wake(uv_async_t *handle)
{
    ol_loop *loop = handle->data;
    ol__loop_exit_park_if_asked(loop); /* the process exits: stop here (exit.c) */
    ol_msg *msg;
    /* Drain until empty: a message queued while we work gets its own uv_async_send, but
     * draining here saves the extra loop iteration. */
    while ((msg = take_queue(loop)) != NULL) {
        while (msg) {
            ol_msg *next = msg->next;
            handle_message(loop, msg);
            msg = next;
        }
    }
}

/* Loop thread: close the gate for good (OL_LOOP_CLOSED), wait out the submitters inside it,
 * and refuse what they queued: jobs are cancelled, other messages dropped. Idempotent. */
void ol__loop_close_gate(ol_loop *loop)
{
    atomic_store(&loop->state, OL_LOOP_CLOSED);
    while (atomic_load(&loop->senders) != 0) sched_yield();
    ol_msg *msg = take_queue(loop);
    while (msg) {
        ol_msg *next = msg->next;
        if (msg->type == OL_MSG_START) {
            refuse_queued_job(loop, (ol_job *)msg);
        } else if (msg->type != OL_MSG_SHUTDOWN) {
            if (msg->type == OL_MSG_CANCEL) ol__future_run_cancel_callbacks(msg->future);
            ol_future_release(msg->future);
            free(msg);
        }
        msg = next;
    }
}
