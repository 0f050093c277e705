"""journalctl -o json parser (analyzer/parse/journal_json.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from analyzer.model import PARSE_COLUMNS, REASON_EMPTY
from analyzer.parse import journal_json

KERNEL = json.dumps({
    "__CURSOR": "s=739ad463a7e84d7f8b6f6d1d3b0f7a11;i=1a2b;b=6f0a1cbb3b764d8a9e3c1f0d2c7b8a91",
    "__REALTIME_TIMESTAMP": "1631005392123456", "__MONOTONIC_TIMESTAMP": "12841516",
    "_BOOT_ID": "6f0a1cbb3b764d8a9e3c1f0d2c7b8a91", "_TRANSPORT": "kernel", "PRIORITY": "4",
    "SYSLOG_FACILITY": "0", "SYSLOG_IDENTIFIER": "kernel", "_HOSTNAME": "dom0",
    "MESSAGE": "xen_net: Memory squeeze in netback driver.",
}, separators=(",", ":"))
HOTPLUG = json.dumps({
    "__REALTIME_TIMESTAMP": "1631005393000000", "__MONOTONIC_TIMESTAMP": "13841516",
    "_BOOT_ID": "6f0a1cbb3b764d8a9e3c1f0d2c7b8a91", "_TRANSPORT": "syslog", "PRIORITY": "5",
    "SYSLOG_IDENTIFIER": "root", "_COMM": "logger", "_PID": "5474", "_HOSTNAME": "dom0",
    "MESSAGE": "/etc/xen/scripts/block: add XENBUS_PATH=backend/vbd/38/51728",
})
BINARY = json.dumps({
    "__REALTIME_TIMESTAMP": "1631005394000000", "_COMM": "xend", "_HOSTNAME": "dom0",
    "MESSAGE": list(b"Balloon: \xff7316 KiB free"),
})


def check(res, n):
    assert res.lines_parsed + sum(res.unparsed.values()) == n
    assert tuple(res.events.columns) == PARSE_COLUMNS
    assert str(res.events["wall"].dtype) == "datetime64[ns]"
    assert res.events["priority"].dtype == np.float64


def test_fields():
    res = journal_json.parse([KERNEL, HOTPLUG], source="journal.json", first_line=10)
    check(res, 2)
    ev = res.events
    assert ev["wall"].tolist() == [pd.Timestamp("2021-09-07 09:03:12.123456"),
                                   pd.Timestamp("2021-09-07 09:03:13")]
    assert set(ev["wall_kind"]) == {"utc"}
    assert ev["uptime"].tolist() == [12.841516, 13.841516]
    assert ev["boot_id"].tolist() == ["6f0a1cbb3b764d8a9e3c1f0d2c7b8a91"] * 2
    assert ev["program"].tolist() == ["kernel", "root"]
    assert ev["host"].tolist() == ["dom0", "dom0"]
    assert ev["priority"].tolist() == [4.0, 5.0]
    assert ev["line"].tolist() == [10, 11]
    assert ev["message"][0] == "xen_net: Memory squeeze in netback driver."


def test_binary_message_bad_lines_and_blanks():
    lines = [KERNEL, "", "{not json", "[1, 2, 3]", BINARY, '"just a string"']
    res = journal_json.parse(lines, first_line=1)
    check(res, 6)
    assert res.unparsed == {REASON_EMPTY: 1, journal_json.REASON_BAD_JSON: 3}
    ev = res.events
    assert ev["line"].tolist() == [1, 5]
    assert ev["message"][1] == "Balloon: \ufffd7316 KiB free"
    assert ev["program"][1] == "xend"  # _COMM when there is no SYSLOG_IDENTIFIER
    assert np.isnan(ev["uptime"][1]) and np.isnan(ev["priority"][1])
    assert {w.line for w in res.warnings if w.reason == "bad_json"} == {3, 4, 6}


def test_repeated_field_takes_first_value_and_multiline_message():
    line = json.dumps({"__REALTIME_TIMESTAMP": "1631005392000000",
                       "SYSLOG_IDENTIFIER": ["xend", "xend-extra"],
                       "MESSAGE": "Traceback (most recent call last):\n  File \"x\", line 1\n"})
    ev = journal_json.parse([line]).events
    assert ev["program"][0] == "xend"
    assert ev["message"][0] == "Traceback (most recent call last):\n  File \"x\", line 1"


def test_fast_and_slow_paths_agree():
    fast = journal_json.parse([KERNEL, HOTPLUG] * 3).events
    slow = journal_json.parse([KERNEL, HOTPLUG] * 3 + ["x"]).events
    pd.testing.assert_frame_equal(fast, slow)


def test_sniff():
    assert journal_json.sniff([KERNEL, HOTPLUG]) == 1.0
    assert journal_json.sniff(['{"name": "web01", "memory": 1024}']) == 0.0
    assert journal_json.sniff(["Sep 07 11:03:12 dom0 kernel: text"]) == 0.0


def test_empty():
    check(journal_json.parse([]), 0)
