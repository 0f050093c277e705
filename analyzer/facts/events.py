"""Per-boot facts from a host's tagged event table.

    (XEN) Command line: placeholder dom0_mem=1024M,max:1024M     -> xen.hv.cmdline {cmdline}
    (XEN)  Dom0 alloc.:   0000000840000000->0000000844000000 (258048 pages to be allocated)
    [    0.000000] Memory: 737316k/778240k available (2935k kernel code, ...)

Only rows whose ``tag`` is one of :data:`FACT_TAGS` are read (a small slice of the table);
their ``fields`` carry the values (field names are the pattern library's contract). Within one
boot the last row of a tag wins; ``boot`` null is kept as its own group (None): the combiner
treats it as the latest boot (an undated ``xl dmesg`` is the running boot's).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import pandas as pd

from .found import Found, excerpt

TAG_XEN_CMDLINE = "xen.hv.cmdline"
TAG_SYSTEM_RAM = "xen.hv.system_ram"
TAG_DOM0_ALLOC = "xen.hv.dom0_alloc"
TAG_XEN_VERSION = "xen.hv.version"
TAG_KERNEL_VERSION = "kernel.boot.version"
TAG_KERNEL_CMDLINE = "kernel.boot.cmdline"
TAG_KERNEL_MEMORY = "kernel.boot.memory"
TAG_DOM0_TARGET = "xen.balloon.dom0_target"
TAG_DOMU_START = "xen.domu.start"
FACT_TAGS = (
    TAG_XEN_CMDLINE, TAG_SYSTEM_RAM, TAG_DOM0_ALLOC, TAG_XEN_VERSION, TAG_KERNEL_VERSION,
    TAG_KERNEL_CMDLINE, TAG_KERNEL_MEMORY, TAG_DOM0_TARGET, TAG_DOMU_START,
)
#: tags whose last row per boot is the fact (targets and starts are aggregated instead)
SINGLE_TAGS = FACT_TAGS[:7]
PAGE_KIB = 4


@dataclass
class EventFacts:
    """What the event table says: per boot (None = rows without a boot) and host-wide."""

    per_boot: dict[int | None, dict[str, Found]] = field(default_factory=dict)
    boots: int = 0  # distinct boot indexes in the whole table
    max_boot: int | None = None  # highest boot index in the whole table
    xen_tagged: bool = False  # any row tagged xen.* (hypervisor, balloon, netback, DomU ...)
    xend_seen: bool = False  # xend.log lines present (the toolstack is xend)
    domu_starts: int | None = None
    notes: list[str] = field(default_factory=list)


def _fields(value) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.startswith("{"):
        try:
            loaded = json.loads(value)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _boot_key(value) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return int(value)


def _fact(tag: str, f: dict) -> dict[str, object]:
    """Fact values one tagged row gives (empty when its fields are missing or bad)."""
    if tag == TAG_XEN_CMDLINE or tag == TAG_KERNEL_CMDLINE:
        cmdline = f.get("cmdline")
        if cmdline is None:
            return {}
        key = "xen_cmdline" if tag == TAG_XEN_CMDLINE else "dom0_kernel_cmdline"
        return {key: str(cmdline).strip()}
    if tag == TAG_SYSTEM_RAM:
        kb, mb = _int(f.get("kb")), _int(f.get("mb"))
        if kb is not None:
            return {"ram_mib": round(kb / 1024, 1)}
        return {"ram_mib": float(mb)} if mb is not None else {}
    if tag == TAG_DOM0_ALLOC:
        pages = _int(f.get("pages"))
        return {} if pages is None else {"dom0_alloc_mib": round(pages * PAGE_KIB / 1024, 1)}
    if tag == TAG_XEN_VERSION or tag == TAG_KERNEL_VERSION:
        version = f.get("version")
        if not version:
            return {}
        return {"xen" if tag == TAG_XEN_VERSION else "kernel": str(version).strip()}
    if tag == TAG_KERNEL_MEMORY:
        total = _int(f.get("total_kb"))
        return {} if total is None else {"kernel_memory_mib": round(total / 1024, 1)}
    return {}


def facts_from_events(events) -> EventFacts:
    """Per-boot facts and host-wide counts from a tagged event table (see module docstring)."""
    out = EventFacts()
    if events is None or len(events) == 0 or "tag" not in events.columns:
        return out
    tags = events["tag"]
    distinct_tags = [str(t) for t in tags.dropna().unique()]
    out.xen_tagged = any(t.startswith("xen.") for t in distinct_tags)
    if "boot" in events.columns:
        all_boots = pd.to_numeric(events["boot"], errors="coerce").dropna()
        out.boots = int(all_boots.nunique())
        out.max_boot = int(all_boots.max()) if len(all_boots) else None
    if "source" in events.columns:
        out.xend_seen = any("xend" in str(s).lower() for s in events["source"].dropna().unique())
    if not out.xend_seen and "program" in events.columns:
        out.xend_seen = "xend" in {str(p) for p in events["program"].dropna().unique()}

    if not set(distinct_tags) & set(FACT_TAGS):
        return out
    sub = events.loc[tags.isin(FACT_TAGS).to_numpy(dtype=bool)]
    if sub.empty:
        return out
    boots = (pd.to_numeric(sub["boot"], errors="coerce") if "boot" in sub.columns
             else pd.Series(float("nan"), index=sub.index))
    cols = {name: (sub[name] if name in sub.columns else pd.Series(None, index=sub.index))
            for name in ("source", "line", "message", "tag", "fields")}
    domus: set[tuple] = set()
    bad = 0
    for source, line, message, tag, fields, boot in zip(
            cols["source"], cols["line"], cols["message"], cols["tag"], cols["fields"], boots):
        key = _boot_key(boot)
        facts = out.per_boot.setdefault(key, {})
        f = _fields(fields)
        src = None if source is None else str(source)
        ln = _int(line)
        text = excerpt(str(message) if message is not None else "")
        if tag == TAG_DOMU_START:
            ident = f.get("domid") if f.get("domid") not in (None, "") else f.get("name")
            domus.add((key, str(ident) if ident is not None else f"{src}:{ln}"))
            facts.setdefault("domu_starts", Found(0, ln, text, src))  # first start cited
            continue
        if tag == TAG_DOM0_TARGET:
            mib = _int(f.get("mib"))
            if mib is None:
                bad += 1
            elif "balloon_min_target_mib" not in facts or mib < facts[
                    "balloon_min_target_mib"].value:
                facts["balloon_min_target_mib"] = Found(mib, ln, text, src)
            continue
        values = _fact(str(tag), f)
        if not values:
            bad += 1
        for name, value in values.items():
            facts[name] = Found(value, ln, text, src)
    for key, facts in out.per_boot.items():
        if "domu_starts" in facts:
            first = facts["domu_starts"]
            count = sum(1 for boot, _ in domus if boot == key)
            facts["domu_starts"] = Found(count, first.line, first.text, first.source)
    if domus:
        out.domu_starts = len(domus)
    if bad:
        out.notes.append(f"{bad} fact event(s) without the expected fields were ignored")
    return out
