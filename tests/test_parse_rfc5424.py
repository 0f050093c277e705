"""RFC 5424 / RFC 3339-stamped syslog parser (analyzer/parse/rfc5424.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.model import PARSE_COLUMNS, REASON_NO_HEADER
from analyzer.parse import rfc5424

# The examples of RFC 5424 section 6.5 (BOM before the first message).
RFC_EXAMPLE_1 = ("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
                 "\ufeff'su root' failed for lonvick on /dev/pts/8")
RFC_EXAMPLE_2 = ("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
                 "%% It's time to make the do-nuts.")
RFC_EXAMPLE_3 = ('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
                 '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] '
                 '\ufeffAn application event log entry...')
RFC_EXAMPLE_4 = ('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
                 '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]'
                 '[examplePriority@32473 class="high"]')


def check(res, n):
    assert res.lines_parsed + sum(res.unparsed.values()) == n
    assert tuple(res.events.columns) == PARSE_COLUMNS
    assert str(res.events["wall"].dtype) == "datetime64[ns]"
    assert res.events["uptime"].dtype == np.float64


def test_rfc5424_examples():
    res = rfc5424.parse([RFC_EXAMPLE_1, RFC_EXAMPLE_2, RFC_EXAMPLE_3, RFC_EXAMPLE_4])
    check(res, 4)
    ev = res.events
    assert ev["message"].tolist() == [
        "'su root' failed for lonvick on /dev/pts/8",
        "%% It's time to make the do-nuts.",
        "An application event log entry...",
        "",
    ]
    assert ev["program"].tolist()[:3] == ["su", "myproc", "evntslog"]
    assert ev["host"][1] == "192.0.2.1"
    assert ev["priority"].tolist() == [2.0, 5.0, 5.0, 5.0]  # 34 % 8, 165 % 8
    # -07:00 converted to UTC
    assert ev["wall"][1] == pd.Timestamp("2003-08-24 12:14:15.000003")
    assert ev["wall"][0] == pd.Timestamp("2003-10-11 22:14:15.003")
    assert set(ev["wall_kind"]) == {"utc"}


def test_rfc5424_nil_app_name():
    ev = rfc5424.parse(["<6>1 2009-03-06T14:02:44Z xenhost - - - - hello"]).events
    assert pd.isna(ev["program"][0]) and ev["message"][0] == "hello"


def test_rsyslog_rfc3339_traditional_with_kernel_uptime():
    ev = rfc5424.parse([
        "2009-03-06T14:02:44.123456+01:00 xenhost kernel: [ 1234.567890] xen_net: Memory "
        "squeeze in netback driver.",
        "2009-03-06T14:02:49.000001+01:00 xenhost kernel: printk: 4 messages suppressed.",
    ]).events
    assert ev["uptime"][0] == 1234.56789 and np.isnan(ev["uptime"][1])
    assert ev["message"][0] == "xen_net: Memory squeeze in netback driver."
    assert ev["wall"][0] == pd.Timestamp("2009-03-06 13:02:44.123456")
    assert ev["program"].tolist() == ["kernel", "kernel"]


def test_journal_short_iso_and_iso_precise():
    ev = rfc5424.parse([
        "2021-09-07T11:03:12+0200 dom0 kernel: xen_net: Memory squeeze in netback driver.",
        "2021-09-07T11:03:12.654321+02:00 dom0 root[5474]: /etc/xen/scripts/block: add "
        "XENBUS_PATH=backend/vbd/38/51728",
    ]).events
    assert ev["wall"].tolist() == [pd.Timestamp("2021-09-07 09:03:12"),
                                   pd.Timestamp("2021-09-07 09:03:12.654321")]
    assert ev["program"].tolist() == ["kernel", "root"]
    assert ev["message"][1].startswith("/etc/xen/scripts/block: add")


def test_without_offset_is_local_time():
    ev = rfc5424.parse(["2021-09-07T11:03:12 dom0 kernel: local time",
                        "2021-02-30T11:03:12Z dom0 kernel: impossible date"]).events
    assert ev["wall"][0] == pd.Timestamp("2021-09-07 11:03:12")
    assert ev["wall_kind"].tolist() == ["local", "none"]


def test_repeats_continuations_and_unparsed():
    lines = [
        "2021-09-07T11:03:12+0200 dom0 kernel: xen_net: Memory squeeze in netback driver.",
        "2021-09-07T11:03:14+0200 dom0 kernel: message repeated 4 times: [ xen_net: Memory "
        "squeeze in netback driver.]",
        "Sep 07 11:03:12 dom0 kernel: wrong format here",
        "",
    ]
    res = rfc5424.parse(lines, first_line=7)
    check(res, 4)
    assert res.events["count"].tolist() == [5]
    assert res.unparsed[REASON_NO_HEADER] == 1
    assert [w.line for w in res.warnings if w.reason == REASON_NO_HEADER] == [9]


def test_sniff():
    assert rfc5424.sniff([RFC_EXAMPLE_1, RFC_EXAMPLE_3]) == 1.0
    assert rfc5424.sniff(["Sep 07 11:03:12 dom0 kernel: short format"]) == 0.0
    assert rfc5424.sniff(["[2009-06-30 13:46:11 5499] DEBUG (balloon:151) Balloon: done."]) == 0.0


def test_empty():
    res = rfc5424.parse([])
    check(res, 0)


def test_strict_rfc5424_kernel_message_loses_its_uptime_prefix():
    ev = rfc5424.parse([
        "<6>1 2009-03-06T14:02:44Z xenhost kernel - - - [ 1234.567890] xen_net: Memory squeeze",
        '<6>1 2009-03-06T14:02:45Z xenhost kernel - - [meta seq="1"] [ 1235.000001] hi',
        "<6>2009-03-06T14:02:46Z xenhost kernel: [ 1236.5] traditional tag, same rule",
    ]).events
    assert ev["uptime"].tolist() == [1234.56789, 1235.000001, 1236.5]
    assert ev["message"].tolist() == ["xen_net: Memory squeeze", "hi",
                                      "traditional tag, same rule"]
