/* Private declarations shared by the HTTP kind's source files (http/). The kind sees the
 * runtime only through runtime.h (its loop slot, the uv loop, process exit) and jobs through
 * job.h; nothing outside http/ includes this. */
#ifndef OL_SRC_HTTP_H
#define OL_SRC_HTTP_H

#include "../future/future.h"
#include "../iter/iter.h"
#include "../job/job.h"
#include "body_pool.h"
#include "decode.h"

#include <curl/curl.h>

#define OL_HTTP_DEFAULT_PROTOCOLS "http,https"

typedef struct ol_http_ctx ol_http_ctx; /* multi.c: the curl multi handle of a loop */

/* ---- the response (response.c) */

typedef struct ol_http_header {
    char *name; /* one allocation: "name\0value\0"; value points into it */
    char *value;
} ol_http_header;

/* A redirect hop before the final response: the URL requested (without credentials) and the
 * status it answered. */
typedef struct ol_http_hop {
    char *url;
    int status;
} ol_http_hop;

struct ol_response {
    int status;
    int http_version; /* 10, 11, 20, 30; 0 until known */
    ol_http_header *headers;
    size_t n_headers, cap_headers;
    bool head_done; /* blank line seen: later non-status lines are trailers */
    unsigned char *body;
    size_t body_size, body_cap;
    char *effective_url;
    ol_http_timing timing;
    ol_http_hop *hops; /* redirect history, oldest first */
    size_t n_hops;
};

ol_response *ol__response_new(void);
void ol__response_free(void *resp);
/* Feed one header line as curl delivers it (status line, header, blank line; CRLF
 * included or not). A status line starts a new response head (redirects, 1xx). Returns OL_OK
 * or OL_ENOMEM. Never reads beyond len. */
int ol__response_header_line(ol_response *resp, const char *line, size_t len);
/* Append body bytes; expected (when > 0) sizes the first allocation. OL_OK or OL_ENOMEM. */
int ol__response_append(ol_response *resp, const void *data, size_t len, size_t expected);
/* The next hop's response takes over prev's history and appends prev's hop (url is
 * consumed, also on failure). OL_OK or OL_ENOMEM. */
int ol__response_add_hop(ol_response *next, ol_response *prev, char *url);
/* A copy of status, version, headers and history, without body (an iterator's HEAD item). */
ol_response *ol__response_clone_head(const ol_response *resp);

/* ---- the job's description (request.c) */

typedef struct ol_http_request {
    char *method; /* NULL: GET */
    char *url;
    struct curl_slist *headers;
    bool has_expect;  /* the caller set an Expect: header */
    const void *body; /* NULL: no body */
    size_t body_len;
    bool body_set;
    void *body_copy;      /* owned copy (OL_HTTP_BODY) */
    ol_free_fn body_free; /* borrowed body: free_fn(body_user) at the end */
    void *body_user;
    long connect_timeout_ms; /* 0: no limit; default OL_HTTP_DEFAULT_CONNECT_TIMEOUT_MS */
    long timeout_ms, low_speed_limit, low_speed_time_s;
    long idle_timeout_ms; /* 0: no limit; default OL_HTTP_DEFAULT_IDLE_TIMEOUT_MS */
    long max_redirects;
    long verify_peer, verify_host;
    char *ca_file, *ca_path, *client_cert, *client_key, *client_key_password;
    long http_version; /* OL_HTTP_VERSION_* */
    long decompress;
    char *proxy; /* NULL: curl's default (environment) */
    int64_t max_response_bytes;
    char *user_agent;
    char *protocols;                      /* NULL: "http,https" */
    char *redirect_protocols;             /* redirect targets; NULL: "http,https" */
    struct curl_slist *sensitive_headers; /* names dropped on a redirect to another origin */
    char *basic_auth;
} ol_http_request;

void ol__http_request_init(ol_http_request *req);
void ol__http_request_clear(ol_http_request *req);
int ol__http_request_set_int(ol_http_request *req, int option, int64_t value);
int ol__http_request_set_str(ol_http_request *req, int option, const char *value);
int ol__http_request_set_bytes(ol_http_request *req, int option, const void *data, size_t len);
int ol__http_request_set_method(ol_http_request *req, const char *method);
/* Drop the current body (calls a borrowed body's free function). */
void ol__http_request_drop_body(ol_http_request *req);

/* ---- a running transfer (transfer.c) */

typedef struct ol_http_host ol_http_host;

