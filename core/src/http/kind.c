/* The HTTP job kind: builds the easy handle on the loop thread, collects the response (or
 * streams it into an iterator with back-pressure) and finishes the task exactly once. */
#include "http_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OL_HTTP_DEFAULT_PROTOCOLS "http,https"
#define OL_HTTP_DEFAULT_USER_AGENT "oneloop/" OL_VERSION_STRING

/* ---- callbacks curl runs during curl_multi_socket_action (loop thread) */

/* Iterator: queue the final response's head, once complete (on_header), else before its first
 * body byte or at the end. */
static int push_head(ol_job *job, ol_http_job *h)
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
static bool is_redirect_hop(const ol_http_job *h)
{
    int status = h->resp->status;
    return h->req.max_redirects > 0 && status >= 300 && status < 400 &&
           ol_response_header(h->resp, "location");
}

/* A complete head that ends the exchange's heads: not an interim 1xx, not a redirect to
 * follow. */
static bool is_final_head(const ol_http_job *h)
{
    return h->resp->status >= 200 && !is_redirect_hop(h);
}

static size_t on_header(char *line, size_t size, size_t n, void *userdata)
{
    ol_job *job = userdata;
    ol_http_job *h = job->data;
    size_t len = size * n;
    h->last_rx_ms = uv_now(&job->loop->uv);
    bool was_done = h->resp->head_done;
    if (ol__response_header_line(h->resp, line, len) != OL_OK) return 0;
    /* Streams get the head as soon as it is complete rather than with the first body byte:
     * server-sent events and long polls may send their body much later. */
    if (job->iter && !h->head_pushed && !was_done && h->resp->head_done && is_final_head(h)) {
        int rc = push_head(job, h);
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
static int decode_held(ol_job *job, ol_http_job *h)
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

static size_t on_write(char *data, size_t size, size_t n, void *userdata)
{
    ol_job *job = userdata;
    ol_http_job *h = job->data;
    size_t len = size * n;
    if (is_redirect_hop(h)) return len; /* a redirect's own body: dropped */
    if (h->pause_pending) {
        h->pause_pending = false;
        h->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    h->last_rx_ms = uv_now(&job->loop->uv);
    if (job->iter && !h->head_pushed) {
        int rc = push_head(job, h);
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

/* ---- the easy handle */

static long curl_http_version(long v)
{
    switch (v) {
    case OL_HTTP_VERSION_1_0: return CURL_HTTP_VERSION_1_0;
    case OL_HTTP_VERSION_1_1: return CURL_HTTP_VERSION_1_1;
    case OL_HTTP_VERSION_2: return CURL_HTTP_VERSION_2_0;
    case OL_HTTP_VERSION_2_TLS: return CURL_HTTP_VERSION_2TLS;
    case OL_HTTP_VERSION_2_PRIOR_KNOWLEDGE: return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
    default: return CURL_HTTP_VERSION_NONE;
    }
}

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

#define SET(opt, val)                                                                        \
    do {                                                                                     \
        CURLcode rc_ = curl_easy_setopt(e, opt, val);                                        \
        if (rc_ != CURLE_OK) {                                                               \
            snprintf(h->errbuf, sizeof h->errbuf, "%s (%s)", curl_easy_strerror(rc_), #opt); \
            return rc_ == CURLE_OUT_OF_MEMORY ? OL_ENOMEM : OL_EINVAL;                       \
        }                                                                                    \
    } while (0)

static int set_method_and_body(CURL *e, ol_http_job *h)
{
    ol_http_request *r = &h->req;
    const char *m = r->method ? r->method : "GET";
    if (strcmp(m, "HEAD") == 0) { /* a real HEAD, without body: a body set is not sent */
        SET(CURLOPT_NOBODY, 1L);
    } else if (r->body_set) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        SET(CURLOPT_POSTFIELDS, r->body_len ? r->body : "");
        if (strcmp(m, "POST") != 0) SET(CURLOPT_CUSTOMREQUEST, m);
        /* No "Expect: 100-continue" round trip unless the caller asked for it. */
        if (!r->has_expect) {
            struct curl_slist *grown = curl_slist_append(r->headers, "Expect:");
            if (!grown) return OL_ENOMEM;
            r->headers = grown;
            r->has_expect = true;
        }
    } else if (strcmp(m, "POST") == 0) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        SET(CURLOPT_POSTFIELDS, "");
    } else if (strcmp(m, "GET") != 0) {
        SET(CURLOPT_CUSTOMREQUEST, m);
    }
    return OL_OK;
}

/* Options that point at this job or change with every request: set for every transfer, so a
 * handle reused without a reset never keeps an earlier job's. */
static int set_per_transfer(ol_job *job, ol_http_job *h, CURL *e)
{
    ol_http_request *r = &h->req;
    SET(CURLOPT_PRIVATE, (char *)job);
    SET(CURLOPT_ERRORBUFFER, h->errbuf);
    SET(CURLOPT_URL, r->url);
    SET(CURLOPT_HEADERDATA, job);
    SET(CURLOPT_WRITEDATA, job);
    SET(CURLOPT_OPENSOCKETDATA, h);      /* the socket opener notes its errno here */
    SET(CURLOPT_HTTPHEADER, r->headers); /* NULL: none */
    /* 0 is "no limit" for us but "300 s" for curl: give curl the largest it takes. */
    SET(CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms ? r->connect_timeout_ms : (long)INT_MAX);
    SET(CURLOPT_TIMEOUT_MS, r->timeout_ms); /* 0: none */
    /* Over TLS, wait for ALPN so concurrent requests share one HTTP/2 connection. */
    bool h2_possible =
        r->http_version != OL_HTTP_VERSION_1_0 && r->http_version != OL_HTTP_VERSION_1_1;
    SET(CURLOPT_PIPEWAIT, strncmp(r->url, "https:", 6) == 0 && h2_possible ? 1L : 0L);
    return OL_OK;
}

/* Options every transfer shares. A handle keeps them from one transfer to the next unless
 * some transfer changed more (easy_custom), so most transfers skip both these calls and the
 * reset that would undo them. */
static int set_shared(ol_http_ctx *ctx, ol_http_job *h, CURL *e)
{
    SET(CURLOPT_NOSIGNAL, 1L); /* threading rule 5, docs/threading.md */
    SET(CURLOPT_PROTOCOLS_STR, OL_HTTP_DEFAULT_PROTOCOLS);
    /* curl never follows a redirect itself (CURLOPT_FOLLOWLOCATION stays off): follow_redirect
     * does, one transfer per hop. */
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_WRITEFUNCTION, on_write);
    SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    /* curl reads at most this much per recv, then polls the socket for more (7.88). With
     * the default 16 KB a 100 KB body took 7 recv and 7 poll calls; with 60 KB, 2 and 3, and
     * 10-15% less CPU. curl 7.88 allocates the buffer per transfer: below 64 KB its free
     * does not make glibc consolidate and trim the heap. Only the pages a response fills are
     * touched. curl refuses the option while a buffer is allocated; that only keeps the
     * default size, so the result is ignored. */
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 60L * 1024);
#if LIBCURL_VERSION_NUM >= 0x075700 /* 7.87.0 */
    /* Ending a transfer whose name lookup still runs (cancel, timeout, shutdown) otherwise
     * joins curl's resolver thread inside curl_multi_remove_handle: the loop thread would
     * block until getaddrinfo returns. With this, curl detaches the thread instead, and the
     * thread frees its state when the lookup ends (that is all the option does in curl 7.87 to
     * 8.14). */
    SET(CURLOPT_QUICK_EXIT, 1L);
#endif
    SET(CURLOPT_UNRESTRICTED_AUTH, 0L); /* credentials stay with the first host */
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_USERAGENT, OL_HTTP_DEFAULT_USER_AGENT);
    ol__http_ctx_setup_easy(ctx, e);
    return OL_OK;
}

static int set_tls(CURL *e, ol_http_job *h)
{
    ol_http_request *r = &h->req;
    if (!r->verify_peer) SET(CURLOPT_SSL_VERIFYPEER, 0L);
    if (!r->verify_host) SET(CURLOPT_SSL_VERIFYHOST, 0L);
    if (r->ca_file) SET(CURLOPT_CAINFO, r->ca_file);
    if (r->ca_path) SET(CURLOPT_CAPATH, r->ca_path);
    if (r->client_cert) SET(CURLOPT_SSLCERT, r->client_cert);
    if (r->client_key) SET(CURLOPT_SSLKEY, r->client_key);
    if (r->client_key_password) SET(CURLOPT_KEYPASSWD, r->client_key_password);
    return OL_OK;
}

/* Whether the request needs options beyond the shared and per-transfer ones (set below by
 * set_custom); the handle is then reset after the transfer. */
static bool needs_custom(const ol_http_request *r)
{
    return r->body_set || (r->method && strcmp(r->method, "GET") != 0) || r->protocols ||
           r->redirect_protocols || r->low_speed_limit || r->low_speed_time_s || !r->verify_peer ||
           !r->verify_host || r->ca_file || r->ca_path || r->client_cert || r->client_key ||
           r->client_key_password || curl_http_version(r->http_version) != CURL_HTTP_VERSION_NONE ||
           r->decompress || r->proxy || r->max_response_bytes > 0 || r->user_agent || r->basic_auth;
}

/* Ask for what the decoder takes, unless the caller sent its own Accept-Encoding. */
static int add_accept_encoding(ol_http_request *r)
{
    for (struct curl_slist *l = r->headers; l; l = l->next)
        if (strncasecmp(l->data, "Accept-Encoding:", 16) == 0) return OL_OK;
    char line[64];
    snprintf(line, sizeof line, "Accept-Encoding: %s", ol__decoder_accept_encoding());
    struct curl_slist *grown = curl_slist_append(r->headers, line);
    if (!grown) return OL_ENOMEM;
    r->headers = grown;
    return OL_OK;
}

static int set_custom(CURL *e, ol_http_job *h)
{
    ol_http_request *r = &h->req;
    int rc = set_method_and_body(e, h); /* first: it may add a header */
    if (rc != OL_OK) return rc;
    /* A redirect hop's URL passed the redirect list (follow_redirect); curl checks it too. */
    const char *protocols = h->hops ? r->redirect_protocols : r->protocols;
    if (protocols) SET(CURLOPT_PROTOCOLS_STR, protocols);
    if (r->low_speed_limit) SET(CURLOPT_LOW_SPEED_LIMIT, r->low_speed_limit);
    if (r->low_speed_time_s) SET(CURLOPT_LOW_SPEED_TIME, r->low_speed_time_s);
    if ((rc = set_tls(e, h)) != OL_OK) return rc;
    long version = curl_http_version(r->http_version);
    if (version != CURL_HTTP_VERSION_NONE) SET(CURLOPT_HTTP_VERSION, version);
    /* Decoding is ours (on_write), never curl's: curl would decode a whole read at once. */
    if (r->decompress && (rc = add_accept_encoding(r)) != OL_OK) return rc;
    if (r->proxy) SET(CURLOPT_PROXY, r->proxy);
    /* A Content-Length over the limit fails early; a decoded body is counted by on_write. */
    if (r->max_response_bytes > 0 && !r->decompress)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_response_bytes);
    if (r->user_agent) SET(CURLOPT_USERAGENT, r->user_agent);
    if (r->basic_auth) {
        SET(CURLOPT_USERPWD, r->basic_auth);
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    }
    return OL_OK;
}

