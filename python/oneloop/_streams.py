"""HTTP body streams inside coroutines, with no blocking and no thread per stream.

A pull never waits (ol_iter_next with a 0 timeout). When the channel is empty the coroutine
arms the iterator's readiness on its loop's notifier (the one awaited native futures use, see
_aio) and awaits it, then pulls again. The channel stays bounded: the transfer pauses while
the coroutine is slow and resumes when it pulls, exactly as for the blocking stream.

    async with oneloop.http.astream("GET", url) as s:   # entered once the head is in
        print(s.status, s.headers)
        async for chunk in s: ...
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Generator
from typing import Any

from ._asyncio_notifier import LoopDispatcher, dispatcher_for
from ._core import ffi, lib
from ._http_requests import Prepared, prepare
from ._streaming import (
    StreamHead,
    check_buffer_size,
    chunk_bytes,
    head_response,
    pulled,
    submit_iter,
)


class AsyncStreamResponse(StreamHead):
    """A response whose body arrives as chunks, read with `async for` (or read_chunk()).
    Closing it, leaving its `async with`, or cancelling the task reading it aborts the
    transfer. Read it from one coroutine at a time, on the loop that opened it."""

    def __init__(self, iter_handle: Any) -> None:  # the head comes later, in _open
        self._iter = iter_handle
        self._out = ffi.new("ol_item **")
        self._armed: tuple[LoopDispatcher, int, asyncio.Future] | None = None
        self._reading = False
        self.status = 0

    async def _open(self, raise_for_status: bool) -> AsyncStreamResponse:
        try:
            self._head = head_response(*await self._next_item(), raise_for_status)
        except BaseException:
            self.close()
            raise
        self.status = self._head.status
        return self

    async def _next_item(self) -> tuple[int, Any]:
        """(kind, item); (0, None) at the end or once closed; raises the producer's failure."""
        while self._iter is not None:
            it = self._iter
            rc = lib.ol_iter_next(it, self._out, 0)
            if rc != lib.OL_ETIMEDOUT:  # OL_ETIMEDOUT from a 0-timeout pull: nothing there yet
                return pulled(rc, it, self._out)
            loop = asyncio.get_running_loop()
            d = dispatcher_for(loop)
            tag, ready = d.watch_iter(it, loop)
            self._armed = (d, tag, ready)
            try:
                await ready
            except BaseException:  # cancelled (or the coroutine closed) mid-wait: abort
                self.close()
                raise
            finally:
                self._armed = None
        return 0, None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self.read_chunk()
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    async def read_chunk(self) -> bytes | None:
        """The next body chunk, or None at the end of the body."""
        if self._reading:
            raise RuntimeError("another coroutine is already reading this stream")
        self._reading = True
        try:
            while True:
                kind, item = await self._next_item()
                if item is None:
                    self.close()
                    return None
                if kind == lib.OL_ITEM_DATA:
                    return chunk_bytes(item)
        finally:
            self._reading = False

    async def read(self) -> bytes:
        """The rest of the body."""
        parts: list[bytes] = [chunk async for chunk in self]
        return b"".join(parts)

    def close(self) -> None:
        """Abort the transfer if it still runs; a read waiting meanwhile sees the end."""
        armed, self._armed = self._armed, None
        if armed is not None:
            d, tag, ready = armed
            d.forget(tag)  # a closed iterator reports nothing: nobody else would wake it
            if not ready.done():
                ready.set_result(None)
        super().close()

    async def aclose(self) -> None:
        self.close()

    async def __aenter__(self) -> AsyncStreamResponse:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<oneloop.http.AsyncStreamResponse [{self.status}]>"


class _Opening:
    """What astream() returns: `await` it for the stream, or `async with` it (closed on exit).
    The request starts at that point, not before."""

    __slots__ = ("_prepared", "_buffer_size", "_stream")

    def __init__(self, prepared: Prepared, buffer_size: int) -> None:
        self._prepared = prepared
        self._buffer_size = buffer_size
        self._stream: AsyncStreamResponse | None = None

    async def _open(self) -> AsyncStreamResponse:
        if self._stream is not None:
            raise RuntimeError("this astream() was already opened; call astream() again")
        s = self._stream = AsyncStreamResponse(submit_iter(self._prepared, self._buffer_size))
        return await s._open(self._prepared.raise_for_status)

    def __await__(self) -> Generator[Any, None, AsyncStreamResponse]:
        return self._open().__await__()

    async def __aenter__(self) -> AsyncStreamResponse:
        return await self._open()

    async def __aexit__(self, *exc: Any) -> None:
        if self._stream is not None:
            self._stream.close()


def astream(method: str, url: str, *, buffer_size: int = 0, **options: Any) -> _Opening:
    """The coroutine twin of stream(): `async with astream("GET", url) as s` enters once the
    head has arrived (s.status, s.headers), then `async for chunk in s` reads the body without
    blocking the loop. Same options and errors as stream(); for a deadline use asyncio.timeout()
    (a cancelled read aborts the transfer). Needs a running asyncio loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            "oneloop.http.astream() needs a running asyncio loop: use it inside a coroutine "
            "('async with' or 'await'); outside one, use oneloop.http.stream()"
        ) from None
    if "wait_timeout" in options:
        raise TypeError(
            "astream() takes no wait_timeout: bound the wait with asyncio.timeout() "
            "(the cancelled read aborts the transfer)"
        )
    p = prepare(method, url, **options)
    check_buffer_size(buffer_size)
    return _Opening(p, buffer_size)
