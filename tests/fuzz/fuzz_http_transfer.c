/* libFuzzer harness: arbitrary server bytes through real HTTP transfers.
 *
 * A loopback TCP server (threads of this process) answers every connection with the fuzz
 * input's bytes, then closes. Each input runs two GETs against it on one oneloop loop: one
 * buffered (ol_job_submit) and one streamed (ol_job_submit_iter). Checked: every future and
 * every stream settles (abort() otherwise, so libFuzzer keeps the input), the library never
 * crashes or misbehaves under ASan/UBSan, a stream yields its head first and only once, and
 * when both transfers succeed they agree on the status and the body.
 *
 * Input: [flags][server bytes...]; the flags byte picks the request's options (FLAG_*).
 * Build and run: tests/fuzz/run_fuzz.sh [seconds]. Seeds: tests/fuzz/seeds-transfer/. */
#include <oneloop.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    FLAG_DECOMPRESS = 1,   /* OL_HTTP_DECOMPRESS: ask for and decode gzip, deflate, br */
    FLAG_LIMIT = 2,        /* OL_HTTP_MAX_RESPONSE_BYTES = 64 */
    FLAG_TINY_CHANNEL = 4, /* the stream's channel holds 1 byte: back-pressure on every chunk */
    FLAG_HTTP10 = 8,       /* OL_HTTP_VERSION_1_0 */
    FLAG_CLOSE_EARLY = 16, /* the stream is closed after its first item (cancels mid-body) */
    FLAG_HEAD = 32,        /* method HEAD */
    FLAG_REDIRECTS = 64    /* follow up to 3 redirects (every hop gets the same bytes) */
};

/* Bounds: a transfer's own timeout, and how long a future may stay pending before the
 * harness calls it a hang. The server always closes at once, so a transfer that reaches its
 * own timeout has stalled (a lost wake-up): that is a finding too. */
#define JOB_TIMEOUT_MS 5000
#define SETTLE_BOUND_MS 20000
#define REQUEST_READ_MS 1000

/* ---- the server: one accept thread, one short-lived thread per connection */

static pthread_mutex_t g_reply_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *g_reply; /* the bytes every connection gets, replaced per input */
static size_t g_reply_len;
static int g_port;

typedef struct connection {
    int fd;
    uint8_t *reply;
    size_t reply_len;
} connection;

/* Read the request head (up to the blank line) so that closing does not reset the
 * connection under unread bytes; give up after REQUEST_READ_MS of silence. */
static void read_request(int fd)
{
    char buf[4096];
    size_t seen = 0;
    char tail[4] = {0};
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, REQUEST_READ_MS) <= 0) return;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        for (ssize_t i = 0; i < n; i++) {
            memmove(tail, tail + 1, 3);
            tail[3] = buf[i];
            if (memcmp(tail, "\r\n\r\n", 4) == 0) return;
        }
        seen += (size_t)n;
        if (seen > (1u << 20)) return;
    }
}

static void *serve_connection(void *arg)
{
    connection *c = arg;
    read_request(c->fd);
    size_t off = 0;
    while (off < c->reply_len) {
        ssize_t n = send(c->fd, c->reply + off, c->reply_len - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += (size_t)n;
    }
    shutdown(c->fd, SHUT_WR);
    close(c->fd);
    free(c->reply);
    free(c);
    return NULL;
}

static void *accept_loop(void *arg)
{
    int listener = *(int *)arg;
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            perror("fuzz_http_transfer: accept");
            abort();
        }
        connection *c = calloc(1, sizeof *c);
        if (!c) abort();
        c->fd = fd;
        pthread_mutex_lock(&g_reply_lock);
        c->reply_len = g_reply_len;
        c->reply = malloc(g_reply_len ? g_reply_len : 1);
        if (!c->reply) abort();
        if (g_reply_len) memcpy(c->reply, g_reply, g_reply_len);
        pthread_mutex_unlock(&g_reply_lock);
        pthread_t t;
        if (pthread_create(&t, NULL, serve_connection, c) != 0) abort();
        pthread_detach(t);
    }
    return NULL;
}

