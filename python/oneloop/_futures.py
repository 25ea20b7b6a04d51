"""The futures oneloop returns: concurrent.futures.Futures settled exactly once, by whoever
claims them first, through Future's public methods.

- NativeFuture: the outcome of a native job (HTTP request, timer, work), backed by a C
  ol_future. No Python runs when the job completes: whoever looks first settles the Python
  side from the C state (a thread in result()/done(), the asyncio notifier of an awaiting
  loop, or the delivery thread, started only when a done-callback or concurrent.futures.wait
  needs a push).
- JobFuture: the outcome of a coroutine job, settled on the coroutine loop's thread; built for
  a fast round trip (waiters spin briefly on a hand-off flag, see _handoff, then block on a
  plain lock released when the future settles).

Future's internals are touched in two places only, each said where it is: concurrent.futures.wait
is noticed through Future._waiters (_WatchingList), and a forked child replaces the Condition
a parent thread may have held (_OnceFuture._forget_parent_threads).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import math
import threading
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import _handoff
from ._core import (
    ProcessSingleton,
    default_loop,
    ffi,
    guard_blocking,
    lib,
    lock_timeout,
    timeout_ms,
    wait_sliced,
)
from ._errors import CancelledError, ForkedError, TimeoutError, check, error_for

if TYPE_CHECKING:
    from ._coroutine_loop import Runner

T = TypeVar("T")

_Future = concurrent.futures.Future
_SETTLED = "settled"  # who claimed a future: the job's outcome ...
_CANCELLED = "cancelled"  # ... or a cancel


class _OnceFuture(_Future, Generic[T]):
    """A Future its owner settles exactly once: the first to claim it (an atomic dict
    setdefault) sets its outcome; set_result()/set_exception() are refused to everyone else."""

    _what = "job"  # in the messages: "the job was cancelled"
    _settled_by = "a native oneloop future is settled by its job"

    def _claim(self, how: str) -> bool:
        claim = (how,)  # a new object: only the first setdefault stores it
        return self.__dict__.setdefault("_claimed_by", claim) is claim

    def _claimed(self) -> bool:
        return "_claimed_by" in self.__dict__

    def _set(self, result: Any, exc: BaseException | None) -> None:
        """The claimer: FINISHED with result or exc."""
        if exc is None:
            _Future.set_result(self, result)
        else:
            _Future.set_exception(self, exc)
        # Kept once the Future is FINISHED too: result() then reads it without the Condition.
        self._finished = (result, exc)

    def _set_cancelled(self) -> None:
        """The claimer: CANCELLED, and concurrent.futures.wait() told (cancel() alone does not)."""
        _Future.cancel(self)
        _Future.set_running_or_notify_cancel(self)

    def _cancel_outcome(self) -> bool:
        """cancel()'s answer once someone else claimed: True if that was a cancel."""
        return self.__dict__["_claimed_by"][0] == _CANCELLED

    def _forget_parent_threads(self) -> None:
        # In a forked child only. A parent thread may have held the Future's Condition at the
        # fork (settling, cancelling, concurrent.futures.wait), and nothing public replaces a
        # lock that a gone thread holds: one of the two touches of Future's internals. The
        # waiters registered were all other threads', gone with the fork.
        self._condition = threading.Condition()
        self._waiters.clear()

    def _finished_result(self) -> Any:
        """result() of a future claimed already."""
        finished = self.__dict__.get("_finished")
        if finished is None:
            return self._outcome(super().result)
        exc = finished[1]
        if exc is not None:
            try:
                raise exc
            finally:
                del exc  # no reference cycle through the traceback
        return finished[0]

    def _finished_exception(self) -> BaseException | None:
        """exception() of a future claimed already."""
        finished = self.__dict__.get("_finished")
        return self._outcome(super().exception) if finished is None else finished[1]

    def _outcome(self, get: Callable[[float | None], Any]) -> Any:
        """get (Future.result or Future.exception) of a future claimed already and not known
        FINISHED: its outcome, with oneloop's CancelledError for a cancelled one."""
        try:
            return get(None)  # the claimer may still be setting it: a short wait at most
        except concurrent.futures.CancelledError:
            if _Future.cancelled(self):
                raise CancelledError(f"the {self._what} was cancelled") from None
            raise

    def set_result(self, result: Any) -> None:
        raise RuntimeError(self._settled_by)

    set_exception = set_result  # type: ignore[assignment]


# -- native futures ----------------------------------------------------------------------------


def wrap_handle(ptr: Any) -> Any:
    """Own one reference of an ol_future * (released when the Python object dies)."""
    return ffi.gc(ptr, lib.ol_future_release)


