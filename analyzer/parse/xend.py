"""xend's own log (Xen 3.0-4.4), ``/var/log/xen/xend.log`` and ``xend-debug.log``::

    [2009-06-30 13:46:11 5499] DEBUG (balloon:151) Balloon: 7316 KiB free; need 1048576; done.
    [2009-06-30 13:46:11 5499] DEBUG (balloon:207) Balloon: setting dom0 target to 1206 MiB.
    [2009-06-30 13:46:11 5499] INFO (XendDomainInfo:1330) Setting memory target of domain Domain-0 (0) to 1206 MiB.
    [2009-06-30 13:46:12 5499] ERROR (XendDomainInfo:440) VM start failed
    Traceback (most recent call last):
      File "/usr/lib/python2.4/site-packages/xen/xend/XendDomainInfo.py", line 420, in start
    VmError: I need 1048576 KiB, but dom0_min_mem is 262144 and shrinking to 262144 KiB would leave only 7316 KiB free.
    [xend] DEBUG (DevController:139) Waiting for devices vif.

``XendLogging.py``: ``[%(asctime)s %(process)d] %(levelname)s (%(module)s:%(lineno)d) %(message)s``
with ``%Y-%m-%d %H:%M:%S``; xend-debug.log/stderr use ``[xend] %(levelname)s (...)`` with no time.
Program "xend"; wall naive local time (wall_kind "local"; "none" for the stderr form); the
level is the priority (DEBUG 7, INFO 6, WARNING 4, ERROR 3, CRITICAL 2); the message is the text
after ``(module:lineno) `` (line numbers change between versions, so they are not kept). Lines
without a header after a record (tracebacks, multi-line sxp dumps) continue it, joined with
``"\\n"``. Blank lines are ``empty``; text before the first record is ``no_header``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..model import REASON_EMPTY, REASON_NO_HEADER, ParseResult
from ._common import (LineTexts, SYSLOG_LEVELS, Tally, blank_mask, build_result, build_wall_iso,
                      extract, fold_continuations, make_events, to_arrow)

FORMAT = "xend"

HEADER_RE = re.compile(
    r"(?s)^\[(?:(?P<date>\d{4}-\d\d-\d\d) (?P<time>\d\d:\d\d:\d\d)(?:[,.]\d+)? (?P<pid>\d+)"
    r"|xend)\] (?P<level>[A-Z]+) \((?P<module>[^():\s]+):(?P<lineno>\d+)\) ?(?P<msg>.*)"
)

#: Lines sniff accepts besides headers: pieces of a Python traceback.
TRACEBACK_RE = re.compile(
    r"^(?:Traceback \(most recent call last\):|\s+\S|[A-Za-z_][\w.]*(?:Error|Exception|Exit)\b)"
)


def sniff(sample: list[str]) -> float:
    """Share of xend record lines (traceback lines count once the sample has records)."""
    lines = [ln for ln in sample if ln.strip()]
    if not lines:
        return 0.0
    records = sum(1 for ln in lines if HEADER_RE.match(ln))
    if not records:
        return 0.0
    tb = sum(1 for ln in lines if not HEADER_RE.match(ln) and TRACEBACK_RE.match(ln))
    return (records + tb) / len(lines)


def level_priority(levels, table: dict = SYSLOG_LEVELS) -> np.ndarray:
    """Level names (``DEBUG``, ``error``) as syslog priorities via ``table``; NaN if unknown."""
    mapped = pd.Series(levels, dtype=object).astype(str).str.lower().map(table)
    return pd.to_numeric(mapped, errors="coerce").to_numpy(dtype=np.float64, copy=True)


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Parse xend.log lines (see the module docstring)."""
    arr = to_arrow(lines)
    hdr = extract(arr, HEADER_RE.pattern, rstrip=("msg",))
    is_event = hdr["matched"].to_numpy()
    blank = blank_mask(arr)
    is_cont = ~is_event & ~blank
    tally = Tally(source=source, first_line=first_line, lines=lines)
    tally.add_mask(REASON_EMPTY, blank)
    folded = fold_continuations(is_event, is_cont, hdr["msg"].to_numpy(),
                                LineTexts(lines))
    tally.add_positions(REASON_NO_HEADER, folded.orphans)
    rows = folded.rows
    sel = hdr.iloc[rows]
    wall = build_wall_iso(sel["date"].to_numpy(), sel["time"].to_numpy())
    events = make_events(
        line=rows + first_line,
        end_line=folded.end + first_line,
        program="xend",
        message=folded.message,
        wall=wall,
        wall_kind=np.where(np.isnat(wall), "none", "local"),
        priority=level_priority(sel["level"].to_numpy()),
    )
    return build_result(FORMAT, events, n_lines=len(lines), tally=tally)
