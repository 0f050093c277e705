"""Episodes: problem events of one kind on one host, close in time, as one incident::

    Mar  6 14:02:44 dom0 kernel: xen_net: Memory squeeze in netback driver.
    Mar  6 14:02:49 dom0 kernel: printk: 2611 messages suppressed.
    Mar  6 14:02:49 dom0 kernel: xen_net: Memory squeeze in netback driver.
    ...                                   (312 squeeze lines over 40 minutes)
    -> Episode E1 xen.netback.memory_squeeze, 312 events, estimated_occurrences 312 + 2611

Rules:

- A problem event has a tag and severity warning or above; ``kernel.ratelimit.suppressed``
  lines are never problems themselves, they are counts the log hid.
- Events of one tag in one boot whose times are at most ``gap_minutes`` apart form an episode.
- Events without a time (an ``xl dmesg``, an unanchored dmesg) form episodes only by line
  adjacency within one source (consecutive members at most ``LINE_GAP`` lines apart); their
  ``start``/``end`` are None.
- ``estimated_occurrences`` = the members' ``count`` (syslog repeats) + suppressed counts
  attributed to the episode. A suppressed line is attributed to at most one episode: the one
  whose nearest member is nearest to it, among episodes of the same boot whose span widened
  by the gap on both sides contains it (on a tie the episode before it: a ratelimit report is
  printed after the messages it hid). Untimed suppressed lines go the same way by line
  distance within their source.

Ids ``E1``, ``E2``, ... follow start order across tags (untimed episodes last, by source and
line). The grouping is array work: sort, diff, cumulative sum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import SEVERITY_RANK, Episode, Evidence

SUPPRESSED_TAG = "kernel.ratelimit.suppressed"
PROBLEM_RANK = SEVERITY_RANK["warning"]
#: Untimed events further apart than this many lines are different episodes.
LINE_GAP = 50
#: Field names a suppressed-count pattern may use for the number it reports.
COUNT_FIELDS = ("count", "n", "n2", "suppressed")
#: Prefer the episode before a suppressed line over one after it at the same distance.
_AFTER_PENALTY = 0.5


def find_episodes(events: pd.DataFrame, *,
                  gap_minutes: float = 10.0) -> tuple[list[Episode], pd.Series]:
    """Group problem events into episodes.

    Returns the episodes (ids in start order) and a Series on ``events.index`` giving each
    member row its episode id (None for every other row, suppressed lines included).
    """
    episode_of = pd.Series([None] * len(events), index=events.index, dtype=object)
    if not len(events):
        return [], episode_of
    n = len(events)
    gap_ns = int(round(gap_minutes * 60 * 1e9))
    tag = events["tag"].astype(object).to_numpy() if "tag" in events else np.full(n, None)
    sev = events["severity"].astype(object).map(SEVERITY_RANK).to_numpy(dtype=float) \
        if "severity" in events else np.full(n, np.nan)
    ts = _ts_ns(events)
    timed = ts != _NAT
    boot = _boot_keys(events)
    source = events["source"].astype(str).to_numpy() if "source" in events else np.full(n, "")
    line = pd.to_numeric(events["line"], errors="coerce").fillna(0).to_numpy(dtype=np.int64) \
        if "line" in events else np.arange(n, dtype=np.int64)
    has_tag = pd.notna(tag)
    problem = has_tag & (sev >= PROBLEM_RANK) & (tag != SUPPRESSED_TAG)

    label = np.full(n, -1, dtype=np.int64)
    t_rows = np.flatnonzero(problem & timed)
    u_rows = np.flatnonzero(problem & ~timed)
    next_label = 0
    for rows, scope, coord, gap in ((t_rows, boot, ts, gap_ns),
                                    (u_rows, source, line, LINE_GAP)):
        if len(rows):
            lab = _runs(tag[rows].astype(str), scope[rows], coord[rows], gap)
            label[rows] = lab + next_label
            next_label += int(lab.max()) + 1
    if next_label == 0:
        return [], episode_of

    members = np.flatnonzero(label >= 0)
    mem = pd.DataFrame({"label": label[members], "row": members, "ts": ts[members],
                        "timed": timed[members], "source": source[members],
                        "line": line[members], "sev": sev[members]})
    counts = _counts(events, n)
    mem["count"] = counts[members]
    # order of episodes: timed by start, then untimed by source and line
    firsts = mem.sort_values(["ts", "source", "line"]).groupby("label", sort=False).first()
    firsts["untimed"] = ~firsts["timed"]
    order = firsts.sort_values(["untimed", "ts", "source", "line"]).index.to_numpy()
    ids = {int(lab): f"E{i}" for i, lab in enumerate(order, 1)}

    hidden = _attribute_suppressed(events, tag=tag, ts=ts, timed=timed, boot=boot,
                                   source=source, line=line, label=label, gap_ns=gap_ns)
    episodes = []
    sorted_mem = mem.sort_values(["ts", "source", "line"], kind="stable")
    groups = sorted_mem.groupby("label", sort=False)
    for lab in order:
        grp = groups.get_group(lab)
        rows = grp["row"].to_numpy()
        first, last = int(rows[0]), int(rows[-1])
        is_timed = bool(grp["timed"].iloc[0])
        episode_of.iloc[rows] = ids[int(lab)]
        episodes.append(Episode(
            id=ids[int(lab)],
            tag=str(tag[first]),
            start=_iso(ts[first]) if is_timed else None,
            end=_iso(ts[last]) if is_timed else None,
            events=len(rows),
            estimated_occurrences=int(grp["count"].sum()) + int(hidden.get(int(lab), 0)),
            boot=_row_boot(events, first),
            severity=_severity_name(grp["sev"].max()),
            first=_evidence(events, first),
            last=_evidence(events, last),
        ))
    return episodes, episode_of


# ---------------------------------------------------------------------------------------------
# helpers

_NAT = np.iinfo(np.int64).min


def _ts_ns(events: pd.DataFrame) -> np.ndarray:
    if "ts" not in events:
        return np.full(len(events), _NAT, dtype=np.int64)
    ts = pd.to_datetime(events["ts"], utc=True)
    return ts.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)


def _boot_keys(events: pd.DataFrame) -> np.ndarray:
    """Boot per row as a comparable key (-1 for unknown)."""
    if "boot" not in events:
        return np.full(len(events), -1, dtype=np.int64)
    return pd.to_numeric(events["boot"], errors="coerce").fillna(-1).to_numpy(dtype=np.int64)


def _row_boot(events: pd.DataFrame, pos: int) -> int | None:
    if "boot" not in events:
        return None
    b = events["boot"].iloc[pos]
    return None if pd.isna(b) else int(b)


def _counts(events: pd.DataFrame, n: int) -> np.ndarray:
    if "count" not in events:
        return np.ones(n, dtype=np.int64)
    return pd.to_numeric(events["count"], errors="coerce").fillna(1).clip(lower=1) \
        .to_numpy(dtype=np.int64)


def _runs(tag: np.ndarray, scope: np.ndarray, coord: np.ndarray, gap: int) -> np.ndarray:
    """Run labels (0..k-1): same tag, same scope, consecutive coordinates at most ``gap`` apart."""
    frame = pd.DataFrame({"tag": tag, "scope": scope, "coord": coord})
    order = np.lexsort((coord, scope.astype(str), tag))
    f = frame.iloc[order]
    t, s, c = f["tag"].to_numpy(), f["scope"].astype(str).to_numpy(), f["coord"].to_numpy()
    new = np.ones(len(f), dtype=bool)
    new[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1]) | (c[1:] - c[:-1] > gap)
    lab_sorted = np.cumsum(new) - 1
    lab = np.empty(len(f), dtype=np.int64)
    lab[order] = lab_sorted
    return lab


#: Rate-limit counters named after the function that owns them hide only that function's
#: messages, so their counts go only to episodes of these tag families. Counters not listed
#: (``printk: N messages suppressed`` and the shared ``__ratelimit``) may hide anything.
SUPPRESSOR_FAMILIES = {
    "net_ratelimit": ("xen.netback.", "xen.netfront.", "network."),
    "warn_alloc": ("mm.page_alloc_failure",),
    "swiotlb_tbl_map_single": ("dma.",),
}


_FAMILY_NAMES = list(SUPPRESSOR_FAMILIES)


def _family_code(fields) -> int:
    """0 for a shared counter, else 1 + the index of its owner in SUPPRESSOR_FAMILIES."""
    func = fields.get("func") if isinstance(fields, dict) else None
    return _FAMILY_NAMES.index(func) + 1 if func in SUPPRESSOR_FAMILIES else 0


def _hidable_by(tag: str) -> np.ndarray:
    """Per family code: whether that counter could have hidden messages of ``tag``."""
    return np.array([True] + [str(tag).startswith(SUPPRESSOR_FAMILIES[f]) for f in _FAMILY_NAMES])


def _suppressed_count(fields) -> int:
    if not isinstance(fields, dict):
        return 0
    for key in COUNT_FIELDS:
        value = fields.get(key)
        if value is None:
            continue
        try:
            return max(int(str(value).replace(",", "")), 0)
        except ValueError:
            continue
    return 0


def _attribute_suppressed(events: pd.DataFrame, *, tag, ts, timed, boot, source, line, label,
                          gap_ns: int) -> dict[int, int]:
    """Suppressed counts per episode label (each suppressed line to at most one episode)."""
    sup = np.flatnonzero(tag == SUPPRESSED_TAG)
    if not len(sup) or "fields" not in events:
        return {}
    sup_fields = events["fields"].to_numpy()[sup]
    n_hidden = np.array([_suppressed_count(f) for f in sup_fields], dtype=np.int64)
    keep = n_hidden > 0
    sup, n_hidden, sup_fields = sup[keep], n_hidden[keep], sup_fields[keep]
    out: dict[int, int] = {}
    for is_timed, scope, coord, gap in ((True, boot, ts, gap_ns),
                                        (False, source, line, LINE_GAP)):
        s_rows = sup[timed[sup] == is_timed]
        if not len(s_rows):
            continue
        s_hidden = n_hidden[timed[sup] == is_timed]
        s_family = np.array([_family_code(f) for f in sup_fields[timed[sup] == is_timed]],
                            dtype=np.int64)
        labels = np.unique(label[(label >= 0) & (timed == is_timed)])
        best = np.full(len(s_rows), np.inf)
        best_lab = np.full(len(s_rows), -1, dtype=np.int64)
        for lab in labels:
            m = np.flatnonzero(label == lab)
            mc = np.sort(coord[m])
            ok = scope[s_rows] == scope[m[0]]
            ok &= _hidable_by(tag[m[0]])[s_family]
            x = coord[s_rows]
            ok &= (x >= mc[0] - gap) & (x <= mc[-1] + gap)
            if not ok.any():
                continue
            pos = np.searchsorted(mc, x, side="right")  # members at or before x: mc[:pos]
            xf, mf = x.astype(np.float64), mc.astype(np.float64)
            before = np.where(pos > 0, xf - mf[np.maximum(pos - 1, 0)], np.inf)
            after = np.where(pos < len(mc), mf[np.minimum(pos, len(mc) - 1)] - xf, np.inf)
            dist = np.minimum(before, after + _AFTER_PENALTY)
            better = ok & (dist < best)
            best[better] = dist[better]
            best_lab[better] = lab
        for lab, hidden in zip(best_lab, s_hidden):
            if lab >= 0:
                out[int(lab)] = out.get(int(lab), 0) + int(hidden)
    return out


def _severity_name(rank: float) -> str:
    names = {v: k for k, v in SEVERITY_RANK.items()}
    return names.get(int(rank), "warning") if not np.isnan(rank) else "warning"


def _iso(ns: int) -> str:
    return pd.Timestamp(ns, tz="UTC").isoformat()


def _evidence(events: pd.DataFrame, pos: int) -> Evidence:
    row = events.iloc[pos]
    ts = row.get("ts")
    end_line = row.get("end_line")
    line = int(row["line"]) if "line" in row and pd.notna(row["line"]) else 0
    boot = row.get("boot")
    return Evidence(
        source=str(row.get("source", "")),
        line=line,
        ts=None if ts is None or pd.isna(ts) else pd.Timestamp(ts).tz_convert("UTC").isoformat(),
        message=str(row.get("message", "")),
        tag=None if pd.isna(row.get("tag")) else str(row.get("tag")),
        boot=None if boot is None or pd.isna(boot) else int(boot),
        end_line=None if end_line is None or pd.isna(end_line) or int(end_line) == line
        else int(end_line),
    )
