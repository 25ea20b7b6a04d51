/* The process-wide loop's options: ol_loop_default_configure before it starts, else the
 * environment (ONELOOP_MAX_*), else the defaults. A process per mode, since the default loop
 * is started once per process:
 *   default_loop_options configure | env | defaults   (env: run with the two variables set) */
#include <oneloop.h>

#include <stdio.h>
#include <string.h>

#include "support/c_check.h"

static ol_loop_options effective(void)
{
    ol_loop_options got;
    memset(&got, 0xff, sizeof got);
    got.version = OL_LOOP_OPTIONS_VERSION;
    CHECK(ol_loop_options_get(ol_loop_default(), &got) == OL_OK);
    return got;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
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
