/* Outcomes to JS values, on the JS thread. Records are arrays (cheaper than objects with named
 * properties); index.js turns them into Response objects. */
#include "olnode.h"

#include <string.h>

/* Bodies at least this big are handed to JS without a copy: the Buffer keeps the future (and
 * so the response) alive and releases it when collected. Small ones are copied. */
#define OLNODE_ZERO_COPY_MIN (32 * 1024)

static void release_future(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)data;
    ol_future_release(hint);
}

static napi_value body_buffer(napi_env env, const void *data, size_t size, ol_future *owner)
{
    napi_value buf = NULL;
    if (size >= OLNODE_ZERO_COPY_MIN && owner) {
        ol_future_retain(owner);
        if (napi_create_external_buffer(env, size, (void *)data, release_future, owner, &buf) ==
            napi_ok)
            return buf;
        ol_future_release(owner); /* external buffers refused (sandboxed builds): copy */
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending) {
            napi_value ignored;
            napi_get_and_clear_last_exception(env, &ignored);
        }
    }
    void *copy;
    napi_create_buffer_copy(env, size, data, &copy, &buf);
    return buf;
}

static napi_value latin1(napi_env env, const char *s)
{
    napi_value v;
    napi_create_string_latin1(env, s ? s : "", NAPI_AUTO_LENGTH, &v);
    return v;
}

/* [status, httpVersion, effectiveUrl, [name, value, ...], body Buffer | undefined] */
static napi_value response_record(napi_env env, const ol_response *resp, ol_future *owner,
                                  bool with_body)
{
    napi_value rec, v, headers;
    if (!resp || napi_create_array_with_length(env, 5, &rec) != napi_ok) return NULL;
    napi_create_int32(env, ol_response_status(resp), &v);
    napi_set_element(env, rec, 0, v);
    napi_create_int32(env, ol_response_http_version(resp), &v);
    napi_set_element(env, rec, 1, v);
    napi_set_element(env, rec, 2, latin1(env, ol_response_effective_url(resp)));
    size_t n = ol_response_header_count(resp);
    napi_create_array_with_length(env, n * 2, &headers);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        ol_response_header_at(resp, i, &name, &value);
        napi_set_element(env, headers, (uint32_t)(2 * i), latin1(env, name));
        napi_set_element(env, headers, (uint32_t)(2 * i + 1), latin1(env, value));
    }
    napi_set_element(env, rec, 3, headers);
    if (with_body) {
        napi_set_element(
            env, rec, 4,
            body_buffer(env, ol_response_body(resp), ol_response_body_size(resp), owner));
    }
    return rec;
}

napi_value olnode_response_record(napi_env env, ol_future *future)
{
    return response_record(env, ol_future_value(future), future, true);
}

napi_value olnode_op_value(napi_env env, int kind, ol_future *future)
{
    if (kind == OLNODE_OP_HTTP) return olnode_response_record(env, future);
    return olnode_undefined(env);
}

/* A stream item: the head as a response record without body, a chunk as a Buffer (copied:
 * chunks are small and the item is freed right after). */
napi_value olnode_item_record(napi_env env, const ol_item *item)
{
    if (!item) return NULL;
    if (ol_item_kind_get(item) == OL_ITEM_HEAD)
        return response_record(env, ol_item_object(item), NULL, false);
    return body_buffer(env, ol_item_data(item), ol_item_size(item), NULL);
}

napi_value olnode_status_error(napi_env env, int status, const char *message)
{
    napi_value fn, argv[2], err = NULL, undef;
    olnode_env *e = olnode_env_get(env);
    if (!message || !*message) message = ol_strerror(status);
    napi_create_int32(env, status, &argv[0]);
    napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &argv[1]);
    napi_get_undefined(env, &undef);
    if (e && e->make_error && napi_get_reference_value(env, e->make_error, &fn) == napi_ok &&
        napi_call_function(env, undef, fn, 2, argv, &err) == napi_ok)
        return err;
    napi_create_error(env, NULL, argv[1], &err);
    return err;
}
