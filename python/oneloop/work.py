"""Blocking work on the core's worker pool (libuv's thread pool, never the executor thread).

    fut = oneloop.work.submit(hashlib.sha256, data)   # NativeFuture of the return value
    digest = oneloop.work.run(hashlib.sha256, data)   # blocking

The function runs on a pool thread that takes the GIL only for the call itself (CFFI's
extern "Python"); the loop thread never runs Python. Use it for blocking calls that release
the GIL (file I/O, C libraries); pure-Python CPU work still contends for the GIL."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from ._core import default_loop, ffi, lib
from ._errors import check
from ._futures import NativeFuture

T = TypeVar("T")

# key -> [fn, args, kwargs, outcome]; the C job carries only the key.
_jobs: dict[int, list] = {}
_keys = itertools.count(1)
_ERROR = -1  # OL_ERROR: the call raised; the exception is kept in _jobs


@ffi.def_extern(error=_ERROR)
def olpy_work_call(arg: Any, value: Any, value_free: Any, value_int: Any) -> int:
    if sys.is_finalizing():
        return lib.OL_ECANCELED
    entry = _jobs.get(int(ffi.cast("uintptr_t", arg)))
    if entry is None:
        return lib.OL_ECANCELED
    fn, args, kwargs = entry[0], entry[1], entry[2]
    try:
        entry[3] = (True, fn(*args, **kwargs))
    except BaseException as exc:  # delivered to whoever waits on the future
        entry[3] = (False, exc)
        return _ERROR
    finally:
        entry[0] = entry[1] = entry[2] = None
    return lib.OL_OK


def submit(fn: Callable[..., T], *args: Any, **kwargs: Any) -> NativeFuture[T]:
    """Run fn(*args, **kwargs) on the worker pool; its future settles with the return value
    (or the exception). Cancelling before it starts skips it."""
    if not callable(fn):
        raise TypeError(f"work.submit() needs a callable, not {type(fn).__name__}")
    key = next(_keys)
    entry = _jobs[key] = [fn, args, kwargs, None]
    job = ffi.new("ol_job **")
    try:
        check(lib.ol_job_work_new(job, lib.olpy_work_guarded, ffi.cast("void *", key), ffi.NULL))
        out = ffi.new("ol_future **")
        check(lib.ol_job_submit(default_loop(), job[0], out))
    except BaseException:
        _jobs.pop(key, None)
        raise
    handle = ffi.gc(out[0], lambda h, key=key: (_jobs.pop(key, None), lib.ol_future_release(h)))
    return _WorkFuture(handle, key, entry)


class _WorkFuture(NativeFuture):
    def __init__(self, handle: Any, key: int, entry: list) -> None:
        super().__init__(handle, self._value)
        self._entry = entry

    def _value(self, handle: Any) -> Any:
        return self._entry[3][1]

    def _outcome_from_c(self, state: int) -> Any:
        # A raised exception travels as OL_ERROR in C; hand back the original exception.
        outcome = self._entry[3]
        if state == lib.OL_FUTURE_FAILED and outcome is not None and not outcome[0]:
            return None, outcome[1]
        return super()._outcome_from_c(state)


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """submit() and wait (Ctrl-C in the main thread cancels it if not started)."""
    return submit(fn, *args, **kwargs).result()


def _after_fork_in_child() -> None:
    _jobs.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
