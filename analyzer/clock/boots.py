"""Boots: split each log stream where the machine restarted, then number the host's boots.

A boot starts at a kernel banner, where uptime goes backwards, where the journal's boot id
changes, or at a hypervisor banner::

    Feb  9 22:38:17 compute4 kernel: [    0.000000] Linux version 5.4.0-97-generic (buildd@...) ...
    (XEN) Xen version 3.1.2-128.1.10.el5 (mockbuild@redhat.com) (gcc version 4.1.2) ...

A *stream* is one rotated family read oldest first (``kern.log.1`` then ``kern.log``), so a boot
that spans a rotation stays one boot. Boundaries from uptime, boot ids and stream starts are
found with array operations; banners (a handful per boot) are checked one by one, because early
boot lines (``Initializing cgroup subsys cpuset``, ``Bootdata ok``, a Xen banner before the
Dom0 kernel's) may legitimately come just before a banner of the same boot.

Segments of dated streams are then merged across streams into host boots by their start time:
``median(wall - uptime)`` where lines carry both, else the first wall time of a segment that
begins with a boot marker. A dated segment with no known start (a log that begins mid-boot, a
xend.log) is placed row by row: each row belongs to the last boot started before it. Segments
without any wall time (``dmesg``, ``xl dmesg``) are placed by lines they share with dated logs
(see ``anchor``), else by a unique matching ``Linux version`` banner, else by their own split
counted back from the LAST boot: a dmesg or ``xl dmesg`` in a sosreport shows the running boot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .anchor import Anchor, find_anchors

NS = 10**9
NAT = np.iinfo(np.int64).min
LINUX_BANNER = "Linux version "
#: The hypervisor's banner (program "xen", ``(XEN) `` prefix already removed by the parser).
XEN_BANNER_RE = re.compile(r"^(?:\(XEN\) )?Xen version \d")
_XEN_PREFIXES = ("Xen version ", "(XEN) Xen version ")
#: Uptime going back by more than this within a stream is a reboot, not jitter.
UPTIME_BACK_S = 5.0
#: Lines a boot may print before its banner (``Reserving virtual address space``, cgroup init).
EARLY_ROWS = 20
#: A banner more than this after the line before it starts a new boot even after few lines.
BANNER_GAP_NS = 30 * NS
#: Segment starts of different streams this close are the same boot (Xen boots before Dom0).
CLUSTER_TOL_NS = 300 * NS
#: Formats that show one running system's boot(s) even without any wall clock.
CAPTURE_FORMATS = frozenset({"dmesg", "plain", "xen_console", "journal_monotonic",
                             "serial_capture"})


@dataclass
class BootPlacement:
    """The boot of every row (sorted order) and what the report needs to say about it."""

    boot: np.ndarray  # float64, NaN where unplaceable
    offsets: dict[int, Anchor] = field(default_factory=dict)  # segment -> its uptime anchor
    anchors: dict[int, dict] = field(default_factory=dict)  # final boot -> report entry
    notes: list[str] = field(default_factory=list)
    #: how rows of dated segments without a start of their own get a boot (so rows a streaming
    #: reader left out can be placed like their neighbours): segment ids, the boots' start
    #: times (ns, float) and the boot number of the first start
    lookup: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    starts_ns: np.ndarray = field(default_factory=lambda: np.zeros(0))
    boot_base: int = 0
    undated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # no wall time


def object_frame(columns: dict) -> pd.DataFrame:
    """A DataFrame whose object (string) arrays stay object columns.

    pandas 3 would turn them into Arrow strings, which costs seconds per million rows here and
    buys nothing: the clock only compares and groups them.
    """
    return pd.DataFrame({k: pd.Series(v, dtype=object)
                         if isinstance(v, np.ndarray) and v.dtype == object else v
                         for k, v in columns.items()})


def banner_texts(messages) -> tuple[np.ndarray, np.ndarray]:
    """Which messages read like a Linux banner / a Xen banner.

    ``messages``: an object array of ``str`` (one ``str.startswith`` per message, C speed,
    ~0.1 s per million), or a pyarrow string array a caller converted anyway (vectorized, no
    Python per message; nulls read as ""). The regex runs on the few candidates only.
    """
    import pyarrow as pa

    if isinstance(messages, pa.Array):
        import pyarrow.compute as pc

        def starts(prefix: str) -> np.ndarray:
            return pc.fill_null(pc.starts_with(messages, prefix), False).to_numpy(
                zero_copy_only=False)

        linux = starts(LINUX_BANNER)
        xen = starts(_XEN_PREFIXES[0]) | starts(_XEN_PREFIXES[1])
        for i in np.flatnonzero(xen):
            xen[i] = XEN_BANNER_RE.match(messages[int(i)].as_py()) is not None
        return linux, xen
    n = len(messages)
    linux = np.fromiter((m.startswith(LINUX_BANNER) for m in messages), dtype=bool, count=n)
    xen = np.fromiter((m.startswith(_XEN_PREFIXES) for m in messages), dtype=bool, count=n)
    for i in np.flatnonzero(xen):
        xen[i] = XEN_BANNER_RE.match(messages[i]) is not None
    return linux, xen


def banner_masks(s: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Kernel banners (``Linux version`` from the kernel) and hypervisor banners, per row."""
    is_xen = s["is_xen"].to_numpy(dtype=bool)
    linux = s["kernelish"].to_numpy(dtype=bool) & ~is_xen & s["linux_text"].to_numpy(dtype=bool)
    return linux, is_xen & s["xen_text"].to_numpy(dtype=bool)


