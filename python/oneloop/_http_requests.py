"""HTTP requests as the core takes them: keyword options turned into OL_HTTP_* job options
(validated here, so bad input raises before anything is submitted: case C15,
docs/conformance.md), and batches: many requests submitted in one C call and read back in one
(what gather() and agather() share; identical requests, the same URL string or Request, are
prepared once)."""

from __future__ import annotations

import json as _json
import math
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from ._core import default_loop, ffi, lib
from ._errors import CancelledError, error_for
from ._futures import failure_of
from ._response import Response

HeadersArg = Mapping[str, str] | Iterable[tuple[str, str]] | None

_HTTP_VERSIONS = {
    None: lib.OL_HTTP_VERSION_ANY,
    "1.0": lib.OL_HTTP_VERSION_1_0,
    "1.1": lib.OL_HTTP_VERSION_1_1,
    "2": lib.OL_HTTP_VERSION_2,
    "2-tls": lib.OL_HTTP_VERSION_2_TLS,
    "2-prior-knowledge": lib.OL_HTTP_VERSION_2_PRIOR_KNOWLEDGE,
}
DEFAULT_MAX_REDIRECTS = 10
# The core's defaults for a request (seconds); 0 passed for any timeout means "no limit".
DEFAULT_CONNECT_TIMEOUT = lib.OL_HTTP_DEFAULT_CONNECT_TIMEOUT_MS / 1000
DEFAULT_IDLE_TIMEOUT = lib.OL_HTTP_DEFAULT_IDLE_TIMEOUT_MS / 1000
_TOKEN = re.compile(rb"[A-Z0-9!#$%&'*+.^_`|~-]+")  # RFC 9110 token


class Prepared:
    """One request as the C helpers take it (an olpy_req); holds the buffers it points to."""

    __slots__ = ("req", "raise_for_status", "_keep")

    def __init__(
        self,
        method: bytes,
        url: bytes,
        body: bytes | None,
        ints: dict[int, int],
        strs: list[tuple[int, bytes]],
        raise_for_status: bool,
    ) -> None:
        req = self.req = ffi.new("olpy_req *")
        keep = self._keep = [ffi.new("char[]", method), ffi.new("char[]", url)]
        req.method, req.url = keep[0], keep[1]
        if body is not None:
            buf = ffi.new("char[]", body)
            keep.append(buf)
            req.body, req.body_len, req.has_body = buf, len(body), 1
        if ints:
            keys, values = (
                ffi.new("int[]", list(ints.keys())),
                ffi.new("int64_t[]", list(ints.values())),
            )
            keep += [keys, values]
            req.int_keys, req.int_values, req.n_int = keys, values, len(ints)
        if strs:
            values_c = [ffi.new("char[]", v) for _, v in strs]
            keys, values = ffi.new("int[]", [k for k, _ in strs]), ffi.new("char *[]", values_c)
            keep += [keys, values] + values_c
            req.str_keys, req.str_values, req.n_str = keys, values, len(strs)
        self.raise_for_status = raise_for_status


