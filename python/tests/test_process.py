"""Process life in fresh interpreters: import starts nothing, fork, exit with jobs in flight,
Ctrl-C during waits, one shared executor (the shared library)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from conftest import HERE, run_python


def test_import_starts_no_thread_and_checks_versions():
    r = run_python(
        "import threading; n = threading.active_count()\n"
        "import oneloop\n"
        "assert threading.active_count() == n, threading.enumerate()\n"
        "assert oneloop.HEADER_VERSION == oneloop.LIBRARY_VERSION\n"
        "print('ok')"
    )
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    assert r.stderr == ""


def test_C25_links_the_shared_library_one_executor():
    code = (
        "import ctypes, oneloop\n"
        "from oneloop._core import ffi, lib\n"
        "maps = open('/proc/self/maps').read()\n"
        "paths = {l.split()[-1] for l in maps.splitlines() if 'liboneloop' in l}\n"
        "assert len(paths) == 1 and '.so' in next(iter(paths)), paths\n"
        "other = ctypes.CDLL(next(iter(paths)))\n"
        "other.ol_loop_default.restype = ctypes.c_void_p\n"
        "ours = int(ffi.cast('uintptr_t', lib.ol_loop_default()))\n"
        "assert other.ol_loop_default() == ours\n"
        "print('ok')"
    )
    r = run_python(code)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_C22_fork_child_gets_a_working_executor(server):
    code = f"""
import os, asyncio, oneloop
async def noop(): return 'coro'
assert oneloop.http.get({server.url("/json")!r}).status == 200
assert oneloop.run_async_job(noop()).result(timeout=10) == 'coro'
assert oneloop.timer(0.01).result(timeout=10) == 10
pid = os.fork()
if pid == 0:
    try:
        ok = len(oneloop.http.get({server.url("/bytes/3")!r}).content) == 3
        ok = ok and oneloop.run_async_job(noop()).result(timeout=10) == 'coro'
        ok = ok and oneloop.timer(0.01).result(timeout=10) == 10
        async def aw(): return (await oneloop.http.submit('GET', {server.url("/json")!r})).status
        ok = ok and oneloop.run_async_job(aw()).result(timeout=10) == 200
        os._exit(0 if ok else 3)
    except BaseException as e:
        print('child failed', repr(e), flush=True)
        os._exit(4)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
assert oneloop.http.get({server.url("/json")!r}).status == 200  # the parent still works
print('ok')
"""
    r = run_python(code, env={"PYTHONWARNINGS": "ignore::DeprecationWarning"})
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout + r.stderr


def test_parent_handles_raise_forked_error_at_once_in_a_child(server):
    # A parent's pending coroutine job, native future and stream, used in a forked child:
    # ForkedError at once (the job runs in the parent), never a hang.
    code = f"""
import asyncio, os, time, oneloop
async def slow():
    await asyncio.sleep(60)
job = oneloop.run_async_job(slow())
queued = [oneloop.run_async_job(slow()) for _ in range(3)]
timer = oneloop.timer(60)
stream = oneloop.http.stream('GET', {server.url("/fault/slow-drip?bytes=100&interval=2000")!r})
pid = os.fork()
if pid == 0:
    def raise_(exc):
        raise exc
    failures = []
    for name, wait in [('job', lambda: job.result()),
                       ('job-timeout', lambda: job.result(timeout=30)),
                       ('queued', lambda: queued[-1].result()),
                       ('queued-exception', lambda: raise_(queued[0].exception())),
                       ('timer', lambda: timer.result()),
                       ('stream', lambda: stream.read_chunk())]:
        t0 = time.monotonic()
        try:
            wait()
            failures.append(name + ': no error')
        except oneloop.ForkedError:
            if time.monotonic() - t0 > 5:
                failures.append(name + ': slow')
        except BaseException as e:
            failures.append(name + ': ' + repr(e))
    print('child', failures, flush=True)
    os._exit(0 if not failures else 3)
for _ in range(2000):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.01)
else:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise SystemExit('the child hung')
assert os.waitstatus_to_exitcode(status) == 0, status
assert not job.done()  # the parent's job is untouched
job.cancel()
stream.close()
print('ok')
"""
    r = run_python(code, env={"PYTHONWARNINGS": "ignore::DeprecationWarning"}, timeout=60)
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout + r.stderr


def test_a_job_being_started_at_fork_raises_forked_error_in_the_child():
    # The loop thread has taken the job off its queue and is making its Task (here: inside the
    # app's task factory) when another thread forks: the child's waiter gets ForkedError, not
    # a hang. The factory holds the loop thread in exactly that window until the fork is done.
    code = """
