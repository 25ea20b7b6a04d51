"""Issue 13, the core runtime seen from Python: the executor cannot start when the process is
out of file descriptors (libuv used to abort the process)."""

from __future__ import annotations

from conftest import run_python

OUT_OF_DESCRIPTORS = """
import os, resource, oneloop
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
fds = []
try:
    while True:
        fds.append(os.dup(2))
except OSError:
    pass
for _ in range(FREE):
    os.close(fds.pop())
try:
    oneloop.timer(0.001).result(timeout=10)
    print('started')
except oneloop.Error as e:
    print('raised:', e)
for fd in fds:
    os.close(fd)
assert oneloop.timer(0.001).result(timeout=10) == 1
print('ok')
"""


def test_executor_out_of_descriptors_raises_error_and_recovers():
    for free in (0, 1, 2, 4):
        r = run_python(OUT_OF_DESCRIPTORS.replace("FREE", str(free)))
        assert r.returncode == 0, (free, r.returncode, r.stdout, r.stderr)
        first, last = r.stdout.strip().splitlines()
        assert last == "ok"
        if first != "started":
            assert (
                first.startswith("raised: ") and "could not start the oneloop executor" in first
            ), first
            assert "file descriptors" in first
