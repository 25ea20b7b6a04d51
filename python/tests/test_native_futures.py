"""Native futures (timer jobs on the C executor): outcomes, waits, cancellation,
concurrent.futures interoperability, awaiting inside coroutines."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import threading
import time

import oneloop
import pytest


def test_C01_timer_settles_once_with_its_value():
    fut = oneloop.timer(0.01)
    assert isinstance(fut, concurrent.futures.Future)
    assert fut.result(timeout=10) == 10
    assert fut.done() and not fut.cancelled() and fut.exception() is None


def test_sleep_blocks_on_an_executor_timer():
    t0 = time.monotonic()
    oneloop.sleep(0.02)
    assert time.monotonic() - t0 >= 0.015


def test_C03_wait_timeout_job_keeps_running():
    fut = oneloop.timer(0.2)
    with pytest.raises(oneloop.TimeoutError):
        fut.result(timeout=0.01)
    with pytest.raises(TimeoutError):  # also the builtin
        fut.result(timeout=0)
    assert fut.result(timeout=10) == 200


def test_C04_C05_cancel_pending_timer():
    fut = oneloop.timer(3600)
    assert fut.cancel()
    assert fut.cancelled() and fut.done()
    with pytest.raises(oneloop.CancelledError):
        fut.result()
    with pytest.raises(concurrent.futures.CancelledError):
        fut.result()


def test_C06_cancel_after_completion_has_no_effect():
    fut = oneloop.timer(0)
    assert fut.result(timeout=10) == 0
    assert not fut.cancel()
    assert fut.result() == 0


def test_C07_wait_all_mixed_outcomes():
    ok = oneloop.timer(0.01)
    cancelled = oneloop.timer(3600)
    cancelled.cancel()
    slow = oneloop.timer(0.05)
    done, not_done = concurrent.futures.wait([ok, cancelled, slow], timeout=10)
    assert not not_done
    assert ok.result() == 10 and cancelled.cancelled() and slow.result() == 50


def test_C08_wait_any_returns_first_rest_continue():
    slow = oneloop.timer(5)
    fast = oneloop.timer(0.01)
    done, not_done = concurrent.futures.wait(
        [slow, fast], timeout=10, return_when=concurrent.futures.FIRST_COMPLETED
    )
    assert done == {fast} and not_done == {slow}
    assert not slow.done()  # still running
    slow.cancel()


def test_as_completed_order():
    futs = [oneloop.timer(d) for d in (0.06, 0.0, 0.03)]
    order = [f.result() for f in concurrent.futures.as_completed(futs, timeout=10)]
    assert order == [0, 30, 60]


def test_done_callbacks_run_once():
    seen = []
    event = threading.Event()
    fut = oneloop.timer(0.01)
    fut.add_done_callback(lambda f: (seen.append(f.result()), event.set()))
    assert event.wait(10)
    fut.result()
    time.sleep(0.01)
    assert seen == [10]
    late = []
    fut.add_done_callback(lambda f: late.append(1))  # already done: runs at once
    assert late == [1]


def test_C09_dropping_pending_futures_is_quiet():
    for _ in range(200):
        oneloop.timer(0.01)
    gc.collect()
    oneloop.timer(0.03).result(timeout=10)  # the executor is still fine
    deadline = time.monotonic() + 10
    while oneloop.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert oneloop.stats()["in_flight"] == 0


def test_native_future_awaitable_in_coroutines():
    async def main():
        t0 = time.monotonic()
        values = await asyncio.gather(*(oneloop.timer(0.05) for _ in range(50)))
        return values, time.monotonic() - t0

    values, took = oneloop.run_async_job(main()).result(timeout=10)
    assert values == [50] * 50


def test_awaiting_does_not_block_the_asyncio_loop():
    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        t = asyncio.create_task(ticker())
        await oneloop.timer(0.1)
        t.cancel()
        return ticks

    assert oneloop.run_async_job(main()).result(timeout=10) >= 3


def test_cancelling_the_awaiting_task_cancels_the_native_job():
    holder = {}

    async def main():
        fut = holder["fut"] = oneloop.timer(3600)
        await fut

    job = oneloop.run_async_job(main())
    deadline = time.monotonic() + 10
    while "fut" not in holder and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.01)
    job.cancel()
    deadline = time.monotonic() + 10
    while not holder["fut"].done() and time.monotonic() < deadline:
        time.sleep(0.001)
    assert holder["fut"].cancelled()


def test_awaiting_in_a_plain_asyncio_run():
    async def main():
        return await oneloop.timer(0.01)

    assert asyncio.run(main()) == 10


def test_C10_threads_submit_and_wait_timers():
    def worker(_):
        return sum(oneloop.timer(0).result(timeout=30) + 1 for _ in range(500))

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        assert list(pool.map(worker, range(16))) == [500] * 16


def test_C15_timer_bad_input():
    with pytest.raises(TypeError):
        oneloop.timer("1")
    with pytest.raises(ValueError):
        oneloop.timer(-1)
    with pytest.raises(ValueError):
        oneloop.timer(float("nan"))
    with pytest.raises(ValueError):
        oneloop.timer(0).result(timeout=-0.5)


def test_error_hierarchy():
    assert issubclass(oneloop.TimeoutError, oneloop.Error)
    assert issubclass(oneloop.DeadlockError, RuntimeError)
    assert issubclass(oneloop.ConnectionRefusedError, oneloop.ConnectionError)
    assert issubclass(oneloop.ConnectionError, ConnectionError)
    assert issubclass(oneloop.URLError, ValueError)
    e = oneloop.TLSError("certificate verify failed")
    assert e.code == oneloop.TLSError.code < 0
    assert e.message == "certificate verify failed" and "certificate verify failed" in str(e)


def test_asyncio_wrap_future_of_a_native_future():
    async def main():
        return await asyncio.wrap_future(oneloop.timer(0.01))

    assert asyncio.run(main()) == 10


HUGE_TIMEOUTS = [2**31 / 1000, 2**31, 2**63 / 1000, 1e300, float("inf")]


@pytest.mark.parametrize("timeout", HUGE_TIMEOUTS)
def test_huge_wait_timeouts_wait_for_the_result(server, timeout):
    # Beyond 2^31 ms, up to infinity, a timeout means "wait as long as it takes", never
    # "timed out at once" nor an overflow.
    assert oneloop.timer(0.05).result(timeout=timeout) == 50
    assert oneloop.timer(0.05).exception(timeout=timeout) is None

    async def later():
        await asyncio.sleep(0.05)
        return "late"

    assert oneloop.run_async_job(later()).result(timeout=timeout) == "late"
    r = oneloop.http.get(server.url("/fault/slow-drip?bytes=2&interval=50"), wait_timeout=timeout)
    assert r.status == 200 and len(r.content) == 2
    with oneloop.http.stream(
        "GET", server.url("/fault/slow-drip?bytes=2&interval=50"), wait_timeout=timeout
    ) as s:
        assert len(s.read()) == 2
