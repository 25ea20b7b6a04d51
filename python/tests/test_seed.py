"""The seed API (run_async_job, complete_async_jobs, async_to_sync, agen_to_gen, acm_to_cm,
set/get_event_loop) against a real asyncio loop thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import gc
import inspect
import threading
import time

import oneloop
import pytest

request_id = contextvars.ContextVar("request_id", default="none")


async def double(x):
    await asyncio.sleep(0)
    return x * 2


async def fail(msg):
    await asyncio.sleep(0.001)
    raise ValueError(msg)


def test_C01_run_async_job_result():
    fut = oneloop.run_async_job(double(21))
    assert isinstance(fut, concurrent.futures.Future)
    assert fut.result(timeout=10) == 42
    assert fut.done() and not fut.cancelled()


def test_C01_coroutine_that_never_suspends():
    async def now():
        return "now"

    assert oneloop.run_async_job(now()).result(timeout=10) == "now"


def test_C02_exception_propagates_with_its_type():
    fut = oneloop.run_async_job(fail("boom"))
    with pytest.raises(ValueError, match="boom"):
        fut.result(timeout=10)
    assert isinstance(fut.exception(), ValueError)


def test_runs_on_a_python_thread_that_is_not_the_caller():
    async def where():
        return threading.current_thread().name, asyncio.current_task() is not None

    name, in_task = oneloop.run_async_job(where()).result(timeout=10)
    assert name == "oneloop-coroutines" and in_task
    assert oneloop.get_event_loop().is_running()


def test_asyncio_timeout_works_inside_a_job():
    async def slow():
        async with asyncio.timeout(0.01):
            await asyncio.sleep(10)

    with pytest.raises(TimeoutError):
        oneloop.run_async_job(slow()).result(timeout=10)


def test_awaitable_that_is_not_a_coroutine():
    async def make():
        return asyncio.get_running_loop().create_future()

    # A Task is an awaitable too.
    class Aw:
        def __await__(self):
            return double(5).__await__()

    assert oneloop.run_async_job(Aw()).result(timeout=10) == 10


def test_contextvars_are_carried_into_the_coroutine_and_not_back():
    async def read_and_set():
        seen = request_id.get()
        request_id.set("changed-inside")
        return seen

    token = request_id.set("req-42")
    try:
        assert oneloop.run_async_job(read_and_set()).result(timeout=10) == "req-42"
        assert request_id.get() == "req-42"
    finally:
        request_id.reset(token)


def test_contextvars_survive_suspension():
    async def later():
        await asyncio.sleep(0.01)
        return request_id.get()

    ctx = contextvars.copy_context()
    ctx.run(request_id.set, "ctx-value")
    assert ctx.run(lambda: oneloop.run_async_job(later()).result(timeout=10)) == "ctx-value"


def test_C05_future_cancel_cancels_the_task():
    seen = []
    started = threading.Event()

    async def forever():
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    fut = oneloop.run_async_job(forever())
    assert started.wait(10)
    assert fut.cancel()
    with pytest.raises(concurrent.futures.CancelledError):
        fut.result(timeout=10)
    with pytest.raises(oneloop.CancelledError):
        fut.result()
    deadline = time.monotonic() + 10
    while not seen and time.monotonic() < deadline:
        time.sleep(0.005)
    assert seen == ["cancelled"]


def test_C06_cancel_after_completion_keeps_the_result():
    fut = oneloop.run_async_job(double(2))
    assert fut.result(timeout=10) == 4
    assert not fut.cancel()
    assert fut.result() == 4


def test_C03_wait_timeout_then_result():
    fut = oneloop.run_async_job(asyncio.sleep(0.2, result="late"))
    with pytest.raises(TimeoutError):
        fut.result(timeout=0.01)
    assert fut.result(timeout=10) == "late"


def test_C07_complete_async_jobs_mixed_outcomes():
    cancelled = oneloop.run_async_job(asyncio.sleep(3600))
    cancelled.cancel()
    futs = oneloop.complete_async_jobs(
        double(1), fail("bad"), double(3), cancelled, oneloop.timer(0.01), timeout=10
    )
    assert isinstance(futs, tuple) and len(futs) == 5
    assert all(f.done() for f in futs)
    assert futs[0].result() == 2
    assert isinstance(futs[1].exception(), ValueError)
    assert futs[2].result() == 6
    assert futs[3].cancelled()
    assert futs[4].result() == 10


def test_C08_concurrent_futures_wait_first_completed():
    slow = oneloop.run_async_job(asyncio.sleep(5))
    fast = oneloop.run_async_job(double(4))
    done, not_done = concurrent.futures.wait(
        [slow, fast], timeout=10, return_when=concurrent.futures.FIRST_COMPLETED
    )
    assert fast in done and slow in not_done
    slow.cancel()


class Service:
    """A class with async methods."""

    def __init__(self, factor):
        self.factor = factor

    async def scale(self, x: int, *, offset: int = 0) -> int:
        """Scale x by the factor."""
        await asyncio.sleep(0)
        return x * self.factor + offset

    scale_sync = oneloop.async_to_sync(scale)


@oneloop.async_to_sync
async def add(a: int, b: int = 1) -> int:
    """Add two numbers."""
    return a + b


def test_async_to_sync_function_keeps_name_doc_signature():
    assert add(2, b=3) == 5
    assert add.__name__ == "add"
    assert add.__doc__ == "Add two numbers."
    assert str(inspect.signature(add)) == "(a: 'int', b: 'int' = 1) -> 'int'"


def test_async_to_sync_methods():
    s = Service(3)
    assert s.scale_sync(2, offset=1) == 7
    assert oneloop.async_to_sync(s.scale)(4) == 12
    assert Service.scale_sync.__name__ == "scale"
    assert "offset" in str(inspect.signature(Service.scale_sync))


def test_async_to_sync_rejects_non_callables():
    with pytest.raises(TypeError):
        oneloop.async_to_sync(42)


async def counter(n, log):
    try:
        for i in range(n):
            await asyncio.sleep(0)
            yield i
    finally:
        log.append(("closed", threading.current_thread().name))


def test_agen_to_gen_iterates():
    log = []
    assert list(oneloop.agen_to_gen(counter(5, log))) == [0, 1, 2, 3, 4]
    assert log == [("closed", "oneloop-coroutines")]


def test_agen_to_gen_exception_propagates():
    async def broken():
        yield 1
        raise KeyError("inside")

    gen = oneloop.agen_to_gen(broken())
    assert next(gen) == 1
    with pytest.raises(KeyError, match="inside"):
        next(gen)


def test_agen_to_gen_early_break_closes_on_its_loop():
    log = []
    for i in oneloop.agen_to_gen(counter(100, log)):
        if i == 2:
            break
    gc.collect()
    assert log == [("closed", "oneloop-coroutines")]


def test_agen_to_gen_dropped_generator_closes():
    log = []
    gen = oneloop.agen_to_gen(counter(100, log))
    assert next(gen) == 0
    del gen
    gc.collect()
    assert log == [("closed", "oneloop-coroutines")]


def test_agen_to_gen_rejects_non_async_iterators():
    with pytest.raises(TypeError):
        oneloop.agen_to_gen([1, 2])


def test_acm_to_cm():
    log = []

    @contextlib.asynccontextmanager
    async def resource():
        log.append("enter")
        try:
            yield "res"
        finally:
            log.append("exit")

    with oneloop.acm_to_cm(resource()) as r:
        assert r == "res"
    assert log == ["enter", "exit"]
    with pytest.raises(RuntimeError, match="inside"):
        with oneloop.acm_to_cm(resource()):
            raise RuntimeError("inside")
    assert log == ["enter", "exit", "enter", "exit"]


def test_C11_blocking_from_the_coroutine_loop_raises_at_once():
    async def blocking_inside():
        inner = oneloop.run_async_job(double(1))
        try:
            inner.result(timeout=5)
        except RuntimeError as exc:
            return str(exc)
        return "no error"

    msg = oneloop.run_async_job(blocking_inside()).result(timeout=10)
    assert "deadlock" in msg

    async def http_inside():
        try:
            oneloop.timer(1).result()
        except RuntimeError as exc:
            return type(exc).__name__

    assert oneloop.run_async_job(http_inside()).result(timeout=10) == "DeadlockError"


def test_C15_run_async_job_rejects_non_awaitables():
    with pytest.raises(TypeError, match="coroutine"):
        oneloop.run_async_job(42)
    with pytest.raises(TypeError):
        oneloop.run_async_job(double)  # the function, not a call
    with pytest.raises(ValueError):
        oneloop.run_async_job(double(1)).result(timeout=-1)
    with pytest.raises(TypeError):
        oneloop.run_async_job(double(1)).result(timeout="soon")


def test_set_event_loop_own_loop_then_back():
    loop = asyncio.new_event_loop()
    try:
        oneloop.set_event_loop(loop)
        assert oneloop.get_event_loop() is loop

        async def which():
            return asyncio.get_running_loop()

        assert oneloop.run_async_job(which()).result(timeout=10) is loop
    finally:
        oneloop.set_event_loop(None)
    assert oneloop.get_event_loop() is not loop


def test_set_event_loop_retires_the_thread_oneloop_started():
    started, release = threading.Event(), threading.Event()

    async def slow():
        started.set()
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 10)
        return "finished"

    async def which():
        return asyncio.get_running_loop()

    oneloop.set_event_loop(None)
    old_loop = oneloop.get_event_loop()
    running = oneloop.run_async_job(slow())
    assert started.wait(10)
    old_threads = [t for t in threading.enumerate() if t.name == "oneloop-coroutines"]
    assert old_threads
    new_loop = asyncio.new_event_loop()
    try:
        oneloop.set_event_loop(new_loop)
        assert oneloop.run_async_job(which()).result(timeout=10) is new_loop
        assert not running.done()  # the job on the old loop goes on there
        release.set()
        assert running.result(timeout=10) == "finished"
        for t in old_threads:
            t.join(10)
            assert not t.is_alive()  # the old thread ended once its job was done
        assert old_loop.is_closed()  # oneloop made it, so oneloop closed it
    finally:
        release.set()
        oneloop.set_event_loop(None)


def test_set_event_loop_attaches_to_an_app_running_loop():
    loop = asyncio.new_event_loop()
    t = threading.Thread(target=loop.run_forever, daemon=True)
    t.start()
    try:
        oneloop.set_event_loop(loop)

        async def which():
            return threading.get_ident()

        assert oneloop.run_async_job(which()).result(timeout=10) == t.ident
    finally:
        oneloop.set_event_loop(None)
        loop.call_soon_threadsafe(loop.stop)
        t.join(10)


def test_set_event_loop_uvloop():
    uvloop = pytest.importorskip("uvloop")
    loop = uvloop.new_event_loop()
    try:
        oneloop.set_event_loop(loop)

        async def work():
            await asyncio.sleep(0.001)
            return await oneloop.timer(0.001), type(asyncio.get_running_loop()).__module__

        value, module = oneloop.run_async_job(work()).result(timeout=10)
        assert value == 1 and module.startswith("uvloop")
    finally:
        oneloop.set_event_loop(None)


def test_set_event_loop_bad_input():
    with pytest.raises(TypeError):
        oneloop.set_event_loop("loop")
    closed = asyncio.new_event_loop()
    closed.close()
    with pytest.raises(ValueError):
        oneloop.set_event_loop(closed)


def test_C10_many_threads_run_async_job():
    def worker(k):
        return sum(oneloop.run_async_job(double(i)).result(timeout=30) for i in range(200))

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        totals = list(pool.map(worker, range(16)))
    assert totals == [sum(2 * i for i in range(200))] * 16


def test_job_future_callbacks_and_as_completed():
    seen = []
    done_event = threading.Event()
    fut = oneloop.run_async_job(asyncio.sleep(0.02, result="cb"))
    fut.add_done_callback(lambda f: (seen.append(f.result()), done_event.set()))
    assert done_event.wait(10) and seen == ["cb"]
    futs = [oneloop.run_async_job(asyncio.sleep(d, result=d)) for d in (0.06, 0.0, 0.03)]
    assert [f.result() for f in concurrent.futures.as_completed(futs, timeout=10)] == [
        0.0,
        0.03,
        0.06,
    ]


def test_job_future_cannot_be_set_by_hand():
    fut = oneloop.run_async_job(double(1))
    with pytest.raises(RuntimeError):
        fut.set_result(3)
    assert fut.result(timeout=10) == 2


def test_set_event_loop_from_inside_that_loop():
    async def main():
        oneloop.set_event_loop(asyncio.get_running_loop())
        try:
            fut = oneloop.run_async_job(double(5))
            return await asyncio.wrap_future(fut)
        finally:
            oneloop.set_event_loop(None)

    assert asyncio.run(main()) == 10
