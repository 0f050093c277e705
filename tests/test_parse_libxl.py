"""libxl / xl log parser: prefixed libxl lines, zones, xl's own sentences."""

from __future__ import annotations

import numpy as np

from analyzer.model import PARSE_COLUMNS, REASON_EMPTY, REASON_NO_HEADER
from analyzer.parse import libxl

XL_LOG = [
    "Waiting for domain web01 (domid 5) to die [pid 4242]",
    "libxl: info: libxl_create.c:122:libxl__domain_build_info_setdefault: qemu-xen is "
    "unavailable, using qemu-xen-traditional instead: No such file or directory",
    "2024-03-01 10:00:00 UTC libxl: error: libxl_mem.c:287:libxl_set_memory_target: Domain 0:"
    "New target 0 for dom0 is below the minimum threshold",
    "2024-03-01 10:00:00.123 CET [4242] libxl: debug: libxl_event.c:691:watchfd_callback: "
    "watch w=0x1d0 wpath=@releaseDomain token=3/0: event epath=@releaseDomain",
    "[4243] xc: error: panic: xc_dom_boot.c:178: xc_dom_boot_domU_map: failed to mmap domU pages",
    "Domain 5 has shut down, reason code 0 0x0",
    "",
    "Domain 5 has been destroyed.",
]


def test_parse_xl_log():
    r = libxl.parse(XL_LOG, source="xl-web01.log", first_line=1)
    ev = r.events
    assert tuple(ev.columns) == PARSE_COLUMNS
    assert r.format == "libxl"
    assert ev["line"].tolist() == [1, 2, 3, 4, 5, 6, 8]
    assert ev["program"].tolist() == ["xl", "libxl", "libxl", "libxl", "xc", "xl", "xl"]
    assert ev["message"].tolist()[2] == (
        "libxl_mem.c:287:libxl_set_memory_target: Domain 0:New target 0 for dom0 is below the "
        "minimum threshold")
    assert ev["message"].tolist()[0] == "Waiting for domain web01 (domid 5) to die [pid 4242]"
    pri = ev["priority"].tolist()
    assert np.isnan(pri[0]) and pri[1:5] == [6.0, 3.0, 7.0, 3.0] and np.isnan(pri[5])
    assert ev["wall_kind"].tolist() == ["none", "none", "utc", "local", "none", "none", "none"]
    assert str(ev["wall"].iloc[2]) == "2024-03-01 10:00:00"
    assert str(ev["wall"].iloc[3]) == "2024-03-01 10:00:00.123000"
    assert ev["wall"].iloc[[0, 1, 4]].isna().all()
    assert r.unparsed == {REASON_EMPTY: 1}
    assert r.lines_parsed + sum(r.unparsed.values()) == len(XL_LOG)


def test_continuation_and_orphan():
    lines = ["   orphan continuation",
             "libxl: error: libxl_dm.c:1450:device_model_spawn_outcome: domain 5 device model:"
             " spawn failed (rc=-3)",
             "    second line of the same message"]
    r = libxl.parse(lines)
    assert r.events["message"].tolist() == [
        "libxl_dm.c:1450:device_model_spawn_outcome: domain 5 device model: spawn failed "
        "(rc=-3)\n    second line of the same message"]
    assert r.events["end_line"].tolist() == [3]
    assert r.unparsed == {REASON_NO_HEADER: 1}


def test_sniff():
    assert libxl.sniff(XL_LOG) == 1.0
    assert libxl.sniff(["xen_net: Memory squeeze in netback driver."]) == 0.0
    assert libxl.sniff([]) == 0.0


def test_registry_picks_libxl():
    from analyzer.parse import sniff
    assert sniff(XL_LOG).FORMAT == "libxl"