/* Everything the transfer needs on e: the shared options unless e still has them, the custom
 * ones if any, then the per-transfer ones (after the custom: a body may add a header). */
static int setup_easy(ol_job *job, ol_http_job *h, ol_http_ctx *ctx, CURL *e, bool configured)
{
    h->easy_custom = needs_custom(&h->req);
    int rc = configured ? OL_OK : set_shared(ctx, h, e);
    if (rc == OL_OK && h->easy_custom) rc = set_custom(e, h);
    if (rc == OL_OK) rc = set_per_transfer(job, h, e);
    return rc;
}
#undef SET

static size_t discard_bytes(char *data, size_t size, size_t n, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * n;
}

/* A transfer ended before its response did (cancel, closed stream, failure). curl 7.88 keeps
 * about 64 KB per such HTTP/2 stream (its paused data and window) after the removal, for as
 * long as the connection lives: let it deliver everything held, into nothing, first. */
static void drain_before_removal(CURL *e)
{
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_bytes);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, discard_bytes);
    curl_easy_pause(e, CURLPAUSE_CONT);
}

static void idle_timer_closed(uv_handle_t *timer) { free(timer); }

static void stop_idle_timer(ol_http_job *h)
{
    if (!h->idle_timer) return;
    uv_close((uv_handle_t *)h->idle_timer, idle_timer_closed);
    h->idle_timer = NULL;
}

