"""What template mining shows people: ``kernlog templates`` output and the report's section of
unexplained kernel messages.

    $ kernlog templates kern.log --untagged-only --format markdown
    | # | Events | Template | Example |
    |---|---|---|---|
    | 3 | 312 | `xen_blkback: ring-ref <*>, event-channel <*>, protocol <*>` | `xen_blkback: ring-ref 8, ...` |

``render_templates`` is pure (events in, text out). ``unexplained_messages`` ranks the
templates of untagged kernel lines by how unusual they are on this host: rare overall, seen
only inside a problem episode, first seen late in the log, bursting.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..model import KERNEL_FORMATS, kernel_program
from ..report.escape import code
from .columns import NAT, codes_of, merge_sums, ns_utc, numbers, sum_by_key
from .mining import mine_templates, templates_of

FORMATS = ("jsonl", "markdown")
#: A template bursts when this share of its lines (at least BURST_MIN) fall in one window.
BURST_WINDOW = pd.Timedelta(minutes=10)
BURST_SHARE = 0.5
BURST_MIN = 5
#: First seen after this share of the host's observed period: new.
NEW_AFTER = 0.5
#: Lines this soon after their boot's first event are boot chatter: rare by nature, so their
#: score counts half.
BOOT_CHATTER = pd.Timedelta(minutes=5)
MARKDOWN_LIMIT = 200
#: Rows per block of the unexplained-messages pass (its temporaries are a few such arrays).
_BLOCK = 1 << 20


def render_templates(events: pd.DataFrame, *, fmt: str, untagged_only: bool) -> str:
    """``events`` grouped into templates, as JSON lines (one per event) or a markdown table.

    ``jsonl``: ``{"source", "line", "template_id", "template"}`` per event in table order.
    ``markdown``: templates by number of events, each with an example line and its place.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown template format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rows = events[events["tag"].isna()] if untagged_only and "tag" in events else events
    mined = mine_templates(rows["message"] if "message" in rows else pd.Series([], dtype=object))
    if fmt == "jsonl":
        return _jsonl(rows, mined)
    return _markdown(rows, mined, untagged_only=untagged_only)


def _jsonl(rows: pd.DataFrame, mined) -> str:
    if not len(rows):
        return ""
    # encode each distinct template and source once; rows only format numbers
    templates = [json.dumps(t, ensure_ascii=False) for t in mined.templates]
    sources = rows["source"].astype(object).where(rows["source"].notna(), None) \
        if "source" in rows else pd.Series([None] * len(rows), dtype=object)
    src_codes, src_values = pd.factorize(sources, use_na_sentinel=True)
    src_json = [json.dumps(str(s), ensure_ascii=False) for s in src_values]
    lines = pd.to_numeric(rows["line"], errors="coerce").to_numpy() if "line" in rows \
        else np.full(len(rows), np.nan)
    out = []
    for sc, ln, tid in zip(src_codes, lines, mined.template_ids):
        src = src_json[sc] if sc >= 0 else "null"
        line = "null" if ln != ln else str(int(ln))
        out.append(f'{{"source": {src}, "line": {line}, "template_id": {tid}, '
                   f'"template": {templates[tid]}}}')
    return "\n".join(out) + "\n"


def _markdown(rows: pd.DataFrame, mined, *, untagged_only: bool) -> str:
    scope = "untagged events" if untagged_only else "events"
    out = ["# Message templates", "",
           f"{len(rows):,} {scope} in {len(mined.templates):,} templates "
           "(numbers, addresses, devices and paths masked as `<*>`).", ""]
    if not len(rows):
        return "\n".join(out)
    first = _first_rows(mined.template_ids, len(mined.templates))
    order = sorted(range(len(mined.templates)), key=lambda t: (-mined.counts[t], first[t]))
    out += ["| # | Events | Template | Example | Where |", "|---|---|---|---|---|"]
    for tid in order[:MARKDOWN_LIMIT]:
        row = rows.iloc[first[tid]]
        out.append(f"| {tid} | {int(mined.counts[tid]):,} | "
                   f"{code(mined.templates[tid], table=True, limit=160)} | "
                   f"{code(row.get('message'), table=True, limit=160)} | "
                   f"{_where(row)} |")
    if len(order) > MARKDOWN_LIMIT:
        rest = int(sum(mined.counts[t] for t in order[MARKDOWN_LIMIT:]))
        out += ["", f"{len(order) - MARKDOWN_LIMIT:,} more templates ({rest:,} events) not shown."]
    return "\n".join(out) + "\n"


