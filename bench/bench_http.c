/* HTTP benchmark: oneloop against a raw libcurl multi loop (the floor for this design), in the
 * same run, against the fixture server on loopback.
 *
 * For a 300-byte body (/json) and a 100 KB body (/bytes/102400), at 1, 100, 1,000 and 10,000
 * requests in flight: CPU per request (getrusage of this process, user+sys: the loop thread is
 * included, the fixture server is another process and is not) and wall time per batch. A batch
 * is `in flight` requests submitted at once and waited for together. Both sides hold every
 * response body until the batch ends, use the same connection limits, and reuse connections.
 * Then resident memory per in-flight request at 10,000 (peak RSS delta over the batch, measured
 * in a fresh child process per implementation).
 *
 * Usage: bench_http [--conns N (per-host connection limit, default 256; 0 = unlimited)]
 *                   [--requests N (per row, default 4000)] [--quick (up to 1,000 in flight)]
 *                   [--only IN_FLIGHT (one column of rows)] [--no-mem]
 *                   diagnostics: [--host-driven] [--countdown] [--socket-floor]
 */
#define _GNU_SOURCE
#include <oneloop.h>

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static unsigned g_conns = 256; /* per-host connection limit for both sides */
static long g_requests = 4000; /* requests per measured row (at least one batch) */
#define IDLE_CONNECTIONS 256   /* oneloop's idle-connection pool; the floor gets the same */

/* ---- the fixture server */

static pid_t fixture_pid;
static int fixture_stdin = -1;

static int fixture_start(void)
{
    int in[2], out[2];
    if (pipe(in) || pipe(out)) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    char *argv[] = {(char *)OL_FIXTURE_SERVER, NULL};
    int rc = posix_spawn(&fixture_pid, OL_FIXTURE_SERVER, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc) return -1;
    fixture_stdin = in[1];
    char line[64] = {0};
    size_t n = 0;
    while (n + 1 < sizeof line && read(out[0], line + n, 1) == 1 && line[n] != '\n') n++;
    close(out[0]);
    int port = 0;
    return sscanf(line, "PORT %d", &port) == 1 ? port : -1;
}

static void fixture_stop(void)
{
    if (fixture_stdin >= 0) close(fixture_stdin);
    waitpid(fixture_pid, NULL, 0);
}

/* ---- measurement */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Peak RSS while a batch runs, sampled every 2 ms by a thread. */
static volatile int sampling;
static long peak_rss;
static void *sampler(void *arg)
{
    (void)arg;
    while (sampling) {
        long r = rss_kb();
        if (r > peak_rss) peak_rss = r;
        usleep(2000);
    }
    return NULL;
}

/* ---- implementation 1: oneloop (submit from this thread, ol_wait_all) */

typedef struct impl {
    const char *name;
    void *(*open)(void);
    int (*batch)(void *state, const char *url, int n); /* 0 when every request got 200 */
    void (*close)(void *state);
} impl;

static ol_loop *open_loop(unsigned flags)
{
    ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
    opts.max_host_connections = g_conns;
    opts.flags = flags;
    ol_loop *loop = NULL;
    return ol_loop_new(&loop, &opts) == OL_OK ? loop : NULL;
}

static void *ol_open(void) { return open_loop(0); }

/* n GETs of url into futures; returns how many could not be submitted. */
static int submit_gets(ol_loop *loop, const char *url, int n, ol_future **futures)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        ol_job *job = NULL;
        if (ol_http_job_new(&job, NULL, url) != OL_OK ||
            ol_job_submit(loop, job, &futures[i]) != OL_OK)
            bad++;
    }
    return bad;
}

/* Releases the settled futures; returns how many did not get a 200. */
static int release_checked(ol_future **futures, int n)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        const ol_response *r = futures[i] ? ol_future_value(futures[i]) : NULL;
        if (!r || ol_response_status(r) != 200) bad++;
        ol_future_release(futures[i]);
    }
    return bad;
}

