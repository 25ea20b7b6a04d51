"""The Django example, driven by Django's test client against the fixture server."""

import os
import subprocess

import pytest

BUILD_DIR = os.environ.get(
    "ONELOOP_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "build")
)
SERVER = os.path.join(BUILD_DIR, "tests", "fixture", "ol_fixture_server")


@pytest.fixture(scope="module")
def client():
    django = pytest.importorskip("django")
    if not os.path.exists(SERVER):
        pytest.skip(f"fixture server not built at {SERVER}")
    proc = subprocess.Popen([SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline().split()[1])
    os.environ["BACKEND_URL"] = f"http://127.0.0.1:{port}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanout_site.settings")
    django.setup()
    from django.test import Client

    yield Client()
    proc.stdin.close()
    proc.wait(timeout=10)


def test_sync_view_fans_out_through_oneloop(client):
    r = client.get("/fanout", {"n": "25"})
    assert r.status_code == 200
    assert r.json() == {"calls": 25, "ok": 25, "failed": [], "bytes": sum(range(1, 26))}


def test_sync_view_with_async_helper(client):
    r = client.get("/fanout-async", {"n": "12"})
    assert r.status_code == 200
    assert r.json() == {"calls": 12, "bytes": sum(range(1, 13))}


def test_views_from_many_threads(client):
    from concurrent.futures import ThreadPoolExecutor

    from django.test import Client

    def one(_):
        return Client().get("/fanout", {"n": "20"}).json()["ok"]

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(one, range(32))) == [20] * 32
