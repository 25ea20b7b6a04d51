"""Blocking-work jobs on the core's worker pool."""

from __future__ import annotations

import concurrent.futures
import threading
import time

import oneloop
import pytest


def test_C01_work_returns_value_from_a_pool_thread():
    value, thread = oneloop.work.run(lambda a, b=0: (a + b, threading.get_ident()), 2, b=3)
    assert value == 5 and thread != threading.get_ident()


def test_C02_work_exception_is_the_original():
    class Boom(Exception):
        pass

    def fail():
        raise Boom("from the pool")

    fut = oneloop.work.submit(fail)
    with pytest.raises(Boom, match="from the pool"):
        fut.result(timeout=10)
    ok = oneloop.work.submit(lambda: "unaffected")
    assert ok.result(timeout=10) == "unaffected"


def test_work_runs_in_parallel_when_the_gil_is_released():
    futs = [oneloop.work.submit(time.sleep, 0.1) for _ in range(4)]
    done, _ = concurrent.futures.wait(futs, timeout=10)
    assert len(done) == 4


def test_work_awaitable_in_coroutines():
    async def main():
        return await oneloop.work.submit(sum, [1, 2, 3])

    assert oneloop.run_async_job(main()).result(timeout=10) == 6


def test_C15_work_bad_input():
    with pytest.raises(TypeError):
        oneloop.work.submit(42)
