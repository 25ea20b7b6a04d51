"""Many requests submitted in one C call and read back in one: what gather() and agather()
share. Identical requests (the same URL string, the same Request) are prepared once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import _executor
from ._core import ffi, lib
from ._errors import CancelledError, error_for
from ._futures import failure_of
from ._http_requests import Prepared, prepare
from ._response import Response


class Request:
    """A request description, reusable: Request("POST", url, json={...}, timeout=2)."""

    __slots__ = ("prepared", "method", "url")

    def __init__(self, method: str, url: str, **options: Any) -> None:
        self.prepared = prepare(method, url, **options)
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return f"<oneloop.http.Request {self.method} {self.url}>"


RequestLike = str | Request | tuple[str, str]


def outcome(handle: Any, raise_for_status: bool, owner: Any = None) -> Response:
    """The Response of a settled future, or its failure raised."""
    state = lib.ol_future_state_get(handle)
    if state == lib.OL_FUTURE_DONE:
        resp = Response(
            owner if owner is not None else handle,
            ffi.cast("ol_response *", lib.ol_future_value(handle)),
        )
        if raise_for_status:
            resp.raise_for_status()
        return resp
    if state == lib.OL_FUTURE_CANCELLED:
        raise CancelledError("the request was cancelled")
    raise failure_of(handle)


def as_prepared(item: RequestLike, caller: str = "gather") -> Prepared:
    if isinstance(item, Request):
        return item.prepared
    if isinstance(item, str):
        return prepare("GET", item)
    if isinstance(item, tuple) and len(item) == 2:
        return prepare(item[0], item[1])
    raise TypeError(
        f"{caller}() takes URLs, Requests or (method, url) pairs, not {type(item).__name__}"
    )


class Batch:
    """The futures of one batch; its responses keep it (and their memory) alive."""

    __slots__ = ("futures", "n", "uniques", "which", "__weakref__")

    def __init__(self, requests: Iterable[RequestLike], caller: str) -> None:
        self.n = 0  # how many futures were submitted (and are ours to release)
        if isinstance(requests, (str, bytes)):
            raise TypeError(f"{caller}() takes an iterable of requests, not a single URL")
        self.uniques: list[Prepared] = []
        self.which: list[int] = []
        index_of: dict = {}
        for item in requests:
            key = item if isinstance(item, (str, Request)) else None
            j = index_of.get(key) if key is not None else None
            if j is None:
                j = len(self.uniques)
                self.uniques.append(as_prepared(item, caller))
                if key is not None:
                    index_of[key] = j
            self.which.append(j)
        self.futures = ffi.new("ol_future *[]", len(self.which))

    def __len__(self) -> int:
        return len(self.which)

    def __del__(self) -> None:
        if self.n:
            lib.olpy_release_all(self.futures, self.n)

    def submit(self) -> None:
        """Submit every request in one C call: all of them, or none (then raise)."""
        reqs = ffi.new("olpy_req[]", len(self.uniques))
        for j, p in enumerate(self.uniques):
            reqs[j] = p.req[0]
        rc = lib.olpy_http_submit_batch(
            _executor.default_loop(),
            reqs,
            ffi.new("uint32_t[]", self.which),
            len(self.which),
            self.futures,
        )
        if rc < 0:
            raise error_for(rc)
        self.n = len(self.which)

    def cancel(self) -> None:
        for i in range(self.n):
            lib.ol_future_cancel(self.futures[i])

    def results(self, return_exceptions: bool) -> list[Any]:
        """Every settled outcome in order; the first failure is raised unless
        return_exceptions puts each failure in its place."""
        n, fs = len(self.which), self.futures
        states, resps = ffi.new("int[]", n), ffi.new("ol_response *[]", n)
        statuses, bodies, sizes = (
            ffi.new("int[]", n),
            ffi.new("char *[]", n),
            ffi.new("size_t[]", n),
        )
        lib.olpy_batch_outcomes(fs, n, states, resps, statuses, bodies, sizes)
        results: list[Any] = []
        first_error: BaseException | None = None
        check_status = any(p.raise_for_status for p in self.uniques)
        DONE = lib.OL_FUTURE_DONE
        for i in range(n):
            if states[i] == DONE and not check_status:
                results.append(Response(self, resps[i], statuses[i], (bodies[i], sizes[i])))
                continue
            try:
                results.append(outcome(fs[i], self.uniques[self.which[i]].raise_for_status, self))
            except Exception as exc:
                if first_error is None:
                    first_error = exc
                results.append(exc)
        if first_error is not None and not return_exceptions:
            raise first_error
        return results
