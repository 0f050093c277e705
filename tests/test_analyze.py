"""`kernlog analyze` end to end on the bundled sample hosts (the product's main job)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.options import build_options
from analyzer.pipeline import analyze

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"
SEED = SAMPLES / "xen07-incident"
XEN_MEMORY = {"xen-dom0-balloon-netback-squeeze", "xen-dom0-swiotlb-dma-exhaustion",
              "xen-dom0-autoballoon-memory-pressure"}
runner = CliRunner()


@pytest.fixture(scope="module")
def seed_report():
    return analyze([str(SEED)], options=build_options())


def test_seed_incident_names_the_balloon_squeeze_root_cause(seed_report):
    top = seed_report.findings[0]
    assert top.id == "xen-dom0-balloon-netback-squeeze"
    assert top.severity == "error"
    assert top.confidence >= 0.9
    assert any("dom0_mem=" in step for step in top.remediation)
    assert top.p_value is not None and top.p_value < 0.05
    cited = {(Path(e.source).name, e.line) for e in top.evidence}
    # the squeeze lines, the balloon-down before them and the hypervisor's Dom0 size are cited
    assert ("messages.1", 591) in cited  # first squeeze line of episode 1 (README: 14:47:21)
    assert any(name == "xend.log" for name, _ in cited)
    assert any(name == "xm_dmesg" for name, _ in cited)


def test_seed_incident_facts_and_episodes_match_the_logs(seed_report):
    f = seed_report.facts
    assert f["ram_mib"] == 8190
    assert f["dom0_boot_mib"] == pytest.approx(7934, abs=1)
    assert f["xen_cmdline"] is not None and f["dom0_mem_option"] is None
    assert f["balloon_min_target_mib"] == 1223
    squeeze = [e for e in seed_report.episodes if e.tag == "xen.netback.memory_squeeze"]
    assert [(e.start, e.end) for e in squeeze] == [
        ("2009-03-06T14:47:21+00:00", "2009-03-06T15:21:36+00:00"),
        ("2009-03-07T10:16:03+00:00", "2009-03-07T10:58:22+00:00"),
    ]
    # sample_logs/README.md: 380 logged (354 lines + repeats) + 288,964 suppressed
    assert squeeze[0].events == 354
    assert squeeze[0].estimated_occurrences == 380 + 288_964
    assert squeeze[1].estimated_occurrences == 461 + 367_843


def test_markdown_report_has_evidence_timeline_and_chart(tmp_path):
    out = tmp_path / "xen07.md"
    result = runner.invoke(app, ["analyze", str(SEED), "-o", str(out)])
    assert result.exit_code == 0, result.output
    md = out.read_text()
    assert "`xen-dom0-balloon-netback-squeeze`" in md
    assert "messages.1:591" in md
    assert "## Timeline" in md and "13 DomU starts (web01 … test01)" in md
    assert "![Dom0 memory, running DomUs and problem episodes](xen07.png)" in md
    png = tmp_path / "xen07.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "## Data quality" in md and "4,330 lines read" in md


def test_json_report_follows_the_contract():
    result = runner.invoke(app, ["analyze", str(SEED), "--format", "json"])
    assert result.exit_code == 0
    d = json.loads(result.output)
    for key in ("host", "kernlog_version", "patterns_version", "sources", "facts", "episodes",
                "findings", "accounting"):
        assert key in d
    for key in ("xen_cmdline", "ram_mib", "dom0_boot_mib", "dom0_mem_option", "dom0_mem_mib",
                "kernel", "xen"):
        assert key in d["facts"]
    assert set(d["sources"][0]) >= {"path", "format", "lines", "unparsed"}
    assert set(d["episodes"][0]) >= {"id", "tag", "start", "end", "events",
                                     "estimated_occurrences"}
    assert set(d["findings"][0]) >= {"id", "title", "severity", "confidence", "episodes",
                                     "evidence", "missing_evidence", "remediation"}
    acc = d["accounting"]
    assert acc["lines_read"] == acc["lines_parsed"] + acc["lines_unparsed"]
    assert set(acc) >= {"unparsed_by_reason", "lines_truncated", "bytes_replaced", "skipped"}


@pytest.mark.parametrize("host", ["xen07-fixed", "web-healthy01"])
def test_fixed_and_healthy_hosts_get_no_xen_memory_finding(host):
    report = analyze([str(SAMPLES / host)], options=build_options())
    assert not XEN_MEMORY & {f.id for f in report.findings}


def test_raid_and_modern_hosts_get_their_root_causes():
    raid = analyze([str(SAMPLES / "sosreport-xen-raid04-20090310.tar.xz")], options=build_options())
    assert raid.findings[0].id == "xen-dom0-swiotlb-dma-exhaustion"
    assert any("swiotlb=" in step for step in raid.findings[0].remediation)
    modern = analyze([str(SAMPLES / "xl-modern01")], options=build_options())
    assert modern.findings[0].id == "xen-dom0-autoballoon-memory-pressure"
    assert any('autoballoon="off"' in step for step in modern.findings[0].remediation)


def test_removing_xend_log_lowers_confidence_and_names_it(tmp_path, seed_report):
    tree = tmp_path / "xen07"
    shutil.copytree(SEED, tree)
    shutil.rmtree(tree / "var" / "log" / "xen")
    report = analyze([str(tree)], options=build_options())
    full = seed_report.findings[0]
    partial = next(f for f in report.findings if f.id == full.id)
    assert partial.confidence < full.confidence
    assert any("xend" in m for m in partial.missing_evidence)


@pytest.mark.parametrize("host,expected", [("xen07-incident", 1), ("web-healthy01", 0)])
def test_fail_on_error_exit_code(host, expected):
    result = runner.invoke(app, ["analyze", str(SAMPLES / host), "--fail-on", "error",
                                 "--format", "json"])
    assert result.exit_code == expected, result.output


def test_since_until_narrow_the_analysis():
    report = analyze([str(SEED)], options=build_options(since="2009-03-07 00:00",
                                                        until="2009-03-07 23:59"))
    squeeze = [e for e in report.episodes if e.tag == "xen.netback.memory_squeeze"]
    assert [e.start for e in squeeze] == ["2009-03-07T10:16:03+00:00"]


def test_events_jsonl_contract_fields():
    result = runner.invoke(app, ["events", str(SEED), "--tagged-only"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and list(rows[0]) == ["host", "source", "line", "boot", "ts", "ts_quality",
                                      "uptime", "program", "message", "tag", "category",
                                      "severity", "count", "fields"]
    squeeze = [r for r in rows if r["tag"] == "xen.netback.memory_squeeze"]
    assert squeeze[0]["ts"] == "2009-03-06T14:47:21+00:00"
    assert squeeze[0]["ts_quality"] == "year_inferred"
    assert all(r["tag"] for r in rows)


def test_summary_claims_no_dom0_size_the_logs_do_not_show(tmp_path):
    """Only a syslog file: the squeeze is found, but nothing says how big Dom0 booted."""
    only = tmp_path / "messages"
    shutil.copy(SEED / "var" / "log" / "messages.1", only)
    report = analyze([str(only)], options=build_options(year=2009))
    top = report.findings[0]
    assert top.id == "xen-dom0-balloon-netback-squeeze"
    assert top.confidence < 0.5
    assert "not in these logs" in top.summary
    assert "MiB of" not in top.summary and "dom0_mem" not in top.summary
    assert any("Xen command line" in m for m in top.missing_evidence)
