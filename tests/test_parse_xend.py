"""xend.log parser: records, levels, tracebacks, the stderr form."""

from __future__ import annotations

import numpy as np

from analyzer.model import PARSE_COLUMNS, REASON_EMPTY, REASON_NO_HEADER
from analyzer.parse import xend

#: the balloon-down sequence of xen-messages.md §2.4 and typical DomU start/stop lines
XEND_LOG = [
    "[2009-06-30 13:46:11 5499] DEBUG (XendDomainInfo:84) XendDomainInfo.create(['vm', "
    "['name', 'web01'], ['memory', 1024]])",
    "[2009-06-30 13:46:11 5499] DEBUG (balloon:151) Balloon: 7316 KiB free; need 1048576; done.",
    "[2009-06-30 13:46:11 5499] DEBUG (balloon:207) Balloon: setting dom0 target to 1206 MiB.",
    "[2009-06-30 13:46:11 5499] INFO (XendDomainInfo:1330) Setting memory target of domain "
    "Domain-0 (0) to 1206 MiB.",
    "[2009-06-30 13:46:12 5499] DEBUG (XendDomain:464) Adding Domain: 5",
    "[2009-06-30 13:46:13 5499] INFO (XendDomain:1165) Domain web01 (5) unpaused.",
    "[2009-06-30 13:50:02 5499] ERROR (XendDomainInfo:440) VM start failed",
    "Traceback (most recent call last):",
    '  File "/usr/lib/python2.4/site-packages/xen/xend/XendDomainInfo.py", line 420, in start',
    "    XendTask.log_progress(31, 60, self._initDomain)",
    "VmError: I need 1048576 KiB, but dom0_min_mem is 262144 and shrinking to 262144 KiB "
    "would leave only 7316 KiB free.",
    "",
    "[2009-06-30 13:55:40 5499] WARNING (XendDomainInfo:2083) Domain has crashed: name=web01 id=5.",
    "[2009-06-30 13:55:41 5499] DEBUG (XendDomainInfo:2136) XendDomainInfo.destroy: domid=5",
]


def test_records_levels_and_wall():
    r = xend.parse(XEND_LOG, source="xend.log", first_line=1)
    ev = r.events
    assert tuple(ev.columns) == PARSE_COLUMNS
    assert r.format == "xend"
    assert ev["line"].tolist() == [1, 2, 3, 4, 5, 6, 7, 13, 14]
    assert set(ev["program"]) == {"xend"}
    assert ev["priority"].tolist() == [7, 7, 7, 6, 7, 6, 3, 4, 7]
    assert ev["message"].tolist()[2] == "Balloon: setting dom0 target to 1206 MiB."
    assert ev["message"].tolist()[3] == "Setting memory target of domain Domain-0 (0) to 1206 MiB."
    assert ev["message"].tolist()[4] == "Adding Domain: 5"
    assert str(ev["wall"].iloc[0]) == "2009-06-30 13:46:11"
    assert set(ev["wall_kind"]) == {"local"}
    assert ev["uptime"].isna().all()
    assert r.unparsed == {REASON_EMPTY: 1}
    assert r.lines_parsed == len(XEND_LOG) - 1


def test_traceback_joins_the_error_record():
    ev = xend.parse(XEND_LOG).events
    err = ev[ev["line"] == 7].iloc[0]
    assert err["end_line"] == 11
    parts = err["message"].split("\n")
    assert parts[0] == "VM start failed"
    assert parts[1] == "Traceback (most recent call last):"
    assert parts[3] == "    XendTask.log_progress(31, 60, self._initDomain)"
    assert parts[4].startswith("VmError: I need 1048576 KiB")


def test_stderr_form_and_orphans():
    lines = [
        "Traceback (most recent call last):",  # before any record: nothing to attach to
        "[xend] DEBUG (DevController:139) Waiting for devices vif.",
        "[xend] ERROR (SrvBase:88) Request wait_for_devices failed.",
    ]
    r = xend.parse(lines, first_line=1)
    ev = r.events
    assert ev["message"].tolist() == ["Waiting for devices vif.",
                                      "Request wait_for_devices failed."]
    assert ev["wall"].isna().all() and set(ev["wall_kind"]) == {"none"}
    assert ev["priority"].tolist() == [7.0, 3.0]
    assert r.unparsed == {REASON_NO_HEADER: 1}
    assert r.warnings[0].line == 1


def test_unknown_level_is_nan():
    ev = xend.parse(["[2009-06-30 13:46:11 5499] TRACE (balloon:1) odd level"]).events
    assert np.isnan(ev["priority"].iloc[0])


def test_sniff():
    assert xend.sniff(XEND_LOG) == 1.0
    assert xend.sniff(["[    0.000000] Linux version 2.6.18-128.el5xen"]) == 0.0
    assert xend.sniff(["Traceback (most recent call last):"]) == 0.0


def test_registry_picks_xend():
    from analyzer.parse import sniff
    assert sniff(XEND_LOG).FORMAT == "xend"
