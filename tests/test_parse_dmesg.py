"""Raw dmesg parser: headers, priorities, caller ids, continuations, real files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analyzer.model import PARSE_COLUMNS, REASON_EMPTY, REASON_NO_HEADER
from analyzer.parse import dmesg

DATA = Path(__file__).parent / "data" / "real-dmesg"
#: 15 is an rsyslog kern.log (the syslog parser's file); every other file is dmesg output
#: (05 is journalctl short-monotonic, which is dmesg-shaped too)
DMESG_FILES = sorted(p.name for p in DATA.glob("*") if p.suffix in (".log", ".txt")
                     and not p.name.startswith("15_"))
ALL_FILES = sorted(p.name for p in DATA.glob("*") if p.suffix in (".log", ".txt"))


def read_lines(path: Path) -> list[str]:
    """Lines as the reader gives them: split on \\n only, one trailing \\r removed."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def test_basic_header_and_message_kept_as_logged():
    lines = [
        "[    0.000000] Linux version 2.6.32.43-0.4.1.xs1.8.0.835.170778xen (geeko@buildhost)",
        "[    0.000000]   Intel GenuineIntel",
        "[ 1234.567890] xen_net: Memory squeeze in netback driver.   ",
    ]
    r = dmesg.parse(lines, source="dmesg", first_line=10)
    ev = r.events
    assert tuple(ev.columns) == PARSE_COLUMNS
    assert r.format == "dmesg" and r.lines_parsed == 3 and not r.unparsed
    assert ev["line"].tolist() == [10, 11, 12]
    assert ev["message"].tolist() == [
        "Linux version 2.6.32.43-0.4.1.xs1.8.0.835.170778xen (geeko@buildhost)",
        "  Intel GenuineIntel",  # internal/leading spaces after the one separator are content
        "xen_net: Memory squeeze in netback driver.",
    ]
    assert ev["uptime"].tolist() == [0.0, 0.0, 1234.56789]
    assert ev["program"].tolist() == ["kernel"] * 3
    assert ev["wall"].isna().all() and set(ev["wall_kind"]) == {"none"}
    assert ev["priority"].isna().all()


def test_priority_caller_id_and_kmsg_forms():
    lines = [
        "<4>[  812.100001] PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:04:01.0",
        "[   74.807351][ T5845] printk: 13 messages suppressed.",
        "[    3.000000][    C1] net_ratelimit: 22 callbacks suppressed",
        "<6>Linux version 2.6.18-274.7.1.el5xen (mockbuild@builder10.centos.org)",
        "<30>systemd[1]: Started Journal Service.",
    ]
    ev = dmesg.parse(lines).events
    assert ev["priority"].tolist()[0] == 4.0
    assert np.isnan(ev["priority"].tolist()[1])
    assert ev["priority"].tolist()[3:] == [6.0, 6.0]  # <30> = daemon.info -> level 6
    assert ev["uptime"].tolist()[:3] == [812.100001, 74.807351, 3.0]
    assert np.isnan(ev["uptime"].tolist()[3])
    assert ev["message"].tolist() == [
        "PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:04:01.0",
        "printk: 13 messages suppressed.",
        "net_ratelimit: 22 callbacks suppressed",
        "Linux version 2.6.18-274.7.1.el5xen (mockbuild@builder10.centos.org)",
        "systemd[1]: Started Journal Service.",
    ]


def test_continuations_blank_and_no_header():
    lines = [
        "[    0.000000] Virtual kernel memory layout:",
        "    vector  : 0xffff0000 - 0xffff1000   (   4 kB)",
        "    fixmap  : 0xfff00000 - 0xfffe0000   ( 896 kB)",
        "",
        "Non-periodic Split Transactions",
        "   orphan after an unparsed line",
        "[    0.000014] sched_clock: 32 bits at 166MHz, resolution 6ns",
    ]
    r = dmesg.parse(lines, source="cubox", first_line=1)
    ev = r.events
    assert ev["line"].tolist() == [1, 7]
    assert ev["end_line"].tolist() == [3, 7]
    assert ev["message"].tolist()[0] == (
        "Virtual kernel memory layout:\n"
        "    vector  : 0xffff0000 - 0xffff1000   (   4 kB)\n"
        "    fixmap  : 0xfff00000 - 0xfffe0000   ( 896 kB)")
    assert r.unparsed == {REASON_EMPTY: 1, REASON_NO_HEADER: 2}
    assert r.lines_parsed == 4
    assert [w.line for w in r.warnings if w.reason == REASON_NO_HEADER] == [5, 6]