/* clean: the transfer completed, so its handle may keep the shared options (unless it had
 * custom ones or streamed: a stream may end paused). */
static void release_easy(ol_job *job, ol_http_job *h, bool clean)
{
    stop_idle_timer(h);
    if (!h->easy) return;
    long connects = 0; /* counted here so cancelled transfers' connections count too */
    curl_easy_getinfo(h->easy, CURLINFO_NUM_CONNECTS, &connects);
    if (connects > 0)
        atomic_fetch_add_explicit(&job->loop->n_http_connections, (uint64_t)connects,
                                  memory_order_relaxed);
    if (!clean) drain_before_removal(h->easy);
    ol__http_ctx_remove(job->loop->http, h->easy);
    bool keep = clean && !h->easy_custom && !job->iter;
    if (keep) { /* these point into this job's memory, about to be freed */
        curl_easy_setopt(h->easy, CURLOPT_ERRORBUFFER, NULL);
        curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, NULL);
    }
    ol__http_ctx_easy_put(job->loop->http, h->easy, keep);
    h->easy = NULL;
}

/* ---- the job's operations (loop thread, except destroy and the setters) */

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
    if (consumer_holds(h)) return; /* http_resume re-arms it */
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
static void restart_idle_timer(ol_job *job, ol_http_job *h)
{
    h->last_rx_ms = uv_now(&job->loop->uv);
    if (h->idle_timer)
        uv_timer_start(h->idle_timer, on_idle_timer, (uint64_t)h->req.idle_timeout_ms, 0);
}

