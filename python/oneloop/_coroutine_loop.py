"""The loop that runs coroutine jobs, in a Python-owned daemon thread (never the C executor).

Submitting is light: the job goes on a deque and the loop is woken through an eventfd only
when it was not already armed; the loop thread creates the task, and the task settles the
caller's JobFuture directly (no second hop through call_soon_threadsafe). From Python 3.12
the task starts eagerly (asyncio.eager_task_factory): a coroutine that does not suspend
settles its future within the wakeup that started it.

At interpreter exit (case C23, docs/conformance.md) coroutine tasks are cancelled and the
loop stopped before finalization, so no Python runs in our threads during it."""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextvars
import os
import sys
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

from ._core import ProcessSingleton, forbidden_threads, lib
from ._errors import ClosedError
from ._futures import JobFuture
from ._handoff import HandoffSelector
from ._handoff import new_loop as new_handoff_loop

ATTACH_TIMEOUT_S = 10.0
EXIT_GRACE_SECONDS = 0.5
_PLAIN_LOOPS = (asyncio.SelectorEventLoop,)

if sys.version_info >= (3, 12):
    _new_task = asyncio.eager_task_factory  # runs the first step now, inside the Task
else:

    def _new_task(
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, Any],
        *,
        context: contextvars.Context,
    ) -> asyncio.Task:
        return asyncio.Task(coro, loop=loop, context=context)  # what create_task does


async def _run_job(runner: Runner, coro: Coroutine[Any, Any, Any], fut: JobFuture) -> None:
    """The job's task: runs coro and settles the caller's future itself (the task's own
    result is always None)."""
    try:
        result = await coro
    except GeneratorExit:  # the task was destroyed unfinished (its loop closed)
        raise
    except asyncio.CancelledError:
        # At interpreter exit the caller's future stays pending: a daemon thread still
        # waiting on it must not wake up to a CancelledError traceback.
        if not runner.exiting:
            fut.cancel()
    except BaseException as exc:
        fut._settle(None, exc)
    else:
        fut._settle(result, None)
    runner.job_left(fut)


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
        if self.loop.is_running() and _running_loop() is self.loop:
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
        _every_runner.add(self)  # a forked child fails its pending jobs

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
                fut = JobFuture(self)
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
            elif fut._claimed():  # cancelled before it started
                coro.close()
                self.job_left(fut)
            else:
                self._start(loop, coro, fut, ctx)

    def _start(
        self,
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, Any],
        fut: JobFuture,
        ctx: contextvars.Context,
    ) -> None:
        job = _run_job(self, coro, fut)
        if type(loop) in _PLAIN_LOOPS and loop.get_task_factory() is None:
            fut._task = _new_task(loop, job, context=ctx)
        else:  # the loop's own create_task or the app's task factory decides
            fut._task = loop.create_task(job, context=ctx)

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


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_every_runner: weakref.WeakSet[Runner] = weakref.WeakSet()  # retired ones may still run jobs
_runner: ProcessSingleton[Runner] = ProcessSingleton(Runner)  # Runner(None): oneloop's own loop


def current_runner() -> Runner:
    return _runner.get()


def set_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    if loop is not None and not isinstance(loop, asyncio.AbstractEventLoop):
        raise TypeError(
            f"set_event_loop() needs an asyncio event loop or None, not {type(loop).__name__}"
        )
    if loop is not None and loop.is_closed():
        raise ValueError("set_event_loop() was given a closed event loop")
    old = _runner.replace(lambda: Runner(loop))  # the next job starts (or attaches to) it
    if old is not None and old._thread is None and old.thread_id is not None:
        # An app loop we had attached to is ours no more: blocking there is the app's call.
        forbidden_threads.discard(old.thread_id)
    elif old is not None:
        old.retire()  # our thread: it stops once the jobs it runs are done


def _after_fork_in_child() -> None:
    # The loop thread was not copied into the child and the loop's selector is shared with the
    # parent: every pending job fails; the next one starts afresh (the singleton forgets).
    for runner in list(_every_runner):
        runner.abandon_in_child()


def _at_exit() -> None:
    # The C executor is left alone (it never calls into Python, and other bindings or C code
    # of the process may still use it); threads still blocked on a native wait stay blocked
    # and die with the process instead of waking up to a CancelledError traceback.
    runner = _runner.peek()
    if runner is not None:
        runner.shutdown(EXIT_GRACE_SECONDS)
    # Work jobs that the pool starts from here on are cancelled without entering Python
    # (the interpreter is going away; csrc helper olpy_work_guarded).
    lib.olpy_python_exiting()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)
