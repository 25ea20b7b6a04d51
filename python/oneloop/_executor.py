"""The process-wide C executor (ol_loop_default), looked up lazily and forgotten after fork."""

from __future__ import annotations

import os
import threading
from typing import Any

from ._core import ffi, lib
from ._errors import Error

_loop: Any = None
_lock = threading.Lock()


def default_loop() -> Any:
    """The ol_loop * every job of this process goes to; starts the executor on first use."""
    global _loop
    loop = _loop
    if loop is None:
        with _lock:
            if _loop is None:
                ptr = lib.ol_loop_default()
                if ptr == ffi.NULL:
                    raise Error(
                        "could not start the oneloop executor (out of memory, threads or "
                        "file descriptors); the next call tries again"
                    )
                _loop = ptr
            loop = _loop
    return loop


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
    with _lock:
        rc = lib.ol_loop_default_configure(opts)
    if rc == lib.OL_EALREADY:
        raise RuntimeError("oneloop.configure() must come before the executor's first use")
    if rc < 0:
        raise Error("ol_loop_default_configure failed", rc)


def started() -> bool:
    return _loop is not None


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


def shutdown(timeout_ms: int) -> None:
    """Stop the executor (at interpreter exit): running jobs get timeout_ms, then are cancelled."""
    global _loop
    with _lock:
        loop, _loop = _loop, None
    if loop is not None:
        lib.ol_loop_shutdown(loop, timeout_ms)


def _after_fork_in_child() -> None:
    # The core abandons the parent's executor in the child; ol_loop_default builds a new one.
    global _loop, _lock
    _loop = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)
