/* oneloop: HTTP requests over libcurl, run on the loop thread.
 *
 * Build a job with ol_http_job_new, set options with the typed setters of oneloop/job.h using
 * the OL_HTTP_* keys below, submit it. The future's value (ol_future_value) is an
 * ol_response *, owned by the future. Submitted with ol_job_submit_iter, the iterator yields one
 * OL_ITEM_HEAD item (its object is an ol_response without body) then OL_ITEM_DATA body chunks.
 *
 * Safe defaults: TLS verification on, only http and https, redirects not followed, a 10 s
 * connect timeout and a 300 s idle timeout (no total timeout, no size limit). Every curl
 * call happens on the loop thread; all jobs of a loop share one connection cache (reuse,
 * HTTP/2 multiplexing). A response with any HTTP status (404, 500, ...) settles OK: the status
 * is data.
 *
 * Redirects (OL_HTTP_FOLLOW_REDIRECTS > 0) are followed by oneloop, one transfer per hop:
 *  - targets are http and https only, whatever OL_HTTP_PROTOCOLS allows for the job's own URL,
 *    unless OL_HTTP_REDIRECT_PROTOCOLS says otherwise (else OL_EPROTOCOL_DENIED);
 *  - on a hop to another origin (scheme, host or port), Authorization, Proxy-Authorization,
 *    Cookie and Host headers, OL_HTTP_BASIC_AUTH and every header named with
 *    OL_HTTP_SENSITIVE_HEADER are dropped, for that hop and every later one;
 *  - 301 and 302 turn a POST into a GET without body, 303 turns every method but HEAD into a
 *    GET without body; 307 and 308 keep the method and the body;
 *  - the response is the final hop's (status, headers, body); the hops before it are listed by
 *    ol_response_redirect_count / _url / _status. More hops than the limit: OL_EREDIRECTS.
 * A URL's user name and password never appear in a reported URL (effective URL, redirect
 * history, error messages).
 *
 * Per-host limit (ol_loop_options.max_host_connections): a request waits in oneloop for one of
 * its host's connections. A stream whose consumer does not read keeps its connection. A
 * request that waited its whole OL_HTTP_CONNECT_TIMEOUT_MS for a slot fails with
 * OL_EHOSTLIMIT (with a connect timeout of 0, no limit, it waits; OL_HTTP_TIMEOUT_MS still
 * applies and gives OL_ETIMEDOUT).
 */
#ifndef ONELOOP_HTTP_H
#define ONELOOP_HTTP_H

#include "common.h"
#include "job.h"

OL_BEGIN_DECL

typedef struct ol_response ol_response;

/* Option keys for ol_job_set_int / _str / _bytes on an HTTP job. Append-only. */
typedef enum ol_http_option {
    OL_HTTP_METHOD = 100, /* str: "GET" (default), "POST", any token */
    OL_HTTP_URL = 101,    /* str */
    OL_HTTP_HEADER = 102, /* str "Name: value", appended; repeat for more. Control
                                      * characters (except tab) are refused: OL_EINVAL */
    OL_HTTP_BODY = 103,   /* bytes: request body, copied (a HEAD sends none) */
    /* For every timeout and limit below, 0 means "no limit". */
    OL_HTTP_CONNECT_TIMEOUT_MS = 110, /* int >= 0, default 10000 (10 s); 0 = no limit */
    OL_HTTP_TIMEOUT_MS = 111,         /* int >= 0: whole transfer, default 0 = none */
    OL_HTTP_LOW_SPEED_LIMIT = 112,    /* int >= 0: bytes/s under which ... */
    OL_HTTP_LOW_SPEED_TIME_S = 113,   /* int >= 0: ... for this many seconds fails the job */
    /* int >= 0, default 300000 (300 s); 0 = no limit: fails the job with OL_ETIMEDOUT when no
     * byte arrives for this long (from the start of the transfer, then between received
     * bytes). Time a stream's consumer holds it paused (channel full) does not count. */
    OL_HTTP_IDLE_TIMEOUT_MS = 114,
    OL_HTTP_FOLLOW_REDIRECTS = 120, /* int >= 0: maximum redirects to follow, 0 = off */
    OL_HTTP_REDIRECT_PROTOCOLS =
        121,                        /* str: schemes a redirect may go to, "http,https" by default */
    OL_HTTP_SENSITIVE_HEADER = 122, /* str: a header name dropped on a redirect to another
                                      * origin, like Authorization; repeat for more */
    OL_HTTP_VERIFY_PEER = 130,      /* int 0/1, default 1 */
    OL_HTTP_VERIFY_HOST = 131,      /* int 0/1, default 1 */
    OL_HTTP_CA_FILE = 132,          /* str: PEM bundle of trusted CAs */
    OL_HTTP_CA_PATH = 133,          /* str: directory of CAs */
    OL_HTTP_CLIENT_CERT = 134,      /* str: PEM client certificate file */
    OL_HTTP_CLIENT_KEY = 135,       /* str: PEM private key file */
    OL_HTTP_CLIENT_KEY_PASSWORD = 136, /* str */
    OL_HTTP_VERSION = 140,             /* int OL_HTTP_VERSION_* */
    /* int 0/1, default 0 (the body as received). 1: send "Accept-Encoding: gzip, deflate, br"
     * (unless the caller set one) and decode a gzip, deflate or br body. oneloop decodes at
     * the consumer's pace: a stream holds at most its channel plus one compressed read
     * (curl's receive buffer, 60 KiB) and the decoder's state; a br stream whose window is
     * over 4 MiB (WBITS > 22) fails with OL_EPROTO rather than hold it. Another coding, or a
     * corrupt body, fails with OL_EPROTO. */
    OL_HTTP_DECOMPRESS = 141,
    OL_HTTP_PROXY = 142, /* str: proxy URL, "" = no proxy */
    /* int >= 0, default 0 = no limit: a body bigger than this fails OL_ETOOLARGE. It counts
     * the body as delivered (decoded bytes with OL_HTTP_DECOMPRESS). */
    OL_HTTP_MAX_RESPONSE_BYTES = 143,
    OL_HTTP_USER_AGENT = 144, /* str */
    OL_HTTP_PROTOCOLS = 145,  /* str: allowed schemes, "http,https" by default */
    OL_HTTP_BASIC_AUTH = 146  /* str "user:password" (never sent to another host) */
} ol_http_option;

