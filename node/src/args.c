/* Argument checks for the native entry points. index.js validates user input first; these
 * checks keep the addon safe when called directly (TypeError, never a crash). */
#include "olnode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool type_error(napi_env env, const char *what, const char *expected)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s must be %s", what, expected);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return false;
}

bool olnode_arg_string(napi_env env, napi_value v, const char *what, char **out)
{
    size_t len;
    napi_valuetype type;
    if (napi_typeof(env, v, &type) != napi_ok || type != napi_string)
        return type_error(env, what, "a string");
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return false;
    char *s = malloc(len + 1);
    if (!s) {
        napi_throw_error(env, "ERR_OUT_OF_MEMORY", "out of memory");
        return false;
    }
    napi_get_value_string_utf8(env, v, s, len + 1, &len);
    if (strlen(s) != len) { /* an embedded NUL would silently cut the value short in C */
        free(s);
        return type_error(env, what, "a string without NUL characters");
    }
    *out = s;
    return true;
}

bool olnode_arg_int64(napi_env env, napi_value v, const char *what, int64_t *out)
{
    double d;
    napi_valuetype type;
    if (napi_typeof(env, v, &type) != napi_ok || type != napi_number)
        return type_error(env, what, "a number");
    napi_get_value_double(env, v, &d);
    if (!isfinite(d) || d != floor(d) || d < -9007199254740991.0 || d > 9007199254740991.0)
        return type_error(env, what, "an integer");
    *out = (int64_t)d;
    return true;
}

bool olnode_arg_uint32(napi_env env, napi_value v, const char *what, uint32_t *out)
{
    int64_t n;
    if (!olnode_arg_int64(env, v, what, &n)) return false;
    if (n < 0 || n > UINT32_MAX) return type_error(env, what, "an integer in 0..2^32-1");
    *out = (uint32_t)n;
    return true;
}

/* The call's first argument as an id (a uint32): false when it is not one (TypeError thrown)
 * or missing (nothing thrown: the call does nothing). */
bool olnode_arg_id(napi_env env, napi_callback_info info, const char *what, uint32_t *id)
{
    size_t argc = 1;
    napi_value arg;
    if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || argc < 1) return false;
    return olnode_arg_uint32(env, arg, what, id);
}

/* Throw the JS error made by the makeError(status, message) function index.js registered. */
napi_value olnode_throw_status(napi_env env, int status, const char *message)
{
    napi_throw(env, olnode_status_error(env, status, message));
    return NULL;
}

napi_value olnode_undefined(napi_env env)
{
    napi_value v;
    napi_get_undefined(env, &v);
    return v;
}
