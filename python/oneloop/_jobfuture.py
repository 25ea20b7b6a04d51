"""JobFuture: the concurrent.futures.Future of a coroutine job, built for a fast round trip.

Waiters block on a plain lock released when the future settles. The Future's Condition is
created only if something needs it (concurrent.futures.wait/as_completed, done-callbacks,
cancel): the common submit -> result() round trip never builds or takes it."""
from __future__ import annotations

import _thread
import asyncio
import concurrent.futures
import threading
from concurrent.futures._base import CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED, PENDING
from typing import TYPE_CHECKING, Any, Optional

from ._waiting import guard_blocking, timeout_ms
from .errors import CancelledError, TimeoutError

if TYPE_CHECKING:
    from ._runner import Runner

# Guards creating a future's Condition against a settle without it (one C lock, rarely held).
_condition_lock = _thread.allocate_lock()


class JobFuture(concurrent.futures.Future):
    """Future of a coroutine job. cancel() cancels the task; Ctrl-C while waiting in the main
    thread cancels it and re-raises KeyboardInterrupt."""

    _task: Optional[asyncio.Task] = None
    _runner: Optional["Runner"] = None

    def __init__(self) -> None:  # no super().__init__: its Condition is made on demand
        self._state = PENDING
        self._result = None
        self._exception: Optional[BaseException] = None
        self._waiters: list = []
        self._done_callbacks: list = []
        self._settled = _thread.allocate_lock()
        self._settled.acquire()

    @property
    def _condition(self) -> threading.Condition:  # type: ignore[override]
        cond = self.__dict__.get("_cond")
        if cond is None:
            with _condition_lock:
                cond = self.__dict__.get("_cond")
                if cond is None:
                    cond = self.__dict__["_cond"] = threading.Condition()
        return cond

    # -- waiting
    def result(self, timeout: Optional[float] = None) -> Any:
        if self._state == FINISHED and self._exception is None:
            if timeout is not None:
                timeout_ms(timeout)  # bad input is refused even when no wait is needed
            return self._result
        self._wait(timeout)
        if self._state in (CANCELLED, CANCELLED_AND_NOTIFIED):
            raise CancelledError("the coroutine job was cancelled")
        exc = self._exception
        if exc is not None:
            try:
                raise exc
            finally:
                del exc  # no reference cycle through the traceback
        return self._result

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        self._wait(timeout)
        if self._state in (CANCELLED, CANCELLED_AND_NOTIFIED):
            raise CancelledError("the coroutine job was cancelled")
        return self._exception

    def _wait(self, timeout: Optional[float]) -> None:
        ms = timeout_ms(timeout)
        if self._state != PENDING:
            return
        guard_blocking("waiting on a coroutine job")
        lock = self._settled
        try:
            # Interruptible by SIGINT in the main thread (POSIX lock waits are).
            if lock.acquire(True, -1 if ms < 0 else ms / 1000.0):
                lock.release()  # let other waiters through too
        except KeyboardInterrupt:
            self.cancel()
            raise
        if self._state == PENDING:
            raise TimeoutError("the wait timed out; the coroutine keeps running")

    # -- settling
    def cancel(self) -> bool:
        with self._condition:
            if self._state != PENDING:
                return self._state in (CANCELLED, CANCELLED_AND_NOTIFIED)
            super().cancel()
            super().set_running_or_notify_cancel()  # wakes concurrent.futures.wait()
        self._settled.release()
        task, runner = self._task, self._runner
        if task is not None and runner is not None:
            runner.call_soon(task.cancel)
        return True

    def _settle(self, result: Any, exc: Optional[BaseException]) -> None:
        """Loop thread: FINISHED with a result or an exception (dropped if cancelled)."""
        if "_cond" not in self.__dict__:
            with _condition_lock:
                if "_cond" not in self.__dict__:  # nobody can be waiting on the Condition
                    if self._state != PENDING:
                        return
                    self._result, self._exception, self._state = result, exc, FINISHED
                    self._settled.release()
                    return
        try:
            if exc is None:
                super().set_result(result)
            else:
                super().set_exception(exc)
        except concurrent.futures.InvalidStateError:
            return  # cancelled meanwhile
        self._settled.release()

    def _finish(self, result: Any) -> None:
        self._settle(result, None)

    def _fail(self, exc: BaseException) -> None:
        self._settle(None, exc)

    def set_result(self, result: Any) -> None:
        raise RuntimeError("a coroutine job's future is settled by its coroutine")

    set_exception = set_result  # type: ignore[assignment]

    def __repr__(self) -> str:
        return super().__repr__().replace("<JobFuture", "<oneloop.JobFuture", 1)
