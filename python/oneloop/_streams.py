"""HTTP body streams, blocking (stream) and in coroutines (astream): a request submitted as an
iterator, a bounded channel that carries the response head, then body chunks. The transfer
pauses while the consumer is slow and resumes when it pulls. Only the waiting differs: a
blocking pull, or (in coroutines) a pull that never waits plus the iterator's readiness armed
on the running loop's notifier (the one awaited native futures use, see _asyncio_notifier).

    with oneloop.http.stream("GET", url) as s:           # returns once the head is in
        for chunk in s: ...
    async with oneloop.http.astream("GET", url) as s:    # entered once the head is in
        print(s.status, s.headers)
        async for chunk in s: ...
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

from ._asyncio_notifier import LoopDispatcher, dispatcher_for
from ._core import default_loop, ffi, guard_blocking, lib, timeout_ms, wait_sliced
from ._errors import Error, TimeoutError, error_for
from ._http_requests import Prepared, prepare
from ._response import Headers, Response

# -- what both kinds share ---------------------------------------------------------------------


def check_buffer_size(buffer_size: Any) -> None:
    if isinstance(buffer_size, bool) or not isinstance(buffer_size, int) or buffer_size < 0:
        raise ValueError("buffer_size must be an int >= 0")


def submit_iter(p: Prepared, buffer_size: int) -> Any:
    """Start the request; the ol_iter * it streams into (closed when the owner dies)."""
    out = ffi.new("ol_iter **")
    rc = lib.olpy_http_submit(default_loop(), p.req, 1, buffer_size, ffi.NULL, out)
    if rc < 0:
        raise error_for(rc)
    return ffi.gc(out[0], lib.ol_iter_close)


def free_now(cdata: Any, free: Any) -> None:
    """Free an ffi.gc-owned handle now (and only now)."""
    ffi.gc(cdata, None)
    free(cdata)


def iter_failure(it: Any, rc: int) -> Error:
    """The producer's failure after ol_iter_next returned rc < 0, with curl's message."""
    msg = ffi.string(lib.ol_iter_error_message(it)).decode("utf-8", "replace")
    return error_for(rc, msg)


def pulled(rc: int, it: Any, out: Any) -> tuple[int, Any]:
    """(kind, item) from a finished ol_iter_next: (0, None) at the end; raises failures."""
    if rc == lib.OL_ITEROVER:
        return 0, None
    if rc < 0:
        raise iter_failure(it, rc)
    item = ffi.gc(out[0], lib.ol_item_free)
    return lib.ol_item_kind_get(item), item


def chunk_bytes(item: Any) -> bytes:
    """A DATA item's bytes (copied out; the item is freed)."""
    data = ffi.unpack(ffi.cast("char *", lib.ol_item_data(item)), lib.ol_item_size(item))
    free_now(item, lib.ol_item_free)
    return data


def head_response(kind: int, item: Any, raise_for_status: bool) -> Response:
    """The Response (no body) of the stream's first item; the item lives as long as it."""
    if item is None or kind != lib.OL_ITEM_HEAD:
        raise error_for(lib.OL_EPROTO, "stream ended before the response head")
    head = Response(item, ffi.cast("ol_response *", lib.ol_item_object(item)))
    if raise_for_status:
        head.raise_for_status()
    return head


class StreamHead:
    """The response head of a stream, known before its body: status, headers, ..."""

    _iter: Any
    _head: Response

    def __init__(self, iter_handle: Any, head: Response) -> None:
        self._iter = iter_handle
        self._head = head
        self.status = head.status

    @property
    def headers(self) -> Headers:
        return self._head.headers

    @property
    def http_version(self) -> str:
        return self._head.http_version

    @property
    def url(self) -> str:
        return self._head.url

    @property
    def buffered(self) -> int:
        """Body bytes received and not yet read (bounded by buffer_size: back-pressure)."""
        return lib.ol_iter_buffered(self._iter) if self._iter is not None else 0

    @property
    def closed(self) -> bool:
        return self._iter is None

    def close(self) -> None:
        """Stop reading: a transfer still running is aborted. Idempotent."""
        it, self._iter = self._iter, None
        if it is not None:
            free_now(it, lib.ol_iter_close)


# -- blocking streams --------------------------------------------------------------------------


class StreamResponse(StreamHead):
    """A response whose body arrives as chunks: iterate it for bytes. The transfer pauses when
    the consumer falls behind (bounded memory) and is aborted by close()."""

    def __init__(self, iter_handle: Any, head: Response, timeout: int) -> None:
        super().__init__(iter_handle, head)
        self._timeout = timeout

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self.read_chunk()
            if chunk is None:
                return
            yield chunk

    def read_chunk(self) -> bytes | None:
        """The next body chunk, or None at the end of the body."""
        while self._iter is not None:
            kind, item = _next_item(self._iter, self._timeout, self.close)
            if item is None:
                self.close()
                return None
            if kind == lib.OL_ITEM_DATA:
                return chunk_bytes(item)
        return None

    def read(self) -> bytes:
        return b"".join(self)

    def __enter__(self) -> StreamResponse:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<oneloop.http.StreamResponse [{self.status}]>"


def _next_item(it: Any, ms: int, on_interrupt: Any) -> tuple[int, Any]:
    """(kind, item) or (0, None) at the end; raises the producer's failure."""
    out = ffi.new("ol_item **")
    rc = wait_sliced(lambda step: lib.ol_iter_next(it, out, step), ms, on_interrupt)
    if rc == lib.OL_ETIMEDOUT:
        raise TimeoutError("no data within wait_timeout")
    return pulled(rc, it, out)


def stream(
    method: str,
    url: str,
    *,
    wait_timeout: float | None = None,
    buffer_size: int = 0,
    **options: Any,
) -> StreamResponse:
    """Start a request and return once its head has arrived; iterate the result for the body
    chunks. buffer_size bounds the bytes buffered ahead of the consumer (0: 1 MiB)."""
    p = prepare(method, url, **options)
    ms = timeout_ms(wait_timeout, "wait_timeout")
    check_buffer_size(buffer_size)
    guard_blocking("oneloop.http.stream()")
    it = submit_iter(p, buffer_size)
    try:
        head = head_response(*_next_item(it, ms, lambda: None), p.raise_for_status)
    except BaseException:
        free_now(it, lib.ol_iter_close)
        raise
    return StreamResponse(it, head, ms)


# -- streams in coroutines ---------------------------------------------------------------------


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