import asyncio, os, threading, time, oneloop
in_factory, forked = threading.Event(), threading.Event()
def factory(loop, coro, **kwargs):
    in_factory.set()
    forked.wait(30)
    return asyncio.Task(coro, loop=loop, **kwargs)
loop = asyncio.new_event_loop()
loop.set_task_factory(factory)
threading.Thread(target=loop.run_forever, daemon=True).start()
oneloop.set_event_loop(loop)
async def slow():
    await asyncio.sleep(60)
job = oneloop.run_async_job(slow())
assert in_factory.wait(30)
pid = os.fork()
if pid == 0:
    t0 = time.monotonic()
    try:
        job.result(timeout=10)
        outcome = 'no error'
    except oneloop.ForkedError:
        outcome = 'ForkedError' if time.monotonic() - t0 < 5 else 'slow ForkedError'
    except BaseException as e:
        outcome = repr(e)
    print('child', outcome, flush=True)
    os._exit(0 if outcome == 'ForkedError' else 3)
forked.set()
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
assert not job.done()  # the parent's job runs on
job.cancel()
print('ok')
"""
    r = run_python(code, env={"PYTHONWARNINGS": "ignore::DeprecationWarning"}, timeout=60)
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout + r.stderr


def test_a_job_whose_condition_a_parent_thread_held_at_fork_raises_forked_error_in_the_child():
    # Another thread held the job future's Condition (as settling, cancel() or
    # concurrent.futures.wait() do for a moment) when the main thread forked: the child still
    # fails the job with ForkedError instead of blocking on a lock nobody will release.
    code = """
import asyncio, concurrent.futures, os, threading, time, oneloop
async def slow():
    await asyncio.sleep(60)
job = oneloop.run_async_job(slow())
job.add_done_callback(lambda f: None)  # the future now has its Condition
holding, forked = threading.Event(), threading.Event()
def hold():
    with job._condition:
        holding.set()
        forked.wait(30)
threading.Thread(target=hold, daemon=True).start()
assert holding.wait(30)
pid = os.fork()
if pid == 0:
    t0 = time.monotonic()
    try:
        job.result(timeout=10)
        outcome = 'no error'
    except oneloop.ForkedError:
        outcome = 'ForkedError' if time.monotonic() - t0 < 5 else 'slow ForkedError'
        done, _ = concurrent.futures.wait([job], timeout=10)
        outcome += '' if done == {job} else ' but not done for wait()'
    except BaseException as e:
        outcome = repr(e)
    print('child', outcome, flush=True)
    os._exit(0 if outcome == 'ForkedError' else 3)
forked.set()
for _ in range(3000):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.01)
else:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise SystemExit('the child hung')
assert os.waitstatus_to_exitcode(status) == 0, status
job.cancel()
print('ok')
"""
    r = run_python(code, env={"PYTHONWARNINGS": "ignore::DeprecationWarning"}, timeout=60)
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout + r.stderr


def test_C22_multiprocessing_fork_pool(server):
    code = f"""
import multiprocessing as mp, oneloop
def work(i):
    return oneloop.http.get({server.url("/bytes/")!r} + str(i)).status
if __name__ == '__main__':
    oneloop.http.get({server.url("/json")!r})
    with mp.get_context('fork').Pool(2) as pool:
        assert pool.map(work, range(1, 9)) == [200] * 8
    print('ok')
"""
    r = run_python(code, env={"PYTHONWARNINGS": "ignore::DeprecationWarning"})
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout + r.stderr


def test_C23_exit_with_jobs_in_flight_is_prompt_and_quiet(server):
    code = f"""
import asyncio, threading, oneloop
async def forever():
    await asyncio.sleep(3600)
async def awaiting_native():
    await oneloop.http.submit('GET', {server.url("/delay/60000")!r})
futs = [oneloop.run_async_job(forever()) for _ in range(5)]
futs.append(oneloop.run_async_job(awaiting_native()))
natives = [oneloop.http.submit('GET', {server.url("/delay/60000")!r}) for _ in range(20)]
natives.append(oneloop.timer(3600))
natives[0].add_done_callback(lambda f: None)  # starts the delivery thread too
threading.Thread(target=lambda: natives[1].result(), daemon=True).start()
threading.Thread(target=lambda: futs[0].result(), daemon=True).start()
with oneloop.http.stream('GET', {server.url("/chunked/100000/1000?interval=10")!r}) as s:
    s.read_chunk()
    held = s
