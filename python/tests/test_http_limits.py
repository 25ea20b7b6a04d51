"""Issue 13 points 20 and 22: default timeouts, 0 = no limit, the idle timeout, and decoding
(decompress=True) done at the consumer's pace."""

from __future__ import annotations

import socket
import time

import oneloop
import pytest
from oneloop import http


def pattern(n: int) -> bytes:
    return bytes(97 + i % 26 for i in range(n))


class BlackHole:
    """A loopback port whose connects hang: a full backlog that is never accepted."""

    def __enter__(self) -> str:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        port = self.listener.getsockname()[1]
        self.fillers = []
        for _ in range(3):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            self.fillers.append(s)
        time.sleep(0.1)
        return f"http://127.0.0.1:{port}/"

    def __exit__(self, *exc) -> None:
        for s in self.fillers:
            s.close()
        self.listener.close()


def test_defaults_are_reported_and_the_connect_timeout_applies():
    assert http.DEFAULT_CONNECT_TIMEOUT == 10.0
    assert http.DEFAULT_IDLE_TIMEOUT == 300.0
    with BlackHole() as url:
        t0 = time.monotonic()
        with pytest.raises(oneloop.TimeoutError):
            http.get(url, connect_timeout=0.2)
        assert time.monotonic() - t0 < 5


@pytest.mark.parametrize(
    "option",
    [
        "timeout",
        "connect_timeout",
        "idle_timeout",
        "max_response_bytes",
        "low_speed_limit",
        "low_speed_time",
    ],
)
def test_zero_means_no_limit(server, option):
    resp = http.get(server.url("/fault/slow-drip?bytes=4&interval=100"), **{option: 0})
    assert resp.status == 200 and resp.content == b"abcd"


def test_idle_timeout_fires_when_the_server_stops_sending(server):
    t0 = time.monotonic()
    with pytest.raises(oneloop.TimeoutError, match="idle"):
        http.get(server.url("/fault/no-answer"), idle_timeout=0.3)
    assert time.monotonic() - t0 < 5


def test_idle_timeout_restarts_on_every_byte(server):
    resp = http.get(server.url("/fault/slow-drip?bytes=8&interval=100"), idle_timeout=0.6)
    assert resp.content == b"abcdefgh"


def test_idle_timeout_does_not_count_while_the_consumer_holds_the_stream(server):
    size = 4 * 1024 * 1024
    with http.stream(
        "GET", server.url(f"/bytes/{size}"), buffer_size=16 * 1024, idle_timeout=0.3
    ) as s:
        first = s.read_chunk()
        time.sleep(1.5)  # five idle timeouts, with the channel full
        total = len(first) + sum(len(c) for c in s)
    assert total == size


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_decompress_buffered_and_streamed_byte_for_byte(server, coding):
    if coding == "br" and http.get(server.url("/encoded/br/1")).status != 200:
        pytest.skip("fixture built without brotli")
    n = 300_000
    url = server.url(f"/encoded/{coding}/{n}")
    assert http.get(url, decompress=True).content == pattern(n)
    with http.stream("GET", url, decompress=True, buffer_size=16 * 1024) as s:
        assert b"".join(s) == pattern(n)
    assert http.get(url).content[:1] != b"a"  # without decompress: as received


def test_decompress_limit_counts_decoded_bytes_and_bombs_stay_bounded(server):
    bomb = server.url(f"/encoded/gzip/{64 << 20}")
    with pytest.raises(oneloop.TooLargeError):
        http.get(bomb, decompress=True, max_response_bytes=1 << 20)
    with http.stream("GET", bomb, decompress=True, buffer_size=64 * 1024) as s:
        first = s.read_chunk()
        time.sleep(0.3)
        assert s.buffered <= 64 * 1024 + 16 * 1024
        assert first == pattern(len(first))
