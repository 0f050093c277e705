"""Helpers every parser shares: vectorized header extraction, continuation folding, the events
table with its fixed dtypes, unparsed-line counting, syslog repeat folding, ANSI stripping.

A parser is three steps over a whole chunk of lines, never one Python object per line through
many layers::

    arr = to_arrow(lines)
    hdr = extract(arr, HEADER_RE)                      # one compiled (RE2) regex over the chunk
    tally = Tally(source=source, first_line=first_line, lines=lines)
    tally.add_mask(REASON_EMPTY, blank_mask(arr))
    ...
    events = make_events(line=..., message=..., wall_kind="none", uptime=...)
    return build_result(FORMAT, events, n_lines=len(lines), tally=tally)

Public API (stable; other parsers import it):

- ``to_arrow(lines) -> pa.StringArray``; ``to_arrow_texts(lines)`` (the array and the strings)
- ``extract(lines, pattern, *, rstrip=(), skip=()) -> pandas.DataFrame`` named groups + ``matched``
- ``extract_arrays(lines, pattern, *, rstrip=())`` (pyarrow groups, matched) and
  ``groups_frame(groups, matched, *, skip=())``, the two halves of ``extract``
- ``extract_head(lines, head, *, tail="message")``: ``extract_arrays`` of ``head`` followed by
  the rest of the line, for headers (RE2 matches the header only)
- ``blank_mask(lines) -> np.ndarray[bool]``
- ``fold_continuations(is_event, is_cont, messages, cont_texts) -> Folded``
- ``make_events(*, line, message, ...) -> pandas.DataFrame`` (exactly PARSE_COLUMNS)
- ``empty_events() -> pandas.DataFrame``
- ``Tally(source=, first_line=, lines=)`` with ``add(reason, pos)``, ``add_mask(reason, mask)``
- ``build_result(fmt, events, *, n_lines, tally, leading_repeats=0) -> ParseResult``
- ``repeat_counts(texts) -> np.ndarray[float]``; ``fold_repeats(events, repeats=None)``
- ``strip_ansi(text)``, ``strip_ansi_many(texts)``, ``excerpt(text)``
- ``build_wall(year=, month=, day=, time=) -> np.ndarray[datetime64[ns]]``, ``MONTHS``
- ``build_wall_iso(date, time)`` for ``2009-06-30`` dates
- ``starts_with_space(lines)``, ``LineTexts(lines)`` (lazy rstrip)
- ``SYSLOG_LEVELS`` (name -> 0..7 priority)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model import PARSE_COLUMNS


#: English month abbreviations as syslog, dmesg -T and serial captures print them.
MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}

#: Level words of syslog, Python logging (xend) and libxl mapped to syslog priorities 0-7.
SYSLOG_LEVELS = {
    "emerg": 0, "emergency": 0, "alert": 1, "crit": 2, "critical": 2, "err": 3, "error": 3,
    "warn": 4, "warning": 4, "notice": 5, "info": 6, "debug": 7,
}

#: ANSI escape sequences: CSI (``ESC [ ... m``), charset designation (``ESC ( B``), OSC
#: (``ESC ] ... BEL``) and two-character escapes. Seen in real dmesg captured from a terminal:
#: ``go[233]: \x1b[38;5;3m  !! Rdmsr: ... done.\x1b[m\x1b(B``.
ANSI_RE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[()*+][0-9A-Za-z]|[@-Z\\-_=>])"
)

#: sysklogd ``last message repeated 3 times`` and rsyslog ``message repeated 3 times: [ msg]``
#: (the text after the syslog header).
REPEAT_RE = re.compile(
    r"^(?:last message repeated (?P<n1>\d+) times?"
    r"|message repeated (?P<n2>\d+) times?: \[.*\])\s*$"
)

_STRING_COLUMNS = ("program", "host", "message", "wall_kind", "boot_id")


# ---------------------------------------------------------------------------------------------
# Vectorized extraction


def to_arrow(lines: Sequence[str] | pa.Array) -> pa.Array:
    """``lines`` as one pyarrow string array (lone surrogates replaced, never an error)."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    if isinstance(lines, pa.Array):
        return lines
    return to_arrow_texts(lines)[0]


