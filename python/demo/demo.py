"""The oneloop demo: N HTTP calls from synchronous code, three ways, with 0 ms and 50 ms of
added server latency. Prints CPU time and wall time per batch.

    ONELOOP_BUILD_DIR=... python demo.py [--calls N] [--repeats R]
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from contenders import DEMO  # noqa: E402
from measure import FixtureServer, measure, raise_fd_limit, table  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--build-dir", default=os.environ.get("ONELOOP_BUILD_DIR", ""))
    args = ap.parse_args()
    raise_fd_limit()
    server = FixtureServer(args.build_dir)
    contenders = [cls() for cls in DEMO]
    try:
        rows = []
        for latency in (0, 50):
            urls = [
                f"{server.base}/json?delay={latency}" if latency else f"{server.base}/json"
            ] * args.calls
            results = {}
            for c in contenders:
                t = measure(lambda c=c, urls=urls: c.fetch(urls), args.repeats)
                results[c.name] = t
            base = results[contenders[-1].name]
            for c in contenders:
                t = results[c.name]
                rows.append(
                    [
                        f"{latency} ms",
                        c.name,
                        f"{t.wall_s * 1000:.1f}",
                        f"{t.cpu_s * 1000:.1f}",
                        f"{t.cpu_s / args.calls * 1e6:.0f}",
                        f"{t.cpu_s / base.cpu_s:.1f}x",
                    ]
                )
        print(
            f"{args.calls} GETs of /json (300 B) per batch from sync code, "
            f"median of {args.repeats} batches; {os.cpu_count()} CPUs; "
            "CPU = whole process, all threads\n"
        )
        print(
            table(
                [
                    "latency",
                    "approach",
                    "wall ms/batch",
                    "CPU ms/batch",
                    "CPU us/call",
                    "CPU vs oneloop",
                ],
                rows,
                left=2,
            )
        )
    finally:
        for c in contenders:
            c.close()
        server.close()


if __name__ == "__main__":
    main()
