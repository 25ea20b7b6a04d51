/* Shutdown (threading rule 9, docs/threading.md): the gate closes, running tasks get until
 * the deadline, then everything left is cancelled; the job kinds close their per-loop state,
 * and the loop's handles close. */
#include "loop_impl.h"

static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

static void finish_close(ol_loop *loop)
{
    ol__kinds_close(loop);
    ol__loop_defer_stop(loop);
    ol__loop_close_gate(loop);
    uv_walk(&loop->uv, close_handle, NULL);
}

/* Wake the thread waiting in ol_loop_shutdown. */
static void signal_shutdown_waiter(ol_loop *loop, bool *flag)
{
    pthread_mutex_lock(&loop->done_lock);
    *flag = true;
    pthread_cond_broadcast(&loop->done_cond);
    pthread_mutex_unlock(&loop->done_lock);
}

/* Loop thread, after the deadline: work running on libuv's pool cannot be stopped. Once it is
 * all that is left, the shutdown caller returns; this thread goes on until the work ends, and
 * the task's end frees it (the loop's memory stays until then: this thread holds a
 * reference). Every future is settled by now. */
static void release_waiter_if_only_pool_work(ol_loop *loop)
{
    if (loop->deadline_passed) return;
    for (ol_job *job = loop->tasks; job; job = job->next)
        if (!job->ops->runs_on_pool) return; /* cancelled, ends soon: wait for it */
    ol__kinds_close(loop);      /* only pool work is left: libcurl is done before the caller goes */
    ol__loop_defer_flush(loop); /* e.g. notifier writes for the futures just cancelled */
    signal_shutdown_waiter(loop, &loop->deadline_passed);
}

static void cancel_all_tasks(ol_loop *loop)
{
    ol_job *job = loop->tasks;
    while (job) {
        ol_job *next = job->next; /* the job may end (and be freed) inside cancel */
        if (ol__future_settle(job->future, OL_ECANCELED, NULL, NULL, 0, "loop shut down"))
            loop->shutdown_cancelled_any = true;
        ol__job_cancel(job);
        job = next;
    }
}

/* The deadline passed (or was 0): cancel every task, then refuse whatever is still queued. */
static void cancel_at_deadline(ol_loop *loop)
{
    cancel_all_tasks(loop);
    ol__loop_close_gate(loop);
    ol__loop_begin_shutdown(loop);
}

static void on_deadline(uv_timer_t *timer)
{
    ol_loop *loop = timer->data;
    cancel_at_deadline(loop);
}

/* Loop thread. Called when the request arrives and again whenever the last task ends. */
void ol__loop_begin_shutdown(ol_loop *loop)
{
    if (!loop->shutdown_started) {
        loop->shutdown_started = true;
        if (loop->task_count > 0) {
            if (loop->shutdown_timeout_ms == 0) {
                cancel_at_deadline(loop);
                return;
            }
            if (loop->shutdown_timeout_ms > 0)
                uv_timer_start(&loop->deadline_timer, on_deadline,
                               (uint64_t)loop->shutdown_timeout_ms, 0);
        }
    }
    if (loop->task_count == 0) {
        if (!uv_is_closing((uv_handle_t *)&loop->wake)) finish_close(loop);
    } else if (atomic_load(&loop->state) == OL_LOOP_CLOSED) { /* the deadline passed */
        release_waiter_if_only_pool_work(loop);
    }
}

/* A thread that ran the loop is done with it: wake a waiting shutdown, drop its reference. */
void ol__loop_thread_done(ol_loop *loop)
{
    ol__current_loop = NULL;
    signal_shutdown_waiter(loop, &loop->run_ended);
    ol__loop_release(loop); /* the thread's reference: the loop may be freed here */
}

/* The thread that finishes an OL_LOOP_NO_THREAD loop for its shutdown when pool work outlives
 * the deadline. Only that work is left and libcurl is closed already, so it is not in the
 * registry of threads parked at process exit (exit.c), which would wait for it. */
static void detached_rest_main(void *arg)
{
    ol_loop *loop = arg;
    ol__current_loop = loop;
    pthread_setname_np(pthread_self(), "oneloop");
    uv_run(&loop->uv, UV_RUN_DEFAULT);
    ol__loop_thread_done(loop);
}

/* The shutdown caller of a loop with a thread: true once the thread left uv_run, false when
 * only pool work is left after the deadline (the thread then goes on, detached). */
static bool wait_run_ended_or_deadline(ol_loop *loop)
{
    pthread_mutex_lock(&loop->done_lock);
    while (!loop->run_ended && !loop->deadline_passed)
        pthread_cond_wait(&loop->done_cond, &loop->done_lock);
    bool ended = loop->run_ended;
    pthread_mutex_unlock(&loop->done_lock);
    return ended;
}

/* The shutdown caller of a loop without thread runs it until it closes, or until only pool
 * work is left after the deadline: a thread of our own then runs it until that work ends. */
static void run_here_until_closed_or_deadline(ol_loop *loop)
{
    ol_loop *previous = ol__current_loop;
    ol__current_loop = loop;
    bool alive = true;
    while (alive && !loop->deadline_passed) alive = uv_run(&loop->uv, UV_RUN_ONCE) != 0;
    if (alive) {
        uv_thread_t helper;
        if (ol__loop_start_thread(loop, &helper, detached_rest_main) == 0)
            pthread_detach(helper);
        else
            uv_run(&loop->uv, UV_RUN_DEFAULT); /* no thread: wait for the work here */
    }
    ol__current_loop = previous;
}

int ol_loop_shutdown(ol_loop *loop, int64_t timeout_ms)
{
    if (!loop) return OL_EINVAL;
    if (ol__forked_since(loop->generation)) return OL_EFORKED;
    if (loop->has_thread && ol__current_loop == loop) return OL_EDEADLK;
    if (loop->has_thread && ol__loop_exit_began()) return OL_ECLOSED; /* parked, never joined */
    int expected = OL_LOOP_RUNNING;
    if (!atomic_compare_exchange_strong(&loop->state, &expected, OL_LOOP_CLOSING))
        return OL_ECLOSED; /* someone else shut it down */

    loop->shutdown_msg.type = OL_MSG_SHUTDOWN;
    loop->shutdown_timeout_ms = timeout_ms;
    ol__loop_post(loop, &loop->shutdown_msg, false);

    if (loop->has_thread) {
        if (wait_run_ended_or_deadline(loop))
            uv_thread_join(&loop->thread);
        else
            pthread_detach(loop->thread); /* it ends when the pool work does */
    } else {
        run_here_until_closed_or_deadline(loop);
        if (ol__loop_driven_here(loop)) ol__drives_loop = false;
    }
    /* Written on the loop thread before it signalled us. */
    return loop->shutdown_cancelled_any ? OL_ETIMEDOUT : OL_OK;
}
