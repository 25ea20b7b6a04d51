/* stats(): the process-wide executor's counters, plus this env's own (ops in flight, delivered,
 * wakeups: completions per wakeup show how well deliveries batch). */
#include "olnode.h"

static void set_number(napi_env env, napi_value obj, const char *name, double value)
{
    napi_value v;
    napi_create_double(env, value, &v);
    napi_set_named_property(env, obj, name, v);
}

napi_value olnode_fn_stats(napi_env env, napi_callback_info info)
{
    (void)info;
    olnode_env *e = olnode_env_with_loop(env);
    if (!e) return NULL;
    ol_loop_stats st = {.version = OL_LOOP_STATS_VERSION};
    int rc = ol_loop_stats_get(e->loop, &st);
    if (rc != OL_OK) return olnode_throw_status(env, rc, NULL);
    napi_value obj;
    OLNODE_CHECK(napi_create_object(env, &obj));
    set_number(env, obj, "submitted", (double)st.submitted);
    set_number(env, obj, "completed", (double)st.completed);
    set_number(env, obj, "failed", (double)st.failed);
    set_number(env, obj, "cancelled", (double)st.cancelled);
    set_number(env, obj, "inFlight", (double)st.in_flight);
    set_number(env, obj, "queueDepth", (double)st.queue_depth);
    set_number(env, obj, "httpConnections", (double)st.http_connections);
    set_number(env, obj, "envInFlight", (double)e->in_flight);
    set_number(env, obj, "envDelivered", (double)e->delivered);
    pthread_mutex_lock(&e->mu);
    set_number(env, obj, "envWakeups", (double)e->wakeups);
    pthread_mutex_unlock(&e->mu);
    return obj;
}
