"""Tag stage: apply the pattern library to an event table and group multi-line blocks.

    line  message                                                  ->  tag
    1     xen_net: Memory squeeze in netback driver.                   xen.netback.memory_squeeze
    2     printk: 12 messages suppressed.                              kernel.ratelimit.suppressed
    3     INFO: task kjournald:1061 blocked for more than 120 seconds. kernel.hung_task  (lines 3-6)
    4     "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
    5     kjournald     D ffff810001004420     0  1061     11          1076   475 (L-TLB)
    6      ffff81011e3a9d60 0000000000000046 0000000000000000 0000000000000000

How, fast enough for millions of lines:

1. One RE2 scan over the whole message array (pyarrow) with the alternation of every pattern's
   literal hints picks the candidate rows; patterns without a hint add their own vectorized scan.
2. Candidate rows are reduced to their distinct (program, message) pairs; one RE2 set of every
   pattern variant says in one pass which patterns match each pair. The highest ``priority``
   (program permitting) wins, on equal priority the pattern loaded first; its regex then
   extracts the fields. No Python work happens for rows the prefilter rejects.
3. Blocks: after each tagged row whose pattern has ``multiline``, following rows of the same
   source (contiguous lines, same dmesg caller id when known) are merged into it, up to
   ``max_lines``: message joined with "\\n", ``end_line`` extended, merged rows removed.

A leading dmesg caller id (``[ T123] ``) or ``(XEN) `` left in a message is looked through
(``(XEN) `` makes the line's program "xen"); a ``caller`` column, when present, is used for
block grouping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import re2

from .patterns import Pattern, PatternLibrary, compile_re2, re2_options

TAG_COLUMNS = ("tag", "category", "severity", "fields")
#: A dmesg caller id a parser left at the start of the message: ``[ T5845] `` or ``[C1] ``.
CALLER_PREFIX_RE = r"^\[\s*(?P<caller>[TC]\d+)\] ?"
XEN_PREFIX = "(XEN) "
XEN_PROGRAM = "xen"


#: Memory for the RE2 set of all pattern variants (its DFA); RE2's default is too small for
#: a few hundred regexes and a set that runs out of memory matches nothing.
SET_MAX_MEM = 256 << 20


@dataclass
class _Compiled:
    """The library prepared for matching (cached on the library object)."""

    prefilter: str | None  # alternation of every hint (RE2), None when no pattern has one
    hintless: list[Pattern]
    variants: "re2.Set"  # every variant of every pattern, one pass tells which ones match
    owner: np.ndarray  # set index -> pattern index
    continues: dict  # pattern id -> compiled alternation of multiline continue regexes
    ends: dict  # pattern id -> compiled alternation of multiline end regexes


def _hint_regex(hint: str, ignorecase: bool) -> str:
    escaped = re2.escape(hint)
    return f"(?i:{escaped})" if ignorecase else escaped


def _alternation(regexes: Sequence[str]):
    return compile_re2("|".join(f"(?:{rx})" for rx in regexes)) if regexes else None


def _compiled(library: PatternLibrary) -> _Compiled:
    cached = library._cache.get("tag")
    if cached is None:
        parts = sorted({_hint_regex(h, p.ignorecase) for p in library for h in p.hints})
        options = re2_options()
        options.max_mem = SET_MAX_MEM
        variants = re2.Set.SearchSet(options)
        owner = []
        for index, pattern in enumerate(library):
            for rx in pattern.variants:
                variants.Add(("(?i)" if pattern.ignorecase else "") + rx)
                owner.append(index)
        if owner:
            variants.Compile()
        cached = _Compiled(
            prefilter="|".join(parts) or None,
            hintless=[p for p in library if not p.hints],
            variants=variants,
            owner=np.array(owner, dtype=np.int64),
            continues={p.id: _alternation(p.multiline.continue_) for p in library if p.multiline},
            ends={p.id: _alternation(p.multiline.end) for p in library if p.multiline},
        )
        library._cache["tag"] = cached
    return cached


def _as_bool(mask: pa.Array) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def arrow_strings(series: pd.Series) -> pa.Array:
    """A pyarrow string array of a column (nulls for None/NaN; zero-copy when arrow-backed)."""
    try:
        arr = pa.Array.from_pandas(series)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = None
    if arr is not None and pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pa.array([None if v is None or v != v else str(v) for v in series],
                       type=pa.large_string())
    return arr


# ---------------------------------------------------------------------------------------------
# Matching


def _match_array(body: pa.Array, programs: pa.Array, library: PatternLibrary
                 ) -> tuple[np.ndarray, list]:
    """Best pattern index per row (-1: untagged) and its fields (dict or None) per row."""
    n = len(body)
    best = np.full(n, -1, dtype=np.int64)
    fields: list = [None] * n
    comp = _compiled(library)
    cand = np.zeros(n, dtype=bool)
    if comp.prefilter and n:
        cand |= _as_bool(pc.match_substring_regex(body, comp.prefilter))
    for pattern in comp.hintless:  # rare (user patterns): one vectorized RE2 scan per variant
        for rx in pattern.variants:
            cand |= _as_bool(pc.match_substring_regex(body, rx, ignore_case=pattern.ignorecase))
    rows = np.flatnonzero(cand)
    if not len(rows):
        return best, fields

    # distinct (program, message) pairs of the candidate rows: repeated lines are matched once
    take = pa.array(rows)
    sub_body = body.take(take).to_numpy(zero_copy_only=False)
    sub_prog = pc.fill_null(pc.utf8_lower(programs.take(take)), "").to_numpy(zero_copy_only=False)
    body_codes, _ = pd.factorize(sub_body)
    prog_codes, prog_uniques = pd.factorize(sub_prog)
    pair_codes, _ = pd.factorize(body_codes.astype(np.int64) * max(len(prog_uniques), 1)
                                 + prog_codes)
    first = np.full(pair_codes.max() + 1, -1, dtype=np.int64)
    first[pair_codes[::-1]] = np.arange(len(pair_codes))[::-1]  # first row of each pair

    pats = library.patterns
    rank = {i: (p.priority, -i) for i, p in enumerate(pats)}  # higher wins
    u_best = np.full(len(first), -1, dtype=np.int64)
    u_fields: list = [None] * len(first)
    for u, row in enumerate(first):
        hit = comp.variants.Match(sub_body[row])
        if not hit:
            continue
        program = sub_prog[row]
        for index in sorted(set(comp.owner[hit].tolist()), key=rank.__getitem__, reverse=True):
            pattern = pats[index]
            if pattern.program is not None and program not in pattern.program:
                continue
            found = pattern.match(sub_body[row])
            if found is not None:
                u_best[u], u_fields[u] = index, found
                break

    row_best = u_best[pair_codes]
    best[rows] = row_best
    for r, pair in zip(rows[row_best >= 0], pair_codes[row_best >= 0]):
        fields[r] = dict(u_fields[pair])
    return best, fields


def _normalize(messages: pa.Array, programs: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Message bodies without a leading caller id or ``(XEN) ``; programs; callers (or nulls)."""
    body = pc.fill_null(messages, "")
    callers = pa.nulls(len(body), pa.string())
    if len(body) and pc.any(pc.starts_with(body, "[")).as_py():
        has = pc.match_substring_regex(body, CALLER_PREFIX_RE)
        if pc.any(has).as_py():
            callers = pc.if_else(has, pc.struct_field(pc.extract_regex(body, CALLER_PREFIX_RE),
                                                      [0]), None)
            body = pc.replace_substring_regex(body, CALLER_PREFIX_RE, "", max_replacements=1)
    if len(body):
        is_xen = pc.starts_with(body, XEN_PREFIX)
        if pc.any(is_xen).as_py():
            body = pc.if_else(is_xen, pc.utf8_slice_codeunits(body, len(XEN_PREFIX)), body)
            programs = pc.if_else(is_xen, XEN_PROGRAM, programs)
    return body, programs, callers


