/* Waiting on futures without the GVL.
 *
 * The wait runs in rb_thread_call_without_gvl2, so other Ruby threads run meanwhile. It runs in
 * slices of OL_RB_WAIT_SLICE_MS and handles Ruby's pending interrupts between them (a signal
 * to a lone main thread is only seen that way: Ruby calls no unblocking function for it). Many
 * interrupts must not end the operation: Thread#wakeup, and any signal with a trap handler
 * (logrotate's USR1/HUP to a Unicorn or Resque worker). So nothing is decided in the
 * unblocking function (it does nothing; case C24, docs/conformance.md):
 * - after each slice the wait runs the pending interrupts (trap handlers included);
 * - only when that raises (Interrupt from Ctrl-C, Thread#raise, Thread#kill, Timeout, a trap
 *   handler's own exception) are the futures cancelled and the exception re-raised;
 * - otherwise the wait goes on, to the same deadline.
 * An interrupt is thus handled within OL_RB_WAIT_SLICE_MS. (Ending the C wait at once would
 * need a wakeable ol_wait_*; a notifier per wait would hold an fd per pending future.)
 *
 * The pointer array lives in a Ruby-owned buffer (ALLOCV) and the futures are kept alive by a
 * private copy of the array, so nothing leaks whichever way the wait ends. */

%{
#include <time.h>

#define OL_RB_WAIT_SLICE_MS 50
#define OL_RB_NOT_RUN 1 /* rc before the GVL-free part ran (an interrupt was pending) */

typedef struct oneloop_wait {
    ol_future **fs;
    size_t n;
    int64_t deadline_ms; /* monotonic ms; INT64_MAX: none */
    int any;             /* wait for one instead of all */
    size_t index;        /* wait-any: the lowest settled index */
    int rc;
    int jump;            /* a Ruby exception to re-raise (rb_protect state), 0 if none */
} oneloop_wait;

static int64_t oneloop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* now + timeout_ms, saturated: a negative or huge timeout means no deadline. */
static int64_t oneloop_deadline_ms(int64_t timeout_ms)
{
    int64_t now = oneloop_now_ms();
    if (timeout_ms < 0 || timeout_ms > INT64_MAX - now) return INT64_MAX;
    return now + timeout_ms;
}

/* One slice of the C wait (or what is left of the deadline). */
static void *oneloop_wait_nogvl(void *p)
{
    oneloop_wait *w = p;
    int64_t left = w->deadline_ms == INT64_MAX ? OL_RB_WAIT_SLICE_MS
                                               : w->deadline_ms - oneloop_now_ms();
    if (left <= 0) {
        w->rc = OL_ETIMEDOUT;
        return NULL;
    }
    int64_t slice = left < OL_RB_WAIT_SLICE_MS ? left : OL_RB_WAIT_SLICE_MS;
    if (w->any) w->rc = ol_wait_any(w->fs, w->n, slice, &w->index);
    else w->rc = ol_wait_all(w->fs, w->n, slice);
    return NULL;
}

/* Does nothing: the interrupt is handled after the slice, and most must not cancel anything
 * (see above). It must not cancel the futures: it also runs for Thread#wakeup and traps. */
static void oneloop_wait_ubf(void *p)
{
    (void)p;
}

static void oneloop_wait_cancel(oneloop_wait *w)
{
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

static VALUE oneloop_check_ints(VALUE unused)
{
    (void)unused;
    rb_thread_check_ints();
    return Qnil;
}

/* OL_OK, OL_ETIMEDOUT or an error; when Ruby raised meanwhile, w->jump is set (the futures
 * are cancelled) and the caller re-raises with rb_jump_tag after freeing what it holds. */
static int oneloop_wait_run(oneloop_wait *w, int64_t timeout_ms)
{
    if (oneloop_wait_ready(w)) return OL_OK;
    if (timeout_ms == 0) return OL_ETIMEDOUT;
    w->deadline_ms = oneloop_deadline_ms(timeout_ms);
    for (;;) {
        w->rc = OL_RB_NOT_RUN;
        rb_thread_call_without_gvl2(oneloop_wait_nogvl, w, oneloop_wait_ubf, w);
        /* Run the interrupt (a trap handler, Thread#raise); only an exception ends the wait,
         * and it surfaces as itself even if the futures settled meanwhile. */
        rb_protect(oneloop_check_ints, Qnil, &w->jump);
        if (w->jump) {
            oneloop_wait_cancel(w);
            return OL_ECANCELED;
        }
        if (w->rc == OL_RB_NOT_RUN || w->rc == OL_ETIMEDOUT) {
            if (w->deadline_ms != INT64_MAX && oneloop_now_ms() >= w->deadline_ms)
                return OL_ETIMEDOUT;
            continue; /* a slice ended, or a harmless interrupt (a trap, Thread#wakeup) ran */
        }
        return w->rc;
    }
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
    w.any = any;
    for (long i = 0; i < n; i++) w.fs[i] = oneloop_future_ptr(RARRAY_AREF(copy, i));
    int rc = oneloop_wait_run(&w, timeout_ms);
    RB_GC_GUARD(copy);
    ALLOCV_END(buf);
    if (w.jump) rb_jump_tag(w.jump);
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
static VALUE oneloop_future_wait(VALUE future, long long timeout_ms)
{
    ol_future *f = oneloop_future_ptr(future);
    oneloop_wait w = {0};
    w.fs = &f;
    w.n = 1;
    int rc = oneloop_wait_run(&w, timeout_ms);
    if (w.jump) rb_jump_tag(w.jump);
    return INT2NUM(rc);
}
%}

/* Block (GVL released) until settled or timeout_ms (negative: forever). */
%rename(future_wait) oneloop_future_wait;
%rename(wait_all) oneloop_wait_all;
%rename(wait_any) oneloop_wait_any;
VALUE oneloop_future_wait(VALUE future, long long timeout_ms);
VALUE oneloop_wait_all(VALUE futures, long long timeout_ms);
VALUE oneloop_wait_any(VALUE futures, long long timeout_ms);
