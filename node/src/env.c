/* Per-env state: the completion queue, the threadsafe function that wakes this env, and the
 * teardown that guarantees nothing is delivered to an env after it is gone. */
#include "olnode.h"

#include <stdlib.h>

/* Every live env, so that process exit can close the doors before static destructors run. */
static pthread_mutex_t all_envs_mu = PTHREAD_MUTEX_INITIALIZER;
static olnode_env **all_envs;
static size_t all_envs_n, all_envs_cap;
static pthread_once_t atexit_once = PTHREAD_ONCE_INIT;

static void close_all_envs_at_exit(void)
{
    /* exit() may run while the executor thread still completes jobs: from here on it only
     * frees memory, it never pokes a threadsafe function of a dying Node. */
    pthread_mutex_lock(&all_envs_mu);
    for (size_t i = 0; i < all_envs_n; i++) {
        pthread_mutex_lock(&all_envs[i]->mu);
        all_envs[i]->dead = true;
        pthread_mutex_unlock(&all_envs[i]->mu);
    }
    pthread_mutex_unlock(&all_envs_mu);
}

static void register_atexit(void) { atexit(close_all_envs_at_exit); }

static bool all_envs_add(olnode_env *e)
{
    pthread_once(&atexit_once, register_atexit);
    pthread_mutex_lock(&all_envs_mu);
    if (all_envs_n == all_envs_cap) {
        size_t cap = all_envs_cap ? all_envs_cap * 2 : 8;
        olnode_env **grown = realloc(all_envs, cap * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&all_envs_mu);
            return false;
        }
        all_envs = grown;
        all_envs_cap = cap;
    }
    all_envs[all_envs_n++] = e;
    pthread_mutex_unlock(&all_envs_mu);
    return true;
}

static void all_envs_remove(olnode_env *e)
{
    pthread_mutex_lock(&all_envs_mu);
    for (size_t i = 0; i < all_envs_n; i++) {
        if (all_envs[i] == e) {
            all_envs[i] = all_envs[--all_envs_n];
            break;
        }
    }
    pthread_mutex_unlock(&all_envs_mu);
}

void olnode_env_unref(olnode_env *e)
{
    if (atomic_fetch_sub(&e->refs, 1) != 1) return;
    pthread_mutex_destroy(&e->mu);
    free(e);
}

olnode_env *olnode_env_get(napi_env env)
{
    void *data = NULL;
    if (napi_get_instance_data(env, &data) != napi_ok) return NULL;
    return data;
}

/* JS thread: the tsfn fired. Drain everything queued so far in one go. */
static void deliver_queued(napi_env env, napi_value js_cb, void *context, void *data)
{
    olnode_env *e = context;
    (void)js_cb;
    (void)data;
    if (!env) return; /* the tsfn is being finalized: the cleanup hook already dropped all */
    pthread_mutex_lock(&e->mu);
    olnode_op *op = e->dead ? NULL : e->done_head;
    if (op) e->done_head = e->done_tail = NULL;
    e->wake_pending = false;
    pthread_mutex_unlock(&e->mu);

    napi_value dispatch = NULL;
    if (op && e->dispatch) napi_get_reference_value(env, e->dispatch, &dispatch);
    while (op) {
        olnode_op *next = op->next;
        olnode_op_deliver(e, op, dispatch);
        op = next;
    }
}

/* Env teardown (worker ended or terminated, or the main env exits). Registered after the tsfn
 * was created, so it runs before Node's own tsfn cleanup (hooks run last-in first-out). */
static void env_cleanup(void *arg)
{
    olnode_env *e = arg;
    pthread_mutex_lock(&e->mu);
    e->dead = true;
    olnode_op *queued = e->done_head;
    e->done_head = e->done_tail = NULL;
    pthread_mutex_unlock(&e->mu);
    all_envs_remove(e);
    napi_release_threadsafe_function(e->tsfn, napi_tsfn_abort);

    while (queued) { /* settled, never delivered: drop the completion's reference */
        olnode_op *next = queued->next;
        olnode_op_unref(queued);
        queued = next;
    }
    olnode_streams_teardown(e);
    olnode_ops_teardown(e);
    olnode_env_unref(e);
}

static napi_value noop(napi_env env, napi_callback_info info)
{
    (void)info;
    return NULL;
}

olnode_env *olnode_env_with_loop(napi_env env)
{
    olnode_env *e = olnode_env_get(env);
    if (!e) {
        napi_throw_error(env, "ERR_ONELOOP_STATE", "oneloop: addon not initialised");
        return NULL;
    }
    if (!e->loop) e->loop = ol_loop_default();
    if (!e->loop) {
        olnode_throw_status(env, OL_ENOMEM,
                            "oneloop: the executor could not start (out of memory, threads or "
                            "file descriptors); the next call tries again");
        return NULL;
    }
    return e;
}

napi_status olnode_env_setup(napi_env env)
{
    olnode_env *e = calloc(1, sizeof *e);
    if (!e) return napi_generic_failure;
    atomic_init(&e->refs, 1);
    pthread_mutex_init(&e->mu, NULL);
    e->env = env;
    e->loop = NULL; /* started on first use: loading the addon starts nothing */

    napi_value name, fn;
    napi_status st = napi_create_string_utf8(env, "oneloop", NAPI_AUTO_LENGTH, &name);
    if (st == napi_ok)
        st = napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, e,
                                             deliver_queued, &e->tsfn);
    if (st != napi_ok) {
        pthread_mutex_destroy(&e->mu);
        free(e);
        return st;
    }
    /* Idle until something is in flight: an unused addon never keeps the process alive. */
    napi_unref_threadsafe_function(env, e->tsfn);
    if ((st = napi_create_function(env, "noop", NAPI_AUTO_LENGTH, noop, NULL, &fn)) != napi_ok ||
        (st = napi_create_reference(env, fn, 1, &e->noop)) != napi_ok ||
        (st = napi_add_env_cleanup_hook(env, env_cleanup, e)) != napi_ok ||
        (st = napi_set_instance_data(env, e, NULL, NULL)) != napi_ok)
        return st;
    if (!all_envs_add(e)) return napi_generic_failure;
    return napi_ok;
}

bool olnode_env_alive(olnode_env *e)
{
    napi_value fn, undef, result;
    if (napi_get_reference_value(e->env, e->noop, &fn) != napi_ok) return false;
    napi_get_undefined(e->env, &undef);
    /* Node refuses calls into JS once the env is stopping (worker.terminate(), exit). */
    return napi_call_function(e->env, undef, fn, 0, NULL, &result) == napi_ok;
}

napi_value olnode_fn_init(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value fns[2];
    napi_valuetype t0, t1;
    OLNODE_CHECK(napi_get_cb_info(env, info, &argc, fns, NULL, NULL));
    olnode_env *e = olnode_env_get(env);
    if (!e) return NULL;
    if (argc < 2 || napi_typeof(env, fns[0], &t0) != napi_ok || t0 != napi_function ||
        napi_typeof(env, fns[1], &t1) != napi_ok || t1 != napi_function) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                              "init(dispatch, makeError): two functions");
        return NULL;
    }
    if (e->dispatch) napi_delete_reference(env, e->dispatch);
    if (e->make_error) napi_delete_reference(env, e->make_error);
    OLNODE_CHECK(napi_create_reference(env, fns[0], 1, &e->dispatch));
    OLNODE_CHECK(napi_create_reference(env, fns[1], 1, &e->make_error));
    return NULL;
}
