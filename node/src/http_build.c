/* Build an HTTP job from the arguments index.js passes:
 *   (url, method | undefined, ["Name: value", ...] | undefined, body Uint8Array | undefined,
 *    [optionKey, number | string, ...] | undefined)
 * Option keys are the OL_HTTP_* values of oneloop/http.h. */
#include "olnode.h"

#include <stdio.h>
#include <stdlib.h>

static bool is_nullish(napi_env env, napi_value v)
{
    napi_valuetype type;
    return napi_typeof(env, v, &type) == napi_ok && (type == napi_undefined || type == napi_null);
}

static bool fail(napi_env env, ol_job *job, const char *message)
{
    ol_job_free(job);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message);
    return false;
}

static bool set_headers(napi_env env, ol_job *job, napi_value list)
{
    bool is_array = false;
    uint32_t n = 0;
    if (napi_is_array(env, list, &is_array) != napi_ok || !is_array)
        return fail(env, job, "headers must be an array of \"Name: value\" strings");
    napi_get_array_length(env, list, &n);
    for (uint32_t i = 0; i < n; i++) {
        napi_value v;
        char *line;
        napi_get_element(env, list, i, &v);
        if (!olnode_arg_string(env, v, "a header line", &line)) {
            ol_job_free(job);
            return false;
        }
        int rc = ol_job_set_str(job, OL_HTTP_HEADER, line);
        free(line);
        if (rc != OL_OK) return fail(env, job, "invalid header line");
    }
    return true;
}

static bool set_body(napi_env env, ol_job *job, napi_value body)
{
    bool is_typed = false;
    napi_typedarray_type type;
    size_t len;
    void *data;
    if (napi_is_typedarray(env, body, &is_typed) != napi_ok || !is_typed)
        return fail(env, job, "body must be a Uint8Array");
    napi_get_typedarray_info(env, body, &type, &len, &data, NULL, NULL);
    if (type != napi_uint8_array) return fail(env, job, "body must be a Uint8Array");
    /* Copied: the JS buffer may change or be collected while the request runs. */
    if (ol_job_set_bytes(job, OL_HTTP_BODY, data, len) != OL_OK)
        return fail(env, job, "body could not be set");
    return true;
}

static bool set_options(napi_env env, ol_job *job, napi_value list)
{
    bool is_array = false;
    uint32_t n = 0;
    if (napi_is_array(env, list, &is_array) != napi_ok || !is_array)
        return fail(env, job, "options must be an array of key, value pairs");
    napi_get_array_length(env, list, &n);
    if (n % 2) return fail(env, job, "options must be an array of key, value pairs");
    for (uint32_t i = 0; i < n; i += 2) {
        napi_value k, v;
        napi_valuetype type;
        uint32_t key;
        int rc;
        char msg[96];
        napi_get_element(env, list, i, &k);
        napi_get_element(env, list, i + 1, &v);
        if (!olnode_arg_uint32(env, k, "an option key", &key)) {
            ol_job_free(job);
            return false;
        }
        napi_typeof(env, v, &type);
        if (type == napi_number) {
            int64_t num;
            if (!olnode_arg_int64(env, v, "an option value", &num)) {
                ol_job_free(job);
                return false;
            }
            rc = ol_job_set_int(job, (int)key, num);
        } else if (type == napi_string) {
            char *str;
            if (!olnode_arg_string(env, v, "an option value", &str)) {
                ol_job_free(job);
                return false;
            }
            rc = ol_job_set_str(job, (int)key, str);
            free(str);
        } else {
            return fail(env, job, "an option value must be a number or a string");
        }
        if (rc != OL_OK) {
            snprintf(msg, sizeof msg, "option %u: invalid key or value (%s)", key, ol_strerror(rc));
            return fail(env, job, msg);
        }
    }
    return true;
}

static bool job_from_args(napi_env env, napi_value *argv, ol_job **out)
{
    char *url = NULL, *method = NULL;
    ol_job *job = NULL;
    *out = NULL;
    if (!olnode_arg_string(env, argv[0], "url", &url)) return false;
    if (!is_nullish(env, argv[1]) && !olnode_arg_string(env, argv[1], "method", &method)) {
        free(url);
        return false;
    }
    int rc = ol_http_job_new(&job, method, url);
    free(url);
    free(method);
    if (rc != OL_OK) {
        olnode_throw_status(env, rc, NULL);
        return false;
    }
    if (!is_nullish(env, argv[2]) && !set_headers(env, job, argv[2])) return false;
    if (!is_nullish(env, argv[3]) && !set_body(env, job, argv[3])) return false;
    if (!is_nullish(env, argv[4]) && !set_options(env, job, argv[4])) return false;
    *out = job;
    return true;
}

bool olnode_http_job_from_info(napi_env env, napi_callback_info info, ol_job **out)
{
    size_t argc = 5;
    napi_value argv[5]; /* arguments not passed come as undefined */
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
    return job_from_args(env, argv, out);
}
