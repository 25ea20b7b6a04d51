/* Exits from main with jobs in flight on the default loop (C23). Run by test_fork.cpp as a
 * process of its own, so that exit() meets nothing but oneloop.
 *   exit_with_jobs                 1000 timers in flight
 *   exit_with_jobs queued-work F   100 work jobs of 200 ms (most still queued in libuv's pool);
 *                                  each one that runs appends a byte to file F
 *   exit_with_jobs shutdown-at-exit  an atexit handler that runs after the library's own
 *                                  shuts the default loop and an OL_LOOP_NO_THREAD loop down:
 *                                  both calls must return, not hang */
#include <fcntl.h>
#include <oneloop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *marks_path;

static int mark_and_sleep(void *arg, void **value, ol_free_fn *value_free, int64_t *value_int)
{
    (void)arg;
    (void)value;
    (void)value_free;
    (void)value_int;
    int fd = open(marks_path, O_WRONLY | O_APPEND);
    if (fd >= 0) {
        if (write(fd, "w", 1) != 1) { /* the test then sees fewer marks: it checks an upper bound */
        }
        close(fd);
    }
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    return OL_OK;
}

static int exit_with_queued_work(ol_loop *loop)
{
    for (int i = 0; i < 100; i++) {
        ol_job *job = NULL;
        ol_future *f = NULL;
        if (ol_job_work_new(&job, mark_and_sleep, NULL, NULL) != OL_OK ||
            ol_job_submit(loop, job, &f) != OL_OK)
            return 2;
    }
    /* Exit once the pool is busy: the first job has started. */
    for (int i = 0; i < 5000; i++) {
        FILE *marks = fopen(marks_path, "r");
        int started = marks && fgetc(marks) != EOF;
        if (marks) fclose(marks);
        if (started) break;
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    puts("exiting with 100 work jobs in flight");
    return 0;
}

static ol_loop *own_loop; /* OL_LOOP_NO_THREAD, driven by this (the exiting) thread */

/* Registered before the library's handler, so it runs after the loop thread parked. */
static void shutdown_late(void)
{
    if (ol_loop_shutdown(own_loop, 0) != OL_ETIMEDOUT) _exit(31); /* runs here, not parked */
    if (ol_loop_shutdown(ol_loop_default(), 1000) != OL_ECLOSED) _exit(30);
}

static int start_own_loop(void)
{
    ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
    opts.flags = OL_LOOP_NO_THREAD;
    ol_job *job = NULL;
    ol_future *f = NULL;
    if (ol_loop_new(&own_loop, &opts) != OL_OK || ol_job_timer_new(&job, 600000) != OL_OK ||
        ol_job_submit(own_loop, job, &f) != OL_OK)
        return -1;
    ol_future_release(f); /* legal while pending: the loop frees it at shutdown */
    ol_loop_run(own_loop, OL_RUN_NOWAIT);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "shutdown-at-exit") == 0) {
        atexit(shutdown_late);
        if (start_own_loop() != 0) return 3;
    }
    ol_loop *loop = ol_loop_default();
    if (argc == 3 && strcmp(argv[1], "queued-work") == 0) {
        marks_path = argv[2];
        return exit_with_queued_work(loop);
    }
    for (int i = 0; i < 1000; i++) {
        ol_job *job = NULL;
        ol_future *f = NULL;
        if (ol_job_timer_new(&job, 600000) != OL_OK || ol_job_submit(loop, job, &f) != OL_OK)
            return 2;
        if (i % 2) ol_future_release(f); /* the other half stay referenced */
    }
    puts("exiting with 1000 timers in flight");
    return 0;
}
