/* A transfer's life on the loop thread: admitted for its host (or queued behind its others),
 * begun in the multi handle, resumed when a stream's consumer makes room, and done: the
 * response read from curl's report, then a redirect followed or the job finished. */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- admission and start */

/* Put the admitted transfer into the multi. On failure the caller finishes the job. */
static int begin_transfer(ol_job *job, ol_http_job *h, ol_http_ctx *ctx)
{
    bool configured = false;
    CURL *e = ol__http_ctx_easy_get(ctx, &configured);
    if (!e) return OL_ENOMEM;
    int rc = ol__http_setup_easy(job, h, ctx, e, configured);
    if (rc == OL_OK) rc = ol__http_idle_timer_start(job, h);
    if (rc == OL_OK) rc = ol__http_ctx_add(ctx, e);
    if (rc != OL_OK) {
        ol__http_idle_timer_stop(h);
        ol__http_ctx_easy_put(ctx, e, false);
        return rc;
    }
    h->easy = e;
    h->hop_started_ms = uv_now(ol__loop_uv(job->loop));
    return OL_OK;
}

/* Start the queued transfers handed a slot, one after the other: one that cannot start
 * (expired while queued, bad option) passes its slot on at once. */
static void begin_queued(ol_http_ctx *ctx, ol_http_job *next)
{
    while (next) {
        ol_http_job *h = next;
        ol_job *job = h->job;
        next = NULL;
        int rc = OL_OK;
        const char *why = NULL;
        h->queue_deadline_ms = 0;    /* out of the queue: curl's own timeout takes over */
        if (h->req.timeout_ms > 0) { /* the wait counts against the job's own timeout */
            uint64_t waited = uv_now(ol__loop_uv(job->loop)) - h->queued_ms;
            if (waited >= (uint64_t)h->req.timeout_ms) {
                rc = OL_ETIMEDOUT;
                why = "timed out waiting for a connection to the host";
            } else {
                h->req.timeout_ms -= (long)waited;
            }
        }
        if (rc == OL_OK) rc = begin_transfer(job, h, ctx);
        if (rc == OL_OK) continue;
        next = ol__http_leave(ol__http_ctx_admission(ctx), h, true);
        ol__task_finish(job, rc, NULL, NULL, 0, why ? why : h->errbuf[0] ? h->errbuf : NULL);
    }
}

/* The transfer is over (or never got in): give its host slot to the next queued one. During
 * shutdown the queued ones are being cancelled, so none is started. */
void ol__http_leave_host(ol_job *job, ol_http_job *h)
{
    ol_http_ctx *ctx = ol__http_ctx_of(job->loop);
    if (!h->host || !ctx) return;
    bool hand_over = !ol__loop_shutting_down(job->loop);
    begin_queued(ctx, ol__http_leave(ol__http_ctx_admission(ctx), h, hand_over));
}

/* When a transfer queued for its host at queued (uv_now ms) gives up (0: never): at the end
 * of its timeout, or of its connect timeout, since waiting for a slot is waiting to connect
 * (a slot may stay taken for good: a stream nobody reads keeps its connection). */
static uint64_t queue_deadline(const ol_http_request *r, uint64_t queued)
{
    uint64_t due = r->timeout_ms > 0 ? queued + (uint64_t)r->timeout_ms : 0;
    uint64_t connect_due = queued + (uint64_t)r->connect_timeout_ms;
    if (r->connect_timeout_ms > 0 && (!due || connect_due < due)) due = connect_due;
    return due;
}

/* Begin the transfer of h->req.url now, or queue it behind its host's others (begin_queued
 * starts it). On failure it has left its host; the caller finishes the job. */
int ol__http_admit_and_begin(ol_job *job, ol_http_job *h, ol_http_ctx *ctx)
{
    if (!ol__http_admit(ol__http_ctx_admission(ctx), h, h->req.url)) {
        h->queued_ms = uv_now(ol__loop_uv(job->loop));
        h->queue_deadline_ms = queue_deadline(&h->req, h->queued_ms);
        if (h->queue_deadline_ms) ol__http_ctx_queue_deadline(ctx, h->queue_deadline_ms);
        return OL_OK;
    }
    int rc = begin_transfer(job, h, ctx);
    if (rc != OL_OK) ol__http_leave_host(job, h);
    return rc;
}

/* ---- the end of a transfer */

/* curl's CURL_HTTP_VERSION_* as ol_response_http_version reports it. */
static int ol_version_of_curl(long v)
{
    switch (v) {
    case CURL_HTTP_VERSION_1_0: return 10;
    case CURL_HTTP_VERSION_1_1: return 11;
    case CURL_HTTP_VERSION_2_0: return 20;
    case CURL_HTTP_VERSION_3: return 30;
    default: return 0;
    }
}