def to_arrow_texts(lines: Sequence[str]) -> tuple[pa.Array, Sequence[str]]:
    """``to_arrow(lines)`` and the same strings as Python ``str``: ``lines`` itself unless a
    string had to be replaced."""
    try:
        return pa.array(lines, type=pa.string()), lines
    except (UnicodeEncodeError, pa.ArrowInvalid, pa.ArrowTypeError):
        texts = [str(s).encode("utf-8", "replace").decode("utf-8") for s in lines]
        return pa.array(texts, type=pa.string()), texts


def extract(lines: Sequence[str] | pa.Array, pattern: str, *,
            rstrip: Sequence[str] = (), skip: Sequence[str] = ()) -> pd.DataFrame:
    """Named groups of ``pattern`` (RE2 syntax) for every line, in one pass over the chunk.

    >>> extract(["[  1.5] hi", "x"], r"^\\[\\s*(?P<up>[0-9.]+)\\] (?P<msg>.*)$").to_dict("list")
    {'up': ['1.5', ''], 'msg': ['hi', ''], 'matched': [True, False]}

    A group that did not take part in a match is ``""`` (pyarrow semantics), never None.
    Groups named in ``rstrip`` lose trailing whitespace (vectorized): end a pattern with
    ``(?P<msg>.*)`` and pass ``rstrip=("msg",)``, about 3x faster in RE2 than ``(.*?)\\s*$``.
    Groups named in ``skip`` are left out (no Python string per line for a group not used).
    """
    groups, matched = extract_arrays(lines, pattern, rstrip=rstrip)
    return groups_frame(groups, matched, skip=skip)


def extract_arrays(lines: Sequence[str] | pa.Array, pattern: str, *,
                   rstrip: Sequence[str] = ()) -> tuple[dict[str, pa.Array], np.ndarray]:
    """``extract`` without the DataFrame: each named group as a pyarrow string array (``""``
    where it did not match) and the ``matched`` mask, for callers that stay in pyarrow."""
    arr = to_arrow(lines)
    res = pc.extract_regex(arr, pattern)
    matched = res.is_valid().to_numpy(zero_copy_only=False).astype(bool) if len(arr) \
        else np.zeros(0, dtype=bool)
    groups: dict[str, pa.Array] = {}
    for i, f in enumerate(res.type):
        # the children of a non-matching row are "" already (only the struct is null)
        col = res.field(i) if len(res) else pa.array([], type=pa.string())
        if col.null_count:
            col = pc.fill_null(col, "")
        if f.name in rstrip:
            col = pc.utf8_rtrim_whitespace(col)
        groups[f.name] = col
    return groups, matched


def extract_head(lines: Sequence[str], head: str, *, tail: str = "message",
                 arr: pa.Array | None = None
                 ) -> tuple[dict[str, pa.Array | np.ndarray], np.ndarray]:
    """``extract_arrays(lines, head + "(?P<tail>.*)$", rstrip=(tail,))``, faster.

    ``head`` matches a line's header: it starts with ``^`` and has no top-level ``|``. The
    ``tail`` group, the rest of the line after the header without trailing whitespace (``""``
    where the header did not match), is cut from the Python strings and returned as an object
    array; the other groups are pyarrow arrays as in ``extract_arrays``.

    Why: a capture group that runs to the end of the line keeps RE2 in its submatch engine
    over the whole line; matching only the header is 2-3x cheaper on syslog lines, and the
    message is one Python slice per line instead of an Arrow string converted back.
    ``arr``: the caller's ``arr, lines = to_arrow_texts(lines)``, to convert only once.

    >>> g, m = extract_head(["<1>abc  ", "x"], r"^<(?P<n>\\d)>")
    >>> g["n"].to_pylist(), g["message"].tolist(), m.tolist()
    (['1', ''], ['abc', ''], [True, False])
    """
    if not head.startswith("^"):
        raise ValueError(f"header pattern must start with '^': {head!r}")
    if arr is None:
        arr, lines = to_arrow_texts(lines)
    groups, matched = extract_arrays(arr, "^(?P<_head>" + head[1:] + ")")
    n = len(arr)
    start = np.zeros(n, dtype=np.int64)
    end = np.zeros(n, dtype=np.int64)
    if n:
        start[matched] = pc.utf8_length(groups["_head"]).to_numpy(zero_copy_only=False)[matched]
        end[matched] = pc.utf8_length(pc.utf8_rtrim_whitespace(arr)).to_numpy(
            zero_copy_only=False)[matched]
    del groups["_head"]
    rest = np.empty(n, dtype=object)
    rest[:] = [s[a:b] for s, a, b in zip(lines, start.tolist(), end.tolist(), strict=True)]
    groups[tail] = rest
    return groups, matched