static int start_idle_timer(ol_job *job, ol_http_job *h)
{
    if (h->req.idle_timeout_ms <= 0) return OL_OK;
    h->idle_timer = malloc(sizeof *h->idle_timer);
    if (!h->idle_timer) return OL_ENOMEM;
    uv_timer_init(&job->loop->uv, h->idle_timer);
    h->idle_timer->data = job;
    restart_idle_timer(job, h);
    return OL_OK;
}

/* Put the admitted transfer into the multi. On failure the caller finishes the job. */
static int begin_transfer(ol_job *job, ol_http_job *h, ol_http_ctx *ctx)
{
    bool configured = false;
    CURL *e = ol__http_ctx_easy_get(ctx, &configured);
    if (!e) return OL_ENOMEM;
    int rc = setup_easy(job, h, ctx, e, configured);
    if (rc == OL_OK) rc = start_idle_timer(job, h);
    if (rc == OL_OK) rc = ol__http_ctx_add(ctx, e);
    if (rc != OL_OK) {
        stop_idle_timer(h);
        ol__http_ctx_easy_put(ctx, e, false);
        return rc;
    }
    h->easy = e;
    h->hop_started_ms = uv_now(&job->loop->uv);
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
            uint64_t waited = uv_now(&job->loop->uv) - h->queued_ms;
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
static void leave_host(ol_job *job, ol_http_job *h)
{
    ol_http_ctx *ctx = job->loop->http;
    if (!h->host || !ctx) return;
    bool hand_over = !job->loop->shutdown_started;
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
static int admit_and_begin(ol_job *job, ol_http_job *h, ol_http_ctx *ctx)
{
    if (!ol__http_admit(ol__http_ctx_admission(ctx), h, h->req.url)) {
        h->queued_ms = uv_now(&job->loop->uv);
        h->queue_deadline_ms = queue_deadline(&h->req, h->queued_ms);
        if (h->queue_deadline_ms) ol__http_ctx_queue_deadline(ctx, h->queue_deadline_ms);
        return OL_OK;
    }
    int rc = begin_transfer(job, h, ctx);
    if (rc != OL_OK) leave_host(job, h);
    return rc;
}

static int http_start(ol_job *job)
{
    ol_http_job *h = job->data;
    ol_http_ctx *ctx = ol__http_ctx_get(job->loop);
    h->resp = ol__response_new();
    if (!ctx || !h->resp) return OL_ENOMEM;
    int rc = admit_and_begin(job, h, ctx);
    if (rc != OL_OK) ol__task_finish(job, rc, NULL, NULL, 0, h->errbuf[0] ? h->errbuf : NULL);
    return rc;
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

static int failure_status(ol_http_job *h, CURLcode result, long os_errno, bool connected, char *msg,
                          size_t cap)
{
    if (h->too_large || result == CURLE_FILESIZE_EXCEEDED) {
        snprintf(msg, cap, "response body larger than the limit of %lld bytes",
                 (long long)h->req.max_response_bytes);
        return OL_ETOOLARGE;
    }
    if (h->consumer_gone) {
        snprintf(msg, cap, "iterator closed by the consumer");
        return OL_ECANCELED;
    }
    if (h->idle_expired) {
        snprintf(msg, cap, "no data received for %ld ms (idle timeout)", h->req.idle_timeout_ms);
        return OL_ETIMEDOUT;
    }
    if (h->decode_failed) {
        snprintf(msg, cap, "%s", h->decode_msg);
        return OL_EPROTO;
    }
    /* curl 7.88 reports a header line over its limit (100 KB) as "out of memory", and all
     * header lines over 300 KB as a receive error: while the head is incomplete on a live
     * connection, that is the peer's doing. */
    bool head_too_large = result == CURLE_OUT_OF_MEMORY ||
                          (result == CURLE_RECV_ERROR && strstr(h->errbuf, "Too large"));
    if (head_too_large && connected && !h->resp->head_done) {
        snprintf(msg, cap, "response headers too large%s%s", h->errbuf[0] ? ": " : "", h->errbuf);
        return OL_ETOOLARGE;
    }
    if (result == CURLE_COULDNT_CONNECT &&
        (h->socket_errno == EMFILE || h->socket_errno == ENFILE)) {
        snprintf(msg, cap, "could not open a socket: %s (%s: out of file descriptors)",
                 strerror(h->socket_errno), h->socket_errno == EMFILE ? "EMFILE" : "ENFILE");
        return OL_ECONNECT;
    }
    char *redacted = h->errbuf[0] ? ol__redact_credentials(h->errbuf) : NULL;
    snprintf(msg, cap, "%s", redacted ? redacted : curl_easy_strerror(result));
    free(redacted);
    if (result == CURLE_WRITE_ERROR) return OL_ENOMEM; /* our callbacks refuse only on OOM */
    /* curl rejects a reply that is not HTTP ("HTTP/0.9 not allowed", "Unsupported response
     * code") with the code it also uses for a denied scheme; a denied scheme never connects. */
    if (result == CURLE_UNSUPPORTED_PROTOCOL && (connected || strstr(h->errbuf, "HTTP/0.9")))
        return OL_EPROTO;
    return ol__http_status_from_curl(result, os_errno);
}

/* ---- redirects: one transfer per hop, the job's request rewritten between hops */

/* scheme, host and port (the scheme's default when absent) of a URL; false when unparsable. */
static bool url_origin(const char *url, char **scheme, char **host, char **port)
{
    *scheme = *host = *port = NULL;
    CURLU *u = curl_url();
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK;
    if (ok) { /* a file: URL has neither: both stay NULL */
        curl_url_get(u, CURLUPART_HOST, host, 0);
        curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT);
    }
    curl_url_cleanup(u);
    return ok;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcasecmp(a, b) == 0);
}

static bool same_origin(const char *a, const char *b)
{
    char *sa, *ha, *pa, *sb, *hb, *pb;
    bool ok_a = url_origin(a, &sa, &ha, &pa), ok_b = url_origin(b, &sb, &hb, &pb);
    bool same = ok_a && ok_b && same_text(sa, sb) && same_text(ha, hb) && same_text(pa, pb);
    curl_free(sa), curl_free(ha), curl_free(pa), curl_free(sb), curl_free(hb), curl_free(pb);
    return same;
}

/* Whether url's scheme is in the comma-separated list. */
static bool scheme_allowed(const char *url, const char *list)
{
    char *scheme, *host, *port;
    bool ok = url_origin(url, &scheme, &host, &port);
    size_t len = ok ? strlen(scheme) : 0;
    bool found = false;
    for (const char *p = list; ok && !found && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] != 0))
        found = strcspn(p, ",") == len && strncasecmp(p, scheme, len) == 0;
    curl_free(scheme), curl_free(host), curl_free(port);
    return found;
}

