/* Handles as Ruby classes. Each Ruby object owns one reference: GC of a Future releases it
 * (legal while pending: case C09, docs/conformance.md), GC of an Iter closes it (the transfer is aborted),
 * GC of a Notifier frees it. Explicit close functions free early and leave a NULL pointer. */

%rename(strerror) ol_strerror;
%rename(version) ol_version;
%rename(version_string) ol_version_string;
const char *ol_strerror(int status);
unsigned ol_version(void);
const char *ol_version_string(void);

%{
/* The header's version, to compare with the library's at load time. */
static unsigned oneloop_header_version(void) { return OL_VERSION_NUMBER; }
%}
%rename(header_version) oneloop_header_version;
unsigned oneloop_header_version(void);

%rename(Future) ol_future;
%rename(Iter) ol_iter;
%rename(Notifier) ol_notifier;
%nodefaultctor ol_future;
%nodefaultctor ol_iter;
%nodefaultctor ol_notifier;
%nodefaultdtor ol_future;
struct ol_future {};
struct ol_iter {};
struct ol_notifier {};

/* SWIG names %extend methods <struct>_<method> in C, which would collide with the C API:
 * they are written rb_<name> and renamed for Ruby. */
%rename("%(strip:[rb_])s", regextarget=1, %$ismember) "^rb_";

%extend ol_future {
    ~ol_future() { ol_future_release($self); }
    /* OL_FUTURE_PENDING / DONE / FAILED / CANCELLED */
    int rb_state() { return (int)ol_future_state_get($self); }
    /* OL_EPENDING, OL_OK or the failure status */
    int rb_status() { return ol_future_status($self); }
    const char *rb_error_message() { return ol_future_error_message($self); }
    /* OL_OK if this call cancelled it, OL_EALREADY if it had settled */
    int rb_cancel() { return ol_future_cancel($self); }
    long long rb_value_int() { return (long long)ol_future_value_int($self); }
}

%extend ol_iter {
    ~ol_iter() { ol_iter_close($self); }
    const char *rb_error_message() { return ol_iter_error_message($self); }
    unsigned long long rb_buffered() { return (unsigned long long)ol_iter_buffered($self); }
}

%extend ol_notifier {
    ~ol_notifier() { ol_notifier_free($self); }
    int rb_fd() { return ol_notifier_fd($self); }
    int rb_watch(ol_future *future, unsigned long long tag) {
        return ol_notifier_watch($self, future, (uint64_t)tag);
    }
    /* Report tag once when iter has an item or has ended (nothing if it is closed first).
     * OL_EALREADY: a watch on iter is still armed. */
    int rb_watch_iter(ol_iter *iter, unsigned long long tag) {
        return ol_notifier_watch_iter($self, iter, (uint64_t)tag);
    }
    /* Queue tag now: makes the fd readable (wakes a fiber waiting on it). */
    int rb_post(unsigned long long tag) {
        return ol_notifier_post($self, (uint64_t)tag);
    }
    /* Empty the queue (clears the fd's readiness); the caller re-reads the futures' states. */
    unsigned long long rb_drain() {
        uint64_t tags[64];
        size_t total = 0, got;
        while ((got = ol_notifier_drain($self, tags, 64)) > 0) total += got;
        return (unsigned long long)total;
    }
}

%{
/* A new Notifier (owned), or the Integer status on failure. */
static VALUE oneloop_notifier_new(void)
{
    ol_notifier *n = NULL;
    int rc = ol_notifier_new(&n);
    if (rc != OL_OK) return INT2NUM(rc);
    return SWIG_NewPointerObj(n, SWIGTYPE_p_ol_notifier, SWIG_POINTER_OWN);
}

/* Free the handle under obj now and leave NULL behind, so GC does not free it twice. */
static void *oneloop_take_ptr(VALUE obj, swig_type_info *type)
{
    void *ptr = NULL;
    if (RB_TYPE_P(obj, T_DATA) && DATA_PTR(obj) == NULL) return NULL; /* closed already */
    if (!SWIG_IsOK(SWIG_ConvertPtr(obj, &ptr, type, 0)))
        rb_raise(rb_eTypeError, "expected a %s", type->str);
    DATA_PTR(obj) = NULL;
    return ptr;
}

static void oneloop_notifier_close(VALUE obj)
{
    ol_notifier_free(oneloop_take_ptr(obj, SWIGTYPE_p_ol_notifier));
}

static void oneloop_iter_close(VALUE obj)
{
    ol_iter_close(oneloop_take_ptr(obj, SWIGTYPE_p_ol_iter));
}

/* 1 when the current thread is the executor thread (never true for Ruby threads). */
static int oneloop_on_loop_thread(void)
{
    ol_loop *loop = ol_loop_default();
    return loop ? ol_loop_is_loop_thread(loop) : 0;
}

/* Loop counters as a Hash (tests and monitoring). */
static VALUE oneloop_loop_stats(void)
{
    ol_loop *loop = ol_loop_default();
    ol_loop_stats s = OL_LOOP_STATS_INIT;
    if (!loop || ol_loop_stats_get(loop, &s) != OL_OK) return Qnil;
    VALUE h = rb_hash_new();
#define OL_STAT(name) rb_hash_aset(h, ID2SYM(rb_intern(#name)), ULL2NUM(s.name))
    OL_STAT(submitted); OL_STAT(completed); OL_STAT(failed); OL_STAT(cancelled);
    OL_STAT(in_flight); OL_STAT(queue_depth); OL_STAT(http_connections);
#undef OL_STAT
    return h;
}
%}
%rename(notifier_new) oneloop_notifier_new;
%rename(notifier_close) oneloop_notifier_close;
%rename(iter_close) oneloop_iter_close;
%rename(on_loop_thread) oneloop_on_loop_thread;
%rename(loop_stats) oneloop_loop_stats;
VALUE oneloop_notifier_new(void);
void oneloop_notifier_close(VALUE obj);
void oneloop_iter_close(VALUE obj);
int oneloop_on_loop_thread(void);
VALUE oneloop_loop_stats(void);
