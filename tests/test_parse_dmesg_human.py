"""``dmesg -T`` parser: bracketed wall clock with year, local time."""

from __future__ import annotations

import numpy as np

from analyzer.model import PARSE_COLUMNS, REASON_EMPTY, REASON_NO_HEADER
from analyzer.parse import dmesg_human

LINES = [
    "[Tue Aug 25 10:00:01 2008] xen_net: Memory squeeze in netback driver.",
    "[Tue Aug 25 10:00:06 2008] printk: 13 messages suppressed.",
    "<3>[Mon Mar  2 06:11:41 2009] PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device "
    "0000:04:01.0",
    "[Mon Mar  2 06:11:41 2009] Call Trace:",
    "    [<ffffffff8020b395>] show_trace+0x34/0x47",
    "",
    "xen_net: Memory squeeze in netback driver.",
]


def test_parse_wall_priority_and_continuation():
    r = dmesg_human.parse(LINES, source="dmesg-T.txt", first_line=1)
    ev = r.events
    assert tuple(ev.columns) == PARSE_COLUMNS
    assert r.format == "dmesg_human"
    assert ev["line"].tolist() == [1, 2, 3, 4]
    assert ev["end_line"].tolist() == [1, 2, 3, 5]
    assert [str(w) for w in ev["wall"]] == ["2008-08-25 10:00:01", "2008-08-25 10:00:06",
                                           "2009-03-02 06:11:41", "2009-03-02 06:11:41"]
    assert set(ev["wall_kind"]) == {"local"}
    assert ev["uptime"].isna().all()
    assert ev["priority"].tolist()[2] == 3.0 and np.isnan(ev["priority"].tolist()[0])
    assert ev["message"].tolist()[0] == "xen_net: Memory squeeze in netback driver."
    assert ev["message"].tolist()[3] == (
        "Call Trace:\n    [<ffffffff8020b395>] show_trace+0x34/0x47")
    assert r.unparsed == {REASON_EMPTY: 1, REASON_NO_HEADER: 1}
    assert r.lines_parsed + sum(r.unparsed.values()) == len(LINES)


def test_invalid_date_is_not_invented():
    ev = dmesg_human.parse(["[Sun Feb 30 00:00:00 2009] impossible date"]).events
    assert ev["wall"].isna().all() and ev["wall_kind"].tolist() == ["none"]
    assert ev["message"].tolist() == ["impossible date"]


def test_sniff():
    assert dmesg_human.sniff(LINES[:4]) == 1.0
    assert dmesg_human.sniff(["[    0.000000] Linux version 2.6.32"]) == 0.0
    assert dmesg_human.sniff(["Aug 25 10:00:01 host kernel: msg"]) == 0.0
