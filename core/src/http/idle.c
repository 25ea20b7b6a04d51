/* The idle timeout of a transfer (OL_HTTP_IDLE_TIMEOUT_MS): it fails when no byte came in
 * for that long, not counting the time the consumer holds the stream. Loop thread. */
#include "http.h"

#include <stdlib.h>

/* A consumer holding a stream (channel full, curl paused, decoded output owed) stops the
 * idle clock: the resume restarts it. */
static bool consumer_holds(const ol_http_job *h)
{
    return h->paused || h->pause_pending || h->decode_more;
}

static void on_idle_timer(uv_timer_t *timer)
{
    ol_job *job = timer->data;
    ol_http_job *h = job->data;
    if (consumer_holds(h)) return; /* the resume re-arms it */
    uint64_t idle = uv_now(timer->loop) - h->last_rx_ms, limit = (uint64_t)h->req.idle_timeout_ms;
    if (idle < limit) { /* bytes came in since it was armed */
        uv_timer_start(timer, on_idle_timer, limit - idle, 0);
        return;
    }
    h->idle_expired = true;
    ol__http_transfer_done(job, CURLE_OPERATION_TIMEDOUT);
}

/* (Re)start the idle clock now. The timer is armed once per idle period, not per byte:
 * on_write only notes the time, and the timer re-arms itself for the remainder. */
void ol__http_idle_timer_restart(ol_job *job, ol_http_job *h)
{
    h->last_rx_ms = uv_now(ol__loop_uv(job->loop));
    if (h->idle_timer)
        uv_timer_start(h->idle_timer, on_idle_timer, (uint64_t)h->req.idle_timeout_ms, 0);
}

int ol__http_idle_timer_start(ol_job *job, ol_http_job *h)
{
    if (h->req.idle_timeout_ms <= 0) return OL_OK;
    h->idle_timer = malloc(sizeof *h->idle_timer);
    if (!h->idle_timer) return OL_ENOMEM;
    uv_timer_init(ol__loop_uv(job->loop), h->idle_timer);
    h->idle_timer->data = job;
    ol__http_idle_timer_restart(job, h);
    return OL_OK;
}

static void idle_timer_closed(uv_handle_t *timer) { free(timer); }

void ol__http_idle_timer_stop(ol_http_job *h)
{
    if (!h->idle_timer) return;
    uv_close((uv_handle_t *)h->idle_timer, idle_timer_closed);
    h->idle_timer = NULL;
}
