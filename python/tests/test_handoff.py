"""The hand-off of coroutine results to waiting threads (oneloop._handoff, csrc/handoff.c):
the selector that raises settled futures' flags as its loop blocks must still be a correct
selector, and every way a future settles must raise its flag."""

from __future__ import annotations

import asyncio
import errno
import os
import selectors
import socket
import subprocess
import sys
import threading
import time

import oneloop
import pytest
from oneloop import _coroutine_loop as _runner
from oneloop import _handoff


def eventually(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.001)
    return check()


@pytest.fixture
def selector():
    sel = _handoff.HandoffSelector()
    yield sel
    sel.close()


def test_selector_raises_deferred_flags_when_it_polls(selector):
    flags = [_handoff.new_flag() for _ in range(3)]
    for f in flags:
        selector.defer(f)
    assert [f.settled for f in flags] == [0, 0, 0]
    assert selector.select(0) == []
    assert [f.settled for f in flags] == [1, 1, 1]


def test_selector_reports_readiness_like_epoll(selector):
    a, b = socket.socketpair()
    try:
        key_a = selector.register(a, selectors.EVENT_READ, "reader")
        key_b = selector.register(b, selectors.EVENT_WRITE, "writer")
        baseline = selectors.EpollSelector()
        baseline.register(a, selectors.EVENT_READ, "reader")
        baseline.register(b, selectors.EVENT_WRITE, "writer")
        for payload in (None, b"x"):
            if payload:
                b.send(payload)
            selector.defer(_handoff.new_flag())  # take the C path, not EpollSelector's
            ours = sorted((k.data, ev) for k, ev in selector.select(1.0))
            theirs = sorted((k.data, ev) for k, ev in baseline.select(1.0))
            assert ours == theirs
        assert ("reader", selectors.EVENT_READ) in ours and (
            "writer",
            selectors.EVENT_WRITE,
        ) in ours
        assert key_a.fileobj is a and key_b.fileobj is b
        baseline.close()
    finally:
        a.close()
        b.close()


def test_selector_with_nothing_ready_returns_nothing(selector):
    a, b = socket.socketpair()
    try:
        selector.register(a, selectors.EVENT_READ)
        selector.defer(_handoff.new_flag())
        assert selector.select(0.01) == []
    finally:
        a.close()
        b.close()


def test_selector_whose_epoll_fails_raises_oserror(selector):
    selector.fileno = lambda: -1  # epoll_wait then fails with EBADF
    selector.defer(_handoff.new_flag())
    with pytest.raises(OSError) as info:
        selector.select(0)
    assert info.value.errno == errno.EBADF


def test_a_raised_flag_ends_the_spin_at_once():
    flag = _handoff.new_flag()
    flag.settled = 1
    assert _handoff.spin(flag) is True


def test_a_flag_never_raised_ends_the_spin_and_lets_the_waiter_sleep():
    assert _handoff.spin(_handoff.new_flag()) is False


def test_OL_WAIT_SPIN_US_sets_the_spin_budget():
    code = (
        "import threading\n"
        "from oneloop import _handoff\n"
        "f = _handoff.new_flag()\n"
        "threading.Timer(0.05, lambda: setattr(f, 'settled', 1)).start()\n"
        "print(_handoff.spin(f))\n"
    )

    def spin_with(us: str) -> str:
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "OL_WAIT_SPIN_US": us},
            capture_output=True,
            text=True,
            timeout=60,
            cwd="/",
        )
        return out.stdout.strip() or out.stderr

    assert spin_with("5000000") == "True"  # a 5 s budget outlasts the 50 ms timer
    assert spin_with("0") == "False"  # off: the caller sleeps at once


async def forever():
    await asyncio.sleep(3600)


async def answer_when(release: threading.Event, value=42):
    while not release.is_set():
        await asyncio.sleep(0.001)
    return value


def no_job_in_flight() -> bool:
    r = _runner.current_runner()
    return r.jobs_submitted == r.jobs_finished


