"""RFC 3164 syslog (kern.log, messages) and journalctl ``short`` / ``short-precise``.

    Feb  4 09:34:10 compute4 kernel: [    0.000000] Linux version 5.4.0-97-generic ...
    Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 ...
    Jun 19 04:09:11 combo syslogd 1.4.1: restart.
    Sep 07 11:03:12.123456 dom0 root[5474]: /etc/xen/scripts/block: add XENBUS_PATH=...
    Aug 25 10:00:02 dom0 last message repeated 3 times
    -- Boot 6f0a1cbb3b764d8a9e3c1f0d2c7b8a91 --

The header is month, day (space- or zero-padded), time (optionally with microseconds, as
journalctl ``short-precise`` prints it), host, then an optional tag: a program name that may
hold spaces or parentheses (``syslogd 1.4.1``, ``sshd(pam_unix)``) with an optional ``[pid]``,
and ``: ``. An optional ``<PRI>`` prefix gives the priority (PRI mod 8). Kernel lines may carry
the dmesg ``[uptime]`` after ``kernel:`` (moved into ``uptime``) or the rsyslog oddity
``kernel: : msg``.

The year is not in the line: ``wall`` uses the placeholder year 2000 (a leap year, so Feb 29
parses) and ``wall_kind`` is ``"noyear"``. Repeat lines (``last message repeated N times``,
``message repeated N times: [ msg ]``) add N to the previous event's ``count``. journalctl
meta lines (``-- Logs begin at ... --``, ``-- No entries --``) are parsed without an event;
``-- Boot <id> --`` and ``-- Reboot --`` give the events after them ``boot_id="marker:N"``
(N counts markers within the chunk, from 1). An indented line right after an event (journalctl
prints the lines of a multi-line message that way) continues it, joined with ``"\\n"``.

``assemble`` is the shared second half (continuations, repeats, boot markers, kernel uptime) of
this parser, ``rfc5424`` and ``journal_monotonic``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model import REASON_EMPTY, REASON_NO_HEADER, ParseResult
from . import _common as C

FORMAT = "syslog"

_MONTH = r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"

#: An optional syslog tag after the host: ``kernel:``, ``root[5474]:``, ``sshd(pam_unix)[19939]:``,
#: ``syslogd 1.4.1:`` (at most three words, no colon or brackets inside), then ``": "``.
TAG = (r"(?:(?P<program>[^\s:\[\]]+(?: [^\s:\[\]]+){0,2}?)(?:\[(?P<pid>[^\]\s]*)\])?:(?: |$))?")

#: Host names and addresses; never ``[`` or ``(`` (so serial captures' ``[  271.7]`` and
#: ``(XEN)`` after the time are not taken for hosts).
HOST = r"(?P<host>[^\s\[\]()<>]+)"

#: The RFC 3164 / journalctl short header up to the message (RE2 syntax, run over a whole
#: chunk at once), and the whole line.
HEAD_RE = (
    r"^(?:<(?P<pri>\d{1,3})>)?" + _MONTH + r" {1,2}(?P<day>\d{1,2}) "
    r"(?P<time>\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) " + HOST + r" +" + TAG
)
HEADER_RE = HEAD_RE + r"(?P<message>.*)$"

#: journalctl lines between entries: ``-- Logs begin at Tue 2021-09-07 10:00:00 CEST, end at
#: ... --``, ``-- Journal begins at ... --``, ``-- No entries --``, boot markers.
META_RE = r"^-- .*--\s*$"
#: ``-- Boot 6f0a1cbb3b764d8a9e3c1f0d2c7b8a91 --`` (systemd >= 248) and ``-- Reboot --``.
BOOT_MARKER_RE = r"^-- (?:Boot [0-9a-fA-F-]+|Reboot) --\s*$"

#: What may follow ``kernel:``: the rsyslog ``: `` oddity and/or the dmesg ``[uptime]`` (with an
#: optional caller id ``[ T123]``/``[C1]``), then the message.
KERNEL_PREFIX_RE = r"^(?P<colon>: )?(?:\[\s*(?P<up>\d+\.\d+)\](?:\[\s*[TC]\d+\])? ?)?"


def sniff(sample: list[str]) -> float:
    """Share of ``sample`` lines with a syslog header or a journalctl meta line."""
    if not sample:
        return 0.0
    arr = C.to_arrow(sample)
    hit = pc.or_(pc.match_substring_regex(arr, HEADER_RE), pc.match_substring_regex(arr, META_RE))
    return float(pc.sum(pc.cast(hit, pa.int64())).as_py() or 0) / len(sample)


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Parse RFC 3164 syslog / journalctl short lines (see the module docstring)."""
    arr, texts = C.to_arrow_texts(lines)
    groups, matched = C.extract_head(texts, HEAD_RE, arr=arr)
    wall = C.build_wall(year=2000, month=groups["mon"], day=groups["day"], time=groups["time"])
    hdr = C.groups_frame(groups, matched, skip=("mon", "day", "time", "pid", "pri"))
    wall_kind = np.where(np.isnat(wall), "none", "noyear").astype(object)
    return assemble(FORMAT, lines, hdr, arr=arr, wall=wall, wall_kind=wall_kind,
                    priority=pri_to_priority(groups["pri"]), source=source, first_line=first_line)