static int ol_batch(void *state, const char *url, int n)
{
    ol_future **futures = calloc((size_t)n, sizeof *futures);
    int bad = submit_gets(state, url, n, futures);
    ol_wait_all(futures, (size_t)n, OL_WAIT_FOREVER);
    bad += release_checked(futures, n);
    free(futures);
    return bad;
}

static void ol_close(void *state)
{
    ol_loop_shutdown(state, 5000);
    ol_loop_free(state);
}

/* Diagnostic (--host-driven): a loop without a thread of its own (OL_LOOP_NO_THREAD), driven
 * by the submitting thread with ol_loop_run: the same core and HTTP code without the two
 * thread hand-offs, which dominate at 1 request in flight. */
static void *ol_open_host_driven(void) { return open_loop(OL_LOOP_NO_THREAD); }

static int ol_batch_host_driven(void *state, const char *url, int n)
{
    ol_future **futures = calloc((size_t)n, sizeof *futures);
    int bad = submit_gets(state, url, n, futures);
    for (int i = 0; i < n; i++)
        while (futures[i] && ol_future_state_get(futures[i]) == OL_FUTURE_PENDING)
            ol_loop_run(state, OL_RUN_ONCE);
    bad += release_checked(futures, n);
    free(futures);
    return bad;
}

/* Diagnostic (--countdown): the same batch, but the waiting thread sleeps once per batch: an
 * ol_future_on_done callback counts settlements down and signals at zero. Shows what a
 * wait-all that does not wake per future would save. */
typedef struct countdown {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int left;
} countdown;

static void count_one(ol_future *f, void *user)
{
    (void)f;
    countdown *c = user;
    pthread_mutex_lock(&c->mu);
    if (--c->left == 0) pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static int ol_batch_countdown(void *state, const char *url, int n)
{
    ol_loop *loop = state;
    ol_future **futures = calloc((size_t)n, sizeof *futures);
    countdown c = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, n};
    int bad = 0;
    for (int i = 0; i < n; i++) {
        ol_job *job = NULL;
        if (ol_http_job_new(&job, NULL, url) != OL_OK ||
            ol_job_submit(loop, job, &futures[i]) != OL_OK) {
            bad++;
            count_one(NULL, &c);
            continue;
        }
        ol_future_on_done(futures[i], count_one, &c);
    }
    pthread_mutex_lock(&c.mu);
    while (c.left > 0) pthread_cond_wait(&c.cv, &c.mu);
    pthread_mutex_unlock(&c.mu);
    bad += release_checked(futures, n);
    free(futures);
    return bad;
}

/* ---- implementation 2: raw libcurl multi (curl_multi_perform + curl_multi_poll) */

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static size_t floor_write(char *p, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    size_t len = size * n;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + len) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, len);
    b->len += len;
    return len;
}

/* Both floors add their batch the same way: plain GETs, each body into bodies[i]. At most
 * g_conns transfers are in the multi at once and the next enters as one finishes, as an
 * expert would write it: curl 7.88 parks transfers over CURLMOPT_MAX_HOST_CONNECTIONS on a
 * list that every curl_multi_remove_handle walks in full, which made a naive floor quadratic
 * (2.5x slower at 10,000 in flight). oneloop queues per host the same way. */
static int floor_window(int n) { return g_conns && (int)g_conns < n ? (int)g_conns : n; }

/* Both floors reuse what an expert's loop would keep: easy handles (as pycurl's users do)
 * and body buffers (oneloop recycles its own), so neither pays to create them per request. */
static CURL **spare_easy;
static size_t n_spare_easy, cap_spare_easy;

static void floor_easy_done(CURLM *m, CURL *e)
{
    curl_multi_remove_handle(m, e);
    if (n_spare_easy == cap_spare_easy) {
        cap_spare_easy = cap_spare_easy ? cap_spare_easy * 2 : 256;
        spare_easy = realloc(spare_easy, cap_spare_easy * sizeof *spare_easy);
    }
    spare_easy[n_spare_easy++] = e;
}