static void start_server(void)
{
    static int listener;
    listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(listener, 64) != 0 || getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
        perror("fuzz_http_transfer: listen");
        abort();
    }
    g_port = ntohs(addr.sin_port);
    pthread_t t;
    if (pthread_create(&t, NULL, accept_loop, &listener) != 0) abort();
    pthread_detach(t);
}

static void set_reply(const uint8_t *data, size_t size)
{
    pthread_mutex_lock(&g_reply_lock);
    free(g_reply);
    g_reply = malloc(size ? size : 1);
    if (!g_reply) abort();
    if (size) memcpy(g_reply, data, size);
    g_reply_len = size;
    pthread_mutex_unlock(&g_reply_lock);
}

/* ---- the client side */

static ol_loop *g_loop;

static void shutdown_loop(void) { ol_loop_shutdown(g_loop, 2000); }

static void fail(const char *what, int status)
{
    fprintf(stderr, "fuzz_http_transfer: %s (%d %s)\n", what, status, ol_strerror(status));
    abort();
}

static ol_job *new_request(uint8_t flags)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/fuzz", g_port);
    ol_job *job = NULL;
    int rc = ol_http_job_new(&job, (flags & FLAG_HEAD) ? "HEAD" : NULL, url);
    if (rc != OL_OK) fail("ol_http_job_new", rc);
    ol_job_set_int(job, OL_HTTP_TIMEOUT_MS, JOB_TIMEOUT_MS);
    ol_job_set_int(job, OL_HTTP_CONNECT_TIMEOUT_MS, JOB_TIMEOUT_MS);
    if (flags & FLAG_DECOMPRESS) ol_job_set_int(job, OL_HTTP_DECOMPRESS, 1);
    if (flags & FLAG_LIMIT) ol_job_set_int(job, OL_HTTP_MAX_RESPONSE_BYTES, 64);
    if (flags & FLAG_HTTP10) ol_job_set_int(job, OL_HTTP_VERSION, OL_HTTP_VERSION_1_0);
    if (flags & FLAG_REDIRECTS) {
        ol_job_set_int(job, OL_HTTP_FOLLOW_REDIRECTS, 3);
        ol_job_set_str(job, OL_HTTP_HEADER, "Authorization: Bearer fuzz");
        ol_job_set_str(job, OL_HTTP_SENSITIVE_HEADER, "X-Fuzz-Secret");
    }
    return job;
}

/* Read every accessor of a response, so that ASan sees any bad pointer or length. */
static void read_response(const ol_response *resp)
{
    size_t n = ol_response_header_count(resp);
    for (size_t i = 0; i <= n; i++) {
        const char *name = NULL, *value = NULL;
        if (ol_response_header_at(resp, i, &name, &value) != OL_OK) continue;
        (void)strlen(value);
        if (!ol_response_header(resp, name)) fail("a listed header is not found by name", 0);
    }
    (void)ol_response_status(resp);
    (void)ol_response_http_version(resp);
    const char *url = ol_response_effective_url(resp);
    if (url) (void)strlen(url);
    ol_http_timing timing = {.version = OL_HTTP_TIMING_VERSION};
    (void)ol_response_timing(resp, &timing);
    const unsigned char *body = ol_response_body(resp);
    size_t size = ol_response_body_size(resp);
    volatile unsigned sum = 0;
    for (size_t i = 0; i < size; i++) sum += body[i];
}

typedef struct outcome {
    int status; /* the future's or the stream's */
    int http_status;
    uint8_t *body;
    size_t body_len;
} outcome;

/* A redirect may name a host that never answers (an unroutable address): then the job's own
 * timeout is expected; the harness's bound on settling still holds. */
static bool may_time_out(uint8_t flags) { return (flags & FLAG_REDIRECTS) != 0; }

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool waited_too_long(int64_t started) { return now_ms() - started >= SETTLE_BOUND_MS; }

