"""Streaming read for reports: untagged lines the clock does not need become a few numbers.

``kernlog analyze`` and ``batch`` do not need every line of a long log as a table row: the
report cites tagged events, and untagged lines only feed counts (templates, unusual windows,
the period and time-quality totals). ``pipeline.read_host(keep_untagged=False)`` therefore tags
each chunk as it is parsed (``Splitter``) and keeps as full rows only

- tagged rows, the lines merged into their blocks, and every line the clock could decide
  differently on: the first and last lines of a source and of each chunk, lines without a wall
  time, a change of time kind, the first line of each hour, any step back in wall time or
  uptime and the line before it, boot ids that change, banners and the lines just before
  them, local times near a DST change;
- the first line of each message shape (the report's examples) and of each program, and lines
  a correlator reads by text (``XendDomainInfo.create(``).

Every other line is *dropped* to a numbers-only row (``Rest``: source, line, wall time,
uptime, count, shape, a hash of the message, program and host codes; ~32 bytes instead of a
pandas row with strings). Such a line sits in a run behind a kept line ``k`` of the same
source, within the same hour, of the same time kind, never earlier than the line before it, so
the clock gives it exactly what it gives ``k`` shifted by the wall-time difference
(``apply_clock``): same year, zone offset, boot and segment. Rows with both a wall time and an
uptime are passed to the clock as phantoms so boot starts (a median) are computed over all of
them. Dropped lines that uptime anchoring could compare (an undated line whose message a dated
line has, or the reverse; ``anchor_promotions``) are promoted back to rows and the clock runs
again. ``tests/test_compact.py`` holds that the report is the same as the one computed from
every row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from .clock.boots import NAT
from .codes import running_codes
from .correlate.domains import XEND_CREATE_HINT
from .memory import release_memory
from .model import KERNEL_FORMATS, TS_BOOT_RELATIVE, TS_QUALITIES, TS_UNKNOWN, kernel_program

#: Lines kept before a banner and at the start and end of a source (boots look at the rows
#: before a banner: ``clock.boots.EARLY_ROWS`` plus margin).
EDGE_ROWS = 32
HOUR_NS = 3600 * 10**9
_KINDS = {"utc": 0, "local": 1, "noyear": 2}
QUALITY_CODES = {q: i for i, q in enumerate(TS_QUALITIES)}


def _narrow(values: np.ndarray) -> np.ndarray:
    """Integers in the narrowest signed type that holds them all (int8 ... int64).

    >>> _narrow(np.array([1, 300], dtype=np.int64)).dtype
    dtype('int16')
    """
    if not len(values):
        return values
    lo, hi = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return values.astype(dtype)
    return values


def _lookup(values: np.ndarray, table: dict, default: int) -> np.ndarray:
    """``table[value]`` per value (int64; ``default`` for others and None/NaN), one dict lookup
    per distinct value."""
    codes, uniques = pd.factorize(values)
    mapped = np.array([table.get(u, default) for u in uniques] + [default], dtype=np.int64)
    return mapped[codes]


def row_key(seq, line):
    """One int64 per row: source number and line (read order)."""
    return (np.asarray(seq, dtype=np.int64) << 40) + np.asarray(line, dtype=np.int64) \
        if np.ndim(seq) or np.ndim(line) else (int(seq) << 40) + int(line)


def message_hashes(messages) -> np.ndarray:
    """A 64-bit key per message (equal texts, equal keys; within one process)."""
    return np.fromiter((hash(m) for m in messages), dtype=np.int64, count=len(messages))


@lru_cache(maxsize=32)
def dst_codes(zone: str) -> np.ndarray:
    """Quarter-hours (``month, day, hour, quarter`` codes) in which ``zone`` changes its UTC
    offset in some year from 1970 to 2037: local times there are ambiguous or skipped."""
    if zone == "UTC":
        return np.zeros(0, dtype=np.int64)
    grid = pd.date_range("1970-01-01", "2037-12-31 23:45", freq="15min")
    try:
        strict = grid.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    except Exception:  # an unknown zone: the clock reports it; keep nothing special
        return np.zeros(0, dtype=np.int64)
    bad = grid[np.asarray(strict.isna())]
    return np.unique(_quarter_codes(bad.as_unit("ns").asi8))


def _quarter_codes(ns: np.ndarray) -> np.ndarray:
    idx = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"))
    part = {name: getattr(idx, name).to_numpy().astype(np.int64)
            for name in ("month", "day", "hour", "minute")}
    return ((part["month"] * 32 + part["day"]) * 24 + part["hour"]) * 4 + part["minute"] // 15


@dataclass
class _SourceState:
    """What the previous chunk of a source left for the rules of the next one."""

    prev_kind: int = -1
    prev_wall: int = NAT
    prev_bid: object = None
    last_wall: int = NAT
    last_up: dict = field(default_factory=lambda: {False: np.nan, True: np.nan})
    programs: set = field(default_factory=set)


class Rest:
    """Dropped rows of one host (numbers only), in read order."""

    COLUMNS = {"seq": np.int32, "line": np.int64, "wall": np.int64, "uptime": np.float64,
               "count": np.int32, "shape": np.int32, "mhash": np.int64, "prog": np.int32,
               "host": np.int32}

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {c: [] for c in self.COLUMNS}
        self.arrays: dict[str, np.ndarray] = {}
        self.programs: list = []  # code -> program (str or None)
        self.hosts: list = []  # code -> host field (str or None)
        self._program_code: dict = {}
        self._host_code: dict = {}
        #: message text of a few dropped rows (the first of each shape), by ``row_key``
        self.examples: dict[int, str] = {}

    def __len__(self) -> int:
        if self.arrays:
            return len(self.arrays["line"])
        return sum(len(p) for p in self._parts["line"])

    #: integer columns stored in the narrowest signed type their values fit, chunk by chunk
    #: (``finish`` widens to the widest chunk's): source numbers, line numbers, counts and
    #: codes are small, and this is the one structure that grows with the log (52 -> ~32 bytes
    #: a line)
    NARROW = ("seq", "line", "count", "shape", "prog", "host")

    def append(self, columns: dict) -> None:
        columns = dict(columns)
        columns["prog"] = running_codes(columns["prog"], self._program_code, self.programs)
        columns["host"] = running_codes(columns["host"], self._host_code, self.hosts)
        for name, dtype in self.COLUMNS.items():
            values = np.asarray(columns[name]).astype(dtype, copy=False)
            self._parts[name].append(_narrow(values) if name in self.NARROW else values)

    def finish(self) -> "Rest":
        for name, dtype in self.COLUMNS.items():
            parts = self._parts.pop(name)  # one column's parts at a time (peak memory)
            self.arrays[name] = (np.concatenate(parts) if parts else np.zeros(0, dtype=dtype))
            del parts
            release_memory()  # the parts' pages, before the next column is copied
        self._parts = {c: [] for c in self.COLUMNS}
        return self

    def subset(self, mask: np.ndarray) -> "Rest":
        """A new Rest with the rows where ``mask`` is true (code tables shared)."""
        out = Rest()
        out.arrays = {k: v[mask] for k, v in self.arrays.items()}
        out.programs, out.hosts, out.examples = self.programs, self.hosts, self.examples
        return out

    def origin_hosts(self, default: str) -> np.ndarray:
        """The host field of each row (``default`` where the line named none)."""
        names = np.array([default if h is None else h for h in self.hosts] + [default],
                         dtype=object)
        return names[self.arrays["host"]]

    def take(self, mask: np.ndarray) -> None:
        """Keep only the rows where ``mask`` is true (in place)."""
        self.arrays = {k: v[mask] for k, v in self.arrays.items()}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]


class Splitter:
    """Decides, chunk by chunk, which rows of a host stay rows and which become ``Rest``."""

    def __init__(self, zone: str) -> None:
        self.rest = Rest()
        self.dst = dst_codes(zone)
        self.seen_shapes: set = set()
        self.hosts: Counter = Counter()  # host field of every final row (read order)
        self._state: dict[int, _SourceState] = {}

    def split(self, region: pd.DataFrame, *, seq: int, source: str, fmt: str | None,
              near_banner: np.ndarray, first_rows: int, last: bool, total: int) -> pd.DataFrame:
        """The rows of ``region`` (final rows of the source ``seq``, path ``source``, format
        ``fmt``: tagged, merged rows flagged in ``_absorbed``) to keep; the others go to
        ``rest``. ``near_banner``: per row, a banner within EDGE_ROWS rows after it;
        ``first_rows``: the region's rows' positions in the source (before block grouping)
        start at ``first_rows``; ``total``: rows of the region before grouping plus those
        finalized before (the source's length once ``last``)."""
        state = self._state.setdefault(seq, _SourceState())
        n = len(region)
        if n == 0:
            return region
        pos = region.index.to_numpy(dtype=np.int64) + first_rows  # position in the source
        absorbed = region["_absorbed"].to_numpy(dtype=bool)
        tag = region["tag"].to_numpy(dtype=object)
        keep = absorbed | pd.notna(tag)
        keep[0] = keep[-1] = True
        keep |= pos < EDGE_ROWS
        if last:
            keep |= pos >= total - EDGE_ROWS
        keep |= near_banner

        wall = pd.to_datetime(region["wall"]).to_numpy(dtype="datetime64[ns]").view(np.int64)
        kind = _lookup(region["wall_kind"].to_numpy(dtype=object), _KINDS, 3)
        valid = (wall != NAT) & (kind < 3)
        prev_kind = np.r_[state.prev_kind, kind[:-1]]
        prev_wall = np.r_[state.prev_wall, wall[:-1]]
        prev_valid = (prev_wall != NAT) & (prev_kind >= 0) & (prev_kind < 3)
        keep |= ~valid | ~prev_valid | (kind != prev_kind)
        keep[:-1] |= kind[1:] != kind[:-1]  # both sides of a change of time kind
        keep |= (wall // HOUR_NS) != (prev_wall // HOUR_NS)
        # any step back in wall time, against the last valid wall before it, keeps both lines
        idx = np.arange(n)
        holder = np.where(valid, idx, -1)
        holder = np.maximum.accumulate(holder)
        last_before = np.r_[-1, holder[:-1]]
        lw = np.where(last_before >= 0, wall[np.maximum(last_before, 0)], state.last_wall)
        back = valid & (lw != NAT) & (wall < lw)
        keep |= back
        keep[last_before[back & (last_before >= 0)]] = True
        if valid.any():
            keep[holder[-1]] = True  # the last valid wall of the chunk (the next one compares)
            state.last_wall = int(wall[holder[-1]])

        up = region["uptime"].to_numpy(dtype=float)
        program = region["program"].to_numpy(dtype=object)
        is_xen = program == "xen"
        for flag in (False, True):
            rows = np.flatnonzero(~np.isnan(up) & (is_xen == flag))
            if not len(rows):
                continue
            prev_up = np.r_[state.last_up[flag], up[rows[:-1]]]
            stepped = ~(up[rows] >= prev_up)  # back, or the first uptime of the source
            keep[rows[stepped]] = True
            prev_rows = np.r_[-1, rows[:-1]][stepped]
            keep[prev_rows[prev_rows >= 0]] = True
            keep[rows[-1]] = True
            state.last_up[flag] = float(up[rows[-1]])

        bid = region["boot_id"].to_numpy(dtype=object)
        prev_bid = np.empty(n, dtype=object)
        prev_bid[0] = state.prev_bid
        prev_bid[1:] = bid[:-1]
        has_bid = pd.notna(bid)
        keep |= has_bid & (pd.isna(prev_bid) | (bid != prev_bid))

        if len(self.dst):
            local = valid & (kind > 0)
            if local.any():
                keep[local] |= np.isin(_quarter_codes(wall[local]), self.dst)

        messages = region["message"].to_numpy(dtype=object)
        xendish = (program == "xend") | ("xend" in source.lower())
        for i in np.flatnonzero(xendish & ~keep):
            if isinstance(messages[i], str) and XEND_CREATE_HINT in messages[i]:
                keep[i] = True
        # programs in first-appearance order (missing ones as one), with their first row
        codes, programs = pd.factorize(program, use_na_sentinel=False)
        first_row = np.full(len(programs), n, dtype=np.int64)
        np.minimum.at(first_row, codes, np.arange(n))
        for value, at in zip(programs, first_row.tolist(), strict=True):
            key = None if value is None or value != value else value
            if key not in state.programs:
                state.programs.add(key)
                keep[at] = True
        # the first untagged line of each shape (kernel lines and others apart) keeps its
        # text: the report quotes it as the example of its template
        untagged = ~absorbed & pd.isna(tag)
        kflag = np.array([kernel_program(p) for p in programs], dtype=bool)[codes] | \
            (fmt in KERNEL_FORMATS)
        shape = region["shape"].to_numpy(dtype=np.int64)
        ukeys = shape * 2 + kflag.astype(np.int64)
        cand = np.flatnonzero(untagged)
        if len(cand):
            uniq, first = np.unique(ukeys[cand], return_index=True)
            lines = region["line"].to_numpy(dtype=np.int64)
            for key, at in zip(uniq.tolist(), cand[first].tolist()):
                if key not in self.seen_shapes:
                    self.seen_shapes.add(key)
                    if not keep[at]:
                        self.rest.examples[row_key(seq, lines[at])] = messages[at]

        state.prev_kind = int(kind[-1])
        state.prev_wall = int(wall[-1])
        state.prev_bid = bid[-1]
        hosts = region["host"].to_numpy(dtype=object)
        codes, names = pd.factorize(hosts[~absorbed])  # (None/NaN: -1, not counted)
        counts = np.bincount(codes[codes >= 0], minlength=len(names)).tolist()
        self.hosts.update({h: c for h, c in zip(names, counts, strict=True)
                           if h and h != "localhost"})

        drop = ~keep
        if drop.any():
            self.rest.append({
                "seq": np.full(int(drop.sum()), seq), "line": region["line"].to_numpy()[drop],
                "wall": wall[drop], "uptime": up[drop],
                "count": region["count"].to_numpy()[drop], "shape": shape[drop],
                "mhash": region["mhash"].to_numpy()[drop], "prog": program[drop],
                "host": hosts[drop],
            })
            return region[keep]
        return region


# ---------------------------------------------------------------------------------------------
# After the clock


def anchor_promotions(events: pd.DataFrame, rest: Rest, clocked, *,
                      block: int = 1 << 18) -> np.ndarray:
    """Which dropped rows uptime anchoring could compare (mask over ``rest``).

    Anchoring matches lines of segments without any wall time (a dmesg; a syslog whose year is
    unknown) against lines with one, by message. A dropped row takes part when its message
    also occurs on the other side: an undated row whose message some dated row has, or a dated
    row whose message some undated row has. ``events``: the kept rows, clocked once. Works
    ``block`` rows at a time (its temporaries are a few arrays of that length).
    """
    placement = clocked.placement
    n = len(rest)
    none = np.zeros(n, dtype=bool)
    if placement is None or not len(placement.undated) or not n:
        return none
    undated_e = np.isin(clocked.segments, placement.undated)
    dated_e = ~undated_e & clocked.events["ts"].notna().to_numpy()
    mhash_e = events["mhash"].to_numpy()
    undated_r, dated_r = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    for lo in range(0, n, block):
        k = preceding_rows(events, rest["seq"][lo:lo + block], rest["line"][lo:lo + block])
        undated_r[lo:lo + block], dated_r[lo:lo + block] = undated_e[k], dated_e[k]
    if not (dated_e.any() or dated_r.any()) or not (undated_e.any() or undated_r.any()):
        return none  # nothing to match on one side: anchoring finds the same without them
    mhash_r = rest["mhash"]
    out = np.zeros(n, dtype=bool)
    # (today undated rows are never dropped where dated rows exist: lines without a wall time
    # are always kept, and a year-less log is undated only when nothing on the host is dated;
    # this first pass keeps the mask exact should the clock change)
    if undated_r.any():
        dated_keys = np.union1d(mhash_e[dated_e], mhash_r[dated_r])
        for lo in range(0, n, block):
            part = slice(lo, lo + block)
            out[part] |= undated_r[part] & np.isin(mhash_r[part], dated_keys)
        del dated_keys
    undated_keys = np.union1d(mhash_e[undated_e], mhash_r[undated_r])
    for lo in range(0, n, block):
        part = slice(lo, lo + block)
        out[part] |= dated_r[part] & np.isin(mhash_r[part], undated_keys)
    return out


def promote(events: pd.DataFrame, rest: Rest, mask: np.ndarray, sources: dict) -> pd.DataFrame:
    """Rows of ``rest`` selected by ``mask`` back into ``events`` (read order), without their
    text unless it was kept as an example; they take time kind from the row before them."""
    if not mask.any():
        return events
    r = {k: v[mask] for k, v in rest.arrays.items()}
    rest.take(~mask)
    k = preceding_rows(events, r["seq"], r["line"])
    base = events.iloc[k]
    m = len(k)
    new = pd.DataFrame({
        "line": r["line"], "end_line": r["line"],
        "program": pd.Series([rest.programs[c] for c in r["prog"]], dtype=object),
        "host": pd.Series([rest.hosts[c] for c in r["host"]], dtype=object),
        "message": pd.Series([rest.examples.pop(int(key), None)
                              for key in row_key(r["seq"], r["line"])], dtype=object),
        "wall": pd.Series(r["wall"].view("datetime64[ns]")),
        "wall_kind": base["wall_kind"].to_numpy(dtype=object),
        "uptime": r["uptime"], "boot_id": pd.Series([None] * m, dtype=object),
        "count": r["count"], "priority": np.full(m, np.nan),
    })
    for name in ("source", "format", "family", "rotation", "kind", "seq"):
        new[name] = base[name].to_numpy()
    new["shape"] = r["shape"]
    new["mhash"] = r["mhash"]
    for name in ("tag", "category", "severity", "fields"):
        new[name] = pd.Series([None] * m, dtype=object)
    new["_absorbed"] = False
    merged = pd.concat([events, new], ignore_index=True)
    order = np.lexsort((merged["line"].to_numpy(dtype=np.int64),
                        merged["seq"].to_numpy(dtype=np.int64)))
    return merged.iloc[order].reset_index(drop=True)


def preceding_rows(events: pd.DataFrame, seq: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Position in ``events`` (read order) of the row before each (seq, line)."""
    keys = row_key(events["seq"].to_numpy(), events["line"].to_numpy())
    return np.searchsorted(keys, row_key(seq, line), side="right") - 1


def phantoms(events: pd.DataFrame, rest: Rest) -> dict:
    """Dropped rows with a wall time and an uptime, for the clock's boot-start estimates."""
    has = ~np.isnan(rest["uptime"])
    k = preceding_rows(events, rest["seq"][has], rest["line"][has])
    wall = pd.to_datetime(events["wall"]).to_numpy(dtype="datetime64[ns]").view(np.int64)
    return {"at": k, "delta": rest["wall"][has] - wall[k], "uptime": rest["uptime"][has]}


def apply_clock(events: pd.DataFrame, rest: Rest, clocked, *, block: int = 1 << 18) -> None:
    """Times, quality and boot of the dropped rows, from the row before each (``events``: the
    clocked kept rows, read order). Adds ``ts`` (int64 ns, NAT), ``quality`` (code into
    TS_QUALITIES) and ``boot`` (float32, NaN) to ``rest``; drops ``wall`` and ``mhash``.
    Works ``block`` rows at a time (its temporaries are a few arrays of that length)."""
    n = len(rest)
    wall = pd.to_datetime(events["wall"]).to_numpy(dtype="datetime64[ns]").view(np.int64)
    ts_e = pd.to_datetime(events["ts"], utc=True).dt.tz_localize(None).to_numpy(
        dtype="datetime64[ns]").view(np.int64)
    quality_e = events["ts_quality"].map(QUALITY_CODES).to_numpy(dtype=np.int8)
    boot_e = pd.to_numeric(events["boot"], errors="coerce").to_numpy(dtype=float)
    placement = clocked.placement
    offsets = placement.offsets if placement is not None else {}
    boot_relative = QUALITY_CODES[TS_BOOT_RELATIVE]
    out_ts = np.empty(n, dtype=np.int64)
    out_quality = np.empty(n, dtype=np.int8)
    out_boot = np.empty(n, dtype=np.float32)
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        k = preceding_rows(events, rest["seq"][lo:hi], rest["line"][lo:hi])
        ts_k, quality_k = ts_e[k], quality_e[k]
        from_wall = (quality_k != boot_relative) & (ts_k != NAT)
        ts = np.where(from_wall, ts_k + (rest["wall"][lo:hi] - wall[k]), NAT)
        quality = np.where(from_wall, quality_k, QUALITY_CODES[TS_UNKNOWN]).astype(np.int8)
        seg = clocked.segments[k]
        uptime = rest["uptime"][lo:hi]
        for sid, anchor in offsets.items():
            rows = (seg == sid) & (ts == NAT) & ~np.isnan(uptime)
            if rows.any():
                ts[rows] = anchor.wall_ns(uptime[rows])
                quality[rows] = boot_relative
        boot = boot_e[k]
        if placement is not None and len(placement.lookup):
            look = np.isin(seg, placement.lookup) & from_wall
            if look.any():
                idx = np.searchsorted(placement.starts_ns, ts[look].astype(np.float64),
                                      side="right") - 1
                boot[look] = idx + placement.boot_base
        out_ts[lo:hi], out_quality[lo:hi], out_boot[lo:hi] = ts, quality, boot
    rest.arrays.update(ts=out_ts, quality=out_quality, boot=out_boot)
    # what only reading and the clock needed (~16 bytes a row)
    del rest.arrays["wall"], rest.arrays["mhash"]


# ---------------------------------------------------------------------------------------------
# For the report


#: Columns of ``all_rows``: what the report's counts read of every line.
ALL_ROW_COLUMNS = ("line", "tag", "shape", "message", "count", "ts", "ts_quality", "source",
                   "program", "format", "uptime", "boot", "host")


def all_rows(events: pd.DataFrame, rest: Rest | None, source_table: dict,
             host: str | None = None, *, consume: bool = False) -> pd.DataFrame:
    """Every row of the host, kept then dropped, with ``ALL_ROW_COLUMNS`` and ``_order`` (the
    read order, ``row_key``); dropped rows have no message text but the examples. For the
    report's template, unusual-window and period counts; built when needed and dropped after.
    Text columns are categorical (a long log's rows are many, their distinct values few).
    ``consume``: each of ``rest``'s arrays is let go as soon as it is copied (the two never
    take memory together); ``rest`` is empty after."""
    cols = [c for c in ALL_ROW_COLUMNS if c in events]
    if rest is None or not len(rest):
        return events[cols]
    n_kept, n_rest = len(events), len(rest)
    n_seq = max(source_table, default=-1) + 1
    paths = np.array([None] * n_seq, dtype=object)
    formats = paths.copy()
    for s, (path, fmt) in source_table.items():
        paths[s], formats[s] = path, fmt
    seq = rest["seq"]
    # the dropped rows' text columns as codes into small value lists (no per-row objects)
    message_codes = np.full(n_rest, -1, dtype=np.int32)
    examples = []
    if rest.examples:
        keys = row_key(seq, rest["line"])  # read order: sorted
        wanted = np.fromiter(rest.examples, dtype=np.int64, count=len(rest.examples))
        at = np.searchsorted(keys, wanted)
        found = (at < n_rest) & (keys[np.minimum(at, n_rest - 1)] == wanted)
        message_codes[at[found]] = np.arange(int(found.sum()), dtype=np.int32)
        examples = [rest.examples[int(k)] for k in wanted[found]]
        del keys
    rest_codes = {
        "tag": (np.full(n_rest, -1, dtype=np.int8), []),
        "message": (message_codes, examples),
        "source": (seq, list(paths)),
        "format": (seq, list(formats)),
        "program": (rest["prog"], list(rest.programs)),
        "host": (np.zeros(n_rest, dtype=np.int8), [host]),
    }
    out = {"_order": np.concatenate([row_key(events["seq"].to_numpy(),
                                             events["line"].to_numpy()),
                                     row_key(seq, rest["line"])])}
    for name in cols:
        kept = events[name]
        if name in ("line", "shape", "count", "uptime"):
            values = np.concatenate([kept.to_numpy(), rest[name]])
            if values.dtype == np.int64 and len(values) and \
                    -(1 << 31) <= values.min() and values.max() < (1 << 31):
                values = values.astype(np.int32)  # 4 bytes a row less
        elif name == "ts":
            kept_ns = pd.to_datetime(kept, utc=True).dt.tz_localize(None).to_numpy(
                dtype="datetime64[ns]").view(np.int64)
            values = pd.Series(pd.DatetimeIndex(np.concatenate([kept_ns, rest["ts"]])
                                                .view("datetime64[ns]")).tz_localize("UTC"))
        elif name == "boot":
            b = np.concatenate([pd.to_numeric(kept, errors="coerce").to_numpy(dtype=np.float32),
                                rest["boot"]])
            values = pd.array(b, dtype="Float32")
        elif name == "ts_quality":
            codes = np.concatenate([kept.map(QUALITY_CODES).fillna(-1).to_numpy(dtype=np.int8),
                                    rest["quality"]])
            values = pd.Categorical.from_codes(codes, categories=list(TS_QUALITIES))
        else:
            values = _categorical(kept.to_numpy(dtype=object), *rest_codes[name])
        out[name] = values
        if consume:
            for used in _USES.get(name, ()):
                if not any(used in _USES.get(later, ()) for later in cols[cols.index(name) + 1:]):
                    rest.arrays.pop(used, None)
                    rest_codes.pop(name, None)
    if consume:
        rest.arrays.clear()
    frame = pd.DataFrame(out, copy=False)
    assert len(frame) == n_kept + n_rest
    return frame


#: which of ``Rest``'s arrays each column of ``all_rows`` is made from
_USES = {"line": ("line",), "shape": ("shape",), "count": ("count",), "uptime": ("uptime",),
         "ts": ("ts",), "boot": ("boot",), "ts_quality": ("quality",), "source": ("seq",),
         "format": ("seq",), "program": ("prog",), "message": ()}


def _categorical(kept: np.ndarray, codes: np.ndarray, values: list) -> pd.Categorical:
    """Kept rows' values (objects) then dropped rows' (``codes`` into ``values``, -1 or None:
    missing) as one categorical column."""
    codes_k, uniq_k = pd.factorize(pd.Series(kept, dtype=object), use_na_sentinel=True)
    present = [v for v in values if v is not None and v == v]
    categories = pd.Index(list(uniq_k) + present, dtype=object).unique()
    remap_k = np.r_[categories.get_indexer(pd.Index(list(uniq_k), dtype=object)), -1]
    remap_d = np.r_[categories.get_indexer(pd.Index(
        [v if v is not None and v == v else "\x00missing" for v in values], dtype=object)), -1]
    dtype = np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32767 \
        else np.int32
    all_codes = np.concatenate([remap_k[codes_k].astype(dtype),
                                remap_d[np.asarray(codes, dtype=np.int64)].astype(dtype)])
    return pd.Categorical.from_codes(all_codes, categories=categories)
