"""`async for` over HTTP bodies inside coroutines (oneloop.http.astream): no blocking of the
asyncio loop, no thread per stream, back-pressure, closing and cancellation abort."""

from __future__ import annotations

import asyncio
import time

import oneloop
import pytest
from oneloop import _asyncio_notifier as _aio
from oneloop import http

# For tests opening many connections at once: they are not left idle in the process-wide pool,
# where a later test's request could be sent on one of them (curl retries a request whose
# reused connection the server closes, e.g. /fault/close, on other pooled ones).
NO_REUSE = {"Connection": "close"}


def run(coro, timeout=30):
    """On the package's coroutine loop (the one sync callers use)."""
    return oneloop.run_async_job(coro).result(timeout=timeout)


def pattern(n: int, start: int = 0) -> bytes:
    return bytes(ord("a") + (start + i) % 26 for i in range(n))


def wait_until(pred, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not pred() and time.monotonic() < deadline:
        time.sleep(0.005)
    return pred()


def aborted_since(before: dict) -> bool:
    """A transfer was cancelled (not completed) since `before`, and none is left running."""
    now = oneloop.stats()
    return now["cancelled"] > before["cancelled"] and now["in_flight"] <= before["in_flight"]


def no_armed_waiters() -> bool:
    return all(not d._iter_waiters for d in list(_aio._dispatchers.values()))


def test_C12_astream_chunks_in_order_head_first(server):
    whole = http.get(server.url("/chunked/20/1000")).content

    async def main():
        async with http.astream("GET", server.url("/chunked/20/1000")) as s:
            head = (s.status, s.headers.get("transfer-encoding"))  # before any body read
            chunks = [c async for c in s]
            end = await s.read_chunk()
        return head, chunks, end, s.closed

    head, chunks, end, closed = run(main())
    assert head == (200, "chunked")
    assert b"".join(chunks) == whole == pattern(20000)
    assert all(chunks) and end is None and closed


def test_astream_await_form_read_and_aclose(server):
    async def main():
        s = await http.astream("GET", server.url("/bytes/100000"), headers={"X-A": "1"})
        body = await s.read()
        await s.aclose()
        await s.aclose()  # twice is fine
        return s.status, int(s.headers["content-length"]), body

    status, length, body = run(main())
    assert status == 200 and length == 100000 and body == pattern(100000)


def test_astream_in_plain_asyncio_run(server):
    async def main():
        async with http.astream("GET", server.url("/chunked/5/10")) as s:
            return await s.read()

    assert asyncio.run(main()) == pattern(50)


def test_astream_does_not_block_the_loop(server):
    # A ticker yielding with sleep(0) runs once per loop iteration. A read that blocked until
    # each byte arrived would allow about one tick per byte; an idle wait allows thousands.
    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0)
                ticks += 1

        t = asyncio.create_task(ticker())
        chunks = []
        async with http.astream("GET", server.url("/fault/slow-drip?bytes=6&interval=40")) as s:
            async for c in s:
                chunks.append(c)
        t.cancel()
        return chunks, ticks

    chunks, ticks = run(main())
    assert b"".join(chunks) == pattern(6)
    assert ticks > 20 * len(chunks), (ticks, len(chunks))


def test_astream_50_concurrent_streams_all_progress(server):
    events = []

    async def one(i):
        got = []
        async with http.astream(
            "GET", server.url("/chunked/10/100?interval=20"), headers=NO_REUSE
        ) as s:
            async for c in s:
                if not got:
                    events.append(("first", i))
                got.append(c)
        events.append(("done", i))
        return b"".join(got)

    async def main():
        return await asyncio.gather(*(one(i) for i in range(50)))

    bodies = run(main(), timeout=60)
    assert bodies == [pattern(1000)] * 50
    first_done = next(k for k, e in enumerate(events) if e[0] == "done")
    assert sorted(i for kind, i in events[:first_done] if kind == "first") == list(range(50))
    assert no_armed_waiters()


def test_astream_and_awaited_futures_share_the_notifier(server):
    # Iterator readiness and future completions arrive through one fd, mixed in one drain.
    async def body():
        async with http.astream(
            "GET", server.url("/chunked/10/100?interval=10"), headers=NO_REUSE
        ) as s:
            return await s.read()

    async def main():  # on a fresh loop: its first tags are the same small numbers
        return await asyncio.wait_for(
            asyncio.gather(
                *(body() for _ in range(20)),
                *(oneloop.timer(0.01) for _ in range(20)),
                *(http.aget(server.url("/delay/20"), headers=NO_REUSE) for _ in range(20)),
            ),
            20,
        )

    out = asyncio.run(main())
    assert out[:20] == [pattern(1000)] * 20
    assert out[20:40] == [10] * 20
    assert [r.content for r in out[40:]] == [b"ok"] * 20
    assert no_armed_waiters()


