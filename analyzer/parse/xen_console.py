"""Xen hypervisor console: ``xl dmesg`` / ``xm dmesg`` output, or a saved console::

    (XEN) Xen version 3.1.2-128.1.10.el5 (mockbuild@redhat.com) (gcc version 4.1.2) ...
    (XEN) Command line: /xen.gz-2.6.18-128.el5 dom0_mem=1024M
    (XEN) [2009-03-02 06:11:40] memory.c:124:d0 Could not allocate order=0 extent: id=2 ...
    (XEN) [2009-03-02 06:11:40.123] System RAM: 32767MB (33553464kB)
    (XEN) [  123.456789] d1 has maximum 64 PIRQs
    (XEN) (GUEST: 4) HVM Loader
    (d4) HVM Loader
    [   12.345678] xen_net: Memory squeeze in netback driver.

Program "xen" for hypervisor lines; the ``(XEN) `` prefix and a console timestamp
(``console_timestamps=date|datems|boot|raw``) are removed from the message. Only the date forms
give a wall time (naive, wall_kind "local"); the boot (``[  123.456789]``) and raw
(``[0000001234abcdef]``) forms count the *hypervisor's* time, not the Dom0 kernel's uptime, so
they are dropped and uptime stays NaN. Guest output (``(GUEST: 4)`` in Xen 3.x, ``(d4)`` in 4.x)
is program "xen-guest" and keeps its guest marker at the start of the message (it is the only
place the domain id is written). A Dom0 kernel line in the same capture (``[  12.3] msg``) is
program "kernel" with its uptime. A line that starts with whitespace continues the event above;
blank lines (and a bare ``(XEN)``) are ``empty``; anything else is ``no_header``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..model import REASON_EMPTY, ParseResult
from ._common import (Tally, build_result, build_wall_iso, extract,
                      fold_headed, make_events, strip_ansi_many, to_arrow)
from .dmesg import priority_of, to_float

FORMAT = "xen_console"

#: One line of a Xen console. ``xen``: the ``(XEN)`` prefix; ``date``/``time``: console
#: timestamp of the date forms; ``guest``: a guest marker; ``up``/``pri``: a Dom0 kernel line.
HEADER_RE = re.compile(
    r"(?s)^(?:"
    r"(?P<xen>\(XEN\))(?: ?\[(?:(?P<date>\d{4}-\d\d-\d\d) (?P<time>\d\d:\d\d:\d\d(?:\.\d{1,9})?)"
    r"|\s*\d+\.\d+|[0-9a-fA-F]{16})\])? ?"
    r"|(?:<(?P<pri>\d{1,3})>)?\[\s*(?P<up>\d+\.\d+)\](?:\[\s*[TC]\d+\])? ?"
    r"|"
    r")"
    r"(?P<msg>(?P<guest>\((?:GUEST: ?\d+|d\d+)\)(?: |$))?.*)"
)

#: What sniff counts as a hypervisor or guest line.
SNIFF_XEN_RE = re.compile(r"^(?:\(XEN\)|\(d\d+\) )")
SNIFF_KERNEL_RE = re.compile(r"^(?:<\d{1,3}>)?\[\s*\d+\.\d+\] ")
#: Below this share of hypervisor lines, Dom0 kernel lines do not count for the xen format.
MIN_XEN_SHARE = 0.1


def sniff(sample: list[str]) -> float:
    """Share of ``(XEN)``/guest lines (plus Dom0 kernel lines when the file is mostly Xen's)."""
    lines = [ln for ln in sample if ln.strip()]
    if not lines:
        return 0.0
    xen = sum(1 for ln in lines if SNIFF_XEN_RE.match(ln))
    if xen / len(lines) < MIN_XEN_SHARE:
        return xen / len(lines)
    kernel = sum(1 for ln in lines if SNIFF_KERNEL_RE.match(ln))
    return (xen + kernel) / len(lines)


def classify(texts) -> pd.DataFrame:
    """Program, message, wall, uptime and priority of console texts, one row per text.

    Columns: ``matched`` (a hypervisor, guest or kernel line), ``program``, ``message``,
    ``date``/``time`` strings, ``uptime``, ``priority``. Shared with the serial parser, which
    applies it to what follows the capture timestamp.
    """
    hdr = extract(texts, HEADER_RE.pattern, rstrip=("msg",))
    xen = hdr["xen"].to_numpy() != ""
    guest = hdr["guest"].to_numpy() != ""
    up = hdr["up"].to_numpy()
    kernel = ~xen & (up != "")
    program = np.where(guest & (xen | ~kernel), "xen-guest",
                       np.where(xen, "xen", np.where(kernel, "kernel", None)))
    return pd.DataFrame({
        "matched": hdr["matched"].to_numpy() & (xen | guest | kernel),
        "program": program.astype(object),
        "message": hdr["msg"].to_numpy(),
        "date": hdr["date"].to_numpy(),
        "time": hdr["time"].to_numpy(),
        "uptime": to_float(up),
        "priority": priority_of(hdr["pri"].to_numpy()),
    })


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Parse a Xen console capture (see the module docstring)."""
    arr = to_arrow(lines)
    cls = classify(arr)
    matched = cls["matched"].to_numpy()
    bare = matched & (cls["message"].to_numpy() == "")  # "(XEN)" and nothing else
    is_event = matched & ~bare
    tally = Tally(source=source, first_line=first_line, lines=lines)
    tally.add_mask(REASON_EMPTY, bare)
    folded = fold_headed(lines, arr, is_event, cls["message"].to_numpy(), tally, header=matched)
    rows = folded.rows
    sel = cls.iloc[rows]
    wall = build_wall_iso(sel["date"].to_numpy(), sel["time"].to_numpy())
    events = make_events(
        line=rows + first_line,
        end_line=folded.end + first_line,
        program=sel["program"].to_numpy(),
        message=strip_ansi_many(folded.message),
        wall=wall,
        wall_kind=np.where(np.isnat(wall), "none", "local"),
        uptime=sel["uptime"].to_numpy(),
        priority=sel["priority"].to_numpy(),
    )
    return build_result(FORMAT, events, n_lines=len(lines), tally=tally)
