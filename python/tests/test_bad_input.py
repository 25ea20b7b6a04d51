"""C15: bad input gives a clear exception of the usual kind; nothing is submitted."""

from __future__ import annotations

import oneloop
import pytest
from oneloop import http


@pytest.fixture
def nothing_submitted():
    before = oneloop.stats()["submitted"]
    yield
    assert oneloop.stats()["submitted"] == before


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        (dict(url=None), TypeError),
        (dict(url=b"http://x/"), TypeError),
        (dict(url="http://x/\x00"), ValueError),
        (dict(method=None), TypeError),
        (dict(method="GE T"), ValueError),
        (dict(timeout=-1), ValueError),
        (dict(idle_timeout=-0.5), ValueError),
        (dict(idle_timeout="5"), TypeError),
        (dict(timeout="5"), TypeError),
        (dict(connect_timeout=float("inf")), ValueError),
        (dict(wait_timeout=-1), ValueError),
        (dict(headers={"X-A": 1}), TypeError),
        (dict(headers={"Bad Name": "v"}), ValueError),
        (dict(headers={"X-A": "v\r\nInjected: 1"}), ValueError),
        (dict(headers=5), TypeError),
        (dict(headers=[("only-name",)]), TypeError),
        (dict(body=12), TypeError),
        (dict(body=b"x", json={}), TypeError),
        (dict(follow_redirects=-1), ValueError),
        (dict(follow_redirects="yes"), TypeError),
        (dict(verify="".join(["x"]) and 3), TypeError),
        (dict(http_version="4"), ValueError),
        (dict(max_response_bytes=-5), ValueError),
        (dict(auth="user:pw"), TypeError),
        (dict(params=[1]), TypeError),
        (dict(unknown_option=1), TypeError),
    ],
)
def test_C15_http_bad_arguments(nothing_submitted, kwargs, exc):
    args = dict(method="GET", url="http://127.0.0.1:1/")
    args.update(kwargs)
    with pytest.raises(exc):
        http.request(args.pop("method"), args.pop("url"), **args)


def test_C15_invalid_url_is_a_url_error():
    with pytest.raises(oneloop.URLError):
        http.get("http://[::1")
    with pytest.raises(ValueError):  # URLError is a ValueError too
        http.get("")


def test_C15_gather_and_stream_bad_input(nothing_submitted):
    with pytest.raises(TypeError):
        http.gather("http://127.0.0.1:1/")
    with pytest.raises(TypeError):
        http.gather([42])
    with pytest.raises(ValueError):
        http.gather(["http://127.0.0.1:1/"], timeout=-1)
    with pytest.raises(ValueError):
        http.stream("GET", "http://127.0.0.1:1/", buffer_size=-1)
    with pytest.raises(TypeError):
        http.Request("GET", "http://127.0.0.1:1/", timeout=[1])


def test_C15_native_future_cannot_be_set_by_hand():
    fut = oneloop.timer(0)
    with pytest.raises(RuntimeError):
        fut.set_result(1)
    fut.result(timeout=10)