def groups_frame(groups: dict[str, pa.Array | np.ndarray], matched: np.ndarray, *,
                 skip: Sequence[str] = ()) -> pd.DataFrame:
    """The ``extract`` DataFrame of ``extract_arrays`` (or ``extract_head``) output: object
    columns + ``matched``."""
    df = pd.DataFrame({k: pd.Series(v if isinstance(v, np.ndarray) else
                                    np.asarray(v.to_numpy(zero_copy_only=False), dtype=object),
                                    dtype=object, copy=False)
                       for k, v in groups.items() if k not in skip},
                      index=pd.RangeIndex(len(matched)))
    df["matched"] = matched
    return df


def share_matching(sample: Sequence[str], *patterns: re.Pattern) -> float:
    """Share (0..1) of the sample's non-blank lines that one of ``patterns`` matches: the
    ``sniff`` of a format recognised by its line header alone."""
    lines = [ln for ln in sample if ln.strip()]
    if not lines:
        return 0.0
    return sum(1 for ln in lines if any(p.match(ln) for p in patterns)) / len(lines)


def blank_mask(lines: Sequence[str] | pa.Array) -> np.ndarray:
    """True where a line is empty or only whitespace."""
    arr = to_arrow(lines)
    if not len(arr):
        return np.zeros(0, dtype=bool)
    trimmed = pc.utf8_trim_whitespace(arr)
    return pc.fill_null(pc.equal(pc.utf8_length(trimmed), 0), True).to_numpy(
        zero_copy_only=False).astype(bool)


def starts_with_space(lines: Sequence[str] | pa.Array) -> np.ndarray:
    """True where a line starts with a space or a tab (and is not blank)."""
    arr = to_arrow(lines)
    if not len(arr):
        return np.zeros(0, dtype=bool)
    lead = pc.or_(pc.starts_with(arr, " "), pc.starts_with(arr, "\t"))
    m = pc.fill_null(lead, False).to_numpy(zero_copy_only=False).astype(bool)
    return m & ~blank_mask(arr) if m.any() else m


# ---------------------------------------------------------------------------------------------
# Continuations


@dataclass
class Folded:
    """Events after continuation lines were joined into the line before them.

    ``rows``: chunk positions (0-based) of the event lines; ``message``: one message per event
    (continuations joined with ``"\\n"``); ``end``: chunk position of each event's last line;
    ``orphans``: positions of continuation-looking lines with no event to attach to (count them
    as unparsed); ``attached``: positions of continuation lines that were joined (parsed).
    """

    rows: np.ndarray
    message: list
    end: np.ndarray
    orphans: np.ndarray
    attached: np.ndarray


