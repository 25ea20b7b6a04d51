/* Streaming responses: an ol_iter behind a small integer id.
 *
 * Sync pulls (workers) call ol_iter_next on the JS thread in slices. Async pulls take what is
 * already buffered at once; when nothing is, a work job on the executor's thread pool waits on
 * the iterator for at most one slice and its future is delivered like any other op. (The C API
 * has no "iterator readable" notification yet; see README.md.) The iterator is only ever used
 * by one thread at a time: `busy` is set while a wait job may be inside ol_iter_next. */
#include "olnode.h"

#include <stdlib.h>

#define OLNODE_STREAM_SLICE_MS 50

struct olnode_stream {
    atomic_int refs;   /* the slot table + each wait job */
    atomic_int busy;   /* a wait job may be inside ol_iter_next */
    ol_iter *it;
};

static void stream_unref(void *arg)
{
    olnode_stream *s = arg;
    if (atomic_fetch_sub(&s->refs, 1) != 1) return;
    ol_iter_close(s->it); /* aborts a transfer still running, frees queued chunks */
    free(s);
}

/* Executor thread pool: wait for one item, for one slice at most. */
static int wait_item(void *arg, void **value, ol_free_fn *value_free, int64_t *value_int)
{
    olnode_stream *s = arg;
    ol_item *item = NULL;
    (void)value_int;
    int rc = ol_iter_next(s->it, &item, OLNODE_STREAM_SLICE_MS);
    atomic_store(&s->busy, 0); /* before the future settles, so JS never sees it busy */
    if (rc == OL_OK) {
        *value = item;
        *value_free = (ol_free_fn)ol_item_free;
    }
    return rc;
}

static olnode_stream *stream_from_arg(napi_env env, napi_callback_info info, olnode_env **e)
{
    size_t argc = 1;
    napi_value arg;
    uint32_t id;
    *e = olnode_env_get(env);
    if (!*e || napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok) return NULL;
    if (argc < 1 || !olnode_arg_uint32(env, arg, "stream id", &id)) return NULL;
    olnode_stream *s = olnode_slots_get(&(*e)->streams, id);
    if (!s) napi_throw_type_error(env, "ERR_ONELOOP_STREAM", "the stream is closed");
    else if (atomic_load(&s->busy)) {
        napi_throw_error(env, "ERR_ONELOOP_STREAM", "another read of this stream is pending");
        s = NULL;
    }
    return s;
}

napi_value olnode_fn_stream_open(napi_env env, napi_callback_info info)
{
    size_t argc = 5;
    napi_value argv[5];
    ol_job *job;
    ol_iter *it = NULL;
    uint32_t id;
    olnode_env *e = olnode_env_get(env);
    OLNODE_CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    for (size_t i = argc; i < 5; i++) napi_get_undefined(env, &argv[i]);
    if (!e || !olnode_http_job_from_args(env, argv, &job)) return NULL;
    int rc = ol_job_submit_iter(e->loop, job, 0, &it);
    if (rc != OL_OK) return olnode_throw_status(env, rc, NULL);
    olnode_stream *s = calloc(1, sizeof *s);
    if (!s || olnode_slots_add(&e->streams, s, &id) != OL_OK) {
        free(s);
        ol_iter_close(it);
        return olnode_throw_status(env, OL_ENOMEM, NULL);
    }
    atomic_init(&s->refs, 1);
    atomic_init(&s->busy, 0);
    s->it = it;
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

static napi_value item_or_end(napi_env env, olnode_stream *s, int rc, ol_item *item)
{
    if (rc == OL_OK) {
        napi_value rec = olnode_item_record(env, item);
        ol_item_free(item);
        return result_pair(env, 0, rec);
    }
    if (rc == OL_ITEROVER) return result_pair(env, 1, NULL);
    return olnode_throw_status(env, rc, ol_iter_error_message(s->it));
}

napi_value olnode_fn_stream_next(napi_env env, napi_callback_info info)
{
    olnode_env *e;
    olnode_stream *s = stream_from_arg(env, info, &e);
    if (!s) return NULL;
    ol_item *item = NULL;
    int rc = ol_iter_next(s->it, &item, 0);
    if (rc != OL_ETIMEDOUT) return item_or_end(env, s, rc, item);

    ol_job *job;
    ol_future *f;
    uint32_t op_id;
    atomic_fetch_add(&s->refs, 1); /* the wait job's, dropped by its arg_free */
    atomic_store(&s->busy, 1);
    if ((rc = ol_job_work_new(&job, wait_item, s, stream_unref)) != OL_OK) {
        atomic_store(&s->busy, 0);
        stream_unref(s);
        return olnode_throw_status(env, rc, NULL);
    }
    if ((rc = ol_job_submit(e->loop, job, &f)) != OL_OK) {
        atomic_store(&s->busy, 0); /* the dropped job already ran arg_free */
        return olnode_throw_status(env, rc, NULL);
    }
    if (olnode_op_track(e, f, OLNODE_OP_ITEM, &op_id) != OL_OK)
        return olnode_throw_status(env, OL_ENOMEM, NULL);
    napi_value v;
    napi_create_uint32(env, op_id, &v);
    return result_pair(env, 2, v);
}

napi_value olnode_fn_stream_next_sync(napi_env env, napi_callback_info info)
{
    olnode_env *e;
    olnode_stream *s = stream_from_arg(env, info, &e);
    if (!s) return NULL;
    ol_item *item = NULL;
    int rc = olnode_iter_next_blocking(e, s->it, &item);
    if (rc == OL_ECANCELED && !olnode_env_alive(e)) return NULL; /* terminating */
    return item_or_end(env, s, rc, item);
}

/* Bytes queued and not yet pulled (the transfer pauses when this reaches the capacity). */
napi_value olnode_fn_stream_buffered(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value arg, v;
    uint32_t id;
    olnode_env *e = olnode_env_get(env);
    OLNODE_CHECK(napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
    if (!e || argc < 1 || !olnode_arg_uint32(env, arg, "stream id", &id)) return NULL;
    olnode_stream *s = olnode_slots_get(&e->streams, id);
    napi_create_double(env, s ? (double)ol_iter_buffered(s->it) : 0.0, &v);
    return v;
}

napi_value olnode_fn_stream_close(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value arg;
    uint32_t id;
    olnode_env *e = olnode_env_get(env);
    OLNODE_CHECK(napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
    if (!e || argc < 1 || !olnode_arg_uint32(env, arg, "stream id", &id)) return NULL;
    olnode_stream *s = olnode_slots_get(&e->streams, id);
    if (s) {
        olnode_slots_remove(&e->streams, id);
        stream_unref(s); /* closes now, or when a pending wait job lets go */
    }
    return NULL;
}

void olnode_streams_teardown(olnode_env *e)
{
    for (uint32_t id = 0; id < e->streams.cap; id++) {
        olnode_stream *s = e->streams.items[id];
        if (!s) continue;
        olnode_slots_remove(&e->streams, id);
        stream_unref(s);
    }
    olnode_slots_free(&e->streams);
}
