"""Time kernlog against the naive baseline and the grep floor, with peak memory, in one run.

    $ python -m benchmarks.run --quick
    lines      command                    seconds   peak RSS MiB
    100,000    kernlog analyze              1.52         236
    100,000    kernlog events --tagged      1.21         210
    100,000    naive baseline               6.20          18
    100,000    grep -c -E floor             0.12           3
    ...

Each measured command is its own process (kernlog as ``.venv/bin/python -m analyzer ...``), so
wall time and peak RSS (``os.wait4``'s rusage of that child) are per command. Logs come from
``benchmarks.generate`` and are cached in ``--workdir`` by size, seed and generator version.
Printed: a table per size, the ratios the issue asks for (naive / kernlog for ``analyze`` and
``events --tagged-only``, kernlog / grep, the 3M/1M peak-memory ratio), ``kernlog --help``
startup, and a check that kernlog, the baseline and grep count the same tagged lines (so the
baseline does the same job). ``--json FILE`` keeps the figures.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .floor import grep_command, load_family_eres
from .generate import GENERATOR_VERSION, generate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1_000_000, 3_000_000)
QUICK_SIZES = (100_000,)


@dataclass
class Measure:
    name: str
    lines: int
    seconds: float
    peak_rss_mib: float
    returncode: int
    note: str = ""


@dataclass
class Results:
    machine: dict
    measures: list[Measure] = field(default_factory=list)
    agreement: dict = field(default_factory=dict)  # lines -> {family: [naive, kernlog]}

    def get(self, name: str, lines: int) -> Measure | None:
        return next((m for m in self.measures if m.name == name and m.lines == lines), None)


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def measure(name: str, lines: int, args: list[str], *, stdout_path: str | None = None,
            env: dict | None = None) -> Measure:
    """Run ``args`` as a child process; its wall time and its own peak RSS.

    Peak RSS comes from ``/usr/bin/time -f %M`` when present: the kernel charges a child that
    Python vfork()s with the parent's high-water mark at exec, so ``os.wait4``'s rusage would
    count the runner itself (the fallback, noted in ``note``).
    """
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    err = tempfile.TemporaryFile()
    rss_file = tempfile.NamedTemporaryFile(suffix=".rss", delete=False)
    rss_file.close()
    timer = shutil.which("time", path="/usr/bin:/bin")
    command = [timer, "-f", "%M", "-o", rss_file.name, *args] if timer else args
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT,
                                env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout_path:
            out.close()
    err.seek(0)
    lines_err = err.read().decode("utf-8", "replace").strip().splitlines()
    note = lines_err[-1][:200] if proc.returncode and lines_err else ""
    rss_kib = usage.ru_maxrss  # Linux: KiB (fallback, includes the runner's own RSS)
    try:
        text = Path(rss_file.name).read_text().split()
        rss_kib = int(text[-1]) if timer and text else rss_kib
    except (OSError, ValueError):
        note = note or "peak RSS from wait4 (includes the runner)"
    finally:
        os.unlink(rss_file.name)
    return Measure(name, lines, round(seconds, 3), round(rss_kib / 1024, 1), proc.returncode,
                   note)


def log_for(lines: int, *, workdir: Path, seed: int) -> Path:
    path = workdir / f"kern-{lines}-s{seed}-g{GENERATOR_VERSION}.log"
    if not path.exists():
        partial = path.with_suffix(".partial")
        generate(partial, lines=lines, seed=seed)
        partial.rename(path)
    return path


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": cpu or platform.processor(), "ram": ram,
            "python": platform.python_version(), "kernel": platform.release(),
            "commit": commit, "date": time.strftime("%Y-%m-%d")}


def run_size(lines: int, results: Results, *, workdir: Path, seed: int, skip: set[str],
             repeat: int) -> None:
    log = str(log_for(lines, workdir=workdir, seed=seed))
    py = python()
    events_out = str(workdir / f"events-{lines}.jsonl")
    naive_out = str(workdir / f"naive-{lines}.json")
    report_md = str(workdir / f"report-{lines}.md")
    commands = {
        "kernlog analyze": ([py, "-m", "analyzer", "analyze", log, "-o", report_md], None, None),
        "kernlog events --tagged-only": ([py, "-m", "analyzer", "events", "--tagged-only", log,
                                          "-o", events_out], None, None),
        "naive baseline": ([py, "-m", "benchmarks.naive", "--json", log], naive_out, None),
        # stdout to a file: GNU grep stops at the first match when it writes to /dev/null
        "grep -c -E floor": (grep_command(log, load_family_eres()),
                             str(workdir / f"grep-{lines}.txt"), {"LC_ALL": "C"}),
    }
    if shutil.which("lnav"):
        (workdir / "lnav-home").mkdir(parents=True, exist_ok=True)  # else lnav writes to cwd
        commands["lnav load"] = (["lnav", "-n", "-c", ";SELECT count(*) FROM all_logs", log],
                                 str(workdir / f"lnav-{lines}.txt"),
                                 {"HOME": str((workdir / "lnav-home").resolve()),  # lnav
                                  "XDG_CONFIG_HOME": str((workdir / "lnav-home").resolve())})
    for name, (args, stdout_path, env) in commands.items():
        if name.split()[0] in skip:
            continue
        best = None
        for _ in range(repeat):
            m = measure(name, lines, args, stdout_path=stdout_path, env=env)
            if best is None or m.seconds < best.seconds:
                best = m
        results.measures.append(best)
        print(f"  {lines:>10,}  {name:30} {best.seconds:9.2f} s  {best.peak_rss_mib:8.0f} MiB"
              + (f"  exit {best.returncode}: {best.note}" if best.returncode else ""), flush=True)
    results.agreement[str(lines)] = agreement(naive_out, events_out)
    try:
        grep_lines = int(Path(workdir / f"grep-{lines}.txt").read_text().strip())
        results.agreement[str(lines)]["(any family, grep)"] = [
            sum(v[0] for v in results.agreement[str(lines)].values()), grep_lines]
    except (OSError, ValueError):
        pass


def agreement(naive_out: str, events_out: str) -> dict:
    """Per family: lines the naive baseline counted, events kernlog tagged."""
    try:
        naive = json.loads(Path(naive_out).read_text())["families"]
    except (OSError, ValueError, KeyError):
        naive = {}
    tags: Counter = Counter()
    try:
        with open(events_out, encoding="utf-8") as f:
            for line in f:
                tags[json.loads(line)["tag"]] += 1
    except (OSError, ValueError):
        pass
    return {k: [naive.get(k, 0), tags.get(k, 0)] for k in sorted(set(naive) | set(tags))}


def ratios(results: Results, sizes: tuple[int, ...]) -> list[str]:
    out = []
    for n in sizes:
        a, e = results.get("kernlog analyze", n), results.get("kernlog events --tagged-only", n)
        naive, grep = results.get("naive baseline", n), results.get("grep -c -E floor", n)
        lnav = results.get("lnav load", n)
        if naive and a:
            out.append(f"{n:>10,} lines: analyze is {naive.seconds / a.seconds:5.1f}x the naive "
                       f"baseline (goal >= 5x on 3M), peak {a.peak_rss_mib:.0f} MiB")
        if naive and e:
            out.append(f"{n:>10,} lines: events --tagged-only is {naive.seconds / e.seconds:5.1f}x "
                       "the naive baseline (goal >= 10x on 1M)")
        if grep and a:
            out.append(f"{n:>10,} lines: analyze takes {a.seconds / grep.seconds:5.1f}x grep's "
                       f"time; events --tagged-only {e.seconds / grep.seconds if e else 0:5.1f}x")
        if lnav and a:
            out.append(f"{n:>10,} lines: analyze takes {a.seconds / lnav.seconds:5.1f}x the time "
                       "lnav needs to load the file (goal < 1x)")
    if len(sizes) >= 2:
        small, big = sizes[0], sizes[-1]
        for name in ("kernlog analyze", "kernlog events --tagged-only"):
            s, b = results.get(name, small), results.get(name, big)
            if s and b:
                out.append(f"peak RSS {big:,} / {small:,} lines ({name}): "
                           f"{b.peak_rss_mib / s.peak_rss_mib:.2f}x (goal < 1.5x)")
    return out


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k lines only.")
    parser.add_argument("--lines", type=lambda s: tuple(int(x) for x in s.split(",")),
                        help="Comma-separated sizes (default 1000000,3000000).")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "kernlog-bench")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="Runs per command; best is kept.")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["kernlog", "naive", "grep", "lnav"])
    parser.add_argument("--json", type=Path, help="Write the figures here.")
    args = parser.parse_args(argv)
    sizes = args.lines or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    args.workdir.mkdir(parents=True, exist_ok=True)
    # An installed kernlog starts from compiled bytecode (pip compiles it); a checkout in an
    # environment with PYTHONDONTWRITEBYTECODE would compile the package at every start.
    compileall.compile_dir(ROOT / "analyzer", quiet=1)
    results = Results(machine=machine())
    m = results.machine
    print(f"machine: {m['nproc']} CPUs, {m['cpu']}, {m['ram']} RAM, Python {m['python']}, "
          f"commit {m['commit']}", flush=True)
    if "kernlog" not in args.skip:
        help_ = measure("kernlog --help", 0, [python(), "-m", "analyzer", "--help"])
        results.measures.append(help_)
        print(f"  kernlog --help: {help_.seconds:.2f} s, {help_.peak_rss_mib:.0f} MiB", flush=True)
    for n in sizes:
        run_size(n, results, workdir=args.workdir, seed=args.seed, skip=set(args.skip),
                 repeat=args.repeat)
    print()
    for line in ratios(results, sizes):
        print(line)
    for n, table in results.agreement.items():
        differ = {k: v for k, v in table.items() if v[0] != v[1]}
        same = sum(1 for v in table.values() if v[0] == v[1])
        print(f"{int(n):,} lines: kernlog and the baseline agree on {same} of {len(table)} "
              "families" + (f"; differ: {differ}" if differ else ""))
    if args.json:
        args.json.write_text(json.dumps({"machine": results.machine,
                                         "measures": [asdict(x) for x in results.measures],
                                         "agreement": results.agreement}, indent=1))
    return results


if __name__ == "__main__":
    main()
