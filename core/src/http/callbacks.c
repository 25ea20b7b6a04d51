/* The callbacks curl runs during curl_multi_socket_action (loop thread) and the body on its
 * way to the caller: each header line and body chunk goes into the buffered response, or into
 * the job's iterator with back-pressure (a full channel pauses the transfer until the consumer
 * makes room), decoded at the consumer's pace when the caller asked for decoding. */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Iterator: queue the final response's head, once complete (on_header), else before its first
 * body byte or at the end. */
int ol__http_push_head(ol_job *job, ol_http_job *h)
{
    h->head_pushed = true;
    ol_response *head = ol__response_clone_head(h->resp);
    if (!head) return OL_ENOMEM;
    /* curl's status, as the buffered response reports: our header parser reads a malformed
     * status line ("HTTP/q.1 200", "HtTP/1.1 ...") differently from curl. */
    long code = 0;
    if (h->easy && curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code)
        head->status = (int)code;
    char *url = NULL;
    if (!head->effective_url && h->easy &&
        curl_easy_getinfo(h->easy, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url)
        head->effective_url = ol__redact_credentials(url);
    return ol__iter_push(job->iter, OL_ITEM_HEAD, NULL, 0, head, ol__response_free);
}

/* The current hop's head is a redirect that the job follows (or fails on, past the limit):
 * its body is not the response's. */
bool ol__http_is_redirect_hop(const ol_http_job *h)
{
    int status = h->resp->status;
    return h->req.max_redirects > 0 && status >= 300 && status < 400 &&
           ol_response_header(h->resp, "location");
}

/* A complete head that ends the exchange's heads: not an interim 1xx, not a redirect to
 * follow. */
static bool is_final_head(const ol_http_job *h)
{
    return h->resp->status >= 200 && !ol__http_is_redirect_hop(h);
}

size_t ol__http_on_header(char *line, size_t size, size_t n, void *userdata)
{
    ol_job *job = userdata;
    ol_http_job *h = job->data;
    size_t len = size * n;
    h->last_rx_ms = uv_now(ol__loop_uv(job->loop));
    bool was_done = h->resp->head_done;
    if (ol__response_header_line(h->resp, line, len) != OL_OK) return 0;
    /* Streams get the head as soon as it is complete rather than with the first body byte:
     * server-sent events and long polls may send their body much later. */
    if (job->iter && !h->head_pushed && !was_done && h->resp->head_done && is_final_head(h)) {
        int rc = ol__http_push_head(job, h);
        if (rc == OL_EAGAIN)
            h->pause_pending = true; /* full: hold the first body chunk */
        else if (rc != OL_OK) {
            h->consumer_gone = rc == OL_ECANCELED;
            return 0;
        }
    }
    return len;
}

/* Body bytes as the caller gets them (decoded when decoding): counted against the limit, then
 * queued on the stream or appended to the response. OL_EAGAIN: taken, but the stream's
 * channel is now full. Any other error fails the transfer (the flags say why). */
static int take_body(ol_job *job, ol_http_job *h, const void *data, size_t len)
{
    int64_t max = h->req.max_response_bytes;
    if (max > 0 && (uint64_t)h->received + len > (uint64_t)max) {
        h->too_large = true;
        return OL_ETOOLARGE;
    }
    int rc = OL_OK;
    if (job->iter) {
        rc = ol__iter_push(job->iter, OL_ITEM_DATA, data, len, NULL, NULL);
        if (rc == OL_ECANCELED || rc == OL_ENOMEM) {
            h->consumer_gone = rc == OL_ECANCELED;
            return rc;
        }
        /* OL_EAGAIN: queued, but the channel is full. Refuse (pause) the next chunk; curl
         * delivers a refused chunk again after curl_easy_pause(CONT). */
        if (rc == OL_EAGAIN) h->pause_pending = true;
    } else {
        size_t expected = 0;
        if (h->resp->body_cap == 0 && !h->decoder) { /* size the buffer once from Content-Length */
            curl_off_t cl = -1;
            curl_easy_getinfo(h->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
            if (cl > 0 && cl <= (curl_off_t)64 << 20) expected = (size_t)cl;
        }
        if (ol__response_append(h->resp, data, len, expected) != OL_OK) return OL_ENOMEM;
    }
    h->received += len;
    return rc;
}

/* The decoder for the final response's Content-Encoding (none: the body passes as is). */
static bool open_decoder(ol_http_job *h)
{
    h->decode_checked = true;
    const char *coding = ol_response_header(h->resp, "content-encoding");
    int rc = ol__decoder_new(coding, &h->decoder, h->decode_msg, sizeof h->decode_msg);
    h->decode_failed = rc == OL_EPROTO;
    return rc == OL_OK;
}

/* Decode *in into the caller's body until the input is used up or the stream's channel is
 * full (OL_EAGAIN; *in keeps what was not decoded yet). One compressed read thus never
 * expands past the room the consumer has. */
static int decode_to_body(ol_job *job, ol_http_job *h, const unsigned char **in, size_t *left)
{
    unsigned char out[16384];
    for (;;) {
        size_t produced = 0, before = *left;
        if (ol__decoder_step(h->decoder, in, left, out, sizeof out, &produced) != OL_OK) {
            h->decode_failed = true;
            snprintf(h->decode_msg, sizeof h->decode_msg, "%s", ol__decoder_error(h->decoder));
            return OL_EPROTO;
        }
        if (produced) {
            int rc = take_body(job, h, out, produced);
            if (rc != OL_OK) return rc;
        } else if (*left == 0 || *left == before) {
            return OL_OK; /* needs more input, or the stream ended */
        }
    }
}

/* Decode output owed to the consumer: the held input, and what the decoder still has. */
int ol__http_decode_held(ol_job *job, ol_http_job *h)
{
    const unsigned char *in = h->held ? h->held + h->held_off : NULL;
    size_t left = h->held_len - h->held_off;
    int rc = decode_to_body(job, h, &in, &left);
    h->held_off = h->held_len - left;
    if (left == 0) {
        free(h->held);
        h->held = NULL;
        h->held_len = h->held_off = 0;
    }
    if (rc == OL_OK) h->decode_more = false;
    return rc;
}

/* A chunk from curl while decoding. What does not fit the channel is kept here (at most
 * this one chunk) and curl gets paused by the next callback; the resume decodes the rest. */
static bool decode_received(ol_job *job, ol_http_job *h, const char *data, size_t len)
{
    const unsigned char *in = (const unsigned char *)data;
    size_t left = len;
    int rc = decode_to_body(job, h, &in, &left);
    if (rc != OL_EAGAIN) return rc == OL_OK;
    h->decode_more = true;
    if (!left) return true;
    h->held = malloc(left);
    if (!h->held) return false;
    memcpy(h->held, in, left);
    h->held_len = left;
    h->held_off = 0;
    return true;
}

size_t ol__http_on_write(char *data, size_t size, size_t n, void *userdata)
{
    ol_job *job = userdata;
    ol_http_job *h = job->data;
    size_t len = size * n;
    if (ol__http_is_redirect_hop(h)) return len; /* a redirect's own body: dropped */
    if (h->pause_pending) {
        h->pause_pending = false;
        h->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    h->last_rx_ms = uv_now(ol__loop_uv(job->loop));
    if (job->iter && !h->head_pushed) {
        int rc = ol__http_push_head(job, h);
        if (rc == OL_EAGAIN) { /* channel full already: take this chunk after the resume */
            h->paused = true;
            return CURL_WRITEFUNC_PAUSE;
        }
        if (rc != OL_OK) {
            h->consumer_gone = rc == OL_ECANCELED;
            return 0;
        }
    }
    if (h->req.decompress && !h->decode_checked && !open_decoder(h)) return 0;
    if (h->decoder) return decode_received(job, h, data, len) ? len : 0;
    int rc = take_body(job, h, data, len);
    return rc == OL_OK || rc == OL_EAGAIN ? len : 0;
}
