"""Shared parser helpers: events table dtypes, tally, continuations, repeats, ANSI, dates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.model import PARSE_COLUMNS, REASON_EMPTY, REASON_NO_HEADER
from analyzer.parse import _common as C
from analyzer.parse import dmesg, dmesg_human, libxl, plain, serial, xen_console, xend

DATA = Path(__file__).parent / "data"

CONTRACT_DTYPES = {
    "line": "int64", "end_line": "int64", "program": "object", "host": "object",
    "message": "object", "wall": "datetime64[ns]", "wall_kind": "object", "uptime": "float64",
    "boot_id": "object", "count": "int64", "priority": "float64",
}


def dtypes(df: pd.DataFrame) -> dict:
    return {c: str(t) for c, t in df.dtypes.items()}


def test_empty_events_has_contract_columns_and_dtypes():
    ev = C.empty_events()
    assert tuple(ev.columns) == PARSE_COLUMNS
    assert dtypes(ev) == CONTRACT_DTYPES
    assert len(ev) == 0


def test_make_events_broadcasts_scalars_and_keeps_none():
    ev = C.make_events(line=[3, 4], message=["xen_net: Memory squeeze in netback driver.", ""],
                       program=np.array(["kernel", None], dtype=object), host="dom0",
                       uptime=[1.5, np.nan], priority=[4, np.nan])
    assert dtypes(ev) == CONTRACT_DTYPES
    assert ev["end_line"].tolist() == [3, 4]
    assert ev["program"].tolist() == ["kernel", None]
    assert ev["host"].tolist() == ["dom0", "dom0"]
    assert ev["count"].tolist() == [1, 1]
    assert ev["wall"].isna().all()
    assert ev["wall_kind"].tolist() == ["none", "none"]
    assert ev["message"].tolist()[1] == ""  # an empty message stays a string


def test_extract_gives_empty_string_for_unmatched_groups():
    df = C.extract(["[  12.5] xen_net: Memory squeeze in netback driver.", "garbage"],
                   r"^\[\s*(?P<up>[0-9.]+)\] (?P<msg>.*)$")
    assert df["matched"].tolist() == [True, False]
    assert df["up"].tolist() == ["12.5", ""]
    assert df["msg"].tolist()[0] == "xen_net: Memory squeeze in netback driver."


def test_blank_mask_and_starts_with_space():
    lines = ["", "   ", "\t", "x", "  Intel GenuineIntel"]
    assert C.blank_mask(lines).tolist() == [True, True, True, False, False]
    assert C.starts_with_space(lines).tolist() == [False, False, False, False, True]


def test_tally_counts_and_keeps_few_warnings():
    lines = ["junk %d" % i for i in range(20)]
    t = C.Tally(source="x.log", first_line=101, lines=lines)
    t.add_mask(REASON_NO_HEADER, np.ones(20, dtype=bool))
    t.add(REASON_EMPTY, 3)
    assert t.unparsed == {REASON_NO_HEADER: 20, REASON_EMPTY: 1}
    assert t.total == 21
    no_header = [w for w in t.warnings if w.reason == REASON_NO_HEADER]
    assert len(no_header) == C.WARNINGS_PER_REASON
    assert no_header[0].line == 101 and no_header[0].excerpt == "junk 0"
    assert no_header[0].source == "x.log"


def test_excerpt_is_short_and_plain():
    assert len(C.excerpt("x" * 500)) == C.EXCERPT_CHARS
    assert C.excerpt("\x1b[41m(null)\x1b(B\x1b[m  ") == "(null)"


def test_fold_continuations_joins_and_finds_orphans():
    # orphan, event, cont, cont, breaker (unparsed), cont after breaker -> orphan
    is_event = np.array([0, 1, 0, 0, 0, 0], dtype=bool)
    is_cont = np.array([1, 0, 1, 1, 0, 1], dtype=bool)
    msgs = ["", "Virtual kernel memory layout:", "", "", "", ""]
    conts = ["    x", "", "    vector  : 0xffff0000", "    fixmap  : 0xfff00000", "", "   y"]
    f = C.fold_continuations(is_event, is_cont, msgs, conts)
    assert f.rows.tolist() == [1]
    assert f.message == ["Virtual kernel memory layout:\n    vector  : 0xffff0000\n"
                         "    fixmap  : 0xfff00000"]
    assert f.end.tolist() == [3]
    assert f.orphans.tolist() == [0, 5]
    assert f.attached.tolist() == [2, 3]


@pytest.mark.parametrize("text, n", [
    ("last message repeated 3 times", 3.0),
    ("message repeated 12 times: [ xen_net: Memory squeeze in netback driver.]", 12.0),
    ("last message repeated 1 time", 1.0),
    ("xen_net: Memory squeeze in netback driver.", None),
    ("printk: 13 messages suppressed.", None),
])
def test_repeat_counts(text, n):
    got = C.repeat_counts([text])[0]
    assert (np.isnan(got) if n is None else got == n)


def test_fold_repeats_adds_to_previous_event_and_reports_leading():
    ev = C.make_events(line=[1, 2, 3, 4, 5, 6], message=[
        "last message repeated 2 times",
        "xen_net: Memory squeeze in netback driver.",
        "last message repeated 3 times",
        "message repeated 4 times: [ xen_net: Memory squeeze in netback driver.]",
        "printk: 13 messages suppressed.",
        "last message repeated 5 times",
    ])
    kept, leading = C.fold_repeats(ev)
    assert leading == 2
    assert kept["line"].tolist() == [2, 5]
    assert kept["count"].tolist() == [8, 6]
    assert dtypes(kept) == CONTRACT_DTYPES


def test_fold_repeats_with_explicit_counts_and_no_repeats():
    ev = C.make_events(line=[1, 2], message=["a", "b"])
    kept, leading = C.fold_repeats(ev)
    assert kept is ev and leading == 0
    kept, leading = C.fold_repeats(ev, np.array([np.nan, 7.0]))
    assert kept["count"].tolist() == [8] and leading == 0


def test_strip_ansi_real_dmesg_sample():
    raw = ("go[233]: \x1b[38;5;3m  !! Rdmsr: /dev/cpu/0/msr idx:c0010064 ... 8 bytes ...  done."
           " (result==9223373673237326544 hex:8000017d00002ad0)\x1b[m\x1b(B")
    out = C.strip_ansi(raw)
    assert "\x1b" not in out
    assert out.startswith("go[233]:   !! Rdmsr:")
    assert C.strip_ansi_many(["plain", raw])[0] == "plain"
    assert C.strip_ansi_many(["plain", raw])[1] == out


def test_build_wall_months_days_fractions_and_invalid_dates():
    wall = C.build_wall(year=2000, month=["Feb", "Feb", "Aug", "Mar", "Foo"],
                        day=["29", "30", " 5", "13", "1"],
                        time=["10:00:01", "01:02:03", "23:59:59.5", "23:51:26.275421",
                              "00:00:00"])
    assert wall.dtype == np.dtype("datetime64[ns]")
    got = [None if np.isnat(w) else str(w) for w in wall]
    assert got == ["2000-02-29T10:00:01.000000000", None, "2000-08-05T23:59:59.500000000",
                   "2000-03-13T23:51:26.275421000", None]


def test_build_wall_numeric_months_and_missing_parts():
    wall = C.build_wall(year=["2009", "", "2009"], month=["06", "", "13"],
                        day=["30", "", "01"], time=["13:46:11", "", "00:00:00"])
    assert str(wall[0]) == "2009-06-30T13:46:11.000000000"
    assert np.isnat(wall[1]) and np.isnat(wall[2])
    assert len(C.build_wall(year=2000, month=[], day=[], time=[])) == 0


def test_build_wall_iso_and_line_texts():
    wall = C.build_wall_iso(["2009-06-30", "", "2009-02-29"], ["13:46:11", "", "00:00:00"])
    assert str(wall[0]) == "2009-06-30T13:46:11.000000000"
    assert np.isnat(wall[1]) and np.isnat(wall[2])  # 2009 is not a leap year
    assert C.LineTexts(["a  ", "  b\t"])[1] == "  b"


# ---------------------------------------------------------------------------------------------
# Property: every parser of part A accounts for every line and keeps the dtypes, whatever the
# mix of real-looking fragments it is given.

FRAGMENTS = [
    "", "   ", "\t", "[  271.713740] xenbr0: port 2(vif3.0) entered forwarding state",
    "<4>[ 12.5] xen_net: Memory squeeze in netback driver.", "<6>Linux version 2.6.18",
    "    vector  : 0xffff0000 - 0xffff1000   (   4 kB)", "(XEN) System RAM: 32767MB (33553464kB)",
    "(XEN)", "(XEN) [2009-03-02 06:11:40] x", "(d4) HVM Loader",
    "[Tue Aug 25 10:00:01 2008] printk: 13 messages suppressed.",
    "Mar 13 23:51:26.287346 (XEN) common/grant_table.c:1:d3v0 Bad grant reference",
    "Feb 30 23:51:26.287346 [  1.0] bad date", "Mar 13 23:51:26.3 ",
    "[2009-06-30 13:46:11 5499] DEBUG (balloon:151) Balloon: 7316 KiB free; need 1048576; done.",
    "Traceback (most recent call last):", "[xend] INFO (x:1) y",
    "2024-03-01 10:00:00 UTC libxl: error: libxl_mem.c:287:f: Domain 0:New target",
    "Domain 5 has been destroyed.", "last message repeated 3 times", "\x1b[41m(null)\x1b(B\x1b[m",
    "\ufffd\x00 binary-ish \r", "(XEN) [2009-13-45 99:99:99] impossible",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25), st.integers(1, 10_000))
def test_parsers_account_for_every_line(lines, first_line):
    for mod in (dmesg, dmesg_human, plain, xen_console, serial, xend, libxl):
        r = mod.parse(lines, source="prop", first_line=first_line)
        assert r.lines_parsed + sum(r.unparsed.values()) == len(lines), mod.FORMAT
        assert dtypes(r.events) == CONTRACT_DTYPES, mod.FORMAT
        ev = r.events
        if len(ev):
            assert ev["line"].min() >= first_line
            assert ev["end_line"].max() <= first_line + len(lines) - 1
            assert (ev["end_line"] >= ev["line"]).all()
            assert ev["line"].is_monotonic_increasing
            assert (ev["count"] >= 1).all()
            assert ev["wall_kind"].isin(["utc", "local", "noyear", "none"]).all()
            assert (ev["wall_kind"] == "none").eq(ev["wall"].isna()).all(), mod.FORMAT
        assert 0.0 <= mod.sniff(lines) <= 1.0


# --- extract_head: the header regex alone, the message cut by offsets --------------------------

def _full_regex(lines, head, tail="message"):
    """What extract_head stands for: the whole-line regex, tail group right-stripped."""
    groups, matched = C.extract_arrays(lines, head + f"(?P<{tail}>.*)$", rstrip=(tail,))
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v.to_pylist())
            for k, v in groups.items()}, matched.tolist()


def _head(lines, head, tail="message"):
    groups, matched = C.extract_head(lines, head, tail=tail)
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v.to_pylist())
            for k, v in groups.items()}, matched.tolist()


def test_extract_head_equals_the_whole_line_regex_on_real_syslog():
    from analyzer.parse import syslog

    lines = (DATA / "loghub" / "Linux_2k.log").read_text(encoding="utf-8").splitlines()
    lines += ["Jan  3 00:00:10 xen07 kernel: [   12.5] ll header: 13:2c   \t",
              "Jan  3 00:00:10 xen07 kernel:    ", "Jan  3 00:00:10 xen07 kernel:", "",
              "  indented continuation", "-- Boot 6f0a1cbb --",
              "Feb 29 23:59:59.123456 höst sshd(pam_unix)[19939]: ünïcödé ✓ message \u00a0"]
    assert _head(lines, syslog.HEAD_RE) == _full_regex(lines, syslog.HEAD_RE)
    messages = _head(lines, syslog.HEAD_RE)[0]["message"]
    assert _head(messages, syslog.KERNEL_PREFIX_RE, tail="rest") == \
        _full_regex(messages, syslog.KERNEL_PREFIX_RE, tail="rest")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from(["", "<13>", "<999>"]), st.sampled_from(["Jan", "Feb", "Foo"]),
    st.sampled_from([" 3", "03", "3", "31"]), st.sampled_from(["10:00:01", "10:00:01.5", "1:2:3"]),
    st.text(alphabet="ab:[]() .\u00e9\u2028\x0b\t", max_size=8),
    st.text(alphabet="kernl: []0123.\u00a0\u3000\t\r", max_size=25)), max_size=20))
def test_extract_head_equals_the_whole_line_regex_on_odd_lines(parts):
    from analyzer.parse import syslog

    lines = [f"{p}{m} {d} {t} {h} {rest}" for p, m, d, t, h, rest in parts]
    assert _head(lines, syslog.HEAD_RE) == _full_regex(lines, syslog.HEAD_RE)


def test_extract_head_rejects_an_unanchored_header():
    with pytest.raises(ValueError):
        C.extract_head(["x"], r"(?P<a>x)")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"\A[0-9]{2}:[0-9]{2}:[0-9]{2}([.,][0-9]{1,9})?\Z"), min_size=1,
                max_size=30))
def test_fixed_offset_time_parts_equal_the_regex_parts(times):
    import pyarrow as pa

    from analyzer.parse import _wall

    fast = _wall._time_parts(pa.array(times), len(times))
    # one time of another shape (" 1:00:00") sends the chunk down the regex path
    slow = _wall._time_parts(pa.array(times + [" 1:00:00"]), len(times) + 1)
    for f, s in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(f, s[:-1])
