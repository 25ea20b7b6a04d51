/* HTTP responses as Ruby values. A response is owned by its future (or stream item); these
 * copy what Ruby asks for, when it asks (the Ruby Response keeps its Future alive). */

%{
static const ol_response *oneloop_response_of(ol_future *f)
{
    return ol_future_state_get(f) == OL_FUTURE_DONE ? ol_future_value(f) : NULL;
}

static VALUE oneloop_str_or_nil(const char *s)
{
    return s ? rb_utf8_str_new_cstr(s) : Qnil;
}

/* [[name, value], ...] in the order received. */
static VALUE oneloop_headers_ary(const ol_response *r)
{
    size_t n = ol_response_header_count(r);
    VALUE ary = rb_ary_new_capa((long)n);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        if (ol_response_header_at(r, i, &name, &value) != OL_OK) break;
        rb_ary_push(ary, rb_assoc_new(oneloop_str_or_nil(name), oneloop_str_or_nil(value)));
    }
    return ary;
}

/* [status, http_version, headers, effective_url] of a response head (streams). */
static VALUE oneloop_head_ary(const ol_response *r)
{
    return rb_ary_new_from_args(4, INT2NUM(ol_response_status(r)),
                                INT2NUM(ol_response_http_version(r)), oneloop_headers_ary(r),
                                oneloop_str_or_nil(ol_response_effective_url(r)));
}

/* [status, http_version, body] of a settled future, nil when it did not settle OK. The body
 * is copied into a Ruby String once (OneLoop::Future caches the Response) and the native
 * buffer goes back to the core's pool at once: the Response keeps the future (for headers,
 * URL, timing) until Ruby's GC, which does not see native memory and may run much later. */
static VALUE oneloop_response_core(ol_future *f)
{
    ol_response *r = (ol_response *)oneloop_response_of(f);
    if (!r) return Qnil;
    const void *body = ol_response_body(r);
    size_t size = ol_response_body_size(r);
    VALUE str = rb_str_new(body ? body : "", (long)size);
    ol_response_discard_body(r);
    return rb_ary_new_from_args(3, INT2NUM(ol_response_status(r)),
                                INT2NUM(ol_response_http_version(r)), str);
}

static VALUE oneloop_response_headers(ol_future *f)
{
    const ol_response *r = oneloop_response_of(f);
    return r ? oneloop_headers_ary(r) : Qnil;
}

static VALUE oneloop_response_url(ol_future *f)
{
    const ol_response *r = oneloop_response_of(f);
    return r ? oneloop_str_or_nil(ol_response_effective_url(r)) : Qnil;
}

/* curl's timing breakdown as a Hash (microseconds and counts). */
static VALUE oneloop_response_timing(ol_future *f)
{
    const ol_response *r = oneloop_response_of(f);
    ol_http_timing t;
    memset(&t, 0, sizeof t);
    t.version = OL_HTTP_TIMING_VERSION;
    if (!r || ol_response_timing(r, &t) != OL_OK) return Qnil;
    VALUE h = rb_hash_new();
#define OL_T(name, conv) rb_hash_aset(h, ID2SYM(rb_intern(#name)), conv(t.name))
    OL_T(dns_us, LL2NUM); OL_T(connect_us, LL2NUM); OL_T(tls_us, LL2NUM);
    OL_T(first_byte_us, LL2NUM); OL_T(total_us, LL2NUM); OL_T(redirect_us, LL2NUM);
    OL_T(bytes_up, ULL2NUM); OL_T(bytes_down, ULL2NUM); OL_T(redirects, UINT2NUM);
#undef OL_T
    return h;
}
%}

%rename(response_core) oneloop_response_core;
%rename(response_headers) oneloop_response_headers;
%rename(response_url) oneloop_response_url;
%rename(response_timing) oneloop_response_timing;
VALUE oneloop_response_core(ol_future *f);
VALUE oneloop_response_headers(ol_future *f);
VALUE oneloop_response_url(ol_future *f);
VALUE oneloop_response_timing(ol_future *f);
