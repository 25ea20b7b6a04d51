/* Redirects, followed here one transfer per hop (curl's own following would forward every
 * caller header to every host): the hop is checked (limit, schemes, time left), the request
 * rewritten (credentials stay with their origin, 301/302/303 may turn it into a GET), and the
 * next hop's transfer admitted like the first. */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    uint64_t elapsed = uv_now(ol__loop_uv(job->loop)) - h->hop_started_ms;
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
        r->timeout_ms -= (long)(uv_now(ol__loop_uv(job->loop)) - h->hop_started_ms);
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
void ol__http_follow_redirect(ol_job *job, ol_http_job *h, char *url)
{
    char msg[CURL_ERROR_SIZE + 256];
    msg[0] = '\0';
    int rc = next_hop(job, h, url, msg, sizeof msg);
    ol_http_ctx *ctx = ol__http_ctx_of(job->loop);
    if (rc == OL_OK && !ctx) rc = OL_ECANCELED;
    if (rc == OL_OK) {
        rc = ol__http_admit_and_begin(job, h, ctx);
        if (rc != OL_OK) snprintf(msg, sizeof msg, "%s", h->errbuf);
    }
    if (rc != OL_OK) ol__task_finish(job, rc, NULL, NULL, 0, msg[0] ? msg : NULL);
}
