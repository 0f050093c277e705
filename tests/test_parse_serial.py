"""Serial console capture (osstest style): capture time + kernel / Xen / other text."""

from __future__ import annotations

import numpy as np

from analyzer.model import PARSE_COLUMNS, REASON_EMPTY, REASON_NO_HEADER
from analyzer.parse import serial

CAPTURE = [
    "Mar 13 23:51:26.275421 [  271.713740] xenbr0: port 2(vif3.0) entered forwarding state",
    "Mar 13 23:51:26.287346 (XEN) common/grant_table.c:1234:d3v0 Bad grant reference 0x1",
    "Mar 13 23:51:27.003114 (XEN) [2009-03-13 23:51:27] System RAM: 8191MB (8387704kB)",
    "Mar 13 23:51:27.100000 (d3) HVM Loader",
    "Mar 13 23:51:28.118450 Debian GNU/Linux 8 host ttyS0",
    "Mar  3 23:51:28.118450 ",
    "Feb 29 01:02:03.5 <4>[    1.000000] Call Trace:",
    "  [<ffffffff8020b395>] show_trace+0x34/0x47",
    "garbage without time",
]


def test_parse_capture():
    r = serial.parse(CAPTURE, source="serial-host.log", first_line=1)
    ev = r.events
    assert tuple(ev.columns) == PARSE_COLUMNS
    assert r.format == "serial_capture"
    assert ev["line"].tolist() == [1, 2, 3, 4, 5, 7]
    assert ev["program"].tolist() == ["kernel", "xen", "xen", "xen-guest", None, "kernel"]
    assert ev["message"].tolist() == [
        "xenbr0: port 2(vif3.0) entered forwarding state",
        "common/grant_table.c:1234:d3v0 Bad grant reference 0x1",
        "System RAM: 8191MB (8387704kB)",
        "(d3) HVM Loader",
        "Debian GNU/Linux 8 host ttyS0",
        "Call Trace:\n  [<ffffffff8020b395>] show_trace+0x34/0x47",
    ]
    # the capture clock is the wall time (no year): placeholder year 2000, leap day allowed
    assert [str(w) for w in ev["wall"]] == [
        "2000-03-13 23:51:26.275421", "2000-03-13 23:51:26.287346",
        "2000-03-13 23:51:27.003114", "2000-03-13 23:51:27.100000",
        "2000-03-13 23:51:28.118450", "2000-02-29 01:02:03.500000"]
    assert set(ev["wall_kind"]) == {"noyear"}
    assert ev["uptime"].tolist()[0] == 271.71374 and ev["uptime"].tolist()[5] == 1.0
    assert np.isnan(ev["uptime"].tolist()[1])
    assert ev["priority"].tolist()[5] == 4.0
    assert ev["end_line"].tolist()[5] == 8
    assert r.unparsed == {REASON_EMPTY: 1, REASON_NO_HEADER: 1}
    assert r.lines_parsed == len(CAPTURE) - 2


def test_sniff_only_counts_kernel_and_xen_lines():
    assert serial.sniff(CAPTURE[:4]) == 1.0
    syslog = ["Feb  4 09:34:10 compute4 kernel: [    0.000000] Linux version 5.4.0-97-generic",
              "Sep 07 11:03:12 dom0 root[5474]: /etc/xen/scripts/block: add"]
    assert serial.sniff(syslog) == 0.0
    assert serial.sniff([]) == 0.0


def test_registry_picks_serial():
    from analyzer.parse import sniff
    assert sniff(CAPTURE).FORMAT == "serial_capture"
