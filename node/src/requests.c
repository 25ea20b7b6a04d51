/* Entry points for one-shot jobs: sleep and HTTP requests. One path for all of them: build the
 * job from the call's arguments, submit it, then hand back its outcome in one of two ways:
 *   - as an op id that lib/dispatch.js maps to a promise (the outcome comes later, through
 *     the env's completion queue: ops.c);
 *   - blocking this thread until the job settles, and returning the outcome itself (the *Sync
 *     calls, meant for worker threads).
 * Both hand JS the same value (olnode_op_value) or the same error. */
#include "olnode.h"

/* Builds an unsubmitted job from the call's arguments; false with a JS error thrown. */
typedef bool (*job_builder)(napi_env env, napi_callback_info info, ol_job **job);

typedef enum delivery { AS_PROMISE, BLOCKING } delivery;

/* The op id JS awaits; the op owns the future from here on. */
static napi_value track(napi_env env, olnode_env *e, ol_future *f, int kind)
{
    uint32_t id;
    if (olnode_op_track(e, f, kind, &id) != OL_OK) return olnode_throw_status(env, OL_ENOMEM, NULL);
    napi_value v;
    napi_create_uint32(env, id, &v);
    return v;
}

/* Blocks this thread until f settles, then returns its value or throws its error. Nothing is
 * thrown when the env is terminating: it can no longer run JS. */
static napi_value wait_for(napi_env env, olnode_env *e, ol_future *f, int kind)
{
    napi_value value = NULL;
    int rc = olnode_wait_future(e, f);
    if (rc != OL_OK) {
        if (olnode_env_alive(e)) olnode_throw_status(env, rc, NULL);
    } else if (ol_future_status(f) != OL_OK) {
        olnode_throw_status(env, ol_future_status(f), ol_future_error_message(f));
    } else {
        value = olnode_op_value(env, kind, f);
    }
    ol_future_release(f); /* a zero-copy body Buffer holds its own reference */
    return value;
}

static napi_value run_job(napi_env env, napi_callback_info info, job_builder build, int kind,
                          delivery how)
{
    olnode_env *e = olnode_env_with_loop(env);
    ol_job *job;
    ol_future *f = NULL;
    if (!e || !build(env, info, &job)) return NULL;
    int rc = ol_job_submit(e->loop, job, &f);
    if (rc != OL_OK) return olnode_throw_status(env, rc, NULL);
    return how == BLOCKING ? wait_for(env, e, f, kind) : track(env, e, f, kind);
}

/* (ms) */
static bool timer_job(napi_env env, napi_callback_info info, ol_job **job)
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
    return run_job(env, info, timer_job, OLNODE_OP_TIMER, AS_PROMISE);
}

napi_value olnode_fn_sleep_sync(napi_env env, napi_callback_info info)
{
    return run_job(env, info, timer_job, OLNODE_OP_TIMER, BLOCKING);
}

napi_value olnode_fn_http_request(napi_env env, napi_callback_info info)
{
    return run_job(env, info, olnode_http_job_from_info, OLNODE_OP_HTTP, AS_PROMISE);
}

napi_value olnode_fn_http_request_sync(napi_env env, napi_callback_info info)
{
    return run_job(env, info, olnode_http_job_from_info, OLNODE_OP_HTTP, BLOCKING);
}