typedef bool (*header_test)(const char *name, size_t len, const ol_http_request *r);

static bool name_is(const char *name, size_t len, const char *what)
{
    return strlen(what) == len && strncasecmp(name, what, len) == 0;
}

/* Headers that stay with the origin they were given for: credentials, the ones the caller
 * named sensitive, and a Host the caller set for the first one. */
static bool is_origin_bound(const char *name, size_t len, const ol_http_request *r)
{
    if (name_is(name, len, "authorization") || name_is(name, len, "proxy-authorization") ||
        name_is(name, len, "cookie") || name_is(name, len, "host"))
        return true;
    for (const struct curl_slist *s = r->sensitive_headers; s; s = s->next)
        if (name_is(name, len, s->data)) return true;
    return false;
}

/* Headers that describe a body, gone with the body when a redirect turns it into a GET. */
static bool is_body_header(const char *name, size_t len, const ol_http_request *r)
{
    (void)r;
    return name_is(name, len, "content-type") || name_is(name, len, "content-length") ||
           name_is(name, len, "content-encoding") || name_is(name, len, "content-language") ||
           name_is(name, len, "content-location");
}

/* Remove the caller's headers whose name passes drop. OL_OK or OL_ENOMEM (list unchanged). */
static int drop_headers(ol_http_request *r, header_test drop)
{
    struct curl_slist *kept = NULL;
    for (const struct curl_slist *s = r->headers; s; s = s->next) {
        if (drop(s->data, strcspn(s->data, ":"), r)) continue;
        struct curl_slist *grown = curl_slist_append(kept, s->data);
        if (!grown) {
            curl_slist_free_all(kept);
            return OL_ENOMEM;
        }
        kept = grown;
    }
    curl_slist_free_all(r->headers);
    r->headers = kept;
    return OL_OK;
}

