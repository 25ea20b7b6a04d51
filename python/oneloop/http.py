"""Native HTTP over the C executor (libcurl on the loop thread; no GIL while in flight).

    resp = oneloop.http.get(url)                          # blocking
    fut = oneloop.http.submit("GET", url)                 # NativeFuture[Response]
    resps = oneloop.http.gather([url1, url2, Request("POST", url3, json={...})])
    with oneloop.http.stream("GET", url) as s:            # body chunks, back-pressured
        for chunk in s: ...
Inside coroutines: `await oneloop.http.submit(...)` (or `await oneloop.http.aget(...)`), and
    async with oneloop.http.astream("GET", url) as s:     # same, without blocking the loop
        async for chunk in s: ...
Options (keyword-only everywhere): params, headers, body, json, timeout, connect_timeout,
follow_redirects, verify, verify_host, ca_path, client_cert, client_key, client_key_password,
http_version, decompress, proxy, max_response_bytes, user_agent, protocols, auth,
low_speed_limit, low_speed_time, raise_for_status.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, List, Optional, Tuple, Union

from . import _executor
from ._astream import AsyncStreamResponse, astream
from ._ffi import ffi, lib
from ._http_options import Prepared, prepare
from ._streaming import (StreamHead, check_buffer_size, chunk_bytes, free_now, head_response,
                         pulled, submit_iter)
from ._waiting import guard_blocking, timeout_ms, wait_sliced
from .errors import CancelledError, TimeoutError, error_for
from .futures import NativeFuture, failure_of, wrap_handle
from .response import Headers, Response, Timing

__all__ = ["Request", "Response", "Headers", "Timing", "StreamResponse", "request", "get",
           "post", "put", "patch", "delete", "head", "options", "submit", "gather", "stream",
           "AsyncStreamResponse", "astream", "arequest", "aget", "apost"]


class Request:
    """A request description, reusable: Request("POST", url, json={...}, timeout=2)."""

    __slots__ = ("prepared", "method", "url")

    def __init__(self, method: str, url: str, **options: Any) -> None:
        self.prepared = prepare(method, url, **options)
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return f"<oneloop.http.Request {self.method} {self.url}>"


def _submit_raw(p: Prepared) -> Any:
    out = ffi.new("ol_future **")
    rc = lib.olpy_http_submit(_executor.default_loop(), p.req, 0, 0, out, ffi.NULL)
    if rc < 0:
        raise error_for(rc)
    return wrap_handle(out[0])


class _Batch:
    """Owns the futures of one gather(); its responses keep it (and their memory) alive."""

    __slots__ = ("futures", "n", "__weakref__")

    def __init__(self, n: int) -> None:
        self.futures = ffi.new("ol_future *[]", n)
        self.n = 0

    def __del__(self) -> None:
        lib.olpy_release_all(self.futures, self.n)


def _outcome(handle: Any, raise_for_status: bool, owner: Any = None) -> Response:
    state = lib.ol_future_state_get(handle)
    if state == lib.OL_FUTURE_DONE:
        resp = Response(owner if owner is not None else handle,
                        ffi.cast("ol_response *", lib.ol_future_value(handle)))
        if raise_for_status:
            resp.raise_for_status()
        return resp
    if state == lib.OL_FUTURE_CANCELLED:
        raise CancelledError("the request was cancelled")
    raise failure_of(handle)


def _converter(raise_for_status: bool):  # type: ignore[no-untyped-def]
    if raise_for_status:
        return lambda h: _outcome(h, True)
    return Response.from_future


def _as_prepared(item: Union[str, Request, Tuple[str, str]]) -> Prepared:
    if isinstance(item, Request):
        return item.prepared
    if isinstance(item, str):
        return prepare("GET", item)
    if isinstance(item, tuple) and len(item) == 2:
        return prepare(item[0], item[1])
    raise TypeError(f"gather() takes URLs, Requests or (method, url) pairs, not {type(item).__name__}")


def submit(method: str, url: str, **options: Any) -> "NativeFuture[Response]":
    """Start a request; return its future at once (awaitable in coroutines)."""
    p = prepare(method, url, **options)
    return NativeFuture(_submit_raw(p), _converter(p.raise_for_status))


def request(method: str, url: str, *, wait_timeout: Optional[float] = None, **options: Any) -> Response:
    """Make a request and block (GIL released) until its response."""
    p = prepare(method, url, **options)
    ms = timeout_ms(wait_timeout, "wait_timeout")
    guard_blocking("oneloop.http.request()")
    h = _submit_raw(p)
    if lib.ol_future_state_get(h) == lib.OL_FUTURE_PENDING:
        rc = wait_sliced(lambda step: lib.ol_future_wait(h, step), ms, lambda: lib.ol_future_cancel(h))
        if rc == lib.OL_ETIMEDOUT:
            lib.ol_future_cancel(h)
            raise TimeoutError("no response within wait_timeout; the request was cancelled")
        if rc < 0:
            raise error_for(rc)
    return _outcome(h, p.raise_for_status)


def get(url: str, **options: Any) -> Response:
    return request("GET", url, **options)


def post(url: str, **options: Any) -> Response:
    return request("POST", url, **options)


def put(url: str, **options: Any) -> Response:
    return request("PUT", url, **options)


def patch(url: str, **options: Any) -> Response:
    return request("PATCH", url, **options)


def delete(url: str, **options: Any) -> Response:
    return request("DELETE", url, **options)


def head(url: str, **options: Any) -> Response:
    return request("HEAD", url, **options)


def options(url: str, **opts: Any) -> Response:
    return request("OPTIONS", url, **opts)


async def arequest(method: str, url: str, **options: Any) -> Response:
    """The coroutine twin of request(): awaits without blocking the asyncio loop."""
    return await submit(method, url, **options)


async def aget(url: str, **options: Any) -> Response:
    return await submit("GET", url, **options)


async def apost(url: str, **options: Any) -> Response:
    return await submit("POST", url, **options)


def gather(requests: Iterable[Union[str, Request, Tuple[str, str]]], *,
           return_exceptions: bool = False, timeout: Optional[float] = None) -> List[Any]:
    """Run many requests at once and wait for all of them in one blocking call. Returns the
    responses in order; the first failure is raised once all have settled, unless
    return_exceptions=True puts each failure in its place. On timeout the rest are cancelled."""
    if isinstance(requests, (str, bytes)):
        raise TypeError("gather() takes an iterable of requests, not a single URL")
    # Identical requests (the same URL string, the same Request) are prepared once.
    uniques: List[Prepared] = []
    index_of: dict = {}
    which: List[int] = []
    for item in requests:
        key = item if isinstance(item, (str, Request)) else None
        j = index_of.get(key) if key is not None else None
        if j is None:
            j = len(uniques)
            uniques.append(_as_prepared(item))
            if key is not None:
                index_of[key] = j
        which.append(j)
    ms = timeout_ms(timeout)
    guard_blocking("oneloop.http.gather()")
    n = len(which)
    if n == 0:
        return []
    reqs = ffi.new("olpy_req[]", len(uniques))
    for j, p in enumerate(uniques):
        reqs[j] = p.req[0]
    batch = _Batch(n)
    fs = batch.futures
    submitted = ffi.new("size_t *")
    rc = lib.olpy_http_submit_batch(_executor.default_loop(), reqs, ffi.new("uint32_t[]", which),
                                    n, fs, submitted)
    batch.n = submitted[0]
    if rc < 0:
        for i in range(batch.n):
            lib.ol_future_cancel(fs[i])
        raise error_for(rc)
    _wait_batch(fs, n, ms)
    states, resps = ffi.new("int[]", n), ffi.new("ol_response *[]", n)
    statuses, bodies, sizes = ffi.new("int[]", n), ffi.new("char *[]", n), ffi.new("size_t[]", n)
    lib.olpy_batch_outcomes(fs, n, states, resps, statuses, bodies, sizes)
    results: List[Any] = []
    first_error: Optional[BaseException] = None
    check_status = any(p.raise_for_status for p in uniques)
    DONE = lib.OL_FUTURE_DONE
    for i in range(n):
        if states[i] == DONE and not check_status:
            results.append(Response(batch, resps[i], statuses[i], (bodies[i], sizes[i])))
            continue
        try:
            results.append(_outcome(fs[i], uniques[which[i]].raise_for_status, batch))
        except Exception as exc:
            if first_error is None:
                first_error = exc
            results.append(exc)
    if first_error is not None and not return_exceptions:
        raise first_error
    return results


def _wait_batch(fs: Any, n: int, ms: int) -> None:
    """Wait for all n futures with ol_wait_all (the thread wakes once, when the last settles),
    in slices in the main thread; on timeout or Ctrl-C the unfinished ones are cancelled."""

    def cancel_all() -> None:
        for i in range(n):
            lib.ol_future_cancel(fs[i])

    rc = wait_sliced(lambda step: lib.ol_wait_all(fs, n, step), ms, cancel_all)
    if rc == lib.OL_ETIMEDOUT:
        cancel_all()
        raise TimeoutError("gather() timed out; unfinished requests were cancelled")
    if rc < 0:
        raise error_for(rc)


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

    def read_chunk(self) -> Optional[bytes]:
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

    def __enter__(self) -> "StreamResponse":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<oneloop.http.StreamResponse [{self.status}]>"


def _next_item(it: Any, ms: int, on_interrupt: Any) -> Tuple[int, Any]:
    """(kind, item) or (0, None) at the end; raises the producer's failure."""
    out = ffi.new("ol_item **")
    rc = wait_sliced(lambda step: lib.ol_iter_next(it, out, step), ms, on_interrupt)
    if rc == lib.OL_ETIMEDOUT:
        raise TimeoutError("no data within wait_timeout")
    return pulled(rc, it, out)


def stream(method: str, url: str, *, wait_timeout: Optional[float] = None,
           buffer_size: int = 0, **options: Any) -> StreamResponse:
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
