/* Module init, once per env (main thread and every worker): set up this env's delivery state
 * and export the native entry points. index.js wraps them in the public API. */
#include "olnode.h"

static napi_value version_string(napi_env env)
{
    napi_value v;
    napi_create_string_utf8(env, ol_version_string(), NAPI_AUTO_LENGTH, &v);
    return v;
}

NAPI_MODULE_INIT()
{
    if (ol_version() / 100 != OL_VERSION_NUMBER / 100) {
        napi_throw_error(
            env, "ERR_ONELOOP_VERSION",
            "oneloop: liboneloop.so does not match the headers the addon was built with");
        return NULL;
    }
    if (olnode_env_setup(env) != napi_ok) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (!pending) napi_throw_error(env, "ERR_ONELOOP_INIT", "oneloop: addon setup failed");
        return NULL;
    }
    napi_property_descriptor props[] = {
        {"init", NULL, olnode_fn_init, NULL, NULL, NULL, napi_enumerable, NULL},
        {"cancel", NULL, olnode_fn_cancel, NULL, NULL, NULL, napi_enumerable, NULL},
        {"stats", NULL, olnode_fn_stats, NULL, NULL, NULL, napi_enumerable, NULL},
        {"sleep", NULL, olnode_fn_sleep, NULL, NULL, NULL, napi_enumerable, NULL},
        {"sleepSync", NULL, olnode_fn_sleep_sync, NULL, NULL, NULL, napi_enumerable, NULL},
        {"httpRequest", NULL, olnode_fn_http_request, NULL, NULL, NULL, napi_enumerable, NULL},
        {"httpRequestSync", NULL, olnode_fn_http_request_sync, NULL, NULL, NULL, napi_enumerable,
         NULL},
        {"streamOpen", NULL, olnode_fn_stream_open, NULL, NULL, NULL, napi_enumerable, NULL},
        {"streamNext", NULL, olnode_fn_stream_next, NULL, NULL, NULL, napi_enumerable, NULL},
        {"streamNextSync", NULL, olnode_fn_stream_next_sync, NULL, NULL, NULL, napi_enumerable,
         NULL},
        {"streamClose", NULL, olnode_fn_stream_close, NULL, NULL, NULL, napi_enumerable, NULL},
        {"streamBuffered", NULL, olnode_fn_stream_buffered, NULL, NULL, NULL, napi_enumerable,
         NULL},
        {"version", NULL, NULL, NULL, NULL, version_string(env), napi_enumerable, NULL},
    };
    napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
    return exports;
}
