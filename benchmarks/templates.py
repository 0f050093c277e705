"""Template mining benchmark: grouping accuracy on Loghub Linux, and throughput against Drain3.

    $ .venv/bin/python benchmarks/templates.py
    dataset                       lines  truth  kernlog GA  Drain3 GA  kernlog l/s  Drain3 l/s  speed-up
    Linux_2k (corrected)           2000    118       1.000      0.690 ...

Grouping accuracy (GA) as Loghub computes it: a line is right when the set of lines in its
predicted group equals the set of lines in its ground-truth group (the ``EventId`` of the
structured CSV). Input is the CSV's ``Content`` column (what follows ``Component[PID]: ``), as
the Loghub benchmark feeds its parsers. Drain3 runs with Drain's published Linux settings
(similarity 0.39, depth 6, the ``(\\d+\\.){3}\\d+`` and ``\\d{2}:\\d{2}:\\d{2}`` masks) on
the same lines in the same run; throughput is lines per second, best of ``--repeat`` runs.

Data: ``--data`` (default ``../shared/datasets/loghub`` next to the repository), read in place:
``Linux/Linux_2k.log_structured_corrected.csv`` and
``Linux/loghub-2.0-full/Linux_full.log_structured.csv`` (23,921 lines, 338 templates).
``--scale N`` also times both miners on the full set repeated N times (a long log with the
same message shapes).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer.templates import mine_templates  # noqa: E402

DATASETS = (
    ("Linux_2k (corrected)", "Linux/Linux_2k.log_structured_corrected.csv", 0.690),
    ("Linux Loghub-2.0 full", "Linux/loghub-2.0-full/Linux_full.log_structured.csv", 0.686),
)
DRAIN_LINUX = {"sim_th": 0.39, "depth": 6, "masks": (r"(\d+\.){3}\d+", r"\d{2}:\d{2}:\d{2}")}


def grouping_accuracy(predicted, truth) -> float:
    """Share of lines whose predicted group has exactly the lines of their true group."""
    frame = pd.DataFrame({"p": np.asarray(predicted).astype(str), "t": np.asarray(truth).astype(str)})
    one_truth = frame.groupby("p")["t"].transform("nunique") == 1
    one_pred = frame.groupby("t")["p"].transform("nunique") == 1
    return float((one_truth & one_pred).mean())


def run_kernlog(lines: list[str]) -> np.ndarray:
    return mine_templates(lines).template_ids


def run_drain3(lines: list[str]) -> np.ndarray:
    from drain3 import TemplateMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    config.drain_sim_th = DRAIN_LINUX["sim_th"]
    config.drain_depth = DRAIN_LINUX["depth"]
    config.masking_instructions = [MaskingInstruction(p, "*") for p in DRAIN_LINUX["masks"]]
    config.profiling_enabled = False
    miner = TemplateMiner(config=config)
    ids = [miner.add_log_message(line)["cluster_id"] for line in lines]
    # Drain's groups are its final clusters: a line keeps the cluster it was added to
    return np.asarray(ids)


def timed(fn, lines: list[str], repeat: int) -> tuple[np.ndarray, float]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(lines)
        best = min(best, time.perf_counter() - start)
    return result, best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets" / "loghub")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=0,
                        help="also time the full set repeated N times (0: skip)")
    args = parser.parse_args(argv)

    header = (f"{'dataset':<26}{'lines':>9}{'truth':>7}{'kernlog GA':>12}{'Drain3 GA':>11}"
              f"{'bar (Drain)':>12}{'kernlog l/s':>13}{'Drain3 l/s':>12}{'speed-up':>10}")
    print(header)
    failed = False
    for name, rel, bar in DATASETS:
        frame = pd.read_csv(args.data / rel, dtype=str, keep_default_na=False)
        lines = frame["Content"].tolist()
        ours, t_ours = timed(run_kernlog, lines, args.repeat)
        theirs, t_theirs = timed(run_drain3, lines, args.repeat)
        ga_ours = grouping_accuracy(ours, frame["EventId"])
        ga_theirs = grouping_accuracy(theirs, frame["EventId"])
        failed |= ga_ours < bar or t_ours > t_theirs
        print(f"{name:<26}{len(lines):>9,}{frame['EventId'].nunique():>7}{ga_ours:>12.3f}"
              f"{ga_theirs:>11.3f}{bar:>12.3f}{len(lines) / t_ours:>13,.0f}"
              f"{len(lines) / t_theirs:>12,.0f}{t_theirs / t_ours:>9.1f}x")
    if args.scale > 0:
        name, rel, _ = DATASETS[1]
        lines = pd.read_csv(args.data / rel, dtype=str, keep_default_na=False)["Content"].tolist()
        lines = lines * args.scale
        _, t_ours = timed(run_kernlog, lines, 1)
        _, t_theirs = timed(run_drain3, lines, 1)
        print(f"{'full x' + str(args.scale):<26}{len(lines):>9,}{'':>7}{'':>12}{'':>11}{'':>12}"
              f"{len(lines) / t_ours:>13,.0f}{len(lines) / t_theirs:>12,.0f}"
              f"{t_theirs / t_ours:>9.1f}x")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