def failure_of(handle: Any) -> BaseException:
    status = lib.ol_future_status(handle)
    msg = lib.ol_future_error_message(handle)
    return error_for(status, ffi.string(msg).decode("utf-8", "replace") if msg != ffi.NULL else "")


class _WatchingList(list):
    """Future._waiters: concurrent.futures.wait/as_completed append here; a native future
    then needs someone to push its completion, so it subscribes to the delivery thread.
    (wait() offers no public hook; without this every native future would need a push.)"""

    __slots__ = ("_owner",)

    def __init__(self, owner: NativeFuture) -> None:
        super().__init__()
        self._owner = owner

    def append(self, waiter: Any) -> None:
        super().append(waiter)
        self._owner._watch()


class NativeFuture(_OnceFuture[T]):
    """The outcome of a native job (HTTP request, timer, ...). Works with
    concurrent.futures.wait/as_completed and is awaitable inside coroutines."""

    def __init__(self, handle: Any, convert: Callable[[Any], T]) -> None:
        super().__init__()
        self._handle = handle
        self._convert = convert
        self._waiters = _WatchingList(self)

    # -- settling the Python side from the C state (exactly once, by whoever claims it)
    def _settle_from_c(self) -> None:
        h = self._handle
        state = lib.ol_future_state_get(h)
        if state == lib.OL_FUTURE_PENDING:
            return
        if state == lib.OL_FUTURE_CANCELLED:
            if self._claim(_CANCELLED):
                self._set_cancelled()
        elif self._claim(_SETTLED):
            self._set(*self._outcome_from_c(state))

    def _outcome_from_c(self, state: int) -> Any:
        """(result, exception) of the settled C future."""
        if state != lib.OL_FUTURE_DONE:
            return None, failure_of(self._handle)
        try:
            return self._convert(self._handle), None
        except BaseException as exc:  # a conversion failure belongs to this future
            return None, exc

    def _watch(self) -> None:
        if "_watched" not in self.__dict__:
            self._watched = True
            _delivery.get().watch(self)

    def _wait_c(self, timeout: float | None) -> None:
        ms = timeout_ms(timeout)  # bad input is refused even when no wait is needed
        if self._claimed():
            return
        if lib.ol_future_state_get(self._handle) == lib.OL_FUTURE_PENDING:
            guard_blocking("waiting on a oneloop future")
            h = self._handle
            rc = wait_sliced(lambda step: lib.ol_future_wait(h, step), ms, self.cancel)
            if rc == lib.OL_ETIMEDOUT:
                raise TimeoutError("the wait timed out; the job keeps running")
            if rc < 0:
                raise error_for(rc)
        self._settle_from_c()

    # -- concurrent.futures.Future API
    def result(self, timeout: float | None = None) -> T:
        self._wait_c(timeout)
        return self._finished_result()

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._wait_c(timeout)
        return self._finished_exception()

    def done(self) -> bool:
        if not self._claimed():
            self._settle_from_c()
        return super().done()

    def running(self) -> bool:
        return not self.done()

    def cancelled(self) -> bool:
        if not self._claimed():
            self._settle_from_c()
        return super().cancelled()

    def cancel(self) -> bool:
        """Cancel the job: a pending future settles cancelled at once and the job (transfer,
        timer) is stopped on the executor. False if it had already settled."""
        if self._claimed():
            return self._cancel_outcome()
        if lib.ol_future_cancel(self._handle) == lib.OL_OK:
            if self._claim(_CANCELLED):
                self._set_cancelled()
            return True
        self._settle_from_c()
        return self._cancel_outcome()

    def add_done_callback(self, fn: Callable[[concurrent.futures.Future], object]) -> None:
        if not self._claimed():
            self._watch()
        super().add_done_callback(fn)

    def __await__(self) -> Generator[Any, None, T]:
        if self.done():
            return self.result()
        from ._asyncio_notifier import watch_in_running_loop

        return (yield from watch_in_running_loop(self).__await__())

    def __repr__(self) -> str:
        self.done()
        return super().__repr__().replace("<NativeFuture", "<oneloop.NativeFuture", 1)