def test_ansi_colour_codes_are_stripped():
    lines = ["[    5.542064] go[233]: \x1b[38;5;3m  !! Rdmsr: /dev/cpu/0/msr idx:c0010064 "
             "... 8 bytes ...  done.\x1b[m\x1b(B",
             "               \x1b[41m(null)\x1b(B\x1b[m"]
    ev = dmesg.parse(lines).events
    assert ev["message"].tolist() == [
        "go[233]:   !! Rdmsr: /dev/cpu/0/msr idx:c0010064 ... 8 bytes ...  done.\n"
        "               (null)"]


def test_empty_input_has_stable_dtypes():
    r = dmesg.parse([])
    assert tuple(r.events.columns) == PARSE_COLUMNS
    assert str(r.events["uptime"].dtype) == "float64"
    assert str(r.events["wall"].dtype) == "datetime64[ns]"
    assert r.lines_parsed == 0 and not r.unparsed


def test_sniff():
    assert dmesg.sniff(["[    0.000000] Linux version 5.4.0-99-generic",
                        "[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz"]) == 1.0
    assert dmesg.sniff(["<6>Linux version 2.6.18-274.el5xen"]) == 1.0
    assert dmesg.sniff(["Feb  4 09:34:10 compute4 kernel: [    0.000000] Linux version"]) == 0.0
    assert dmesg.sniff(["xen_net: Memory squeeze in netback driver."]) == 0.0
    assert dmesg.sniff([]) == 0.0


@pytest.mark.parametrize("name", ALL_FILES)
def test_real_files_lose_no_line(name):
    lines = read_lines(DATA / name)
    r = dmesg.parse(lines, source=name)
    assert r.lines_parsed + sum(r.unparsed.values()) == len(lines)
    assert r.events["end_line"].max() <= len(lines) if len(r.events) else True


@pytest.mark.parametrize("name", DMESG_FILES)
def test_real_dmesg_files_parse(name):
    lines = read_lines(DATA / name)
    r = dmesg.parse(lines, source=name)
    assert r.lines_parsed >= 0.97 * len(lines)
    assert set(r.unparsed) <= {REASON_EMPTY, REASON_NO_HEADER}
    ev = r.events
    assert not ev["message"].str.contains("\x1b", regex=False).any()
    assert ev["uptime"].notna().all()
    assert (ev["line"].diff().dropna() > 0).all()
    assert (ev["end_line"] >= ev["line"]).all()
    # every unparsed line really has no header and is not a continuation
    for w in r.warnings:
        raw = lines[w.line - 1]
        assert not raw.startswith("[")
        assert (w.reason == REASON_EMPTY) == (raw.strip() == "")


def test_real_xenserver_dom0_dmesg():
    lines = read_lines(DATA / "01_FlorianHeigl_xenserver-health__dmesg.log")
    ev = dmesg.parse(lines).events
    assert len(ev) == len(lines)
    assert ev["message"].iloc[1].startswith("Linux version 2.6.32.43-0.4.1.xs1.8.0.835.170778xen")
    assert ev["message"].iloc[3] == "  Intel GenuineIntel"


def test_real_multiline_records_join():
    lines = read_lines(DATA / "36_correabuscar_amdmsrtweaker-lnx__dmesg.txt")
    r = dmesg.parse(lines)
    assert not r.unparsed
    ev = r.events
    row = ev[ev["line"] == 1589].iloc[0]
    assert row["end_line"] == 1595
    assert row["message"].split("\n")[1:] == ["               127.0.0.1 (null)"] * 3 + [
        "               ::1 (null)"] * 3
