"""analyzer/redact.py: host names, IP/MAC addresses and user names masked consistently.

Lines are real: tests/data/loghub/Linux_2k.log (sshd/su/ftpd on host "combo", see SOURCES.md)
and the sample hosts of sample_logs/.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.model import Episode, Evidence, Finding, HostReport, TimelineEntry
from analyzer.options import build_options
from analyzer.pipeline import analyze
from analyzer.redact import Redactor, redact_report
from analyzer.report import render_json, render_markdown

ROOT = Path(__file__).resolve().parents[1]
LINUX_2K = Path(__file__).parent / "data" / "loghub" / "Linux_2k.log"
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def linux_2k() -> list[str]:
    return [ln.rstrip("\r") for ln in LINUX_2K.read_text(encoding="utf-8").split("\n")]


@pytest.mark.parametrize("line, expected", [
    ("sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= "
     "rhost=218.188.2.4 ",
     "sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= "
     "rhost=ip-1 "),
    ("su(pam_unix)[10583]: session opened for user news by (uid=0)",
     "su(pam_unix)[10583]: session opened for user user-1 by (uid=0)"),
    ("sshd(pam_unix)[5586]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= "
     "rhost=adsl-70-242-75-179.dsl.ksc2mo.swbell.net  user=root",
     "sshd(pam_unix)[5586]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= "
     "rhost=host-1  user=root"),
    ("ftpd[24487]: connection from 203.101.45.59 (dsl-Chn-static-059.45.101.203.touchtelindia.net)"
     " at Sun Jul 17 23:21:54 2005 ",
     "ftpd[24487]: connection from ip-1 (host-1) at Sun Jul 17 23:21:54 2005 "),
    ("sshd[2713]: Failed password for invalid user admin from 10.20.0.5 port 52022 ssh2",
     "sshd[2713]: Failed password for invalid user user-1 from ip-1 port 52022 ssh2"),
    ("sshd[2713]: Accepted publickey for alice from fe80::216:3eff:fe2a:1b0c port 22 ssh2",
     "sshd[2713]: Accepted publickey for user-1 from ip-1 port 22 ssh2"),
    ("sudo:    alice : TTY=pts/0 ; PWD=/home/alice/src ; USER=root ; COMMAND=/usr/sbin/xm list",
     "sudo:    user-1 : TTY=pts/0 ; PWD=/home/user-1/src ; USER=root ; COMMAND=/usr/sbin/xm list"),
    ("xenbr0: port 3(vif2.0) entered forwarding state; vif2.0 mac=00:16:3e:2a:1b:0c",
     "xenbr0: port 3(vif2.0) entered forwarding state; vif2.0 mac=mac-1"),
    ("[UFW BLOCK] IN=eno1 OUT= MAC=d4:ae:52:c1:9e:20:00:1c:7f:3a:55:01:08:00 SRC=193.191.93.45 "
     "DST=203.0.113.41 LEN=40",
     "[UFW BLOCK] IN=eno1 OUT= MAC=mac-1 SRC=ip-1 DST=ip-2 LEN=40"),
    # not addresses: versions, PCI ids, times, C++ scopes, hex words, kernel symbols
    ("Linux version 2.6.18-128.el5xen (mockbuild@builder10.centos.org) (gcc version 4.1.2)",
     "Linux version 2.6.18-128.el5xen (mockbuild@host-1) (gcc version 4.1.2)"),
    ("Xen version 3.3.1 and Linux version 2.6.18.8 and 2.6.18.8-xen",
     "Xen version 3.3.1 and Linux version 2.6.18.8 and 2.6.18.8-xen"),
    ("PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:05:00.0 at 14:02:11",
     "PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:05:00.0 at 14:02:11"),
    ("std::bad_alloc at beef::cafe in libxl.c xend.log kern.log",
     "std::bad_alloc at beef::cafe in libxl.c xend.log kern.log"),
    ("check pass; user unknown", "check pass; user unknown"),
])
def test_redact_text_real_lines(line, expected):
    assert Redactor().redact_text(line) == expected


def test_linux_2k_masks_consistently_and_keeps_root():
    red = Redactor(hosts=["combo"])
    lines = linux_2k()
    out = [red.redact_text(ln) for ln in lines]
    text = "\n".join(out)
    assert IPV4.findall(text) == []
    assert "combo" not in text and "host-1 sshd" in text  # the syslog host field
    assert "user=root" in text  # system accounts stay
    for name in ("news", "cyrus", "test"):
        assert f"for user {name}" not in text
    # the same address gets the same mask wherever it occurs
    originals = [(ln, o) for ln, o in zip(lines, out) if "rhost=218.188.2.4 " in ln]
    assert len(originals) > 1
    masks = {re.search(r"rhost=(\S+)", o).group(1) for _, o in originals}
    assert masks == {red.mapping["ip"]["218.188.2.4"]}
    users = red.mapping["user"]
    assert {"news", "cyrus", "test"} <= set(users) and "root" not in users
    assert len(set(users.values())) == len(users)  # different values, different masks


def report_with(value: str) -> HostReport:
    """A report whose every kind of string field holds ``value``."""
    ev = Evidence(source=f"sosreport-xen07-20090308.tar.xz!var/log/{value}", line=3, ts=None,
                  message=f"vif1.0: {value} down", note=f"from {value}")
    return HostReport(
        host="xen07.example.net", kernlog_version="0.1.0", patterns_version="2026.11.0",
        sources=[{"path": f"/srv/xen07/var/log/{value}.log", "format": "syslog", "lines": 3,
                  "unparsed": 0}],
        facts={"hostname": "xen07.example.net", "xen_cmdline": f"/xen.gz vnc={value}",
               "ram_mib": 8190, "kernel": "2.6.18-128.el5xen"},
        episodes=[Episode(id="E1", tag="xen.netback.memory_squeeze", start=None, end=None,
                          events=1, estimated_occurrences=1, first=ev, last=ev)],
        findings=[Finding(id="x-rule", title="t", severity="error", confidence=0.5,
                          evidence=[ev], summary=f"squeeze on {value}",
                          explanation=f"seen at {value}")],
        accounting={"skipped": [{"path": f"xen07/{value}", "reason": "binary"}],
                    "warnings": [{"source": "x", "line": 1, "reason": "no_header",
                                  "excerpt": f"junk {value}"}]},
        timeline=[TimelineEntry(start=None, end=None, kind="domu_start", text=f"web03 {value}")],
        unexplained=[{"template": f"<*> {value}", "count": 2}],
        clock_notes=[f"xen07 clock note {value}"],
    )


@pytest.mark.parametrize("value, kind", [("10.20.0.5", "ip"), ("00:16:3e:2a:1b:0c", "mac"),
                                         ("2001:db8::17", "ip")])
def test_same_value_same_mask_in_every_field(value, kind):
    report = report_with(value)
    before = copy.deepcopy(report)
    red = Redactor()
    out = redact_report(report, mapping=red)
    assert report == before  # a copy: the original is untouched
    mask = red.mapping[kind][value.lower()]
    dumped = json.dumps(asdict(out))
    assert value not in dumped and "xen07" not in dumped
    assert dumped.count(mask) == 18  # every field that held the value
    assert out.host == "host-1" and out.facts["hostname"] == "host-1"
    assert out.sources[0]["path"] == f"/srv/host-1/var/log/{mask}.log"
    assert out.findings[0].evidence[0].source == \
        f"sosreport-host-1-20090308.tar.xz!var/log/{mask}"
    # structure and numbers are kept
    assert (out.findings[0].id, out.episodes[0].tag, out.facts["ram_mib"], out.facts["kernel"]) == \
        ("x-rule", "xen.netback.memory_squeeze", 8190, "2.6.18-128.el5xen")


def test_shared_redactor_is_consistent_across_hosts():
    red = Redactor()
    a = redact_report(report_with("10.20.0.5"), mapping=red)
    b = report_with("10.20.0.6")
    b.host = "xen08.example.net"
    b.facts["hostname"] = "xen08.example.net"
    b.findings[0].evidence[0].message = "from 10.20.0.5 and xen07.example.net"
    b = redact_report(b, mapping=red)
    assert a.host == "host-1" and b.host == "host-2"
    assert b.findings[0].evidence[0].message == "from ip-1 and host-1"
    assert red.mapping["ip"] == {"10.20.0.5": "ip-1", "10.20.0.6": "ip-2"}
    fleet = {"hosts": [{"host": "xen07.example.net", "status": "ok", "error": None},
                       {"host": "xen08", "status": "failed",
                        "error": "no log lines could be read from /srv/xen08 (10.20.0.6)"}]}
    assert red.redact_value(fleet) == {"hosts": [
        {"host": "host-1", "status": "ok", "error": None},
        {"host": "host-2", "status": "failed",
         "error": "no log lines could be read from /srv/host-2 (ip-2)"}]}


def test_redacted_real_report_leaks_nothing():
    """A whole sample host: the host name and its short name vanish from JSON and markdown."""
    report = analyze([str(ROOT / "sample_logs" / "xen07-incident")], options=build_options())
    assert report.host == "xen07.example.net"
    out = redact_report(report)
    for rendered in (render_json(out), render_markdown(out)):
        assert "xen07" not in rendered
        assert IPV4.findall(rendered) == [] or all(
            ip.startswith(("2.6.", "3.", "4.")) for ip in IPV4.findall(rendered))
    assert [f.id for f in out.findings] == [f.id for f in report.findings]
    assert len(out.timeline) == len(report.timeline)
    assert out.accounting["lines_read"] == report.accounting["lines_read"]
    assert "xen07" in render_json(report)  # the original is untouched


_IPS = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.one_of(_TEXT, _IPS.map(lambda ip: f" {ip} ")), max_size=8))
def test_redact_text_never_raises_is_idempotent_and_hides_addresses(parts):
    red = Redactor(hosts=["xen07"])
    text = "".join(parts)
    once = red.redact_text(text)
    assert red.redact_text(once) == once
    for ip in red.mapping["ip"]:
        assert ip not in once.split()
    for p in parts:
        if IPV4.fullmatch(p.strip()) and p.strip() in text.split():
            assert p.strip() not in once.split()


def test_redaction_is_linear_on_hostile_strings():
    red = Redactor(hosts=["xen07"])
    for s in ("a." * 100_000, "1." * 100_000, "a:" * 100_000, "user=" * 40_000, "ab-" * 60_000):
        assert len(red.redact_text(s)) >= len(s) // 2


def test_cli_redact_flag(tmp_path):
    result = CliRunner().invoke(app, ["analyze", str(ROOT / "sample_logs" / "xen07-incident"),
                                      "--format", "json", "--redact"])
    assert result.exit_code == 0, result.stderr
    assert "xen07" not in result.stdout
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(ROOT / "sample_logs"), "-o", str(out),
                                      "--jobs", "1", "--redact"])
    assert result.exit_code == 0, result.stderr
    reports = sorted(p.name for p in out.glob("host-*.json"))
    assert len(reports) == 5, sorted(p.name for p in out.iterdir())  # one per sample host
    for p in out.iterdir():
        if p.suffix in (".md", ".json"):
            assert "xen07" not in p.read_text(encoding="utf-8"), p
