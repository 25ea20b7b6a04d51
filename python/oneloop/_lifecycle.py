"""Clean interpreter exit (case C23, docs/conformance.md): stop delivering. Coroutine tasks are
cancelled and the coroutine loop stopped before finalization, so no Python runs in our threads
during it. The C executor is left alone (it never calls into Python, and other bindings or C code of
the process may still use it); threads still blocked on a native wait stay blocked and die
with the process instead of waking up to a CancelledError traceback. Work jobs that the pool
starts from here on are cancelled without entering Python (the interpreter is going away)."""

from __future__ import annotations

import atexit

from . import _coroutine_loop as _runner
from ._core import lib

EXIT_GRACE_SECONDS = 0.5


def _at_exit() -> None:
    runner = _runner.started_runner()
    if runner is not None:
        runner.shutdown(EXIT_GRACE_SECONDS)
    lib.olpy_python_exiting()


atexit.register(_at_exit)