def pri_to_priority(pri: Sequence[str] | pa.Array) -> np.ndarray:
    """``<PRI>`` digit strings ("13", "" when absent) as priority levels (PRI mod 8), NaN if
    absent."""
    if isinstance(pri, pa.Array):
        given = pc.not_equal(pri, "")
        if not pc.any(given).as_py():
            return np.full(len(pri), np.nan)
        num = pc.cast(pc.if_else(given, pri, pa.scalar(None, pa.string())), pa.float64())
        return pc.fill_null(num, np.nan).to_numpy(zero_copy_only=False) % 8
    num = pd.to_numeric(pd.Series(pri, dtype=object), errors="coerce")
    return (num.to_numpy(dtype=np.float64) % 8)


def assemble(fmt: str, lines: Sequence[str], hdr: pd.DataFrame, *, arr: pa.Array | None = None,
             wall: np.ndarray | None = None, wall_kind=None, uptime: np.ndarray | None = None,
             priority: np.ndarray | None = None, kernel_uptime: bool = True,
             source: str = "", first_line: int = 1) -> ParseResult:
    """Turn header matches of a syslog-shaped chunk into a ParseResult.

    ``hdr`` comes from ``_common.extract`` or ``extract_head`` and has ``matched``,
    ``message`` (without trailing whitespace) and optionally ``program``/``pid``/``host``
    columns; ``wall``, ``wall_kind``, ``uptime`` and ``priority`` hold one value per line (used
    where the header matched). Unmatched lines become journal meta lines, boot markers,
    continuations (indented, right after an event), ``empty`` or ``no_header``. Matched repeat
    lines fold into the previous event's count. With
    ``kernel_uptime``, ``kernel`` messages lose a leading ``[uptime]`` (into ``uptime``) and the
    rsyslog ``: `` oddity.
    """
    n = len(lines)
    arr = C.to_arrow(lines) if arr is None else arr
    tally = C.Tally(source=source, first_line=first_line, lines=lines)
    matched = hdr["matched"].to_numpy().astype(bool)
    message = hdr["message"].to_numpy(dtype=object, copy=True)
    program = hdr["program"].to_numpy(dtype=object) if "program" in hdr else np.full(n, None)
    up = np.full(n, np.nan) if uptime is None else np.asarray(uptime, dtype=np.float64).copy()
    if kernel_uptime and n:
        _split_kernel_prefix(program, message, matched, up, arr)

    # Lines without a header (few: looked at alone): journal meta lines and boot markers,
    # blanks, continuations.
    blank, meta, marker, cont = (np.zeros(n, dtype=bool) for _ in range(4))
    other = np.flatnonzero(~matched)
    if len(other):
        texts = arr.take(pa.array(other)) if len(other) < n else arr
        blank[other] = C.blank_mask(texts)
        meta[other] = ~blank[other] & _mask(texts, META_RE)
        marker[other] = meta[other] & _mask(texts, BOOT_MARKER_RE)
        cont[other] = ~blank[other] & ~meta[other] & C.starts_with_space(texts)
    repeats = np.full(n, np.nan)
    pos = np.flatnonzero(matched & _mask(arr, "repeated [0-9]+ times"))
    if len(pos):
        repeats[pos] = C.repeat_counts(message[pos].tolist())
    is_repeat = ~np.isnan(repeats)
    is_event = matched & ~is_repeat

    cont_texts = _continuation_texts(lines, message, is_event, cont)
    folded = C.fold_continuations(is_event, cont, message, cont_texts)
    rows = folded.rows
    tally.add_mask(REASON_EMPTY, blank)
    tally.add_positions(REASON_NO_HEADER, np.sort(np.concatenate([
        np.flatnonzero(~matched & ~blank & ~meta & ~cont), folded.orphans])))

    count = np.ones(len(rows), dtype=np.int64)
    leading = 0
    rep_pos = np.flatnonzero(is_repeat)
    if len(rep_pos):
        target = np.searchsorted(rows, rep_pos) - 1
        n_rep = repeats[rep_pos].astype(np.int64)
        leading = int(n_rep[target < 0].sum())
        np.add.at(count, target[target >= 0], n_rep[target >= 0])

    boot = np.cumsum(marker)[rows] if len(rows) else np.zeros(0, dtype=np.int64)
    boot_id = np.array([f"marker:{b}" if b else None for b in boot.tolist()], dtype=object) \
        if marker.any() else (hdr["boot_id"].to_numpy(dtype=object)[rows]
                              if "boot_id" in hdr else None)
    events = C.make_events(
        line=rows + first_line, end_line=folded.end + first_line, message=folded.message,
        program=program[rows], host=hdr["host"].to_numpy(dtype=object)[rows]
        if "host" in hdr else None,
        wall=None if wall is None else np.asarray(wall, dtype="datetime64[ns]")[rows],
        wall_kind=wall_kind[rows] if isinstance(wall_kind, np.ndarray) else (wall_kind or "none"),
        uptime=up[rows], boot_id=boot_id, count=count,
        priority=None if priority is None else np.asarray(priority, dtype=np.float64)[rows],
    )
    return C.build_result(fmt, events, n_lines=n, tally=tally, leading_repeats=leading,
                          boot_markers=int(marker.sum()))