/* The defaults of a new HTTP job (the same in every binding, like undici's). */
#define OL_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define OL_HTTP_DEFAULT_IDLE_TIMEOUT_MS 300000

typedef enum ol_http_version {
    OL_HTTP_VERSION_ANY = 0, /* curl's choice (HTTP/1.1, HTTP/2 over TLS by ALPN) */
    OL_HTTP_VERSION_1_0 = 10,
    OL_HTTP_VERSION_1_1 = 11,
    OL_HTTP_VERSION_2 = 20,     /* try HTTP/2 (h2c upgrade on plain http), fall back to 1.1 */
    OL_HTTP_VERSION_2_TLS = 21, /* HTTP/2 over TLS, 1.1 on plain http */
    OL_HTTP_VERSION_2_PRIOR_KNOWLEDGE = 22
} ol_http_version;

/* A new HTTP job (method may be NULL for GET). Any thread. OL_EINVAL for a NULL url. The URL
 * is checked when the job starts (OL_EURL, OL_EPROTOCOL_DENIED on the future). */
OL_EXTERN int ol_http_job_new(ol_job **out, const char *method, const char *url);
/* Borrow the request body instead of copying it: data must stay valid until free_fn(user_data)
 * is called (on the loop thread, or on the calling thread if the job is dropped). */
OL_EXTERN int ol_http_job_set_body_borrowed(ol_job *job, const void *data, size_t len,
                                            ol_free_fn free_fn, void *user_data);

/* Response accessors: any thread, while a reference to its future (or item) is held. */
OL_EXTERN int ol_response_status(const ol_response *resp);
/* 10, 11, 20, 30 */
OL_EXTERN int ol_response_http_version(const ol_response *resp);
OL_EXTERN size_t ol_response_header_count(const ol_response *resp);
/* The i-th header in order received (of the final response). OL_EINVAL when out of range. */
OL_EXTERN int ol_response_header_at(const ol_response *resp, size_t i, const char **name,
                                    const char **value);
/* First value of a header by case-insensitive name, NULL if absent. */
OL_EXTERN const char *ol_response_header(const ol_response *resp, const char *name);
OL_EXTERN const void *ol_response_body(const ol_response *resp);
OL_EXTERN size_t ol_response_body_size(const ol_response *resp);
/* Give the body's memory back now, for a caller that copied it (a binding making a string of
 * it) while the rest of the response stays readable: the body is then empty. Call it at most
 * once, when nothing else reads the body; any thread. */
OL_EXTERN int ol_response_discard_body(ol_response *resp);
/* The URL of the final hop, without user name and password. */
OL_EXTERN const char *ol_response_effective_url(const ol_response *resp);
/* Redirect history: the hops before the final one, in order. Their URL (without user name
 * and password; NULL when i is out of range) and status (OL_EINVAL when out of range). */
OL_EXTERN size_t ol_response_redirect_count(const ol_response *resp);
OL_EXTERN const char *ol_response_redirect_url(const ol_response *resp, size_t i);
OL_EXTERN int ol_response_redirect_status(const ol_response *resp, size_t i);

#define OL_HTTP_TIMING_VERSION 1
typedef struct ol_http_timing {
    unsigned version;      /* set by the caller: OL_HTTP_TIMING_VERSION */
    int64_t dns_us;        /* from the final hop's start until name resolved */
    int64_t connect_us;    /* ... until TCP connected */
    int64_t tls_us;        /* ... until TLS handshake done (0 without TLS) */
    int64_t first_byte_us; /* ... until the first response byte */
    int64_t total_us;      /* ... until the transfer ended (redirect hops included) */
    int64_t redirect_us;   /* time spent on redirect hops before the final one */
    uint64_t bytes_up;     /* request body bytes sent */
    uint64_t bytes_down;   /* response body bytes received */
    unsigned redirects;    /* redirects followed */
} ol_http_timing;
OL_EXTERN int ol_response_timing(const ol_response *resp, ol_http_timing *out);

OL_END_DECL

#endif