typedef struct ol_http_job {
    ol_http_request req;
    ol_job *job; /* the job this is the data of */
    CURL *easy;
    ol_response *resp;
    size_t received;    /* body bytes handed to the caller (decoded) */
    bool too_large;     /* the write callback hit max_response_bytes */
    bool consumer_gone; /* the iterator was closed */
    bool head_pushed;   /* iterator: the HEAD item is queued */
    bool pause_pending; /* iterator full: refuse (pause) the next chunk */
    bool paused;        /* curl is paused by us */
    bool easy_custom;   /* easy has options beyond the shared ones: reset it after */
    /* Decoding (OL_HTTP_DECOMPRESS): curl hands over the body as received. */
    ol_http_decoder *decoder; /* NULL: the body is delivered as received */
    bool decode_checked;      /* the final response's Content-Encoding was looked at */
    bool decode_failed;       /* corrupt or refused encoding: decode_msg says why */
    bool decode_more;         /* the consumer's channel filled mid-decode: output owed */
    unsigned char *held;      /* compressed input not decoded yet (at most one curl read) */
    size_t held_len, held_off;
    char decode_msg[128];
    /* The transfer ended in curl while decoded output was still owed to the consumer: the
     * job finishes when the consumer has taken it (os_errno/connected kept for that). */
    bool finish_deferred;
    /* Idle timeout: no byte received for req.idle_timeout_ms, not counting paused time. */
    uv_timer_t *idle_timer; /* NULL: no idle limit (closed when the transfer ends) */
    uint64_t last_rx_ms;    /* uv_now when a byte last came in (or the pause ended) */
    bool idle_expired;
    /* Per-host admission (admit.c). */
    ol_http_host *host; /* counted against this host (NULL: not limited) */
    bool waiting;       /* queued for a slot, not in the multi yet */
    struct ol_http_job *wait_prev, *wait_next;
    uint64_t queued_ms;         /* uv_now when it started waiting */
    uint64_t queue_deadline_ms; /* uv_now when its timeout ends while waiting (0: none) */
    /* Redirects, followed here one transfer per hop (curl's following would forward every
     * caller header to every host). */
    unsigned hops;           /* redirects followed so far */
    uint64_t hop_started_ms; /* uv_now when the current hop's transfer began */
    int64_t redirect_us;     /* total time of the hops before the current one */
    int socket_errno;        /* errno of the last socket() that failed for it (EMFILE) */
    char errbuf[CURL_ERROR_SIZE];
} ol_http_job;

/* ---- the kind (kind.c): its state in each loop, through the loop's kind slots */

/* Loop thread: the loop's context, created on first use (NULL when out of memory), or the
 * current one (NULL: none yet, or closed at shutdown). */
ol_http_ctx *ol__http_ctx_get(ol_loop *loop);
ol_http_ctx *ol__http_ctx_of(ol_loop *loop);
/* Count connections a transfer opened (ol_loop_stats.http_connections). */
void ol__http_count_connections(ol_loop *loop, uint64_t n);

/* ---- a transfer's life (transfer.c) */

/* Begin the transfer of h->req.url now, or queue it behind its host's others (it begins when
 * a slot frees). On failure it has left its host; the caller finishes the job. */
int ol__http_admit_and_begin(ol_job *job, ol_http_job *h, ol_http_ctx *ctx);
/* The transfer is over (or never got in): its host slot goes to the next queued transfer,
 * except during shutdown. */
void ol__http_leave_host(ol_job *job, ol_http_job *h);
/* Loop thread: the transfer ended inside curl (CURLMSG_DONE), or we end it (idle timeout).
 * Removes and frees the easy handle, then follows a redirect or finishes the task. */
void ol__http_transfer_done(ol_job *job, CURLcode result);
/* Loop thread: a stream's consumer made room: deliver what is owed, then let curl go on. */
void ol__http_transfer_resume(ol_job *job);
/* Loop thread: a queued transfer's timeout ended before its turn (it has left the queue).
 * host_limit: the loop's max_host_connections, for the message. */
void ol__http_queued_expired(ol_job *job, unsigned host_limit);

/* ---- the idle timeout (idle.c) */
int ol__http_idle_timer_start(ol_job *job, ol_http_job *h);    /* OL_OK or OL_ENOMEM */
void ol__http_idle_timer_restart(ol_job *job, ol_http_job *h); /* the consumer made room */
void ol__http_idle_timer_stop(ol_http_job *h);

/* ---- the easy handle (easy.c) */

/* Everything the transfer needs on e: the shared options unless e still has them
 * (configured), the request's own, then the per-transfer ones. OL_OK or a failure with
 * h->errbuf. */
