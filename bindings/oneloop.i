/* SWIG interface of oneloop's C ABI. Today it generates the Ruby extension `OneLoop::Native`;
 * the idiomatic Ruby layer (ruby/lib/oneloop.rb) is built on top of it.
 *
 * SWIG's Ruby backend never releases the GVL, so every call that may block (future waits,
 * iterator pulls) is a hand-written wrapper in ruby/*.i that waits through
 * rb_thread_call_without_gvl with an unblocking function. The raw blocking C calls
 * (ol_future_wait, ol_wait_all, ol_wait_any, ol_iter_next, ol_notifier_wait) are not exposed.
 */
%module "OneLoop::Native"

%{
#include <oneloop.h>
#include <ruby/thread.h>
#include <stdint.h>
#include <string.h>

/* Defined in ruby/wait.i, used by methods SWIG emits earlier. */
static int oneloop_future_wait(ol_future *f, long long timeout_ms);
%}

%include <stdint.i>

/* Stable status codes, states and option keys become Ruby constants (OneLoop::Native::OL_OK). */
%include "ruby/constants.i"
/* Handles: Future, Iter, Notifier (reference-counted / freed on GC), module functions. */
%include "ruby/handles.i"
/* GVL-free waits on futures, interruptible by Thread#raise, Timeout, Ctrl-C. */
%include "ruby/wait.i"
/* Jobs: timer and HTTP submission in one call each (the per-call CPU matters). */
%include "ruby/jobs.i"
/* HTTP responses converted to Ruby values. */
%include "ruby/response.i"
/* Streaming iterators: pulled in GVL-free slices. */
%include "ruby/iter.i"