static void fill_response(ol_http_job *h, CURL *e)
{
    ol_response *resp = h->resp;
    long code = 0, version = 0;
    char *url = NULL;
    curl_off_t v = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
    if (code) resp->status = (int)code;
    if (ol_version_of_curl(version)) resp->http_version = ol_version_of_curl(version);
    if (url) {
        free(resp->effective_url);
        resp->effective_url = ol__redact_credentials(url);
    }
    ol_http_timing *t = &resp->timing;
    t->version = OL_HTTP_TIMING_VERSION;
    curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &v), t->dns_us = v;
    curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &v), t->connect_us = v;
    curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &v), t->tls_us = v;
    curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &v), t->first_byte_us = v;
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &v), t->total_us = v + h->redirect_us;
    t->redirect_us = h->redirect_us;
    curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &v), t->bytes_up = (uint64_t)v;
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &v), t->bytes_down = (uint64_t)v;
    t->redirects = (unsigned)h->hops;
}

/* Settle the job: the transfer is over and the consumer has all of the body. */
static void finish_transfer(ol_job *job, ol_http_job *h, CURLcode result, long os_errno,
                            bool connected)
{
    if (result != CURLE_OK) {
        char msg[CURL_ERROR_SIZE + 64];
        int status = ol__http_failure_status(h, result, os_errno, connected, msg, sizeof msg);
        ol__task_finish(job, status, NULL, NULL, 0, msg);
        return;
    }
    if (job->iter && !h->head_pushed) ol__http_push_head(job, h); /* a response without body */
    ol_response *resp = h->resp;
    h->resp = NULL;
    ol__task_finish(job, OL_OK, resp, ol__response_free, 0, NULL);
}

void ol__http_transfer_done(ol_job *job, CURLcode result)
{
    ol_http_job *h = job->data;
    CURL *e = h->easy;
    long os_errno = 0;
    char *ip = NULL; /* set once connected, also on a reused connection */
    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
    curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
    bool connected = ip && *ip;
    fill_response(h, e);
    bool redirect = result == CURLE_OK && ol__http_is_redirect_hop(h);
    char *next_url = NULL;
    if (redirect && curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &next_url) == CURLE_OK)
        next_url = ol__strdup(next_url); /* before the handle goes */
    ol__http_release_easy(job, h, result == CURLE_OK);
    ol__http_leave_host(job, h);
    if (redirect) {
        ol__http_follow_redirect(job, h, next_url);
        return;
    }
    if (result == CURLE_OK && h->decode_more) { /* the resume decodes the rest, then ends */
        h->finish_deferred = true;
        return;
    }
    finish_transfer(job, h, result, os_errno, connected);
}

/* Our own refusal outside curl's callbacks (decoding on resume): the flags say why. */
static void fail_transfer(ol_job *job, ol_http_job *h)
{
    if (h->easy)
        ol__http_transfer_done(job, CURLE_WRITE_ERROR);
    else
        finish_transfer(job, h, CURLE_WRITE_ERROR, 0, true);
}

void ol__http_queued_expired(ol_job *job, unsigned host_limit)
{
    ol_http_job *h = job->data;
    uint64_t waited = uv_now(ol__loop_uv(job->loop)) - h->queued_ms;
    if (h->req.timeout_ms > 0 && waited >= (uint64_t)h->req.timeout_ms) {
        ol__task_finish(job, OL_ETIMEDOUT, NULL, NULL, 0,
                        "timed out waiting for a connection to the host");
        return;
    }
    char msg[256];
    snprintf(msg, sizeof msg,
             "no connection to the host within the connect timeout (%ld ms): all %u "
             "connections of the per-host limit (max_host_connections) stayed busy",
             h->req.connect_timeout_ms, host_limit);
    ol__task_finish(job, OL_EHOSTLIMIT, NULL, NULL, 0, msg);
}

/* ---- a stream's consumer made room */

void ol__http_transfer_resume(ol_job *job)
{
    ol_http_job *h = job->data;
    h->pause_pending = false;
    if (h->decode_more) { /* decoded output owed first; curl stays paused meanwhile */
        int rc = ol__http_decode_held(job, h);
        if (rc == OL_EAGAIN) return; /* full again: the next resume goes on */
        if (rc != OL_OK) {
            fail_transfer(job, h);
            return;
        }
    }
    if (h->finish_deferred) {
        finish_transfer(job, h, CURLE_OK, 0, true);
        return;
    }
    ol__http_idle_timer_restart(job, h);
    if (!h->paused || !h->easy) return;
    h->paused = false;
    /* May deliver the held chunk right here, and pause again. */
    CURLcode rc = curl_easy_pause(h->easy, CURLPAUSE_CONT);
    if (rc != CURLE_OK && !job->finished) ol__http_transfer_done(job, rc);
}