print('exiting', flush=True)
"""
    t0 = time.monotonic()
    r = run_python(code, timeout=30)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "exiting"
    assert r.stderr == "", r.stderr  # no warnings, no "Task was destroyed", no tracebacks
    assert took < 20


def _interrupt(code: str) -> subprocess.CompletedProcess:
    p = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=HERE,
    )
    line = p.stdout.readline()
    assert line.strip() == "waiting", line + p.stderr.read()
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    return subprocess.CompletedProcess(p.args, p.returncode, line + out, err)


INTERRUPT_TEMPLATE = """
import asyncio, oneloop, sys, time
{setup}
print('waiting', flush=True)
try:
    {wait}
except KeyboardInterrupt:
    time.sleep(0.1)
    print('interrupted', fut.cancelled() if fut is not None else None, flush=True)
    sys.exit(0)
print('not interrupted')
"""


@pytest.mark.parametrize(
    "name, setup, wait",
    [
        (
            "coroutine",
            "async def f(): await asyncio.sleep(3600)\nfut = oneloop.run_async_job(f())",
            "fut.result()",
        ),
        ("timer", "fut = oneloop.timer(3600)", "fut.result()"),
        ("http_future", "fut = oneloop.http.submit('GET', URL)", "fut.result()"),
        ("http_blocking", "fut = None", "oneloop.http.get(URL)"),
        ("gather", "fut = None", "oneloop.http.gather([URL, URL])"),
        (
            "stream",
            "fut = None\ns = oneloop.http.stream('GET', URL.replace('/delay/60000', "
            "'/chunked/1000/10?interval=1000'))",
            "list(s)",
        ),
        (
            "work",
            "import time\nfut = oneloop.work.submit(time.sleep, 2)\n"
            "blocked = oneloop.work.submit(time.sleep, 2)",
            "fut.result(); blocked.result()",
        ),
        (
            "complete_async_jobs",
            "async def f(): await asyncio.sleep(3600)\nfut = oneloop.run_async_job(f())",
            "oneloop.complete_async_jobs(fut)",
        ),
    ],
)
def test_C24_ctrl_c_cancels_the_wait_and_reraises(server, name, setup, wait):
    setup = f"URL = {server.url('/delay/60000')!r}\n" + setup
    r = _interrupt(INTERRUPT_TEMPLATE.format(setup=setup, wait=wait))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "interrupted" in r.stdout
    if "fut = None" not in setup:
        assert "interrupted True" in r.stdout


def test_configure_limits_connections_per_host(server):
    code = (
        "import oneloop, json\n"
        "from oneloop import http\n"
        "for bad, exc in ((-1, ValueError), ('2', TypeError), (True, TypeError)):\n"
        "    try:\n"
        "        oneloop.configure(max_host_connections=bad)\n"
        "    except exc:\n"
        "        pass\n"
        "    else:\n"
        "        raise AssertionError(bad)\n"
        "oneloop.configure(max_host_connections=2)\n"
        f"base = {server.url('')!r}\n"
        "before = http.get(base + '/stats').json()['connections']\n"
        "rs = http.gather([base + '/delay/50'] * 30)\n"
        "assert all(r.status == 200 for r in rs)\n"
        "opened = http.get(base + '/stats').json()['connections'] - before\n"
        "assert opened <= 1, opened  # one more than the connection already open\n"
        "try:\n"
        "    oneloop.configure(max_host_connections=8)\n"
        "except RuntimeError as e:\n"
        "    assert 'first use' in str(e)\n"
        "else:\n"
        "    raise AssertionError('configure after first use')\n"
        "print('ok')"
    )
    r = run_python(code)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_environment_sets_the_executor_limits(server):
    # New connections opened by 20 concurrent slow requests, after one request opened the first.
    code = (
        "from oneloop import http\n"
        f"base = {server.url('')!r}\n"
        "before = http.get(base + '/stats').json()['connections']\n"
        "http.gather([base + '/delay/50'] * 20)\n"
        "print(http.get(base + '/stats').json()['connections'] - before)"
    )
    limited = run_python(code, env={"ONELOOP_MAX_HOST_CONNECTIONS": "1"})
    assert limited.returncode == 0 and limited.stdout.strip() == "0", limited.stderr
    unlimited = run_python(code, env={"ONELOOP_MAX_HOST_CONNECTIONS": "0"})
    assert unlimited.returncode == 0 and int(unlimited.stdout) > 1, unlimited.stderr
