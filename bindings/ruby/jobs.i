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

/* ol_loop_default() gave NULL: raise OneLoop::OutOfMemoryError saying why. Call it only
 * where nothing is left to free. */
static void oneloop_raise_no_executor(void)
{
    VALUE msg = rb_str_new_cstr("oneloop: the executor could not start (out of memory, threads "
                                "or file descriptors); the next call tries again");
    VALUE exc = rb_funcall(rb_path2class("OneLoop"), rb_intern("error_for"), 2,
                           INT2NUM(OL_ENOMEM), msg);
    rb_exc_raise(exc);
}

static VALUE oneloop_submit_job(ol_job *job)
{
    ol_loop *loop = ol_loop_default();
    if (!loop) {
        ol_job_free(job);
        oneloop_raise_no_executor();
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
        oneloop_raise_no_executor();
    }
    ol_iter *it = NULL;
    rc = ol_job_submit_iter(loop, job, cap, &it);
    if (rc != OL_OK) return INT2NUM(rc);
    return SWIG_NewPointerObj(it, SWIGTYPE_p_ol_iter, SWIG_POINTER_OWN);
}
%}

%{
/* Submit many HTTP requests with one ol_job_submit_batch, so that they reach the executor
 * together: requests is an Array of the [method, url, headers, body, int_opts, str_opts]
 * Arrays http_submit takes, all checked before any job exists. Returns an Array of Futures,
 * [status, index, option key] when the C API refused request `index`, or the Integer status
 * of a failed submit. Nothing is submitted unless everything is. */
static VALUE oneloop_http_submit_batch(VALUE requests)
{
    Check_Type(requests, T_ARRAY);
    long n = RARRAY_LEN(requests);
    for (long i = 0; i < n; i++) {
        VALUE a = RARRAY_AREF(requests, i);
        Check_Type(a, T_ARRAY);
        if (RARRAY_LEN(a) != 6) rb_raise(rb_eArgError, "each request is [method, url, headers, body, int_opts, str_opts]");
        if (!NIL_P(RARRAY_AREF(a, 0))) oneloop_cstr(RARRAY_AREF(a, 0), "method");
        oneloop_cstr(RARRAY_AREF(a, 1), "url");
        oneloop_check_http_args(RARRAY_AREF(a, 2), RARRAY_AREF(a, 3), RARRAY_AREF(a, 4),
                                RARRAY_AREF(a, 5));
    }
    VALUE out = rb_ary_new_capa(n); /* before any job exists: nothing to leak if it raises */
    ol_loop *loop = ol_loop_default();
    if (!loop) oneloop_raise_no_executor();
    ol_job **jobs = calloc((size_t)(n ? n : 1), sizeof *jobs);
    ol_future **futures = calloc((size_t)(n ? n : 1), sizeof *futures);
    int rc = jobs && futures ? OL_OK : OL_ENOMEM;
    long failed_at = -1, bad = 0;
    for (long i = 0; i < n && rc == OL_OK; i++) { /* the checks above: nothing here raises */
        VALUE a = RARRAY_AREF(requests, i);
        VALUE m = RARRAY_AREF(a, 0);
        rc = ol_http_job_new(&jobs[i], NIL_P(m) ? NULL : RSTRING_PTR(m), RSTRING_PTR(RARRAY_AREF(a, 1)));
        if (rc == OL_OK)
            rc = oneloop_apply_http_args(jobs[i], RARRAY_AREF(a, 2), RARRAY_AREF(a, 3),
                                         RARRAY_AREF(a, 4), RARRAY_AREF(a, 5), &bad);
        if (rc != OL_OK) failed_at = i;
    }
    if (rc == OL_OK) {
        rc = ol_job_submit_batch(loop, jobs, (size_t)n, futures); /* consumes the jobs */
    } else if (jobs) {
        for (long i = 0; i < n; i++) ol_job_free(jobs[i]);
    }
    for (long i = 0; rc == OL_OK && i < n; i++)
        rb_ary_push(out, SWIG_NewPointerObj(futures[i], SWIGTYPE_p_ol_future, SWIG_POINTER_OWN));
    free(jobs);
    free(futures);
    if (failed_at >= 0) return rb_ary_new_from_args(3, INT2NUM(rc), LONG2NUM(failed_at), LONG2NUM(bad));
    return rc == OL_OK ? out : INT2NUM(rc);
}
%}

%rename(timer_submit) oneloop_timer_submit;
%rename(http_submit) oneloop_http_submit;
VALUE oneloop_timer_submit(unsigned long long ms);
VALUE oneloop_http_submit(VALUE method, VALUE url, VALUE headers, VALUE body, VALUE int_opts,
                          VALUE str_opts, VALUE capacity);
%rename(http_submit_batch) oneloop_http_submit_batch;
VALUE oneloop_http_submit_batch(VALUE requests);
