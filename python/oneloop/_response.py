"""HTTP responses read straight from the core's ol_response (lazily: only what is used)."""

from __future__ import annotations

import json as _json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._core import ffi, lib
from ._errors import HTTPStatusError

_VERSIONS = {10: "1.0", 11: "1.1", 20: "2", 30: "3"}


class Headers:
    """Response headers in the order received: multi-valued, case-insensitive lookup."""

    __slots__ = ("_pairs", "_index")

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        self._index: dict[str, list[str]] | None = None

    def _map(self) -> dict[str, list[str]]:
        if self._index is None:
            index: dict[str, list[str]] = {}
            for name, value in self._pairs:
                index.setdefault(name.lower(), []).append(value)
            self._index = index
        return self._index

    def __getitem__(self, name: str) -> str:
        return self._map()[name.lower()][0]

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self._map().get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        return list(self._map().get(name.lower(), ()))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._map()

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def keys(self) -> list[str]:
        return [n for n, _ in self._pairs]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._pairs)

    def __repr__(self) -> str:
        return f"Headers({self._pairs!r})"


@dataclass(frozen=True)
class Timing:
    """curl's timing breakdown, microseconds from the start of the transfer."""

    dns_us: int
    connect_us: int
    tls_us: int
    first_byte_us: int
    total_us: int
    redirect_us: int
    bytes_up: int
    bytes_down: int
    redirects: int


def _headers_of(resp: Any) -> Headers:
    name, value = ffi.new("char **"), ffi.new("char **")
    pairs = []
    for i in range(lib.ol_response_header_count(resp)):
        if lib.ol_response_header_at(resp, i, name, value) == lib.OL_OK:
            pairs.append(
                (ffi.string(name[0]).decode("latin-1"), ffi.string(value[0]).decode("latin-1"))
            )
    return Headers(pairs)


_SHARE_MIN = 4096  # bodies this big are shared with the core rather than copied


class Response:
    """A finished HTTP exchange. Any status (404, 500) is a response, not an error, unless
    raise_for_status was asked for."""

    __slots__ = ("_owner", "_resp", "status", "_content", "_headers", "_body")

    def __init__(self, owner: Any, resp: Any, status: int | None = None, body: Any = None) -> None:
        self._owner = owner  # keeps the C memory of resp alive (a future, a batch, an item)
        self._resp = resp
        self.status: int = lib.ol_response_status(resp) if status is None else status
        self._body = body  # (pointer, size) when the caller already read them
        self._content: bytes | None = None
        self._headers: Headers | None = None

    @classmethod
    def from_future(cls, handle: Any) -> Response:
        return cls(handle, ffi.cast("ol_response *", lib.ol_future_value(handle)))

    @property
    def status_code(self) -> int:
        return self.status

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def http_version(self) -> str:
        v = lib.ol_response_http_version(self._resp)
        return _VERSIONS.get(v, str(v))

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = _headers_of(self._resp)
        return self._headers

    @property
    def content(self) -> bytes:
        if self._content is None:
            if self._body is not None:
                ptr, n = self._body
            else:
                ptr, n = (
                    ffi.cast("char *", lib.ol_response_body(self._resp)),
                    lib.ol_response_body_size(self._resp),
                )
            self._content = ffi.unpack(ptr, n) if n else b""
        return self._content

    @property
    def body(self) -> memoryview:
        """The body as a read-only memoryview. From 4 KB on it is a view of the core's buffer,
        without a copy, valid (and keeping this response's memory alive) for as long as the
        view exists; a smaller body is copied once, which costs less than sharing it."""
        if self._body is not None:
            ptr, n = self._body
        else:
            ptr, n = lib.ol_response_body(self._resp), lib.ol_response_body_size(self._resp)
        if n < _SHARE_MIN:
            return memoryview(self.content)
        owner = self  # the view's cdata keeps the response, hence the C buffer, alive
        keep = ffi.gc(ffi.cast("char *", ptr), lambda _p: owner and None)
        return memoryview(ffi.buffer(keep, n)).toreadonly()

    @property
    def text(self) -> str:
        ctype = self.headers.get("content-type", "") or ""
        charset = "utf-8"
        for part in ctype.split(";")[1:]:
            k, _, v = part.strip().partition("=")
            if k.lower() == "charset" and v:
                charset = v.strip('"')
        try:
            return self.content.decode(charset, "replace")
        except LookupError:
            return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return _json.loads(self.content)

    @property
    def url(self) -> str:
        p = lib.ol_response_effective_url(self._resp)
        return ffi.string(p).decode("utf-8", "replace") if p != ffi.NULL else ""

    @property
    def timing(self) -> Timing:
        t = ffi.new("ol_http_timing *")
        t.version = lib.OL_HTTP_TIMING_VERSION
        lib.ol_response_timing(self._resp, t)
        return Timing(
            t.dns_us,
            t.connect_us,
            t.tls_us,
            t.first_byte_us,
            t.total_us,
            t.redirect_us,
            t.bytes_up,
            t.bytes_down,
            t.redirects,
        )

    def raise_for_status(self) -> Response:
        if self.status >= 400:
            raise HTTPStatusError(self, self.status)
        return self

    def __repr__(self) -> str:
        return f"<oneloop.Response [{self.status}]>"