/* As browsers and curl do: 301/302 turn a POST into a GET, 303 every method but HEAD; the
 * body goes, with the headers about it. 307/308 keep both. */
static int rewrite_method(ol_http_request *r, int status)
{
    const char *m = r->method ? r->method : "GET";
    bool to_get = (status == 303 && strcmp(m, "HEAD") != 0 && strcmp(m, "GET") != 0) ||
                  ((status == 301 || status == 302) && strcmp(m, "POST") == 0);
    if (!to_get) return OL_OK;
    free(r->method);
    r->method = NULL;
    ol__http_request_drop_body(r);
    return drop_headers(r, is_body_header);
}

/* Whether the hop to url may be taken: OL_OK, or a failure with msg. */
static int check_hop(ol_job *job, ol_http_job *h, const char *url, char *msg, size_t cap)
{
    const ol_http_request *r = &h->req;
    if (!url) {
        snprintf(msg, cap, "redirect (status %d) without a usable Location", h->resp->status);
        return OL_EURL;
    }
    char *shown = ol__redact_credentials(url);
    if (!shown) return OL_ENOMEM;
    const char *allowed = r->redirect_protocols ? r->redirect_protocols : OL_HTTP_DEFAULT_PROTOCOLS;
    uint64_t elapsed = uv_now(&job->loop->uv) - h->hop_started_ms;
    int rc = OL_OK;
    if (h->hops >= (unsigned long)r->max_redirects) {
        rc = OL_EREDIRECTS;
        snprintf(msg, cap, "more than %ld redirects (the next one to %s)", r->max_redirects, shown);
    } else if (!scheme_allowed(url, allowed)) {
        rc = OL_EPROTOCOL_DENIED;
        snprintf(msg, cap,
                 "redirect to %s refused: redirects may only go to %s "
                 "(OL_HTTP_REDIRECT_PROTOCOLS)",
                 shown, allowed);
    } else if (r->timeout_ms > 0 && elapsed >= (uint64_t)r->timeout_ms) {
        rc = OL_ETIMEDOUT;
        snprintf(msg, cap, "timed out following a redirect to %s", shown);
    }
    free(shown);
    return rc;
}