def _text(name: str, value: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if "\x00" in value:
        raise ValueError(f"{name} must not contain NUL characters")
    return value.encode("utf-8")


def _seconds_ms(name: str, value: Any) -> int:
    """Seconds to the core's milliseconds; 0 stays 0, which means "no limit"."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds or None, not {type(value).__name__}")
    if not value >= 0 or math.isinf(value):
        raise ValueError(
            f"{name} must be a finite number of seconds >= 0 (0: no limit), got {value!r}"
        )
    return 0 if value == 0 else max(1, int(math.ceil(value * 1000)))


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def _header_lines(headers: HeadersArg) -> list[bytes]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    lines = []
    try:
        iterator = iter(pairs)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"headers must be a mapping or pairs, not {type(headers).__name__}"
        ) from None
    for pair in iterator:
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise TypeError("headers must be a mapping or (name, value) pairs") from None
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("header names and values must be str")
        if not name or any(c in name for c in ":\r\n\x00 ") or any(c in value for c in "\r\n\x00"):
            raise ValueError(f"invalid header {name!r}: {value!r}")
        lines.append(f"{name}: {value}".encode("latin-1"))
    return lines


def _body_bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    raise TypeError(f"body must be bytes, str, bytearray or memoryview, not {type(body).__name__}")


def prepare(
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: HeadersArg = None,
    body: Any = None,
    json: Any = None,
    timeout: float | None = None,
    connect_timeout: float | None = None,
    idle_timeout: float | None = None,
    follow_redirects: bool | int = False,
    verify: bool | str = True,
    verify_host: bool = True,
    ca_path: str | None = None,
    client_cert: str | None = None,
    client_key: str | None = None,
    client_key_password: str | None = None,
    http_version: str | None = None,
    decompress: bool = False,
    proxy: str | None = None,
    max_response_bytes: int | None = None,
    user_agent: str | None = None,
    protocols: str | Iterable[str] | None = None,
    redirect_protocols: str | Iterable[str] | None = None,
    auth: tuple[str, str] | None = None,
    low_speed_limit: int | None = None,
    low_speed_time: int | None = None,
    raise_for_status: bool = False,
) -> Prepared:
    method_b = _text("method", method).upper()
    if not _TOKEN.fullmatch(method_b):
        raise ValueError(f"invalid HTTP method {method!r}")
    if params is not None:
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a mapping, not {type(params).__name__}")
        if not isinstance(url, str):
            raise TypeError(f"url must be a str, not {type(url).__name__}")
        url = url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
    url_b = _text("url", url)
    body_b: bytes | None = None
    ints: dict[int, int] = {}
    strs: list[tuple[int, bytes]] = []
    lines = _header_lines(headers) if headers is not None else []
    if json is not None:
        if body is not None:
            raise TypeError("pass body or json, not both")
        body_b = _json.dumps(json, separators=(",", ":")).encode("utf-8")
        if not any(line.lower().startswith(b"content-type:") for line in lines):
            lines.append(b"Content-Type: application/json")
    elif body is not None:
        body_b = _body_bytes(body)
    strs += [(lib.OL_HTTP_HEADER, line) for line in lines]
    if timeout is not None:
        ints[lib.OL_HTTP_TIMEOUT_MS] = _seconds_ms("timeout", timeout)
    if connect_timeout is not None:
        ints[lib.OL_HTTP_CONNECT_TIMEOUT_MS] = _seconds_ms("connect_timeout", connect_timeout)
    if idle_timeout is not None:
        ints[lib.OL_HTTP_IDLE_TIMEOUT_MS] = _seconds_ms("idle_timeout", idle_timeout)
    if follow_redirects is True:
        ints[lib.OL_HTTP_FOLLOW_REDIRECTS] = DEFAULT_MAX_REDIRECTS
    elif follow_redirects is not False:
        ints[lib.OL_HTTP_FOLLOW_REDIRECTS] = _count("follow_redirects", follow_redirects)
    if isinstance(verify, str):
        strs.append((lib.OL_HTTP_CA_FILE, _text("verify", verify)))
    elif verify is False:
        ints[lib.OL_HTTP_VERIFY_PEER] = 0
        ints[lib.OL_HTTP_VERIFY_HOST] = 0
    elif verify is not True:
        raise TypeError("verify must be True, False or a CA bundle path")
    if verify_host is False:  # keep checking the chain, accept any host name
        ints[lib.OL_HTTP_VERIFY_HOST] = 0
    elif verify_host is not True:
        raise TypeError("verify_host must be True or False")
    for key, name, value in (
        (lib.OL_HTTP_CA_PATH, "ca_path", ca_path),
        (lib.OL_HTTP_CLIENT_CERT, "client_cert", client_cert),
        (lib.OL_HTTP_CLIENT_KEY, "client_key", client_key),
        (lib.OL_HTTP_CLIENT_KEY_PASSWORD, "client_key_password", client_key_password),
        (lib.OL_HTTP_PROXY, "proxy", proxy),
        (lib.OL_HTTP_USER_AGENT, "user_agent", user_agent),
    ):
        if value is not None:
            strs.append((key, _text(name, value)))
    if http_version not in _HTTP_VERSIONS:
        raise ValueError(
            f"http_version must be one of {sorted(k for k in _HTTP_VERSIONS if k)} or None"
        )
    if http_version is not None:
        ints[lib.OL_HTTP_VERSION] = _HTTP_VERSIONS[http_version]
    if decompress:
        ints[lib.OL_HTTP_DECOMPRESS] = 1
    if max_response_bytes is not None:
        ints[lib.OL_HTTP_MAX_RESPONSE_BYTES] = _count("max_response_bytes", max_response_bytes)
    if protocols is not None:
        joined = protocols if isinstance(protocols, str) else ",".join(protocols)
        strs.append((lib.OL_HTTP_PROTOCOLS, _text("protocols", joined)))
    if redirect_protocols is not None:  # where a redirect may go: "http,https" unless widened
        joined = (
            redirect_protocols
            if isinstance(redirect_protocols, str)
            else ",".join(redirect_protocols)
        )
        strs.append((lib.OL_HTTP_REDIRECT_PROTOCOLS, _text("redirect_protocols", joined)))
    if auth is not None:
        if not (isinstance(auth, tuple) and len(auth) == 2):
            raise TypeError("auth must be a (user, password) tuple")
        strs.append(
            (
                lib.OL_HTTP_BASIC_AUTH,
                _text("auth user", auth[0]) + b":" + _text("auth password", auth[1]),
            )
        )
    if low_speed_limit is not None:
        ints[lib.OL_HTTP_LOW_SPEED_LIMIT] = _count("low_speed_limit", low_speed_limit)
    if low_speed_time is not None:
        ints[lib.OL_HTTP_LOW_SPEED_TIME_S] = _count("low_speed_time", low_speed_time)
    return Prepared(method_b, url_b, body_b, ints, strs, bool(raise_for_status))


# -- batches -----------------------------------------------------------------------------------


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
            default_loop(),
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