def wait_in_a_thread(fut):
    """Start a thread waiting for fut; return it once its hand-off flag exists, with the list
    where it puts the exception it gets."""
    outcome = []

    def wait() -> None:
        try:
            fut.result(timeout=30)
        except BaseException as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    assert eventually(lambda: fut._handoff is not None)  # the waiter is spinning or asleep
    return waiter, outcome


def test_the_default_loop_hands_off_through_its_selector():
    runner = _runner.current_runner()
    assert runner.handoff_selector is not None
    assert eventually(no_job_in_flight)
    release = threading.Event()
    fut = oneloop.run_async_job(answer_when(release))
    waiter, outcome = wait_in_a_thread(fut)  # the only job in flight: its waiter spins
    release.set()
    waiter.join(10)
    assert fut.result(timeout=10) == 42 and outcome == []
    assert eventually(lambda: fut._handoff.settled == 1)
    assert eventually(no_job_in_flight)


def test_waiters_do_not_spin_while_other_jobs_are_in_flight():
    assert eventually(no_job_in_flight)
    busy = oneloop.run_async_job(forever())

    async def answer():
        return 7

    fut = oneloop.run_async_job(answer())
    assert fut.result(timeout=10) == 7
    assert fut._handoff is None
    busy.cancel()
    assert eventually(no_job_in_flight)


def test_failures_and_cancels_raise_the_flag_too():
    assert eventually(no_job_in_flight)
    release = threading.Event()

    async def boom_when_released():
        while not release.is_set():
            await asyncio.sleep(0.001)
        raise KeyError("x")

    failed = oneloop.run_async_job(boom_when_released())
    waiter, outcome = wait_in_a_thread(failed)
    release.set()
    waiter.join(10)
    assert [type(e) for e in outcome] == [KeyError]
    assert eventually(lambda: failed._handoff.settled == 1)

    assert eventually(no_job_in_flight)
    pending = oneloop.run_async_job(forever())
    waiter, outcome = wait_in_a_thread(pending)
    assert pending.cancel()
    assert pending._handoff.settled == 1
    waiter.join(10)
    assert pending.cancelled() and [type(e) for e in outcome] == [oneloop.CancelledError]


def test_a_custom_policy_keeps_its_own_loop_and_flags_are_raised_at_once():
    class Policy(asyncio.DefaultEventLoopPolicy):
        pass

    old = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(Policy())
    try:
        loop, selector = _handoff.new_loop()
        assert selector is None
        loop.close()
    finally:
        asyncio.set_event_loop_policy(old)

    app_loop = asyncio.new_event_loop()
    t = threading.Thread(target=app_loop.run_forever, daemon=True)
    t.start()
    try:
        oneloop.set_event_loop(app_loop)
        assert _runner.current_runner().handoff_selector is None

        release = threading.Event()
        fut = oneloop.run_async_job(answer_when(release, "app loop"))
        waiter, outcome = wait_in_a_thread(fut)
        release.set()
        waiter.join(10)
        assert fut.result(timeout=10) == "app loop" and outcome == []
        assert eventually(lambda: fut._handoff.settled == 1)
    finally:
        oneloop.set_event_loop(None)
        app_loop.call_soon_threadsafe(app_loop.stop)
        t.join(10)
        app_loop.close()


def test_selector_reports_more_ready_fds_than_one_poll_returns(selector):
    pairs = [socket.socketpair() for _ in range(300)]  # more than HANDOFF_MAX_EVENTS (256)
    try:
        for i, (a, b) in enumerate(pairs):
            selector.register(a, selectors.EVENT_READ, i)
            b.send(b"x")
        seen = set()
        for _ in range(3):  # level-triggered: what one poll leaves, the next one reports
            selector.defer(_handoff.new_flag())
            for key, events in selector.select(0):
                assert events == selectors.EVENT_READ
                seen.add(key.data)
                key.fileobj.recv(1)
        assert seen == set(range(300))
    finally:
        for a, b in pairs:
            a.close()
            b.close()
