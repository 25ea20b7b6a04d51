"""Shared fixtures: the project's HTTP fixture server on loopback, and a helper to run
Python snippets in a fresh interpreter (fork, exit, Ctrl-C, import-time checks)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("ONELOOP_BUILD_DIR", os.path.join(REPO, "build"))
FIXTURE_SERVER = os.path.join(BUILD_DIR, "tests", "fixture", "ol_fixture_server")


class Fixture:
    def __init__(self, proc: subprocess.Popen, port: int) -> None:
        self.proc = proc
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def stats(self) -> dict:
        # Plain urllib on purpose: the counters must not depend on the code under test.
        with urllib.request.urlopen(self.url("/stats"), timeout=5) as r:
            return json.loads(r.read())

    def reset_stats(self) -> None:
        urllib.request.urlopen(self.url("/stats/reset"), timeout=5).read()


def start_fixture() -> Fixture:
    if not os.path.exists(FIXTURE_SERVER):
        pytest.skip(f"fixture server not built at {FIXTURE_SERVER}")
    proc = subprocess.Popen(
        [FIXTURE_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    line = proc.stdout.readline()
    assert line.startswith("PORT "), f"fixture server said {line!r}"
    return Fixture(proc, int(line.split()[1]))


@pytest.fixture(scope="session")
def server() -> Iterator[Fixture]:
    fx = start_fixture()
    yield fx
    fx.proc.stdin.close()
    fx.proc.wait(timeout=10)


@pytest.fixture
def refused_url() -> str:
    # A port nobody listens on: bind, learn the port, close.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/"


def run_python(
    code: str, timeout: float = 30, env: dict | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter of this venv, with warnings shown."""
    full_env = dict(os.environ, PYTHONWARNINGS="default", PYTHONDEVMODE="1")
    if env:
        full_env.update(env)
    kwargs.setdefault("cwd", HERE)  # not python/, whose source tree would shadow the install
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        **kwargs,
    )