/* Rewrite the request for the hop to url: credentials stay with their origin, the method
 * may become a GET. OL_OK or OL_ENOMEM. */
static int rewrite_request(ol_http_request *r, const char *url, int status)
{
    if (!same_origin(r->url, url)) {
        free(r->basic_auth);
        r->basic_auth = NULL;
        if (drop_headers(r, is_origin_bound) != OL_OK) return OL_ENOMEM;
    }
    return rewrite_method(r, status);
}

/* Make h the next hop's transfer, to url (consumed). OL_OK, or a failure with msg. */
static int next_hop(ol_job *job, ol_http_job *h, char *url, char *msg, size_t cap)
{
    ol_http_request *r = &h->req;
    int rc = check_hop(job, h, url, msg, cap);
    ol_response *next = rc == OL_OK ? ol__response_new() : NULL;
    char *hop_url = next ? ol__redact_credentials(r->url) : NULL;
    if (rc == OL_OK && (!hop_url || ol__response_add_hop(next, h->resp, hop_url) != OL_OK ||
                        rewrite_request(r, url, h->resp->status) != OL_OK)) {
        rc = OL_ENOMEM;
        snprintf(msg, cap, "out of memory following a redirect");
    }
    if (rc != OL_OK) {
        ol__response_free(next);
        free(url);
        return rc;
    }
    if (r->timeout_ms > 0) /* one timeout for all hops */
        r->timeout_ms -= (long)(uv_now(&job->loop->uv) - h->hop_started_ms);
    h->redirect_us = h->resp->timing.total_us;
    ol__response_free(h->resp);
    h->resp = next;
    free(r->url);
    r->url = url;
    h->hops++;
    h->received = 0;
    h->too_large = h->head_pushed = h->pause_pending = h->paused = false;
    h->socket_errno = 0;
    h->errbuf[0] = '\0';
    return OL_OK;
}

/* The hop ended with a redirect to url (consumed; NULL when curl found none): start the next
 * hop, or finish the job. */
static void follow_redirect(ol_job *job, ol_http_job *h, char *url)
{
    char msg[CURL_ERROR_SIZE + 256];
    msg[0] = '\0';
    int rc = next_hop(job, h, url, msg, sizeof msg);
    if (rc == OL_OK && !job->loop->http) rc = OL_ECANCELED;
    if (rc == OL_OK) {
        rc = admit_and_begin(job, h, job->loop->http);
        if (rc != OL_OK) snprintf(msg, sizeof msg, "%s", h->errbuf);
    }
    if (rc != OL_OK) ol__task_finish(job, rc, NULL, NULL, 0, msg[0] ? msg : NULL);
}