/* n empty body buffers, keeping the capacity of earlier batches. */
static buf *floor_bodies(int n)
{
    static buf *bodies;
    static int cap;
    if (n > cap) {
        bodies = realloc(bodies, (size_t)n * sizeof *bodies);
        memset(bodies + cap, 0, (size_t)(n - cap) * sizeof *bodies);
        cap = n;
    }
    for (int i = 0; i < n; i++) bodies[i].len = 0;
    return bodies;
}

static void add_floor_transfers(CURLM *m, const char *url, int from, int to, buf *bodies)
{
    for (int i = from; i < to; i++) {
        CURL *e = n_spare_easy ? spare_easy[--n_spare_easy] : curl_easy_init();
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, floor_write);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &bodies[i]);
        curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 60L * 1024); /* as oneloop: fewer recv calls */
        curl_multi_add_handle(m, e);
    }
}

static void *floor_open(void)
{
    CURLM *m = curl_multi_init();
    if (g_conns) curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)g_conns);
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)IDLE_CONNECTIONS);
    return m;
}

static int floor_batch(void *state, const char *url, int n)
{
    CURLM *m = state;
    buf *bodies = floor_bodies(n);
    int added = floor_window(n);
    add_floor_transfers(m, url, 0, added, bodies);
    int running = 1, bad = 0;
    while (running || added < n) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            long code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK || code != 200) bad++;
            floor_easy_done(m, msg->easy_handle);
            if (added < n) add_floor_transfers(m, url, added, added + 1, bodies), added++;
        }
        if (running) curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    return bad;
}

static void floor_close(void *state) { curl_multi_cleanup(state); }

/* ---- implementation 3 (diagnostic, --with-socket): raw libcurl driven like oneloop drives it,
 * curl_multi_socket_action + epoll, but on one thread and without libuv. */

#include <sys/epoll.h>

typedef struct sock_floor {
    CURLM *m;
    int ep;
    long timeout_ms;
} sock_floor;

static int sf_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)e;
    sock_floor *sf = userp;
    struct epoll_event ev = {0};
    ev.data.fd = fd;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(sf->ep, EPOLL_CTL_DEL, fd, NULL);
        curl_multi_assign(sf->m, fd, NULL);
        return 0;
    }
    if (what & CURL_POLL_IN) ev.events |= EPOLLIN;
    if (what & CURL_POLL_OUT) ev.events |= EPOLLOUT;
    if (epoll_ctl(sf->ep, socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST)
        epoll_ctl(sf->ep, EPOLL_CTL_MOD, fd, &ev);
    if (!socketp) curl_multi_assign(sf->m, fd, sf);
    return 0;
}

static int sf_timer(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    ((sock_floor *)userp)->timeout_ms = timeout_ms;
    return 0;
}

static void *sf_open(void)
{
    sock_floor *sf = calloc(1, sizeof *sf);
    sf->m = floor_open();
    sf->ep = epoll_create1(EPOLL_CLOEXEC);
    sf->timeout_ms = -1;
    curl_multi_setopt(sf->m, CURLMOPT_SOCKETFUNCTION, sf_socket);
    curl_multi_setopt(sf->m, CURLMOPT_SOCKETDATA, sf);
    curl_multi_setopt(sf->m, CURLMOPT_TIMERFUNCTION, sf_timer);
    curl_multi_setopt(sf->m, CURLMOPT_TIMERDATA, sf);
    return sf;
}

