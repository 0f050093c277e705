"""The command line: help that teaches, lazy imports, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from analyzer.cli import app

runner = CliRunner()

COMMANDS = [["analyze"], ["events"], ["batch"], ["templates"], ["patterns"],
            ["patterns", "list"], ["patterns", "show"], ["patterns", "test"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(cmd):
    result = runner.invoke(app, [*cmd, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from analyzer.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('pandas', 'sklearn', 'matplotlib', 'pyarrow', 'dask') "
            "if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout, out.stdout


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "analyzer", "--help"], capture_output=True,
                         text=True)
    assert out.returncode == 0
    assert "analyze" in out.stdout and "batch" in out.stdout


def test_bad_zone_is_a_one_line_usage_error(tmp_path):
    log = tmp_path / "kern.log"
    log.write_text("Mar  6 14:02:44 xen07 kernel: hello\n")
    result = runner.invoke(app, ["events", str(log), "--tz", "Mars/Olympus"])
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Olympus'" in result.output
    assert "Traceback" not in result.output


def test_missing_path_exits_2_without_traceback(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.log")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "nope.log" in result.output


def test_unreadable_since_is_a_usage_error(tmp_path):
    log = tmp_path / "kern.log"
    log.write_text("Mar  6 14:02:44 xen07 kernel: hello\n")
    result = runner.invoke(app, ["events", str(log), "--since", "the day after never"])
    assert result.exit_code == 2
    assert "cannot read the time" in result.output


def test_patterns_test_runs_every_example_of_the_library():
    result = runner.invoke(app, ["patterns", "test"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("all examples pass: ")


def test_patterns_list_and_show():
    listing = runner.invoke(app, ["patterns", "list"])
    assert listing.exit_code == 0
    ids = [line.split("\t")[0] for line in listing.output.splitlines()[1:]]
    for required in ("xen.netback.memory_squeeze", "dma.swiotlb_full", "storage.raid_error",
                     "mm.oom_kill", "kernel.ratelimit.suppressed", "xen.balloon.dom0_target",
                     "xen.hv.dom0_alloc", "kernel.boot.memory"):
        assert required in ids
    shown = runner.invoke(app, ["patterns", "show", "kernel.soft_lockup"])
    assert shown.exit_code == 0 and "id: kernel.soft_lockup" in shown.output
    missing = runner.invoke(app, ["patterns", "show", "no.such.pattern"])
    assert missing.exit_code == 2 and "no pattern with id" in missing.output


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_events_csv_and_parquet(tmp_path, fmt):
    import pandas as pd

    log = tmp_path / "kern.log"
    log.write_text("Mar  6 14:02:44 xen07 kernel: xen_net: Memory squeeze in netback driver.\n"
                   "Mar  6 14:02:45 xen07 kernel: printk: 17 messages suppressed.\n")
    out = tmp_path / f"events.{fmt}"
    result = runner.invoke(app, ["events", str(log), "--format", fmt, "-o", str(out),
                                 "--year", "2009"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out) if fmt == "csv" else pd.read_parquet(out)
    assert list(frame.columns)[:4] == ["host", "source", "line", "boot"]
    assert frame["tag"].tolist() == ["xen.netback.memory_squeeze", "kernel.ratelimit.suppressed"]
    assert '"count": 17' in frame["fields"].iloc[1]
    assert str(frame["ts"].iloc[0]) == "2009-03-06T14:02:44+00:00"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_events_written_in_pieces_are_the_whole_table(tmp_path, monkeypatch, fmt):
    """Event text is rendered a few thousand rows at a time (peak memory); the pieces join
    into exactly the text of the whole table at once."""
    from analyzer import events_io

    log = tmp_path / "kern.log"
    log.write_text("".join(
        f"Mar  6 14:{i // 60:02d}:{i % 60:02d} xen07 kernel: xen_net: Memory squeeze in "
        f"netback driver. /dev/xvd{i}\n" for i in range(25)))
    outputs = []
    for rows in (1000, 4):  # one piece, then seven
        monkeypatch.setattr(events_io, "WRITE_ROWS", rows)
        out = tmp_path / f"events-{rows}.{fmt}"
        result = runner.invoke(app, ["events", str(log), "--format", fmt, "-o", str(out),
                                     "--year", "2009"])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    assert outputs[0].count("/dev/xvd") == 25 and "\\/" not in outputs[0]
    assert len(outputs[0].splitlines()) == 25 + (fmt == "csv")