def split_segments(s: pd.DataFrame) -> np.ndarray:
    """Global segment id per row of ``s`` (chronological within each stream).

    ``s`` columns: stream (int), is_xen (bool), kernelish (bool), linux_text/xen_text (bool,
    see ``banner_texts``), message, uptime, boot_id, ts (int64 ns, NAT when unknown).
    """
    n = len(s)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    stream = s["stream"].to_numpy()
    is_xen = s["is_xen"].to_numpy(dtype=bool)
    start = np.ones(n, dtype=bool)
    start[1:] = stream[1:] != stream[:-1]
    key = stream.astype(np.int64) * 2 + is_xen
    prev_up = s["uptime"].groupby(key).ffill().groupby(key).shift(1).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        reset = s["uptime"].to_numpy(dtype=float) < prev_up - UPTIME_BACK_S
    bid = s["boot_id"].groupby(stream).ffill()
    prev_bid = bid.groupby(stream).shift(1)
    changed = (bid.notna() & prev_bid.notna() & (bid != prev_bid)).to_numpy(dtype=bool)
    split = start | reset | changed

    linux, xen = banner_masks(s)
    banners = np.flatnonzero(linux | xen)
    if len(banners):
        ts = s["ts"].to_numpy(dtype=np.int64)
        up = s["uptime"].to_numpy(dtype=float)
        base = np.flatnonzero(split)
        nonxen_before = np.concatenate([[0], np.cumsum(~is_xen)])
        last_linux = last_xen = last_added = -1
        for b in banners:
            seg_start = max(base[np.searchsorted(base, b, side="right") - 1], last_added)
            if b > seg_start:
                gap = ts[b] != NAT and ts[b - 1] != NAT and ts[b] - ts[b - 1] > BANNER_GAP_NS
                if linux[b]:
                    early = nonxen_before[b] - nonxen_before[seg_start] <= EARLY_ROWS
                    new = last_linux >= seg_start or (last_xen < seg_start
                                                      and (not early or gap))
                else:
                    new = last_xen >= seg_start or b - seg_start > EARLY_ROWS or gap
                if new:
                    at = _early_start(up, b, seg_start)
                    split[at] = True
                    last_added = at
            if linux[b]:
                last_linux = b
            else:
                last_xen = b
    return np.cumsum(split) - 1


def _early_start(up: np.ndarray, b: int, seg_start: int) -> int:
    """Where the boot of the banner at ``b`` began: back over early lines whose uptime rises
    to the banner's (``[0.000000] Reserving virtual address space`` before it), at most
    EARLY_ROWS lines and never before ``seg_start``."""
    if np.isnan(up[b]):
        return b
    at = b
    while at - 1 > seg_start and b - at < EARLY_ROWS and not np.isnan(up[at - 1]) \
            and up[at - 1] <= up[at]:
        at -= 1
    return at if at - 1 >= seg_start and not np.isnan(up[at - 1]) and up[at - 1] > up[at] \
        else b