def _where(row) -> str:
    source, line = row.get("source"), row.get("line")
    if source is None or (isinstance(source, float) and math.isnan(source)):
        return "—"
    loc = f"{source}:{int(line)}" if line is not None and line == line else str(source)
    return code(loc, table=True, limit=120)


def _first_rows(template_ids: np.ndarray, n: int) -> np.ndarray:
    """Position of the first row of each template."""
    first = np.full(n, len(template_ids), dtype=np.int64)
    np.minimum.at(first, template_ids, np.arange(len(template_ids)))
    return first


# ---------------------------------------------------------------------------------------------
# Unexplained messages (report section)


def kernel_untagged(events: pd.DataFrame) -> pd.Series:
    """Boolean mask: untagged kernel or hypervisor lines."""
    n = len(events)
    untagged = events["tag"].isna() if "tag" in events else pd.Series(True, index=events.index)
    if "program" in events:
        # decided once per distinct program (a long log's rows are many, its programs few)
        codes, uniques = codes_of(events["program"])
        known = np.array([kernel_program(u) for u in uniques] + [kernel_program(None)])
        kernelish = pd.Series(known[codes], index=events.index)
    else:
        kernelish = pd.Series(np.ones(n, dtype=bool), index=events.index)
    if "format" in events:
        kernelish |= events["format"].isin(KERNEL_FORMATS).to_numpy(dtype=bool)
    return untagged & kernelish


