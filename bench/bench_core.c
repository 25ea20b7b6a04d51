/* Core executor benchmark: round trip of a trivial job from one thread, against two floors
 * measured in the same run (an eventfd ping-pong and a mutex + condition variable ping-pong
 * between two threads), then throughput with 1, 2, 4 and 8 submitting threads.
 * Prints figures; asserts nothing. */
#define _GNU_SOURCE
#include <oneloop.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 20000, WARMUP = 2000 };

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU of the whole process (every thread: ours, the loop's, the partner's). */
static int64_t cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct result {
    const char *name;
    double p50_us, p99_us, cpu_us;
} result;

static result summarize(const char *name, int64_t *samples, int n, int64_t cpu)
{
    qsort(samples, (size_t)n, sizeof *samples, cmp_i64);
    result r = {name, samples[n / 2] / 1e3, samples[n * 99 / 100] / 1e3, cpu / 1e3 / n};
    return r;
}

/* ---- floor 1: eventfd ping-pong */
static int efd_ping, efd_pong;

static void *eventfd_partner(void *arg)
{
    (void)arg;
    uint64_t v;
    for (int i = 0; i < ROUNDS + WARMUP; i++) {
        if (read(efd_ping, &v, sizeof v) != sizeof v) break;
        v = 1;
        if (write(efd_pong, &v, sizeof v) != sizeof v) break;
    }
    return NULL;
}

static result bench_eventfd(int64_t *samples)
{
    efd_ping = eventfd(0, 0);
    efd_pong = eventfd(0, 0);
    pthread_t th;
    pthread_create(&th, NULL, eventfd_partner, NULL);
    int64_t cpu0 = 0;
    for (int i = 0; i < ROUNDS + WARMUP; i++) {
        if (i == WARMUP) cpu0 = cpu_ns();
        int64_t t0 = now_ns();
        uint64_t v = 1;
        if (write(efd_ping, &v, sizeof v) != sizeof v) abort();
        if (read(efd_pong, &v, sizeof v) != sizeof v) abort();
        if (i >= WARMUP) samples[i - WARMUP] = now_ns() - t0;
    }
    int64_t cpu = cpu_ns() - cpu0;
    pthread_join(th, NULL);
    close(efd_ping);
    close(efd_pong);
    return summarize("eventfd ping-pong (floor)", samples, ROUNDS, cpu);
}

/* ---- floor 2: mutex + condition variable ping-pong */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_ping = PTHREAD_COND_INITIALIZER, cv_pong = PTHREAD_COND_INITIALIZER;
static int turn; /* 1: partner's turn, 0: ours */

