/* One curl multi handle per loop, driven by curl_multi_socket_action from uv_poll (one per
 * socket) and one uv_timer (curl's timeout); also the loop's pool of reusable easy handles.
 * Loop thread only. */
#include "http.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* Idle connections kept when ol_loop_options.max_connections is 0. */
#define OL_HTTP_IDLE_CONNECTIONS 256
/* Easy handles are kept for reuse (libcurl 8.1+, see easy_reuse_safe): creating one per
 * request costs more than resetting it.
 * The pool grows to the largest burst (up to IDLE_EASY_MAX); handles that stayed unused for
 * a whole IDLE_TICK_MS are then freed, down to IDLE_EASY_KEEP. */
#define IDLE_EASY_MAX 8192
#define IDLE_EASY_KEEP 16
#define IDLE_TICK_MS 5000

/* An easy handle between transfers: reset to curl's defaults, or still holding the options
 * every transfer shares (configured), which then need not be set again. */
typedef struct ol_idle_easy {
    CURL *easy;
    bool configured;
} ol_idle_easy;

/* One uv_poll per socket. Sockets curl opens through on_open_socket keep theirs until curl
 * closes them (on_close_socket), so a reused connection is not re-registered with epoll for
 * every request; other descriptors curl reports (its resolver's) get one from the socket
 * callback until CURL_POLL_REMOVE. */
typedef struct http_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    int events;  /* what the uv_poll watches now (0: stopped) */
    bool wanted; /* curl watches this socket (between a POLL_IN/OUT and POLL_REMOVE) */
    bool ours;   /* opened by on_open_socket: lives until on_close_socket */
    bool closed; /* handle closing; memory freed by the close callback */
    ol_http_ctx *ctx;
    struct http_sock *prev, *next; /* ctx->socks, so shutdown can close leftovers */
} http_sock;

struct ol_http_ctx {
    ol_loop *loop;
    CURLM *multi;
    uv_timer_t timer;
    http_sock *socks;
    http_sock **by_fd; /* fd -> its http_sock */
    size_t by_fd_size;
    ol_http_admission *admission;
    unsigned host_limit;     /* the loop's max_host_connections */
    ol_idle_easy *idle_easy; /* handles ready for the next job */
    size_t n_idle_easy, cap_idle_easy;
    size_t idle_low;        /* fewest idle handles since the last tick: never needed */
    uv_timer_t idle_timer;  /* the tick: frees unneeded handles and idle body buffers */
    uv_timer_t queue_timer; /* the earliest timeout of a transfer queued for its host */
    uint64_t queue_due;     /* when queue_timer fires (uv_now ms; 0: not armed) */
    int open_handles;       /* uv handles not closed yet; the last close frees ctx */
    int running;
    bool in_timer;   /* on_timer is running curl (see on_curl_timer) */
    bool reuse_easy; /* false: every transfer gets a fresh handle (see easy_reuse_safe) */
};

/* Hand every finished transfer to its job. */
static void process_done(ol_http_ctx *ctx)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(ctx->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) continue;
        ol_job *job = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&job);
        if (job) ol__http_transfer_done(job, msg->data.result);
    }
}

static http_sock *lookup(ol_http_ctx *ctx, curl_socket_t fd)
{
    return fd >= 0 && (size_t)fd < ctx->by_fd_size ? ctx->by_fd[fd] : NULL;
}

static void on_poll(uv_poll_t *poll, int status, int events);

static http_sock *sock_new(ol_http_ctx *ctx, curl_socket_t fd, bool ours)
{
    if (fd < 0) return NULL;
    if ((size_t)fd >= ctx->by_fd_size) {
        size_t size = ctx->by_fd_size ? ctx->by_fd_size : 64;
        while (size <= (size_t)fd) size *= 2;
        http_sock **grown = realloc(ctx->by_fd, size * sizeof *grown);
        if (!grown) return NULL;
        for (size_t i = ctx->by_fd_size; i < size; i++) grown[i] = NULL;
        ctx->by_fd = grown;
        ctx->by_fd_size = size;
    }
    http_sock *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (uv_poll_init_socket(ol__loop_uv(ctx->loop), &s->poll, fd) != 0) {
        free(s);
        return NULL;
    }
    s->fd = fd;
    s->ctx = ctx;
    s->ours = ours;
    s->poll.data = s;
    s->next = ctx->socks;
    if (ctx->socks) ctx->socks->prev = s;
    ctx->socks = s;
    ctx->by_fd[fd] = s;
    return s;
}

