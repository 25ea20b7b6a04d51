/* The HTTP job's description: defaults and validated option setters (any thread, before
 * submit). Nothing here touches curl handles; the easy handle is built on the loop thread. */
#include "http.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ol__http_request_init(ol_http_request *req)
{
    memset(req, 0, sizeof *req);
    req->verify_peer = 1;
    req->verify_host = 1;
    req->http_version = OL_HTTP_VERSION_ANY;
    req->connect_timeout_ms = OL_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    req->idle_timeout_ms = OL_HTTP_DEFAULT_IDLE_TIMEOUT_MS;
}

void ol__http_request_drop_body(ol_http_request *req)
{
    if (req->body_free) req->body_free(req->body_user);
    free(req->body_copy);
    req->body = NULL;
    req->body_len = 0;
    req->body_set = false;
    req->body_copy = NULL;
    req->body_free = NULL;
    req->body_user = NULL;
}

void ol__http_request_clear(ol_http_request *req)
{
    ol__http_request_drop_body(req);
    curl_slist_free_all(req->headers);
    curl_slist_free_all(req->sensitive_headers);
    req->sensitive_headers = NULL;
    char **strings[] = {&req->method,
                        &req->url,
                        &req->ca_file,
                        &req->ca_path,
                        &req->client_cert,
                        &req->client_key,
                        &req->client_key_password,
                        &req->proxy,
                        &req->user_agent,
                        &req->protocols,
                        &req->redirect_protocols,
                        &req->basic_auth};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        free(*strings[i]);
        *strings[i] = NULL;
    }
    req->headers = NULL;
}

/* RFC 9110 token characters (method names, header names). */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool has_ctl_break(const char *s)
{
    for (; *s; s++)
        if (*s == '\r' || *s == '\n') return true;
    return false;
}

/* Not a valid field value (RFC 9110 5.5): a control character other than tab (CR, LF, NUL
 * ends the C string anyway, \x01, ESC, DEL, ...). */
static bool has_ctl(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
    }
    return false;
}

static int replace_string(char **slot, const char *value)
{
    char *copy = ol__strdup(value);
    if (!copy) return OL_ENOMEM;
    free(*slot);
    *slot = copy;
    return OL_OK;
}

int ol__http_request_set_method(ol_http_request *req, const char *method)
{
    if (!method || !*method || strlen(method) > 64) return OL_EINVAL;
    for (const char *p = method; *p; p++)
        if (!is_tchar((unsigned char)*p)) return OL_EINVAL;
    return replace_string(&req->method, method);
}

/* "Name: value": a token name, a colon, no control character but tab anywhere. */
static int add_request_header(ol_http_request *req, const char *value)
{
    const char *colon = strchr(value, ':');
    if (!colon || colon == value || has_ctl(value)) return OL_EINVAL;
    for (const char *p = value; p < colon; p++)
        if (!is_tchar((unsigned char)*p)) return OL_EINVAL;
    struct curl_slist *grown = curl_slist_append(req->headers, value);
    if (!grown) return OL_ENOMEM;
    req->headers = grown;
    if ((size_t)(colon - value) == 6 && strncasecmp(value, "Expect", 6) == 0)
        req->has_expect = true;
    return OL_OK;
}

/* A header name to drop on a redirect to another origin: a token. */
static int add_sensitive_header(ol_http_request *req, const char *name)
{
    if (!*name) return OL_EINVAL;
    for (const char *p = name; *p; p++)
        if (!is_tchar((unsigned char)*p)) return OL_EINVAL;
    struct curl_slist *grown = curl_slist_append(req->sensitive_headers, name);
    if (!grown) return OL_ENOMEM;
    req->sensitive_headers = grown;
    return OL_OK;
}

/* "http,https": comma-separated lowercase scheme names (curl rejects unknown ones at start). */
static bool valid_protocols(const char *s)
{
    if (!*s || *s == ',') return false;
    for (const char *p = s; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == ',';
        if (!ok || (*p == ',' && (p[1] == ',' || p[1] == '\0'))) return false;
    }
    return true;
}

