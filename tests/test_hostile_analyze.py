"""The whole analyze path on hostile files, and determinism.

Property: ``analyze([path])`` on a file of arbitrary bytes (plain or compressed) raises nothing
but ``InputError`` (nothing readable), and the report's accounting balances: every line read is
parsed or unparsed with a reason, per source and in total, and every line of the file is read.
Determinism: the same input gives byte-identical JSON, apart from ``generated_at``, across runs
and across processes with different hash seeds.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.errors import InputError
from analyzer.options import build_options
from analyzer.pipeline import analyze
from analyzer.report import render_json, render_markdown

ROOT = Path(__file__).resolve().parents[1]

# Real lines of the formats kernlog reads (sample_logs/, tests/data/real-dmesg/).
REAL = [s.encode() for s in (
    "Mar  7 10:16:03 xen07 kernel: xen_net: Memory squeeze in netback driver.",
    "Mar  7 10:16:18 xen07 kernel: printk: 1100 messages suppressed.",
    "Mar  7 10:16:19 xen07 last message repeated 12 times",
    "[2009-03-05 16:03:13 22531] DEBUG (balloon:163) Balloon: setting dom0 target to 2931 MiB.",
    "[2009-03-05 16:03:13 22531] INFO (XendDomainInfo:95) XendDomainInfo.create(['vm', "
    "['name', 'web03'], ['memory', 512]])",
    "(XEN) Command line: /xen.gz-3.3.1 dom0_mem=",
    "(XEN) System RAM: 8190MB (8386560kB)",
    "[    0.000000] Linux version 2.6.18-128.el5xen (mockbuild@builder10.centos.org)",
    "[  212.123456] PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:05:00.0",
    "[  213.000001] Out of memory: Killed process 4242 (httpd).",
    "2023-09-14T08:31:03+00:00 xl-modern01 kernel: xen:balloon: Cannot add additional memory (-17)",
    "-- Boot 4f0e9d2a1b3c4d5e6f708192a3b4c5d6 --",
    "Call Trace:",
    " [<ffffffff8020b1c4>] dump_trace+0x64/0x2a0",
)]

FILE_BYTES = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.one_of(st.sampled_from(REAL), st.binary(max_size=40),
                       st.sampled_from([b"\n", b"\r\n", b"\x00", b"\xff", b"\x1b[0m", b"|",
                                        b"<script>", b"[/drm]", b"\t", b"\x0c"])),
             max_size=60).map(b"".join),
)
COMPRESS = {None: lambda b: b, "gz": lambda b: gzip.compress(b, mtime=0), "bz2": bz2.compress,
            "xz": lzma.compress}
NAMES = ["messages", "kern.log.1", "xend.log", "dmesg", "xm_dmesg", "journal.txt", "x"]


def expected_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def check_accounting(report) -> None:
    acc = report.accounting
    assert acc["lines_read"] == acc["lines_parsed"] + acc["lines_unparsed"]
    assert acc["lines_unparsed"] == sum(acc["unparsed_by_reason"].values())
    assert acc["lines_read"] == sum(s["lines"] for s in report.sources)
    for s in report.sources:
        assert s["unparsed"] == sum(s["unparsed_by_reason"].values())
        assert 0 <= s["unparsed"] <= s["lines"]


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=FILE_BYTES, compression=st.sampled_from(sorted(COMPRESS, key=str)),
       name=st.sampled_from(NAMES))
def test_analyze_arbitrary_file_never_raises_and_balances(data, compression, name):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (name + ("." + compression if compression else ""))
        path.write_bytes(COMPRESS[compression](data))
        try:
            report = analyze([str(path)], options=build_options(max_line_bytes=512))
        except InputError as exc:
            assert str(path) in str(exc)
            return
        check_accounting(report)
        skipped = [s for s in report.accounting["skipped"] if s["path"] == str(path)]
        if not skipped:  # read to the end: every line of the file is accounted for
            assert report.accounting["lines_read"] == expected_lines(data)
        # the renderers take whatever the logs held
        json.loads(render_json(report))
        assert render_markdown(report).endswith("\n")


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=st.lists(FILE_BYTES, min_size=2, max_size=4))
def test_analyze_tree_of_arbitrary_files_balances(files):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "host"
        (root / "var" / "log").mkdir(parents=True)
        for i, data in enumerate(files):
            (root / "var" / "log" / f"messages.{i}" if i else root / "var" / "log" /
             "messages").write_bytes(data)
        try:
            report = analyze([str(root)], options=build_options())
        except InputError:
            return
        check_accounting(report)
        read = {s["path"] for s in report.sources}
        skipped = {s["path"] for s in report.accounting["skipped"]}
        names = {str(p) for p in (root / "var" / "log").iterdir()}
        assert names <= read | skipped  # every file is read or counted as skipped


# ---------------------------------------------------------------------------------------------
# determinism

HOSTS = ["sample_logs/xen07-incident", "sample_logs/sosreport-xen-raid04-20090310.tar.xz"]


def without_timestamp(text: str) -> str:
    data = json.loads(text)
    assert data.pop("generated_at")
    return json.dumps(data, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("host", HOSTS)
def test_same_input_same_json_in_process(host):
    a = render_json(analyze([str(ROOT / host)], options=build_options()))
    b = render_json(analyze([str(ROOT / host)], options=build_options()))
    assert without_timestamp(a) == without_timestamp(b)
    assert a.replace(json.loads(a)["generated_at"], "") == \
        b.replace(json.loads(b)["generated_at"], "")


def test_same_input_same_json_across_processes_and_hash_seeds(tmp_path):
    """Set and dict order must not leak into reports: two processes, two hash seeds."""
    outs = []
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = tmp_path / f"r{seed}.json"
        subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(ROOT / HOSTS[0]),
                        "--format", "json", "-o", str(out)], check=True, env=env, cwd=tmp_path,
                       timeout=120)
        outs.append(out.read_text(encoding="utf-8"))
    assert without_timestamp(outs[0]) == without_timestamp(outs[1])


def test_markdown_is_deterministic_apart_from_the_timestamp():
    a = analyze([str(ROOT / HOSTS[0])], options=build_options())
    b = analyze([str(ROOT / HOSTS[0])], options=build_options())
    a.generated_at = b.generated_at = "2009-03-10T00:00:00+00:00"
    assert render_markdown(a) == render_markdown(b)