static void sock_closed(uv_handle_t *h) { free(h->data); }

static void sock_close(http_sock *s)
{
    ol_http_ctx *ctx = s->ctx;
    s->closed = true;
    if (lookup(ctx, s->fd) == s) ctx->by_fd[s->fd] = NULL;
    if (s->prev)
        s->prev->next = s->next;
    else
        ctx->socks = s->next;
    if (s->next) s->next->prev = s->prev;
    /* Stop synchronously: the fd may be closed as soon as we return (threading rule 7, docs/threading.md). */
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, sock_closed);
}

static void sock_watch(http_sock *s, int events)
{
    if (events == s->events) return; /* unchanged: no epoll_ctl */
    s->events = events;
    if (events)
        uv_poll_start(&s->poll, events, on_poll);
    else
        uv_poll_stop(&s->poll);
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
    http_sock *s = poll->data;
    ol_http_ctx *ctx = s->ctx;
    ol__loop_exit_park_if_asked(ctx->loop); /* never enter curl once the process exits */
    if (!s->wanted) {
        /* An idle pooled connection became readable (the server closed it): stop watching;
         * curl notices the dead connection when it next picks it. */
        sock_watch(s, 0);
        return;
    }
    int flags = 0, before = s->events;
    if (status < 0) {
        /* libuv reports POLLERR (a reset peer, ...) as UV_EBADF and stops the handle. Tell
         * curl (threading rule 7, docs/threading.md), with IN|OUT so that it reads the socket and reports the
         * real cause ("connection reset") instead of a bare "select/poll returned error". */
        flags = CURL_CSELECT_ERR | CURL_CSELECT_IN | CURL_CSELECT_OUT;
        s->events = 0; /* libuv stopped it */
    } else {
        if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    }
    curl_multi_socket_action(ctx->multi, s->fd, flags, &ctx->running);
    /* Still wanted after an error and curl did not re-arm it: watch as before. */
    if (status < 0 && !s->closed && s->wanted && s->events == 0) sock_watch(s, before);
    process_done(ctx);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    (void)socketp;
    ol_http_ctx *ctx = userp;
    http_sock *s = lookup(ctx, fd);
    if (what == CURL_POLL_REMOVE) {
        if (!s) return 0;
        s->wanted = false;
        if (!s->ours)
            sock_close(s); /* a resolver fd: curl closes it after this */
        else if (s->events & UV_WRITABLE)
            sock_watch(s, 0); /* writable would spin */
        /* else: keep watching an idle connection for readability; see on_poll */
        return 0;
    }
    if (!s && !(s = sock_new(ctx, fd, false))) return -1;
    s->wanted = true;
    int events = 0;
    if (what & CURL_POLL_IN) events |= UV_READABLE;
    if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
    sock_watch(s, events);
    return 0;
}

/* Sockets of connections: curl opens and closes them through us (their uv_poll lives as long
 * as the socket). */
static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    ol_http_job *h = clientp; /* the transfer that needs a connection */
    ol_http_ctx *ctx = ol__http_ctx_of(h->job->loop);
    (void)purpose;
    int type = addr->socktype;
#ifdef SOCK_CLOEXEC
    type |= SOCK_CLOEXEC; /* a host that forks and execs must not leak our connections */
#endif
    curl_socket_t fd = socket(addr->family, type, addr->protocol);
    if (fd == CURL_SOCKET_BAD) {
        h->socket_errno = errno; /* curl reports only "Couldn't connect": name the cause */
        return fd;
    }
    if (!sock_new(ctx, fd, true)) {
        close(fd);
        return CURL_SOCKET_BAD;
    }
    return fd;
}

static int on_close_socket(void *clientp, curl_socket_t fd)
{
    http_sock *s = lookup(clientp, fd);
    if (s) sock_close(s);
    return close(fd);
}

void ol__http_ctx_setup_easy(ol_http_ctx *ctx, CURL *easy)
{
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, ctx);
}

static void on_timer(uv_timer_t *timer)
{
    ol_http_ctx *ctx = timer->data;
    ol__loop_exit_park_if_asked(ctx->loop);
    ctx->in_timer = true;
    curl_multi_socket_action(ctx->multi, CURL_SOCKET_TIMEOUT, 0, &ctx->running);
    ctx->in_timer = false;
    process_done(ctx);
}

