"""DomU lifecycle and Dom0 memory trajectory, from the tagged event table.

    [2009-03-06 13:21:04 4711] DEBUG (balloon:151) Balloon: setting dom0 target to 1206 MiB.
    [2009-03-06 13:21:05 4711] INFO (XendDomain:1224) Domain web13 (14) unpaused.
    Mar  6 13:21:05 xen07 kernel: device vif14.0 entered promiscuous mode

becomes one balloon-down (Dom0 target 1,722 -> 1,206 MiB, the 13th of 13 this boot) and ONE
DomU start (boot 0, domid 14, ``web13``) seen through two signals. A DomU start is keyed by
(boot, domid): Xen does not reuse a domid within a boot, so every ``xen.domu.start`` signal of
that key (xend create/unpause, vif promiscuous mode, blkback, hotplug) belongs to the same start;
the earliest time wins. Names come from any event whose fields carry ``name`` with the domid
(xend ``Domain web01 (5) unpaused.``, ``Setting memory target of domain web01 (5) ...``,
``Domain has shutdown: name=web01 id=5``), or from ``XendDomainInfo.create([... ['name',
'web01'] ...])`` a few seconds before an unnamed start. Balloon moves come from
``xen.balloon.dom0_target`` (field ``mib``): repeated lines with the same target (xend logs
``Balloon: setting dom0 target`` and ``Setting memory target of domain Domain-0 (0)`` for one
move) are one move; the first target of a boot is compared with the size Dom0 booted with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

TAG_START = "xen.domu.start"
TAG_STOP = "xen.domu.stop"
TAG_DOM0_TARGET = "xen.balloon.dom0_target"
NAME_TAGS = (TAG_START, TAG_STOP, "xen.domu.mem_target")
#: xend's create line names the guest before it has a domid (fallback when untagged)
#: Text of the untagged xend line that names a starting domain (the streaming read keeps it).
XEND_CREATE_HINT = "XendDomainInfo.create("
XEND_CREATE_NAME = re.compile(r"XendDomainInfo\.create\(.*?\['name', '(?P<name>[^']+)'\]")
CREATE_TO_START = pd.Timedelta(seconds=60)
NO_BOOT = -1  # boot key for rows whose boot is unknown
TS = "datetime64[ns, UTC]"
REF_COLUMNS = ["row", "ts", "bootkey", "source", "line", "end_line", "message", "tag", "fields"]


@dataclass
class Domains:
    """Everything lifecycle-shaped the correlator aligns episodes with."""

    starts: pd.DataFrame  # REF_COLUMNS + domid, name, signals (one row per (boot, domid))
    stops: pd.DataFrame  # REF_COLUMNS + domid, name
    balloon: pd.DataFrame  # REF_COLUMNS + mib, prev_mib, direction, nth_down, downs_in_boot
    boots: pd.DataFrame  # bootkey, first, last (observed span), dom0_boot_mib, source, line
    running: pd.DataFrame  # ts, bootkey, running (DomUs running after this change)
    domus: list[dict] = field(default_factory=list)


def ref_frame(events: pd.DataFrame, mask) -> pd.DataFrame:
    """The rows under ``mask`` as a small frame with the columns evidence needs.

    Takes only the needed columns at the masked positions (a wide table of millions of rows
    is never copied whole).
    """
    pos = np.flatnonzero(np.asarray(mask, dtype=bool))

    def col(name, default=None):
        if name not in events:
            return default if default is not None else np.full(len(pos), None, dtype=object)
        return events[name].iloc[pos]

    ts = _ts(col("ts")) if "ts" in events else pd.Series(pd.NaT, index=range(len(pos)), dtype=TS)
    line = col("line", np.zeros(len(pos), dtype="int64"))
    out = pd.DataFrame({
        "row": events.index.to_numpy()[pos],
        "ts": ts.array,
        "bootkey": boot_keys(events.iloc[pos, [events.columns.get_loc("boot")]])
        if "boot" in events else np.full(len(pos), NO_BOOT, dtype="int64"),
        "source": np.asarray(col("source"), dtype=object),
        "line": np.asarray(line),
        "end_line": np.asarray(col("end_line", np.asarray(line))),
        "message": np.asarray(col("message"), dtype=object),
        "tag": np.asarray(col("tag"), dtype=object),
        "fields": np.asarray(col("fields"), dtype=object),
    })
    out["ts"] = out["ts"].astype(TS)
    return out


def boot_keys(frame: pd.DataFrame) -> np.ndarray:
    if "boot" not in frame:
        return np.full(len(frame), NO_BOOT, dtype="int64")
    return pd.to_numeric(frame["boot"], errors="coerce").fillna(NO_BOOT).astype("int64").to_numpy()


def field_values(fields, key: str) -> list:
    return [f.get(key) if isinstance(f, dict) else None for f in fields]


def build_domains(events: pd.DataFrame, facts) -> Domains:
    tags = events["tag"]
    starts = _fold_unplaced(
        _lifecycle(ref_frame(events, tags.eq(TAG_START).fillna(False).to_numpy())))
    stops = _fold_unplaced(
        _lifecycle(ref_frame(events, tags.eq(TAG_STOP).fillna(False).to_numpy())))
    _name_starts(events, starts, stops)
    if len(stops) and len(starts):
        on = starts.set_index(["bootkey", "domid"])["ts"]
        started = pd.Series(list(zip(stops["bootkey"], stops["domid"]))).map(on)
        stops = stops[~(started.notna().to_numpy() & (stops["ts"] < started).to_numpy())]
        stops = stops.reset_index(drop=True)
    boots = _boots(events, facts)
    balloon = _balloon(ref_frame(events, tags.eq(TAG_DOM0_TARGET).fillna(False).to_numpy()),
                       boots)
    running = _running(starts, stops)
    return Domains(starts=starts, stops=stops, balloon=balloon, boots=boots, running=running,
                   domus=_domus(starts, stops))


def _fold_unplaced(rows: pd.DataFrame) -> pd.DataFrame:
    """Signals without a boot (an untimed xl-<name>.log) join the latest boot's same domid.

    xl writes ``Waiting for domain web03 (domid 5) to die`` into a log with no timestamps; it
    names domid 5 of the boot that is running, which is the latest boot that started domid 5.
    """
    if rows.empty or not (rows["bootkey"] == NO_BOOT).any():
        return rows
    placed = rows[rows["bootkey"] != NO_BOOT]
    keep = np.ones(len(rows), dtype=bool)
    rows = rows.copy()
    for pos in np.flatnonzero((rows["bootkey"] == NO_BOOT).to_numpy()):
        same = placed[placed["domid"] == rows.iloc[pos]["domid"]]
        if same.empty:
            continue
        target = same.index[same["bootkey"].to_numpy().argmax()]
        if not isinstance(rows.at[target, "name"], str) and isinstance(rows.iloc[pos]["name"], str):
            rows.at[target, "name"] = rows.iloc[pos]["name"]
        rows.at[target, "signals"] = list(rows.at[target, "signals"]) + list(rows.iloc[pos]["signals"])
        keep[pos] = False
    return rows[keep].reset_index(drop=True)


def _ts(series: pd.Series) -> pd.Series:
    out = pd.to_datetime(series, utc=True, errors="coerce")
    return out.astype(TS)


def _lifecycle(ref: pd.DataFrame) -> pd.DataFrame:
    """One row per (boot, domid): the earliest signal, with every signal listed."""
    ref["domid"] = pd.to_numeric(pd.Series(field_values(ref["fields"], "domid"), dtype=object),
                                 errors="coerce")
    ref["name"] = [_good_name(n) for n in field_values(ref["fields"], "name")]
    ref = ref[ref["domid"].notna() & ref["domid"].ne(0)].copy()
    ref["domid"] = ref["domid"].astype("int64")
    if ref.empty:
        return ref.assign(signals=pd.Series(dtype=object)).reset_index(drop=True)
    ref["signal"] = ref["source"].astype(str) + ":" + ref["line"].astype(str)
    ref = ref.sort_values(["ts", "source", "line"], na_position="last", kind="stable")
    keys = ["bootkey", "domid"]
    signals = ref.groupby(keys, sort=False)["signal"].agg(list)
    names = ref.dropna(subset=["name"]).groupby(keys, sort=False)["name"].first()
    first = ref.drop_duplicates(keys, keep="first").set_index(keys)
    first["signals"] = signals
    first["name"] = names.reindex(first.index)
    return first.drop(columns="signal").reset_index().sort_values(
        ["ts", "bootkey", "domid"], na_position="last", kind="stable").reset_index(drop=True)


def _good_name(name) -> str | None:
    if not isinstance(name, str) or not name or name in ("None", "Domain-0"):
        return None
    return name


def _name_starts(events: pd.DataFrame, starts: pd.DataFrame, stops: pd.DataFrame) -> None:
    """Fill missing DomU names from any (name, domid) event and from xend create lines."""
    if starts.empty:
        return
    has_name = events["tag"].isin(NAME_TAGS).fillna(False).to_numpy()
    named = ref_frame(events, has_name)
    pairs = {}
    for boot, domid, name in zip(named["bootkey"], field_values(named["fields"], "domid"),
                                 field_values(named["fields"], "name")):
        name = _good_name(name)
        if name is not None and domid is not None and str(domid).isdigit():
            pairs.setdefault((int(boot), int(domid)), name)
    keys = list(zip(starts["bootkey"], starts["domid"]))
    starts["name"] = [n if isinstance(n, str) else pairs.get(k)
                      for n, k in zip(starts["name"], keys)]
    if len(stops):
        stops["name"] = [n if isinstance(n, str) else pairs.get(k) for n, k in
                         zip(stops["name"], zip(stops["bootkey"], stops["domid"]))]
    _name_from_create(events, starts)


def _name_from_create(events: pd.DataFrame, starts: pd.DataFrame) -> None:
    unnamed = starts["name"].isna() & starts["ts"].notna()
    if not unnamed.any():
        return
    program = events["program"].astype(object) if "program" in events else None
    source = events["source"].astype(str)
    mask = source.str.contains("xend", regex=False)
    if program is not None:
        mask = mask | program.eq("xend").fillna(False)
    mask = mask.to_numpy()
    if not mask.any():
        return
    cand = ref_frame(events, mask)
    cand = cand[cand["message"].astype(str).str.contains(XEND_CREATE_HINT, regex=False)]
    names = cand["message"].astype(str).str.extract(XEND_CREATE_NAME)["name"]
    creates = cand.assign(name=names).dropna(subset=["name", "ts"]).sort_values("ts")
    if creates.empty:
        return
    left = starts.loc[unnamed, ["ts", "bootkey"]].reset_index().sort_values("ts")
    matched = pd.merge_asof(left, creates[["ts", "bootkey", "name"]], on="ts", by="bootkey",
                            direction="backward", tolerance=CREATE_TO_START)
    matched = matched.drop_duplicates("name", keep="first")  # one create names one start
    starts.loc[matched["index"].to_numpy(), "name"] = matched["name"].to_numpy()


def _boots(events: pd.DataFrame, facts) -> pd.DataFrame:
    """Boots seen, each with its observed time span and first row (whole-column work only)."""
    keys = boot_keys(events)
    ts = _ts(events["ts"]) if "ts" in events else pd.Series(pd.NaT, index=events.index, dtype=TS)
    span = ts.groupby(keys).agg(["min", "max"])
    boot_ids, first_pos = np.unique(keys, return_index=True)
    boots = pd.DataFrame({"bootkey": boot_ids.astype("int64")})
    for col, agg in (("first", "min"), ("last", "max")):
        got = span[agg].reindex(boot_ids) if len(span) else pd.Series(pd.NaT, index=boot_ids)
        boots[col] = pd.to_datetime(got, utc=True).astype(TS).array
    boots["source"] = events["source"].to_numpy()[first_pos] if len(events) else []
    boots["line"] = events["line"].to_numpy()[first_pos] if len(events) else []
    last_boot = boots["bootkey"].max() if len(boots) else NO_BOOT
    boots["dom0_boot_mib"] = [_boot_fact(facts, b, "dom0_boot_mib", last_boot)
                              for b in boots["bootkey"]]
    return boots


def _boot_fact(facts, boot: int, key: str, last_boot):
    per_boot = getattr(facts, "per_boot", None) or []
    if 0 <= boot < len(per_boot) and isinstance(per_boot[boot], dict):
        value = per_boot[boot].get(key)
        if value is not None:
            return value
    if boot == last_boot or boot == NO_BOOT:
        return (getattr(facts, "values", None) or {}).get(key)
    return None


def _balloon(ref: pd.DataFrame, boots: pd.DataFrame) -> pd.DataFrame:
    ref["mib"] = pd.to_numeric(pd.Series(field_values(ref["fields"], "mib"), dtype=object),
                               errors="coerce")
    ref = ref.dropna(subset=["mib"]).sort_values(["bootkey", "ts", "source", "line"],
                                                 na_position="last", kind="stable")
    boot_mib = boots.set_index("bootkey")["dom0_boot_mib"]
    ref = ref[ref["mib"].ne(ref.groupby("bootkey")["mib"].shift())]  # same target again
    prev = ref.groupby("bootkey")["mib"].shift()
    start = pd.to_numeric(ref["bootkey"].map(boot_mib), errors="coerce")
    ref = ref.assign(prev_mib=prev.fillna(start))
    direction = np.where(ref["prev_mib"].isna() | (ref["mib"] < ref["prev_mib"]), "down",
                         np.where(ref["mib"] > ref["prev_mib"], "up", "same"))
    ref = ref.assign(direction=direction)
    ref = ref[ref["direction"] != "same"].copy()
    downs = ref["direction"].eq("down")
    ref["nth_down"] = downs.astype(int).groupby(ref["bootkey"]).cumsum().where(downs)
    ref["downs_in_boot"] = ref["bootkey"].map(downs.groupby(ref["bootkey"]).sum())
    return ref.sort_values(["ts", "bootkey"], na_position="last", kind="stable").reset_index(
        drop=True)


def _running(starts: pd.DataFrame, stops: pd.DataFrame) -> pd.DataFrame:
    """DomUs running after each start/stop, per boot (never below zero: guests that were
    already running when the logs begin are counted from their stop)."""
    moves = pd.concat([
        pd.DataFrame({"ts": starts["ts"], "bootkey": starts["bootkey"], "delta": 1}),
        pd.DataFrame({"ts": stops["ts"], "bootkey": stops["bootkey"], "delta": -1}),
    ], ignore_index=True)
    moves = moves.dropna(subset=["ts"]).sort_values(["bootkey", "ts", "delta"], kind="stable")
    if moves.empty:
        return pd.DataFrame({"ts": pd.Series(dtype=TS), "bootkey": pd.Series(dtype="int64"),
                             "running": pd.Series(dtype="int64")})
    total = moves.groupby("bootkey")["delta"].cumsum()
    floor = total.groupby(moves["bootkey"]).transform("min").clip(upper=0)
    moves["running"] = (total - floor).astype("int64")
    return moves[["ts", "bootkey", "running"]].sort_values("ts", kind="stable").reset_index(
        drop=True)


def _domus(starts: pd.DataFrame, stops: pd.DataFrame) -> list[dict]:
    stop_ts = {}
    if len(stops):
        stop_ts = dict(zip(zip(stops["bootkey"], stops["domid"]), stops["ts"]))
    out = []
    for row in starts.itertuples(index=False):
        stop = stop_ts.get((row.bootkey, row.domid))
        out.append({
            "domid": int(row.domid), "name": row.name if isinstance(row.name, str) else None,
            "boot": None if row.bootkey == NO_BOOT else int(row.bootkey),
            "start": iso(row.ts), "stop": iso(stop), "signals": list(row.signals),
        })
    return out


def iso(ts) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).tz_convert("UTC").isoformat()
