"""Timer jobs: run on the C executor, never take the GIL while pending."""

from __future__ import annotations

import math
from typing import Any

from . import _executor
from ._core import ffi, lib
from ._errors import check
from ._futures import NativeFuture, wrap_handle


def _elapsed_ms(handle: Any) -> int:
    return lib.ol_future_value_int(handle)


def timer(seconds: float) -> NativeFuture[int]:
    """A future that settles after `seconds` (value: the milliseconds asked for). Awaitable
    in coroutines, cancellable, usable with concurrent.futures.wait."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"seconds must be a number, not {type(seconds).__name__}")
    if not seconds >= 0:
        raise ValueError(f"seconds must be >= 0, got {seconds!r}")
    job = ffi.new("ol_job **")
    check(lib.ol_job_timer_new(job, int(math.ceil(seconds * 1000))))
    out = ffi.new("ol_future **")
    check(lib.ol_job_submit(_executor.default_loop(), job[0], out))
    return NativeFuture(wrap_handle(out[0]), _elapsed_ms)


def sleep(seconds: float) -> None:
    """Block the calling thread for `seconds` on an executor timer (Ctrl-C cancels it)."""
    timer(seconds).result()