/* curl asks for a (re)armed timeout; socket_action may not be called from here, so even a
 * 0 ms timeout goes through the uv timer. One re-armed from on_timer itself waits 1 ms:
 * libuv runs a timer due now again in the same pass, before any I/O or message. libcurl 8.14
 * asks for 0 ms on every run while a paused transfer's complete response waits for its
 * client, so the loop thread spun there and never read the consumer's resume (a stall until
 * the transfer's timeout). */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    ol_http_ctx *ctx = userp;
    if (timeout_ms == 0 && ctx->in_timer) timeout_ms = 1;
    if (timeout_ms < 0)
        uv_timer_stop(&ctx->timer);
    else
        uv_timer_start(&ctx->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* libcurl 7.83 to 8.0 (Debian 12 has 7.88) keep a pointer to the previous transfer's last
 * header after freeing it (curl issue 11101, fixed in 8.1.0): when the next response on a
 * reused handle opens its headers with a folded line (" :"), curl reallocs freed memory, a
 * crash any server can cause. With those versions, handles are not reused. */
static bool easy_reuse_safe(void)
{
    return curl_version_info(CURLVERSION_NOW)->version_num >= 0x080100;
}

ol_http_ctx *ol__http_ctx_new(ol_loop *loop)
{
    ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
    ol_loop_options_get(loop, &opts);
    ol_http_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->loop = loop;
    ctx->host_limit = opts.max_host_connections;
    ctx->reuse_easy = easy_reuse_safe();
    ctx->multi = curl_multi_init();
    ctx->admission = ol__http_admission_new(opts.max_host_connections);
    if (!ctx->multi || !ctx->admission) {
        if (ctx->multi) curl_multi_cleanup(ctx->multi);
        ol__http_admission_free(ctx->admission);
        free(ctx);
        return NULL;
    }
    uv_loop_t *uv = ol__loop_uv(loop);
    uv_timer_init(uv, &ctx->timer);
    ctx->timer.data = ctx;
    uv_timer_init(uv, &ctx->idle_timer);
    ctx->idle_timer.data = ctx;
    uv_unref((uv_handle_t *)&ctx->idle_timer); /* housekeeping never keeps a loop running */
    uv_timer_init(uv, &ctx->queue_timer);
    ctx->queue_timer.data = ctx;
    ctx->open_handles = 3;
    curl_multi_setopt(ctx->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(ctx->multi, CURLMOPT_SOCKETDATA, ctx);
    curl_multi_setopt(ctx->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(ctx->multi, CURLMOPT_TIMERDATA, ctx);
    if (opts.max_connections)
        curl_multi_setopt(ctx->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)opts.max_connections);
    /* Idle connections kept for reuse. curl's default (4 per transfer in the multi right now)
     * prunes the pool whenever traffic dips, which defeats reuse for bursty callers. */
    unsigned idle = opts.max_connections;
    if (!idle) /* no total limit: keep a full burst to one host reusable (at least 256) */
        idle = opts.max_host_connections > OL_HTTP_IDLE_CONNECTIONS ? opts.max_host_connections
                                                                    : OL_HTTP_IDLE_CONNECTIONS;
    curl_multi_setopt(ctx->multi, CURLMOPT_MAXCONNECTS, (long)idle);
    if (opts.max_host_connections)
        curl_multi_setopt(ctx->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                          (long)opts.max_host_connections);
    return ctx;
}

ol_http_admission *ol__http_ctx_admission(ol_http_ctx *ctx) { return ctx->admission; }

/* Fails the queued transfers whose timeout ended, and re-arms for the next one. A transfer
 * that left the queue earlier (admitted, cancelled) only makes the timer fire for nothing. */
static void on_queue_timer(uv_timer_t *timer)
{
    ol_http_ctx *ctx = timer->data;
    ctx->queue_due = 0;
    uint64_t next_due = 0;
    ol_http_job *h = ol__http_admission_expired(ctx->admission, uv_now(timer->loop), &next_due);
    if (next_due) ol__http_ctx_queue_deadline(ctx, next_due);
    while (h) {
        ol_http_job *next = h->wait_next;
        h->wait_next = NULL;
        ol__http_queued_expired(h->job, ctx->host_limit);
        h = next;
    }
}

void ol__http_ctx_queue_deadline(ol_http_ctx *ctx, uint64_t due)
{
    if (ctx->queue_due && ctx->queue_due <= due) return; /* an earlier one is armed */
    uint64_t now = uv_now(ctx->queue_timer.loop);
    ctx->queue_due = due;
    uv_timer_start(&ctx->queue_timer, on_queue_timer, due > now ? due - now : 0, 0);
}

int ol__http_ctx_add(ol_http_ctx *ctx, CURL *easy)
{
    CURLMcode rc = curl_multi_add_handle(ctx->multi, easy);
    return rc == CURLM_OK ? OL_OK : rc == CURLM_OUT_OF_MEMORY ? OL_ENOMEM : OL_ERROR;
}

void ol__http_ctx_remove(ol_http_ctx *ctx, CURL *easy)
{
    curl_multi_remove_handle(ctx->multi, easy);
}

CURL *ol__http_ctx_easy_get(ol_http_ctx *ctx, bool *configured)
{
    *configured = false;
    if (!ctx->n_idle_easy) return curl_easy_init();
    ol_idle_easy idle = ctx->idle_easy[--ctx->n_idle_easy];
    if (ctx->n_idle_easy < ctx->idle_low) ctx->idle_low = ctx->n_idle_easy;
    *configured = idle.configured;
    return idle.easy;
}

static void on_idle_tick(uv_timer_t *timer)
{
    ol_http_ctx *ctx = timer->data;
    size_t surplus = ctx->idle_low;
    if (ctx->n_idle_easy - surplus < IDLE_EASY_KEEP)
        surplus = ctx->n_idle_easy > IDLE_EASY_KEEP ? ctx->n_idle_easy - IDLE_EASY_KEEP : 0;
    while (surplus--) curl_easy_cleanup(ctx->idle_easy[--ctx->n_idle_easy].easy);
    ctx->idle_low = ctx->n_idle_easy;
    ol__body_pool_decay(-1);
    if (ctx->n_idle_easy > IDLE_EASY_KEEP || ol__body_pool_idle_bytes() > 0)
        uv_timer_start(&ctx->idle_timer, on_idle_tick, IDLE_TICK_MS, 0);
}

void ol__http_ctx_easy_put(ol_http_ctx *ctx, CURL *easy, bool keep_options)
{
    if (!easy) return;
    if (!ctx->reuse_easy) {
        curl_easy_cleanup(easy);
        return;
    }
    if (ctx->n_idle_easy == ctx->cap_idle_easy) {
        size_t cap = ctx->cap_idle_easy ? ctx->cap_idle_easy * 2 : 64;
        ol_idle_easy *grown =
            cap <= IDLE_EASY_MAX ? realloc(ctx->idle_easy, cap * sizeof *grown) : NULL;
        if (!grown) {
            curl_easy_cleanup(easy);
            return;
        }
        ctx->idle_easy = grown;
        ctx->cap_idle_easy = cap;
    }
    /* Connections stay in the multi either way. A kept handle still points at the finished
     * job: the next transfer sets those pointers again before it is added. */
    if (!keep_options) curl_easy_reset(easy); /* every option back to its default */
    ctx->idle_easy[ctx->n_idle_easy++] = (ol_idle_easy){easy, keep_options};
    if (!uv_is_active((uv_handle_t *)&ctx->idle_timer)) {
        ctx->idle_low = ctx->n_idle_easy;
        uv_timer_start(&ctx->idle_timer, on_idle_tick, IDLE_TICK_MS, 0);
    }
}

static void ctx_handle_closed(uv_handle_t *h)
{
    ol_http_ctx *ctx = h->data;
    if (--ctx->open_handles == 0) free(ctx);
}

void ol__http_ctx_close(ol_http_ctx *ctx)
{
    while (ctx->n_idle_easy) curl_easy_cleanup(ctx->idle_easy[--ctx->n_idle_easy].easy);
    free(ctx->idle_easy);
    ctx->idle_easy = NULL;
    /* Closing cached connections may call on_curl_socket(REMOVE): ctx is still valid. */
    curl_multi_cleanup(ctx->multi);
    ctx->multi = NULL;
    while (ctx->socks) sock_close(ctx->socks);
    uv_timer_stop(&ctx->timer);
    free(ctx->by_fd);
    ctx->by_fd = NULL;
    ol__http_admission_free(ctx->admission); /* every job has left it: shutdown ended them */
    ctx->admission = NULL;
    ctx->by_fd_size = 0;
    uv_close((uv_handle_t *)&ctx->timer, ctx_handle_closed);
    uv_close((uv_handle_t *)&ctx->idle_timer, ctx_handle_closed);
    uv_close((uv_handle_t *)&ctx->queue_timer, ctx_handle_closed);
}
