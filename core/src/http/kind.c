/* The HTTP job kind: its operations, its public constructors, and its state in each loop (a
 * kind slot of runtime.h: made by the kind's first job in a loop, closed at shutdown). The
 * process-wide setup (curl_global_init) happens here, once. */
#include "http.h"

#include <stdlib.h>

/* ---- once per process: libcurl (threading rule 6, docs/threading.md) and the kind's slot */

static void *loop_init(ol_loop *loop) { return ol__http_ctx_new(loop); }
static void loop_close(ol_loop *loop, void *ctx)
{
    (void)loop;
    ol__http_ctx_close(ctx);
}
static void loop_stats(uint64_t connections, ol_loop_stats *stats)
{
    stats->http_connections = connections;
}

static const ol_kind_hooks kind_hooks = {
    .init = loop_init, .close = loop_close, .stats = loop_stats};

static int slot;
static pthread_once_t process_once = PTHREAD_ONCE_INIT;
static void process_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ol__exit_hook_after_global_init(); /* runs before the atexit cleanup curl set up */
    slot = ol__kind_register(&kind_hooks);
}

ol_http_ctx *ol__http_ctx_get(ol_loop *loop) { return ol__kind_state_get(loop, slot); }
ol_http_ctx *ol__http_ctx_of(ol_loop *loop) { return ol__kind_state(loop, slot); }
void ol__http_count_connections(ol_loop *loop, uint64_t n) { ol__kind_count(loop, slot, n); }

/* ---- the job's operations (loop thread, except destroy and the setters) */

static int http_start(ol_job *job)
{
    ol_http_job *h = job->data;
    ol_http_ctx *ctx = ol__http_ctx_get(job->loop);
    h->resp = ol__response_new();
    if (!ctx || !h->resp) return OL_ENOMEM;
    int rc = ol__http_admit_and_begin(job, h, ctx);
    if (rc != OL_OK) ol__task_finish(job, rc, NULL, NULL, 0, h->errbuf[0] ? h->errbuf : NULL);
    return rc;
}

static void http_cancel(ol_job *job)
{
    ol__http_release_easy(job, job->data, false);
    ol__http_leave_host(job, job->data);
    ol__task_finish(job, OL_ECANCELED, NULL, NULL, 0, NULL);
}

static void http_resume(ol_job *job) { ol__http_transfer_resume(job); }

static void http_destroy(ol_job *job)
{
    ol_http_job *h = job->data;
    if (!h) return;
    if (h->easy) curl_easy_cleanup(h->easy); /* not reached: finished transfers release it */
    ol__decoder_free(h->decoder);
    free(h->held);
    ol__response_free(h->resp);
    ol__http_request_clear(&h->req);
    free(h);
}

static int http_set_int(ol_job *job, int option, int64_t value)
{
    return ol__http_request_set_int(&((ol_http_job *)job->data)->req, option, value);
}

static int http_set_str(ol_job *job, int option, const char *value)
{
    return ol__http_request_set_str(&((ol_http_job *)job->data)->req, option, value);
}

static int http_set_bytes(ol_job *job, int option, const void *data, size_t len)
{
    return ol__http_request_set_bytes(&((ol_http_job *)job->data)->req, option, data, len);
}

static const ol_job_ops http_ops = {
    .start = http_start,
    .cancel = http_cancel,
    .resume = http_resume,
    .destroy = http_destroy,
    .set_int = http_set_int,
    .set_str = http_set_str,
    .set_bytes = http_set_bytes,
};

/* ---- public constructors */

int ol_http_job_new(ol_job **out, const char *method, const char *url)
{
    if (!out) return OL_EINVAL;
    *out = NULL;
    if (!url) return OL_EINVAL;
    pthread_once(&process_once, process_init);
    ol_http_job *h = calloc(1, sizeof *h);
    ol_job *job = h ? ol__job_alloc(OL_JOB_HTTP, &http_ops) : NULL;
    if (!job) {
        free(h);
        return OL_ENOMEM;
    }
    ol__http_request_init(&h->req);
    h->job = job;
    job->data = h;
    int rc = ol__http_request_set_str(&h->req, OL_HTTP_URL, url);
    if (rc == OL_OK && method) rc = ol__http_request_set_method(&h->req, method);
    if (rc != OL_OK) {
        ol__job_destroy(job);
        return rc;
    }
    *out = job;
    return OL_OK;
}

int ol_http_job_set_body_borrowed(ol_job *job, const void *data, size_t len, ol_free_fn free_fn,
                                  void *user_data)
{
    if (!job || job->kind != OL_JOB_HTTP || job->ops != &http_ops || (!data && len))
        return OL_EINVAL;
    ol_http_request *r = &((ol_http_job *)job->data)->req;
    ol__http_request_drop_body(r);
    r->body = data;
    r->body_len = len;
    r->body_set = true;
    r->body_free = free_fn;
    r->body_user = user_data;
    return OL_OK;
}