def test_C14_astream_break_early_aborts_the_transfer(server):
    before = oneloop.stats()

    async def main():
        async with http.astream("GET", server.url("/chunked/1000/1000?interval=5")) as s:
            async for c in s:
                assert c
                break
        return s

    s = run(main())
    assert s.closed and s.buffered == 0
    assert wait_until(lambda: aborted_since(before))
    assert no_armed_waiters()
    assert http.get(server.url("/json")).status == 200


@pytest.mark.parametrize(
    "path,error,before_error",
    [
        ("/fault/reset", oneloop.RecvError, 1000),
        ("/fault/truncated-chunked", oneloop.PartialResponseError, 300),
    ],
)
def test_C16_astream_fault_mid_body_raises(server, path, error, before_error):
    async def main():
        got = []
        async with http.astream("GET", server.url(path)) as s:
            status = s.status
            try:
                async for c in s:
                    got.append(c)
            except oneloop.Error as exc:
                return status, b"".join(got), exc
        return status, b"".join(got), None

    status, body, exc = run(main())
    assert status == 200
    assert type(exc) is error and exc.code == error.code and exc.message
    assert body == pattern(before_error)


def test_C15_C16_astream_errors_before_the_body(server, refused_url):
    async def main():
        out = []
        with pytest.raises(oneloop.ConnectionRefusedError):
            async with http.astream("GET", refused_url):
                pass
        with pytest.raises(oneloop.HTTPStatusError) as err:
            await http.astream("GET", server.url("/status/404"), raise_for_status=True)
        out.append(err.value.status)
        async with http.astream("GET", server.url("/status/404")) as s:  # status is data
            out.append((s.status, await s.read()))
        with pytest.raises(ValueError):
            http.astream("GET", server.url("/"), buffer_size=-1)
        with pytest.raises(TypeError, match="asyncio.timeout"):
            http.astream("GET", server.url("/"), wait_timeout=1)
        return out

    assert run(main()) == [404, (404, b"status 404")]


def test_C13_astream_slow_consumer_stays_bounded(server):
    size = 4 * 1024 * 1024
    cap = 64 * 1024

    async def main():
        async with http.astream("GET", server.url(f"/bytes/{size}"), buffer_size=cap) as s:
            total = len(await s.read_chunk())
            await asyncio.sleep(0.3)  # the producer must pause, not buffer 4 MiB
            buffered = s.buffered
            async for c in s:
                total += len(c)
        return buffered, total

    buffered, total = run(main())
    assert 0 < buffered <= cap + 256 * 1024  # capacity plus one curl chunk of slack
    assert total == size


def test_astream_cancelling_the_task_closes_the_stream(server):
    before = oneloop.stats()

    async def main():
        holder = {}
        first = asyncio.Event()

        async def consume():
            async with http.astream("GET", server.url("/chunked/1000/1000?interval=5")) as s:
                holder["s"] = s
                async for _ in s:
                    first.set()

        task = asyncio.create_task(consume())
        await first.wait()
        await asyncio.sleep(0.02)  # let it wait for the next chunk
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return holder["s"]

    s = run(main())
    assert s.closed
    assert wait_until(lambda: aborted_since(before))
    assert no_armed_waiters()


def test_astream_timeout_while_waiting_for_the_head_aborts(server):
    before = oneloop.stats()

    async def main():
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(http.astream("GET", server.url("/fault/no-answer")), 0.2)
        return "ok"

    assert run(main()) == "ok"
    assert wait_until(lambda: aborted_since(before))
    assert no_armed_waiters()


async def a_waiting_reader(s) -> asyncio.Task:
    """A task inside s.read_chunk() that waits for the next chunk (armed on the loop). A chunk
    that had already arrived (a slow test run) is read, and another reader started."""
    while True:
        reader = asyncio.create_task(s.read_chunk())
        while not reader.done() and s._armed is None:
            await asyncio.sleep(0.001)
        if not reader.done():
            return reader
        assert reader.result() is not None


def test_astream_close_wakes_a_waiting_reader(server):
    async def main():
        async with http.astream("GET", server.url("/fault/slow-drip?bytes=100&interval=100")) as s:
            assert await s.read_chunk() == b"a"
            reader = await a_waiting_reader(s)
            with pytest.raises(RuntimeError, match="already reading"):
                await s.read_chunk()
            s.close()
            return await asyncio.wait_for(reader, 5)

    assert run(main()) is None
    assert no_armed_waiters()


def test_astream_outside_a_running_loop_is_a_clear_error(server):
    with pytest.raises(RuntimeError, match="needs a running asyncio loop"):
        http.astream("GET", server.url("/"))


def test_astream_on_uvloop(server):
    uvloop = pytest.importorskip("uvloop")

    async def main():
        assert type(asyncio.get_running_loop()).__module__.startswith("uvloop")

        async def one():
            async with http.astream(
                "GET", server.url("/chunked/10/100?interval=5"), headers=NO_REUSE
            ) as s:
                return await s.read()

        return await asyncio.gather(*(one() for _ in range(10)))

    loop = uvloop.new_event_loop()
    try:
        assert loop.run_until_complete(main()) == [pattern(1000)] * 10
    finally:
        loop.close()