class _Delivery:
    """One daemon thread that blocks (GIL released) on a notifier and settles the futures
    that asked for a push. Started on first need, never at import."""

    def __init__(self) -> None:
        out = ffi.new("ol_notifier **")
        rc = lib.ol_notifier_new(out)
        if rc < 0:
            raise error_for(rc)
        self._notifier = out[0]  # abandoned, not freed, in a forked child
        self._futures: dict[int, NativeFuture] = {}
        self._tags = itertools.count(1)
        self._thread = threading.Thread(target=self._run, name="oneloop-delivery", daemon=True)
        self._thread.start()

    def watch(self, fut: NativeFuture) -> None:
        tag = next(self._tags)
        self._futures[tag] = fut
        rc = lib.ol_notifier_watch(self._notifier, fut._handle, tag)
        if rc < 0:
            self._futures.pop(tag, None)
            raise error_for(rc)

    def _run(self) -> None:
        n = self._notifier
        tags = ffi.new("uint64_t[256]")
        futures = self._futures
        while True:
            lib.ol_notifier_wait(n, -1)
            count = lib.ol_notifier_drain(n, tags, 256)
            for i in range(count):
                fut = futures.pop(tags[i], None)
                if fut is not None:
                    fut._settle_from_c()


_delivery: ProcessSingleton[_Delivery] = ProcessSingleton(_Delivery)


# -- timers: the simplest native job -----------------------------------------------------------


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
    check(lib.ol_job_submit(default_loop(), job[0], out))
    return NativeFuture(wrap_handle(out[0]), _elapsed_ms)


def sleep(seconds: float) -> None:
    """Block the calling thread for `seconds` on an executor timer (Ctrl-C cancels it)."""
    timer(seconds).result()


# -- coroutine job futures ---------------------------------------------------------------------


class JobFuture(_OnceFuture[Any]):
    """Future of a coroutine job. cancel() cancels the task; Ctrl-C while waiting in the main
    thread cancels it and re-raises KeyboardInterrupt."""

    _what = "coroutine job"
    _settled_by = "a coroutine job's future is settled by its coroutine"
    _task: asyncio.Task | None = None  # set on the loop thread once the job starts
    _handoff: Any = None  # the hand-off flag, made by a waiter that spins

    def __init__(self, runner: Runner) -> None:
        super().__init__()
        self._runner = runner
        self._settled = threading.Lock()  # released once settled: what waiters sleep on
        self._settled.acquire()

    # -- waiting
    def result(self, timeout: float | None = None) -> Any:
        self._wait(timeout)
        return self._finished_result()

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._wait(timeout)
        return self._finished_exception()

    def _wait(self, timeout: float | None) -> None:
        ms = timeout_ms(timeout)  # bad input is refused even when no wait is needed
        if self._claimed():
            return
        guard_blocking("waiting on a coroutine job")
        if ms != 0 and self._runner.only_job_in_flight():
            # Spinning pays only when the loop has nothing else to do first. Publish the flag,
            # then look at the claim: the settling side claims, then looks for a flag.
            flag = self._handoff = _handoff.new_flag()
            if not self._claimed():
                _handoff.spin(flag)
        lock = self._settled
        try:
            # Interruptible by SIGINT in the main thread (POSIX lock waits are).
            if lock.acquire(True, lock_timeout(ms)):
                lock.release()  # let other waiters through too
        except KeyboardInterrupt:
            self.cancel()
            raise
        if not self._claimed():
            raise TimeoutError("the wait timed out; the coroutine keeps running")

    # -- settling
    def cancel(self) -> bool:
        if not self._claim(_CANCELLED):
            return self._cancel_outcome()
        self._set_cancelled()
        self._wake_waiters(at_once=True)
        self._runner.call_soon(self._cancel_task)
        return True

    def _cancel_task(self) -> None:
        # Loop thread, after the job's own queue entry: its task exists if it started.
        if self._task is not None:
            self._task.cancel()

    def _settle(self, result: Any, exc: BaseException | None) -> None:
        """Loop thread: FINISHED with a result or an exception (dropped if cancelled)."""
        if self._claim(_SETTLED):
            self._set(result, exc)
            self._wake_waiters(at_once=False)

    def _wake_waiters(self, at_once: bool) -> None:
        self._settled.release()  # wakes a waiter that sleeps
        flag = self._handoff
        if flag is None:
            return
        selector = self._runner.handoff_selector
        if selector is not None and not at_once:
            selector.defer(flag)  # for the spinning waiter: as the loop thread blocks
        else:
            flag.settled = 1

    def _abandon_in_child(self) -> None:
        """A forked child: the job runs in the parent only, so waiters here get ForkedError at
        once instead of waiting forever."""
        self._forget_parent_threads()
        if self._claim(_SETTLED):
            self._set(None, ForkedError("the coroutine job runs in the parent process"))
            self._wake_waiters(at_once=True)

    def __repr__(self) -> str:
        return super().__repr__().replace("<JobFuture", "<oneloop.JobFuture", 1)