def match_messages(messages: Sequence[str], programs: Sequence[str | None],
                   library: PatternLibrary) -> tuple[list[str | None], list[dict | None]]:
    """Tag ids and fields for loose messages (no grouping); used by example tests and tools.

    >>> from analyzer.patterns import load_library
    >>> match_messages(['printk: 3 messages suppressed.'], ['kernel'], load_library())
    (['kernel.ratelimit.suppressed'], [{'count': 3, 'variant': 0}])
    """
    body, progs, _ = _normalize(pa.array(list(messages), type=pa.string()),
                                pa.array(list(programs), type=pa.string()))
    best, fields = _match_array(body, progs, library)
    ids = [library.patterns[b].id if b >= 0 else None for b in best]
    return ids, fields


# ---------------------------------------------------------------------------------------------
# The stage


def tag_events(events: pd.DataFrame, library: PatternLibrary, *,
               final_before: int | None = None, keep_absorbed: bool = False) -> pd.DataFrame:
    """The event table with ``tag``, ``category``, ``severity``, ``fields`` and blocks grouped.

    ``events`` needs ``message`` (and normally ``source``, ``line``, ``end_line``, ``program``,
    ``count``) in source/line order; other columns ride along untouched, and the index of the
    rows that remain is kept. The input is not modified.

    ``final_before`` (streaming): only blocks whose header is at a position before it are
    grouped; rows from there on are the tail the caller tags again with the next chunk.
    ``keep_absorbed`` (streaming): the lines merged into a block stay, flagged in an
    ``_absorbed`` column and untagged, instead of being dropped.
    """
    df = events.copy(deep=False)  # copy-on-write: writes below never reach ``events``
    if MATCHED[0] in df.columns:  # matched already, chunk by chunk (``match_rows``)
        best = df.pop(MATCHED[0]).to_numpy(dtype=np.int64)
        fields = df.pop(MATCHED[1]).to_numpy(dtype=object)
    else:
        best, fields = match_rows(df, library)

    pats = library.patterns
    lookup = {name: np.array([None] + [getattr(p, name) for p in pats], dtype=object)
              for name in ("id", "category", "severity")}
    for column, name in (("tag", "id"), ("category", "category"), ("severity", "severity")):
        df[column] = pd.Series(lookup[name][best + 1], index=df.index, dtype=object)
    df["fields"] = pd.Series(fields, index=df.index, dtype=object)
    return _group_blocks(df, best, library, final_before, keep_absorbed)