def _mask(arr: pa.Array, pattern: str) -> np.ndarray:
    if not len(arr):
        return np.zeros(0, dtype=bool)
    return pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(
        zero_copy_only=False).astype(bool)


#: A superset of the lines whose ``kernel`` message starts with ``[`` or ``:`` (a DFA-only
#: prefilter for ``_split_kernel_prefix``): after the syslog tag, or after RFC 5424's
#: ``kernel PROCID MSGID SD``.
_KERNEL_PREFIX_HINT = (r"kernel(?:\[[^\]\s]*\])?: ?[\[:]"
                       r"|kernel \S+ \S+ (?:-|\[.*\]) \x{FEFF}?[\[:]")


def _split_kernel_prefix(program: np.ndarray, message: np.ndarray, matched: np.ndarray,
                         uptime: np.ndarray, arr: pa.Array | None = None) -> None:
    """In place: ``kernel: [ 12.345678] msg`` -> uptime 12.345678, message ``msg``.
    ``arr``: the chunk's lines (for a prefilter)."""
    is_kernel = matched & (program == "kernel")
    if arr is not None and is_kernel.any():
        is_kernel &= _mask(arr, _KERNEL_PREFIX_HINT)
    pos = np.flatnonzero(is_kernel)
    if not len(pos):
        return
    sub = message[pos]
    starts = np.fromiter((s[:1] in ("[", ":") for s in sub), dtype=bool, count=len(sub))
    pos, sub = pos[starts], sub[starts]
    if not len(pos):
        return
    got, _ = C.extract_head(sub.tolist(), KERNEL_PREFIX_RE, tail="rest")
    message[pos] = got["rest"]
    ups = pd.to_numeric(got["up"].to_numpy(zero_copy_only=False), errors="coerce").astype(
        np.float64)
    has = ~np.isnan(ups)
    uptime[pos[has]] = ups[has]


def _continuation_texts(lines: Sequence[str], message: np.ndarray, is_event: np.ndarray,
                        cont: np.ndarray) -> dict:
    """Text of each continuation line: the indentation up to the message column removed.

    journalctl indents the further lines of a message to the column where the first line's
    message starts; indentation beyond that is the message's own and is kept.
    """
    out: dict[int, str] = {}
    if not cont.any():
        return out
    col = 0
    ev_pos = np.flatnonzero(is_event)
    cont_pos = np.flatnonzero(cont)
    owner = np.searchsorted(ev_pos, cont_pos) - 1
    for p, o in zip(cont_pos.tolist(), owner.tolist()):
        line = lines[p].rstrip()
        if o >= 0:
            e = ev_pos[o]
            col = len(lines[e].rstrip()) - len(message[e].split("\n", 1)[0])
        lead = len(line) - len(line.lstrip(" \t"))
        out[p] = line[min(lead, max(col, 0)):] if o >= 0 else line.lstrip(" \t")
    return out