def unexplained_messages(events: pd.DataFrame, episodes: list, episode_of: pd.Series | None = None,
                         *, limit: int = 15) -> list[dict]:
    """Templates of untagged kernel lines, most unusual first.

    Each dict: ``template``, ``count`` (occurrences: the events' ``count``), ``first``/``last``
    (ISO UTC or None), ``example`` (the first line's message), ``source``, ``line``, ``why``
    (short plain text) and ``score`` (higher is more unusual). A line is inside an episode
    when its time falls within the episode's start and end (for untimed episodes: same source,
    between its first and last line); ``episode_of`` (episode id per problem row) is accepted
    for the pipeline's convenience and not needed here.

    Per-line work is array arithmetic (a streamed host brings millions of untagged lines back
    as rows without text): counts, first/last times and bursts are sums and minima by template.
    """
    if not len(events) or "message" not in events:
        return []
    sel = np.flatnonzero(kernel_untagged(events).to_numpy(dtype=bool))
    if not len(sel):
        return []
    template = events["template"] if "template" in events else None
    if template is not None and isinstance(template.dtype, pd.CategoricalDtype) \
            and (template.cat.codes.to_numpy()[sel] >= 0).all():
        codes_all = template.cat.codes.to_numpy()
        templates = [str(t) for t in template.cat.categories]

        def tid_of(rows):
            return codes_all[rows].astype(np.int64)
    else:
        mined = templates_of(events[[c for c in ("template", "message") if c in events]]
                             .iloc[sel])
        tid_sel = np.asarray(mined.template_ids, dtype=np.int64)
        templates = mined.templates
        position = np.empty(len(events), dtype=np.int64)
        position[sel] = np.arange(len(sel))

        def tid_of(rows):
            return tid_sel[position[rows]]
    n_t = len(templates)
    count_all = numbers(events["count"]) if "count" in events else None
    ts_all = ns_utc(events["ts"]) if "ts" in events else np.full(len(events), NAT, dtype=np.int64)
    line_all = numbers(events["line"]) if "line" in events else None
    src_all, src_names = codes_of(events["source"]) if "source" in events else (None, None)
    text_all = events["message"].notna().to_numpy()
    # read order: the table's, or its ``_order`` column (a streamed host's rows come unsorted)
    order_all = events["_order"].to_numpy() if "_order" in events else None
    boot_start = _boot_starts(events, ts_all)

    big = np.iinfo(np.int64).max
    no_text = big
    acc = {"count": np.zeros(n_t), "lines": np.zeros(n_t, dtype=np.int64),
           "first": np.full(n_t, big, dtype=np.int64), "last": np.full(n_t, NAT, dtype=np.int64),
           "first_pos": np.full(n_t, no_text, dtype=np.int64),
           "timed": np.zeros(n_t, dtype=np.int64), "not_boot": np.zeros(n_t, dtype=np.int64)}
    ep_pairs, burst_cells, total, host_start, host_end = [], [], 0.0, big, NAT
    for lo in range(0, len(sel), _BLOCK):  # a few arrays of a block's length at a time
        rows = sel[lo:lo + _BLOCK]
        tid = tid_of(rows)
        weight = np.ones(len(rows)) if count_all is None else \
            np.clip(np.nan_to_num(count_all[rows].astype(float), nan=1.0), 1, None)
        ts_ns = ts_all[rows]
        timed = ts_ns != NAT
        # the example is the first line with its text (a streamed host's rows may have none)
        pos = np.where(text_all[rows], np.arange(lo, lo + len(rows)) if order_all is None
                       else order_all[rows], no_text)
        inside = _episode_membership(
            ts_ns, None if src_all is None else src_all[rows].astype(np.int64), src_names,
            None if line_all is None else line_all[rows].astype(float), episodes)
        chatter = _boot_chatter(events, rows, ts_ns, boot_start)
        acc["count"] += np.bincount(tid, weights=weight, minlength=n_t)
        acc["lines"] += np.bincount(tid, minlength=n_t)
        np.minimum.at(acc["first"], tid[timed], ts_ns[timed])
        np.maximum.at(acc["last"], tid[timed], ts_ns[timed])
        np.minimum.at(acc["first_pos"], tid, pos)
        acc["timed"] += np.bincount(tid[timed], minlength=n_t)
        acc["not_boot"] += np.bincount(tid[~chatter], minlength=n_t)
        if (inside >= 0).any():
            ep_pairs.append(np.stack([tid[inside >= 0], inside[inside >= 0]], axis=1))
        if timed.any():
            host_start = min(host_start, int(ts_ns[timed].min()))
            host_end = max(host_end, int(ts_ns[timed].max()))
            burst_cells.append(_burst_cells(tid[timed], ts_ns[timed], weight[timed], n_t))
        total += float(weight.sum())
    present = np.flatnonzero(acc["lines"] > 0)
    per = pd.DataFrame({
        "count": acc["count"][present], "lines": acc["lines"][present],
        "first": np.where(acc["first"] == big, NAT, acc["first"])[present].view("datetime64[ns]"),
        "last": acc["last"][present].view("datetime64[ns]"),
        "timed_lines": acc["timed"][present], "at_boot": acc["not_boot"][present] == 0,
    }, index=present)
    first_pos = acc["first_pos"]
    in_ep = _episode_counts(ep_pairs, episodes)
    if host_end != NAT:
        host_start, host_end = (np.int64(host_start).view("datetime64[ns]"),
                                np.int64(host_end).view("datetime64[ns]"))
    else:
        host_start = host_end = None
    span = (host_end - host_start) if host_start is not None else None
    bursts = _bursts_of(burst_cells, n_t)

    def row_of(at: int) -> int:
        return int(np.flatnonzero(order_all == at)[0]) if order_all is not None else int(sel[at])

    count = per["count"].to_numpy(dtype=float)
    score = (np.log10(total / count) / max(math.log10(total), 1.0) if total > 1
             else np.ones(len(per)))
    ep_lines = in_ep["size"].reindex(per.index).fillna(0).to_numpy(dtype=float)
    share = ep_lines / per["lines"].to_numpy(dtype=float)
    score = score + np.where(share >= 1.0, 1.0, 0.5 * share)
    first_ns = per["first"].to_numpy(dtype="datetime64[ns]")
    if span is not None and span > np.timedelta64(0, "ns"):
        new = ~np.isnat(first_ns) & ((first_ns - host_start) / span >= NEW_AFTER)
    else:
        new = np.zeros(len(per), dtype=bool)
    burst = pd.Series(bursts, dtype=bool).reindex(per.index, fill_value=False).to_numpy()
    score = score + 0.5 * new + 0.5 * burst
    boot_only = per["at_boot"].to_numpy(dtype=bool) & (ep_lines == 0)
    score = np.round(np.where(boot_only, score * 0.5, score), 3)
    # rank every template at once; only the top ``limit`` get their wording and example
    order = pd.DataFrame({"t": per.index.to_numpy(), "score": -score, "count": count,
                          "first": np.where(np.isnat(first_ns), np.iinfo(np.int64).min,
                                            first_ns.view(np.int64)),
                          "template": [templates[t] for t in per.index]})
    order = order.sort_values(["score", "count", "first", "template"], kind="stable")
    results = []
    for t, sc in zip(order["t"].to_numpy()[:limit], -order["score"].to_numpy()[:limit]):
        p = per.loc[t]
        n = int(p["count"])
        why = []
        eps_in = in_ep.loc[t] if t in in_ep.index else None
        if eps_in is not None:
            ids = sorted(map(str, eps_in["unique"]), key=_episode_key)
            plural = "s" if len(ids) > 1 else ""
            if eps_in["size"] / p["lines"] >= 1.0:
                why.append(f"only inside episode{plural} {', '.join(ids)}")
            else:
                why.append(f"{int(eps_in['size'])} of {int(p['lines'])} lines inside "
                           f"episode{plural} {', '.join(ids)}")
        parts = []
        if new[per.index.get_loc(t)]:
            parts.append(f"first seen {pd.Timestamp(p['first']).strftime('%Y-%m-%d')}")
        if burst[per.index.get_loc(t)]:
            parts.append("bursting")
        if parts:
            why.append(", ".join(parts))
        if n <= 3 or not why:
            why.append(f"rare: {n} line{'s' if n != 1 else ''}" if n <= 3 else f"{n:,} lines")
        if boot_only[per.index.get_loc(t)]:
            why.append("at boot")
        at = int(first_pos[t])
        # no line with text: all were read as numbers only and the first fell outside
        # --since/--until; the template stands for its example
        row = events.iloc[row_of(at)] if at != no_text else pd.Series(
            {"message": templates[t], "source": None, "line": None})
        results.append({
            "template": templates[t], "count": n,
            "first": _iso(p["first"]), "last": _iso(p["last"]),
            "example": str(row["message"]),
            "source": None if pd.isna(row.get("source")) else str(row.get("source")),
            "line": None if pd.isna(row.get("line")) else int(row.get("line")),
            "why": "; ".join(why), "score": float(sc),
        })
    return results