#: The columns ``match_rows`` results may travel in until ``tag_events`` (pattern index,
#: fields).
MATCHED = ("_pattern", "_fields")


def match_rows(events: pd.DataFrame, library: PatternLibrary, *,
               messages: pa.Array | None = None) -> tuple[np.ndarray, list]:
    """Per row of ``events`` (``message``, ``program``): the index of the pattern it matches
    in ``library.patterns`` (-1: none) and that pattern's fields (dict or None).
    ``messages``: ``arrow_strings(events["message"])`` when the caller has it.

    Rows are matched independently of each other: a streaming reader matches each chunk as it
    is parsed and hands the results to ``tag_events`` in the ``MATCHED`` columns, so only
    block grouping waits for the chunk's neighbours.
    """
    body, programs, _ = _bodies(events["message"], events.get("program"), messages)
    return _match_array(body, programs, library)


def _bodies(messages: pd.Series, programs: pd.Series | None,
            arrow_messages: pa.Array | None = None) -> tuple[pa.Array, pa.Array, pa.Array]:
    """``_normalize`` of a message column and its program column (None: no programs);
    ``arrow_messages``: ``arrow_strings(messages)`` when the caller has it."""
    n = len(messages)
    if arrow_messages is None:
        arrow_messages = arrow_strings(messages) if n else pa.array([], pa.string())
    return _normalize(arrow_messages, arrow_strings(programs) if programs is not None and n
                      else pa.nulls(n, pa.string()))


def block_reach(library: PatternLibrary) -> int:
    """The most rows a multi-line block can span (a streaming reader's carry-over)."""
    return max([p.multiline.max_lines * (p.multiline.skip + 1)
                for p in library if p.multiline] + [1])


