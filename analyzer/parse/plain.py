"""Logs with no timestamps and no prefix at all, the fallback format::

    Linux version 2.6.18-274.7.1.el5xen (mockbuild@builder10.centos.org) (gcc version 4.1.2)
    xen_net: Memory squeeze in netback driver.
    printk: 22 messages suppressed.

RHEL 5 ``dmesg`` prints like this (no ``[uptime]``), and so does any text the other grammars do
not recognise. Every non-blank line is one event (message = the line, ANSI colour codes and
trailing whitespace removed); wall NaT, wall_kind "none", program unknown (None). Blank lines are
``empty``.
"""

from __future__ import annotations

from ..model import REASON_EMPTY, ParseResult
from ._common import Tally, blank_mask, build_result, make_events, strip_ansi_many, to_arrow

import numpy as np
import pyarrow.compute as pc

FORMAT = "plain"

#: The fallback: never preferred over a format that recognises the sample.
SNIFF_SCORE = 0.1


def sniff(sample: list[str]) -> float:
    """A low constant: plain text is what is left when no grammar fits."""
    return SNIFF_SCORE


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Every non-blank line becomes an event."""
    arr = to_arrow(lines)
    blank = blank_mask(arr)
    tally = Tally(source=source, first_line=first_line, lines=lines)
    tally.add_mask(REASON_EMPTY, blank)
    rows = np.flatnonzero(~blank)
    msgs = pc.utf8_rtrim_whitespace(arr.take(rows)).to_numpy(zero_copy_only=False).tolist()
    events = make_events(line=rows + first_line, message=strip_ansi_many(msgs),
                         program=None, wall_kind="none")
    return build_result(FORMAT, events, n_lines=len(lines), tally=tally)
