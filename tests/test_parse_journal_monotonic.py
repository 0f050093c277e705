"""journalctl short-monotonic parser (analyzer/parse/journal_monotonic.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.model import PARSE_COLUMNS, REASON_NO_HEADER
from analyzer.parse import journal_monotonic

REAL = Path(__file__).parent / "data" / "real-dmesg" / "05_dfiguera_hpe8k__dmesg.log"
DMESG = Path(__file__).parent / "data" / "real-dmesg" / "62_eroicaleo_PiKernel__dmesg.log"


def read_lines(path: Path) -> list[str]:
    lines = path.read_bytes().decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def test_header_fields():
    res = journal_monotonic.parse([
        "[    0.000000] lit.home.arpa kernel: Linux version 6.1.1-arch1-4-hpe8k "
        "(linux-hpe8k@archlinux) (gcc (GCC) 12.2.0, GNU ld (GNU Binutils) 2.39.0)",
        "[   12.841516] dom0 root[5474]: /etc/xen/scripts/block: add XENBUS_PATH=backend/vbd/38/51728",
        "-- Boot 6f0a1cbb3b764d8a9e3c1f0d2c7b8a91 --",
        "[    1.000001] dom0 kernel: usb usb1: New USB device found, idVendor=1d6b",
    ], first_line=3)
    assert res.lines_parsed == 4 and not res.unparsed
    ev = res.events
    assert tuple(ev.columns) == PARSE_COLUMNS
    assert ev["uptime"].tolist() == [0.0, 12.841516, 1.000001]
    assert ev["host"].tolist() == ["lit.home.arpa", "dom0", "dom0"]
    assert ev["program"].tolist() == ["kernel", "root", "kernel"]
    assert ev["message"][2] == "usb usb1: New USB device found, idVendor=1d6b"
    assert ev["wall"].isna().all() and set(ev["wall_kind"]) == {"none"}
    assert ev["line"].tolist() == [3, 4, 6]
    assert pd.isna(ev["boot_id"][0]) and ev["boot_id"][2] == "marker:1"


def test_plain_dmesg_line_is_not_a_header():
    res = journal_monotonic.parse(["[    4.161700] sd 0:0:0:0: [sda] Attached SCSI disk",
                                   "[    0.000000] Linux version 3.6.11+ (yangge@lc-irv-2762)"])
    assert res.unparsed[REASON_NO_HEADER] == 2
    assert res.lines_parsed == 0 and len(res.events) == 0
    assert res.events["uptime"].dtype == np.float64


def test_real_file_parses_completely():
    lines = read_lines(REAL)
    res = journal_monotonic.parse(lines)
    assert res.lines_parsed == len(lines) == 712
    ev = res.events
    assert ev["host"].eq("lit.home.arpa").all()
    assert ev["message"][0].startswith("Linux version 6.1.1-arch1-4-hpe8k")
    assert ev["uptime"].is_monotonic_increasing


def test_sniff_prefers_consistent_host():
    assert journal_monotonic.sniff(read_lines(REAL)[:200]) == 1.0
    # ordinary dmesg has "usb usb1: ..." lines of the same shape, but hosts vary
    assert journal_monotonic.sniff(read_lines(DMESG)[:200]) < 0.1
