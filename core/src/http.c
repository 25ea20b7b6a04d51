/* Placeholder until the HTTP kind lands (issue: HTTP jobs over libcurl). */
#include "internal.h"

int ol__http_loop_close(ol_loop *loop)
{
    (void)loop;
    return OL_OK;
}

int ol_http_job_new(ol_job **out, const char *method, const char *url)
{
    (void)method;
    (void)url;
    if (out) *out = NULL;
    return OL_ENOTSUP;
}
