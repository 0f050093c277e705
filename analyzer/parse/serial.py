"""Serial console capture with a capture timestamp on every line (osstest style)::

    Mar 13 23:51:26.275421 [  271.713740] xenbr0: port 2(vif3.0) entered forwarding state
    Mar 13 23:51:26.287346 (XEN) common/grant_table.c:1234:d3v0 Bad grant reference 0x1
    Mar 13 23:51:27.003114 (XEN) [2009-03-13 23:51:27] System RAM: 8191MB (8387704kB)
    Mar 13 23:51:28.118450 Debian GNU/Linux 8 host ttyS0

The leading time is the capture host's clock without a year: wall (placeholder year 2000),
wall_kind "noyear". What follows is a Dom0 kernel line (program "kernel", uptime set), a
hypervisor or guest line (program "xen" / "xen-guest", ``(XEN)`` prefix removed; see
``xen_console``), or other console text (program None). The capture time is the wall time even
when a ``(XEN) [date]`` console timestamp follows (that one stays out of the message). A line
with only a timestamp, or blank, is ``empty``; a line starting with whitespace continues the
event above; anything else is ``no_header``.
"""

from __future__ import annotations

import re

import numpy as np

from ..model import REASON_EMPTY, REASON_NO_HEADER, ParseResult
from ._common import (LineTexts, Tally, blank_mask, build_result, build_wall, extract,
                      fold_continuations, make_events, starts_with_space, strip_ansi_many,
                      to_arrow, share_matching)
from .xen_console import classify

FORMAT = "serial_capture"

#: ``Mar 13 23:51:26.275421 rest`` (fraction optional, day space-padded)
HEADER_RE = re.compile(
    r"(?s)^(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<time>\d\d:\d\d:\d\d(?:\.\d{1,9})?)"
    r"(?: (?P<rest>.*)|$)"
)

#: Sniff counts only lines whose text is a kernel or ``(XEN)`` line, so that an RFC 3164
#: syslog line (``Feb  4 09:34:10 host kernel: ...``) never counts.
SNIFF_RE = re.compile(
    r"^[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? "
    r"(?:\(XEN\)|\(d\d+\) |(?:<\d{1,3}>)?\[\s*\d+\.\d+\] )"
)


def sniff(sample: list[str]) -> float:
    """Share of the sample's non-blank lines that are timestamped kernel or Xen lines."""
    return share_matching(sample, SNIFF_RE)


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Parse a serial console capture (see the module docstring)."""
    arr = to_arrow(lines)
    hdr = extract(arr, HEADER_RE.pattern, rstrip=("rest",))
    matched = hdr["matched"].to_numpy()
    rest = hdr["rest"].to_numpy()
    cls = classify(rest.tolist())
    known = cls["matched"].to_numpy()
    # plain console text keeps the whole rest; kernel/xen lines lose their prefix
    message = np.where(known, cls["message"].to_numpy(), rest)
    program = np.where(known, cls["program"].to_numpy(), None)
    bare = matched & (message == "")
    is_event = matched & ~bare
    blank = blank_mask(arr)
    is_cont = starts_with_space(arr) & ~matched
    tally = Tally(source=source, first_line=first_line, lines=lines)
    tally.add_mask(REASON_EMPTY, (blank & ~matched) | bare)
    folded = fold_continuations(is_event, is_cont, message,
                                LineTexts(lines))
    other = ~matched & ~blank
    other[folded.attached] = False
    tally.add_mask(REASON_NO_HEADER, other)
    rows = folded.rows
    sel = hdr.iloc[rows]
    wall = build_wall(year=2000, month=sel["mon"].to_numpy(), day=sel["day"].to_numpy(),
                      time=sel["time"].to_numpy())
    events = make_events(
        line=rows + first_line,
        end_line=folded.end + first_line,
        program=program[rows],
        message=strip_ansi_many(folded.message),
        wall=wall,
        wall_kind=np.where(np.isnat(wall), "none", "noyear"),
        uptime=cls["uptime"].to_numpy()[rows],
        priority=cls["priority"].to_numpy()[rows],
    )
    return build_result(FORMAT, events, n_lines=len(lines), tally=tally)