def _boot_starts(events: pd.DataFrame, ts_all: np.ndarray):
    """First time (ns) of each boot, indexed by ``boot + 1`` (0: rows without a boot); None
    when the table has no boots or times. For ``_boot_chatter``."""
    if "boot" not in events or "ts" not in events:
        return None
    boot = pd.to_numeric(events["boot"], errors="coerce").to_numpy(dtype=np.float32,
                                                                   na_value=np.nan)
    index = np.where(np.isnan(boot), 0, boot + 1).astype(np.int32)
    del boot
    starts = np.full(int(index.max()) + 1 if len(index) else 1, np.iinfo(np.int64).max,
                     dtype=np.int64)
    timed = ts_all != NAT
    np.minimum.at(starts, index[timed], ts_all[timed])
    return index, starts


def _boot_chatter(events: pd.DataFrame, rows: np.ndarray, ts_ns: np.ndarray,
                  boot_start) -> np.ndarray:
    """Per selected row (positions ``rows``): a boot message. Timed rows within BOOT_CHATTER
    of the first event of their boot; untimed rows with an uptime below it, or from the
    hypervisor console (an ``xl dmesg`` buffer is its boot log)."""
    untimed = ts_ns == NAT
    chatter = np.zeros(len(rows), dtype=bool)
    if "uptime" in events:
        uptime = pd.to_numeric(events["uptime"].iloc[rows], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            chatter |= untimed & (uptime <= BOOT_CHATTER.total_seconds())
    if "format" in events:
        chatter |= untimed & events["format"].iloc[rows].eq("xen_console").fillna(False).to_numpy(
            dtype=bool)
    if boot_start is not None:
        index, starts = boot_start
        row_start = starts[index[rows]]
        big = np.iinfo(np.int64).max
        chatter |= ~untimed & (row_start != big) & (ts_ns - row_start <= BOOT_CHATTER.value)
    return chatter


def _episode_key(eid: str):
    return (len(eid), eid)


def _utc(ts: pd.Series) -> pd.Series:
    ts = pd.to_datetime(ts, errors="coerce", utc=True)
    return ts.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")


def _iso(value) -> str | None:
    """ISO 8601 UTC text of a (naive UTC or aware) time, None for NaT."""
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).isoformat()


