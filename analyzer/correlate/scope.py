"""What one host offers the rules: tagged events, derived lifecycle events, facts, episodes.

    scope.select(("@balloon_down",))          # balloon-downs, sorted by time, with ns + boot
    scope.select(("storage.raid_error",))     # tagged rows of that tag
    scope.sources                             # {"toolstack_log", "kernel_log", ...}
    scope.episodes                            # one row per episode, aligned (merge_asof) with
                                              # the last balloon target and DomU starts before it

Source kinds (for a condition's ``unknown_without``) are recognised from the table itself:

    toolstack_log    program xend/xl/libxl/libvirtd, format xend/libxl, a source named xend*,
                     xl-*, *libxl*, or any xen.balloon.dom0_target / xen.balloon.xend_* /
                     xl_* / libxl_* / xen.libxl.* / xen.toolstack.* / xen.domu.mem_* event
    hypervisor_log   program xen, format xen_console/serial_capture, or any xen.hv.* tag
    domu_kernel_log  any xen.netfront.* tag (a guest's kernel log was given)
    kernel_log       program kernel, a dmesg-like format, or any kernel.* / mm.* tag
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .domains import NO_BOOT, TS, Domains, field_values, ref_frame

_TOOLSTACK_PROGRAMS = {"xend", "xl", "libxl", "libvirtd", "xenstored"}
_TOOLSTACK_FORMATS = {"xend", "libxl"}
_TOOLSTACK_SOURCE = re.compile(r"(?:^|[/!])(?:xend[^/!]*|xl-[^/!]*|[^/!]*libxl[^/!]*)$")
_TOOLSTACK_TAGS = ("xen.balloon.dom0_target", "xen.balloon.xend_", "xen.balloon.xl_",
                   "xen.balloon.libxl_", "xen.libxl.", "xen.toolstack.", "xen.domu.mem_")
_HYPERVISOR_FORMATS = {"xen_console", "serial_capture"}
_KERNEL_FORMATS = {"dmesg", "dmesg_human", "plain", "journal_monotonic"}
NAT = np.iinfo(np.int64).min


def ns(series) -> np.ndarray:
    """UTC timestamps as int64 nanoseconds (NaT -> ``NAT``)."""
    values = pd.Series(series).astype(TS).dt.tz_convert(None)
    return values.to_numpy(dtype="datetime64[ns]").view("int64")


@dataclass
class Scope:
    events: pd.DataFrame
    domains: Domains
    values: dict  # facts.values plus derived values (see derived_values)
    provenance: dict
    sources: frozenset
    episodes: pd.DataFrame
    episode_of: pd.Series
    _tagged: pd.DataFrame | None = None
    _cache: dict = field(default_factory=dict)
    _where: dict | None = None

    @property
    def members(self) -> pd.Series:
        """``episode_of`` without the rows that belong to no episode."""
        if "members" not in self._cache:
            self._cache["members"] = self.episode_of.dropna()
        return self._cache["members"]

    @property
    def tagged(self) -> pd.DataFrame:
        if self._tagged is None:
            self._tagged = ref_frame(self.events, self.events["tag"].notna().to_numpy())
        return self._tagged

    def select(self, tags: tuple[str, ...], field_name: str | None = None,
               value=None) -> pd.DataFrame:
        """Rows (tagged or derived) of ``tags``, optionally where ``fields[field] == value``,
        sorted by time, with ``ns`` (int64, NaT = NAT) and ``bootkey``."""
        key = (tags, field_name, None if value is None else str(value))
        if key in self._cache:
            return self._cache[key]
        parts = [self._derived(t) for t in tags if t.startswith("@")]
        plain = [t for t in tags if not t.startswith("@")]
        if plain:
            tagged = self.tagged
            mask = np.zeros(len(tagged), dtype=bool)
            for tag in plain:
                if tag.endswith(".*"):
                    mask |= tagged["tag"].astype(str).str.startswith(tag[:-1]).to_numpy()
                else:
                    mask |= (tagged["tag"] == tag).to_numpy()
            parts.append(tagged[mask])
        parts = [p for p in parts if len(p)]
        frame = (pd.concat(parts, ignore_index=True) if parts
                 else self.tagged.iloc[0:0].copy())
        if field_name is not None and len(frame):
            got = field_values(frame["fields"], field_name)
            frame = frame[[g is not None and str(g) == str(value) for g in got]]
        frame = frame.assign(ns=ns(frame["ts"]) if len(frame) else np.array([], dtype="int64"))
        frame = frame.sort_values(["ns", "source", "line"], kind="stable").reset_index(drop=True)
        self._cache[key] = frame
        return frame

    def _derived(self, tag: str) -> pd.DataFrame:
        d = self.domains
        if tag == "@domu_start":
            frame = d.starts
        elif tag == "@domu_stop":
            frame = d.stops
        else:
            want = "down" if tag == "@balloon_down" else "up"
            frame = d.balloon[d.balloon["direction"] == want] if len(d.balloon) else d.balloon
        return frame

    def where(self, source, line) -> tuple:
        """(ts, boot) of the event at ``source:line`` (for facts' provenance), if known."""
        if self._where is None:
            t = self.tagged
            self._where = dict(zip(zip(t["source"], t["line"]), zip(t["ts"], t["bootkey"])))
        ts, boot = self._where.get((source, line), (None, NO_BOOT))
        return ts, (None if boot == NO_BOOT else int(boot))


def _programs(events: pd.DataFrame) -> set:
    if "program" not in events:
        return set()
    return set(events["program"].dropna().astype(str).unique())


def source_kinds(events: pd.DataFrame) -> frozenset:
    kinds = set()
    programs = _programs(events)
    formats = set(events["format"].dropna().astype(str).unique()) if "format" in events else set()
    sources = [str(s) for s in events["source"].dropna().unique()] if "source" in events else []
    tags = [str(t) for t in events["tag"].dropna().unique()]
    if (programs & _TOOLSTACK_PROGRAMS or formats & _TOOLSTACK_FORMATS
            or any(_TOOLSTACK_SOURCE.search(s) for s in sources)
            or any(t.startswith(_TOOLSTACK_TAGS) for t in tags)):
        kinds.add("toolstack_log")
    if "xen" in programs or formats & _HYPERVISOR_FORMATS or any(t.startswith("xen.hv.")
                                                                 for t in tags):
        kinds.add("hypervisor_log")
    if any(t.startswith("xen.netfront.") for t in tags):
        kinds.add("domu_kernel_log")
    if "kernel" in programs or formats & _KERNEL_FORMATS or any(
            t.startswith(("kernel.", "mm.")) for t in tags):
        kinds.add("kernel_log")
    return frozenset(kinds)


def derived_values(facts_values: dict, domains: Domains, sources: frozenset,
                   events: pd.DataFrame) -> dict:
    """Facts plus what the correlator computes for every rule (documented in the YAML)."""
    values = dict(facts_values or {})
    ram = values.get("ram_mib")
    boot_mib = values.get("dom0_boot_mib")
    share = values.get("dom0_boot_share")
    if share is None and ram and boot_mib:
        share = values["dom0_boot_share"] = boot_mib / ram
    values["dom0_boot_pct"] = round(share * 100) if share is not None else None
    size = ram or boot_mib
    # a string on purpose: it goes into config text (`dom0_mem=1024M`), never "1,024"
    values["suggest_dom0_mib"] = "512" if size is not None and size < 4096 else "1024"
    values["domu_starts"] = int(len(domains.starts))
    downs = domains.balloon[domains.balloon["direction"] == "down"] if len(domains.balloon) \
        else domains.balloon
    values["balloon_downs"] = int(len(downs))
    if values.get("balloon_min_target_mib") is None and len(domains.balloon):
        values["balloon_min_target_mib"] = int(domains.balloon["mib"].min())
    values["toolstack"] = _toolstack(events, sources) or _toolstack_from_facts(values)
    values["sources"] = ", ".join(sorted(sources)) or None
    return values


def _toolstack(events: pd.DataFrame, sources: frozenset) -> str | None:
    if "toolstack_log" not in sources:
        return None
    programs = _programs(events)
    text = " ".join(programs) + " " + " ".join(str(s) for s in events["source"].unique())
    if "xend" in text:
        return "xend"
    if "xl" in programs or "libxl" in text or "/xl-" in text:
        return "xl"
    return None


def _toolstack_from_facts(values: dict) -> str | None:
    """xl.conf seen -> xl; xend-config seen -> xend; else by Xen version (xend: < 4.1 only,
    gone in 4.5; xl: 4.1+)."""
    if values.get("autoballoon") is not None:
        return "xl"
    if values.get("dom0_min_mem_mib") is not None:
        return "xend"
    match = re.match(r"(\d+)\.(\d+)", str(values.get("xen") or ""))
    if match:
        version = (int(match.group(1)), int(match.group(2)))
        if version >= (4, 5):
            return "xl"
        if version < (4, 1):
            return "xend"
    return None


def episode_frame(episodes, events: pd.DataFrame, episode_of: pd.Series,
                  domains: Domains) -> pd.DataFrame:
    """One row per episode, with counts and what happened before it (``merge_asof``)."""
    counted = events["count"].groupby(episode_of.reindex(events.index)).sum() \
        if len(episodes) else pd.Series(dtype="int64")
    ep = pd.DataFrame({
        "id": [e.id for e in episodes], "tag": [e.tag for e in episodes],
        "start": pd.to_datetime(pd.Series([e.start for e in episodes], dtype=object), utc=True,
                                format="ISO8601"),
        "end": pd.to_datetime(pd.Series([e.end for e in episodes], dtype=object), utc=True,
                              format="ISO8601"),
        "bootkey": [NO_BOOT if e.boot is None else int(e.boot) for e in episodes],
        "lines": [int(e.events) for e in episodes],
        "occurrences": [int(e.estimated_occurrences) for e in episodes],
        "obj": list(episodes),
    })
    ep["start"] = ep["start"].astype(TS)
    ep["end"] = ep["end"].astype(TS)
    ep["counted"] = ep["id"].map(counted).fillna(ep["lines"]).astype("int64")
    ep["suppressed"] = (ep["occurrences"] - ep["counted"]).clip(lower=0)
    ep["start_ns"] = ns(ep["start"])
    ep["end_ns"] = ns(ep["end"])
    return _align(ep, domains)


def _align(ep: pd.DataFrame, domains: Domains) -> pd.DataFrame:
    for col in ("dom0_target_mib", "balloon_downs_before", "minutes_since_balloon_down",
                "domu_starts_before", "minutes_since_domu_start", "running_domus"):
        ep[col] = np.nan
    timed = ep[ep["start"].notna()].reset_index().sort_values("start")
    if timed.empty:
        return ep
    left = timed[["index", "start", "bootkey"]]
    boot_mib = domains.boots.set_index("bootkey")["dom0_boot_mib"]

    def asof(right: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
        right = right.dropna(subset=["ts"]).sort_values("ts")
        if right.empty:
            return pd.DataFrame(np.nan, index=left["index"], columns=cols)
        got = pd.merge_asof(left, right[["ts", "bootkey"] + cols].assign(ts_at=right["ts"]),
                            left_on="start", right_on="ts", by="bootkey", direction="backward")
        return got.set_index("index")

    got = asof(domains.balloon, ["mib"])
    target = got["mib"].reindex(timed["index"])
    at_boot = pd.to_numeric(timed.set_index("index")["bootkey"].map(boot_mib), errors="coerce")
    ep.loc[timed["index"], "dom0_target_mib"] = target.astype(float).fillna(
        at_boot.astype(float)).to_numpy(dtype=float)
    downs = domains.balloon[domains.balloon["direction"] == "down"] if len(domains.balloon) \
        else domains.balloon
    got = asof(downs, ["nth_down"])
    ep.loc[timed["index"], "balloon_downs_before"] = got["nth_down"].fillna(0).to_numpy()
    ep.loc[timed["index"], "minutes_since_balloon_down"] = _minutes(timed, got)
    starts = domains.starts.dropna(subset=["ts"]).sort_values("ts")
    starts = starts.assign(n=starts.groupby("bootkey").cumcount() + 1)
    got = asof(starts, ["n"])
    ep.loc[timed["index"], "domu_starts_before"] = got["n"].fillna(0).to_numpy()
    ep.loc[timed["index"], "minutes_since_domu_start"] = _minutes(timed, got)
    got = asof(domains.running, ["running"])
    ep.loc[timed["index"], "running_domus"] = got["running"].fillna(0).to_numpy()
    return ep


def _minutes(timed: pd.DataFrame, got: pd.DataFrame) -> np.ndarray:
    if "ts_at" not in got:
        return np.full(len(timed), np.nan)
    delta = timed.set_index("index")["start"] - got["ts_at"]
    return (delta.dt.total_seconds() / 60).to_numpy()
