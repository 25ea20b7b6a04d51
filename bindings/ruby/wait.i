/* Waiting on futures without the GVL.
 *
 * The wait runs in rb_thread_call_without_gvl, so other Ruby threads run meanwhile. Its
 * unblocking function cancels the futures waited for: ol_future_cancel settles a pending future
 * OL_ECANCELED at once (which ends the wait) and stops its job on the loop thread. So
 * Thread#raise, Thread#kill, Timeout.timeout and Ctrl-C end the wait and cancel the work
 * (CONFORMANCE C24); Ruby raises the pending exception as soon as the GVL is back.
 *
 * The pointer array lives in a Ruby-owned buffer (ALLOCV) and the futures are kept alive by a
 * private copy of the array, so an exception raised after the wait leaks nothing. */

%{
typedef struct oneloop_wait {
    ol_future **fs;
    size_t n;
    int64_t timeout_ms;
    int any;        /* wait for one instead of all */
    size_t index;   /* wait-any: the lowest settled index */
    int rc;
} oneloop_wait;

static void *oneloop_wait_nogvl(void *p)
{
    oneloop_wait *w = p;
    if (w->any) w->rc = ol_wait_any(w->fs, w->n, w->timeout_ms, &w->index);
    else w->rc = ol_wait_all(w->fs, w->n, w->timeout_ms);
    return NULL;
}

static void oneloop_wait_ubf(void *p)
{
    oneloop_wait *w = p;
    for (size_t i = 0; i < w->n; i++) ol_future_cancel(w->fs[i]);
}

/* Settled already (wait-any: one of them; wait-all: all)? Then no GVL round trip. */
static int oneloop_wait_ready(oneloop_wait *w)
{
    for (size_t i = 0; i < w->n; i++) {
        int pending = ol_future_state_get(w->fs[i]) == OL_FUTURE_PENDING;
        if (w->any && !pending) {
            w->index = i;
            return 1;
        }
        if (!w->any && pending) return 0;
    }
    return !w->any;
}

static int oneloop_wait_run(oneloop_wait *w)
{
    if (oneloop_wait_ready(w)) return OL_OK;
    if (w->timeout_ms == 0) return OL_ETIMEDOUT;
    w->rc = OL_ERROR;
    rb_thread_call_without_gvl(oneloop_wait_nogvl, w, oneloop_wait_ubf, w);
    return w->rc;
}

static ol_future *oneloop_future_ptr(VALUE obj)
{
    void *ptr = NULL;
    if (!SWIG_IsOK(SWIG_ConvertPtr(obj, &ptr, SWIGTYPE_p_ol_future, 0)) || !ptr)
        rb_raise(rb_eTypeError, "expected a OneLoop::Native::Future, got %s",
                 rb_obj_classname(obj));
    return ptr;
}

/* Wait on an Array of Futures. any = 0: all of them; returns OL_OK, OL_ETIMEDOUT or an error.
 * any = 1: returns the lowest settled index (>= 0) or a negative status. */
static VALUE oneloop_wait_many(VALUE futures, long long timeout_ms, int any)
{
    Check_Type(futures, T_ARRAY);
    VALUE copy = rb_ary_dup(futures); /* nobody else can shrink it while we wait */
    long n = RARRAY_LEN(copy);
    if (any && n == 0) rb_raise(rb_eArgError, "wait_any needs at least one future");
    VALUE buf = 0;
    oneloop_wait w = {0};
    w.fs = ALLOCV_N(ol_future *, buf, n ? n : 1);
    w.n = (size_t)n;
    w.timeout_ms = timeout_ms;
    w.any = any;
    for (long i = 0; i < n; i++) w.fs[i] = oneloop_future_ptr(RARRAY_AREF(copy, i));
    int rc = oneloop_wait_run(&w);
    RB_GC_GUARD(copy);
    ALLOCV_END(buf);
    if (any && rc == OL_OK) return SIZET2NUM(w.index);
    return INT2NUM(rc);
}

static VALUE oneloop_wait_all(VALUE futures, long long timeout_ms)
{
    return oneloop_wait_many(futures, timeout_ms, 0);
}

static VALUE oneloop_wait_any(VALUE futures, long long timeout_ms)
{
    return oneloop_wait_many(futures, timeout_ms, 1);
}

/* One future: OL_OK once settled, OL_ETIMEDOUT, OL_EFORKED, ... */
static int oneloop_future_wait(ol_future *f, long long timeout_ms)
{
    oneloop_wait w = {0};
    w.fs = &f;
    w.n = 1;
    w.timeout_ms = timeout_ms;
    return oneloop_wait_run(&w);
}
%}

%rename(wait_all) oneloop_wait_all;
%rename(wait_any) oneloop_wait_any;
VALUE oneloop_wait_all(VALUE futures, long long timeout_ms);
VALUE oneloop_wait_any(VALUE futures, long long timeout_ms);

%extend ol_future {
    /* Block (GVL released) until settled or timeout_ms (negative: forever). */
    int rb_wait(long long timeout_ms) { return oneloop_future_wait($self, timeout_ms); }
}