static void fetch_buffered(uint8_t flags, outcome *out)
{
    ol_future *future = NULL;
    int rc = ol_job_submit(g_loop, new_request(flags), &future);
    if (rc != OL_OK) fail("ol_job_submit", rc);
    rc = ol_future_wait(future, SETTLE_BOUND_MS);
    if (rc != OL_OK) fail("a buffered transfer's future did not settle", rc);
    out->status = ol_future_status(future);
    if (out->status == OL_ETIMEDOUT && !may_time_out(flags))
        fail("a buffered transfer stalled until its timeout", 0);
    (void)strlen(ol_future_error_message(future));
    if (out->status == OL_OK) {
        const ol_response *resp = ol_future_value(future);
        if (!resp) fail("a settled OK future has no response", 0);
        read_response(resp);
        out->http_status = ol_response_status(resp);
        out->body_len = ol_response_body_size(resp);
        out->body = malloc(out->body_len ? out->body_len : 1);
        if (!out->body) abort();
        if (out->body_len) memcpy(out->body, ol_response_body(resp), out->body_len);
    }
    ol_future_release(future);
}

static void append(outcome *out, const void *data, size_t len)
{
    uint8_t *grown = realloc(out->body, out->body_len + len + 1);
    if (!grown) abort();
    memcpy(grown + out->body_len, data, len);
    out->body = grown;
    out->body_len += len;
}

static void fetch_streamed(uint8_t flags, outcome *out)
{
    ol_iter *iter = NULL;
    size_t capacity = (flags & FLAG_TINY_CHANNEL) ? 1 : 0;
    int rc = ol_job_submit_iter(g_loop, new_request(flags), capacity, &iter);
    if (rc != OL_OK) fail("ol_job_submit_iter", rc);
    size_t items = 0;
    for (;;) {
        ol_item *item = NULL;
        int64_t started = now_ms();
        rc = ol_iter_next(iter, &item, SETTLE_BOUND_MS);
        /* OL_ETIMEDOUT is this wait's or the job's own: either way the transfer stalled. */
        if (rc == OL_ETIMEDOUT && (!may_time_out(flags) || waited_too_long(started)))
            fail("a stream stalled (its timeout, or no item in time)", rc);
        if (rc != OL_OK) break;
        int kind = ol_item_kind_get(item);
        if (kind == OL_ITEM_HEAD) {
            if (items != 0) fail("a stream's head came after other items", 0);
            const ol_response *head = ol_item_object(item);
            read_response(head);
            out->http_status = ol_response_status(head);
        } else if (kind == OL_ITEM_DATA) {
            if (items == 0) fail("a stream's body came before its head", 0);
            append(out, ol_item_data(item), ol_item_size(item));
        } else {
            fail("a stream yielded an unknown item kind", kind);
        }
        ol_item_free(item);
        items++;
        if ((flags & FLAG_CLOSE_EARLY) && items == 1) {
            rc = OL_ECANCELED;
            break;
        }
    }
    out->status = rc == OL_ITEROVER ? OL_OK : rc;
    if (out->status == OL_OK && items == 0) fail("a stream ended OK without a head", 0);
    (void)strlen(ol_iter_error_message(iter));
    ol_iter_close(iter);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_loop) {
        start_server();
        if (ol_loop_new(&g_loop, NULL) != OL_OK) abort();
        atexit(shutdown_loop);
    }
    if (size == 0) return 0;
    uint8_t flags = data[0];
    set_reply(data + 1, size - 1);

    outcome buffered = {0}, streamed = {0};
    fetch_buffered(flags, &buffered);
    fetch_streamed(flags, &streamed);
    if (getenv("FUZZ_TRANSFER_VERBOSE"))
        fprintf(
            stderr, "buffered: %d %s, HTTP %d, %zu bytes; streamed: %d %s, HTTP %d, %zu bytes\n",
            buffered.status, ol_strerror(buffered.status), buffered.http_status, buffered.body_len,
            streamed.status, ol_strerror(streamed.status), streamed.http_status, streamed.body_len);
    /* The same bytes through the same options: two successful transfers must agree. */
    if (buffered.status == OL_OK && streamed.status == OL_OK) {
        if (buffered.http_status != streamed.http_status)
            fail("buffered and streamed status differ", streamed.http_status);
        if (buffered.body_len != streamed.body_len ||
            (buffered.body_len && memcmp(buffered.body, streamed.body, buffered.body_len) != 0))
            fail("buffered and streamed bodies differ", (int)streamed.body_len);
    }
    free(buffered.body);
    free(streamed.body);
    return 0;
}
