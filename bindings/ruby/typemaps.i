/* How the C API's types become Ruby values. Each typemap is written once and applies to every
 * function whose parameter (or return) has that type and name, so the wrappers SWIG
 * generates from the headers need no hand-written code of their own. */

%include <stdint.i>

%{
/* Raise the OneLoop exception for a negative status. The status -> class table is
 * OneLoop.error_for (ruby/lib/oneloop/errors.rb); message nil means ol_strerror's. */
static void oneloop_raise_status(int status, const char *message)
{
    VALUE msg = message ? rb_str_new_cstr(message) : Qnil;
    rb_exc_raise(rb_funcall(rb_path2class("OneLoop"), rb_intern("error_for"), 2,
                            INT2NUM(status), msg));
}

/* The live handle under obj: TypeError for another type, nil or a handle already consumed. */
static void *oneloop_live_handle(VALUE obj, swig_type_info *type)
{
    void *ptr = NULL;
    if (!SWIG_IsOK(SWIG_ConvertPtr(obj, &ptr, type, 0)) || !ptr)
        rb_raise(rb_eTypeError, "expected a %s, got %s", type->str, rb_obj_classname(obj));
    return ptr;
}

static VALUE oneloop_utf8_or_nil(const char *s)
{
    return s ? rb_utf8_str_new_cstr(s) : Qnil;
}
%}

/* ---- Statuses. An int is a status (the C API's rule): negative raises the OneLoop error of
 * that code, else the call returns its out-parameters (or nil). The ints that are answers
 * rather than outcomes are listed by name and returned as Integers. */
%typemap(out) int OL_ANSWER = int;
%typemap(out) int {
    if ($1 < 0) oneloop_raise_status($1, NULL);
    $result = Qnil;
}
%apply int OL_ANSWER {
    int status,                   /* Future: OL_EPENDING, OL_OK or the failure */
    int cancel,                   /* Future: OL_EALREADY when it had settled */
    int fd,                       /* Notifier */
    int watch_iter,               /* Notifier: OL_EALREADY while a watch is armed */
    int post,                     /* Notifier: StreamReady#close does not check it */
    int ol_loop_is_loop_thread,
    int ol_response_status,
    int ol_response_http_version
};

/* ---- The loop: Ruby submits to the process-wide loop only (case C25, docs/conformance.md). */
%typemap(in, numinputs=0) ol_loop *loop {
    $1 = ol_loop_default();
    if (!$1)
        oneloop_raise_status(OL_ENOMEM, "oneloop: the executor could not start (out of memory, "
                                        "threads or file descriptors); the next call tries again");
}
%typemap(in, numinputs=0) const ol_loop *loop "$1 = ol_loop_default();"

/* ---- Out-parameters: a new handle, owned by the Ruby object (GC frees it: handles.i). */
%define OL_OUT_HANDLE(TYPE)
%typemap(in, numinputs=0) TYPE **out (TYPE *handle = NULL) "$1 = &handle;"
%typemap(argout) TYPE **out {
    VALUE obj = SWIG_NewPointerObj(handle$argnum, $descriptor(TYPE *), SWIG_POINTER_OWN);
    $result = SWIG_Ruby_AppendOutput($result, obj);
}
%enddef
OL_OUT_HANDLE(ol_job)
OL_OUT_HANDLE(ol_notifier)
OL_OUT_HANDLE(ol_future)
OL_OUT_HANDLE(ol_iter)

/* A submit consumes its job, even when it fails: once every argument has converted, the Ruby
 * Job is left empty (NULL), so GC never frees it again and a second submit raises TypeError.
 * Only submits take an "ol_job *job" (the setters are Job methods: handles.i). */
%typemap(in) ol_job *job (VALUE job_obj) {
    job_obj = $input;
    $1 = oneloop_live_handle($input, $1_descriptor);
}
%typemap(check) ol_job *job "DATA_PTR(job_obj$argnum) = NULL;"

/* A batch: an Array of Jobs in (all checked before any is taken), an Array of Futures out.
 * The pointer arrays live in a Ruby-owned buffer, freed by GC if the call raises. */
