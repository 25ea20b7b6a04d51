/* What Ruby sees of the public headers: their constants (OneLoop::Native::OL_*), the
 * handle classes of handles.i, and the functions named here, under the name Ruby calls. Every
 * other function is left out: Ruby cannot use callbacks, frees through GC, and must not block
 * with the GVL held (wait.i and iter.i replace the blocking calls). Listing what is in, rather
 * than what is out, keeps a function added to a header from reaching Ruby unseen. */
#define OL_EXTERN
#define OL_BEGIN_DECL
#define OL_END_DECL

%rename("$ignore", regextarget=1, %$isfunction) "^ol_";
%rename("$ignore", %$isclass) "";
%rename("$ignore", %$istypedef) "";

%rename(strerror) ol_strerror;
%rename(version) ol_version;
%rename(version_string) ol_version_string;

/* The process-wide loop is implicit (typemaps.i). */
%rename(on_loop_thread) ol_loop_is_loop_thread;
%rename(loop_stats) ol_loop_stats_get;
%rename(LoopStats) ol_loop_stats;

/* Jobs: built, set up (Job methods), submitted (the Job is consumed). */
%rename(job_timer_new) ol_job_timer_new;
%rename(http_job_new) ol_http_job_new;
%rename(job_submit) ol_job_submit;
%rename(job_submit_iter) ol_job_submit_iter;
%rename(job_submit_batch) ol_job_submit_batch;

%rename(notifier_new) ol_notifier_new;

/* Responses, read through the Future (or head Item) that owns them. */
%rename(response_status) ol_response_status;
%rename(response_http_version) ol_response_http_version;
%rename(response_header_count) ol_response_header_count;
%rename(response_header_at) ol_response_header_at;
%rename(response_effective_url) ol_response_effective_url;
%rename(response_body) ol_response_body;
%rename(response_discard_body) ol_response_discard_body;
%rename(response_timing) ol_response_timing;
%rename(HTTPTiming) ol_http_timing;

%include <oneloop/common.h>
%include <oneloop/loop.h>
%include <oneloop/future.h>
%include <oneloop/iter.h>
%include <oneloop/job.h>
%include <oneloop/http.h>
