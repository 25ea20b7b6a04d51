/* Streaming responses: an ol_iter behind a small integer id (the env's streams table holds the
 * ol_iter itself; only this JS thread ever pulls from it or closes it).
 *
 * Sync pulls (workers) block this thread in slices. Async pulls never block and hold no thread:
 * with nothing buffered, ol_iter_on_ready arms a one-shot callback whose op comes back through
 * the env's completion queue like a settled future; JS then pulls again with a 0 timeout.
 * Closing the iterator (from JS, or the env's teardown) fires an armed callback with
 * OL_ECANCELED, which completes (or, for a dead env, frees) its op. */
#include "olnode.h"

/* Executor thread (an item or the end arrived), or this JS thread (already ready, or closed).
 * The iterator may be closed by now: only the op is ours. */
static void stream_ready(ol_iter *it, int status, void *user_data)
{
    (void)it;
    olnode_op_complete(user_data, status);
}

/* The env and the stream id of a call f(streamId). */
static bool stream_call(napi_env env, napi_callback_info info, olnode_env **e, uint32_t *id)
{
    *e = olnode_env_get(env);
    return *e && olnode_arg_id(env, info, "stream id", id);
}

/* The open stream of a call f(streamId); NULL with an error thrown if it is closed. */
static ol_iter *iter_from_arg(napi_env env, napi_callback_info info, olnode_env **e)
{
    uint32_t id;
    if (!stream_call(env, info, e, &id)) return NULL;
    ol_iter *it = olnode_slots_get(&(*e)->streams, id);
    if (!it) napi_throw_type_error(env, "ERR_ONELOOP_STREAM", "the stream is closed");
    return it;
}

napi_value olnode_fn_stream_open(napi_env env, napi_callback_info info)
{
    ol_job *job;
    ol_iter *it = NULL;
    uint32_t id;
    olnode_env *e = olnode_env_with_loop(env);
    if (!e || !olnode_http_job_from_info(env, info, &job)) return NULL;
    int rc = ol_job_submit_iter(e->loop, job, 0, &it);
    if (rc != OL_OK) return olnode_throw_status(env, rc, NULL);
    if (olnode_slots_add(&e->streams, it, &id) != OL_OK) {
        ol_iter_close(it);
        return olnode_throw_status(env, OL_ENOMEM, NULL);
    }
    napi_value v;
    napi_create_uint32(env, id, &v);
    return v;
}

/* [0, item] | [1] at the end | [2, opId] when waiting | throws the stream's error */
static napi_value result_pair(napi_env env, int tag, napi_value value)
{
    napi_value pair, t;
    napi_create_array_with_length(env, 2, &pair);
    napi_create_int32(env, tag, &t);
    napi_set_element(env, pair, 0, t);
    if (value) napi_set_element(env, pair, 1, value);
    return pair;
}

static napi_value item_or_end(napi_env env, ol_iter *it, int rc, ol_item *item)
{
    if (rc == OL_OK) {
        napi_value rec = olnode_item_record(env, item);
        ol_item_free(item);
        return result_pair(env, 0, rec);
    }
    if (rc == OL_ITEROVER) return result_pair(env, 1, NULL);
    return olnode_throw_status(env, rc, ol_iter_error_message(it));
}

napi_value olnode_fn_stream_next(napi_env env, napi_callback_info info)
{
    olnode_env *e;
    ol_iter *it = iter_from_arg(env, info, &e);
    if (!it) return NULL;
    ol_item *item = NULL;
    int rc = ol_iter_next(it, &item, 0);
    if (rc != OL_ETIMEDOUT) return item_or_end(env, it, rc, item);

    /* Nothing yet: the op must exist before arming, the callback may run at once. */
    olnode_op *op = olnode_op_new(e, OLNODE_OP_READY);
    if (!op) return olnode_throw_status(env, OL_ENOMEM, NULL);
    uint32_t op_id = op->id;
    if ((rc = ol_iter_on_ready(it, stream_ready, op)) != OL_OK) {
        olnode_op_discard(e, op);
        if (rc == OL_EALREADY) {
            napi_throw_error(env, "ERR_ONELOOP_STREAM", "another read of this stream is pending");
            return NULL;
        }
        return olnode_throw_status(env, rc, NULL);
    }
    napi_value v;
    napi_create_uint32(env, op_id, &v);
    return result_pair(env, 2, v);
}

napi_value olnode_fn_stream_next_sync(napi_env env, napi_callback_info info)
{
    olnode_env *e;
    ol_iter *it = iter_from_arg(env, info, &e);
    if (!it) return NULL;
    ol_item *item = NULL;
    int rc = olnode_iter_next_blocking(e, it, &item);
    if (rc == OL_ECANCELED && !olnode_env_alive(e)) return NULL; /* terminating */
    return item_or_end(env, it, rc, item);
}

/* Bytes queued and not yet pulled (the transfer pauses when this reaches the capacity). */
napi_value olnode_fn_stream_buffered(napi_env env, napi_callback_info info)
{
    olnode_env *e;
    uint32_t id;
    napi_value v;
    if (!stream_call(env, info, &e, &id)) return NULL;
    ol_iter *it = olnode_slots_get(&e->streams, id);
    napi_create_double(env, it ? (double)ol_iter_buffered(it) : 0.0, &v);
    return v;
}

napi_value olnode_fn_stream_close(napi_env env, napi_callback_info info)
{
    olnode_env *e;
    uint32_t id;
    if (!stream_call(env, info, &e, &id)) return NULL;
    ol_iter *it = olnode_slots_get(&e->streams, id);
    if (it) {
        olnode_slots_remove(&e->streams, id);
        ol_iter_close(it); /* aborts the transfer; an armed read completes OL_ECANCELED */
    }
    return NULL;
}

/* Env teardown, after the env is marked dead: armed callbacks fire here with OL_ECANCELED and
 * only free their ops; a callback already running on the executor sees the env dead too. */
void olnode_streams_teardown(olnode_env *e)
{
    for (uint32_t id = 0; id < e->streams.cap; id++) {
        ol_iter *it = e->streams.items[id];
        if (!it) continue;
        olnode_slots_remove(&e->streams, id);
        ol_iter_close(it);
    }
    olnode_slots_free(&e->streams);
}
