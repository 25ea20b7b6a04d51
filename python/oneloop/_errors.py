"""One exception hierarchy for every failure of oneloop, keyed by the core's OL_E* codes."""

from __future__ import annotations

import builtins
import concurrent.futures

from ._native import ffi, lib  # not ._core, which imports this module


class Error(Exception):
    """Base of every oneloop failure. `code` is the core's OL_E* status, `message` the detail
    (curl's message for transfers)."""

    code: int = lib.OL_ERROR

    def __init__(self, message: str = "", code: int | None = None) -> None:
        if code is not None:
            self.code = code
        self.message = message
        name = ffi.string(lib.ol_strerror(self.code)).decode()
        super().__init__(f"{name}: {message}" if message and message != name else name)


class InvalidArgument(Error, ValueError):
    code = lib.OL_EINVAL


class TimeoutError(Error, builtins.TimeoutError):
    code = lib.OL_ETIMEDOUT


class CancelledError(Error, concurrent.futures.CancelledError):
    code = lib.OL_ECANCELED


class ClosedError(Error, RuntimeError):
    code = lib.OL_ECLOSED


class DeadlockError(Error, RuntimeError):
    code = lib.OL_EDEADLK


class ForkedError(Error, RuntimeError):
    code = lib.OL_EFORKED


class NotSupportedError(Error, NotImplementedError):
    code = lib.OL_ENOTSUP


class URLError(Error, ValueError):
    code = lib.OL_EURL


class ProtocolDeniedError(URLError):
    code = lib.OL_EPROTOCOL_DENIED


class ConnectionError(Error, builtins.ConnectionError):
    """Could not connect, or the connection failed during the exchange."""

    code = lib.OL_ECONNECT


class DNSError(ConnectionError):
    code = lib.OL_EDNS


class ConnectionRefusedError(ConnectionError):
    code = lib.OL_ECONNREFUSED


class SendError(ConnectionError):
    code = lib.OL_ESEND


class RecvError(ConnectionError):
    code = lib.OL_ERECV


class EmptyReplyError(ConnectionError):
    code = lib.OL_EEMPTY


class PartialResponseError(ConnectionError):
    code = lib.OL_EPARTIAL


class TLSError(Error):
    code = lib.OL_ETLS


class TooLargeError(Error):
    code = lib.OL_ETOOLARGE


class ProtocolError(Error):
    """The peer spoke invalid HTTP."""

    code = lib.OL_EPROTO


class TooManyRedirectsError(Error):
    code = lib.OL_EREDIRECTS


class HTTPStatusError(Error):
    """Raised by Response.raise_for_status() (or raise_for_status=True) for 4xx/5xx."""

    code = lib.OL_ERROR

    def __init__(self, response: object, status: int) -> None:
        self.response = response
        self.status = status
        super().__init__(f"HTTP status {status}")


_BY_CODE: dict[int, type[Error]] = {}
for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, Error) and _cls not in (Error, HTTPStatusError):
        _BY_CODE.setdefault(_cls.code, _cls)


def error_for(code: int, message: str = "") -> Error:
    """The exception instance for a negative status code."""
    cls = _BY_CODE.get(code, Error)
    return cls(message, code)


def check(code: int) -> int:
    """Raise for a negative status from a synchronous C call, return it otherwise."""
    if code < 0:
        raise error_for(code)
    return code


__all__ = [
    name for name, v in list(globals().items()) if isinstance(v, type) and issubclass(v, Error)
] + ["error_for", "check"]