def fold_continuations(is_event: np.ndarray, is_cont: np.ndarray, messages: Sequence,
                       cont_texts: Sequence) -> Folded:
    """Join continuation lines into the event above them.

    ``is_event[i]``: line i starts an event, whose message is ``messages[i]``. ``is_cont[i]``: a
    line that may continue the event above (ignored where ``is_event``); its text is
    ``cont_texts[i]``. A continuation attaches only if every line between it and its event is a
    continuation too (a blank or unparsed line breaks the chain); otherwise it is an orphan.
    """
    is_event = np.asarray(is_event, dtype=bool)
    is_cont = np.asarray(is_cont, dtype=bool) & ~is_event
    n = len(is_event)
    rows = np.flatnonzero(is_event)
    if isinstance(messages, np.ndarray):
        msgs = messages[rows].tolist()
    elif isinstance(messages, list) and len(rows) == n:
        msgs = list(messages)
    else:
        msgs = [messages[i] for i in rows.tolist()]
    end = rows.copy()
    if not is_cont.any():
        return Folded(rows, msgs, end, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    idx = np.arange(n)
    chain_start = ~is_cont  # events and breakers start a new chain
    last_start = np.maximum.accumulate(np.where(chain_start, idx, -1))
    cont_pos = np.flatnonzero(is_cont)
    anchor = last_start[cont_pos]
    ok = (anchor >= 0) & is_event[np.maximum(anchor, 0)]
    attached = cont_pos[ok]
    orphans = cont_pos[~ok]
    if len(attached):
        ordinal = np.searchsorted(rows, anchor[ok])
        extra: dict[int, list] = {}
        for o, p in zip(ordinal.tolist(), attached.tolist()):
            extra.setdefault(o, []).append(cont_texts[p])
            end[o] = p
        for o, parts in extra.items():
            msgs[o] = "\n".join([msgs[o], *parts])
    return Folded(rows, msgs, end, orphans.astype(np.int64), attached.astype(np.int64))


class LineTexts:
    """``lines[i].rstrip()`` on demand: the ``cont_texts`` of ``fold_continuations`` without
    building a list for the whole chunk (continuations are rare)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines

    def __getitem__(self, i: int) -> str:
        return self.lines[i].rstrip()


def fold_headed(lines: Sequence[str], arr: pa.Array, is_event: np.ndarray, messages,
                tally, *, header: np.ndarray | None = None) -> Folded:
    """The usual shape of a format with a header on every line, counted into ``tally``.

    Blank lines (outside events) are ``empty``, indented lines continue the event above, and
    anything else without a header is ``no_header``. ``header`` marks lines that carry a header
    without being an event (default: the events), so they are neither continued nor counted.
    """
    from ..model import REASON_EMPTY, REASON_NO_HEADER

    header = is_event if header is None else header
    blank = blank_mask(arr)
    is_cont = starts_with_space(arr) & ~header
    tally.add_mask(REASON_EMPTY, blank & ~header)
    folded = fold_continuations(is_event, is_cont, messages, LineTexts(lines))
    rest = ~header & ~blank
    rest[folded.attached] = False
    tally.add_mask(REASON_NO_HEADER, rest)
    return folded


# ---------------------------------------------------------------------------------------------
# The events table


def _column(value, n: int, dtype) -> np.ndarray:
    if value is None or np.isscalar(value) or isinstance(value, str):
        return np.full(n, value, dtype=dtype) if n else np.zeros(0, dtype=dtype)
    return np.asarray(value, dtype=dtype)


def _str_column(value, n: int) -> np.ndarray:
    if value is None or isinstance(value, str):
        out = np.empty(n, dtype=object)
        out[:] = value
        return out
    arr = np.asarray(value, dtype=object)
    if len(arr):
        # "" from a non-participating regex group and NaN/NA become None
        missing = pd.isna(arr) | (arr == "")
        if missing.any():
            arr = arr.copy()
            arr[missing] = None
    return arr


def make_events(*, line, message, end_line=None, program=None, host=None, wall=None,
                wall_kind="none", uptime=None, boot_id=None, count=1,
                priority=None) -> pd.DataFrame:
    """The events DataFrame with exactly PARSE_COLUMNS and stable dtypes.

    Every argument is either a sequence (one value per event) or a scalar broadcast to all
    events. ``line``/``end_line``: 1-based source lines (``end_line`` defaults to ``line``).
    Strings become object columns with None for missing ("" also counts as missing, except in
    ``message``); ``wall`` naive datetime64[ns] (NaT missing); ``uptime``/``priority`` float64.
    """
    line = np.asarray(line, dtype=np.int64)
    n = len(line)
    msg = np.asarray(message, dtype=object) if not isinstance(message, str) else \
        _str_column(message, n)
    if len(msg):
        bad = pd.isna(msg)
        if bad.any():
            msg = msg.copy()
            msg[bad] = ""
    if wall is None:
        wall_col = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    else:
        wall_col = np.asarray(pd.to_datetime(wall) if not isinstance(wall, np.ndarray)
                              else wall).astype("datetime64[ns]")
        if wall_col.ndim == 0:
            wall_col = np.full(n, wall_col, dtype="datetime64[ns]")
    data = {
        "line": line,
        "end_line": line.copy() if end_line is None else _column(end_line, n, np.int64),
        "program": _str_column(program, n),
        "host": _str_column(host, n),
        "message": msg,
        "wall": wall_col,
        "wall_kind": _str_column(wall_kind, n),
        "uptime": _column(np.nan if uptime is None else uptime, n, np.float64),
        "boot_id": _str_column(boot_id, n),
        "count": _column(count, n, np.int64),
        "priority": _column(np.nan if priority is None else priority, n, np.float64),
    }
    for c in _STRING_COLUMNS:  # pandas 3 would infer its "str" dtype (NaN for None)
        data[c] = pd.Series(data[c], dtype=object, copy=False)
    return pd.DataFrame(data, columns=list(PARSE_COLUMNS))


def empty_events() -> pd.DataFrame:
    """An events table with no rows and the contract dtypes."""
    return make_events(line=[], message=[])


# ---------------------------------------------------------------------------------------------
# Syslog repeat lines


def repeat_counts(texts: Sequence[str] | pa.Array) -> np.ndarray:
    """N of each repeat line (``last message repeated 3 times`` -> 3.0), NaN for other text.

    ``texts`` is the part of each line after the syslog header (host, and program if any).
    """
    df = extract(texts, REPEAT_RE.pattern)
    n = np.where(df["n1"] != "", df["n1"], df["n2"])
    out = np.full(len(df), np.nan)
    m = df["matched"].to_numpy()
    if m.any():
        out[m] = n[m].astype(np.float64)
    return out


def fold_repeats(events: pd.DataFrame, repeats: np.ndarray | None = None
                 ) -> tuple[pd.DataFrame, int]:
    """Drop repeat-line rows, adding their N to the previous event's ``count``.

    ``repeats``: per row of ``events``, N for a repeat line and NaN otherwise (default:
    ``repeat_counts(events.message)``). Returns the remaining events (index reset) and the
    repeats seen before the first real event (for ``ParseResult.leading_repeats``). The dropped
    lines are still parsed lines: do not count them as unparsed.
    """
    if repeats is None:
        repeats = repeat_counts(events["message"].astype(str).tolist()) if len(events) \
            else np.zeros(0)
    repeats = np.asarray(repeats, dtype=np.float64)
    is_rep = ~np.isnan(repeats)
    if not is_rep.any():
        return events, 0
    group = np.cumsum(~is_rep)  # 0 = before the first real event
    add = pd.Series(np.where(is_rep, repeats, 0.0)).groupby(group).sum()
    leading = int(add.get(0, 0.0))
    kept = events.loc[~is_rep].reset_index(drop=True).copy()
    extra = add.reindex(np.arange(1, len(kept) + 1), fill_value=0.0).to_numpy()
    kept["count"] = (kept["count"].to_numpy() + extra).astype(np.int64)
    return kept, leading


# ---------------------------------------------------------------------------------------------
# Text helpers


def strip_ansi(text: str) -> str:
    """``text`` without ANSI escape sequences (colours, charset switches)."""
    return ANSI_RE.sub("", text) if "\x1b" in text else text


def strip_ansi_many(texts: Sequence[str]) -> list:
    """``strip_ansi`` over a list, touching only the strings that hold an ESC character."""
    arr = to_arrow(list(texts) if not isinstance(texts, pa.Array) else texts)
    out = list(texts) if not isinstance(texts, list) else texts.copy()
    if not len(arr):
        return out
    has = pc.fill_null(pc.match_substring(arr, "\x1b"), False).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(has).tolist():
        out[i] = ANSI_RE.sub("", out[i])
    return out


# Re-exported: the parsers use them through this module (imported last: they use the above).
from ._tally import EXCERPT_CHARS, WARNINGS_PER_REASON, Tally, build_result, excerpt  # noqa: E402,F401
from ._wall import TIME_RE, build_wall, build_wall_iso  # noqa: E402,F401
