/* The handles as Ruby classes. Each Ruby object owns one reference, released by its class's
 * free function when GC collects it (releasing a pending Future is legal: case C09,
 * docs/conformance.md; collecting an open Iter aborts its transfer). Native.dispose releases
 * one now (Stream#close) and leaves an empty object behind, which raises
 * ObjectPreviouslyDeleted if used again.
 *
 * The methods have no bodies: SWIG binds a method m of TYPE to the C function TYPE_m, which
 * is the C API's own naming (Future#status calls ol_future_status). */

%define OL_HANDLE(TYPE, CLASS, FREE)
%rename(CLASS) TYPE;
%nodefaultctor TYPE;
%nodefaultdtor TYPE;
%freefunc TYPE #FREE;
struct TYPE {};
%enddef

OL_HANDLE(ol_future, Future, ol_future_release)
OL_HANDLE(ol_iter, Iter, ol_iter_close)
OL_HANDLE(ol_notifier, Notifier, ol_notifier_free)
OL_HANDLE(ol_job, Job, ol_job_free)
OL_HANDLE(ol_item, Item, ol_item_free) /* a stream's head (Native.iter_next) */

%rename(state) ol_future::state_get;
%extend ol_future {
    ol_future_state state_get(); /* OL_FUTURE_PENDING / DONE / FAILED / CANCELLED */
    int status();                /* OL_EPENDING, OL_OK or the failure status */
    const char *error_message();
    int cancel();                /* OL_OK if this call cancelled it, OL_EALREADY if settled */
    int64_t value_int();
}

%extend ol_iter {
    const char *error_message();
    size_t buffered();
}

%extend ol_notifier {
    int fd();
    int watch(ol_future *future, uint64_t tag);
    /* Report tag once when iter has an item or has ended (nothing if it is closed first). */
    int watch_iter(ol_iter *iter, uint64_t tag);
    /* Queue tag now: the fd turns readable (wakes a fiber waiting on it). */
    int post(uint64_t tag);
    /* Take queued tags (clears the fd's readiness once empty); returns how many. */
    size_t drain(uint64_t *tags, size_t max);
}

/* Options of an HTTP job (OL_HTTP_* keys): a refused value raises (InvalidError). */
%extend ol_job {
    int set_int(int option, int64_t value);
    int set_str(int option, const char *value);
    int set_bytes(int option, const void *data, size_t len);
}

%{
/* Run the handle's free function now (once) and leave NULL behind. */
static void oneloop_dispose(VALUE obj)
{
    if (!RB_TYPE_P(obj, T_DATA) || RTYPEDDATA_P(obj) || !SWIG_MangleStr(obj))
        rb_raise(rb_eTypeError, "expected a OneLoop::Native handle, got %s", rb_obj_classname(obj));
    void *ptr = DATA_PTR(obj);
    RUBY_DATA_FUNC free_fn = RDATA(obj)->dfree;
    DATA_PTR(obj) = NULL;
    if (ptr && free_fn) free_fn(ptr);
}
%}
%rename(dispose) oneloop_dispose;
void oneloop_dispose(VALUE obj);