def _episode_membership(ts_ns: np.ndarray, src_codes, src_names, lines,
                        episodes: list) -> np.ndarray:
    """Index into ``episodes`` of the first episode each row falls in (-1: none): timed rows by
    the episode's time span, rows of untimed episodes by source and line range of the
    episode's first and last events. Rows are sorted once; each episode takes its slice."""
    inside = np.full(len(ts_ns), -1, dtype=np.int64)
    if not episodes or not len(ts_ns):
        return inside
    by_time = np.argsort(ts_ns, kind="stable")
    sorted_ts = ts_ns[by_time]
    by_line = None
    for e, ep in enumerate(episodes):
        if ep.start and ep.end:
            lo = pd.Timestamp(ep.start).tz_convert("UTC").tz_localize(None).as_unit("ns").value
            hi = pd.Timestamp(ep.end).tz_convert("UTC").tz_localize(None).as_unit("ns").value
            a, b = np.searchsorted(sorted_ts, [lo, hi], side="left")[0], \
                np.searchsorted(sorted_ts, hi, side="right")
            rows = by_time[a:b]
            rows = rows[ts_ns[rows] != NAT]
        elif ep.first is not None and ep.last is not None and src_codes is not None \
                and lines is not None:
            code = np.flatnonzero(np.asarray(src_names, dtype=object) == ep.first.source)
            if not len(code):
                continue
            if by_line is None:
                line_key = np.where(np.isnan(lines), -1, lines).astype(np.int64)
                by_line = np.lexsort((line_key, src_codes))
                keys = (src_codes[by_line].astype(np.int64) << 40) + line_key[by_line]
            base = int(code[0]) << 40
            a = np.searchsorted(keys, base + int(ep.first.line), side="left")
            b = np.searchsorted(keys, base + int(ep.last.end_line or ep.last.line), side="right")
            rows = by_line[a:b]
        else:
            continue
        rows = rows[inside[rows] < 0]
        inside[rows] = e
    return inside


def _episode_counts(pairs: list, episodes: list) -> pd.DataFrame:
    """Per template with lines inside episodes: how many (``size``) and which (``unique``);
    ``pairs``: arrays of (template, episode index) rows."""
    if not pairs:
        return pd.DataFrame({"size": pd.Series([], dtype=np.int64),
                             "unique": pd.Series([], dtype=object)})
    both = np.concatenate(pairs)
    t = both[:, 0]
    size = pd.Series(np.bincount(t)).loc[lambda x: x > 0]
    unique = {int(k): [] for k in size.index}
    for k, ep in np.unique(both, axis=0).tolist():
        unique[k].append(episodes[ep].id)
    return pd.DataFrame({"size": size, "unique": pd.Series(unique, dtype=object)})


def _burst_cells(tid: np.ndarray, ts_ns: np.ndarray, weight: np.ndarray,
                 n_t: int) -> tuple[np.ndarray, np.ndarray]:
    """Occurrences per (BURST_WINDOW from the epoch, template): keys and sums."""
    return sum_by_key((ts_ns // BURST_WINDOW.value) * n_t + tid, weight)  # window-major


def _bursts_of(cells: list, n_t: int) -> dict[int, bool]:
    """Templates with at least BURST_SHARE of their timed lines in one BURST_WINDOW (from
    ``_burst_cells`` of one or more blocks of rows)."""
    if not cells:
        return {}
    key, sums = merge_sums(cells)  # (a window may be split across blocks)
    tid = key % n_t
    peak = np.zeros(n_t)
    np.maximum.at(peak, tid, sums)
    total = np.bincount(tid, weights=sums, minlength=n_t)
    present = np.bincount(tid, minlength=n_t) > 0
    # a template present in one window only is a burst only if it is not just a single line
    flag = (peak >= BURST_MIN) & (peak >= BURST_SHARE * total)
    return {int(k): bool(flag[k]) for k in np.flatnonzero(present)}
