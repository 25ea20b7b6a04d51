"""Native HTTP against the project's fixture server on loopback."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import time

import oneloop
import pytest
from oneloop import http


def test_C01_get_response_fields(server):
    r = http.get(server.url("/json"))
    assert r.status == 200 and r.ok and r.status_code == 200
    assert r.http_version == "1.1"
    assert r.headers["content-type"] == "application/json"
    assert r.headers["Content-Length"] == "300"
    assert len(r.content) == 300 and isinstance(r.json(), (dict, list))
    assert r.url == server.url("/json")
    t = r.timing
    assert t.total_us >= t.first_byte_us >= 0 and t.bytes_down == 300 and t.redirects == 0


def test_body_view_without_copy_outlives_the_response(server):
    r = http.get(server.url("/bytes/5000"))
    view = r.body
    assert isinstance(view, memoryview) and view.readonly and bytes(view) == r.content
    del r
    import gc

    gc.collect()
    assert (
        len(view) == 5000 and bytes(view[:10]) == http.get(server.url("/bytes/5000")).content[:10]
    )
    with pytest.raises(TypeError):
        view[0] = 1
    assert len(http.head(server.url("/bytes/5")).body) == 0
    small = http.get(server.url("/json")).body  # copied once: cheaper than sharing at 300 B
    assert isinstance(small, memoryview) and small.readonly and len(small) == 300
    assert bytes(small[:1]) == b"{"


def test_status_is_data_unless_asked(server):
    r = http.get(server.url("/status/404"))
    assert r.status == 404 and not r.ok
    with pytest.raises(oneloop.HTTPStatusError) as info:
        r.raise_for_status()
    assert info.value.status == 404 and info.value.response is r
    with pytest.raises(oneloop.HTTPStatusError):
        http.get(server.url("/status/503"), raise_for_status=True)
    with pytest.raises(oneloop.HTTPStatusError):
        http.submit("GET", server.url("/status/500"), raise_for_status=True).result(timeout=10)


def test_methods_body_and_headers(server):
    r = http.post(server.url("/echo"), body=b"\x00binary\xff", headers={"X-Test": "1"})
    assert r.content == b"\x00binary\xff"
    assert r.headers["x-echo-method"] == "POST"
    for method in ("PUT", "PATCH", "DELETE"):
        r = http.request(method, server.url("/echo"), body="text é")
        assert r.headers["X-Echo-Method"] == method and r.content == "text é".encode()
    r = http.post(server.url("/echo"), json={"a": [1, 2]})
    assert r.json() == {"a": [1, 2]}
    head = http.get(
        server.url("/echo/headers"),
        headers=[("X-One", "a"), ("X-One", "b")],
        user_agent="oneloop-test/1",
        params={"q": "x y"},
    ).text
    assert "X-One: a" in head and "X-One: b" in head and "oneloop-test/1" in head
    assert "GET /echo/headers?q=x+y " in head
    assert http.head(server.url("/bytes/100")).content == b""


def test_multi_valued_headers_in_order(server):
    h = http.get(server.url("/headers/multi")).headers
    assert h.get_all("set-cookie") == ["a=1", "b=2"]
    assert h["SET-COOKIE"] == "a=1" and "x-mixed-case" in h
    assert [n for n, _ in h.items()].index("Set-Cookie") < [n for n, _ in h.items()].index(
        "X-Mixed-Case"
    )


def test_decompress(server):
    plain = http.get(server.url("/gzip"))
    assert "content-encoding" not in plain.headers
    r = http.get(server.url("/gzip"), decompress=True)
    assert r.headers["content-encoding"] == "gzip" and r.content == plain.content


def test_C20_redirects_off_by_default_then_followed(server):
    assert http.get(server.url("/redirect/3")).status == 302
    r = http.get(server.url("/redirect/3"), follow_redirects=True)
    assert r.status == 200 and r.url == server.url("/redirect/0") and r.timing.redirects == 3
    with pytest.raises(oneloop.TooManyRedirectsError):
        http.get(server.url("/redirect/3"), follow_redirects=2)


def test_C20_credentials_not_sent_to_another_host(server):
    # 127.0.0.1 -> localhost is another host name for curl.
    target = f"http://localhost:{server.port}/echo/headers"
    r = http.get(
        server.url("/redirect-to?url=" + target), follow_redirects=True, auth=("user", "secret")
    )
    assert r.status == 200 and "Authorization" not in r.text
    same = http.get(server.url("/echo/headers"), auth=("user", "secret"))
    assert "Authorization: Basic" in same.text


def test_C19_scheme_restriction(server):
    with pytest.raises(oneloop.ProtocolDeniedError):
        http.get("file:///etc/passwd")
    with pytest.raises(oneloop.ProtocolDeniedError):
        http.get("gopher://127.0.0.1/")
    with pytest.raises(oneloop.ProtocolDeniedError):  # nor through a redirect
        http.get(server.url("/redirect-to?url=file:///etc/passwd"), follow_redirects=True)


def test_C19_C20_redirect_to_file_refused_although_protocols_allow_file(server):
    url = server.url("/redirect-to?url=file:///etc/hostname")
    with pytest.raises(oneloop.ProtocolDeniedError):
        http.get(url, follow_redirects=True, protocols=["http", "https", "file"])
    r = http.get(
        url,
        follow_redirects=True,
        protocols="http,https,file",
        redirect_protocols=["http", "https", "file"],
    )
    with open("/etc/hostname", "rb") as f:
        assert r.content == f.read() and r.status != 302


def test_C21_response_size_limit(server):
    with pytest.raises(oneloop.TooLargeError) as info:
        http.get(server.url("/bytes/100000"), max_response_bytes=1000)
    assert info.value.message
    assert len(http.get(server.url("/bytes/1000"), max_response_bytes=1000).content) == 1000


def test_C16_refused(refused_url):
    with pytest.raises(oneloop.ConnectionRefusedError) as info:
        http.get(refused_url)
    assert isinstance(info.value, ConnectionError) and info.value.message


def test_C16_dns_failure():
    with pytest.raises(oneloop.DNSError):
        http.get("http://no-such-host.invalid/", connect_timeout=5)


@pytest.mark.parametrize(
    "path, error",
    [
        ("/fault/truncated-chunked", oneloop.PartialResponseError),
        ("/fault/short", oneloop.PartialResponseError),
        ("/fault/slow-drip?bytes=100&interval=200", oneloop.TimeoutError),
        ("/fault/no-answer", oneloop.TimeoutError),
    ],
)
def test_C16_server_faults(server, path, error):
    with pytest.raises(error) as info:
        http.get(server.url(path), timeout=0.5)
    assert info.value.code == error.code and info.value.message


def test_C16_server_closes_without_reply(server):
    # On a fresh connection curl reports an empty reply; when the process pool already holds
    # idle connections to this server, curl sent the request on one of them, saw it die and
    # retried, and reports a send failure ("Connection died"). Both are the documented codes.
    with pytest.raises((oneloop.EmptyReplyError, oneloop.SendError)) as info:
        http.get(server.url("/fault/close"), timeout=0.5)
    assert info.value.message


@pytest.mark.parametrize(
    "path, error",
    [
        ("/fault/reset", oneloop.RecvError),
        ("/fault/garbage", oneloop.ProtocolError),
        ("/fault/big-headers", oneloop.TooLargeError),
    ],
)
def test_C16_server_faults_documented_errors(server, path, error):
    with pytest.raises(error):
        http.get(server.url(path), timeout=2)


def test_C16_every_fault_settles_no_future_left(server):
    paths = [
        "/fault/reset",
        "/fault/garbage",
        "/fault/big-headers",
        "/fault/short",
        "/fault/truncated-chunked",
        "/fault/close",
        "/fault/lie-length",
    ]
    results = http.gather(
        [http.Request("GET", server.url(p), timeout=2) for p in paths],
        return_exceptions=True,
        timeout=20,
    )
    assert len(results) == len(paths)
    for r in results:
        assert isinstance(r, (oneloop.Error, oneloop.Response))


def test_timeouts(server):
    with pytest.raises(oneloop.TimeoutError):
        http.get(server.url("/delay/2000"), timeout=0.05)
    with pytest.raises(TimeoutError):  # the builtin, too
        http.get(server.url("/delay/2000"), wait_timeout=0.05)
    assert http.get(server.url("/delay/10"), timeout=5).status == 200


def test_submit_returns_native_future(server):
    fut = http.submit("GET", server.url("/bytes/1000"))
    assert isinstance(fut, oneloop.NativeFuture)
    r = fut.result(timeout=10)
    assert r.status == 200 and r.content == http.get(server.url("/bytes/1000")).content


def test_C03_wait_timeout_then_result(server):
    fut = http.submit("GET", server.url("/delay/200"))
    with pytest.raises(oneloop.TimeoutError):
        fut.result(timeout=0.01)
    assert fut.result(timeout=10).status == 200


def test_C05_cancel_in_flight_request(server):
    fut = http.submit("GET", server.url("/delay/5000"))
    time.sleep(0.05)
    assert fut.cancel()
    with pytest.raises(oneloop.CancelledError):
        fut.result(timeout=1)


def test_C07_gather_mixed_outcomes(server, refused_url):
    reqs = [
        server.url("/bytes/10"),
        ("POST", server.url("/echo")),
        refused_url,
        http.Request("GET", server.url("/delay/3000"), timeout=0.05),
        http.Request("GET", server.url("/status/500")),
    ]
    results = http.gather(reqs, return_exceptions=True, timeout=20)
    assert results[0].content and results[1].headers["x-echo-method"] == "POST"
    assert isinstance(results[2], oneloop.ConnectionRefusedError)
    assert isinstance(results[3], oneloop.TimeoutError)
    assert results[4].status == 500
    with pytest.raises(oneloop.ConnectionRefusedError):
        http.gather(reqs[:3], timeout=20)
    assert http.gather([]) == []


def test_gather_wait_timeout_cancels_the_rest(server):
    with pytest.raises(oneloop.TimeoutError):
        http.gather([server.url("/delay/5000")] * 3, timeout=0.05)


def test_C08_concurrent_futures_interop(server):
    slow = http.submit("GET", server.url("/delay/2000"))
    fast = http.submit("GET", server.url("/bytes/5"))
    done, pending = concurrent.futures.wait(
        [slow, fast], timeout=10, return_when=concurrent.futures.FIRST_COMPLETED
    )
    assert done == {fast} and pending == {slow}
    slow.cancel()
    futs = [http.submit("GET", server.url(f"/delay/{d}")) for d in (600, 0, 300)]
    got = [f.result().url for f in concurrent.futures.as_completed(futs, timeout=10)]
    assert got == [futs[1].result().url, futs[2].result().url, futs[0].result().url]


def test_C09_dropping_pending_requests(server):
    for _ in range(50):
        http.submit("GET", server.url("/delay/50"))
    gc.collect()
    assert http.get(server.url("/json")).status == 200


def test_C17_connection_reuse(server):
    server.reset_stats()
    for _ in range(30):
        http.get(server.url("/json"))
    http.gather([server.url("/json")] * 30)
    stats = server.stats()
    assert stats["requests"] == 60
    assert stats["connections"] <= 31  # sequential ones share one; a burst opens at most 30


def test_C12_stream_all_chunks(server):
    whole = http.get(server.url("/chunked/20/1000")).content
    with http.stream("GET", server.url("/chunked/20/1000")) as s:
        assert s.status == 200 and "transfer-encoding" in s.headers
        chunks = list(s)
    assert b"".join(chunks) == whole and len(whole) == 20000
    assert s.read_chunk() is None  # end-of-stream stays ended


def test_C13_stream_slow_consumer_bounded(server):
    size = 4 * 1024 * 1024
    with http.stream("GET", server.url(f"/bytes/{size}"), buffer_size=64 * 1024) as s:
        first = s.read_chunk()
        time.sleep(0.3)  # the producer must pause, not buffer 4 MiB
        buffered = s.buffered
        total = len(first) + sum(len(c) for c in s)
    assert buffered <= 64 * 1024 + 256 * 1024  # capacity plus one curl chunk of slack
    assert total == size


def test_C14_stream_close_early(server):
    s = http.stream("GET", server.url("/chunked/1000/1000?interval=5"))
    assert len(s.read_chunk()) > 0
    s.close()
    assert s.read_chunk() is None
    s.close()  # twice is fine
    assert http.get(server.url("/json")).status == 200


def test_stream_errors_surface(server, refused_url):
    with pytest.raises(oneloop.ConnectionRefusedError):
        http.stream("GET", refused_url)
    with http.stream("GET", server.url("/fault/truncated-chunked")) as s:
        with pytest.raises(oneloop.PartialResponseError):
            s.read()


def test_await_native_http_inside_coroutines(server):
    async def fan_out():
        resps = await asyncio.gather(*(http.submit("GET", server.url("/json")) for _ in range(50)))
        one = await http.aget(server.url("/bytes/7"))
        return [r.status for r in resps], len(one.content)

    statuses, n = oneloop.run_async_job(fan_out()).result(timeout=20)
    assert statuses == [200] * 50 and n == 7


def test_await_native_http_failure_inside_coroutine(refused_url):
    async def go():
        try:
            await http.aget(refused_url)
        except oneloop.ConnectionRefusedError as exc:
            return exc.code

    assert oneloop.run_async_job(go()).result(timeout=10) == oneloop.ConnectionRefusedError.code


def test_C11_blocking_http_in_coroutine_loop_raises(server):
    async def go():
        with pytest.raises(RuntimeError, match="deadlock"):
            http.get(server.url("/json"))
        with pytest.raises(RuntimeError):
            http.gather([server.url("/json")])
        return "ok"

    assert oneloop.run_async_job(go()).result(timeout=10) == "ok"


def test_C10_16_threads_x_1000_calls(server):
    def worker(k):
        ok = 0
        for _ in range(1000):
            r = http.get(server.url("/bytes/10"))
            ok += r.status == 200 and len(r.content) == 10
        return ok

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        assert list(pool.map(worker, range(16))) == [1000] * 16


def test_body_buffers_are_reused_across_batches(server):
    # glibc returns memory freed at the top of the executor thread's arena to the kernel, so
    # a batch of 100 KB bodies released together used to be page-faulted back in by the next
    # batch (25 faults per body: as much CPU as the requests). The core keeps released body
    # buffers for reuse instead (its own tests cover the pool): here, dropping a batch's
    # Responses hands their buffers back at once, and the next batch gets those very buffers.
    # (Counting page faults is not deterministic: curl's own receive buffers, one per
    # transfer, are given back to the kernel or not depending on earlier allocations.)
    from oneloop._core import ffi, lib

    def buffers(responses):
        return {int(ffi.cast("uintptr_t", lib.ol_response_body(r._resp))) for r in responses}

    urls = [server.url("/bytes/102400")] * 100
    assert [len(r.body) for r in http.gather(urls)] == [102400] * 100  # warm: connections, handles
    released = http.gather(urls)
    earlier = buffers(released)
    assert len(earlier) == 100
    del released
    responses = http.gather(urls)
    assert all(bytes(r.body[:3]) == b"abc" for r in responses)
    assert len(buffers(responses) & earlier) == 100