def segment_table(s: pd.DataFrame, seg: np.ndarray, phantoms: dict | None = None) -> pd.DataFrame:
    """One row per segment: stream, dated rows, first/min ts, start estimate, banner, format.

    ``phantoms`` (rows a streaming reader left out, each after a row of ``s`` in its segment
    and as dated as it): ``at`` (that row's position in ``s``), ``delta`` (its wall time minus
    the row's, ns) and ``uptime``; they count in the wall+uptime statistics like the rows they
    stand for.
    """
    ts = s["ts"].to_numpy(dtype=np.int64)
    tsf = np.where(ts == NAT, np.nan, ts.astype(np.float64))
    up = s["uptime"].to_numpy(dtype=float)
    both = ~np.isnan(tsf) & ~np.isnan(up)
    off = np.where(both, tsf - up * NS, np.nan)
    msg = s["message"]
    linux, xen = banner_masks(s)
    first_row = np.ones(len(seg), dtype=bool)
    first_row[1:] = seg[1:] != seg[:-1]
    stream = s["stream"].to_numpy()
    stream_first = np.ones(len(seg), dtype=bool)
    stream_first[1:] = stream[1:] != stream[:-1]
    columns = {
        "seg": seg, "stream": stream, "tsf": tsf, "off": off,
        "has_up": ~np.isnan(up), "banner": np.where(linux, msg.to_numpy(), None),
        "marker": linux | xen | (first_row & ~stream_first) | s["boot_id"].notna().to_numpy(),
        "format": s["format"].to_numpy(), "source": s["source"].to_numpy(),
        "boot_id": s["boot_id"].to_numpy(),
    }
    if phantoms is not None and len(phantoms["at"]):
        at = phantoms["at"]
        p_ts = tsf[at] + phantoms["delta"].astype(np.float64)  # NaN stays NaN
        p_up = phantoms["uptime"]
        m = len(at)
        extra = {"seg": seg[at], "stream": stream[at], "tsf": p_ts,
                 "off": np.where(np.isnan(p_ts) | np.isnan(p_up), np.nan, p_ts - p_up * NS),
                 "has_up": ~np.isnan(p_up), "banner": np.full(m, None, dtype=object),
                 "marker": np.zeros(m, dtype=bool), "format": columns["format"][at],
                 "source": columns["source"][at], "boot_id": np.full(m, None, dtype=object)}
        columns = {k: np.concatenate([np.asarray(v),
                                      np.asarray(extra[k], dtype=np.asarray(v).dtype)])
                   for k, v in columns.items()}
    frame = object_frame(columns)
    g = frame.groupby("seg", sort=True)
    table = pd.DataFrame({
        "stream": g["stream"].first(),
        "n_ts": g["tsf"].count(),
        "first_ts": g["tsf"].first(),
        "n_both": g["off"].count(),
        "off": g["off"].median(),
        "has_up": g["has_up"].any(),
        "banner": g["banner"].first(),
        "marker": g["marker"].any(),
        "format": g["format"].first(),
        "source": g["source"].first(),
        "boot_id": g["boot_id"].first(),
    })
    start = np.where(table["n_both"] > 0, table["off"],
                     np.where(table["marker"], table["first_ts"], np.nan))
    table["start"] = start
    table["index_in_stream"] = table.groupby("stream").cumcount()
    table["stream_segments"] = table.groupby("stream")["stream"].transform("size")
    return table


