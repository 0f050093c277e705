"""Xen console (``xl dmesg``) parser: prefixes, console timestamps, guest and Dom0 lines."""

from __future__ import annotations

import numpy as np

from analyzer.model import PARSE_COLUMNS, REASON_EMPTY, REASON_NO_HEADER
from analyzer.parse import xen_console

#: Hypervisor boot lines as catalogued in xen-messages.md §2.3 / §1.3
XL_DMESG = [
    "(XEN) Xen version 3.1.2-128.1.10.el5 (mockbuild@redhat.com) (gcc version 4.1.2)",
    "(XEN) Command line: /xen.gz-2.6.18-128.el5 dom0_mem=1024M",
    "(XEN) System RAM: 32767MB (33553464kB)",
    "(XEN) PHYSICAL MEMORY ARRANGEMENT:",
    "(XEN)  Dom0 alloc.:   0000000434000000->0000000438000000 (458958 pages to be allocated)",
    "(XEN) [VT-D]dmar.c:539: found ACPI_DMAR_DRHD",
    "(XEN)",
    "(XEN) *** LOADING DOMAIN 0 ***",
]


def test_plain_console():
    r = xen_console.parse(XL_DMESG, source="xl-dmesg", first_line=1)
    ev = r.events
    assert tuple(ev.columns) == PARSE_COLUMNS
    assert r.format == "xen_console"
    assert set(ev["program"]) == {"xen"}
    assert ev["message"].tolist()[1] == "Command line: /xen.gz-2.6.18-128.el5 dom0_mem=1024M"
    # one separator space removed; the next one is the hypervisor's own indentation
    assert ev["message"].tolist()[4].startswith(" Dom0 alloc.:   0000000434000000")
    assert ev["message"].tolist()[5] == "[VT-D]dmar.c:539: found ACPI_DMAR_DRHD"
    assert ev["wall"].isna().all() and set(ev["wall_kind"]) == {"none"}
    assert ev["uptime"].isna().all()
    assert r.unparsed == {REASON_EMPTY: 1}  # the bare "(XEN)" line
    assert r.lines_parsed == len(XL_DMESG) - 1


def test_console_timestamps():
    lines = [
        "(XEN) [2009-03-02 06:11:40] memory.c:124:d0 Could not allocate order=0 extent: id=2 "
        "memflags=0x20000000 (0 of 1)",
        "(XEN) [2009-03-02 06:11:40.123] System RAM: 32767MB (33553464kB)",
        "(XEN) [  123.456789] d1 has maximum 64 PIRQs",
        "(XEN) [0000001cbe0f5c4a] Scrubbing Free RAM in background",
    ]
    ev = xen_console.parse(lines).events
    assert [str(w) for w in ev["wall"][:2]] == ["2009-03-02 06:11:40",
                                                "2009-03-02 06:11:40.123000"]
    assert ev["wall_kind"].tolist() == ["local", "local", "none", "none"]
    # hypervisor uptime / raw counters are not the Dom0 kernel's uptime: not stored
    assert ev["uptime"].isna().all()
    assert ev["message"].tolist() == [
        "memory.c:124:d0 Could not allocate order=0 extent: id=2 memflags=0x20000000 (0 of 1)",
        "System RAM: 32767MB (33553464kB)",
        "d1 has maximum 64 PIRQs",
        "Scrubbing Free RAM in background",
    ]


def test_guest_dom0_continuation_and_junk():
    lines = [
        "(XEN) (GUEST: 4) HVM Loader",
        "(d4) HVM Loader",
        "(XEN) [2009-03-02 06:11:41] (d5) Invoking ROMBIOS ...",
        "[   12.345678] xen_net: Memory squeeze in netback driver.",
        "    wrapped continuation of the kernel line",
        "",
        "some stray text",
    ]
    r = xen_console.parse(lines, first_line=100)
    ev = r.events
    assert ev["program"].tolist() == ["xen-guest", "xen-guest", "xen-guest", "kernel"]
    assert ev["message"].tolist() == [
        "(GUEST: 4) HVM Loader", "(d4) HVM Loader", "(d5) Invoking ROMBIOS ...",
        "xen_net: Memory squeeze in netback driver.\n"
        "    wrapped continuation of the kernel line"]
    assert ev["end_line"].tolist() == [100, 101, 102, 104]
    assert ev["uptime"].tolist()[3] == 12.345678
    assert np.isnan(ev["uptime"].tolist()[0])
    assert r.unparsed == {REASON_EMPTY: 1, REASON_NO_HEADER: 1}
    assert r.warnings[-1].line == 106


def test_sniff():
    assert xen_console.sniff(XL_DMESG) == 1.0
    mixed = XL_DMESG[:4] + ["[   12.345678] xen_net: Memory squeeze in netback driver."] * 2
    assert xen_console.sniff(mixed) == 1.0
    plain_dmesg = ["[    0.000000] Linux version 2.6.32.43 xen"] * 10
    assert xen_console.sniff(plain_dmesg) == 0.0
    assert xen_console.sniff([]) == 0.0


def test_registry_picks_xen_console():
    from analyzer.parse import sniff
    assert sniff(XL_DMESG).FORMAT == "xen_console"
