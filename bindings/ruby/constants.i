/* The headers' enums and #define constants become Ruby constants (OneLoop::Native::OL_*).
 * Their functions are ignored here: handles.i, wait.i, jobs.i, response.i and iter.i choose
 * what Ruby sees, by name, so nothing that blocks with the GVL held slips through. */
#define OL_EXTERN
#define OL_BEGIN_DECL
#define OL_END_DECL

%rename("$ignore", regextarget=1, %$isfunction) "^ol_";
%rename("$ignore", %$isclass) "";
%rename("$ignore", %$istypedef) "";

%include <oneloop/common.h>
%include <oneloop/loop.h>
%include <oneloop/future.h>
%include <oneloop/iter.h>
%include <oneloop/job.h>
%include <oneloop/http.h>
