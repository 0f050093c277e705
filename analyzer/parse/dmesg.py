"""Raw kernel ring buffer as ``dmesg`` prints it::

    [    0.000000] Linux version 2.6.32.43-0.4.1.xs1.8.0.835.170778xen (geeko@buildhost) ...
    [    0.000000]   Intel GenuineIntel
    <4>[   12.345678] xen_net: Memory squeeze in netback driver.
    [   74.807351][ T5845] BUG: KASAN: use-after-free in ...
    <6>Linux version 2.6.18-274.el5xen (mockbuild@builder10.centos.org) ...

The ``[uptime]`` becomes ``uptime`` (seconds since boot), a ``<N>`` prefix (``dmesg -r``,
``/proc/kmsg``) the priority (N mod 8), a caller id (``[ T5845]``, ``[C1]``) is dropped.
There is no wall clock: wall is NaT, wall_kind "none", program "kernel". Exactly one space after
the header is removed; the rest of the message is kept as logged (ANSI colour codes stripped,
trailing whitespace removed).

A line with no header that starts with whitespace continues the event above: that is how a
multi-line printk comes out (``Virtual kernel memory layout:`` then ``    vector  : 0x...``
on old ARM kernels; util-linux dmesg indents follow-up lines of one record). Blank lines are
``empty``; any other line without a header is ``no_header``.
"""

from __future__ import annotations

import re

import numpy as np

from ..model import ParseResult
from ._common import (Tally, build_result, extract, fold_headed, make_events, share_matching, strip_ansi_many, to_arrow)

FORMAT = "dmesg"

#: ``<4>[  1.234567][ T123] msg`` -- priority, uptime and caller id all optional except that a
#: line needs at least the priority or the uptime.
HEADER_RE = re.compile(
    r"(?s)^(?:<(?P<pri>\d{1,3})>)?"
    r"(?:\[\s*(?P<up>\d+(?:\.\d+)?)\](?:\[\s*(?P<caller>[TC]\d+)\])?)?"
    r" ?(?P<msg>.*)"
)

#: What sniff accepts: an uptime header, or a kmsg priority directly followed by text.
SNIFF_RE = re.compile(r"^(?:<\d{1,3}>)?\[\s*\d+\.\d+\](?:\[\s*[TC]\d+\])? |^<\d{1,3}>\S")


def sniff(sample: list[str]) -> float:
    """Share of the sample's non-blank lines that carry a dmesg header."""
    return share_matching(sample, SNIFF_RE)


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Parse dmesg lines (see the module docstring)."""
    arr = to_arrow(lines)
    hdr = extract(arr, HEADER_RE.pattern, rstrip=("msg",))
    pri = hdr["pri"].to_numpy()
    up = hdr["up"].to_numpy()
    is_event = hdr["matched"].to_numpy() & ((pri != "") | (up != ""))
    tally = Tally(source=source, first_line=first_line, lines=lines)
    folded = fold_headed(lines, arr, is_event, hdr["msg"].to_numpy(), tally)

    rows = folded.rows
    events = make_events(
        line=rows + first_line,
        end_line=folded.end + first_line,
        program="kernel",
        message=strip_ansi_many(folded.message),
        wall_kind="none",
        uptime=to_float(up[rows]),
        priority=priority_of(pri[rows]),
    )
    return build_result(FORMAT, events, n_lines=len(lines), tally=tally)


def to_float(values: np.ndarray) -> np.ndarray:
    """"12.5" strings as float64; "" (group absent) as NaN."""
    out = np.full(len(values), np.nan)
    have = values != ""
    if have.any():
        out[have] = np.asarray(values[have], dtype=np.float64)
    return out


def priority_of(values: np.ndarray) -> np.ndarray:
    """kmsg ``<N>`` values as priority levels (N mod 8; facility bits dropped); NaN if absent."""
    out = to_float(values)
    return np.where(np.isnan(out), np.nan, np.mod(out, 8))


__all__ = ["FORMAT", "HEADER_RE", "sniff", "parse", "to_float", "priority_of"]
