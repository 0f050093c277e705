"""Limits on hostile input, each with a counted reason: line length, bytes per file, files per host.

Defaults live in analyzer/options.py (documented in docs/safety.md).
"""

from __future__ import annotations

import gzip

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.options import (DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES, DEFAULT_MAX_LINE_BYTES,
                              Options, build_options)
from analyzer.pipeline import analyze, read_host
from analyzer.errors import UsageError

SQUEEZE = "Mar  7 10:16:03 xen07 kernel: xen_net: Memory squeeze in netback driver."
SUPPRESSED = "Mar  7 10:16:18 xen07 kernel: printk: 1100 messages suppressed."
HEADER = "Mar  7 10:16:19 xen07 kernel: "


def test_documented_defaults():
    assert DEFAULT_MAX_LINE_BYTES == 64 * 1024
    assert DEFAULT_MAX_FILE_BYTES == 2 * 1024 ** 3
    assert DEFAULT_MAX_FILES == 10_000
    o = Options()
    assert (o.max_line_bytes, o.max_file_bytes, o.max_files) == (
        DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES)


@pytest.mark.parametrize("kwargs", [{"max_line_bytes": 10}, {"max_file_bytes": 0},
                                    {"max_files": 0}])
def test_nonsense_limits_are_usage_errors(kwargs):
    with pytest.raises(UsageError):
        build_options(**kwargs)


def test_over_long_lines_are_cut_counted_and_still_parsed(tmp_path):
    log = tmp_path / "messages"
    long_line = HEADER + "A" * (1 << 20)
    log.write_text("\n".join([SQUEEZE, long_line, SUPPRESSED, long_line + "é" * 10, SQUEEZE])
                   + "\n", encoding="utf-8")
    host = read_host([str(log)], options=build_options(max_line_bytes=1000))
    acc = host.accounting.totals()
    assert acc["lines_read"] == 5
    assert acc["lines_truncated"] == 2
    assert acc["lines_parsed"] + acc["lines_unparsed"] == 5
    ev = host.events
    assert len(ev) == 5
    assert ev["message"].map(lambda m: len(m.encode())).max() <= 1000
    assert ev.loc[ev["line"] == 2, "message"].iloc[0].startswith("AAAA")
    assert list(ev["line"]) == [1, 2, 3, 4, 5]  # numbering goes on after a cut line


def test_cli_max_line_bytes_reaches_the_report(tmp_path):
    log = tmp_path / "messages"
    log.write_text(SQUEEZE + "\n" + HEADER + "B" * 5000 + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(log), "--format", "json",
                                      "--max-line-bytes", "200"])
    assert result.exit_code == 0, result.output
    import json

    report = json.loads(result.stdout)
    assert report["accounting"]["lines_truncated"] == 1
    assert report["accounting"]["lines_read"] == 2


def test_cli_max_file_bytes_stops_reading_with_a_reason(tmp_path):
    log = tmp_path / "messages.gz"
    log.write_bytes(gzip.compress(((SQUEEZE + "\n") * 20000).encode(), mtime=0))
    result = CliRunner().invoke(app, ["analyze", str(log), "--format", "json",
                                      "--max-file-bytes", "10000"])
    assert result.exit_code == 0, result.output
    import json

    acc = json.loads(result.stdout)["accounting"]
    assert acc["lines_read"] == 10000 // (len(SQUEEZE) + 1) + 1
    assert [s["reason"].split(":")[0] for s in acc["skipped"]] == ["limit"]


def test_files_per_host_limit_counts_the_rest(tmp_path):
    tree = tmp_path / "host"
    (tree / "var" / "log").mkdir(parents=True)
    for i in range(12):
        (tree / "var" / "log" / f"app{i:02d}.log").write_text(SQUEEZE + "\n")
    report = analyze([str(tree)], options=build_options(max_files=5))
    assert len(report.sources) == 5
    assert report.accounting["lines_read"] == 5
    limited = [s for s in report.accounting["skipped"] if s["reason"] == "limit_files"]
    assert len(limited) == 7
    assert all(s["path"].startswith(str(tree)) for s in limited)


def test_cli_files_per_host_option(tmp_path):
    tree = tmp_path / "host"
    tree.mkdir()
    for i in range(4):
        (tree / f"kern{i}.log").write_text(SQUEEZE + "\n")
    result = CliRunner().invoke(app, ["analyze", str(tree), "--format", "json",
                                      "--max-files", "2"])
    assert result.exit_code == 0, result.output
