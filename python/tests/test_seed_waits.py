"""The seed API's blocking waits: complete_async_jobs(timeout=) is one deadline for the whole
call, and the sync bridges refuse to block a thread that runs an asyncio event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import threading
import time
import warnings

import oneloop
import pytest


async def quick(x):
    await asyncio.sleep(0)
    return x


async def fail(msg):
    await asyncio.sleep(0)
    raise ValueError(msg)


async def sleeper(seconds, result, cancelled: threading.Event):
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        cancelled.set()
        raise
    return result


def wait_until(predicate, limit=10.0):
    """A hang guard, not a timed assertion."""
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached within the guard"
        time.sleep(0.01)


def test_complete_async_jobs_deadline_keeps_finished_outcomes_and_cancels_late_jobs():
    seen = [threading.Event() for _ in range(2)]
    t0 = time.monotonic()
    futs = oneloop.complete_async_jobs(
        quick(1),
        fail("bad"),
        asyncio.sleep(0.01, result="soon"),
        sleeper(3600, "never", seen[0]),
        sleeper(3600, "never", seen[1]),
        timeout=0.5,
    )
    elapsed = time.monotonic() - t0
    assert isinstance(futs, tuple) and len(futs) == 5
    assert elapsed < 5.0  # the deadline (0.5 s), with a 10x margin
    assert futs[0].result() == 1
    assert isinstance(futs[1].exception(), ValueError)
    assert futs[2].result() == "soon"
    for f in futs[3:]:
        assert f.cancelled()
        with pytest.raises(concurrent.futures.CancelledError):
            f.result()
    for ev in seen:  # the coroutines themselves were cancelled, on their loop
        assert ev.wait(10)


def test_complete_async_jobs_timeout_is_for_the_whole_call_not_each_future():
    # Each job ends less than the timeout after the one before: a timeout per future would
    # let every one finish. One deadline for the call (1 s) leaves the last two late.
    seen = [threading.Event() for _ in range(4)]
    delays = [0.2, 0.9, 1.6, 2.3]
    futs = oneloop.complete_async_jobs(
        *(sleeper(d, d, ev) for d, ev in zip(delays, seen, strict=True)), timeout=1.0
    )
    assert futs[0].result() == 0.2
    assert futs[2].cancelled() and futs[3].cancelled()
    assert seen[2].wait(10) and seen[3].wait(10)


def test_complete_async_jobs_deadline_cancels_native_jobs(server):
    before = oneloop.stats()["in_flight"]
    fast = oneloop.http.submit("GET", server.url("/json"))
    slow = oneloop.http.submit("GET", server.url("/delay/30000"))
    timer = oneloop.timer(3600)
    futs = oneloop.complete_async_jobs(fast, slow, timer, timeout=0.5)
    assert futs[0].result().status == 200
    assert futs[1].cancelled() and futs[2].cancelled()
    wait_until(lambda: oneloop.stats()["in_flight"] <= before)  # the request was stopped


def test_complete_async_jobs_without_timeout_waits_for_all():
    futs = oneloop.complete_async_jobs(asyncio.sleep(0.05, result="a"), quick("b"))
    assert [f.result() for f in futs] == ["a", "b"]


def test_complete_async_jobs_on_the_coroutine_loop_raises_instead_of_deadlocking():
    async def inside():
        never = concurrent.futures.Future()  # settled by nobody: blocking here is forever
        try:
            oneloop.complete_async_jobs(never, timeout=2)
        except RuntimeError as exc:
            return type(exc).__name__
        except BaseException as exc:  # noqa: BLE001 - the pre-fix outcome, reported as such
            return f"not refused: {type(exc).__name__}"
        return "not refused"

    assert oneloop.run_async_job(inside()).result(timeout=10) == "DeadlockError"


@oneloop.async_to_sync
async def add(a, b):
    await asyncio.sleep(0)
    return a + b


def test_async_to_sync_inside_asyncio_run_raises_a_clear_runtime_error():
    async def main():
        with pytest.raises(RuntimeError, match="event loop") as info:
            add(1, 2)
        return str(info.value)

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no coroutine left un-awaited
        msg = asyncio.run(main())
        gc.collect()
    assert "await" in msg and "add" in msg


def test_async_to_sync_from_a_worker_thread_of_a_running_loop_works():
    async def main():
        return await asyncio.get_running_loop().run_in_executor(None, add, 2, 3)

    assert asyncio.run(main()) == 5


def test_async_to_sync_from_plain_threads_works():
    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(add(i, 1))) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(results) == [1, 2, 3, 4]


async def _three():
    for i in range(3):
        await asyncio.sleep(0)
        yield i


class _Resource:
    entered = 0

    async def __aenter__(self):
        _Resource.entered += 1
        return self

    async def __aexit__(self, *exc):
        return False


def test_agen_to_gen_and_acm_to_cm_inside_asyncio_run_raise_a_clear_runtime_error():
    async def main():
        messages = []
        with pytest.raises(RuntimeError, match="event loop") as info:
            next(oneloop.agen_to_gen(_three()))
        messages.append(str(info.value))
        with pytest.raises(RuntimeError, match="event loop") as info:
            with oneloop.acm_to_cm(_Resource()):
                pass
        messages.append(str(info.value))
        return messages

    entered_before = _Resource.entered
    msgs = asyncio.run(main())
    assert "agen_to_gen" in msgs[0] and "acm_to_cm" in msgs[1]
    assert _Resource.entered == entered_before  # refused before anything ran


def test_agen_to_gen_and_acm_to_cm_from_plain_threads_still_work():
    assert list(oneloop.agen_to_gen(_three())) == [0, 1, 2]
    with oneloop.acm_to_cm(_Resource()) as r:
        assert isinstance(r, _Resource)
