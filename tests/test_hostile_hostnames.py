"""Host names from directories, archives and logs become file names only once made safe:
no separators, no ``..``, no control characters; collisions get a suffix; every report of a
batch is written inside the output directory."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.batch import find_hosts, run_batch, safe_stem
from analyzer.options import build_options

SQUEEZE = "Mar  7 10:16:03 xen07 kernel: xen_net: Memory squeeze in netback driver.\n"


def assert_safe(stem: str) -> None:
    assert stem and stem not in (".", "..")
    assert "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert not any(unicodedata.category(c).startswith("C") for c in stem), repr(stem)
    assert not stem.startswith((".", "-"))  # "-rf.md" would be an option to `rm *`
    assert len(stem.encode()) <= 200  # room for ".json" and a "-2" suffix within NAME_MAX


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=400))
def test_safe_stem_property(name):
    assert_safe(safe_stem(name))


@pytest.mark.parametrize("name, expected", [
    ("xen07.example.net", "xen07.example.net"),
    ("..", "host"),
    (".", "host"),
    ("../../etc/cron.d/evil", "etc_cron.d_evil"),
    ("/etc/passwd", "etc_passwd"),
    ("a\x00b", "a_b"),
    ("xen07\n\x1b[31mFAKE", "xen07_31mFAKE"),
    ("C:\\Windows\\system32", "C_Windows_system32"),
    ("\u202eexe.txt", "exe.txt"),
    ("", "host"),
])
def test_safe_stem_examples(name, expected):
    assert safe_stem(name) == expected


def test_safe_stem_never_starts_with_a_dash():
    assert not safe_stem("--help").startswith("-")


HOSTILE_DIRS = [
    "xen07", "XEN07", "xen07 ", "xen07\t", "xen07\n", "xen07?", "fleet", "FLEET", "events",
    "..x", "x..", "\x1b[2J", "\u202egnp.exe", "a" * 250, "a" * 250 + "b", "host", "host-2",
    "con", "nul", "\u00e9t\u00e9", "e\u0301te\u0301",
]


def test_find_hosts_gives_unique_safe_stems(tmp_path):
    root = tmp_path / "roots"
    root.mkdir()
    for name in HOSTILE_DIRS:
        (root / name).mkdir()
    (root / "sosreport-x.tar.xz").write_bytes(b"")
    (root / "sosreport-x").mkdir()
    (root / ".hidden").mkdir()
    jobs = find_hosts([str(root)])
    assert len(jobs) == len(HOSTILE_DIRS) + 2 - 1  # "..x" is hidden (a dot file)
    stems = [j.file_stem for j in jobs]
    for s in stems:
        assert_safe(s)
    lowered = [s.lower() for s in stems]
    assert len(set(lowered)) == len(lowered)  # unique on case-insensitive file systems too
    assert "fleet" not in lowered and "events" not in lowered  # the fleet files' own names
    assert {j.name for j in jobs} >= {"xen07", "XEN07", "sosreport-x"}


def test_batch_writes_only_inside_the_output_directory(tmp_path):
    root = tmp_path / "roots"
    root.mkdir()
    for name in ["..x", "xen07\t", "\x1b[2J", "fleet", "-rf", "xen07", "a\rb"]:
        d = root / name / "var" / "log"
        d.mkdir(parents=True)
        (d / "messages").write_text(SQUEEZE)
    out = tmp_path / "out"
    before = set(os.listdir(tmp_path))
    result = run_batch([str(root)], output=out, options=build_options(), jobs=1)
    assert set(os.listdir(tmp_path)) == before | {"out"}
    assert all(h["status"] == "ok" for h in result.hosts), result.hosts
    written = sorted(os.listdir(out))
    for name in written:
        assert (out / name).resolve().parent == out.resolve()
        assert_safe(name.rsplit(".", 1)[0])
    # 6 hosts x (md + json) + fleet.json, fleet.md, events.parquet (charts only with data)
    assert len([n for n in written if n.endswith(".json")]) == 6 + 1  # "..x" is hidden
    assert len([n for n in written if n.endswith(".md")]) == 6 + 1


def test_batch_host_directory_with_a_newline(tmp_path):
    root = tmp_path / "roots"
    (root / "xen07\n" / "var" / "log").mkdir(parents=True)
    (root / "xen07\n" / "var" / "log" / "messages").write_text(SQUEEZE)
    result = run_batch([str(root)], output=tmp_path / "out", options=build_options(), jobs=1)
    assert result.hosts[0]["status"] == "ok", result.hosts[0]["error"]


def test_host_name_from_logs_is_not_a_file_name(tmp_path):
    """--host-from logs: the name in the logs labels the report, the file keeps its safe stem."""
    root = tmp_path / "roots"
    (root / "h1" / "var" / "log").mkdir(parents=True)
    (root / "h1" / "var" / "log" / "messages").write_text(
        SQUEEZE.replace("xen07", "../../../tmp/pwn") * 3)
    out = tmp_path / "out"
    result = run_batch([str(root)], output=out, options=build_options(), jobs=1,
                       host_from="logs")
    assert result.hosts[0]["status"] == "ok"
    assert result.hosts[0]["host"] == "../../../tmp/pwn"
    assert result.hosts[0]["report"] == "h1.md"
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("h1")) == ["h1.json",
                                                                                 "h1.md"]
    assert not Path("/tmp/pwn.md").exists()
