"""The streaming read (``read_host(keep_untagged=False)``, ``analyzer.compact``) gives the same
clock, tags and report as reading every line as a row.

Each case reads the same inputs both ways and compares, row by row, time, quality, boot, year
source, tag, message and count (kept rows against the full table, dropped rows' numbers against
the full table's rows at the same source and line), then the whole JSON report. Chunks are made
small so chunk boundaries fall inside blocks, bursts, reboots and DST folds.
"""

from __future__ import annotations

import gzip
import json
import random

import numpy as np
import pandas as pd
import pytest

from analyzer import pipeline
from analyzer.model import TS_QUALITIES
from analyzer.options import build_options


@pytest.fixture
def small_chunks(monkeypatch):
    from analyzer import compact

    monkeypatch.setattr(pipeline, "STREAM_CHUNK_LINES", 97)
    # the passes over the dropped rows work in blocks: make the blocks small too
    for pass_ in (compact.apply_clock, compact.anchor_promotions):
        monkeypatch.setitem(pass_.__kwdefaults__, "block", 13)


def _both(paths, **opts):
    options = build_options(**opts)
    full = pipeline.read_host(paths, options=options, keep_untagged=True)
    streamed = pipeline.read_host(paths, options=options, keep_untagged=False)
    return options, full, streamed


def _assert_same_rows(full, streamed) -> int:
    """Every row of the full table is a kept row or a dropped row with the same clock."""
    assert full.host == streamed.host
    assert full.clock_notes == streamed.clock_notes
    assert full.anchors == streamed.anchors
    F = full.events.set_index(["source", "line"])
    S = streamed.events
    assert F.index.is_unique
    rest = streamed.rest
    assert len(S) + len(rest) == len(F)
    at = F.loc[pd.MultiIndex.from_arrays([S["source"], S["line"].astype(np.int64)])]
    for col in ("ts", "ts_quality", "boot", "year_source", "tag", "message", "end_line",
                "count", "program", "uptime"):
        a = at[col].astype(object).to_numpy()
        b = S[col].astype(object).to_numpy()
        if col == "message":  # rows promoted back for uptime anchoring come without text
            a, b = a[pd.notna(b)], b[pd.notna(b)]
        same = [bool(pd.isna(x) and pd.isna(y)) or (not pd.isna(x) and not pd.isna(y) and x == y)
                if not isinstance(x, dict) else x == y for x, y in zip(a, b)]
        assert all(same), (col, a[~np.array(same)][:3], b[~np.array(same)][:3])
    if len(rest):
        paths = {seq: path for seq, (path, _) in streamed.source_table.items()}
        sub = F.loc[pd.MultiIndex.from_arrays([[paths[s] for s in rest["seq"]],
                                               rest["line"]])]
        ts = pd.to_datetime(sub["ts"], utc=True).dt.tz_localize(None).to_numpy(
            "datetime64[ns]").view(np.int64)
        assert (ts == rest["ts"]).all()
        assert list(sub["ts_quality"]) == [TS_QUALITIES[q] for q in rest["quality"]]
        boot = pd.to_numeric(sub["boot"]).to_numpy(dtype=float)
        assert np.array_equal(boot, rest["boot"], equal_nan=True)
        assert sub["tag"].isna().all()
        assert (sub["count"].to_numpy() == rest["count"]).all()
    return len(rest)


def _assert_same_report(options, full, streamed) -> None:
    a = pipeline.report_for(full, options=options).to_dict()
    b = pipeline.report_for(streamed, options=options).to_dict()
    a.pop("generated_at")
    b.pop("generated_at")
    assert json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True,
                                                                    default=str)


@pytest.mark.parametrize("path,share", [
    ("sample_logs/xen07-incident", 0.3),
    ("sample_logs/sosreport-xen-raid04-20090310.tar.xz", 0.5),
    ("sample_logs/xl-modern01", 0.1), ("sample_logs/web-healthy01", 0.25),
    # year-less and nothing to date it: every line comes back (examples keep their text)
    ("tests/data/real-dmesg/15_canonical_hotsos__tests_unit_fake_data_root_openstack_var_log_"
     "kern.log", -1)])
def test_sample_hosts_same_as_full_read(path, share, small_chunks):
    options, full, streamed = _both([path])
    dropped = _assert_same_rows(full, streamed)
    assert dropped > share * len(full.events)  # the point: untagged lines become numbers
    _assert_same_report(options, full, streamed)


def _syslog(stamp: pd.Timestamp, msg: str, uptime: float | None = None) -> str:
    up = f"[{uptime:12.6f}] " if uptime is not None else ""
    return f"{stamp:%b} {stamp.day:2d} {stamp:%H:%M:%S} dom0 kernel: {up}{msg}"


