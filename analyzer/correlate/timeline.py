"""The host's story in time order, and the series the chart draws.

    boot 0: Xen 3.3.1, Linux 2.6.18-128.el5xen, Dom0 7,934 MiB      (kind "boot")
    DomU web01 (domid 1) started                                      (kind "domu_start")
    Dom0 target 7,934 -> 7,422 MiB (balloon-down 1 of 13)             (kind "balloon")
    E1 xen.netback.memory_squeeze: 312 lines, ≈2,923 occurrences      (kind "episode")

Series: ``dom0_target_mib`` ([[iso, mib], ...], each boot starting at the size Dom0 booted
with), ``running_domus`` ([[iso, n], ...], 0 at each boot), ``episodes`` ([[start, end, tag]]).
"""

from __future__ import annotations

import pandas as pd

from ..model import TimelineEntry
from .domains import NO_BOOT, Domains, iso
from .templates import fmt


def build_timeline(domains: Domains, episodes: pd.DataFrame, facts) -> list[TimelineEntry]:
    entries: list[tuple] = []  # (sort key, entry)
    for boot in domains.boots.itertuples(index=False):
        if boot.bootkey == NO_BOOT:
            continue
        text = _boot_text(int(boot.bootkey), facts, boot.dom0_boot_mib,
                          last=boot.bootkey == domains.boots["bootkey"].max())
        entries.append((boot.first, 0, TimelineEntry(
            start=iso(boot.first), end=iso(boot.last), kind="boot", text=text,
            source=_s(boot.source), line=_i(boot.line))))
    for row in domains.starts.itertuples(index=False):
        entries.append((row.ts, 1, TimelineEntry(
            start=iso(row.ts), end=None, kind="domu_start",
            text=f"DomU {_domu(row)} started", source=_s(row.source), line=_i(row.line),
            count=1, data=_domu_data(row))))
    for row in domains.stops.itertuples(index=False):
        entries.append((row.ts, 1, TimelineEntry(
            start=iso(row.ts), end=None, kind="domu_stop", text=f"DomU {_domu(row)} stopped",
            source=_s(row.source), line=_i(row.line), data=_domu_data(row))))
    for row in domains.balloon.itertuples(index=False):
        was = f"{fmt(row.prev_mib)} → " if not pd.isna(row.prev_mib) else ""
        what = (f"balloon-down {int(row.nth_down)} of {int(row.downs_in_boot)}"
                if row.direction == "down" else "balloon-up")
        entries.append((row.ts, 1, TimelineEntry(
            start=iso(row.ts), end=None, kind="balloon",
            text=f"Dom0 target {was}{fmt(row.mib)} MiB ({what})", source=_s(row.source),
            line=_i(row.line),
            data={"from_mib": None if pd.isna(row.prev_mib) else float(row.prev_mib),
                  "to_mib": float(row.mib), "direction": row.direction})))
    for ep in episodes.itertuples(index=False):
        first = ep.obj.first
        text = f"{ep.id} {ep.tag}: {fmt(ep.lines)} line{'s' if ep.lines != 1 else ''}"
        if ep.occurrences != ep.lines:
            text += f", ≈{fmt(ep.occurrences)} occurrences"
        entries.append((ep.start, 2, TimelineEntry(
            start=iso(ep.start), end=iso(ep.end), kind="episode", text=text,
            source=first.source if first else None, line=first.line if first else None,
            count=int(ep.occurrences))))
    far = pd.Timestamp.max.tz_localize("UTC")
    entries.sort(key=lambda item: (far if pd.isna(item[0]) else item[0], item[1]))
    return [entry for _, _, entry in entries]


def build_series(domains: Domains, episodes: pd.DataFrame) -> dict:
    target: list[list] = []
    running: list[list] = []
    balloon = domains.balloon.dropna(subset=["ts"])
    moves = domains.running
    for boot in domains.boots.dropna(subset=["first"]).itertuples(index=False):
        if boot.dom0_boot_mib is not None and not pd.isna(boot.dom0_boot_mib):
            target.append([iso(boot.first), float(boot.dom0_boot_mib)])
        for row in balloon[balloon["bootkey"] == boot.bootkey].itertuples(index=False):
            target.append([iso(row.ts), float(row.mib)])
        mine = moves[moves["bootkey"] == boot.bootkey]
        if len(mine):
            running.append([iso(boot.first), 0])
            running.extend([iso(t), int(n)] for t, n in zip(mine["ts"], mine["running"]))
    target.sort(key=lambda p: p[0])
    running.sort(key=lambda p: p[0])
    spans = [[iso(ep.start), iso(ep.end), ep.tag] for ep in episodes.itertuples(index=False)
             if not pd.isna(ep.start)]
    return {"dom0_target_mib": target, "running_domus": running, "episodes": spans}


def _boot_text(boot: int, facts, dom0_mib, *, last: bool) -> str:
    per_boot = getattr(facts, "per_boot", None) or []
    known = per_boot[boot] if 0 <= boot < len(per_boot) and isinstance(per_boot[boot], dict) \
        else (getattr(facts, "values", None) or {}) if last else {}
    parts = []
    if known.get("xen"):
        parts.append(f"Xen {known['xen']}")
    if known.get("kernel"):
        parts.append(f"Linux {known['kernel']}")
    if dom0_mib is not None and not pd.isna(dom0_mib):
        parts.append(f"Dom0 {fmt(float(dom0_mib))} MiB")
    return f"boot {boot}" + (": " + ", ".join(parts) if parts else "")


def _domu(row) -> str:
    name = row.name if isinstance(row.name, str) else None
    return f"{name} (domid {row.domid})" if name else f"domid {row.domid}"


def _domu_data(row) -> dict:
    return {"name": row.name if isinstance(row.name, str) else None, "domid": _i(row.domid)}


def _s(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _i(value):
    return None if value is None or pd.isna(value) else int(value)
