"""Clock stage: a UTC time, its quality and a boot index for every event of one host.

    >>> from analyzer.parse import syslog
    >>> line = ("Mar  6 14:02:44 dom0 kernel: [ 8811.204518] "
    ...         "xen_net: Memory squeeze in netback driver.")
    >>> events = syslog.parse([line]).events.assign(source="messages", format="syslog",
    ...                                               family="messages", rotation=0, seq=0)
    >>> result = assign_clock(events, collected="Mon Mar  9 17:45:01 UTC 2009", host_tz=None,
    ...                       options=Options())
    >>> row = result.events.iloc[0]
    >>> str(row["ts"]), row["ts_quality"], int(row["boot"]), row["year_source"]
    ('2009-03-06 14:02:44+00:00', 'year_inferred', 0, 'collected')

How each time is known (``ts_quality``):

- ``exact``: the line carries a full date (utc, or local with a year: xend.log, rfc5424,
  journal JSON, ``dmesg -T``); naive ones are read in ``--tz``, else the host zone, else UTC
  (``zone``).
- ``year_inferred``: syslog-style ``Mar  6 14:02:44``; the year comes from ``--year``, the
  sosreport collection date or a dated source of the host, walking back across New Year
  (``years``). With none of these the time stays ``unknown`` and a note asks for ``--year``.
- ``boot_relative``: a dmesg uptime mapped to wall time through lines the dmesg shares with a
  dated log (``anchor``).
- ``unknown``: nothing says when (``xl dmesg`` without console timestamps). Never invented.

Boots (``boots``) are numbered per host in time order from 0; null only when a row can be placed
in no boot at all (an undated log with no boot markers, e.g. a libxl log without timestamps).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model import TS_BOOT_RELATIVE, TS_EXACT, TS_UNKNOWN, TS_YEAR_INFERRED
from ..options import Options
from .boots import NAT, BootPlacement, banner_texts, object_frame, place_boots, split_segments
from .years import (SOURCE_COLLECTED, SOURCE_DATED, SOURCE_OPTION, YearBase,
                    anchor_year, set_year, years_back)
from .zone import localize_naive, parse_collected, resolve_zone

__all__ = ["ClockResult", "assign_clock"]

NS = 10**9


@dataclass
class ClockResult:
    """The clocked events plus what the report says about how times were obtained."""

    events: pd.DataFrame  # input rows, same order, plus ts, ts_quality, boot, year_source
    notes: list[str] = field(default_factory=list)
    anchors: dict = field(default_factory=dict)  # boot -> {"offset", "source", "matches", ...}
    #: segment of each input row (input order) and the placement, so rows a streaming reader
    #: left out can be clocked like the row before them (``analyzer.compact``)
    segments: np.ndarray | None = None
    placement: BootPlacement | None = None


def assign_clock(events: pd.DataFrame, *, collected: str | None, host_tz: str | None,
                 options: Options, phantoms: dict | None = None) -> ClockResult:
    """Give every event of one host ``ts`` (UTC), ``ts_quality``, ``boot`` and ``year_source``.

    ``events``: the host's parsed events in read order (PARSE_COLUMNS plus source, format,
    family, rotation, seq; optionally ``mhash``, a hash of the message that uptime anchoring
    then compares instead of the text). ``collected``: raw text of a sosreport ``date`` file.
    ``host_tz``: the host's IANA zone from its sosreport. ``options.tz``/``options.year``
    override both. Rows keep their order and index; nothing is dropped. ``phantoms``: rows left
    out of ``events`` by a streaming reader that carry both a wall time and an uptime, as
    ``at`` (position in ``events`` of the row before them), ``delta`` (wall minus that row's
    wall, ns) and ``uptime``; they count where boots are estimated from wall+uptime pairs.
    """
    out = events.copy(deep=False)  # copy-on-write: new columns never reach ``events``
    n = len(out)
    zone, zone_note = resolve_zone(tz_option=options.tz, host_tz=host_tz)
    notes: list[str] = []
    if n == 0:
        out["ts"] = pd.Series([], dtype="datetime64[ns, UTC]", index=out.index)
        out["ts_quality"] = pd.Series([], dtype=object, index=out.index)
        out["boot"] = pd.Series([], dtype="Int64", index=out.index)
        out["year_source"] = pd.Series([], dtype=object, index=out.index)
        return ClockResult(events=out, notes=notes, anchors={})

    col = _columns(out)
    order = np.lexsort((np.arange(n), col["seq"], -col["rotation"], col["stream"]))
    kind = col["wall_kind"]
    wall = col["wall"]
    ts = np.full(n, NAT, dtype=np.int64)
    quality = np.full(n, TS_UNKNOWN, dtype=object)
    year_source = np.full(n, None, dtype=object)
    dst = [0, 0]

    utc = (kind == "utc") & (wall != NAT)
    ts[utc] = wall[utc]
    local = (kind == "local") & (wall != NAT)
    if local.any():
        ts[local] = _localize(wall[local], zone, col["stream"][local], dst)
    quality[utc | local] = TS_EXACT

    noyear = (kind == "noyear") & (wall != NAT)
    if noyear.any():
        base = YearBase(option=options.year)
        coll_utc = parse_collected(collected, zone=zone)
        if collected and coll_utc is None:
            notes.append(f"the collection date {collected.strip()!r} could not be read")
        if coll_utc is not None:
            base.collected_local = coll_utc.tz_convert(zone).tz_localize(None)
            base.collected_text = collected.strip()
        base.dated_spans = _dated_spans(ts, utc | local, col["source"], zone)
        sel = order[noyear[order]]  # noyear rows, chronological within each stream
        full, src, year_notes = _infer_years(wall[sel], col["stream"][sel], col["label"][sel],
                                             base)
        notes.extend(year_notes)
        ok = full != NAT
        undatable = ~ok & (src != None)  # noqa: E711 (element-wise; None = no year anchor)
        if undatable.any():
            notes.append(f"{int(undatable.sum()):,} year-less lines dated Feb 29 fall in a year "
                         "without one; they were left undated")
        rows = sel[ok]
        ts[rows] = _localize(full[ok], zone, col["stream"][rows], dst)
        quality[rows] = TS_YEAR_INFERRED
        year_source[sel] = src
    if (local | noyear).any():
        notes.insert(0, zone_note)
    if dst[0] or dst[1]:
        notes.append(f"{dst[0]} local times were ambiguous (DST ends) and were read by line "
                     f"order, else as summer time; {dst[1]} fell in the skipped DST hour and "
                     "were moved forward")

    # boots and uptime anchoring, on rows in chronological order
    s = object_frame({
        "stream": col["stream"][order], "is_xen": col["is_xen"][order],
        "kernelish": col["kernelish"][order], "message": col["message"][order],
        "uptime": col["uptime"][order], "boot_id": col["boot_id"][order], "ts": ts[order],
        "linux_text": col["linux_text"][order], "xen_text": col["xen_text"][order],
        "format": col["format"][order], "source": col["source"][order],
    })
    if "mhash" in out:
        s["key"] = out["mhash"].to_numpy()[order]
    seg = split_segments(s)
    sorted_phantoms = None
    if phantoms is not None and len(phantoms["at"]):
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
        sorted_phantoms = dict(phantoms, at=position[phantoms["at"]])
    placement = place_boots(s, seg, sorted_phantoms)
    notes.extend(placement.notes)
    boot = np.full(n, np.nan)
    boot[order] = placement.boot
    seg_of = np.empty(n, dtype=np.int64)
    seg_of[order] = seg
    if placement.offsets:
        for sid, anchor in placement.offsets.items():
            rows = (seg_of == sid) & (ts == NAT) & ~np.isnan(col["uptime"])
            ts[rows] = anchor.wall_ns(col["uptime"][rows])
            quality[rows] = TS_BOOT_RELATIVE

    out["ts"] = pd.Series(pd.DatetimeIndex(ts.view("datetime64[ns]")).tz_localize("UTC"),
                          index=out.index)
    out["ts_quality"] = pd.Series(quality, index=out.index, dtype=object)
    out["boot"] = pd.Series(pd.array(np.where(np.isnan(boot), None, boot), dtype="Int64"),
                            index=out.index)
    out["year_source"] = pd.Series(year_source, index=out.index, dtype=object)
    return ClockResult(events=out, notes=notes, anchors=placement.anchors, segments=seg_of,
                       placement=placement)


def _columns(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """The input columns as plain numpy arrays (missing optional columns filled)."""
    n = len(df)

    def obj(name: str) -> np.ndarray:
        if name not in df:
            return np.full(n, None, dtype=object)
        v = df[name].astype(object).to_numpy()
        return np.where(pd.isna(v), None, v)

    src_codes, src_names = pd.factorize(pd.Series(obj("source"), dtype=object).fillna(""))
    fam = obj("family")
    first_of = np.unique(src_codes, return_index=True)[1]
    src_label = np.array([f if isinstance(f, str) and f else str(src_names[c])
                          for c, f in zip(src_codes[first_of], fam[first_of])], dtype=object)
    stream_of_src, _ = pd.factorize(pd.Series(src_label, dtype=object))
    source = np.asarray(src_names, dtype=object).astype(str).astype(object)[src_codes] \
        if n else np.zeros(0, dtype=object)
    label = src_label[src_codes] if n else np.zeros(0, dtype=object)
    program = obj("program")
    wall = pd.to_datetime(df["wall"]).to_numpy(dtype="datetime64[ns]").view(np.int64) \
        if "wall" in df else np.full(n, NAT, dtype=np.int64)
    num = (lambda name, fill: pd.to_numeric(df[name], errors="coerce").fillna(fill)
           .to_numpy(dtype=np.int64) if name in df else np.full(n, fill, dtype=np.int64))
    message = df["message"].astype(object).fillna("").to_numpy(dtype=object) \
        if "message" in df else np.full(n, "", dtype=object)
    linux_text, xen_text = banner_texts(message)
    return {
        "linux_text": linux_text,
        "xen_text": xen_text,
        "source": source,
        "label": label,
        "stream": stream_of_src[src_codes].astype(np.int64) if n else np.zeros(0, np.int64),
        "rotation": num("rotation", 0),
        "seq": num("seq", 0),
        "wall": wall,
        "wall_kind": obj("wall_kind"),
        "message": message,
        "uptime": pd.to_numeric(df["uptime"], errors="coerce").to_numpy(dtype=float)
        if "uptime" in df else np.full(n, np.nan),
        "boot_id": obj("boot_id"),
        "format": obj("format"),
        "is_xen": program == "xen",
        "kernelish": pd.isna(program) | (program == "kernel"),
    }


def _localize(naive_ns: np.ndarray, zone: str, groups: np.ndarray, dst: list[int]) -> np.ndarray:
    series = pd.Series(naive_ns.view("datetime64[ns]"))
    utc, ambiguous, skipped = localize_naive(series, zone=zone, groups=groups)
    dst[0] += ambiguous
    dst[1] += skipped
    return utc.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(
        dtype="datetime64[ns]").view(np.int64)


def _dated_spans(ts: np.ndarray, dated: np.ndarray, source: np.ndarray,
                 zone: str) -> list[tuple[str, int, int]]:
    """(source, first, last) of each dated source, as naive local times in ``zone`` (ns)."""
    if not dated.any():
        return []
    local = pd.Series(pd.DatetimeIndex(ts[dated].view("datetime64[ns]")).tz_localize("UTC")
                      .tz_convert(zone).tz_localize(None).to_numpy(dtype="datetime64[ns]")
                      .view(np.int64))
    g = local.groupby(source[dated])
    return [(str(k), int(lo), int(hi)) for k, lo, hi in zip(g.min().index, g.min(), g.max())]


def _infer_years(wall2000: np.ndarray, stream: np.ndarray, label: np.ndarray,
                 base: YearBase) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Full naive times (ns), year_source per row and notes, for noyear rows in stream order."""
    back = years_back(wall2000, stream)
    years = np.zeros(len(wall2000), dtype=np.int64)
    src = np.full(len(wall2000), None, dtype=object)
    notes: list[str] = []
    bounds = np.flatnonzero(np.r_[True, stream[1:] != stream[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        anchor, how, where = anchor_year(wall2000[lo:hi], back[lo:hi], base)
        name = label[lo]
        if anchor is None:  # nothing dates these lines: their time stays unknown
            notes.append(f"{name} has no year and nothing dated to infer it from: its times "
                         "are left unknown (give --year YYYY to date them)")
            continue
        years[lo:hi] = anchor - back[lo:hi]
        src[lo:hi] = how
        if how == SOURCE_OPTION:
            notes.append(f"years of {name} from {where}")
        elif how == SOURCE_COLLECTED:
            notes.append(f"years of {name} inferred from {where} ({anchor})")
        elif how.startswith(SOURCE_DATED):
            notes.append(f"years of {name} inferred from {where} ({anchor})")
        rollovers = int(back[lo:hi].max())
        if rollovers:
            notes.append(f"{name} crosses New Year {rollovers} time(s); lines before it are "
                         f"dated {anchor - 1}" + (" and earlier" if rollovers > 1 else ""))
    full = set_year(wall2000, years)
    full[src == None] = NAT  # noqa: E711 (element-wise: rows no anchor dates)
    return full, src, notes
