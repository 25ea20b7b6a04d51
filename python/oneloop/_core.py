"""The core handle: the compiled CFFI module (header and library checked to agree at import),
process-wide objects made on first use, the process-wide C executor, and how a thread
blocks on the core (timeouts, the deadlock guard, Ctrl-C)."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ._native import ffi, lib

HEADER_VERSION: int = lib.OL_VERSION_NUMBER
LIBRARY_VERSION: int = lib.ol_version()

if HEADER_VERSION != LIBRARY_VERSION:
    raise ImportError(
        f"oneloop: compiled against header version {HEADER_VERSION} but liboneloop.so is "
        f"version {LIBRARY_VERSION} ({ffi.string(lib.ol_version_string()).decode()}); "
        "reinstall the package against the library it loads"
    )

from ._errors import DeadlockError, Error  # noqa: E402  (after the check: its classes use lib)

T = TypeVar("T")


# -- process-wide objects ---------------------------------------------------------------------


class ProcessSingleton(Generic[T]):
    """One object per process, made by make() on first get() and forgotten in a forked child
    (whose threads it may not have); the next get() there makes a new one. A make() that
    raises leaves nothing behind: the next get() tries again."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._default_make = self._make = make
        self._value: T | None = None
        self.lock = threading.Lock()  # held while making the object
        os.register_at_fork(after_in_child=self._forget_after_fork)

    def get(self) -> T:
        value = self._value
        if value is None:
            with self.lock:
                if self._value is None:
                    self._value = self._make()
                value = self._value
        return value

    def peek(self) -> T | None:
        """The object if it was made, without making it."""
        return self._value

    def replace(self, make: Callable[[], T]) -> T | None:
        """From now on make() makes the object (on the next get()); returns the current one."""
        with self.lock:
            old, self._value, self._make = self._value, None, make
        return old

    def _forget_after_fork(self) -> None:
        # A parent thread may have held the lock at the fork: a new one.
        self._value, self._make, self.lock = None, self._default_make, threading.Lock()


# -- the executor ------------------------------------------------------------------------------


def _start_executor() -> Any:
    # The core abandons the parent's executor in a forked child; ol_loop_default builds a new one.
    ptr = lib.ol_loop_default()
    if ptr == ffi.NULL:
        raise Error(
            "could not start the oneloop executor (out of memory, threads or "
            "file descriptors); the next call tries again"
        )
    return ptr


_executor: ProcessSingleton[Any] = ProcessSingleton(_start_executor)


def default_loop() -> Any:
    """The ol_loop * every job of this process goes to; starts the executor on first use."""
    return _executor.get()


def _limit_from_env(name: str) -> int | None:
    """The variable as the core reads it: a decimal count up to 2**32-1, else ignored."""
    text = os.environ.get(name, "")
    digits = text.isascii() and text.isdigit()
    return int(text) if digits and int(text) <= 0xFFFFFFFF else None


def configure(
    *, max_connections: int | None = None, max_host_connections: int | None = None
) -> None:
    """Connection limits of the process-wide executor, before its first use (RuntimeError
    after). None keeps the default: ONELOOP_MAX_CONNECTIONS / ONELOOP_MAX_HOST_CONNECTIONS
    from the environment, else no total limit and 256 per host. 0 means unlimited."""
    opts = ffi.new("ol_loop_options *")
    lib.ol_loop_options_init(opts, lib.OL_LOOP_OPTIONS_VERSION)
    for name, value in (
        ("max_connections", max_connections),
        ("max_host_connections", max_host_connections),
    ):
        if value is None:  # the core reads the environment only when not configured
            value = _limit_from_env("ONELOOP_" + name.upper())
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        if not 0 <= value <= 0xFFFFFFFF:
            raise ValueError(f"{name} must be between 0 (unlimited) and 4294967295, not {value}")
        setattr(opts, name, value)
    with _executor.lock:  # not while this process's first use is starting it
        rc = lib.ol_loop_default_configure(opts)
    if rc == lib.OL_EALREADY:
        raise RuntimeError("oneloop.configure() must come before the executor's first use")
    if rc < 0:
        raise Error("ol_loop_default_configure failed", rc)


def stats() -> dict:
    """A snapshot of the executor's counters (submitted, completed, in_flight, ...)."""
    st = ffi.new("ol_loop_stats *")
    st.version = lib.OL_LOOP_STATS_VERSION
    rc = lib.ol_loop_stats_get(default_loop(), st)
    if rc < 0:
        raise Error("ol_loop_stats_get failed", rc)
    return {
        name: getattr(st, name)
        for name in (
            "submitted",
            "completed",
            "failed",
            "cancelled",
            "in_flight",
            "queue_depth",
            "http_connections",
        )
    }


# -- blocking waits ----------------------------------------------------------------------------
# C waits release the GIL (CFFI does so on every call). In the main thread they run in short
# slices so that a pending SIGINT is seen between slices: the job is then cancelled and the
# KeyboardInterrupt re-raised (case C24, docs/conformance.md).

SLICE_MS = 150
INT64_MAX = 2**63 - 1

# Thread idents where a blocking wait would deadlock: the coroutine loop's thread.
forbidden_threads: set[int] = set()
os.register_at_fork(after_in_child=forbidden_threads.clear)


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