static void *condvar_partner(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS + WARMUP; i++) {
        pthread_mutex_lock(&mu);
        while (turn != 1) pthread_cond_wait(&cv_ping, &mu);
        turn = 0;
        pthread_cond_signal(&cv_pong);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

static result bench_condvar(int64_t *samples)
{
    pthread_t th;
    pthread_create(&th, NULL, condvar_partner, NULL);
    int64_t cpu0 = 0;
    for (int i = 0; i < ROUNDS + WARMUP; i++) {
        if (i == WARMUP) cpu0 = cpu_ns();
        int64_t t0 = now_ns();
        pthread_mutex_lock(&mu);
        turn = 1;
        pthread_cond_signal(&cv_ping);
        while (turn != 0) pthread_cond_wait(&cv_pong, &mu);
        pthread_mutex_unlock(&mu);
        if (i >= WARMUP) samples[i - WARMUP] = now_ns() - t0;
    }
    int64_t cpu = cpu_ns() - cpu0;
    pthread_join(th, NULL);
    return summarize("mutex+condvar ping-pong", samples, ROUNDS, cpu);
}

/* ---- oneloop: a custom job that finishes at once on the loop thread */
static int finish_at_once(ol_task *task, void *user)
{
    (void)user;
    return ol_task_finish(task, OL_OK, NULL, NULL, 0, NULL);
}
static const ol_custom_ops trivial_ops = {OL_CUSTOM_OPS_VERSION, finish_at_once, NULL, NULL, NULL};

static ol_future *submit_trivial(ol_loop *loop)
{
    ol_job *job = NULL;
    ol_future *f = NULL;
    if (ol_job_custom_new(&job, &trivial_ops, NULL) != OL_OK) abort();
    if (ol_job_submit(loop, job, &f) != OL_OK) abort();
    return f;
}

static result bench_roundtrip(ol_loop *loop, int64_t *samples)
{
    int64_t cpu0 = 0;
    for (int i = 0; i < ROUNDS + WARMUP; i++) {
        if (i == WARMUP) cpu0 = cpu_ns();
        int64_t t0 = now_ns();
        ol_future *f = submit_trivial(loop);
        if (ol_future_wait(f, -1) != OL_OK) abort();
        ol_future_release(f);
        if (i >= WARMUP) samples[i - WARMUP] = now_ns() - t0;
    }
    return summarize("oneloop submit+wait", samples, ROUNDS, cpu_ns() - cpu0);
}

/* ---- throughput: threads submitting batches of 100, waiting with ol_wait_all */
enum { BATCH = 100 };
typedef struct tp_arg {
    ol_loop *loop;
    int batches;
} tp_arg;

static void *throughput_worker(void *p)
{
    tp_arg *a = p;
    ol_future *fs[BATCH];
    for (int b = 0; b < a->batches; b++) {
        for (int i = 0; i < BATCH; i++) fs[i] = submit_trivial(a->loop);
        if (ol_wait_all(fs, BATCH, -1) != OL_OK) abort();
        for (int i = 0; i < BATCH; i++) ol_future_release(fs[i]);
    }
    return NULL;
}

static void bench_throughput(ol_loop *loop, int threads, int total_jobs)
{
    pthread_t th[8];
    tp_arg arg = {loop, total_jobs / BATCH / threads};
    int64_t t0 = now_ns(), c0 = cpu_ns();
    for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, throughput_worker, &arg);
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    int64_t wall = now_ns() - t0, cpu = cpu_ns() - c0;
    long jobs = (long)arg.batches * BATCH * threads;
    printf("  %d thread%s  %9.0f jobs/s   %6.2f us CPU/job   %7.1f us wall/batch of %d\n", threads,
           threads > 1 ? "s" : " ", jobs / (wall / 1e9), cpu / 1e3 / jobs,
           wall / 1e3 / ((double)jobs / BATCH / threads), BATCH);
}

int main(int argc, char **argv)
{
    int total = argc > 1 ? atoi(argv[1]) : 400000;
    int64_t *samples = malloc(sizeof *samples * ROUNDS);
    ol_loop *loop = ol_loop_default();
    printf("oneloop %s core benchmark (%d round trips per row; CPU = whole process)\n\n",
           ol_version_string(), ROUNDS);
    result rows[3];
    rows[0] = bench_eventfd(samples);
    rows[1] = bench_condvar(samples);
    rows[2] = bench_roundtrip(loop, samples);
    printf("%-28s %9s %9s %12s %14s\n", "round trip", "p50 us", "p99 us", "CPU us/trip",
           "p50 / eventfd");
    for (int i = 0; i < 3; i++)
        printf("%-28s %9.1f %9.1f %12.1f %13.2fx\n", rows[i].name, rows[i].p50_us, rows[i].p99_us,
               rows[i].cpu_us, rows[i].p50_us / rows[0].p50_us);
    printf("\nthroughput: each thread submits batches of %d trivial jobs and waits with "
           "ol_wait_all (%d jobs per row)\n",
           BATCH, total);
    for (int threads = 1; threads <= 8; threads *= 2) bench_throughput(loop, threads, total);
    free(samples);
    return 0;
}