static int sf_batch(void *state, const char *url, int n)
{
    sock_floor *sf = state;
    buf *bodies = floor_bodies(n);
    int added = floor_window(n);
    add_floor_transfers(sf->m, url, 0, added, bodies);
    int running = n, done = 0, bad = 0;
    while (done < n) {
        struct epoll_event evs[64];
        int k = epoll_wait(sf->ep, evs, 64, sf->timeout_ms < 0 ? 1000 : (int)sf->timeout_ms);
        if (k <= 0) curl_multi_socket_action(sf->m, CURL_SOCKET_TIMEOUT, 0, &running);
        for (int i = 0; i < k; i++) {
            int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                        (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                        (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(sf->m, evs[i].data.fd, flags, &running);
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(sf->m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            long code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK || code != 200) bad++;
            floor_easy_done(sf->m, msg->easy_handle);
            done++;
            if (added < n) add_floor_transfers(sf->m, url, added, added + 1, bodies), added++;
        }
    }
    return bad;
}

static void sf_close(void *state)
{
    sock_floor *sf = state;
    curl_multi_cleanup(sf->m);
    close(sf->ep);
    free(sf);
}

static const impl impls[] = {
    {"oneloop", ol_open, ol_batch, ol_close},
    {"curl-multi", floor_open, floor_batch, floor_close},
    {"curl-socket", sf_open, sf_batch, sf_close},                 /* diagnostic: --socket-floor */
    {"oneloop-countdown", ol_open, ol_batch_countdown, ol_close}, /* diagnostic: --countdown */
    {"oneloop-host-driven", ol_open_host_driven, ol_batch_host_driven,
     ol_close}, /* --host-driven */
};

/* ---- rows */

typedef struct row {
    double cpu_us_per_req, wall_ms_per_batch;
    long requests;
    int errors;
} row;

static row run_row(const impl *im, const char *url, int inflight)
{
    row r = {0};
    void *st = im->open();
    int batches = (int)((g_requests + inflight - 1) / inflight);
    if (batches < 1) batches = 1;
    r.errors += im->batch(st, url, inflight < 100 ? inflight : 100); /* warm: connections up */
    double c0 = cpu_s(), t0 = now_s();
    for (int b = 0; b < batches; b++) r.errors += im->batch(st, url, inflight);
    double c1 = cpu_s(), t1 = now_s();
    im->close(st);
    r.requests = (long)batches * inflight;
    r.cpu_us_per_req = (c1 - c0) * 1e6 / r.requests;
    r.wall_ms_per_batch = (t1 - t0) * 1e3 / batches;
    return r;
}

/* The shared machines are noisy and interference only ever adds time: each row runs ROUNDS
 * times, alternating the implementations, and the best round (least CPU per request) of each
 * is reported. */
#define ROUNDS 5
static int by_cpu(const void *x, const void *y)
{
    double a = ((const row *)x)->cpu_us_per_req, b = ((const row *)y)->cpu_us_per_req;
    return a < b ? -1 : a > b;
}
static row best(row *rows)
{
    int errors = 0;
    for (int i = 0; i < ROUNDS; i++) errors += rows[i].errors;
    qsort(rows, ROUNDS, sizeof *rows, by_cpu);
    row m = rows[0];
    m.errors = errors;
    return m;
}

/* Peak RSS delta per in-flight request over one batch, in a fresh child process. */
static double mem_per_request(const impl *im, const char *url, int inflight)
{
    int p[2];
    if (pipe(p)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        void *st = im->open();
        im->batch(st, url, 100); /* warm up the library, the loop and the connections */
        long base = rss_kb();
        peak_rss = base;
        sampling = 1;
        pthread_t th;
        pthread_create(&th, NULL, sampler, NULL);
        im->batch(st, url, inflight);
        sampling = 0;
        pthread_join(th, NULL);
        double per = (double)(peak_rss - base) * 1024.0 / inflight;
        if (write(p[1], &per, sizeof per) != sizeof per) _exit(1);
        im->close(st);
        _exit(0);
    }
    close(p[1]);
    double per = -1;
    if (read(p[0], &per, sizeof per) != sizeof per) per = -1;
    close(p[0]);
    waitpid(pid, NULL, 0);
    return per;
}

int main(int argc, char **argv)
{
    int quick = 0, only = 0, no_mem = 0;
    const char *only_impl = NULL;
    int only_body = -1; /* 0: 300 B, 1: 100 KB */
    const impl *floor_impl = &impls[1], *main_impl = &impls[0];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--conns") && i + 1 < argc)
            g_conns = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--requests") && i + 1 < argc)
            g_requests = atol(argv[++i]);
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-mem"))
            no_mem = 1;
        else if (!strcmp(argv[i], "--impl") && i + 1 < argc)
            only_impl = argv[++i]; /* profiling */
        else if (!strcmp(argv[i], "--body") && i + 1 < argc)
            only_body = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--socket-floor"))
            floor_impl = &impls[2];
        else if (!strcmp(argv[i], "--countdown"))
            main_impl = &impls[3];
        else if (!strcmp(argv[i], "--host-driven"))
            main_impl = &impls[4];
        else {
            fprintf(stderr,
                    "usage: %s [--conns N] [--requests N] [--quick] [--only IN_FLIGHT] "
                    "[--no-mem]\n",
                    argv[0]);
            return 2;
        }
    }
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max; /* sockets for 10,000 in flight, also for the fixture */
    setrlimit(RLIMIT_NOFILE, &rl);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    int port = fixture_start();
    if (port <= 0) {
        fprintf(stderr, "cannot start the fixture server %s\n", OL_FIXTURE_SERVER);
        return 1;
    }
    const char *paths[] = {"/json", "/bytes/102400"};
    const char *labels[] = {"300 B", "100 KB"};
    const int inflights[] = {1, 100, 1000, 10000};
    char url[128];

    /* Memory first, in fresh children, before this process has any threads. */
    double mem[2][2] = {{-1, -1}, {-1, -1}};
    for (int p = 0; p < 2 && !no_mem; p++) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, paths[p]);
        for (int k = 0; k < 2; k++) mem[p][k] = mem_per_request(&impls[k], url, 10000);
    }

    printf("oneloop HTTP benchmark: fixture on 127.0.0.1:%d, per-host connections %s%u, "
           "%ld requests per row, best of %d interleaved rounds, libcurl %s\n",
           port, g_conns ? "" : "unlimited ", g_conns, g_requests, ROUNDS,
           curl_version_info(CURLVERSION_NOW)->version);
    printf("%-7s %9s | %12s %12s %7s | %12s %12s %7s | %s\n", "body", "in flight", "oneloop us",
           "floor us", "ratio", "oneloop ms", "floor ms", "ratio", "errors");
    printf("%-7s %9s | %12s %12s %7s | %12s %12s %7s |\n", "", "", "CPU/req", "CPU/req", "CPU",
           "wall/batch", "wall/batch", "wall");
    for (int p = 0; p < 2; p++) {
        if (only_body >= 0 && p != only_body) continue;
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, paths[p]);
        for (size_t k = 0; k < sizeof inflights / sizeof inflights[0]; k++) {
            int n = inflights[k];
            if ((quick && n > 1000) || (only && n != only)) continue;
            row none = {0}, ra[ROUNDS], rb[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) { /* interleaved: same noise for both */
                ra[round] = !only_impl || !strcmp(only_impl, main_impl->name)
                                ? run_row(main_impl, url, n)
                                : none;
                rb[round] = !only_impl || !strcmp(only_impl, floor_impl->name)
                                ? run_row(floor_impl, url, n)
                                : none;
            }
            row a = best(ra), b = best(rb);
            printf("%-7s %9d | %12.1f %12.1f %7.2f | %12.2f %12.2f %7.2f | %d/%d\n", labels[p], n,
                   a.cpu_us_per_req, b.cpu_us_per_req, a.cpu_us_per_req / b.cpu_us_per_req,
                   a.wall_ms_per_batch, b.wall_ms_per_batch,
                   a.wall_ms_per_batch / b.wall_ms_per_batch, a.errors, b.errors);
            fflush(stdout);
        }
    }
    printf("\nresident memory per in-flight request at 10,000 (peak RSS delta / 10,000, bodies "
           "held until the batch ends):\n");
    for (int p = 0; p < 2; p++)
        printf("  %-7s oneloop %8.0f B   curl-multi %8.0f B\n", labels[p], mem[p][0], mem[p][1]);
    fixture_stop();
    return 0;
}