CHATTER = ["eth0: no IPv6 routers present", "device vif{n}.0 entered promiscuous mode",
           "xenbr0: port {n}(vif{n}.0) entering forwarding state",
           "EXT3-fs: mounted filesystem with ordered data mode.",
           "martian source 10.0.{n}.1 from 10.0.0.{n}, on dev eth0",
           "audit(1236348000.{n}:31): avc:  denied  {{ read }} for  pid={n} comm=\"hald\""]


def _tricky_log(rng: random.Random, *, uptimes: bool) -> list[str]:
    """Two boots across New Year and a DST fold (Europe/Berlin, 2009-10-25 02:00-03:00 twice),
    bursts, an OOM block, an uptime reset, a few lines a second apart and hours of silence."""
    lines: list[str] = []
    t = pd.Timestamp("2009-10-24 22:00:00")
    up = 500.0
    boot_at = [300, 1400]
    for i in range(2000):
        if i in boot_at:
            up = 0.0
            lines.append(_syslog(t, "Linux version 2.6.18-128.el5xen (mockbuild@builder10."
                                    "centos.org) (gcc version 4.1.2) #1 SMP Wed Jan 21 2009",
                                 up if uptimes else None))
        if i == 700:  # Berlin's DST fold: 02:30-02:59 summer time, then 02:01 again (winter)
            t = pd.Timestamp("2009-10-25 02:30:00")
            lines.append(_syslog(t, "clock: fold ahead", up if uptimes else None))
        if i == 730:
            t = pd.Timestamp("2009-10-25 02:01:00")
        if i == 1000:
            t = pd.Timestamp("2009-12-31 23:50:00")
        if i == 1500:
            lines.append(_syslog(t, "Out of memory: Killed process 3121 (qemu-dm).",
                                 up if uptimes else None))
            for j in range(8):
                lines.append(_syslog(t, f" [<ffffffff8020b3a1>] out_of_memory+0x{j}/0x20",
                                     up if uptimes else None))
        if i % 50 == 10:
            for _ in range(12):
                lines.append(_syslog(t, "xen_net: Memory squeeze in netback driver.",
                                     up if uptimes else None))
        msg = rng.choice(CHATTER).format(n=rng.randint(1, 9))
        lines.append(_syslog(t, msg, up if uptimes else None))
        step = rng.choice([0, 1, 2] if 700 <= i < 760 else [0, 1, 1, 2, 30, 61, 600, 3700])
        t += pd.Timedelta(seconds=step)
        up += step + rng.random() * (-6 if i % 97 == 0 else 0.01)
    return lines


@pytest.mark.parametrize("uptimes", [False, True])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_tricky_syslog_same_as_full_read(tmp_path, small_chunks, uptimes, zone):
    rng = random.Random(7)
    log = tmp_path / "kern.log"
    old = tmp_path / "kern.log.1.gz"
    lines = _tricky_log(rng, uptimes=uptimes)
    with gzip.open(old, "wt") as f:  # a rotation of the same family, read first
        f.write("\n".join(lines[:900]) + "\n")
    log.write_text("\n".join(lines[900:]) + "\n")
    options, full, streamed = _both([str(tmp_path)], year=2010, tz=zone)
    assert _assert_same_rows(full, streamed) > 0
    _assert_same_report(options, full, streamed)


def test_undated_dmesg_anchors_through_dropped_lines(tmp_path, small_chunks):
    """A dmesg without wall times shares lines with a dated syslog: the dated copies were
    dropped to numbers and must come back so uptime anchoring finds them."""
    rng = random.Random(3)
    lines = _tricky_log(rng, uptimes=True)[1400:]
    (tmp_path / "messages").write_text("\n".join(lines) + "\n")
    dmesg = [line.split("kernel: ", 1)[1] for line in lines[1:]]
    (tmp_path / "dmesg").write_text("\n".join(dmesg) + "\n")
    options, full, streamed = _both([str(tmp_path)], year=2010)
    assert any(a.get("method") for a in full.anchors.values())
    _assert_same_rows(full, streamed)
    _assert_same_report(options, full, streamed)


def test_yearless_log_without_a_year(tmp_path, small_chunks):
    """Nothing dates the lines: their times stay unknown and nothing dated could anchor them,
    so they stay numbers only; the report is the full read's."""
    rng = random.Random(5)
    (tmp_path / "kern.log").write_text("\n".join(_tricky_log(rng, uptimes=True)) + "\n")
    options, full, streamed = _both([str(tmp_path / "kern.log")])
    assert _assert_same_rows(full, streamed) > len(full.events) // 4
    _assert_same_report(options, full, streamed)


