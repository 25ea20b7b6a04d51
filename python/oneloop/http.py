"""Native HTTP over the C executor (libcurl on the loop thread; no GIL while in flight).

    resp = oneloop.http.get(url)                          # blocking
    fut = oneloop.http.submit("GET", url)                 # NativeFuture[Response]
    resps = oneloop.http.gather([url1, url2, Request("POST", url3, json={...})])
    with oneloop.http.stream("GET", url) as s:            # body chunks, back-pressured
        for chunk in s: ...
Inside coroutines: `await oneloop.http.submit(...)` (or `await oneloop.http.aget(...)`),
`await oneloop.http.agather([...])` for a batch, and
    async with oneloop.http.astream("GET", url) as s:     # same, without blocking the loop
        async for chunk in s: ...
Options (keyword-only everywhere): params, headers, body, json, timeout, connect_timeout,
idle_timeout, follow_redirects, verify, verify_host, ca_path, client_cert, client_key,
client_key_password, http_version, decompress, proxy, max_response_bytes, user_agent,
protocols, redirect_protocols, auth,
low_speed_limit, low_speed_time, raise_for_status.
Defaults: connect_timeout 10 s (DEFAULT_CONNECT_TIMEOUT), idle_timeout 300 s between received
bytes, not counting time a stream is held paused by its reader (DEFAULT_IDLE_TIMEOUT); no total
timeout, no max_response_bytes. 0 means "no limit" for every timeout and limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from ._asyncio_notifier import dispatcher_for
from ._core import default_loop, ffi, guard_blocking, lib, timeout_ms, wait_sliced
from ._errors import TimeoutError, error_for
from ._futures import NativeFuture, wrap_handle
from ._http_requests import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT,
    Batch,
    Prepared,
    Request,
    RequestLike,
    outcome,
    prepare,
)
from ._response import Headers, Response, Timing
from ._streams import AsyncStreamResponse, StreamResponse, astream, stream

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_IDLE_TIMEOUT",
    "Request",
    "Response",
    "Headers",
    "Timing",
    "StreamResponse",
    "request",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "submit",
    "gather",
    "stream",
    "AsyncStreamResponse",
    "astream",
    "arequest",
    "aget",
    "apost",
    "agather",
]


def _submit_raw(p: Prepared) -> Any:
    out = ffi.new("ol_future **")
    rc = lib.olpy_http_submit(default_loop(), p.req, 0, 0, out, ffi.NULL)
    if rc < 0:
        raise error_for(rc)
    return wrap_handle(out[0])


def _converter(raise_for_status: bool):  # type: ignore[no-untyped-def]
    if raise_for_status:
        return lambda h: outcome(h, True)
    return Response.from_future


def submit(method: str, url: str, **options: Any) -> NativeFuture[Response]:
    """Start a request; return its future at once (awaitable in coroutines)."""
    p = prepare(method, url, **options)
    return NativeFuture(_submit_raw(p), _converter(p.raise_for_status))


def request(
    method: str, url: str, *, wait_timeout: float | None = None, **options: Any
) -> Response:
    """Make a request and block (GIL released) until its response."""
    p = prepare(method, url, **options)
    ms = timeout_ms(wait_timeout, "wait_timeout")
    guard_blocking("oneloop.http.request()")
    h = _submit_raw(p)
    if lib.ol_future_state_get(h) == lib.OL_FUTURE_PENDING:
        rc = wait_sliced(
            lambda step: lib.ol_future_wait(h, step), ms, lambda: lib.ol_future_cancel(h)
        )
        if rc == lib.OL_ETIMEDOUT:
            lib.ol_future_cancel(h)
            raise TimeoutError("no response within wait_timeout; the request was cancelled")
        if rc < 0:
            raise error_for(rc)
    return outcome(h, p.raise_for_status)


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


def gather(
    requests: Iterable[RequestLike],
    *,
    return_exceptions: bool = False,
    timeout: float | None = None,
) -> list[Any]:
    """Run many requests at once and wait for all of them in one blocking call. Returns the
    responses in order; the first failure is raised once all have settled, unless
    return_exceptions=True puts each failure in its place. On timeout the rest are cancelled."""
    batch = Batch(requests, "gather")
    ms = timeout_ms(timeout)
    guard_blocking("oneloop.http.gather()")
    if not batch:
        return []
    batch.submit()
    _wait_batch(batch.futures, len(batch), ms)
    return batch.results(return_exceptions)


async def agather(
    requests: Iterable[RequestLike],
    *,
    return_exceptions: bool = False,
    timeout: float | None = None,
) -> list[Any]:
    """The coroutine twin of gather(): the batch is submitted in one call and the coroutine
    resumes once, when all have settled, with no Task per request (asyncio.gather over
    aget() costs a Task and a wake-up each). Cancelling the awaiting task, or the timeout,
    cancels the requests still running."""
    batch = Batch(requests, "agather")
    timeout_ms(timeout)  # refused like gather()'s
    if not batch:
        return []
    loop = asyncio.get_running_loop()
    dispatcher = dispatcher_for(loop)
    batch.submit()
    tag = -1
    try:
        tag, all_settled = dispatcher.watch_all(batch.futures, len(batch), loop)
        async with asyncio.timeout(timeout):
            await all_settled
    except BaseException as exc:
        dispatcher.forget(tag)
        batch.cancel()
        if isinstance(exc, asyncio.TimeoutError):  # asyncio.timeout's: the only one in there
            raise TimeoutError("agather() timed out; unfinished requests were cancelled") from None
        raise
    return batch.results(return_exceptions)


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
