/* The process-wide loop's options: ol_loop_default_configure before it starts, else the
 * environment (ONELOOP_MAX_*), else the defaults. A process per mode, since the default loop
 * is started once per process:
 *   default_loop_options configure | env | defaults   (env: run with the two variables set)
 * and the first ol_loop_default() with only N descriptors free (it returns NULL or a working
 * loop, never aborts; with the descriptors back, the next call starts the loop):
 *   default_loop_options few-fds N */
#include <oneloop.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "support/c_check.h"

static ol_loop_options effective(void)
{
    ol_loop_options got;
    memset(&got, 0xff, sizeof got);
    got.version = OL_LOOP_OPTIONS_VERSION;
    CHECK(ol_loop_options_get(ol_loop_default(), &got) == OL_OK);
    return got;
}

/* A loop that runs a timer, or NULL. */
static void check_loop_works(ol_loop *loop)
{
    ol_job *job = NULL;
    ol_future *f = NULL;
    CHECK(ol_job_timer_new(&job, 1) == OL_OK);
    CHECK(ol_job_submit(loop, job, &f) == OL_OK);
    CHECK(ol_future_wait(f, 5000) == OL_OK && ol_future_status(f) == OL_OK);
    ol_future_release(f);
}

static int few_fds(int free_fds)
{
    struct rlimit rl = {64, 64};
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    int fillers[64], n = 0, fd;
    while (n < 64 && (fd = dup(2)) >= 0) fillers[n++] = fd;
    for (int i = 0; i < free_fds && n > 0; i++) close(fillers[--n]);
    ol_loop *loop = ol_loop_default(); /* libuv aborted here with 1 or 2 descriptors free */
    const char *first = loop ? "a loop" : "NULL";
    if (loop) check_loop_works(loop);
    while (n > 0) close(fillers[--n]);
    loop = ol_loop_default();
    CHECK(loop != NULL);
    if (loop) check_loop_works(loop);
    if (check_failures == 0)
        printf("default loop with %d descriptors free: %s first, then a loop: ok\n", free_fds,
               first);
    return check_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "few-fds") == 0 && argc > 2) return few_fds(atoi(argv[2]));
    ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
    if (strcmp(mode, "configure") == 0) {
        ol_loop_options bad = opts;
        bad.version = 0;
        CHECK(ol_loop_default_configure(&bad) == OL_EINVAL);
        CHECK(ol_loop_default_configure(NULL) == OL_EINVAL);
        bad = opts;
        bad.flags = OL_LOOP_NO_THREAD; /* the shared loop always has its own thread */
        CHECK(ol_loop_default_configure(&bad) == OL_EINVAL);
        opts.max_connections = 40;
        opts.max_host_connections = 0;
        CHECK(ol_loop_default_configure(&opts) == OL_OK); /* wins over the environment */
        ol_loop_options got = effective();
        CHECK(got.max_connections == 40 && got.max_host_connections == 0);
        CHECK(ol_loop_default_configure(&opts) == OL_EALREADY); /* it runs now */
    } else if (strcmp(mode, "env") == 0) {
        ol_loop_options got = effective(); /* ONELOOP_MAX_CONNECTIONS=12, ..._HOST_...=3 */
        CHECK(got.max_connections == 12 && got.max_host_connections == 3);
    } else if (strcmp(mode, "bad-env") == 0) {
        ol_loop_options got = effective(); /* unparsable values keep the defaults */
        CHECK(got.max_connections == 0);
        CHECK(got.max_host_connections == OL_LOOP_DEFAULT_MAX_HOST_CONNECTIONS);
    } else {
        fprintf(stderr, "usage: %s configure|env|bad-env\n", argv[0]);
        return 2;
    }
    ol_loop_options nothing = {0};
    CHECK(ol_loop_options_get(ol_loop_default(), &nothing) == OL_EINVAL); /* version unset */
    CHECK(ol_loop_options_get(NULL, &opts) == OL_EINVAL);
    if (check_failures == 0) printf("default loop options (%s): ok\n", mode);
    return check_failures ? 1 : 0;
}
