"""Blocking waits shared by every future kind: timeouts, the deadlock guard and Ctrl-C.

C waits release the GIL (CFFI does so on every call). In the main thread they run in short
slices so that a pending SIGINT is seen between slices: the job is then cancelled and the
KeyboardInterrupt re-raised (case C24, docs/conformance.md)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from ._core import lib
from ._errors import DeadlockError

SLICE_MS = 150
INT64_MAX = 2**63 - 1

# Thread idents where a blocking wait would deadlock: the coroutine loop's thread.
forbidden_threads: set[int] = set()


def timeout_ms(timeout: float | None, name: str = "timeout") -> int:
    """Seconds (None: forever) to the C API's int64 milliseconds (-1: forever)."""
    if timeout is None:
        return -1
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"{name} must be a number of seconds or None, not {type(timeout).__name__}")
    if timeout < 0 or math.isnan(timeout):
        raise ValueError(f"{name} must be >= 0 seconds or None, got {timeout!r}")
    ms = timeout * 1000
    # Saturated, like the core's deadlines: any larger timeout (up to inf) waits as long.
    return INT64_MAX if ms >= INT64_MAX else int(math.ceil(ms))


def lock_timeout(ms: int) -> float:
    """Milliseconds from timeout_ms() as a timeout for Lock.acquire (-1: forever), which
    refuses anything above threading.TIMEOUT_MAX: such a wait is as long as forever."""
    if ms < 0 or ms / 1000.0 >= threading.TIMEOUT_MAX:
        return -1
    return ms / 1000.0


def guard_blocking(what: str = "a blocking oneloop call") -> None:
    """Refuse to block the coroutine loop's own thread: it would wait for itself forever."""
    if forbidden_threads and threading.get_ident() in forbidden_threads:
        raise DeadlockError(
            f"{what} was made from the oneloop coroutine loop's own thread, where it would "
            "deadlock; use 'await' on the future (or the async API) inside coroutines"
        )


def wait_sliced(call: Callable[[int], int], ms: int, on_interrupt: Callable[[], object]) -> int:
    """Run call(ms) -> status until it is not OL_ETIMEDOUT or ms has passed."""
    if threading.current_thread() is not threading.main_thread():
        return call(ms)
    deadline = None if ms < 0 else time.monotonic() + ms / 1000.0
    try:
        while True:
            if deadline is None:
                step = SLICE_MS
            else:
                step = max(0, min(SLICE_MS, int(math.ceil((deadline - time.monotonic()) * 1000))))
            rc = call(step)
            if rc != lib.OL_ETIMEDOUT or (deadline is not None and time.monotonic() >= deadline):
                return rc
    except KeyboardInterrupt:
        on_interrupt()
        raise
