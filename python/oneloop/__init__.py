"""oneloop: one async executor per process, for synchronous Python.

Native jobs (HTTP, timers) run on a C event-loop thread that never takes the GIL; coroutines
run on an asyncio loop in a daemon thread started on first use. Nothing starts at import.
"""

from . import http, work
from ._core import HEADER_VERSION, LIBRARY_VERSION, configure, stats
from ._coroutines import (
    acm_to_cm,
    agen_to_gen,
    async_to_sync,
    complete_async_jobs,
    get_event_loop,
    run_async_job,
    set_event_loop,
)
from ._errors import (
    CancelledError,
    ClosedError,
    ConnectionError,
    ConnectionRefusedError,
    DeadlockError,
    DNSError,
    EmptyReplyError,
    Error,
    ForkedError,
    HTTPStatusError,
    InvalidArgument,
    NotSupportedError,
    PartialResponseError,
    ProtocolDeniedError,
    ProtocolError,
    RecvError,
    SendError,
    TimeoutError,
    TLSError,
    TooLargeError,
    TooManyRedirectsError,
    URLError,
)
from ._futures import NativeFuture, sleep, timer
from ._response import Headers, Response, Timing

__version__ = "0.1.0"

__all__ = [
    "set_event_loop",
    "get_event_loop",
    "run_async_job",
    "complete_async_jobs",
    "async_to_sync",
    "agen_to_gen",
    "acm_to_cm",
    "http",
    "work",
    "timer",
    "sleep",
    "NativeFuture",
    "Response",
    "Headers",
    "Timing",
    "stats",
    "configure",
    "HEADER_VERSION",
    "LIBRARY_VERSION",
    "Error",
    "TimeoutError",
    "CancelledError",
    "ClosedError",
    "DeadlockError",
    "ForkedError",
    "InvalidArgument",
    "NotSupportedError",
    "URLError",
    "ProtocolDeniedError",
    "ConnectionError",
    "DNSError",
    "ConnectionRefusedError",
    "SendError",
    "RecvError",
    "EmptyReplyError",
    "PartialResponseError",
    "TLSError",
    "TooLargeError",
    "ProtocolError",
    "TooManyRedirectsError",
    "HTTPStatusError",
]
