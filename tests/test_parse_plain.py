"""The plain fallback parser: every non-blank line is one event, no times."""

from __future__ import annotations

from analyzer.model import PARSE_COLUMNS, REASON_EMPTY
from analyzer.parse import plain

#: RHEL 5 ``dmesg`` has no timestamps at all
RHEL5 = [
    "Linux version 2.6.18-274.7.1.el5xen (mockbuild@builder10.centos.org) (gcc version 4.1.2)",
    "xen_net: Memory squeeze in netback driver.",
    "printk: 22 messages suppressed.",
    "",
    "  Intel GenuineIntel   ",
    "PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:04:01.0",
]


def test_every_non_blank_line_is_an_event():
    r = plain.parse(RHEL5, source="dmesg", first_line=5)
    ev = r.events
    assert tuple(ev.columns) == PARSE_COLUMNS
    assert r.format == "plain"
    assert ev["line"].tolist() == [5, 6, 7, 9, 10]
    assert ev["message"].tolist()[1] == "xen_net: Memory squeeze in netback driver."
    assert ev["message"].tolist()[3] == "  Intel GenuineIntel"  # trailing whitespace only
    assert ev["program"].isna().all()
    assert ev["wall"].isna().all() and set(ev["wall_kind"]) == {"none"}
    assert ev["uptime"].isna().all() and ev["priority"].isna().all()
    assert r.unparsed == {REASON_EMPTY: 1}
    assert r.lines_parsed == 5


def test_sniff_is_a_low_constant():
    assert plain.sniff(RHEL5) == plain.SNIFF_SCORE < 0.5
    assert plain.sniff([]) == plain.SNIFF_SCORE


def test_registry_falls_back_to_plain_for_rhel5_dmesg():
    from analyzer.parse import sniff
    assert sniff(RHEL5).FORMAT == "plain"


def test_empty_and_ansi():
    r = plain.parse(["", "\x1b[31mRED\x1b[0m"])
    assert r.events["message"].tolist() == ["RED"]
    assert r.lines_parsed + sum(r.unparsed.values()) == 2
