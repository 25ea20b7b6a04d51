/* Entry points for one-shot jobs: sleep and HTTP requests, as promises (an op id that
 * index.js maps to a promise) or blocking (the result itself). */
#include "olnode.h"

static olnode_env *env_or_throw(napi_env env) { return olnode_env_with_loop(env); }

/* Submit and track: returns the op id as a JS number. */
static napi_value submit_tracked(napi_env env, olnode_env *e, ol_job *job, int kind)
{
    ol_future *f = NULL;
    uint32_t id;
    int rc = ol_job_submit(e->loop, job, &f);
    if (rc != OL_OK) return olnode_throw_status(env, rc, NULL);
    if (olnode_op_track(e, f, kind, &id) != OL_OK) return olnode_throw_status(env, OL_ENOMEM, NULL);
    napi_value v;
    napi_create_uint32(env, id, &v);
    return v;
}

/* Submit and block this thread until it settles. */
static ol_future *submit_and_wait(napi_env env, olnode_env *e, ol_job *job)
{
    ol_future *f = NULL;
    int rc = ol_job_submit(e->loop, job, &f);
    if (rc != OL_OK) {
        olnode_throw_status(env, rc, NULL);
        return NULL;
    }
    rc = olnode_wait_future(e, f);
    if (rc != OL_OK || ol_future_status(f) != OL_OK) {
        if (rc == OL_OK)
            olnode_throw_status(env, ol_future_status(f), ol_future_error_message(f));
        else if (olnode_env_alive(e))
            olnode_throw_status(env, rc, NULL);
        ol_future_release(f);
        return NULL;
    }
    return f;
}

static bool timer_job_from_arg(napi_env env, napi_callback_info info, ol_job **job)
{
    size_t argc = 1;
    napi_value arg;
    int64_t ms;
    if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok) return false;
    if (argc < 1 || !olnode_arg_int64(env, arg, "ms", &ms)) return false;
    if (ms < 0) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "ms must be >= 0");
        return false;
    }
    int rc = ol_job_timer_new(job, (uint64_t)ms);
    if (rc != OL_OK) olnode_throw_status(env, rc, NULL);
    return rc == OL_OK;
}

napi_value olnode_fn_sleep(napi_env env, napi_callback_info info)
{
    olnode_env *e = env_or_throw(env);
    ol_job *job;
    if (!e || !timer_job_from_arg(env, info, &job)) return NULL;
    return submit_tracked(env, e, job, OLNODE_OP_TIMER);
}

napi_value olnode_fn_sleep_sync(napi_env env, napi_callback_info info)
{
    olnode_env *e = env_or_throw(env);
    ol_job *job;
    if (!e || !timer_job_from_arg(env, info, &job)) return NULL;
    ol_future *f = submit_and_wait(env, e, job);
    ol_future_release(f);
    return NULL;
}

static bool http_job_from_info(napi_env env, napi_callback_info info, ol_job **job)
{
    size_t argc = 5;
    napi_value argv[5];
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
    for (size_t i = argc; i < 5; i++) napi_get_undefined(env, &argv[i]);
    return olnode_http_job_from_args(env, argv, job);
}

napi_value olnode_fn_http_request(napi_env env, napi_callback_info info)
{
    olnode_env *e = env_or_throw(env);
    ol_job *job;
    if (!e || !http_job_from_info(env, info, &job)) return NULL;
    return submit_tracked(env, e, job, OLNODE_OP_HTTP);
}

napi_value olnode_fn_http_request_sync(napi_env env, napi_callback_info info)
{
    olnode_env *e = env_or_throw(env);
    ol_job *job;
    if (!e || !http_job_from_info(env, info, &job)) return NULL;
    ol_future *f = submit_and_wait(env, e, job);
    if (!f) return NULL;
    napi_value rec = olnode_response_record(env, f);
    ol_future_release(f); /* a zero-copy body Buffer holds its own reference */
    return rec;
}
