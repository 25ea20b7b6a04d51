/* SWIG interface of oneloop's C ABI. Today it generates the Ruby extension `OneLoop::Native`;
 * the idiomatic Ruby layer (ruby/lib/oneloop.rb) is built on top of it.
 *
 * SWIG generates the wrappers from the public headers: typemaps say how each C type becomes
 * a Ruby value, the handle classes and the list of functions say what Ruby sees. Hand-written
 * C is left only where SWIG cannot help: SWIG's Ruby backend never releases the GVL, so the
 * calls that may block (future waits, iterator pulls) are written by hand, waiting through
 * rb_thread_call_without_gvl2; the raw blocking C calls are not exposed.
 */
%module "OneLoop::Native"

%{
#include <oneloop.h>
#include <ruby/thread.h>
#include <stdint.h>
#include <stdlib.h>
%}

/* How C types become Ruby values: statuses, out-parameters, strings, bytes, responses. */
%include "ruby/typemaps.i"
/* Handles: Future, Iter, Notifier, Job, Item (released on GC or by Native.dispose). */
%include "ruby/handles.i"
/* The constants and the functions Ruby uses, from the headers. */
%include "ruby/functions.i"
/* Hand-written: GVL-free waits on futures, interruptible by Thread#raise, Timeout, Ctrl-C. */
%include "ruby/wait.i"
/* Hand-written: stream pulls in GVL-free slices. */
%include "ruby/iter.i"
