"""The process-wide C executor (ol_loop_default), looked up lazily and forgotten after fork."""
from __future__ import annotations

import os
import threading
from typing import Any

from ._ffi import ffi, lib
from .errors import Error

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
                    raise Error("could not start the oneloop executor thread")
                _loop = ptr
            loop = _loop
    return loop


def started() -> bool:
    return _loop is not None


def stats() -> dict:
    """A snapshot of the executor's counters (submitted, completed, in_flight, ...)."""
    st = ffi.new("ol_loop_stats *")
    st.version = lib.OL_LOOP_STATS_VERSION
    rc = lib.ol_loop_stats_get(default_loop(), st)
    if rc < 0:
        raise Error("ol_loop_stats_get failed", rc)
    return {name: getattr(st, name) for name in
            ("submitted", "completed", "failed", "cancelled", "in_flight", "queue_depth",
             "http_connections")}


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
