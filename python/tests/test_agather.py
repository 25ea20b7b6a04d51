"""http.agather: gather() for coroutines, against the fixture server."""

from __future__ import annotations

import asyncio
import time

import oneloop
import pytest
from oneloop import http


def cancelled_count() -> int:
    return oneloop.stats()["cancelled"]


def no_request_in_flight() -> bool:
    deadline = time.monotonic() + 10
    while oneloop.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.01)
    return oneloop.stats()["in_flight"] == 0


def test_agather_returns_responses_in_order(server):
    urls = [server.url(f"/bytes/{n}") for n in (10, 2000, 100_000)] + [server.url("/bytes/10")] * 3
    reqs = urls + [("POST", server.url("/echo")), http.Request("GET", server.url("/status/404"))]

    async def main():
        return await http.agather(reqs)

    results = asyncio.run(main())
    assert [len(r.content) for r in results[:6]] == [10, 2000, 100_000, 10, 10, 10]
    assert results[6].headers["x-echo-method"] == "POST"
    assert results[7].status == 404


def test_agather_from_sync_code_through_run_async_job(server):
    results = oneloop.run_async_job(http.agather([server.url("/json")] * 50)).result(timeout=30)
    assert len(results) == 50 and {r.status for r in results} == {200}
    assert results[0].json() == results[49].json()


def test_C07_agather_mixed_outcomes(server, refused_url):
    reqs = [
        server.url("/bytes/10"),
        refused_url,
        http.Request("GET", server.url("/delay/3000"), timeout=0.05),
        http.Request("GET", server.url("/status/500"), raise_for_status=True),
    ]

    async def main(return_exceptions):
        return await http.agather(reqs, return_exceptions=return_exceptions, timeout=20)

    results = asyncio.run(main(True))
    assert results[0].content == asyncio.run(main(True))[0].content
    assert isinstance(results[1], oneloop.ConnectionRefusedError)
    assert isinstance(results[2], oneloop.TimeoutError)
    assert isinstance(results[3], oneloop.HTTPStatusError)
    with pytest.raises(oneloop.ConnectionRefusedError):
        asyncio.run(main(False))  # the first failure, once all have settled


def test_agather_of_nothing():
    assert asyncio.run(http.agather([])) == []


def test_agather_timeout_cancels_what_is_still_running(server):
    before = cancelled_count()

    async def main():
        return await http.agather(
            [server.url("/delay/5000")] * 3 + [server.url("/bytes/1")], timeout=0.1
        )

    t0 = time.monotonic()
    with pytest.raises(oneloop.TimeoutError):
        asyncio.run(main())
    assert time.monotonic() - t0 < 4  # did not wait for the slow responses
    assert no_request_in_flight()
    assert cancelled_count() - before == 3


def test_cancelling_the_awaiting_task_cancels_the_requests(server):
    before = cancelled_count()

    async def main():
        task = asyncio.ensure_future(http.agather([server.url("/delay/5000")] * 4))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert no_request_in_flight()
    assert cancelled_count() - before == 4


def test_agather_keeps_the_loop_free_while_waiting(server):
    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        t = asyncio.ensure_future(ticker())
        results = await http.agather([server.url("/delay/300")] * 5)
        t.cancel()
        return results, ticks

    results, ticks = asyncio.run(main())
    assert [r.status for r in results] == [200] * 5
    assert ticks >= 5  # the loop ran other tasks during the 300 ms


def test_C15_agather_bad_input(server):
    with pytest.raises(TypeError):
        asyncio.run(http.agather(server.url("/json")))  # a URL, not a list of them
    with pytest.raises(TypeError):
        asyncio.run(http.agather([42]))
    with pytest.raises(ValueError):
        asyncio.run(http.agather([server.url("/json")], timeout=-1))
    with pytest.raises(oneloop.URLError):
        asyncio.run(http.agather(["not a url"]))


def test_agather_on_uvloop(server):
    uvloop = pytest.importorskip("uvloop")

    async def main():
        return [r.status for r in await http.agather([server.url("/json")] * 20)]

    loop = uvloop.new_event_loop()
    try:
        assert loop.run_until_complete(main()) == [200] * 20
    finally:
        loop.close()
