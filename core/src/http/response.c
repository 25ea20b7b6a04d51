/* The HTTP response: header-line parsing, body buffer and the public accessors. */
#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

ol_response *ol__response_new(void) { return calloc(1, sizeof(ol_response)); }

static void clear_headers(ol_response *resp)
{
    for (size_t i = 0; i < resp->n_headers; i++) free(resp->headers[i].name);
    resp->n_headers = 0;
}

void ol__response_free(void *p)
{
    ol_response *resp = p;
    if (!resp) return;
    clear_headers(resp);
    free(resp->headers);
    ol__body_free(resp->body, resp->body_cap);
    free(resp->effective_url);
    for (size_t i = 0; i < resp->n_hops; i++) free(resp->hops[i].url);
    free(resp->hops);
    free(resp);
}

int ol__response_add_hop(ol_response *next, ol_response *prev, char *url)
{
    ol_http_hop *hops = realloc(prev->hops, (prev->n_hops + 1) * sizeof *hops);
    if (!hops) {
        free(url);
        return OL_ENOMEM;
    }
    hops[prev->n_hops] = (ol_http_hop){url, prev->status};
    next->hops = hops;
    next->n_hops = prev->n_hops + 1;
    prev->hops = NULL;
    prev->n_hops = 0;
    return OL_OK;
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/* Append one field of the head (name and value copied into one allocation). */
static int store_field(ol_response *resp, const char *name, size_t name_len, const char *value,
                       size_t value_len)
{
    if (resp->n_headers == resp->cap_headers) {
        size_t cap = resp->cap_headers ? resp->cap_headers * 2 : 16;
        ol_http_header *grown = realloc(resp->headers, cap * sizeof *grown);
        if (!grown) return OL_ENOMEM;
        resp->headers = grown;
        resp->cap_headers = cap;
    }
    char *mem = malloc(name_len + value_len + 2);
    if (!mem) return OL_ENOMEM;
    memcpy(mem, name, name_len);
    mem[name_len] = '\0';
    memcpy(mem + name_len + 1, value, value_len);
    mem[name_len + 1 + value_len] = '\0';
    resp->headers[resp->n_headers].name = mem;
    resp->headers[resp->n_headers].value = mem + name_len + 1;
    resp->n_headers++;
    return OL_OK;
}

/* An obsolete folded line continues the previous header's value (one space joins them). */
static int fold_into_last(ol_response *resp, const char *more, size_t more_len)
{
    ol_http_header *h = &resp->headers[resp->n_headers - 1];
    size_t name_len = strlen(h->name), value_len = strlen(h->value);
    char *mem = realloc(h->name, name_len + value_len + more_len + 3);
    if (!mem) return OL_ENOMEM;
    char *value = mem + name_len + 1;
    if (value_len && more_len) value[value_len++] = ' ';
    memcpy(value + value_len, more, more_len);
    value[value_len + more_len] = '\0';
    h->name = mem;
    h->value = value;
    return OL_OK;
}

/* "HTTP/1.1 200 OK", "HTTP/2 200": a new head starts (redirect hop, 1xx, final). */
static void parse_status_line(ol_response *resp, const char *line, size_t len)
{
    clear_headers(resp);
    resp->head_done = false;
    resp->status = 0;
    resp->http_version = 0;
    size_t i = 5; /* after "HTTP/" */
    int major = 0, minor = 0;
    if (i < len && line[i] >= '0' && line[i] <= '9') major = line[i++] - '0';
    if (i + 1 < len && line[i] == '.' && line[i + 1] >= '0' && line[i + 1] <= '9') {
        minor = line[i + 1] - '0';
        i += 2;
    }
    resp->http_version = major * 10 + minor;
    while (i < len && is_ows(line[i])) i++;
    int status = 0, digits = 0;
    while (i < len && digits < 3 && line[i] >= '0' && line[i] <= '9') {
        status = status * 10 + (line[i++] - '0');
        digits++;
    }
    if (digits == 3) resp->status = status;
}

int ol__response_header_line(ol_response *resp, const char *line, size_t len)
{
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        parse_status_line(resp, line, len);
        return OL_OK;
    }
    if (len == 0) {
        resp->head_done = true;
        return OL_OK;
    }
    if (resp->head_done) return OL_OK; /* a trailer: only the head's fields are kept */
    if (is_ows(line[0])) {
        if (resp->n_headers == 0) return OL_OK;
        size_t start = 0;
        while (start < len && is_ows(line[start])) start++;
        while (len > start && is_ows(line[len - 1])) len--;
        return fold_into_last(resp, line + start, len - start);
    }
    const char *colon = memchr(line, ':', len);
    if (!colon || colon == line) return OL_OK; /* not a field: curl accepted it, we skip it */
    size_t name_len = (size_t)(colon - line);
    while (name_len && is_ows(line[name_len - 1])) name_len--;
    size_t vstart = (size_t)(colon - line) + 1;
    while (vstart < len && is_ows(line[vstart])) vstart++;
    size_t vend = len;
    while (vend > vstart && is_ows(line[vend - 1])) vend--;
    return store_field(resp, line, name_len, line + vstart, vend - vstart);
}

