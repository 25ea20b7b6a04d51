"""JobFuture: the concurrent.futures.Future of a coroutine job, built for a fast round trip:
waiters spin briefly on a hand-off flag (see _handoff), then block on a plain lock released
when the future settles; the Future's Condition is made only when something needs it (see
_lazyfuture)."""

from __future__ import annotations

import _thread
import asyncio
import threading
from concurrent.futures._base import CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED, PENDING
from typing import TYPE_CHECKING, Any

from . import _handoff
from ._errors import CancelledError, ForkedError, TimeoutError
from ._lazyfuture import LazyConditionFuture
from ._waiting import guard_blocking, lock_timeout, timeout_ms

if TYPE_CHECKING:
    from ._coroutine_loop import Runner


class JobFuture(LazyConditionFuture):
    """Future of a coroutine job. cancel() cancels the task; Ctrl-C while waiting in the main
    thread cancels it and re-raises KeyboardInterrupt."""

    _task: asyncio.Task | None = None
    _runner: Runner | None = None
    _handoff: Any = None  # the hand-off flag, made by a waiter that spins

    def __init__(self) -> None:
        super().__init__()
        self._settled = _thread.allocate_lock()
        self._settled.acquire()

    # -- waiting
    def result(self, timeout: float | None = None) -> Any:
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

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._wait(timeout)
        if self._state in (CANCELLED, CANCELLED_AND_NOTIFIED):
            raise CancelledError("the coroutine job was cancelled")
        return self._exception

    def _wait(self, timeout: float | None) -> None:
        ms = timeout_ms(timeout)
        if self._state != PENDING:
            return
        guard_blocking("waiting on a coroutine job")
        runner = self._runner
        if ms != 0 and runner is not None and runner.only_job_in_flight():
            # Spinning pays only when the loop has nothing else to do first. Publish the flag,
            # then look at the state: _settle sets the state, then looks for a flag.
            flag = self._handoff = _handoff.new_flag()
            if self._state == PENDING:
                _handoff.spin(flag)
        lock = self._settled
        try:
            # Interruptible by SIGINT in the main thread (POSIX lock waits are).
            if lock.acquire(True, lock_timeout(ms)):
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
        flag = self._handoff
        if flag is not None:
            flag.settled = 1
        task, runner = self._task, self._runner
        if task is not None and runner is not None:
            runner.call_soon(task.cancel)
        return True

    def _settle(self, result: Any, exc: BaseException | None) -> None:
        """Loop thread: FINISHED with a result or an exception (dropped if cancelled)."""
        if self._settle_lazily(result, exc):
            self._settled.release()  # wakes a waiter that sleeps
            flag = self._handoff
            if flag is None:
                return
            runner = self._runner
            selector = runner.handoff_selector if runner is not None else None
            if selector is not None:
                selector.defer(flag)  # for the spinning waiter: as the loop thread blocks
            else:
                flag.settled = 1

    def _abandon_in_child(self) -> None:
        """A forked child: the job runs in the parent only, so waiters here get ForkedError at
        once instead of waiting forever."""
        if "_cond" in self.__dict__:
            # A parent thread may have held the Condition at the fork (settling, cancelling,
            # concurrent.futures.wait): a new one, as only this thread runs here. The waiters
            # registered were all other threads', gone with the fork.
            self.__dict__["_cond"] = threading.Condition()
            self._waiters = []
        exc = ForkedError("the coroutine job runs in the parent process")
        if self._settle_lazily(None, exc):
            self._settled.release()
            flag = self._handoff
            if flag is not None:
                flag.settled = 1

    def _finish(self, result: Any) -> None:
        self._settle(result, None)

    def _fail(self, exc: BaseException) -> None:
        self._settle(None, exc)

    def set_result(self, result: Any) -> None:
        raise RuntimeError("a coroutine job's future is settled by its coroutine")

    set_exception = set_result  # type: ignore[assignment]

    def __repr__(self) -> str:
        return super().__repr__().replace("<JobFuture", "<oneloop.JobFuture", 1)