def test_yearless_log_dated_by_a_log_of_another_family(tmp_path, small_chunks):
    """A year-less syslog takes its year from a dated log of another family (months apart);
    boots are merged across both through wall+uptime pairs."""
    rng = random.Random(11)
    lines = _tricky_log(rng, uptimes=True)[1400:]
    (tmp_path / "kern.log").write_text("\n".join(lines) + "\n")
    dated = [f"2009-06-15T12:00:00.000000+00:00 dom0 kernel: {line.split('kernel: ', 1)[1]}"
             for line in lines]
    (tmp_path / "boot.log").write_text("\n".join(dated[:50]) + "\n")
    options, full, streamed = _both([str(tmp_path)])
    _assert_same_rows(full, streamed)
    _assert_same_report(options, full, streamed)


# ---------------------------------------------------------------------------------------------
# The Splitter's rules one by one, on hand-made chunks (the cases above exercise them together)


def _region(walls, *, messages=None, program="kernel", boot_ids=None, kind="noyear"):
    from analyzer.compact import message_hashes

    n = len(walls)
    messages = messages or [f"eth0: link up {i}" for i in range(n)]
    frame = pd.DataFrame({
        "line": np.arange(1, n + 1), "end_line": np.arange(1, n + 1),
        "program": pd.Series([program] * n, dtype=object),
        "host": pd.Series(["dom0"] * n, dtype=object),
        "message": pd.Series(messages, dtype=object),
        "wall": pd.to_datetime(walls), "wall_kind": pd.Series([kind] * n, dtype=object),
        "uptime": np.full(n, np.nan),
        "boot_id": pd.Series(boot_ids or [None] * n, dtype=object),
        "count": np.ones(n, dtype=np.int64), "priority": np.full(n, np.nan),
        "shape": np.zeros(n, dtype=np.int32),
        "tag": pd.Series([None] * n, dtype=object), "_absorbed": False,
    })
    frame["mhash"] = message_hashes(frame["message"].to_numpy(dtype=object))
    return frame


def _kept_lines(region, **kw):
    from analyzer.compact import Splitter

    splitter = Splitter("UTC")
    kept = splitter.split(region, seq=0, source="kern.log", fmt="syslog",
                          near_banner=np.zeros(len(region), dtype=bool),
                          first_rows=100, last=False, total=10_000, **kw)
    return kept["line"].tolist()


def test_splitter_keeps_the_line_before_a_step_back_in_time():
    walls = [f"2000-03-06 10:00:{s:02d}" for s in (0, 5, 10, 20, 30, 2, 40, 50)]
    kept = _kept_lines(_region(walls))
    assert 5 in kept and 6 in kept  # 10:00:30 (the last before the step) and 10:00:02
    assert 2 not in kept and 3 not in kept  # plain lines of the same hour become numbers


def test_splitter_keeps_boot_id_changes_and_xend_create_lines():
    walls = [f"2000-03-06 10:00:{s:02d}" for s in range(8)]
    kept = _kept_lines(_region(walls, boot_ids=["a"] * 4 + ["b"] * 4, kind="utc"))
    assert 5 in kept and 3 not in kept and 7 not in kept
    messages = [f"XendDomainInfo.create(['vm', ['name', 'db0{i}']])" if i == 4 else
                f"blkif_vbd {i}" for i in range(8)]
    kept = _kept_lines(_region(walls, messages=messages, program="xend", kind="local"))
    assert 5 in kept and 3 not in kept


def test_splitter_keeps_the_first_line_of_each_program():
    walls = [f"2000-03-06 10:00:{s:02d}" for s in range(8)]
    region = _region(walls)
    region["program"] = pd.Series(["kernel"] * 3 + ["sshd"] * 2 + [None] * 3, dtype=object)
    kept = _kept_lines(region)
    assert 4 in kept and 5 not in kept  # sshd's first line, not its second
    assert 6 in kept and 7 not in kept  # the first line without a program
    assert 2 not in kept and 3 not in kept


def test_journal_boot_markers_numbered_across_chunks(tmp_path, monkeypatch):
    """Parsers number "-- Boot --" markers per chunk; the read numbers them per source, and
    the rows at the top of a chunk belong to the last marker of the chunk before."""
    lines = []
    for boot in range(3):
        lines.append(f"-- Boot {boot:032x} --")
        lines += [f"Sep 07 1{boot}:00:{s:02d} dom0 kernel: line {s} of boot {boot}"
                  for s in range(10)]
    path = tmp_path / "journal.txt"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(pipeline, "STREAM_CHUNK_LINES", 4)
    for keep_untagged in (True, False):
        ev = pipeline.read_host([str(path)], options=build_options(year=2021),
                                keep_untagged=keep_untagged).events
        assert len(ev) == 30 if keep_untagged else len(ev) > 0
        for boot_id, message in zip(ev["boot_id"], ev["message"], strict=True):
            assert boot_id == f"marker:{int(message[-1]) + 1}", (boot_id, message)
