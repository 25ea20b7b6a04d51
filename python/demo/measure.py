"""CPU and wall time of a batch, for the demo and the benchmark."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class BatchTimes:
    wall_s: float  # median wall time of one batch
    cpu_s: float  # median process CPU (all threads, user + system) of one batch
    cpu_best_s: float = 0.0  # the lowest of those (bench_http reports best-of rounds)


def measure(batch: Callable[[], object], repeats: int) -> BatchTimes:
    batch()  # warm up: connections, imports, loop threads
    walls, cpus = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        batch()
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
    return BatchTimes(statistics.median(walls), statistics.median(cpus), min(cpus))


def measure_interleaved(
    batches: dict[str, Callable[[], object]], rounds: int
) -> dict[str, BatchTimes]:
    """Like measure() for several contenders, taking turns: each round runs every batch once,
    so a slow spell of a shared, noisy machine hits all of them alike."""
    for batch in batches.values():
        batch()  # warm up
    walls: dict[str, list[float]] = {name: [] for name in batches}
    cpus: dict[str, list[float]] = {name: [] for name in batches}
    for _ in range(rounds):
        for name, batch in batches.items():
            c0, w0 = time.process_time(), time.perf_counter()
            batch()
            cpus[name].append(time.process_time() - c0)
            walls[name].append(time.perf_counter() - w0)
    return {
        name: BatchTimes(
            statistics.median(walls[name]), statistics.median(cpus[name]), min(cpus[name])
        )
        for name in batches
    }


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class FixtureServer:
    """The project's fixture server on an ephemeral loopback port (exits when stdin closes)."""

    def __init__(self, build_dir: str) -> None:
        path = os.path.join(build_dir, "tests", "fixture", "ol_fixture_server")
        self.proc = subprocess.Popen(
            [path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"fixture server said {line!r}")
        self.base = f"http://127.0.0.1:{int(line.split()[1])}"

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def table(headers: list[str], rows: list[list[str]], left: int = 1) -> str:
    """A plain text table; the first `left` columns are text (left-aligned), the rest numbers."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])
