"""Batch speed-up: `kernlog batch --jobs 2` against `--jobs 1` on a fleet of 100+ hosts.

    .venv/bin/python -m benchmarks.batch --hosts 100

The fleet is copies of the bundled sample hosts under other names (five kinds of host, so the
work per host is realistic and varied). Both runs happen in this process's run, on the same
fleet, one after the other; the figure is the ratio of their wall-clock times.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from analyzer.batch import run_batch
from analyzer.options import build_options

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


def make_fleet(root: Path, hosts: int) -> int:
    kinds = sorted(p for p in SAMPLES.iterdir() if p.is_dir() or p.name.endswith(".tar.xz"))
    for i in range(hosts):
        src = kinds[i % len(kinds)]
        dst = root / f"h{i:03d}-{src.name}"
        shutil.copytree(src, dst) if src.is_dir() else shutil.copy(src, dst)
    return hosts


def timed(root: Path, out: Path, jobs: int) -> float:
    start = time.perf_counter()
    result = run_batch([str(root)], output=out, options=build_options(), jobs=jobs)
    seconds = time.perf_counter() - start
    assert not result.failed, result.failed
    return seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kernlog-batch-") as tmp:
        root = Path(tmp) / "fleet"
        root.mkdir()
        n = make_fleet(root, args.hosts)
        one = timed(root, Path(tmp) / "out1", jobs=1)
        two = timed(root, Path(tmp) / "out2", jobs=2)
    cpu = platform.processor() or platform.machine()
    print(f"machine: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}")
    print(f"{n} hosts: --jobs 1 {one:.1f} s, --jobs 2 {two:.1f} s, speed-up {one / two:.2f}x")
    return {"hosts": n, "jobs1_s": one, "jobs2_s": two, "speedup": one / two}


if __name__ == "__main__":
    main()