%typemap(in, numinputs=1) (ol_job *const *jobs, size_t n, ol_future **out) (VALUE buf = 0) {
    Check_Type($input, T_ARRAY);
    long count = RARRAY_LEN($input);
    for (long i = 0; i < count; i++)
        oneloop_live_handle(RARRAY_AREF($input, i), $descriptor(ol_job *));
    void **ptrs = ALLOCV_N(void *, buf, 2 * (count ? count : 1));
    for (long i = 0; i < count; i++) { /* a Job listed twice is NULL the second time: refused */
        ptrs[i] = DATA_PTR(RARRAY_AREF($input, i));
        DATA_PTR(RARRAY_AREF($input, i)) = NULL;
    }
    $1 = (ol_job **)ptrs;
    $2 = (size_t)count;
    $3 = (ol_future **)(ptrs + count);
}
%typemap(argout) (ol_job *const *jobs, size_t n, ol_future **out) {
    VALUE futures = rb_ary_new_capa((long)$2);
    for (size_t i = 0; i < $2; i++)
        rb_ary_push(futures, SWIG_NewPointerObj($3[i], $descriptor(ol_future *), SWIG_POINTER_OWN));
    ALLOCV_END(buf$argnum);
    $result = SWIG_Ruby_AppendOutput($result, futures);
}

/* ---- Versioned structs filled by the library: a new struct of the header's version. */
%define OL_OUT_VERSIONED(TYPE, VERSION)
%typemap(in, numinputs=0) TYPE *out (VALUE obj = Qnil) {
    $1 = calloc(1, sizeof *$1);
    if (!$1) rb_raise(rb_eNoMemError, "out of memory");
    obj = SWIG_NewPointerObj($1, $1_descriptor, SWIG_POINTER_OWN); /* GC frees it (free) */
    $1->version = VERSION;
}
%typemap(argout) TYPE *out "$result = SWIG_Ruby_AppendOutput($result, obj$argnum);"
%enddef
OL_OUT_VERSIONED(ol_loop_stats, OL_LOOP_STATS_VERSION)
OL_OUT_VERSIONED(ol_http_timing, OL_HTTP_TIMING_VERSION)

/* ---- Strings in: a String without NUL (ArgumentError otherwise, as StringValueCStr), or nil
 * for NULL. The C API copies what it keeps. */
%typemap(in) const char * {
    if (NIL_P($input)) $1 = NULL;
    else if (RB_TYPE_P($input, T_STRING)) $1 = StringValueCStr($input);
    else rb_raise(rb_eTypeError, "expected a String, got %s", rb_obj_classname($input));
}
%typemap(freearg) const char * ""
/* A URL is never NULL. */
%typemap(in) const char *url {
    Check_Type($input, T_STRING);
    $1 = StringValueCStr($input);
}

/* Bytes in: a String, any content. */
%typemap(in) (const void *data, size_t len) {
    Check_Type($input, T_STRING);
    $1 = RSTRING_PTR($input);
    $2 = (size_t)RSTRING_LEN($input);
}

/* Notifier#drain: the tags are dropped (the caller re-reads the futures' states). */
%typemap(in, numinputs=0) (uint64_t *tags, size_t max) (uint64_t tags[64]) {
    $1 = tags;
    $2 = 64;
}

/* ---- Responses. A response is owned by its Future (or head Item): the functions take that
 * handle, so no pointer into it outlives what owns it. */
%{
static ol_response *oneloop_response_of(VALUE obj)
{
    void *ptr = NULL;
    if (SWIG_IsOK(SWIG_ConvertPtr(obj, &ptr, SWIGTYPE_p_ol_future, 0)) && ptr &&
        ol_future_state_get(ptr) == OL_FUTURE_DONE)
        return ol_future_value(ptr);
    if (SWIG_IsOK(SWIG_ConvertPtr(obj, &ptr, SWIGTYPE_p_ol_item, 0)) && ptr &&
        ol_item_kind_get(ptr) == OL_ITEM_HEAD)
        return ol_item_object(ptr);
    rb_raise(rb_eTypeError, "expected a Future settled OK or a head Item, got %s",
             rb_obj_classname(obj));
}
%}
%typemap(in) const ol_response *resp, ol_response *resp "$1 = oneloop_response_of($input);"

/* The body as a binary String (the size is the response's own). */
%typemap(out) const void *ol_response_body
    "$result = rb_str_new($1, (long)ol_response_body_size(arg1));"

/* Response text (header names and values, URLs) as UTF-8 Strings, nil for NULL. */
%typemap(out) const char *ol_response_effective_url "$result = oneloop_utf8_or_nil($1);"
%typemap(in, numinputs=0) const char **name (const char *text = NULL),
                          const char **value (const char *text = NULL) "$1 = ($1_ltype)&text;"
%typemap(argout) const char **name, const char **value
    "$result = SWIG_Ruby_AppendOutput($result, oneloop_utf8_or_nil(*$1));"
