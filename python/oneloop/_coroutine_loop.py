"""The loop that runs coroutine jobs, in a Python-owned daemon thread (never the C executor).

Submitting is light: the job goes on a deque and the loop is woken through an eventfd only
when it was not already armed; the loop thread creates the task, and the task settles the
caller's concurrent.futures.Future directly (no second hop through call_soon_threadsafe)."""

from __future__ import annotations

import asyncio
import collections
import contextvars
import os
import threading
import weakref
from asyncio.tasks import _enter_task, _leave_task  # how a Task marks itself current
from collections.abc import Callable, Coroutine
from concurrent.futures._base import PENDING
from typing import Any

from ._errors import ClosedError
from ._handoff import HandoffSelector
from ._handoff import new_loop as new_handoff_loop
from ._jobfuture import JobFuture
from ._waiting import forbidden_threads

ATTACH_TIMEOUT_S = 10.0
_FIRST_STEP_DONE = object()
_PLAIN_LOOPS = (asyncio.SelectorEventLoop,)


class _Continue:
    """Drives a coroutine whose first step already ran eagerly, for the Task created around it:
    hands the Task the future that step awaited, then forwards send/throw. Settles the job's
    future itself (the Task's own result is always None)."""

    __slots__ = ("coro", "pending", "fut")

    def __init__(self, coro: Coroutine[Any, Any, Any], fut: JobFuture) -> None:
        self.coro = coro
        self.fut = fut
        self.pending: Any = None

    def step(self, method: Callable[..., Any], *args: Any) -> Any:
        try:
            return method(*args)
        except StopIteration as stop:
            self.fut._finish(stop.value)
        except asyncio.CancelledError:
            runner = self.fut._runner
            if runner is None or not runner.exiting:
                self.fut.cancel()
            # At interpreter exit the caller's future stays pending: a daemon thread still
            # waiting on it must not wake up to a CancelledError traceback.
        except BaseException as exc:
            self.fut._fail(exc)
        if self.fut._runner is not None:
            self.fut._runner.job_left(self.fut)
        self.pending = _FIRST_STEP_DONE
        raise StopIteration

    def send(self, value: Any) -> Any:
        pending = self.pending
        if pending is None:
            return self.step(self.coro.send, value)
        if pending is _FIRST_STEP_DONE:
            raise StopIteration
        self.pending = None
        return pending

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        if self.pending is _FIRST_STEP_DONE:
            raise StopIteration
        self.pending = None
        exc = typ if val is None else val
        return self.step(self.coro.throw, exc)

    def close(self) -> None:
        self.coro.close()

    def __await__(self) -> _Continue:
        return self

    def __iter__(self) -> _Continue:
        return self

    def __next__(self) -> Any:
        return self.send(None)


