"""The seed API: run coroutines on oneloop's asyncio loop from synchronous code."""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import functools
import inspect
import sys
from typing import (Any, AsyncContextManager, AsyncIterator, Awaitable,
                    Callable, ContextManager, Coroutine, Generator, Iterator, Optional, Tuple,
                    TypeVar)

from . import _runner
from ._waiting import guard_blocking

T = TypeVar("T")

AGEN_CLOSE_TIMEOUT = 5.0


def set_event_loop(loop: Optional[asyncio.AbstractEventLoop]) -> None:
    """Choose the asyncio loop that runs coroutine jobs (uvloop included). A loop that is not
    running is run by oneloop in a daemon thread; a loop already running in a thread of the
    app's is used where it runs. None goes back to oneloop's own loop."""
    _runner.set_loop(loop)


def get_event_loop() -> asyncio.AbstractEventLoop:
    """The asyncio loop coroutine jobs run on (started on first use)."""
    return _runner.current_runner().loop


async def _await(aw: Awaitable[T]) -> T:
    return await aw


def _as_coroutine(aw: Any, fname: str) -> Coroutine[Any, Any, Any]:
    if asyncio.iscoroutine(aw):
        return aw
    if inspect.isawaitable(aw):
        return _await(aw)
    raise TypeError(f"{fname}() needs a coroutine or awaitable, not {type(aw).__name__}")


def run_async_job(coro: Awaitable[T]) -> "concurrent.futures.Future[T]":
    """Run a coroutine on oneloop's loop thread; return its concurrent.futures.Future at once.
    The caller's contextvars are copied into the coroutine. Future.cancel() cancels the task."""
    c = _as_coroutine(coro, "run_async_job")
    return _runner.current_runner().submit(c, contextvars.copy_context())


def complete_async_jobs(*aws: Any, timeout: Optional[float] = None) -> Tuple[concurrent.futures.Future, ...]:
    """Run every coroutine (or take every future) given, wait until all are done and return
    their futures in order. One failure does not hide the others' outcomes."""
    futures = [a if isinstance(a, concurrent.futures.Future) else run_async_job(a) for a in aws]
    try:
        for f in futures:
            try:
                f.exception(timeout)
            except concurrent.futures.CancelledError:
                pass
    except KeyboardInterrupt:
        for f in futures:
            f.cancel()
        raise
    return tuple(futures)


def async_to_sync(fn: Callable[..., Awaitable[T]]) -> Callable[..., T]:
    """A blocking twin of an async function or method; keeps its name, docstring, signature."""
    if not callable(fn):
        raise TypeError(f"async_to_sync() needs a callable, not {type(fn).__name__}")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return run_async_job(fn(*args, **kwargs)).result()

    return wrapper


def agen_to_gen(agen: AsyncIterator[T]) -> Generator[T, Any, None]:
    """Iterate an async generator from sync code, one step per item on oneloop's loop.
    Exceptions propagate; breaking out early or dropping the generator closes the async
    generator on its loop."""
    if not hasattr(agen, "__anext__"):
        raise TypeError(f"agen_to_gen() needs an async iterator, not {type(agen).__name__}")
    return _agen_steps(agen)


def _agen_steps(agen: Any) -> Generator[Any, Any, None]:
    finished = False
    has_asend = hasattr(agen, "asend")
    try:
        sent = None
        while True:
            step = agen.asend(sent) if has_asend else agen.__anext__()
            try:
                item = run_async_job(step).result()
            except StopAsyncIteration:
                finished = True
                return
            except BaseException:
                finished = True
                raise
            sent = yield item
    finally:
        if not finished:
            _close_agen(agen)


def _close_agen(agen: Any) -> None:
    aclose = getattr(agen, "aclose", None)
    if aclose is None or sys.is_finalizing():
        return  # nothing to close, or too late to run anything
    try:
        guard_blocking()
    except RuntimeError:
        # Dropped on the loop thread itself: schedule the close there instead of waiting.
        asyncio.get_running_loop().create_task(aclose())
        return
    try:
        run_async_job(aclose()).result(AGEN_CLOSE_TIMEOUT)
    except Exception:
        pass  # closing is best effort; the generator's own errors surfaced already


@contextlib.contextmanager
def _acm_bridge(acm: Any) -> Iterator[Any]:
    value = run_async_job(acm.__aenter__()).result()
    try:
        yield value
    except BaseException:
        exc_type, exc, tb = sys.exc_info()
        if not run_async_job(acm.__aexit__(exc_type, exc, tb)).result():
            raise
    else:
        run_async_job(acm.__aexit__(None, None, None)).result()


def acm_to_cm(acm: AsyncContextManager[T]) -> ContextManager[T]:
    """Use an async context manager from sync code: `with acm_to_cm(session) as s: ...`;
    __aenter__ and __aexit__ run on oneloop's loop."""
    if not (hasattr(acm, "__aenter__") and hasattr(acm, "__aexit__")):
        raise TypeError(f"acm_to_cm() needs an async context manager, not {type(acm).__name__}")
    return _acm_bridge(acm)