int ol__response_append(ol_response *resp, const void *data, size_t len, size_t expected)
{
    if (len == 0) return OL_OK;
    size_t need = resp->body_size + len;
    if (need < len) return OL_ENOMEM;
    if (need > resp->body_cap) {
        size_t want = resp->body_cap ? resp->body_cap * 2 : (expected > need ? expected : 4096);
        if (want < need) want = need;
        size_t cap = 0;
        unsigned char *grown = ol__body_alloc(want, &cap);
        if (!grown) return OL_ENOMEM;
        if (resp->body_size) memcpy(grown, resp->body, resp->body_size);
        ol__body_free(resp->body, resp->body_cap);
        resp->body = grown;
        resp->body_cap = cap;
    }
    memcpy(resp->body + resp->body_size, data, len);
    resp->body_size = need;
    return OL_OK;
}

ol_response *ol__response_clone_head(const ol_response *src)
{
    ol_response *resp = ol__response_new();
    if (!resp) return NULL;
    resp->status = src->status;
    resp->http_version = src->http_version;
    resp->head_done = src->head_done;
    for (size_t i = 0; i < src->n_headers; i++) {
        const ol_http_header *h = &src->headers[i];
        if (store_field(resp, h->name, strlen(h->name), h->value, strlen(h->value)) != OL_OK) {
            ol__response_free(resp);
            return NULL;
        }
    }
    resp->timing = src->timing;
    if (src->effective_url && !(resp->effective_url = ol__strdup(src->effective_url))) {
        ol__response_free(resp);
        return NULL;
    }
    if (src->n_hops && !(resp->hops = calloc(src->n_hops, sizeof *resp->hops))) {
        ol__response_free(resp);
        return NULL;
    }
    for (; resp->n_hops < src->n_hops; resp->n_hops++) {
        const ol_http_hop *hop = &src->hops[resp->n_hops];
        resp->hops[resp->n_hops] = (ol_http_hop){ol__strdup(hop->url), hop->status};
        if (!resp->hops[resp->n_hops].url) {
            ol__response_free(resp);
            return NULL;
        }
    }
    return resp;
}

/* ---- public accessors */

int ol_response_status(const ol_response *resp) { return resp ? resp->status : OL_EINVAL; }

int ol_response_http_version(const ol_response *resp)
{
    return resp ? resp->http_version : OL_EINVAL;
}

size_t ol_response_header_count(const ol_response *resp) { return resp ? resp->n_headers : 0; }

int ol_response_header_at(const ol_response *resp, size_t i, const char **name, const char **value)
{
    if (!resp || i >= resp->n_headers) return OL_EINVAL;
    if (name) *name = resp->headers[i].name;
    if (value) *value = resp->headers[i].value;
    return OL_OK;
}

const char *ol_response_header(const ol_response *resp, const char *name)
{
    if (!resp || !name) return NULL;
    for (size_t i = 0; i < resp->n_headers; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0) return resp->headers[i].value;
    return NULL;
}

const void *ol_response_body(const ol_response *resp)
{
    if (!resp) return NULL;
    return resp->body ? (const void *)resp->body : (const void *)"";
}

size_t ol_response_body_size(const ol_response *resp) { return resp ? resp->body_size : 0; }

int ol_response_discard_body(ol_response *resp)
{
    if (!resp) return OL_EINVAL;
    ol__body_free(resp->body, resp->body_cap); /* back to the pool for the next response */
    resp->body = NULL;
    resp->body_size = resp->body_cap = 0;
    return OL_OK;
}

const char *ol_response_effective_url(const ol_response *resp)
{
    if (!resp) return NULL;
    return resp->effective_url ? resp->effective_url : "";
}

/* The size of each version of ol_http_timing (util/util.h: versioned structs). */
static const size_t timing_sizes[] = {0, OL_FIELD_END(ol_http_timing, redirects)};
_Static_assert(sizeof timing_sizes / sizeof timing_sizes[0] == OL_HTTP_TIMING_VERSION + 1,
               "a size for every version of ol_http_timing");

int ol_response_timing(const ol_response *resp, ol_http_timing *out)
{
    size_t size = OL_CALLER_SIZE(timing_sizes, out);
    if (!resp || !size) return OL_EINVAL;
    ol__versioned_write(out, &resp->timing, size);
    return OL_OK;
}

size_t ol_response_redirect_count(const ol_response *resp) { return resp ? resp->n_hops : 0; }

const char *ol_response_redirect_url(const ol_response *resp, size_t i)
{
    return resp && i < resp->n_hops ? resp->hops[i].url : NULL;
}

int ol_response_redirect_status(const ol_response *resp, size_t i)
{
    return resp && i < resp->n_hops ? resp->hops[i].status : OL_EINVAL;
}