def _group_blocks(df: pd.DataFrame, best: np.ndarray, library: PatternLibrary,
                  final_before: int | None = None, keep_absorbed: bool = False) -> pd.DataFrame:
    pats = library.patterns
    n = len(df)
    is_header = np.array([p.multiline is not None for p in pats] + [False], dtype=bool)[best]
    heads = np.flatnonzero(is_header)
    if final_before is not None:
        heads = heads[heads < final_before]
    if not len(heads):
        if keep_absorbed:
            df["_absorbed"] = np.zeros(n, dtype=bool)
        return df
    comp = _compiled(library)
    source = (pd.factorize(df["source"].astype(object), use_na_sentinel=False)[0]
              if "source" in df.columns else np.zeros(n, dtype=np.int64))
    line = (pd.to_numeric(df["line"], errors="coerce").to_numpy(dtype=float)
            if "line" in df.columns else np.full(n, np.nan))
    end_line = (pd.to_numeric(df["end_line"], errors="coerce").to_numpy(dtype=float)
                if "end_line" in df.columns else line.copy())
    end_line = np.where(np.isnan(end_line), line, end_line)
    reach = np.zeros(n + 1, dtype=np.int64)  # a header and the rows its block may read
    for h in heads.tolist():
        ml = pats[best[h]].multiline
        reach[h] += 1
        reach[min(n, h + ml.max_lines * (ml.skip + 1))] -= 1
    body, caller_np = _block_texts(df, np.flatnonzero(np.cumsum(reach[:n]) > 0))
    tagged = best >= 0
    absorbed = np.zeros(n, dtype=bool)
    msg_col = df.columns.get_loc("message")
    new_messages: dict[int, str] = {}
    new_end: dict[int, float] = {}

    for h in heads:
        if absorbed[h]:
            continue
        pattern = pats[best[h]]
        ml = pattern.multiline
        cont, end = comp.continues[pattern.id], comp.ends[pattern.id]
        members: list[int] = []
        blanks: list[int] = []  # blank rows inside the block join it once a later row does
        prev_end = end_line[h]
        foreign = 0
        j = h + 1
        stop = min(n, h + ml.max_lines * (ml.skip + 1))  # bounded whatever the rows say
        while j < stop and len(members) < ml.max_lines - 1:
            if source[j] != source[h] or absorbed[j]:
                break
            gap = 0 if np.isnan(line[j]) or np.isnan(prev_end) else line[j] - prev_end - 1
            if gap < 0 or foreign + gap > ml.skip:
                break  # lines missing in between (unparsed) count as foreign lines
            foreign += int(gap)
            text = body[j]
            verdict = _verdict(text, ml.until, cont, end, best[j] if tagged[j] else None,
                               best[h], caller_np[h] is not None and caller_np[j] is not None
                               and caller_np[h] != caller_np[j])
            if verdict == "stop":
                break
            prev_end = end_line[j]
            if verdict == "foreign":
                foreign += 1
                if foreign > ml.skip:
                    break
                if not text.strip():
                    blanks.append(j)
            else:
                foreign = 0
                members.extend(blanks)
                blanks.clear()
                members.append(j)
                if verdict == "last":
                    break
            j += 1
        if members:
            absorbed[members] = True
            originals = df.iloc[[h, *members], msg_col].tolist()
            new_messages[h] = "\n".join("" if m is None or m != m else str(m) for m in originals)
            new_end[h] = max(end_line[m] for m in [h, *members])

    if new_messages:
        positions = np.fromiter(new_messages, dtype=np.int64)  # by position: labels may repeat
        df.iloc[positions, msg_col] = list(new_messages.values())
        if "end_line" in df.columns:
            values = np.array(list(new_end.values()))
            if pd.api.types.is_integer_dtype(df["end_line"].dtype):
                values = values.astype(df["end_line"].dtype)
            df.iloc[positions, df.columns.get_loc("end_line")] = values
    if not keep_absorbed:
        return df[~absorbed] if new_messages else df
    if new_messages:
        at = np.flatnonzero(absorbed)
        for column in ("tag", "category", "severity", "fields"):
            df.iloc[at, df.columns.get_loc(column)] = None
    df["_absorbed"] = absorbed
    return df


def _block_texts(df: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Message bodies (``_normalize``) and caller ids of ``rows`` (positions) as object arrays
    over all of ``df``, None elsewhere: block grouping reads only the rows after a header."""
    n = len(df)
    body = np.full(n, None, dtype=object)
    callers = np.full(n, None, dtype=object)
    if not len(rows):
        return body, callers
    sub_body, _, sub_callers = _bodies(
        df["message"].iloc[rows], df["program"].iloc[rows] if "program" in df.columns else None)
    if "caller" in df.columns:
        sub_callers = arrow_strings(df["caller"].iloc[rows])
    body[rows] = sub_body.to_numpy(zero_copy_only=False)
    callers[rows] = sub_callers.to_numpy(zero_copy_only=False)
    return body, callers


def _verdict(text: str, until: str, cont, end, tag: int | None, header_tag: int,
             other_caller: bool) -> str:
    """What a following row is to a block: "join", "last" (join and close), "foreign", "stop".

    A row tagged by another pattern always ends the block (a panic after an oops, the
    "Killed process" line after an OOM dump); one tagged like the header joins only through
    ``continue``/``end`` (the "Oops:" line inside a "BUG:" report).
    """
    if other_caller:
        return "foreign"
    if tag is not None and tag != header_tag:
        return "stop"
    if end is not None and end.search(text):
        return "last"
    if cont is not None and cont.search(text):
        return "join"
    if tag is not None:
        return "stop"
    if until == "blank":
        return "stop" if not text.strip() else "join"
    if until == "unindented":
        return "join" if text[:1] in (" ", "\t") else "foreign"
    if until == "header":
        return "join"
    return "foreign"