def place_boots(s: pd.DataFrame, seg: np.ndarray, phantoms: dict | None = None) -> BootPlacement:
    """Boot index per row (sorted order), anchoring offsets and report notes.

    Lines are compared for uptime anchoring by ``s["key"]`` when present (a hash of the
    message, so rows without their text still anchor), else by ``s["message"]``.
    """
    n = len(s)
    if n == 0:
        return BootPlacement(boot=np.zeros(0))
    table = segment_table(s, seg, phantoms)
    dated = table[table["n_ts"] > 0]
    starts = dated[dated["start"].notna()].sort_values("start")
    # merge segment starts of different streams into clusters (one per host boot)
    cluster_of: dict[int, int] = {}
    c_start: list[float] = []
    c_streams: list[set] = []
    for sid, row in starts.iterrows():
        if (c_start and row["start"] - c_start[-1] <= CLUSTER_TOL_NS
                and row["stream"] not in c_streams[-1]):
            c_streams[-1].add(row["stream"])
        else:
            c_start.append(row["start"])
            c_streams.append({row["stream"]})
        cluster_of[int(sid)] = len(c_start) - 1
    c_arr = np.asarray(c_start, dtype=np.float64)

    # rows: cluster per row, from its segment or by time (segments without a known start)
    row_cluster = np.full(n, np.nan)
    seg_cluster = pd.Series(cluster_of, dtype=np.float64).reindex(np.arange(len(table)))
    row_cluster[:] = seg_cluster.to_numpy()[seg]
    tsf = np.where(s["ts"].to_numpy(dtype=np.int64) == NAT, np.nan,
                   s["ts"].to_numpy(dtype=np.int64).astype(np.float64))
    lookup_seg = table.index[(table["n_ts"] > 0) & table["start"].isna()].to_numpy()
    need = np.isin(seg, lookup_seg) & ~np.isnan(tsf)
    pre = False
    if need.any():
        idx = np.searchsorted(c_arr, tsf[need], side="right") - 1
        pre = bool((idx < 0).any())
        row_cluster[need] = idx  # -1: a boot that began before every known start
        fill = pd.Series(np.where(np.isin(seg, lookup_seg), row_cluster, np.nan))
        filled = fill.groupby(seg).ffill().groupby(seg).bfill().to_numpy()
        in_lookup = np.isin(seg, lookup_seg)
        row_cluster[in_lookup] = filled[in_lookup]
    n_known = len(c_start) + (1 if pre else 0)  # boots known from wall clocks
    shift = 1 if pre else 0

    # undated segments: anchors, banners, else counted back from the last boot
    notes: list[str] = []
    undated_ids = table.index[table["n_ts"] == 0].to_numpy()
    anchors: dict[int, Anchor] = {}
    if len(undated_ids) and n_known:
        und_rows = np.isin(seg, undated_ids)
        kern = s["kernelish"].to_numpy(dtype=bool) & ~s["is_xen"].to_numpy(dtype=bool)
        dated_rows = kern & ~np.isnan(tsf) & ~np.isnan(row_cluster)
        key = (s["key"] if "key" in s else s["message"]).to_numpy()
        anchors = find_anchors(
            object_frame({"seg": seg[und_rows], "message": key[und_rows],
                          "uptime": s["uptime"].to_numpy()[und_rows]}),
            object_frame({"cluster": row_cluster[dated_rows].astype(np.int64),
                          "message": key[dated_rows],
                          "uptime": s["uptime"].to_numpy()[dated_rows],
                          "ts": tsf[dated_rows].astype(np.int64),
                          "source": s["source"].to_numpy()[dated_rows]}))
    c_banners: dict[str, set] = {}
    for sid, cl in cluster_of.items():
        b = table.at[sid, "banner"]
        if isinstance(b, str):
            c_banners.setdefault(b, set()).add(cl)
    rel: dict[int, int] = {}  # segment -> boot relative to the last known one (0 = last)
    how: dict[int, str] = {}
    for sid in undated_ids:
        a = anchors.get(int(sid))
        banner = table.at[sid, "banner"]
        if a is not None:
            rel[int(sid)] = a.cluster + shift - (n_known - 1)
            how[int(sid)] = "anchor"
        elif isinstance(banner, str) and len(c_banners.get(banner, ())) == 1:
            rel[int(sid)] = next(iter(c_banners[banner])) + shift - (n_known - 1)
            how[int(sid)] = "banner"
    seg_first = np.searchsorted(seg, np.arange(len(table)))
    stream_arr = s["stream"].to_numpy()
    for sid in undated_ids:
        # an undated stretch inside a dated log (lines whose date could not be read) follows
        # the boot of the line before it: it was split off by a boot marker, so the next boot
        at = seg_first[sid]
        if int(sid) not in rel and at > 0 and stream_arr[at - 1] == stream_arr[at] \
                and not np.isnan(row_cluster[at - 1]):
            rel[int(sid)] = int(row_cluster[at - 1]) + shift + 1 - (n_known - 1)
            how[int(sid)] = "neighbor"
    for stream, grp in table.loc[undated_ids].groupby("stream"):
        capture = (grp["format"].isin(CAPTURE_FORMATS).any() or grp["has_up"].any()
                   or grp["banner"].notna().any() or grp["boot_id"].notna().any())
        ids = list(grp.index)
        for j, sid in enumerate(ids):
            if int(sid) in rel or not capture:
                continue
            later = [(k, rel[int(t)]) for k, t in enumerate(ids) if k > j and int(t) in rel]
            last_pos = grp["index_in_stream"].max()
            if later:
                k, r = later[0]
                rel[int(sid)] = r - (grp.at[ids[k], "index_in_stream"]
                                     - grp.at[sid, "index_in_stream"])
            else:
                rel[int(sid)] = -int(last_pos - grp.at[sid, "index_in_stream"])
            how[int(sid)] = "last"
    depth = max([-r for r in rel.values()], default=0)
    extra = max(0, depth - (n_known - 1))
    last = n_known - 1 + extra

    boot = np.full(n, np.nan)
    known = ~np.isnan(row_cluster)
    boot[known] = row_cluster[known] + shift + extra
    for sid, r in rel.items():
        boot[seg == sid] = last + r

    offsets: dict[int, int] = {}
    report: dict[int, dict] = {}
    for sid, row in starts.iterrows():
        if row["n_both"] > 0:
            b = int(cluster_of[int(sid)] + shift + extra)
            report.setdefault(b, {"offset": round(float(row["start"]) / NS, 1),
                                  "source": str(row["source"]), "matches": int(row["n_both"]),
                                  "method": "wall+uptime"})
    for sid, a in anchors.items():
        b = int(last + rel[sid])
        src = table.at[sid, "source"]
        if a.offset_ns is not None:
            offsets[sid] = a
            prev = report.get(b)
            if prev is None or prev.get("method") == "wall+uptime" \
                    or prev.get("matches", 0) < a.matches:
                report[b] = {"offset": round(a.offset_ns / NS, 1), "source": a.source,
                             "matches": a.matches, "method": a.method,
                             "spread": round(a.spread_s, 3),
                             "drift_ppm": round(float(a.drift) * 1e6, 1),
                             "uptime_source": str(src)}
            notes.append(f"{src} uptimes anchored to {a.source} through {a.matches} shared "
                         f"lines (offset {a.offset_ns / NS:.1f} s, spread {a.spread_s:.1f} s"
                         + (f", drift {a.drift * 1e6:.0f} ppm" if a.drift else "") + ")")
        else:
            notes.append(f"{src} has no uptimes; placed in boot {b} through {a.matches} lines "
                         f"it shares with {a.source}")
    placed: dict[tuple[str, str], list[int]] = {}
    for sid, h in how.items():
        if h in ("banner", "last"):
            placed.setdefault((str(table.at[sid, "source"]), h), []).append(int(last + rel[sid]))
    for (src, h), boots in placed.items():
        which = _boot_list(boots)
        if h == "banner":
            notes.append(f"{src} has no usable wall clock; placed in {which} by its Linux version "
                         "banner")
        else:
            notes.append(f"{src} has no usable wall clock and shares no lines with a dated log; "
                         f"assumed to show {which} counted back from the last boot (a dmesg or "
                         "xl dmesg captures the running boot)")
    unplaced = table.loc[undated_ids][~table.loc[undated_ids].index.isin(list(rel))]
    for src in unplaced["source"].unique():
        notes.append(f"{src} has no usable wall clock and no boot markers; its boot is unknown")
    return BootPlacement(boot=boot, offsets=offsets, anchors=report, notes=_dedupe(notes),
                         lookup=np.asarray(lookup_seg, dtype=np.int64), starts_ns=c_arr,
                         boot_base=shift + extra, undated=np.asarray(undated_ids, dtype=np.int64))


def _boot_list(boots: list[int]) -> str:
    boots = sorted(set(boots))
    if len(boots) == 1:
        return f"boot {boots[0]}"
    if boots == list(range(boots[0], boots[-1] + 1)):
        return f"boots {boots[0]}-{boots[-1]}"
    return "boots " + ", ".join(map(str, boots))


def _dedupe(notes: list[str]) -> list[str]:
    return list(dict.fromkeys(notes))
