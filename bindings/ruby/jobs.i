/* Building and submitting jobs, one C call per job: the Ruby layer validates and normalises the
 * arguments, this code only type-checks them (so bad input raises, never crashes) and hands
 * them to the C API. Jobs go to the process-wide loop, shared with every other binding (C25). */

%{
/* A new owned Future, or the Integer status when the submit failed. */
static VALUE oneloop_wrap_future(int rc, ol_future *f)
{
    if (rc != OL_OK) return INT2NUM(rc);
    return SWIG_NewPointerObj(f, SWIGTYPE_p_ol_future, SWIG_POINTER_OWN);
}

static VALUE oneloop_submit_job(ol_job *job)
{
    ol_loop *loop = ol_loop_default();
    if (!loop) {
        ol_job_free(job);
        return INT2NUM(OL_ENOMEM);
    }
    ol_future *f = NULL;
    int rc = ol_job_submit(loop, job, &f);
    return oneloop_wrap_future(rc, f);
}

/* A timer job: settles OK after ms milliseconds. */
static VALUE oneloop_timer_submit(unsigned long long ms)
{
    ol_job *job = NULL;
    int rc = ol_job_timer_new(&job, (uint64_t)ms);
    if (rc != OL_OK) return INT2NUM(rc);
    return oneloop_submit_job(job);
}

static const char *oneloop_cstr(VALUE v, const char *what)
{
    if (!RB_TYPE_P(v, T_STRING)) rb_raise(rb_eTypeError, "%s must be a String", what);
    return StringValueCStr(v); /* raises ArgumentError on an embedded NUL */
}

/* Check every argument before the job exists, so a raise leaks nothing. */
static void oneloop_check_http_args(VALUE headers, VALUE body, VALUE int_opts, VALUE str_opts)
{
    if (!NIL_P(headers)) {
        Check_Type(headers, T_ARRAY);
        for (long i = 0; i < RARRAY_LEN(headers); i++)
            oneloop_cstr(RARRAY_AREF(headers, i), "a header line");
    }
    if (!NIL_P(body) && !RB_TYPE_P(body, T_STRING))
        rb_raise(rb_eTypeError, "body must be a String");
    if (!NIL_P(int_opts)) {
        Check_Type(int_opts, T_ARRAY);
        if (RARRAY_LEN(int_opts) % 2) rb_raise(rb_eArgError, "integer options come in pairs");
        for (long i = 0; i < RARRAY_LEN(int_opts); i++) {
            VALUE v = RARRAY_AREF(int_opts, i);
            if (!RB_INTEGER_TYPE_P(v)) rb_raise(rb_eTypeError, "integer options must be Integers");
            (void)NUM2LL(v); /* RangeError now rather than once the job exists */
            if (i % 2 == 0) (void)NUM2INT(v);
        }
    }
    if (!NIL_P(str_opts)) {
        Check_Type(str_opts, T_ARRAY);
        if (RARRAY_LEN(str_opts) % 2) rb_raise(rb_eArgError, "string options come in pairs");
        for (long i = 0; i < RARRAY_LEN(str_opts); i += 2) {
            if (!RB_INTEGER_TYPE_P(RARRAY_AREF(str_opts, i)))
                rb_raise(rb_eTypeError, "option keys must be Integers");
            (void)NUM2INT(RARRAY_AREF(str_opts, i));
            oneloop_cstr(RARRAY_AREF(str_opts, i + 1), "a string option");
        }
    }
}

/* Apply headers, body and options. Returns OL_OK or the first failure, with *bad set to the
 * option key that was refused (0 for a header or the body). No Ruby call can raise here. */
static int oneloop_apply_http_args(ol_job *job, VALUE headers, VALUE body, VALUE int_opts,
                                   VALUE str_opts, long *bad)
{
    int rc = OL_OK;
    *bad = 0;
    for (long i = 0; !NIL_P(headers) && i < RARRAY_LEN(headers) && rc == OL_OK; i++)
        rc = ol_job_set_str(job, OL_HTTP_HEADER, RSTRING_PTR(RARRAY_AREF(headers, i)));
    if (rc == OL_OK && !NIL_P(body))
        rc = ol_job_set_bytes(job, OL_HTTP_BODY, RSTRING_PTR(body), (size_t)RSTRING_LEN(body));
    for (long i = 0; !NIL_P(int_opts) && i < RARRAY_LEN(int_opts) && rc == OL_OK; i += 2) {
        *bad = NUM2LONG(RARRAY_AREF(int_opts, i));
        VALUE v = RARRAY_AREF(int_opts, i + 1);
        rc = ol_job_set_int(job, (int)*bad, (int64_t)NUM2LL(v));
    }
    for (long i = 0; !NIL_P(str_opts) && i < RARRAY_LEN(str_opts) && rc == OL_OK; i += 2) {
        *bad = NUM2LONG(RARRAY_AREF(str_opts, i));
        rc = ol_job_set_str(job, (int)*bad, RSTRING_PTR(RARRAY_AREF(str_opts, i + 1)));
    }
    if (rc == OL_OK) *bad = 0;
    return rc;
}

/* Submit one HTTP request. headers: Array of "Name: value" Strings or nil; body: String or
 * nil; int_opts / str_opts: flat [key, value, ...] Arrays of OL_HTTP_* options or nil;
 * capacity: nil for a Future, an Integer (bytes, 0 = default) for a streaming Iter.
 * Returns the Future / Iter, or [status, option key] when the C API refused something. */
static VALUE oneloop_http_submit(VALUE method, VALUE url, VALUE headers, VALUE body,
                                 VALUE int_opts, VALUE str_opts, VALUE capacity)
{
    const char *m = NIL_P(method) ? NULL : oneloop_cstr(method, "method");
    const char *u = oneloop_cstr(url, "url");
    oneloop_check_http_args(headers, body, int_opts, str_opts);
    size_t cap = 0;
    if (!NIL_P(capacity)) cap = NUM2SIZET(capacity);

    ol_job *job = NULL;
    int rc = ol_http_job_new(&job, m, u);
    if (rc != OL_OK) return rb_ary_new_from_args(2, INT2NUM(rc), INT2FIX(0));
    long bad = 0;
    rc = oneloop_apply_http_args(job, headers, body, int_opts, str_opts, &bad);
    if (rc != OL_OK) {
        ol_job_free(job);
        return rb_ary_new_from_args(2, INT2NUM(rc), LONG2NUM(bad));
    }
    if (NIL_P(capacity)) return oneloop_submit_job(job);

    ol_loop *loop = ol_loop_default();
    if (!loop) {
        ol_job_free(job);
        return INT2NUM(OL_ENOMEM);
    }
    ol_iter *it = NULL;
    rc = ol_job_submit_iter(loop, job, cap, &it);
    if (rc != OL_OK) return INT2NUM(rc);
    return SWIG_NewPointerObj(it, SWIGTYPE_p_ol_iter, SWIG_POINTER_OWN);
}
%}

%rename(timer_submit) oneloop_timer_submit;
%rename(http_submit) oneloop_http_submit;
VALUE oneloop_timer_submit(unsigned long long ms);
VALUE oneloop_http_submit(VALUE method, VALUE url, VALUE headers, VALUE body, VALUE int_opts,
                          VALUE str_opts, VALUE capacity);
