"""Coroutine jobs from synchronous code: run coroutines on oneloop's asyncio loop and wait for
them (run_async_job, complete_async_jobs), bridge async functions, generators and context
managers (async_to_sync, agen_to_gen, acm_to_cm), and choose the loop (set_event_loop)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import functools
import inspect
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, TypeVar

from . import _coroutine_loop
from ._core import guard_blocking, timeout_ms

T = TypeVar("T")

AGEN_CLOSE_TIMEOUT = 5.0


def set_event_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Choose the asyncio loop that runs coroutine jobs (uvloop included). A loop that is not
    running is run by oneloop in a daemon thread; a loop already running in a thread of the
    app's is used where it runs. None goes back to oneloop's own loop."""
    _coroutine_loop.set_loop(loop)


def get_event_loop() -> asyncio.AbstractEventLoop:
    """The asyncio loop coroutine jobs run on (started on first use)."""
    return _coroutine_loop.current_runner().loop


async def _await(aw: Awaitable[T]) -> T:
    return await aw


def _as_coroutine(aw: Any, fname: str) -> Coroutine[Any, Any, Any]:
    if asyncio.iscoroutine(aw):
        return aw
    if inspect.isawaitable(aw):
        return _await(aw)
    raise TypeError(f"{fname}() needs a coroutine or awaitable, not {type(aw).__name__}")


def run_async_job(coro: Awaitable[T]) -> concurrent.futures.Future[T]:
    """Run a coroutine on oneloop's loop thread; return its concurrent.futures.Future at once.
    The caller's contextvars are copied into the coroutine. Future.cancel() cancels the task."""
    c = _as_coroutine(coro, "run_async_job")
    return _coroutine_loop.current_runner().submit(c, contextvars.copy_context())


def complete_async_jobs(
    *aws: Any, timeout: float | None = None
) -> tuple[concurrent.futures.Future, ...]:
    """Run every coroutine (or take every future) given, wait until all are done and return
    their futures in order. One failure does not hide the others' outcomes.

    timeout (seconds, None: no limit) is one deadline for the whole call. When it passes, the
    jobs still running are cancelled (their futures hold CancelledError) and every future is
    returned all the same; a job that finished in time keeps its outcome. A foreign future
    that refuses cancel() (a thread-pool job already running) comes back still pending.
    Ctrl-C cancels them all and re-raises. From the coroutine loop's own thread it raises
    DeadlockError unless everything given has settled already."""
    try:
        timeout_ms(timeout)  # refused before anything is submitted
        if not all(isinstance(a, concurrent.futures.Future) and a.done() for a in aws):
            guard_blocking("oneloop.complete_async_jobs()")
    except BaseException:
        _close_coroutines(aws)  # never started: no "never awaited" warning
        raise
    deadline = None if timeout is None else time.monotonic() + timeout
    futures = [a if isinstance(a, concurrent.futures.Future) else run_async_job(a) for a in aws]
    try:
        _wait_until(futures, deadline)
    except KeyboardInterrupt:
        for f in futures:
            f.cancel()
        raise
    for f in futures:
        if not f.done():
            f.cancel()  # a late one (one that settled meanwhile keeps its outcome)
    return tuple(futures)


def _wait_until(futures: list[concurrent.futures.Future], deadline: float | None) -> None:
    """Wait for each future in turn, all against the same deadline (monotonic seconds)."""
    for f in futures:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            f.exception(left)
        except concurrent.futures.CancelledError:
            pass
        except TimeoutError:  # concurrent.futures.TimeoutError is this one since 3.11
            return


def _close_coroutines(aws: tuple[Any, ...]) -> None:
    for a in aws:
        if asyncio.iscoroutine(a):
            a.close()


def async_to_sync(fn: Callable[..., Awaitable[T]]) -> Callable[..., T]:
    """A blocking twin of an async function or method; keeps its name, docstring, signature.
    Like asgiref's, it refuses to run in a thread that runs an asyncio event loop (raises
    RuntimeError): blocking there would stall that loop; await the function there instead.
    Plain threads, and other threads than the loop's (run_in_executor), are fine."""
    if not callable(fn):
        raise TypeError(f"async_to_sync() needs a callable, not {type(fn).__name__}")

    name = getattr(fn, "__qualname__", None) or repr(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        _refuse_on_a_loop_thread(f"async_to_sync({name})", f"'await {name}(...)'")
        return run_async_job(fn(*args, **kwargs)).result()

    return wrapper


def _refuse_on_a_loop_thread(call: str, instead: str) -> None:
    """Refuse a blocking bridge in a thread that runs an event loop: it would stall that loop."""
    guard_blocking(call)  # oneloop's own loop: DeadlockError
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return  # no loop runs in this thread: blocking it is fine
    raise RuntimeError(
        f"{call} was called from a thread that runs an asyncio event loop ({loop!r}); "
        "blocking here would stall that loop until the coroutine ends. Inside a coroutine, "
        f"{instead} directly instead, or call the sync version from another thread "
        "(loop.run_in_executor, asyncio.to_thread)."
    )


def agen_to_gen(agen: AsyncIterator[T]) -> Generator[T, Any, None]:
    """Iterate an async generator from sync code, one step per item on oneloop's loop.
    Exceptions propagate; breaking out early or dropping the generator closes the async
    generator on its loop. Like async_to_sync, it raises RuntimeError in a thread that runs an
    asyncio event loop (use 'async for' there)."""
    if not hasattr(agen, "__anext__"):
        raise TypeError(f"agen_to_gen() needs an async iterator, not {type(agen).__name__}")
    return _agen_steps(agen)


def _agen_steps(agen: Any) -> Generator[Any, Any, None]:
    _refuse_on_a_loop_thread("agen_to_gen()", "'async for' over the generator")
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
    _refuse_on_a_loop_thread("acm_to_cm()", "'async with' on the context manager")
    value = run_async_job(acm.__aenter__()).result()
    try:
        yield value
    except BaseException:
        exc_type, exc, tb = sys.exc_info()
        if not run_async_job(acm.__aexit__(exc_type, exc, tb)).result():
            raise
    else:
        run_async_job(acm.__aexit__(None, None, None)).result()


def acm_to_cm(acm: AbstractAsyncContextManager[T]) -> AbstractContextManager[T]:
    """Use an async context manager from sync code: `with acm_to_cm(session) as s: ...`;
    __aenter__ and __aexit__ run on oneloop's loop. Like async_to_sync, it raises RuntimeError
    in a thread that runs an asyncio event loop (use 'async with' there)."""
    if not (hasattr(acm, "__aenter__") and hasattr(acm, "__aexit__")):
        raise TypeError(f"acm_to_cm() needs an async context manager, not {type(acm).__name__}")
    return _acm_bridge(acm)
