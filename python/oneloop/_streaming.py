"""What the blocking and the asyncio body streams share: submitting a request as an iterator
(a bounded channel: the response head, then body chunks) and turning its items and failures
into Python values. The waiting differs (a blocking pull vs. notifier readiness), not this."""

from __future__ import annotations

from typing import Any

from . import _executor
from ._core import ffi, lib
from ._errors import Error, error_for
from ._http_requests import Prepared
from ._response import Headers, Response


def check_buffer_size(buffer_size: Any) -> None:
    if isinstance(buffer_size, bool) or not isinstance(buffer_size, int) or buffer_size < 0:
        raise ValueError("buffer_size must be an int >= 0")


def submit_iter(p: Prepared, buffer_size: int) -> Any:
    """Start the request; the ol_iter * it streams into (closed when the owner dies)."""
    out = ffi.new("ol_iter **")
    rc = lib.olpy_http_submit(_executor.default_loop(), p.req, 1, buffer_size, ffi.NULL, out)
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
