/* The easy handle of a transfer: the options every transfer shares (kept on a reused handle),
 * the ones a request adds, the ones set for every transfer, and the handle's return to the
 * loop's pool afterwards. */
#include "http.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OL_HTTP_DEFAULT_USER_AGENT "oneloop/" OL_VERSION_STRING

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
    SET(CURLOPT_HEADERFUNCTION, ol__http_on_header);
    SET(CURLOPT_WRITEFUNCTION, ol__http_on_write);
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
int ol__http_setup_easy(ol_job *job, ol_http_job *h, ol_http_ctx *ctx, CURL *e, bool configured)
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

/* clean: the transfer completed, so its handle may keep the shared options (unless it had
 * custom ones or streamed: a stream may end paused). */
void ol__http_release_easy(ol_job *job, ol_http_job *h, bool clean)
{
    ol__http_idle_timer_stop(h);
    if (!h->easy) return;
    long connects = 0; /* counted here so cancelled transfers' connections count too */
    curl_easy_getinfo(h->easy, CURLINFO_NUM_CONNECTS, &connects);
    if (connects > 0) ol__http_count_connections(job->loop, (uint64_t)connects);
    if (!clean) drain_before_removal(h->easy);
    ol_http_ctx *ctx = ol__http_ctx_of(job->loop);
    ol__http_ctx_remove(ctx, h->easy);
    bool keep = clean && !h->easy_custom && !job->iter;
    if (keep) { /* these point into this job's memory, about to be freed */
        curl_easy_setopt(h->easy, CURLOPT_ERRORBUFFER, NULL);
        curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, NULL);
    }
    ol__http_ctx_easy_put(ctx, h->easy, keep);
    h->easy = NULL;
}
