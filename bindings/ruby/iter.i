/* Pulling stream items without the GVL.
 *
 * ol_iter_next cannot be woken from another thread and ol_iter_close must not run concurrently
 * with it, so a pull waits in short slices: the unblocking function only raises a flag, the
 * slice ends within OL_RB_SLICE_MS and Ruby then handles the interrupt (the Ruby layer closes
 * the iterator in an ensure, which aborts the transfer: cases C14 and C24, docs/conformance.md).
 * rb_thread_call_without_gvl2 is used so that an item taken just before an interrupt is
 * converted and freed before Ruby raises.
 * Under a Fiber scheduler the Ruby layer pulls with timeout 0 only and waits for readiness
 * through Notifier#watch_iter (ruby/lib/oneloop/stream_ready.rb). */

%{
#define OL_RB_SLICE_MS 50

typedef struct oneloop_pull {
    ol_iter *it;
    int64_t timeout_ms;
    volatile int interrupted;
    ol_item *item;
    int rc;
} oneloop_pull;

static void *oneloop_pull_nogvl(void *p)
{
    oneloop_pull *pl = p;
    int64_t left = pl->timeout_ms;
    for (;;) {
        int64_t slice = left < 0 || left > OL_RB_SLICE_MS ? OL_RB_SLICE_MS : left;
        pl->rc = ol_iter_next(pl->it, &pl->item, slice);
        if (pl->rc != OL_ETIMEDOUT || pl->interrupted) break;
        if (left >= 0 && (left -= slice) <= 0) break;
    }
    return NULL;
}

static void oneloop_pull_ubf(void *p)
{
    ((oneloop_pull *)p)->interrupted = 1;
}

/* One item within timeout_ms (negative: until one comes). Returns a binary String (a body
 * chunk), an Item (the response head, read with Native.response_*), nil at the end of the
 * stream, or an Integer status: OL_ETIMEDOUT (nothing yet; also after a harmless interrupt) or
 * the stream's failure (message: Iter#error_message). */
static VALUE oneloop_iter_next(VALUE obj, long long timeout_ms)
{
    void *ptr = NULL;
    if (!SWIG_IsOK(SWIG_ConvertPtr(obj, &ptr, SWIGTYPE_p_ol_iter, 0)) || !ptr)
        rb_raise(rb_eTypeError, "expected an open OneLoop::Native::Iter");
    oneloop_pull pl = {0};
    pl.it = ptr;
    pl.timeout_ms = timeout_ms;
    pl.rc = OL_ETIMEDOUT;
    pl.rc = ol_iter_next(pl.it, &pl.item, 0); /* ready already: no GVL round trip */
    if (pl.rc == OL_ETIMEDOUT && timeout_ms != 0)
        rb_thread_call_without_gvl2(oneloop_pull_nogvl, &pl, oneloop_pull_ubf, &pl);

    VALUE result;
    if (pl.rc == OL_OK && pl.item) {
        if (ol_item_kind_get(pl.item) == OL_ITEM_HEAD && ol_item_object(pl.item)) {
            result = SWIG_NewPointerObj(pl.item, SWIGTYPE_p_ol_item, SWIG_POINTER_OWN);
        } else {
            result = rb_str_new(ol_item_data(pl.item), (long)ol_item_size(pl.item));
            ol_item_free(pl.item);
        }
    } else if (pl.rc == OL_ITEROVER) {
        result = Qnil;
    } else {
        result = INT2NUM(pl.rc);
    }
    rb_thread_check_ints(); /* raise a pending Thread#raise / Interrupt now */
    return result;
}
%}

%rename(iter_next) oneloop_iter_next;
VALUE oneloop_iter_next(VALUE obj, long long timeout_ms);
