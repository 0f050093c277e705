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
from ..report.escape import code
from .mining import mine_templates, templates_of

FORMATS = ("jsonl", "markdown")
#: Programs and formats whose lines are kernel or hypervisor messages.
KERNEL_PROGRAMS = frozenset({"kernel", "xen"})
KERNEL_FORMATS = frozenset({"dmesg", "dmesg_human", "xen_console", "serial_capture"})
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
#: The event columns ``unexplained_messages`` reads of the rows it ranks.
_UNEXPLAINED_COLUMNS = ("template", "message", "count", "ts", "source", "line")


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
    program = events["program"] if "program" in events else pd.Series([None] * n, index=events.index)
    kernelish = program.isna() | program.astype(str).str.lower().isin(KERNEL_PROGRAMS)
    if "format" in events:
        kernelish |= events["format"].isin(KERNEL_FORMATS)
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
    """
    if not len(events) or "message" not in events:
        return []
    # only the columns read here: a boolean take of the whole table copies every column
    rows = events.loc[kernel_untagged(events).to_numpy(),
                      [c for c in _UNEXPLAINED_COLUMNS if c in events]]
    if not len(rows):
        return []
    mined = templates_of(rows)
    tid = mined.template_ids
    weight = pd.to_numeric(rows["count"], errors="coerce").fillna(1).clip(lower=1).to_numpy() \
        if "count" in rows else np.ones(len(rows))
    ts = _utc(rows["ts"]) if "ts" in rows else pd.Series(pd.NaT, index=rows.index,
                                                         dtype="datetime64[ns, UTC]")
    ts_ns = ts.to_numpy(dtype="datetime64[ns]")
    timed = ~np.isnat(ts_ns)
    inside = _episode_membership(rows, ts_ns, episodes)

    # the example is the first line with its text (rows of a streaming read may have none)
    has_text = rows["message"].notna().to_numpy() if "message" in rows else np.ones(len(rows), bool)
    frame = pd.DataFrame({"tid": tid, "w": weight, "ts": ts_ns, "timed": timed,
                          "ep": inside, "pos": np.where(has_text, np.arange(len(rows)),
                                                        len(rows)),
                          "boot_chatter": _boot_chatter(events, rows.index, ts_ns)})
    per = frame.groupby("tid").agg(count=("w", "sum"), lines=("w", "size"), first=("ts", "min"),
                                   last=("ts", "max"), first_pos=("pos", "min"),
                                   timed_lines=("timed", "sum"),
                                   at_boot=("boot_chatter", "all"))
    in_ep = frame[frame["ep"].notna()].groupby("tid")["ep"].agg(["size", "unique"])
    host_start, host_end = (ts_ns[timed].min(), ts_ns[timed].max()) if timed.any() else (None, None)
    span = (host_end - host_start) if host_start is not None else None
    bursts = _bursts(frame[frame["timed"]])

    total = float(frame["w"].sum())
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
                          "template": [mined.templates[t] for t in per.index]})
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
        at = int(p["first_pos"])
        # no line with text: all were read as numbers only and the first fell outside
        # --since/--until; the template stands for its example
        row = rows.iloc[at] if at < len(rows) else pd.Series(
            {"message": mined.templates[t], "source": None, "line": None})
        results.append({
            "template": mined.templates[t], "count": n,
            "first": _iso(p["first"]), "last": _iso(p["last"]),
            "example": str(row["message"]),
            "source": None if pd.isna(row.get("source")) else str(row.get("source")),
            "line": None if pd.isna(row.get("line")) else int(row.get("line")),
            "why": "; ".join(why), "score": float(sc),
        })
    return results


def _boot_chatter(events: pd.DataFrame, index: pd.Index, ts_ns: np.ndarray) -> np.ndarray:
    """Per selected row: a boot message. Timed rows within BOOT_CHATTER of the first event
    of their boot; untimed rows with an uptime below it, or from the hypervisor console (an
    ``xl dmesg`` buffer is its boot log)."""
    rows = events.loc[index, [c for c in ("uptime", "format") if c in events]]
    untimed = np.isnat(ts_ns)
    chatter = np.zeros(len(index), dtype=bool)
    if "uptime" in rows:
        uptime = pd.to_numeric(rows["uptime"], errors="coerce").to_numpy(dtype=float)
        chatter |= untimed & (uptime <= BOOT_CHATTER.total_seconds())
    if "format" in rows:
        chatter |= untimed & (rows["format"] == "xen_console").to_numpy(dtype=bool)
    if "boot" in events and "ts" in events:
        boot_key = events["boot"].astype(object).where(events["boot"].notna(), -1)
        starts = _utc(events["ts"]).groupby(boot_key).min()
        row_start = pd.to_datetime(boot_key.loc[index].map(starts), utc=True)
        row_start = row_start.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
        near = (ts_ns - row_start) <= BOOT_CHATTER.to_timedelta64()
        chatter |= near & ~untimed & ~np.isnat(row_start)
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


def _episode_membership(rows: pd.DataFrame, ts_ns: np.ndarray, episodes: list) -> np.ndarray:
    """Episode id (or None) per row: timed rows by the episode's time span, untimed rows by
    source and line range of the episode's first and last events."""
    inside = np.full(len(rows), None, dtype=object)
    if not episodes:
        return inside
    sources = rows["source"].astype(object).to_numpy() if "source" in rows else None
    lines = pd.to_numeric(rows["line"], errors="coerce").to_numpy() if "line" in rows else None
    for ep in episodes:
        if ep.start and ep.end:
            lo = np.datetime64(pd.Timestamp(ep.start).tz_convert("UTC").tz_localize(None), "ns")
            hi = np.datetime64(pd.Timestamp(ep.end).tz_convert("UTC").tz_localize(None), "ns")
            hit = (ts_ns >= lo) & (ts_ns <= hi)
        elif ep.first is not None and ep.last is not None and sources is not None \
                and lines is not None:
            hit = ((sources == ep.first.source) & (lines >= ep.first.line)
                   & (lines <= (ep.last.end_line or ep.last.line)))
        else:
            continue
        inside[hit & (inside == None)] = ep.id  # noqa: E711 - elementwise on an object array
    return inside


def _bursts(frame: pd.DataFrame) -> dict[int, bool]:
    """Templates with at least BURST_SHARE of their timed lines in one BURST_WINDOW."""
    if not len(frame):
        return {}
    window = pd.Series(frame["ts"].to_numpy()).dt.floor(BURST_WINDOW).to_numpy()
    counts = pd.DataFrame({"tid": frame["tid"].to_numpy(), "win": window,
                           "w": frame["w"].to_numpy()})
    peak = counts.groupby(["tid", "win"])["w"].sum().groupby(level=0).max()
    total = counts.groupby("tid")["w"].sum()
    # a template present in one window only is a burst only if it is not just a single line
    flag = (peak >= BURST_MIN) & (peak >= BURST_SHARE * total)
    return {int(k): bool(v) for k, v in flag.items()}
