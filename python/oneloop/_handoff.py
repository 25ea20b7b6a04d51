"""Handing a coroutine job's result to its waiting thread without a second wake-up.

The waiter spins briefly on a C flag with the GIL released (handoff.c). On a loop oneloop
creates itself, the flag is raised by HandoffSelector only as the loop thread blocks in
epoll_wait, so the waiter finds the GIL free; on other loops (uvloop, the app's own) it is
raised as the future settles. The future's lock stays the source of truth either way."""

from __future__ import annotations

import asyncio
import math
import selectors
from typing import Any

from ._core import ffi, lib

_EPOLLIN = 0x001
_EPOLLOUT = 0x004
_MAX_EVENTS = 256  # handoff.c's HANDOFF_MAX_EVENTS


def new_flag() -> Any:
    return ffi.new("olpy_handoff *")


def spin(flag: Any) -> bool:
    """Wait a little for the flag (GIL released): True if raised, False if the caller sleeps."""
    return bool(lib.olpy_handoff_spin(flag))


class HandoffSelector(selectors.EpollSelector):
    """An EpollSelector that raises the flags of futures settled on its loop as it blocks."""

    def __init__(self) -> None:
        super().__init__()
        self._settled: list[Any] = []  # flags to raise; loop thread only
        self._fds = ffi.new("int[]", _MAX_EVENTS)
        self._events = ffi.new("uint32_t[]", _MAX_EVENTS)

    def defer(self, flag: Any) -> None:
        self._settled.append(flag)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if not self._settled:
            return super().select(timeout)
        flags, self._settled = self._settled, []
        if timeout is None:
            ms = -1
        elif timeout <= 0:
            ms = 0
        else:
            # Like EpollSelector: never wake before the timeout; epoll takes an int.
            ms = min(math.ceil(timeout * 1e3), 2**31 - 1)
        fd_map = self.get_map()
        n = lib.olpy_handoff_poll(
            self.fileno(), flags, len(flags), ms, self._fds, self._events, max(len(fd_map), 1)
        )
        if n < 0:
            raise OSError(-n, "epoll_wait failed")
        ready = []
        for i in range(n):
            key = fd_map.get(self._fds[i])
            if key is None:
                continue
            event = self._events[i]
            events = 0
            if event & ~_EPOLLIN:
                events |= selectors.EVENT_WRITE
            if event & ~_EPOLLOUT:
                events |= selectors.EVENT_READ
            ready.append((key, events & key.events))
        return ready


def new_loop() -> tuple[asyncio.AbstractEventLoop, HandoffSelector | None]:
    """The loop oneloop runs coroutines on when the app chose none, and its HandoffSelector:
    the policy's loop, with a HandoffSelector when the policy is asyncio's default (a uvloop
    policy keeps its own loop, and no selector is returned)."""
    if type(asyncio.get_event_loop_policy()) is asyncio.DefaultEventLoopPolicy:
        selector = HandoffSelector()
        return asyncio.SelectorEventLoop(selector), selector
    return asyncio.new_event_loop(), None
