"""NativeFuture: a concurrent.futures.Future backed by a C ol_future.

No Python runs when a native job completes. Whoever looks first settles the Python side from
the C state: a thread in result()/done(), the asyncio dispatcher of an awaiting loop, or the
delivery thread (started only when a done-callback or concurrent.futures.wait needs a push)."""

from __future__ import annotations

import concurrent.futures
import itertools
import os
import threading
from collections.abc import Callable, Generator
from concurrent.futures._base import CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED, PENDING
from typing import Any, Generic, TypeVar

from ._core import ffi, lib
from ._errors import CancelledError, TimeoutError, error_for
from ._lazyfuture import LazyConditionFuture
from ._waiting import guard_blocking, timeout_ms, wait_sliced

T = TypeVar("T")


def wrap_handle(ptr: Any) -> Any:
    """Own one reference of an ol_future * (released when the Python object dies)."""
    return ffi.gc(ptr, lib.ol_future_release)


def failure_of(handle: Any) -> BaseException:
    status = lib.ol_future_status(handle)
    msg = lib.ol_future_error_message(handle)
    return error_for(status, ffi.string(msg).decode("utf-8", "replace") if msg != ffi.NULL else "")


class _WatchingList(list):
    """Future._waiters: concurrent.futures.wait/as_completed append here; a native future
    then needs someone to push its completion, so it subscribes to the delivery thread."""

    __slots__ = ("_owner",)

    def __init__(self, owner: NativeFuture) -> None:
        super().__init__()
        self._owner = owner

    def append(self, waiter: Any) -> None:
        super().append(waiter)
        self._owner._watch()


class NativeFuture(LazyConditionFuture, Generic[T]):
    """The outcome of a native job (HTTP request, timer, ...). Works with
    concurrent.futures.wait/as_completed and is awaitable inside coroutines."""

    def __init__(self, handle: Any, convert: Callable[[Any], T]) -> None:
        super().__init__()
        self._handle = handle
        self._convert = convert
        self._unclaimed = True
        self._waiters = _WatchingList(self)

    # -- settling the Python side from the C state (exactly once, by whoever claims it)
    def _claim(self) -> bool:
        return self.__dict__.pop("_unclaimed", False)

    def _settle_from_c(self) -> None:
        h = self._handle
        state = lib.ol_future_state_get(h)
        if state == lib.OL_FUTURE_PENDING or not self._claim():
            return
        if state == lib.OL_FUTURE_DONE:
            try:
                value = self._convert(h)
            except BaseException as exc:  # a conversion failure belongs to this future
                self._settle_lazily(None, exc)
            else:
                self._settle_lazily(value, None)
        elif state == lib.OL_FUTURE_CANCELLED:
            self._cancel_python_side()
        else:
            self._settle_lazily(None, failure_of(h))

    def _cancel_python_side(self) -> None:
        super().cancel()
        # Base cancel() does not wake concurrent.futures.wait(); this does.
        super().set_running_or_notify_cancel()

    def _watch(self) -> None:
        if "_watched" not in self.__dict__:
            self._watched = True
            _delivery().watch(self)

    def _wait_c(self, timeout: float | None) -> None:
        ms = timeout_ms(timeout)
        if self._state != PENDING:
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
        if self._state == FINISHED and self._exception is None:
            if timeout is not None:
                timeout_ms(timeout)  # bad input is refused even when no wait is needed
            return self._result  # type: ignore[return-value]
        self._wait_c(timeout)
        if self._state in (CANCELLED, CANCELLED_AND_NOTIFIED):
            raise CancelledError("the job was cancelled")
        if self._state != FINISHED:  # another thread is settling it right now
            return super().result(None)
        exc = self._exception
        if exc is not None:
            try:
                raise exc
            finally:
                del exc
        return self._result  # type: ignore[return-value]

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._wait_c(timeout)
        if self._state in (CANCELLED, CANCELLED_AND_NOTIFIED):
            raise CancelledError("the job was cancelled")
        if self._state != FINISHED:
            return super().exception(None)
        return self._exception

    def done(self) -> bool:
        if self._state == PENDING:
            self._settle_from_c()
        return super().done()

    def running(self) -> bool:
        return not self.done()

    def cancelled(self) -> bool:
        if self._state == PENDING:
            self._settle_from_c()
        return super().cancelled()

    def cancel(self) -> bool:
        """Cancel the job: a pending future settles cancelled at once and the job (transfer,
        timer) is stopped on the executor. False if it had already settled."""
        if self._state != PENDING:
            return self._state in (CANCELLED, CANCELLED_AND_NOTIFIED)
        if lib.ol_future_cancel(self._handle) == lib.OL_OK:
            if self._claim():
                self._cancel_python_side()
            return True
        self._settle_from_c()
        return self.cancelled()

    def add_done_callback(self, fn: Callable[[concurrent.futures.Future], object]) -> None:
        if self._state == PENDING:
            self._watch()
        super().add_done_callback(fn)

    def set_result(self, result: Any) -> None:
        raise RuntimeError("a native oneloop future is settled by its job")

    set_exception = set_result  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, T]:
        if self.done():
            return self.result()
        from ._asyncio_notifier import watch_in_running_loop

        return (yield from watch_in_running_loop(self).__await__())

    def __repr__(self) -> str:
        self.done()
        return super().__repr__().replace("<Future", "<oneloop.NativeFuture", 1)


class _Delivery:
    """One daemon thread that blocks (GIL released) on a notifier and settles the futures
    that asked for a push. Started on first need, never at import."""

    def __init__(self) -> None:
        out = ffi.new("ol_notifier **")
        rc = lib.ol_notifier_new(out)
        if rc < 0:
            raise error_for(rc)
        self._notifier = out[0]
        self._futures: dict[int, NativeFuture] = {}
        self._tags = itertools.count(1)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, fut: NativeFuture) -> None:
        tag = next(self._tags)
        self._futures[tag] = fut
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    t = threading.Thread(target=self._run, name="oneloop-delivery", daemon=True)
                    t.start()
                    self._thread = t
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


_delivery_instance: _Delivery | None = None
_delivery_lock = threading.Lock()


def _delivery() -> _Delivery:
    global _delivery_instance
    d = _delivery_instance
    if d is None:
        with _delivery_lock:
            if _delivery_instance is None:
                _delivery_instance = _Delivery()
            d = _delivery_instance
    return d


def _after_fork_in_child() -> None:
    # The parent's delivery thread does not exist here; its notifier is abandoned, not freed.
    global _delivery_instance, _delivery_lock
    _delivery_instance = None
    _delivery_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)
