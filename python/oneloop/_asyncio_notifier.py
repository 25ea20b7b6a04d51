"""Awaiting native futures inside asyncio: one notifier per asyncio loop, its fd registered
with loop.add_reader, so completions reach the loop in batches through one wakeup. The same
notifier reports iterator readiness (async body streams) and whole batches (agather): they
all take their tags from one counter, so a tag names exactly one waiter."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import itertools
import os
import weakref
from typing import TYPE_CHECKING, Any

from ._core import ffi, lib
from ._errors import error_for

if TYPE_CHECKING:
    from ._futures import NativeFuture

_BATCH = 256


class LoopDispatcher:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        out = ffi.new("ol_notifier **")
        rc = lib.ol_notifier_new(out)
        if rc < 0:
            raise error_for(rc)
        self._notifier = ffi.gc(out[0], lib.ol_notifier_free)
        self._loop = weakref.ref(loop)  # the loop owns us (weak-keyed map), not the reverse
        self._pending: dict[int, tuple[NativeFuture, asyncio.Future]] = {}
        self._iter_waiters: dict[int, asyncio.Future] = {}
        self._batches: dict[int, list[Any]] = {}  # tag -> [completions still due, future]
        self._tags = itertools.count(1)
        self._buf = ffi.new("uint64_t[]", _BATCH)
        loop.add_reader(lib.ol_notifier_fd(self._notifier), self._on_ready)

    def watch(self, fut: NativeFuture, loop: asyncio.AbstractEventLoop) -> asyncio.Future:
        afut = loop.create_future()
        tag = next(self._tags)
        self._pending[tag] = (fut, afut)
        rc = lib.ol_notifier_watch(self._notifier, fut._handle, tag)
        if rc < 0:
            del self._pending[tag]
            raise error_for(rc)
        afut.add_done_callback(functools.partial(_cancel_native_if_cancelled, fut))
        return afut

    def watch_iter(self, it: Any, loop: asyncio.AbstractEventLoop) -> tuple[int, asyncio.Future]:
        """(tag, an asyncio future set once ol_iter_next(it, .., 0) has an item or the end).
        Call forget(tag) if the iterator is closed before that: no tag comes then."""
        afut = loop.create_future()
        tag = next(self._tags)  # the futures' counter: a tag is never both kinds
        self._iter_waiters[tag] = afut
        rc = lib.ol_notifier_watch_iter(self._notifier, it, tag)
        if rc < 0:
            del self._iter_waiters[tag]
            raise error_for(rc)
        return tag, afut

    def watch_all(
        self, handles: Any, n: int, loop: asyncio.AbstractEventLoop
    ) -> tuple[int, asyncio.Future]:
        """(tag, an asyncio future set once all n native futures have settled). Every
        completion posts the same tag; completions of one executor iteration wake the loop
        once. Call forget(tag) to stop waiting."""
        afut = loop.create_future()
        tag = next(self._tags)
        self._batches[tag] = [n, afut]
        rc = lib.olpy_notifier_watch_all(self._notifier, handles, n, tag)
        if rc < 0:
            del self._batches[tag]
            raise error_for(rc)
        return tag, afut

    def forget(self, tag: int) -> None:
        self._iter_waiters.pop(tag, None)
        self._batches.pop(tag, None)

    def _on_ready(self) -> None:
        n, buf, pending, waiters = self._notifier, self._buf, self._pending, self._iter_waiters
        while True:
            count = lib.ol_notifier_drain(n, buf, _BATCH)
            for i in range(count):
                tag = buf[i]
                entry = pending.pop(tag, None)
                if entry is not None:
                    _transfer(*entry)
                    continue
                waiter = waiters.pop(tag, None)
                if waiter is not None:
                    if not waiter.done():
                        waiter.set_result(None)
                    continue
                batch = self._batches.get(tag)
                if batch is not None:
                    batch[0] -= 1
                    if batch[0] == 0:
                        del self._batches[tag]
                        if not batch[1].done():
                            batch[1].set_result(None)
            if count < _BATCH:
                return

    def close(self) -> None:
        loop = self._loop()
        try:
            if loop is not None:
                loop.remove_reader(lib.ol_notifier_fd(self._notifier))
        except Exception:  # the loop may already be closed
            pass


def _cancel_native_if_cancelled(fut: NativeFuture, afut: asyncio.Future) -> None:
    # The awaiting task was cancelled: carry it to the native job.
    if afut.cancelled():
        fut.cancel()


def _transfer(fut: NativeFuture, afut: asyncio.Future) -> None:
    fut._settle_from_c()
    if afut.done():
        return
    if fut.cancelled():
        afut.cancel()
        return
    try:
        exc = fut.exception()  # settled already (its claimer may be finishing): no wait
    except concurrent.futures.CancelledError:
        afut.cancel()
        return
    if exc is not None:
        afut.set_exception(exc)
    else:
        afut.set_result(fut.result())


_dispatchers: weakref.WeakKeyDictionary[Any, LoopDispatcher] = weakref.WeakKeyDictionary()
_last: tuple[Any, Any] = (None, None)


def dispatcher_for(loop: asyncio.AbstractEventLoop) -> LoopDispatcher:
    """The dispatcher of loop (made on first use; the last one looked up is cached)."""
    global _last
    ref, d = _last
    if ref is None or ref() is not loop:
        d = _dispatchers.get(loop)
        if d is None:
            d = _dispatchers[loop] = LoopDispatcher(loop)
        _last = (weakref.ref(loop), d)
    return d


def watch_in_running_loop(fut: NativeFuture) -> asyncio.Future:
    """An asyncio future of the running loop that settles like fut."""
    loop = asyncio.get_running_loop()
    return dispatcher_for(loop).watch(fut, loop)


def _after_fork_in_child() -> None:
    # Notifiers and selectors of the parent's loops are not ours to use in the child.
    global _dispatchers, _last
    _dispatchers = weakref.WeakKeyDictionary()
    _last = (None, None)


os.register_at_fork(after_in_child=_after_fork_in_child)