int ol__http_request_set_str(ol_http_request *req, int option, const char *value)
{
    if (!value) return OL_EINVAL;
    switch (option) {
    case OL_HTTP_METHOD: return ol__http_request_set_method(req, value);
    case OL_HTTP_URL:
        if (!*value || has_ctl_break(value)) return OL_EINVAL;
        return replace_string(&req->url, value);
    case OL_HTTP_HEADER: return add_request_header(req, value);
    case OL_HTTP_CA_FILE: return *value ? replace_string(&req->ca_file, value) : OL_EINVAL;
    case OL_HTTP_CA_PATH: return *value ? replace_string(&req->ca_path, value) : OL_EINVAL;
    case OL_HTTP_CLIENT_CERT: return *value ? replace_string(&req->client_cert, value) : OL_EINVAL;
    case OL_HTTP_CLIENT_KEY: return *value ? replace_string(&req->client_key, value) : OL_EINVAL;
    case OL_HTTP_CLIENT_KEY_PASSWORD: return replace_string(&req->client_key_password, value);
    case OL_HTTP_PROXY:
        if (has_ctl_break(value)) return OL_EINVAL;
        return replace_string(&req->proxy, value);
    case OL_HTTP_USER_AGENT:
        if (has_ctl(value)) return OL_EINVAL;
        return replace_string(&req->user_agent, value);
    case OL_HTTP_PROTOCOLS:
        if (!valid_protocols(value)) return OL_EINVAL;
        return replace_string(&req->protocols, value);
    case OL_HTTP_REDIRECT_PROTOCOLS:
        if (!valid_protocols(value)) return OL_EINVAL;
        return replace_string(&req->redirect_protocols, value);
    case OL_HTTP_SENSITIVE_HEADER: return add_sensitive_header(req, value);
    case OL_HTTP_BASIC_AUTH:
        if (!strchr(value, ':') || has_ctl_break(value)) return OL_EINVAL;
        return replace_string(&req->basic_auth, value);
    case OL_HTTP_BODY: return ol__http_request_set_bytes(req, option, value, strlen(value));
    default: return OL_EINVAL;
    }
}

static bool fits_long(int64_t v) { return v >= 0 && (uint64_t)v <= (uint64_t)LONG_MAX; }

int ol__http_request_set_int(ol_http_request *req, int option, int64_t value)
{
    if (!fits_long(value)) return OL_EINVAL;
    long v = (long)value;
    switch (option) {
    case OL_HTTP_CONNECT_TIMEOUT_MS: req->connect_timeout_ms = v; return OL_OK;
    case OL_HTTP_TIMEOUT_MS: req->timeout_ms = v; return OL_OK;
    case OL_HTTP_LOW_SPEED_LIMIT: req->low_speed_limit = v; return OL_OK;
    case OL_HTTP_LOW_SPEED_TIME_S: req->low_speed_time_s = v; return OL_OK;
    case OL_HTTP_IDLE_TIMEOUT_MS: req->idle_timeout_ms = v; return OL_OK;
    case OL_HTTP_FOLLOW_REDIRECTS:
        if (v > 1000) return OL_EINVAL;
        req->max_redirects = v;
        return OL_OK;
    case OL_HTTP_VERIFY_PEER:
    case OL_HTTP_VERIFY_HOST:
    case OL_HTTP_DECOMPRESS:
        if (v > 1) return OL_EINVAL;
        if (option == OL_HTTP_VERIFY_PEER)
            req->verify_peer = v;
        else if (option == OL_HTTP_VERIFY_HOST)
            req->verify_host = v;
        else
            req->decompress = v;
        return OL_OK;
    case OL_HTTP_VERSION:
        switch (v) {
        case OL_HTTP_VERSION_ANY:
        case OL_HTTP_VERSION_1_0:
        case OL_HTTP_VERSION_1_1:
        case OL_HTTP_VERSION_2:
        case OL_HTTP_VERSION_2_TLS:
        case OL_HTTP_VERSION_2_PRIOR_KNOWLEDGE: req->http_version = v; return OL_OK;
        default: return OL_EINVAL;
        }
    case OL_HTTP_MAX_RESPONSE_BYTES: req->max_response_bytes = value; return OL_OK;
    default: return OL_EINVAL;
    }
}

int ol__http_request_set_bytes(ol_http_request *req, int option, const void *data, size_t len)
{
    if (option != OL_HTTP_BODY || (!data && len)) return OL_EINVAL;
    void *copy = malloc(len ? len : 1);
    if (!copy) return OL_ENOMEM;
    if (len) memcpy(copy, data, len);
    ol__http_request_drop_body(req);
    req->body_copy = copy;
    req->body = copy;
    req->body_len = len;
    req->body_set = true;
    return OL_OK;
}
