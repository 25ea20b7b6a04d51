/* Ops: a future or a stream's readiness awaited by JS, from submission to delivery (or to
 * teardown). */
#include "olnode.h"

#include <stdlib.h>

void olnode_op_unref(olnode_op *op)
{
    if (atomic_fetch_sub(&op->refs, 1) != 1) return;
    ol_future_release(op->future);
    olnode_env_unref(op->env);
    free(op);
}

/* Runs where the outcome is known: the executor thread, or the JS thread (a cancel, a close,
 * or readiness at once). Never touches V8: queue the op and wake the env once per batch. */
void olnode_op_complete(olnode_op *op, int status)
{
    olnode_env *e = op->env;
    op->status = status; /* read by the JS thread after it takes e->mu */
    pthread_mutex_lock(&e->mu);
    if (e->dead) {
        pthread_mutex_unlock(&e->mu);
        olnode_op_unref(op);
        return;
    }
    op->next = NULL;
    if (e->done_tail)
        e->done_tail->next = op;
    else
        e->done_head = op;
    e->done_tail = op;
    if (!e->wake_pending) {
        e->wake_pending = true;
        e->wakeups++;
        napi_call_threadsafe_function(e->tsfn, NULL, napi_tsfn_nonblocking);
    }
    pthread_mutex_unlock(&e->mu);
}

olnode_op *olnode_op_new(olnode_env *e, int kind)
{
    olnode_op *op = calloc(1, sizeof *op);
    if (!op || olnode_slots_add(&e->ops, op, &op->id) != OL_OK) {
        free(op);
        return NULL;
    }
    atomic_init(&op->refs, 2); /* the slot table and the completion */
    atomic_fetch_add(&e->refs, 1);
    op->env = e;
    op->kind = kind;
    if (e->in_flight++ == 0) napi_ref_threadsafe_function(e->env, e->tsfn);
    return op;
}

/* JS thread: out of the table; the event loop may go idle once nothing else is awaited. */
static void untrack(olnode_env *e, olnode_op *op)
{
    olnode_slots_remove(&e->ops, op->id);
    if (--e->in_flight == 0) napi_unref_threadsafe_function(e->env, e->tsfn);
}

void olnode_op_discard(olnode_env *e, olnode_op *op)
{
    untrack(e, op);
    olnode_op_unref(op); /* the completion's reference: it will never run */
    olnode_op_unref(op); /* the slot table's reference */
}

static void future_settled(ol_future *future, void *user_data)
{
    olnode_op_complete(user_data, ol_future_status(future));
}

int olnode_op_track(olnode_env *e, ol_future *future, int kind, uint32_t *id)
{
    olnode_op *op = olnode_op_new(e, kind);
    if (!op) {
        ol_future_cancel(future);
        ol_future_release(future);
        return OL_ENOMEM;
    }
    op->future = future;
    if (ol_future_on_done(future, future_settled, op) != OL_OK) {
        ol_future_cancel(future); /* out of memory: deliver a cancellation instead */
        olnode_op_complete(op, OL_ECANCELED);
    }
    *id = op->id;
    return OL_OK;
}

void olnode_op_cancel(olnode_env *e, uint32_t id)
{
    /* Readiness has no future: closing its stream (lib/stream.js does) completes it. */
    olnode_op *op = olnode_slots_get(&e->ops, id);
    if (op && op->future) ol_future_cancel(op->future);
}

static napi_value outcome_value(napi_env env, olnode_op *op, int status)
{
    if (status != OL_OK) {
        const char *msg = op->future ? ol_future_error_message(op->future) : ol_strerror(status);
        napi_value v = NULL;
        napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &v);
        return v;
    }
    return olnode_op_value(env, op->kind, op->future);
}

void olnode_op_deliver(olnode_env *e, olnode_op *op, napi_value dispatch)
{
    napi_env env = e->env;
    untrack(e, op);
    e->delivered++;

    if (dispatch) {
        napi_handle_scope scope;
        napi_open_handle_scope(env, &scope);
        int status = op->status;
        napi_value argv[3], undef, result;
        napi_get_undefined(env, &undef);
        napi_create_uint32(env, op->id, &argv[0]);
        napi_create_int32(env, status, &argv[1]);
        argv[2] = outcome_value(env, op, status);
        if (!argv[2]) argv[2] = undef;
        napi_call_function(env, undef, dispatch, 3, argv, &result);
        napi_close_handle_scope(env, scope);
    }
    olnode_op_unref(op); /* the completion's reference */
    olnode_op_unref(op); /* the slot table's reference */
}

void olnode_ops_teardown(olnode_env *e)
{
    for (uint32_t id = 0; id < e->ops.cap; id++) {
        olnode_op *op = e->ops.items[id];
        if (!op) continue;
        /* Its completion sees the env dead and only drops its reference. (Readiness ops were
         * completed already: olnode_streams_teardown closed their iterators.) */
        if (op->future) ol_future_cancel(op->future);
        olnode_slots_remove(&e->ops, id);
        olnode_op_unref(op);
    }
    olnode_slots_free(&e->ops);
}

napi_value olnode_fn_cancel(napi_env env, napi_callback_info info)
{
    uint32_t id;
    olnode_env *e = olnode_env_get(env);
    if (!e || !olnode_arg_id(env, info, "id", &id)) return NULL;
    olnode_op_cancel(e, id);
    return NULL;
}