class Runner:
    """An asyncio loop plus the thread running it (ours, or the app's if it was running)."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._owns_loop = loop is None
        # Where futures settled on this loop raise their hand-off flags: our own selector, or
        # None (then they raise them at once).
        self.handoff_selector: HandoffSelector | None = None
        if loop is None:
            loop, self.handoff_selector = new_handoff_loop()
        self.loop = loop
        self._queue: collections.deque = collections.deque()
        self._retired = False  # replaced by set_event_loop: closes once its jobs are done
        self._submit_lock = threading.Lock()
        self._armed = False
        # Jobs submitted (any thread, under _submit_lock) and finished (loop thread): a waiter
        # spins for its result only when its job is the loop's only one.
        self.jobs_submitted = 0
        self.jobs_finished = 0
        # The futures of jobs submitted and not yet finished, wherever they are (queued, being
        # started, running): what a forked child must fail. Each add/discard is atomic, so a
        # fork at any moment of another thread leaves every pending job here.
        self._unfinished: set = set()
        self._efd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._ready = threading.Event()
        self.thread_id: int | None = None
        self._closed = False
        self.exiting = False
        self._thread: threading.Thread | None = None
        if self.loop.is_running() and asyncio._get_running_loop() is self.loop:
            self._attach()  # asked from the loop's own thread: attach right here
        elif self.loop.is_running():
            # The app runs this loop in a thread of its own: attach to it from inside.
            self.loop.call_soon_threadsafe(self._attach)
        else:
            self._thread = threading.Thread(
                target=self._main, name="oneloop-coroutines", daemon=True
            )
            self._thread.start()
        if not self._ready.wait(ATTACH_TIMEOUT_S):
            raise RuntimeError(
                "the event loop given to oneloop.set_event_loop() is not running "
                "its callbacks; cannot attach to it"
            )

    def _attach(self) -> None:
        self.thread_id = threading.get_ident()
        forbidden_threads.add(self.thread_id)
        self.loop.add_reader(self._efd, self._on_wake)
        self._ready.set()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._attach()
        self.loop.run_forever()
        if self._retired:
            forbidden_threads.discard(self.thread_id)
            self.loop.remove_reader(self._efd)
            os.close(self._efd)
            if self._owns_loop:
                self.loop.close()

    def retire(self) -> None:
        """set_event_loop chose another loop: let the jobs already here finish, then stop
        our thread (a loop oneloop made is closed too). Submits that still reach this runner
        meanwhile run here; once it has stopped they go to the current runner."""
        if self._thread is None or self._closed:
            return

        async def _stop_when_idle() -> None:
            me = asyncio.current_task()
            while True:
                others = [t for t in asyncio.all_tasks() if t is not me]
                if others:
                    await asyncio.wait(others)
                    continue
                await asyncio.sleep(0)  # let queued submissions start
                with self._submit_lock:
                    if not self._queue and len(asyncio.all_tasks()) == 1:
                        self._retired = self._closed = True
                        break
            self.loop.stop()

        try:
            self.loop.call_soon_threadsafe(lambda: self.loop.create_task(_stop_when_idle()))
        except RuntimeError:  # loop already closed
            pass

    # -- any thread
    def submit(self, coro: Coroutine[Any, Any, Any], ctx: contextvars.Context) -> JobFuture:
        with self._submit_lock:
            if self._closed and not self._retired:
                coro.close()
                raise ClosedError("the coroutine loop is shut down")
            if not self._closed:
                fut = JobFuture()
                fut._runner = self
                self.jobs_submitted += 1
                self._unfinished.add(fut)
                self._queue.append((coro, fut, ctx))
                self._wake()
                return fut
        return current_runner().submit(coro, ctx)  # this one retired: go where jobs go now

    def only_job_in_flight(self) -> bool:
        return self.jobs_submitted - self.jobs_finished <= 1

    def job_left(self, fut: JobFuture) -> None:
        """Loop thread: the job of fut is over (finished, failed, or cancelled)."""
        self.jobs_finished += 1
        self._unfinished.discard(fut)

    def call_soon(self, fn: Callable[[], Any]) -> None:
        self._queue.append((None, fn, None))
        self._wake()

    def _wake(self) -> None:
        # Append before reading the flag; the loop clears the flag before draining. Either
        # the loop's drain sees the item or this thread sees the flag clear and writes.
        if not self._armed:
            self._armed = True
            os.eventfd_write(self._efd, 1)

    # -- loop thread
    def _on_wake(self) -> None:
        try:
            os.eventfd_read(self._efd)
        except BlockingIOError:
            pass
        self._armed = False
        queue, loop = self._queue, self.loop
        while queue:
            coro, fut, ctx = queue.popleft()
            if coro is None:
                fut()
            elif fut._state != PENDING:
                coro.close()
                self.job_left(fut)
            else:
                self._start(loop, coro, fut, ctx)

    @staticmethod
    def _start(
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, Any],
        fut: JobFuture,
        ctx: contextvars.Context,
    ) -> None:
        # Run the first step now, inside a real Task (current_task(), asyncio.timeout() and
        # cancellation work as usual): a coroutine that does not suspend settles the caller's
        # future within this wakeup, one loop iteration earlier.
        driver = _Continue(coro, fut)
        task: asyncio.Task
        if type(loop) in _PLAIN_LOOPS and loop.get_task_factory() is None:
            task = asyncio.Task(driver, loop=loop, context=ctx)  # what create_task does
        else:
            task = loop.create_task(driver, context=ctx)
        fut._task = task
        _enter_task(loop, task)
        try:
            driver.pending = ctx.run(driver.step, coro.send, None)
        except StopIteration:
            pass
        finally:
            _leave_task(loop, task)

    def abandon_in_child(self) -> None:
        """After fork, in the child: the loop thread stayed in the parent, so every job still
        pending here fails with ForkedError (a waiter would wait forever otherwise). A loop the
        forking thread itself runs goes on in the child: its jobs stay."""
        if self.thread_id == threading.get_ident():
            return
        self._closed = True
        # Not the queue plus asyncio.all_tasks(): a job the loop thread had taken off the queue
        # but not yet wrapped in a Task at the fork is in neither, and its waiter would hang.
        for fut in list(self._unfinished):
            fut._abandon_in_child()
        self._unfinished.clear()

    def shutdown(self, timeout: float) -> None:
        """At exit: cancel the loop's tasks (their callers' futures stay pending), give them
        timeout seconds to unwind, then stop our own thread so no Python runs in it during
        finalization."""
        if self._closed or self.thread_id == threading.get_ident():
            return
        self._closed = True
        self.exiting = True
        done = threading.Event()

        async def _cancel_all() -> None:
            me = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not me]
            for t in tasks:
                t.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=timeout)
            if self._thread is not None:
                self.loop.stop()
            done.set()

        def _start() -> None:
            self.loop.create_task(_cancel_all())

        try:
            self.loop.call_soon_threadsafe(_start)
        except RuntimeError:  # loop closed
            return
        done.wait(timeout + 0.5)
        if self._thread is not None:
            self._thread.join(0.5)


_runner: Runner | None = None
_every_runner: weakref.WeakSet[Runner] = weakref.WeakSet()  # retired ones may still run jobs
_chosen_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def current_runner() -> Runner:
    global _runner
    r = _runner
    if r is None:
        with _lock:
            if _runner is None:
                _runner = Runner(_chosen_loop)
                _every_runner.add(_runner)
            r = _runner
    return r


def set_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    global _runner, _chosen_loop
    if loop is not None and not isinstance(loop, asyncio.AbstractEventLoop):
        raise TypeError(
            f"set_event_loop() needs an asyncio event loop or None, not {type(loop).__name__}"
        )
    if loop is not None and loop.is_closed():
        raise ValueError("set_event_loop() was given a closed event loop")
    with _lock:
        old = _runner
        _chosen_loop = loop
        _runner = None  # the next job starts (or attaches to) the chosen loop
    if old is not None and old._thread is None and old.thread_id is not None:
        # An app loop we had attached to is ours no more: blocking there is the app's call.
        forbidden_threads.discard(old.thread_id)
    elif old is not None:
        old.retire()  # our thread: it stops once the jobs it runs are done


def started_runner() -> Runner | None:
    return _runner


def _after_fork_in_child() -> None:
    # The loop thread was not copied into the child and the loop's selector is shared with the
    # parent: start afresh on next use.
    global _runner, _chosen_loop, _lock
    for runner in list(_every_runner):
        runner.abandon_in_child()
    _runner = None
    _chosen_loop = None
    _lock = threading.Lock()
    forbidden_threads.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
