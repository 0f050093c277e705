"""libxl / xl logs (Xen >= 4.1): xl stderr, ``/var/log/xen/xl-<domain>.log``::

    libxl: error: libxl_mem.c:287:libxl_set_memory_target: Domain 0:New target 0 for dom0 is below the minimum threshold
    2024-03-01 10:00:00 UTC libxl: info: libxl_create.c:122:libxl__domain_build_info_setdefault: qemu-xen is unavailable
    2024-03-01 10:00:00.123 CET [4242] libxl: debug: libxl_event.c:691:watchfd_callback: watch w=0x1 epath=/local/domain/5
    Waiting for domain web01 (domid 5) to die [pid 4242]
    Domain 5 has shut down, reason code 0 0x0
    Domain 5 has been destroyed.

``xtl_logger_stdio.c``: optional ``%Y-%m-%d %H:%M:%S %Z `` time and ``[pid] ``, then the
context (``libxl``, or ``xc`` for libxenctrl) and the level. Program is that context; the level
is the priority (debug/verbose/detail 7, progress/info 6, notice 5, warning 4, error 3,
critical 2); the message is the text after ``level: `` (``file:line:func: Domain N:...``). A
UTC/GMT zone gives wall_kind "utc", any other zone name "local", no time "none". Lines ``xl``
writes itself have no prefix: each is an event of program "xl" with no time. A line starting
with whitespace continues the event above; blank lines are ``empty``.
"""

from __future__ import annotations

import re

import numpy as np

from ..model import REASON_EMPTY, REASON_NO_HEADER, ParseResult
from ._common import (LineTexts, Tally, blank_mask, build_result, build_wall_iso, extract,
                      fold_continuations, make_events, starts_with_space, to_arrow, share_matching)
from .xend import level_priority

FORMAT = "libxl"

#: xentoollog levels (``xentoollog.h``) as syslog priorities.
XTL_LEVELS = {"debug": 7, "verbose": 7, "detail": 7, "progress": 6, "info": 6, "notice": 5,
              "warning": 4, "error": 3, "critical": 2}
UTC_ZONES = ("UTC", "GMT", "Z", "UCT")

HEADER_RE = re.compile(
    r"(?s)^(?:(?P<date>\d{4}-\d\d-\d\d) (?P<time>\d\d:\d\d:\d\d(?:\.\d{1,9})?)"
    r" (?P<tz>[A-Za-z][A-Za-z0-9+-]{0,5}) )?"
    r"(?:\[(?P<pid>\d+)\] )?"
    r"(?P<who>libxl|xc|libxl-save-helper): "
    r"(?P<level>debug|verbose|detail|progress|info|notice|warning|error|critical): ?"
    r"(?P<msg>.*)"
)

#: Sentences ``xl`` logs without a prefix (``tools/xl/xl_vmcontrol.c``), for sniffing.
XL_SENTENCE_RE = re.compile(
    r"^(?:Waiting for domain \S+ \(domid \d+\) to die \[pid \d+\]"
    r"|Domain \d+ has shut down, reason code \d+ 0x[0-9a-f]+"
    r"|Domain \d+ has been destroyed\.?"
    r"|Domain \d+ needs to be cleaned up: destroying the domain"
    r"|Action for shutdown reason code \d+ is \w+"
    r"|Done\. (?:Exiting|Rebooting) now"
    r"|Parsing config from \S+)\s*$"
)


def sniff(sample: list[str]) -> float:
    """Share of the sample's non-blank lines that are libxl lines or known xl sentences."""
    return share_matching(sample, HEADER_RE, XL_SENTENCE_RE)


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Parse libxl / xl log lines (see the module docstring)."""
    arr = to_arrow(lines)
    hdr = extract(arr, HEADER_RE.pattern, rstrip=("msg",))
    is_lib = hdr["matched"].to_numpy()
    blank = blank_mask(arr)
    is_cont = starts_with_space(arr) & ~is_lib
    is_xl = ~is_lib & ~blank & ~is_cont
    is_event = is_lib | is_xl
    message = np.where(is_lib, hdr["msg"].to_numpy(), None)
    if is_xl.any():
        message[is_xl] = [lines[i].rstrip() for i in np.flatnonzero(is_xl).tolist()]
    tally = Tally(source=source, first_line=first_line, lines=lines)
    tally.add_mask(REASON_EMPTY, blank)
    folded = fold_continuations(is_event, is_cont, message,
                                LineTexts(lines))
    tally.add_positions(REASON_NO_HEADER, folded.orphans)
    rows = folded.rows
    sel = hdr.iloc[rows]
    wall = build_wall_iso(sel["date"].to_numpy(), sel["time"].to_numpy())
    tz = sel["tz"].to_numpy()
    kind = np.where(np.isin(tz, UTC_ZONES), "utc", "local")
    program = np.where(is_lib[rows], sel["who"].to_numpy(), "xl")
    events = make_events(
        line=rows + first_line,
        end_line=folded.end + first_line,
        program=program,
        message=folded.message,
        wall=wall,
        wall_kind=np.where(np.isnat(wall), "none", kind),
        priority=level_priority(sel["level"].to_numpy(), XTL_LEVELS),
    )
    return build_result(FORMAT, events, n_lines=len(lines), tally=tally)
