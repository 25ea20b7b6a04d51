/* Exits with a mix of jobs in flight on the default loop, HTTPS included (C23, issue 13.1):
 * 64-200 HTTPS GETs to nginx (half trusting the test CA, half the system bundle, so that
 * handshakes load CA files), a few streamed HTTPS bodies, timers and work jobs. It waits a
 * random 0-40 ms, then exits by the path named on the command line. Run many times by
 * test_http_exit.cpp; any signal (the SIGSEGV of OpenSSL's exit cleanup racing a handshake
 * on the loop thread) or a hang is a failure.
 *
 * usage: exit_with_https PORT CA_FILE SEED return|exit|exit-from-thread|exit-from-loop-thread */
#include <oneloop.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int sleepy_work(void *arg, void **value, ol_free_fn *value_free, int64_t *value_int)
{
    (void)arg;
    (void)value;
    (void)value_free;
    (void)value_int;
    sleep_ms(50);
    return OL_OK;
}

/* Futures kept at exit (reachable, so LeakSanitizer does not count them); others released. */
static ol_future *held[256];
static size_t n_held;

static void hold_or_release(ol_future *f)
{
    if (n_held < sizeof held / sizeof held[0] && rand() % 2)
        held[n_held++] = f;
    else
        ol_future_release(f);
}

static int submit_https(ol_loop *loop, const char *url, const char *ca_file, bool stream)
{
    ol_job *job = NULL;
    if (ol_http_job_new(&job, "GET", url) != OL_OK) return -1;
    if (ca_file && ol_job_set_str(job, OL_HTTP_CA_FILE, ca_file) != OL_OK) return -1;
    if (stream) {
        static ol_iter *streams[8]; /* never read; kept reachable */
        static size_t n_streams;
        return n_streams < 8 && ol_job_submit_iter(loop, job, 4, &streams[n_streams++]) == OL_OK
                   ? 0
                   : -1;
    }
    ol_future *f = NULL;
    if (ol_job_submit(loop, job, &f) != OL_OK) return -1;
    hold_or_release(f);
    return 0;
}

static int submit_mix(int port, const char *ca_file)
{
    ol_loop *loop = ol_loop_default();
    if (!loop) return -1;
    char hello[128], big[128];
    snprintf(hello, sizeof hello, "https://localhost:%d/hello.txt", port);
    snprintf(big, sizeof big, "https://localhost:%d/100k.bin", port);
    int n_https = 64 + rand() % 137; /* 64..200 */
    for (int i = 0; i < n_https; i++)
        if (submit_https(loop, hello, i % 2 ? ca_file : NULL, false) != 0) return -1;
    for (int i = 0; i < 4; i++)
        if (submit_https(loop, big, ca_file, true) != 0) return -1;
    for (int i = 0; i < 20; i++) {
        ol_job *job = NULL;
        ol_future *f = NULL;
        if (ol_job_timer_new(&job, (uint64_t)(rand() % 60)) != OL_OK ||
            ol_job_submit(loop, job, &f) != OL_OK)
            return -1;
        hold_or_release(f);
        if (ol_job_work_new(&job, sleepy_work, NULL, NULL) != OL_OK ||
            ol_job_submit(loop, job, &f) != OL_OK)
            return -1;
        hold_or_release(f);
    }
    return 0;
}

static void *exit_now(void *arg)
{
    (void)arg;
    exit(0);
}

static void exit_from_callback(ol_future *f, void *user_data)
{
    (void)f;
    (void)user_data;
    exit(0); /* on the loop thread: it parks nothing of its own, the others park */
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr,
                "usage: %s PORT CA_FILE SEED return|exit|exit-from-thread|"
                "exit-from-loop-thread\n",
                argv[0]);
        return 2;
    }
    srand((unsigned)strtoul(argv[3], NULL, 10));
    const char *how = argv[4];
    if (submit_mix(atoi(argv[1]), argv[2]) != 0) return 3;
    if (strcmp(how, "exit-from-loop-thread") == 0) {
        ol_job *job = NULL;
        static ol_future *f;
        if (ol_job_timer_new(&job, (uint64_t)(rand() % 41)) != OL_OK ||
            ol_job_submit(ol_loop_default(), job, &f) != OL_OK ||
            ol_future_on_done(f, exit_from_callback, NULL) != OL_OK)
            return 5;
        for (;;) sleep_ms(1000);
    }
    sleep_ms((unsigned)(rand() % 41));
    if (strcmp(how, "exit") == 0) exit(0);
    if (strcmp(how, "exit-from-thread") == 0) {
        /* exit() from another thread while main still runs (and keeps submitting). */
        pthread_t t;
        if (pthread_create(&t, NULL, exit_now, NULL) != 0) return 4;
        for (;;) {
            submit_https(ol_loop_default(), "https://localhost:1/", NULL, false);
            sleep_ms(1);
        }
    }
    return 0; /* "return": exit from main */
}
