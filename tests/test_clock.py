"""Clock stage (analyzer/clock/): UTC times, their quality, years, zones, boots, anchoring.

Event tables are built here directly from realistic lines with a few tiny test-only readers, so
these tests do not depend on the parsers.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.clock import ClockResult, assign_clock
from analyzer.errors import UsageError
from analyzer.model import PARSE_COLUMNS, TS_BOOT_RELATIVE, TS_EXACT, TS_UNKNOWN, TS_YEAR_INFERRED
from analyzer.options import Options

DATA = Path(__file__).parent / "data"
KERN_LOG = DATA / "real-dmesg" / \
    "15_canonical_hotsos__tests_unit_fake_data_root_openstack_var_log_kern.log"
XENSERVER_DMESG = DATA / "real-dmesg" / "01_FlorianHeigl_xenserver-health__dmesg.log"

# test-only readers (the real parsers live in analyzer/parse/)
_SYSLOG = re.compile(r"^(?P<mon>\w{3}) +(?P<day>\d+) (?P<time>\d\d:\d\d:\d\d) (?P<host>\S+) "
                     r"(?P<prog>[^:\[ ]+)(?:\[\d+\])?: (?:\[ *(?P<up>\d+\.\d+)\] )?(?P<msg>.*)$")
_DMESG = re.compile(r"^\[ *(?P<up>\d+\.\d+)\] ?(?P<msg>.*)$")
_XEND = re.compile(r"^\[(?P<date>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \d+\] \w+ \([^)]*\) (?P<msg>.*)$")


def _frame(rows: list[dict], *, source: str, fmt: str, family: str | None = None,
           rotation: int = 0, seq: int = 0) -> pd.DataFrame:
    base = {"end_line": None, "program": None, "host": None, "wall": pd.NaT, "wall_kind": "none",
            "uptime": np.nan, "boot_id": None, "count": 1, "priority": np.nan}
    df = pd.DataFrame([{**base, **r} for r in rows], columns=list(PARSE_COLUMNS))
    df["end_line"] = df["line"]
    df["wall"] = pd.to_datetime(df["wall"]).astype("datetime64[ns]")
    df["uptime"] = df["uptime"].astype(float)
    df["priority"] = df["priority"].astype(float)
    for c in ("program", "host", "message", "wall_kind", "boot_id"):
        df[c] = df[c].astype(object)
    df["source"] = source
    df["format"] = fmt
    df["family"] = family or source
    df["rotation"] = rotation
    df["seq"] = seq
    return df


def syslog(lines: list[str], *, source: str = "var/log/kern.log", drop_uptime: bool = False,
           **kw) -> pd.DataFrame:
    rows = []
    for i, ln in enumerate(lines, 1):
        m = _SYSLOG.match(ln)
        assert m, ln
        up = float(m["up"]) if m["up"] and not drop_uptime else np.nan
        rows.append({"line": i, "program": m["prog"], "host": m["host"], "message": m["msg"],
                     "wall": pd.Timestamp(f"2000 {m['mon']} {m['day']} {m['time']}"),
                     "wall_kind": "noyear", "uptime": up})
    return _frame(rows, source=source, fmt="syslog", **kw)


def dmesg(lines: list[str], *, source: str = "sos_commands/kernel/dmesg", **kw) -> pd.DataFrame:
    rows = []
    for i, ln in enumerate(lines, 1):
        m = _DMESG.match(ln)
        assert m, ln
        rows.append({"line": i, "program": "kernel", "message": m["msg"], "uptime": float(m["up"])})
    return _frame(rows, source=source, fmt="dmesg", **kw)


def xend(lines: list[str], *, source: str = "var/log/xen/xend.log", **kw) -> pd.DataFrame:
    rows = []
    for i, ln in enumerate(lines, 1):
        m = _XEND.match(ln)
        assert m, ln
        rows.append({"line": i, "program": "xend", "message": m["msg"],
                     "wall": pd.Timestamp(m["date"]), "wall_kind": "local"})
    return _frame(rows, source=source, fmt="xend", **kw)


def xl_dmesg(lines: list[str], *, source: str = "sos_commands/xen/xl_dmesg") -> pd.DataFrame:
    rows = [{"line": i, "program": "xen", "message": ln.removeprefix("(XEN) ")}
            for i, ln in enumerate(lines, 1)]
    return _frame(rows, source=source, fmt="xen_console")


def host(*frames: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


def clock(events: pd.DataFrame, *, collected: str | None = None, host_tz: str | None = None,
          **opts) -> ClockResult:
    return assign_clock(events, collected=collected, host_tz=host_tz, options=Options(**opts))


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def real_kern_log() -> list[str]:
    return KERN_LOG.read_text().splitlines()


SQUEEZE = "xen_net: Memory squeeze in netback driver."

# ---------------------------------------------------------------------------------------------
# output contract


def test_output_keeps_rows_order_index_and_adds_contract_columns():
    ev = syslog([f"Mar  6 14:02:4{i} dom0 kernel: {SQUEEZE}" for i in range(3)])
    ev.index = [10, 5, 7]
    res = clock(ev, collected="Mon Mar  9 17:45:01 UTC 2009")
    out = res.events
    assert list(out.index) == [10, 5, 7]
    assert list(out["line"]) == [1, 2, 3]
    assert str(out["ts"].dtype) == "datetime64[ns, UTC]"
    assert str(out["boot"].dtype) == "Int64"
    assert out["ts"].tolist() == [utc(f"2009-03-06 14:02:4{i}") for i in range(3)]
    assert set(out["ts_quality"]) == {TS_YEAR_INFERRED}
    assert set(out["year_source"]) == {"collected"}
    assert any("read as UTC" in n for n in res.notes)


def test_empty_input():
    ev = syslog(["Mar  6 14:02:44 dom0 kernel: x"]).iloc[:0]
    out = clock(ev).events
    assert len(out) == 0 and {"ts", "ts_quality", "boot", "year_source"} <= set(out.columns)


# ---------------------------------------------------------------------------------------------
# years


def test_new_year_rollover_across_rotated_family_collected_in_january():
    older = syslog([
        f"Dec 30 23:10:01 web01 kernel: [ 100.000001] {SQUEEZE}",
        "Dec 31 08:00:00 web01 kernel: [ 30000.000001] e1000: eth0 NIC Link is Up 1000 Mbps",
    ], source="var/log/kern.log.1", family="var/log/kern.log", rotation=1, seq=0)
    newer = syslog([
        "Dec 31 23:59:58 web01 kernel: [ 87000.000001] printk: 12 messages suppressed.",
        f"Jan  1 00:00:03 web01 kernel: [ 87005.000001] {SQUEEZE}",
        f"Jan  2 10:00:00 web01 kernel: [ 210000.000001] {SQUEEZE}",
    ], source="var/log/kern.log", family="var/log/kern.log", rotation=0, seq=1)
    # read order: newest file first; the clock must still walk the family oldest -> newest
    res = clock(host(newer, older), collected="Fri Jan  3 08:00:01 UTC 2020")
    ts = res.events.set_index(["source", "line"])["ts"]
    assert ts["var/log/kern.log", 1] == utc("2019-12-31 23:59:58")
    assert ts["var/log/kern.log", 2] == utc("2020-01-01 00:00:03")
    assert ts["var/log/kern.log", 3] == utc("2020-01-02 10:00:00")
    assert ts["var/log/kern.log.1", 1] == utc("2019-12-30 23:10:01")
    assert set(res.events["ts_quality"]) == {TS_YEAR_INFERRED}
    assert any("New Year" in n and "2019" in n for n in res.notes)
    assert res.events["boot"].nunique() == 1


def test_lines_in_the_future_of_the_collection_belong_to_the_previous_year():
    ev = syslog([f"Dec 14 03:12:0{i} dom0 kernel: {SQUEEZE}" for i in range(2)])
    res = clock(ev, collected="Mon Mar  9 17:45:01 CET 2009")
    assert res.events["ts"].dt.year.tolist() == [2008, 2008]


def test_collected_with_zone_abbreviation_is_read_in_its_zone():
    # 23:30 CET on Dec 31 is 22:30 UTC: the newest line (23:00 local) is not in the future
    ev = syslog([f"Dec 31 23:00:00 dom0 kernel: {SQUEEZE}"])
    res = clock(ev, collected="Wed Dec 31 23:30:00 CET 2008", host_tz="Europe/Berlin")
    assert res.events["ts"].iloc[0] == utc("2008-12-31 22:00:00")


def test_year_anchor_from_dated_xend_log():
    sys = syslog([
        f"Mar  4 09:15:33 dom0 kernel: [ 3500.100000] {SQUEEZE}",
        f"Mar  9 11:40:02 dom0 kernel: [ 455000.100000] {SQUEEZE}",
    ], source="var/log/messages", seq=0)
    # xend.log ends before the syslog does: the year must still be the overlapping one
    xl = xend([
        "[2009-03-01 10:02:11 5499] DEBUG (XendDomainInfo:105) XendDomainInfo.create(['vm'])",
        "[2009-03-05 13:46:11 5499] DEBUG (balloon:151) Balloon: setting dom0 target to 7680 MiB.",
    ], seq=1)
    res = clock(host(sys, xl))
    out = res.events
    sys_rows = out[out["source"] == "var/log/messages"]
    assert sys_rows["ts"].tolist() == [utc("2009-03-04 09:15:33"), utc("2009-03-09 11:40:02")]
    assert sys_rows["year_source"].tolist() == ["source:var/log/xen/xend.log"] * 2
    xend_rows = out[out["source"] == "var/log/xen/xend.log"]
    assert set(xend_rows["ts_quality"]) == {TS_EXACT}
    assert xend_rows["year_source"].isna().all()
    assert any("xend.log (2009)" in n for n in res.notes)


def test_year_option_overrides_collection_and_still_walks_new_year():
    ev = syslog([f"Dec 31 23:59:0{i} dom0 kernel: {SQUEEZE}" for i in range(2)]
                + [f"Jan  1 00:00:0{i} dom0 kernel: {SQUEEZE}" for i in range(2)])
    res = clock(ev, collected="Mon Mar  9 17:45:01 UTC 2009", year=2011)
    assert res.events["ts"].dt.year.tolist() == [2010, 2010, 2011, 2011]
    assert set(res.events["year_source"]) == {"option"}


def test_no_anchor_at_all_leaves_the_time_unknown_and_says_so():
    """Never invented: a lone year-less log is not dated with some guessed year."""
    ev = syslog([f"Jan  1 00:00:01 dom0 kernel: {SQUEEZE}"])
    res = clock(ev)
    assert res.events["ts_quality"].iloc[0] == TS_UNKNOWN
    assert pd.isna(res.events["ts"].iloc[0])
    assert any("unknown" in n and "--year" in n for n in res.notes)
    dated = clock(ev, year=2009)
    assert dated.events["ts"].iloc[0] == pd.Timestamp("2009-01-01 00:00:01", tz="UTC")

def test_feb_29_in_a_common_year_is_unknown_not_march_1():
    ev = syslog([f"Feb 29 10:00:00 dom0 kernel: {SQUEEZE}"])
    out = clock(ev, year=2009).events
    assert pd.isna(out["ts"].iloc[0]) and out["ts_quality"].iloc[0] == TS_UNKNOWN
    assert clock(ev, year=2008).events["ts"].iloc[0] == utc("2008-02-29 10:00:00")


# ---------------------------------------------------------------------------------------------
# zones


@pytest.mark.parametrize(("line", "expected"), [
    (f"Jan 15 12:00:00 dom0 kernel: {SQUEEZE}", "2009-01-15 11:00:00"),  # CET, +1
    (f"Jul 15 12:00:00 dom0 kernel: {SQUEEZE}", "2009-07-15 10:00:00"),  # CEST, +2
])
def test_tz_option_shifts_naive_times_by_the_zone_offset_of_their_date(line, expected):
    res = clock(syslog([line]), year=2009, tz="Europe/Berlin", host_tz="America/New_York")
    assert res.events["ts"].iloc[0] == utc(expected)
    assert any("Europe/Berlin (--tz)" in n for n in res.notes)


def test_host_zone_applies_to_local_dated_lines_and_utc_lines_stay():
    xl = xend(["[2009-07-01 12:00:00 5499] INFO (XendDomain:1224) Domain vm1 (3) unpaused."])
    res = clock(xl, host_tz="Europe/Berlin")
    assert res.events["ts"].iloc[0] == utc("2009-07-01 10:00:00")
    assert any("host zone" in n for n in res.notes)
    rfc = _frame([{"line": 1, "message": SQUEEZE, "wall": pd.Timestamp("2009-07-01 12:00:00"),
                   "wall_kind": "utc", "program": "kernel"}], source="messages", fmt="rfc5424")
    assert clock(rfc, host_tz="Europe/Berlin").events["ts"].iloc[0] == utc("2009-07-01 12:00:00")


def test_bad_tz_option_is_a_usage_error_bad_host_zone_falls_back():
    ev = syslog([f"Jan 15 12:00:00 dom0 kernel: {SQUEEZE}"])
    with pytest.raises(UsageError, match="Mars/Olympus"):
        clock(ev, tz="Mars/Olympus")
    res = clock(ev, year=2009, host_tz="Not/AZone")
    assert res.events["ts"].iloc[0] == utc("2009-01-15 12:00:00")
    assert any("Not/AZone" in n for n in res.notes)


def test_dst_ambiguous_and_skipped_local_times_do_not_crash():
    # Europe/Berlin 2009-10-25: 02:00-03:00 happens twice; 2009-03-29: 02:00-03:00 is skipped
    ev = syslog([
        "Mar 29 01:59:59 dom0 kernel: a", "Mar 29 02:30:00 dom0 kernel: skipped hour",
        "Oct 25 02:10:00 dom0 kernel: b", "Oct 25 02:50:00 dom0 kernel: c",
        "Oct 25 02:10:00 dom0 kernel: d", "Oct 25 02:50:00 dom0 kernel: e",
        "Oct 25 03:10:00 dom0 kernel: f",
    ])
    res = clock(ev, year=2009, tz="Europe/Berlin")
    ts = res.events["ts"]
    assert ts.notna().all()
    assert ts.iloc[1] == utc("2009-03-29 01:00:00")  # moved forward to 03:00 CEST
    # the repeated hour is inferred from line order: strictly increasing UTC times
    assert ts.iloc[2:].is_monotonic_increasing and ts.iloc[2:].is_unique
    assert ts.iloc[2] == utc("2009-10-25 00:10:00") and ts.iloc[4] == utc("2009-10-25 01:10:00")
    assert any("DST" in n for n in res.notes)


def test_dst_ambiguous_lone_line_uses_summer_time():
    res = clock(syslog(["Oct 25 02:30:00 dom0 kernel: x"]), year=2009, tz="Europe/Berlin")
    assert res.events["ts"].iloc[0] == utc("2009-10-25 00:30:00")


# ---------------------------------------------------------------------------------------------
# boots


def test_real_kern_log_with_two_boots():
    ev = syslog(real_kern_log())
    out = clock(ev, year=2022).events
    banner = out.index[out["message"].str.startswith("Linux version")].tolist()
    assert banner == [0, 1076]
    assert set(out["boot"].iloc[:1076]) == {0}
    assert set(out["boot"].iloc[1076:]) == {1}
    assert out["ts"].iloc[0] == utc("2022-02-04 09:34:10")


def test_kern_log_without_uptimes_splits_on_banners_only():
    # RHEL 5 style: no [uptime]; the two banners alone split the boots
    out = clock(syslog(real_kern_log(), drop_uptime=True), year=2022).events
    assert set(out["boot"].iloc[:1076]) == {0}
    assert set(out["boot"].iloc[1076:]) == {1}


def test_uptime_reset_splits_even_without_a_banner():
    lines = [ln for ln in real_kern_log() if "Linux version" not in ln]
    out = clock(syslog(lines), year=2022).events
    assert out["boot"].tolist() == [0] * 1075 + [1] * (len(lines) - 1075)


def test_early_lines_before_the_banner_stay_in_the_same_boot():
    # real XenServer dmesg: "Reserving virtual address space" is printed before the banner
    lines = XENSERVER_DMESG.read_text().splitlines()
    res = clock(dmesg(lines))
    assert set(res.events["boot"]) == {0}
    assert set(res.events["ts_quality"]) == {TS_UNKNOWN}
    assert res.events["ts"].isna().all()
    assert any("running boot" in n for n in res.notes)


def test_dmesg_with_two_banners_and_reset_gives_two_boots_last_is_last():
    lines = XENSERVER_DMESG.read_text().splitlines()
    out = clock(dmesg(lines[:50] + lines)).events
    assert out["boot"].tolist() == [0] * 50 + [1] * len(lines)


def test_journal_boot_ids_split_boots():
    rows = [{"line": i + 1, "program": "kernel", "message": m, "wall_kind": "noyear",
             "wall": pd.Timestamp(f"2000-09-07 11:0{i}:00"), "boot_id": b}
            for i, (m, b) in enumerate([(SQUEEZE, "3f2a"), (SQUEEZE, "3f2a"),
                                        ("Command line: ro quiet", "9c01"), (SQUEEZE, "9c01")])]
    ev = _frame(rows, source="journalctl", fmt="syslog")
    assert clock(ev, year=2023).events["boot"].tolist() == [0, 0, 1, 1]


def test_xend_rows_take_the_boot_that_started_before_them():
    sys = syslog(real_kern_log(), seq=0)
    xl = xend(["[2022-02-04 10:00:00 5499] INFO (XendDomain:1224) Domain vm1 (3) unpaused.",
               "[2022-02-10 08:00:00 5499] INFO (XendDomain:1224) Domain vm2 (4) unpaused."],
              seq=1)
    out = clock(host(sys, xl), year=2022).events
    assert out.loc[out["source"] == "var/log/xen/xend.log", "boot"].tolist() == [0, 1]


# ---------------------------------------------------------------------------------------------
# anchoring and unknown times


def _second_boot_as_dmesg() -> tuple[list[str], list[pd.Timestamp]]:
    """The real kern.log's second boot written as a dmesg, with each line's true wall time."""
    lines, truth = [], []
    for ln in real_kern_log()[1076:]:
        m = _SYSLOG.match(ln)
        lines.append(f"[{float(m['up']):12.6f}] {m['msg']}")
        # syslog truncates to whole seconds: the printk happened within that second
        truth.append(utc(f"2022 {m['mon']} {m['day']} {m['time']}.5"))
    return lines, truth


def test_dmesg_uptimes_anchor_to_syslog_uptime_lines():
    lines, truth = _second_boot_as_dmesg()
    ev = host(syslog(real_kern_log(), seq=0), dmesg(lines, seq=1))
    res = clock(ev, collected="Thu Feb 10 17:00:00 UTC 2022")
    d = res.events[res.events["source"] == "sos_commands/kernel/dmesg"]
    assert set(d["ts_quality"]) == {TS_BOOT_RELATIVE}
    err = (d["ts"].reset_index(drop=True) - pd.Series(truth)).abs()
    # syslog stamps the early boot lines when klogd reads them (~10 s late) and stamps whole
    # seconds: the truth is the syslog time of lines printed after boot settled
    settled = d["uptime"].reset_index(drop=True) > 60
    assert settled.sum() > 900
    assert err[settled].max() <= pd.Timedelta(seconds=1)
    assert set(d["boot"]) == {1}
    assert res.anchors[1]["matches"] > 1000 and res.anchors[1]["method"] == "uptime+text"
    assert any("anchored to var/log/kern.log" in n for n in res.notes)


def test_dmesg_anchors_by_text_to_a_syslog_without_uptimes():
    lines, truth = _second_boot_as_dmesg()
    ev = host(syslog(real_kern_log(), drop_uptime=True, seq=0), dmesg(lines, seq=1))
    res = clock(ev, year=2022)
    d = res.events[res.events["source"] == "sos_commands/kernel/dmesg"]
    assert set(d["ts_quality"]) == {TS_BOOT_RELATIVE}
    err = (d["ts"].reset_index(drop=True) - pd.Series(truth)).abs()
    settled = d["uptime"].reset_index(drop=True) > 60
    assert err[settled].max() <= pd.Timedelta(seconds=1)
    assert set(d["boot"]) == {1}
    assert res.anchors[1]["method"] == "text"


def test_dmesg_sharing_nothing_is_unknown_and_assumed_last_boot():
    lines = XENSERVER_DMESG.read_text().splitlines()
    ev = host(syslog(real_kern_log(), seq=0), dmesg(lines, seq=1))
    out = clock(ev, year=2022).events
    d = out[out["source"] == "sos_commands/kernel/dmesg"]
    assert set(d["ts_quality"]) == {TS_UNKNOWN} and d["ts"].isna().all()
    assert set(d["boot"]) == {1}


def test_xl_dmesg_without_timestamps_stays_unknown_in_the_last_boot():
    xen = xl_dmesg([
        "(XEN) Xen version 3.1.2-128.1.10.el5 (mockbuild@redhat.com) (gcc version 4.1.2) "
        "Thu Jan  8 13:35:51 EST 2009",
        "(XEN) Command line: /xen.gz-2.6.18-128.el5",
        "(XEN) System RAM: 32767MB (33553464kB)",
        "(XEN)  Dom0 alloc.:   0000000810000000->0000000814000000 (8257536 pages to be allocated)",
    ])
    ev = host(syslog(real_kern_log(), seq=0), xen)
    out = clock(ev, year=2022).events
    x = out[out["format"] == "xen_console"]
    assert x["ts"].isna().all() and set(x["ts_quality"]) == {TS_UNKNOWN}
    assert set(x["boot"]) == {1}


def test_undated_log_without_boot_markers_has_unknown_boot():
    libxl = _frame([{"line": 1, "program": None, "message": "Waiting for domain vm1 (domid 3) "
                     "to die [pid 5123]"}], source="var/log/xen/xl-vm1.log", fmt="libxl")
    ev = host(syslog(real_kern_log(), seq=0), libxl)
    out = clock(ev, year=2022).events
    row = out[out["source"] == "var/log/xen/xl-vm1.log"].iloc[0]
    assert pd.isna(row["boot"]) and pd.isna(row["ts"]) and row["ts_quality"] == TS_UNKNOWN