int ol__http_setup_easy(ol_job *job, ol_http_job *h, ol_http_ctx *ctx, CURL *e, bool configured);
/* The transfer's handle leaves the multi and goes back to the loop's pool. clean: it
 * completed, so it may keep the shared options. */
void ol__http_release_easy(ol_job *job, ol_http_job *h, bool clean);

/* ---- curl's callbacks and the body on its way to the caller (callbacks.c) */

size_t ol__http_on_header(char *line, size_t size, size_t n, void *userdata);
size_t ol__http_on_write(char *data, size_t size, size_t n, void *userdata);
/* Iterator: queue the final response's head (once). An ol__iter_push status. */
int ol__http_push_head(ol_job *job, ol_http_job *h);
/* The current hop's head is a redirect the job follows (or fails on, past the limit). */
bool ol__http_is_redirect_hop(const ol_http_job *h);
/* Decode the output owed to a stream's consumer (decode_more): OL_OK when all is delivered,
 * OL_EAGAIN when the channel filled again, else a failure (the flags say why). */
int ol__http_decode_held(ol_job *job, ol_http_job *h);

/* ---- redirects (redirect.c) */

/* The hop ended with a redirect to url (consumed; NULL when curl found none): start the next
 * hop, or finish the job. */
void ol__http_follow_redirect(ol_job *job, ol_http_job *h, char *url);

/* ---- the multi handle of a loop (multi.c) */

/* The kind's loop hooks: a loop's context (NULL when out of memory), and its end at
 * shutdown (libcurl cleaned up, sockets and timers closed). */
ol_http_ctx *ol__http_ctx_new(ol_loop *loop);
void ol__http_ctx_close(ol_http_ctx *ctx);
int ol__http_ctx_add(ol_http_ctx *ctx, CURL *easy);
void ol__http_ctx_remove(ol_http_ctx *ctx, CURL *easy);
/* An easy handle for a transfer (NULL when out of memory): *configured tells whether it still
 * holds the options every transfer shares, from its last transfer; else it has curl's
 * defaults. Its return after a transfer (removed from the multi first): keep_options when
 * it holds only those shared options and ones every transfer sets again, else it is reset. */
CURL *ol__http_ctx_easy_get(ol_http_ctx *ctx, bool *configured);
void ol__http_ctx_easy_put(ol_http_ctx *ctx, CURL *easy, bool keep_options);
/* Route the easy handle's socket open/close through the context (before adding it). Each
 * transfer sets CURLOPT_OPENSOCKETDATA to its ol_http_job. */
void ol__http_ctx_setup_easy(ol_http_ctx *ctx, CURL *easy);

/* A transfer queued for its host times out at due (uv_now ms): arm the context's timer. */
void ol__http_ctx_queue_deadline(ol_http_ctx *ctx, uint64_t due);

/* The loop's per-host admission (created with the context). */
typedef struct ol_http_admission ol_http_admission;
ol_http_admission *ol__http_ctx_admission(ol_http_ctx *ctx);

/* ---- per-host admission (admit.c) */

/* per_host_limit 0: every transfer is admitted at once. NULL when out of memory. */
ol_http_admission *ol__http_admission_new(unsigned per_host_limit);
void ol__http_admission_free(ol_http_admission *admission);
/* true: the transfer may enter the multi now; false: it was queued behind its host's others. */
bool ol__http_admit(ol_http_admission *admission, ol_http_job *h, const char *url);
/* The transfer left the multi, or left the queue (cancelled). With hand_over, returns the
 * queued transfer that takes its slot (the caller starts it), or NULL. */
ol_http_job *ol__http_leave(ol_http_admission *admission, ol_http_job *h, bool hand_over);

/* Unlinks the queued transfers whose queue_deadline_ms is at or before now and returns them,
 * linked by wait_next. *next_due gets the earliest deadline still queued (0: none). */
ol_http_job *ol__http_admission_expired(ol_http_admission *admission, uint64_t now,
                                        uint64_t *next_due);

/* ---- errors and reported URLs (errors.c) */

/* A copy of text (a URL, a message naming URLs) without the user name and password of any
 * URL in it ("http://user:pw@host/" -> "http://host/"). NULL when out of memory. */
char *ol__redact_credentials(const char *text);

/* The OL_E* status for a finished transfer's CURLcode. */
int ol__http_status_from_curl(CURLcode code, long os_errno);
/* The status and message (written to msg) of a transfer that failed with result. connected:
 * it reached the server. */
int ol__http_failure_status(ol_http_job *h, CURLcode result, long os_errno, bool connected,
                            char *msg, size_t cap);

#endif
