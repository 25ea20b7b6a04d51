/* oneloop Node-API addon: shared declarations.
 *
 * One addon instance per env (main thread, each worker). All of them share the process-wide
 * executor (ol_loop_default). Completions travel: executor thread -> ol_future_on_done callback
 * -> the env's done queue (mutex) -> one threadsafe function wakeup -> JS thread drains the queue.
 * The executor thread never touches V8; it only pushes to the queue and pokes the tsfn. */
#ifndef OLNODE_H
#define OLNODE_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <oneloop.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct olnode_env olnode_env;
typedef struct olnode_op olnode_op;

/* A slot table: small integer ids for JS, O(1) add/remove. JS thread only. */
typedef struct olnode_slots {
    void **items;
    uint32_t *free_ids;
    uint32_t cap, n_free, used;
} olnode_slots;

int olnode_slots_add(olnode_slots *t, void *item, uint32_t *id);
void *olnode_slots_get(const olnode_slots *t, uint32_t id);
void olnode_slots_remove(olnode_slots *t, uint32_t id);
void olnode_slots_free(olnode_slots *t);

/* What a finished op turns into on the JS side. */
typedef enum olnode_op_kind {
    OLNODE_OP_TIMER = 1, /* resolves undefined */
    OLNODE_OP_HTTP = 2,  /* resolves a response record */
    OLNODE_OP_READY = 3  /* resolves undefined: a stream has an item or its end (or closed) */
} olnode_op_kind;

/* Something JS awaits: a submitted future, or a stream's readiness (ol_iter_on_ready). Two
 * references: the env's slot table and the completion (the future's callback, or the readiness
 * callback, each called exactly once); whoever drops the last one frees it (any thread). */
struct olnode_op {
    olnode_op *next; /* env->done queue */
    atomic_int refs;
    olnode_env *env;
    ol_future *future; /* NULL for readiness */
    int status;        /* the outcome, set by the completion */
    uint32_t id;
    int kind;
};

struct olnode_env {
    atomic_int refs;    /* the live env + one per op */
    pthread_mutex_t mu; /* guards dead, wake_pending, the done queue, tsfn calls */
    bool dead;
    bool wake_pending;
    uint64_t wakeups;   /* tsfn calls made (under mu): completions per wakeup */
    uint64_t delivered; /* ops delivered (JS thread) */
    olnode_op *done_head, *done_tail;
    napi_threadsafe_function tsfn; /* wakeup only; owned by this env */

    /* JS thread only. */
    napi_env env;
    ol_loop *loop; /* NULL until first used (olnode_env_with_loop) */
    olnode_slots ops;
    olnode_slots streams;
    uint32_t in_flight;  /* ops not yet delivered: keep the event loop alive */
    napi_ref noop;       /* called between wait slices to notice termination */
    napi_ref dispatch;   /* JS function(id, status, value) that settles promises */
    napi_ref make_error; /* JS function(status, message) -> Error */
};

/* env.c */
olnode_env *olnode_env_get(napi_env env);
/* JS thread: the env with its loop (the process-wide executor, started on first use), or NULL
 * with a JS error thrown: ERR_ONELOOP_STATE without env, a OneloopError (OL_ENOMEM) when the
 * executor could not start (the next call tries again). */
olnode_env *olnode_env_with_loop(napi_env env);
napi_status olnode_env_setup(napi_env env);
void olnode_env_unref(olnode_env *e);
/* Whether this env can still run JS (false once worker.terminate() or exit began). */
bool olnode_env_alive(olnode_env *e);

/* ops.c */
/* JS thread: a new op in the env's table, keeping the event loop alive until delivered. NULL
 * when out of memory. */
olnode_op *olnode_op_new(olnode_env *e, int kind);
/* Any thread, exactly once per op: queue its outcome for delivery (or drop it if the env is
 * gone). Never touches V8. */
void olnode_op_complete(olnode_op *op, int status);
/* JS thread: forget an op whose completion will never run (its registration failed). */
void olnode_op_discard(olnode_env *e, olnode_op *op);
/* Take ownership of future (one reference) and deliver its outcome through dispatch. */
int olnode_op_track(olnode_env *e, ol_future *future, int kind, uint32_t *id);
/* JS thread: settle it OL_ECANCELED now (the outcome is still delivered through dispatch). */
void olnode_op_cancel(olnode_env *e, uint32_t id);
/* JS thread: hand one delivered op to JS and free it. */
void olnode_op_deliver(olnode_env *e, olnode_op *op, napi_value dispatch);
void olnode_op_unref(olnode_op *op);
/* JS thread, at teardown: cancel and drop every op of the env. */
void olnode_ops_teardown(olnode_env *e);

/* convert.c: outcome -> JS values (JS thread) */
/* The response of a settled HTTP future (the body Buffer may keep the future alive). */
napi_value olnode_response_record(napi_env env, ol_future *future);
/* The value a successful op of this kind resolves with (async) or returns (sync). */
napi_value olnode_op_value(napi_env env, int kind, ol_future *future);
napi_value olnode_item_record(napi_env env, const ol_item *item);
napi_value olnode_status_error(napi_env env, int status, const char *message);

/* args.c: argument checks (throw TypeError with a clear message and return false) */
bool olnode_arg_string(napi_env env, napi_value v, const char *what, char **out);
bool olnode_arg_int64(napi_env env, napi_value v, const char *what, int64_t *out);
bool olnode_arg_uint32(napi_env env, napi_value v, const char *what, uint32_t *out);
bool olnode_arg_id(napi_env env, napi_callback_info info, const char *what, uint32_t *id);
napi_value olnode_throw_status(napi_env env, int status, const char *message);
napi_value olnode_undefined(napi_env env);

/* http_build.c: a call's (url, method, headers[], body, opts[]) -> an unsubmitted HTTP job */
bool olnode_http_job_from_info(napi_env env, napi_callback_info info, ol_job **out);

/* wait.c: block this JS thread on a future, in slices, giving up if the env is terminating */
int olnode_wait_future(olnode_env *e, ol_future *f);
int olnode_iter_next_blocking(olnode_env *e, ol_iter *it, ol_item **item);

/* stream.c */
void olnode_streams_teardown(olnode_env *e);

/* Exported functions, one file per concern. */
napi_value olnode_fn_init(napi_env env, napi_callback_info info);
napi_value olnode_fn_cancel(napi_env env, napi_callback_info info);
napi_value olnode_fn_stats(napi_env env, napi_callback_info info);
napi_value olnode_fn_sleep(napi_env env, napi_callback_info info);
napi_value olnode_fn_sleep_sync(napi_env env, napi_callback_info info);
napi_value olnode_fn_http_request(napi_env env, napi_callback_info info);
napi_value olnode_fn_http_request_sync(napi_env env, napi_callback_info info);
napi_value olnode_fn_stream_open(napi_env env, napi_callback_info info);
napi_value olnode_fn_stream_next(napi_env env, napi_callback_info info);
napi_value olnode_fn_stream_next_sync(napi_env env, napi_callback_info info);
napi_value olnode_fn_stream_close(napi_env env, napi_callback_info info);
napi_value olnode_fn_stream_buffered(napi_env env, napi_callback_info info);

/* Status checks: on a failed napi call, stop quietly (an exception may be pending). */
#define OLNODE_CHECK(call)                  \
    do {                                    \
        if ((call) != napi_ok) return NULL; \
    } while (0)

#endif
