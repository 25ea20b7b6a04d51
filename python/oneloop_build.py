"""CFFI (API mode) builder for oneloop._native.

The cdef is produced from the core's real public headers (preprocessed with -DOL_CDEF), so the
binding cannot drift from them. Environment:
  ONELOOP_BUILD_DIR   CMake build dir holding core/liboneloop.so (default <repo>/build)
  ONELOOP_SOURCE_DIR  repository root holding core/include (default: parent of python/)
The extension links the SHARED library with an rpath, so every binding in a process shares
one executor (case C25, docs/conformance.md).
"""

import os
import re
import subprocess
import tempfile

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.environ.get("ONELOOP_SOURCE_DIR", os.path.join(HERE, "..")))
BUILD_DIR = os.path.abspath(os.environ.get("ONELOOP_BUILD_DIR", os.path.join(SOURCE_DIR, "build")))
INCLUDE_DIR = os.path.join(SOURCE_DIR, "core", "include")
LIB_DIR = os.path.join(BUILD_DIR, "core")
CSRC_DIR = os.path.join(HERE, "csrc")  # C helpers kept in files of their own

if not os.path.exists(os.path.join(LIB_DIR, "liboneloop.so")):
    raise SystemExit(
        f"oneloop: {LIB_DIR}/liboneloop.so not found; build the core and set ONELOOP_BUILD_DIR"
    )


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _preprocessed_header() -> str:
    # Empty stand-ins for the libc headers: CFFI knows size_t / int64_t natively.
    with tempfile.TemporaryDirectory() as fake:
        for name in ("stddef.h", "stdint.h"):
            open(os.path.join(fake, name), "w").close()
        cc = os.environ.get("CC", "cc")
        out = subprocess.run(
            [
                cc,
                "-E",
                "-P",
                "-DOL_CDEF",
                "-nostdinc",
                "-I",
                fake,
                "-I",
                INCLUDE_DIR,
                os.path.join(INCLUDE_DIR, "oneloop.h"),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return "\n".join(line for line in out.splitlines() if line.strip())


def _integer_defines() -> str:
    # Preprocessing drops #define constants; declare them with "..." so CFFI takes each value
    # from the compiled header.
    names = []
    for root, _dirs, files in os.walk(INCLUDE_DIR):
        for f in sorted(files):
            with open(os.path.join(root, f)) as fh:
                for m in re.finditer(
                    r"^#define\s+(OL_[A-Z0-9_]+)\s+\(?-?[0-9]+u?\)?\s*(?:/\*.*)?$", fh.read(), re.M
                ):
                    names.append(m.group(1))
    return "\n".join(f"#define {n} ..." for n in sorted(set(names)))


# Small C helpers on the hot path: one C call per request (or per batch) instead of one per
# option, and a batched wait. They use only the public API. The request struct is declared
# once, for the cdef and for the C source.
REQ_STRUCT = """
typedef struct olpy_req {
    const char *method;
    const char *url;
    const int *int_keys;
    const int64_t *int_values;
    size_t n_int;
    const int *str_keys;
    char *const *str_values;
    size_t n_str;
    const char *body;
    size_t body_len;
    int has_body;
} olpy_req;
"""

HELPERS_DECL = (
    REQ_STRUCT
    + """
int olpy_http_submit(ol_loop *loop, const olpy_req *req, int as_iter, size_t iter_capacity,
                     ol_future **out_future, ol_iter **out_iter);
int olpy_http_submit_batch(ol_loop *loop, const olpy_req *reqs, const uint32_t *which, size_t n,
                           ol_future **out);
void olpy_release_all(ol_future **futures, size_t n);
int olpy_notifier_watch_all(ol_notifier *notifier, ol_future **futures, size_t n, uint64_t tag);
extern "Python+C" int olpy_work_call(void *arg, void **value, ol_free_fn *value_free,
                                     int64_t *value_int);
int olpy_work_guarded(void *arg, void **value, ol_free_fn *value_free, int64_t *value_int);
void olpy_python_exiting(void);
void olpy_batch_outcomes(ol_future **futures, size_t n, int *states, ol_response **responses,
                         int *statuses, const char **bodies, size_t *sizes);
"""
    + _read(os.path.join(CSRC_DIR, "handoff.h"))
)

HELPERS_SRC = (
    r"""
#include <oneloop.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
"""
    + REQ_STRUCT
    + r"""
/* Work jobs call Python from libuv's pool threads. At interpreter exit libuv's own exit
 * cleanup still runs the queued ones, after Python is finalized: CFFI would then take the GIL
 * of a finalized interpreter and crash (SIGSEGV in PyGILState_Ensure). The interpreter's
 * atexit handler (_coroutine_loop.py) raises this flag first; later jobs end cancelled. */
int olpy_work_call(void *arg, void **value, ol_free_fn *value_free, int64_t *value_int);
static atomic_int olpy_exiting;
void olpy_python_exiting(void) { atomic_store(&olpy_exiting, 1); }
int olpy_work_guarded(void *arg, void **value, ol_free_fn *value_free, int64_t *value_int)
{
    if (atomic_load(&olpy_exiting)) return OL_ECANCELED;
    return olpy_work_call(arg, value, value_free, value_int);
}
static int olpy_build(const olpy_req *r, ol_job **out)
{
    ol_job *job = NULL;
    int rc = ol_http_job_new(&job, r->method, r->url);
    if (rc != OL_OK) return rc;
    for (size_t i = 0; i < r->n_int && rc == OL_OK; i++)
        rc = ol_job_set_int(job, r->int_keys[i], r->int_values[i]);
    for (size_t i = 0; i < r->n_str && rc == OL_OK; i++)
        rc = ol_job_set_str(job, r->str_keys[i], r->str_values[i]);
    if (rc == OL_OK && r->has_body) rc = ol_job_set_bytes(job, OL_HTTP_BODY, r->body, r->body_len);
    if (rc != OL_OK) {
        ol_job_free(job);
        return rc;
    }
    *out = job;
    return OL_OK;
}

int olpy_http_submit(ol_loop *loop, const olpy_req *req, int as_iter, size_t iter_capacity,
                     ol_future **out_future, ol_iter **out_iter)
{
    ol_job *job;
    int rc = olpy_build(req, &job);
    if (rc != OL_OK) return rc;
    if (as_iter) return ol_job_submit_iter(loop, job, iter_capacity, out_iter);
    return ol_job_submit(loop, job, out_future);
}

/* Submit n requests (reqs[which[i]]) with one ol_job_submit_batch: they reach the executor
 * together. All or nothing: on failure no future exists. */
int olpy_http_submit_batch(ol_loop *loop, const olpy_req *reqs, const uint32_t *which, size_t n,
                           ol_future **out)
{
    ol_job **jobs = calloc(n ? n : 1, sizeof *jobs);
    if (!jobs) return OL_ENOMEM;
    int rc = OL_OK;
    for (size_t i = 0; i < n && rc == OL_OK; i++) rc = olpy_build(&reqs[which[i]], &jobs[i]);
    if (rc != OL_OK) {
        for (size_t i = 0; i < n; i++) ol_job_free(jobs[i]);
        free(jobs);
        return rc;
    }
    rc = ol_job_submit_batch(loop, jobs, n, out);
    free(jobs);
    return rc;
}

void olpy_release_all(ol_future **futures, size_t n)
{
    for (size_t i = 0; i < n; i++) ol_future_release(futures[i]);
}

/* Every future posts `tag` to the notifier when it settles (agather counts them). Stops at
 * the first failure (out of memory): those already watched still post, so the caller then
 * cancels the batch and forgets the tag. */
int olpy_notifier_watch_all(ol_notifier *notifier, ol_future **futures, size_t n, uint64_t tag)
{
    for (size_t i = 0; i < n; i++) {
        int rc = ol_notifier_watch(notifier, futures[i], tag);
        if (rc != OL_OK) return rc;
    }
    return OL_OK;
}

/* Everything gather() reads of each settled future, in one call. */
void olpy_batch_outcomes(ol_future **futures, size_t n, int *states, ol_response **responses,
                         int *statuses, const char **bodies, size_t *sizes)
{
    for (size_t i = 0; i < n; i++) {
        states[i] = (int)ol_future_state_get(futures[i]);
        ol_response *r = states[i] == OL_FUTURE_DONE ? ol_future_value(futures[i]) : NULL;
        responses[i] = r;
        statuses[i] = r ? ol_response_status(r) : 0;
        bodies[i] = r ? ol_response_body(r) : NULL;
        sizes[i] = r ? ol_response_body_size(r) : 0;
    }
}
"""
)

ffibuilder = FFI()
ffibuilder.cdef(_preprocessed_header() + "\n" + _integer_defines() + "\n" + HELPERS_DECL)
ffibuilder.set_source(
    "oneloop._native",
    HELPERS_SRC + _read(os.path.join(CSRC_DIR, "handoff.c")),
    include_dirs=[INCLUDE_DIR, CSRC_DIR],
    library_dirs=[LIB_DIR],
    libraries=["oneloop"],
    extra_link_args=[f"-Wl,-rpath,{LIB_DIR}"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