/* Settle the job: the transfer is over and the consumer has all of the body. */
static void finish_transfer(ol_job *job, ol_http_job *h, CURLcode result, long os_errno,
                            bool connected)
{
    if (result != CURLE_OK) {
        char msg[CURL_ERROR_SIZE + 64];
        int status = failure_status(h, result, os_errno, connected, msg, sizeof msg);
        ol__task_finish(job, status, NULL, NULL, 0, msg);
        return;
    }
    if (job->iter && !h->head_pushed) push_head(job, h); /* a response without body */
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
    bool redirect = result == CURLE_OK && is_redirect_hop(h);
    char *next_url = NULL;
    if (redirect && curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &next_url) == CURLE_OK)
        next_url = ol__strdup(next_url); /* before the handle goes */
    release_easy(job, h, result == CURLE_OK);
    leave_host(job, h);
    if (redirect) {
        follow_redirect(job, h, next_url);
        return;
    }
    if (result == CURLE_OK && h->decode_more) { /* http_resume decodes the rest, then ends */
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

void ol__http_queued_expired(ol_job *job)
{
    ol_http_job *h = job->data;
    uint64_t waited = uv_now(&job->loop->uv) - h->queued_ms;
    if (h->req.timeout_ms > 0 && waited >= (uint64_t)h->req.timeout_ms) {
        ol__task_finish(job, OL_ETIMEDOUT, NULL, NULL, 0,
                        "timed out waiting for a connection to the host");
        return;
    }
    char msg[256];
    snprintf(msg, sizeof msg,
             "no connection to the host within the connect timeout (%ld ms): all %u "
             "connections of the per-host limit (max_host_connections) stayed busy",
             h->req.connect_timeout_ms, job->loop->opts.max_host_connections);
    ol__task_finish(job, OL_EHOSTLIMIT, NULL, NULL, 0, msg);
}

static void http_cancel(ol_job *job)
{
    release_easy(job, job->data, false);
    leave_host(job, job->data);
    ol__task_finish(job, OL_ECANCELED, NULL, NULL, 0, NULL);
}

static void http_resume(ol_job *job)
{
    ol_http_job *h = job->data;
    h->pause_pending = false;
    if (h->decode_more) { /* decoded output owed first; curl stays paused meanwhile */
        int rc = decode_held(job, h);
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
    restart_idle_timer(job, h);
    if (!h->paused || !h->easy) return;
    h->paused = false;
    /* May deliver the held chunk right here, and pause again. */
    CURLcode rc = curl_easy_pause(h->easy, CURLPAUSE_CONT);
    if (rc != CURLE_OK && !job->finished) ol__http_transfer_done(job, rc);
}

static void http_destroy(ol_job *job)
{
    ol_http_job *h = job->data;
    if (!h) return;
    if (h->easy) curl_easy_cleanup(h->easy); /* not reached: finished transfers release it */
    ol__decoder_free(h->decoder);
    free(h->held);
    ol__response_free(h->resp);
    ol__http_request_clear(&h->req);
    free(h);
}

static int http_set_int(ol_job *job, int option, int64_t value)
{
    return ol__http_request_set_int(&((ol_http_job *)job->data)->req, option, value);
}

static int http_set_str(ol_job *job, int option, const char *value)
{
    return ol__http_request_set_str(&((ol_http_job *)job->data)->req, option, value);
}

static int http_set_bytes(ol_job *job, int option, const void *data, size_t len)
{
    return ol__http_request_set_bytes(&((ol_http_job *)job->data)->req, option, data, len);
}

static const ol_job_ops http_ops = {
    .start = http_start,
    .cancel = http_cancel,
    .resume = http_resume,
    .destroy = http_destroy,
    .set_int = http_set_int,
    .set_str = http_set_str,
    .set_bytes = http_set_bytes,
};

/* ---- public constructors */

int ol_http_job_new(ol_job **out, const char *method, const char *url)
{
    if (!out) return OL_EINVAL;
    *out = NULL;
    if (!url) return OL_EINVAL;
    ol__http_global_init();
    ol_http_job *h = calloc(1, sizeof *h);
    ol_job *job = h ? ol__job_alloc(OL_JOB_HTTP, &http_ops) : NULL;
    if (!job) {
        free(h);
        return OL_ENOMEM;
    }
    ol__http_request_init(&h->req);
    h->job = job;
    job->data = h;
    int rc = ol__http_request_set_str(&h->req, OL_HTTP_URL, url);
    if (rc == OL_OK && method) rc = ol__http_request_set_method(&h->req, method);
    if (rc != OL_OK) {
        ol__job_destroy(job);
        return rc;
    }
    *out = job;
    return OL_OK;
}

int ol_http_job_set_body_borrowed(ol_job *job, const void *data, size_t len, ol_free_fn free_fn,
                                  void *user_data)
{
    if (!job || job->kind != OL_JOB_HTTP || job->ops != &http_ops || (!data && len))
        return OL_EINVAL;
    ol_http_request *r = &((ol_http_job *)job->data)->req;
    ol__http_request_drop_body(r);
    r->body = data;
    r->body_len = len;
    r->body_set = true;
    r->body_free = free_fn;
    r->body_user = user_data;
    return OL_OK;
}
