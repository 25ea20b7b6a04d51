"""A concurrent.futures.Future whose Condition is made only when something needs it.

concurrent.futures.wait/as_completed, add_done_callback and cancel() take the Condition (and
so create it). A future that is only submitted, settled and read never builds it: settling
without it is safe because nobody can be waiting on a Condition that does not exist, and a
global lock orders "create the Condition" against "settle without it"."""

from __future__ import annotations

import _thread
import concurrent.futures
import os
import threading
from concurrent.futures._base import FINISHED, PENDING
from typing import Any

_create_lock = _thread.allocate_lock()


def _after_fork_in_child() -> None:
    # A parent thread may have held it at the fork; the child settles its futures with it.
    global _create_lock
    _create_lock = _thread.allocate_lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


class LazyConditionFuture(concurrent.futures.Future):
    def __init__(self) -> None:  # no Future.__init__: it would build the Condition now
        self._state = PENDING
        self._result = None
        self._exception: BaseException | None = None
        self._waiters: list = []
        self._done_callbacks: list = []

    @property
    def _condition(self) -> threading.Condition:  # type: ignore[override]
        cond = self.__dict__.get("_cond")
        if cond is None:
            with _create_lock:
                cond = self.__dict__.get("_cond")
                if cond is None:
                    cond = self.__dict__["_cond"] = threading.Condition()
        return cond

    def _settle_lazily(self, result: Any, exc: BaseException | None) -> bool:
        """FINISHED with result or exc; False if it had already settled (e.g. cancelled)."""
        if "_cond" not in self.__dict__:
            with _create_lock:
                if "_cond" not in self.__dict__:
                    if self._state != PENDING:
                        return False
                    self._result, self._exception, self._state = result, exc, FINISHED
                    return True
        try:
            if exc is None:
                concurrent.futures.Future.set_result(self, result)
            else:
                concurrent.futures.Future.set_exception(self, exc)
        except concurrent.futures.InvalidStateError:
            return False
        return True
