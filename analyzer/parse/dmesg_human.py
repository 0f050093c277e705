"""``dmesg -T`` (human-readable wall clock instead of uptime)::

    [Tue Aug 25 10:00:01 2008] xen_net: Memory squeeze in netback driver.
    [Mon Mar  2 06:11:40 2009] printk: 13 messages suppressed.
    <4>[Mon Mar  2 06:11:41 2009] PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:03:00.0

The bracketed date is the kernel's uptime converted by dmesg with the boot time it computed
(local zone, year known): wall is naive local time, wall_kind "local"; uptime stays NaN; program
"kernel"; a ``<N>`` prefix is the priority. Continuations and blank lines as in ``dmesg``.
"""

from __future__ import annotations

import re

import numpy as np

from ..model import ParseResult
from ._common import (Tally, build_result, build_wall, extract,
                      fold_headed, make_events, share_matching,
                      strip_ansi_many, to_arrow)
from .dmesg import priority_of

FORMAT = "dmesg_human"

#: ``<4>[Tue Aug 25 10:00:01 2008] msg`` (day of month space-padded; the weekday is not checked)
HEADER_RE = re.compile(
    r"(?s)^(?:<(?P<pri>\d{1,3})>)?"
    r"\[(?:[A-Z][a-z]{2} )?(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) "
    r"(?P<time>\d{1,2}:\d\d:\d\d(?:[.,]\d+)?) (?P<year>\d{4})\]"
    r" ?(?P<msg>.*)"
)


def sniff(sample: list[str]) -> float:
    """Share of the sample's non-blank lines with a ``[Tue Aug 25 10:00:01 2008]`` header."""
    return share_matching(sample, HEADER_RE)


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Parse ``dmesg -T`` lines (see the module docstring)."""
    arr = to_arrow(lines)
    hdr = extract(arr, HEADER_RE.pattern, rstrip=("msg",))
    is_event = hdr["matched"].to_numpy()
    tally = Tally(source=source, first_line=first_line, lines=lines)
    folded = fold_headed(lines, arr, is_event, hdr["msg"].to_numpy(), tally)
    rows = folded.rows
    sel = hdr.iloc[rows]
    wall = build_wall(year=sel["year"].to_numpy(), month=sel["mon"].to_numpy(),
                      day=sel["day"].to_numpy(), time=sel["time"].to_numpy())
    events = make_events(
        line=rows + first_line,
        end_line=folded.end + first_line,
        program="kernel",
        message=strip_ansi_many(folded.message),
        wall=wall,
        wall_kind=np.where(np.isnat(wall), "none", "local"),
        priority=priority_of(sel["pri"].to_numpy()),
    )
    return build_result(FORMAT, events, n_lines=len(lines), tally=tally)
