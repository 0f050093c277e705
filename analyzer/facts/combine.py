"""Host facts: one answer per fact from the tagged events and the sosreport fact files.

    (XEN) System RAM: 8190MB (8387064kB)          -> ram_mib 8190.5
    (XEN) Command line: dom0_mem=256000           -> dom0_mem_option "256000", dom0_mem_mib 250.0

Precedence (first known wins): for the Xen command line, the hypervisor log of the latest boot,
then ``xl info``/``xm info`` ``xen_commandline`` (the running hypervisor), then the boot loader
configuration (which may have been edited since; it is also kept as ``config_xen_cmdline``).
Host RAM: the hypervisor's ``System RAM:``, then ``total_memory``; only on a host with no Xen
evidence at all, the kernel's ``Memory:`` total (then ``MemTotal``). When boots disagree the
latest boot wins (rows without a boot come next: an undated ``xl dmesg`` is the running
boot's) and ``per_boot[i]`` is boot i's own facts. Unknown stays None.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..model import Source
from . import grub, proc, toolstack
from .events import EventFacts, facts_from_events
from .found import Found
from .kernel import is_xen_kernel, swiotlb_units
from .size import (
    DOM0_MEM_OPTION_RE, SWIOTLB_OPTION_RE, last_option, parse_dom0_mem, xl_sees_dom0_mem,
)

#: DESIGN.md host report ``facts`` keys (always present in ``Facts.values``; None = unknown)
CONTRACT_KEYS = (
    "xen_cmdline", "ram_mib", "dom0_boot_mib", "dom0_mem_option", "dom0_mem_mib",
    "dom0_mem_max_mib", "dom0_mem_min_mib", "kernel", "xen", "is_xen_dom0",
    "dom0_kernel_cmdline", "swiotlb", "swiotlb_units", "dom0_min_mem_mib", "dom0_ballooning",
    "autoballoon", "dom0_boot_share", "boots", "domu_starts", "balloon_min_target_mib",
)
#: further keys, also always present: the config's own Xen line (to compare with what booted),
#: why a dom0_mem value could not be read, the toolstack, and the raw state-file numbers
EXTRA_KEYS = (
    "config_xen_cmdline", "config_dom0_mem_option", "dom0_mem_error", "toolstack", "hostname",
    "meminfo_total_mib", "free_memory_mib", "balloon_current_mib", "balloon_target_mib",
    "grub_entry",
)
#: keys each ``per_boot`` entry has (besides ``boot``)
PER_BOOT_KEYS = (
    "xen_cmdline", "dom0_mem_option", "dom0_mem_mib", "dom0_mem_max_mib", "dom0_mem_min_mib",
    "ram_mib", "dom0_boot_mib", "dom0_boot_share", "kernel", "xen", "dom0_kernel_cmdline",
    "swiotlb", "swiotlb_units", "domu_starts", "balloon_min_target_mib",
)

FILE_PARSERS = {
    "grub": grub.parse,
    "proc_cmdline": proc.parse_cmdline,
    "xm_info": toolstack.parse_info,
    "xen_balloon": proc.parse_balloon,
    "xend_config": toolstack.parse_xend_config,
    "xl_conf": toolstack.parse_xl_conf,
    "meminfo": proc.parse_meminfo,
    "uname": proc.parse_uname,
}

XEN_VERSION_RE = re.compile(r"^(?P<major>\d+)\.(?P<minor>\d+)")
XL_AUTOBALLOON_DEFAULT = "auto"


@dataclass
class Facts:
    """Host facts: ``values`` (contract keys, None = unknown), ``provenance`` (key ->
    ``{"source": path, "line": int|None, "text": excerpt}``), ``per_boot`` (``per_boot[i]`` is
    boot i: ``boot`` and :data:`PER_BOOT_KEYS`, None where unknown; rows without a boot fill
    the latest boot, or are the only entry when no row has a boot), ``notes`` (input that was
    ignored, in words)."""

    values: dict
    provenance: dict
    per_boot: list[dict]
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# reading the fact files


@dataclass
class _FileFacts:
    by_kind: dict[str, list[dict[str, Found]]] = field(default_factory=dict)
    paths: dict[str, list[str]] = field(default_factory=dict)

    def get(self, kind: str, key: str) -> Found | None:
        for found in self.by_kind.get(kind, ()):
            if key in found:
                return found[key]
        return None

    def has(self, kind: str) -> bool:
        """Whether a file of this kind gave any fact."""
        return any(self.by_kind.get(kind, ()))

    def present(self, kind: str) -> bool:
        """Whether a file of this kind was given at all (an xl.conf without settings counts)."""
        return kind in self.paths


def _read_files(fact_texts: list[tuple[Source, str]], notes: list[str]) -> _FileFacts:
    out = _FileFacts()
    for source, text in fact_texts:
        parser = FILE_PARSERS.get(source.kind)
        if parser is None:
            notes.append(f"{source.path}: not a fact file kind ({source.kind!r}); ignored")
            continue
        found = {key: Found(f.value, f.line, f.text, source.path)
                 for key, f in parser(text).items()}
        out.by_kind.setdefault(source.kind, []).append(found)
        out.paths.setdefault(source.kind, []).append(source.path)
    # a boot loader's menu (what boots) before etc/default/grub (what it is generated from)
    out.by_kind.get("grub", []).sort(
        key=lambda f: f.get("grub_style", Found(None, None, "")).value == "default")
    return out


# ---------------------------------------------------------------------------------------------
# combining


def _first(*candidates: Found | None) -> Found | None:
    return next((c for c in candidates if c is not None), None)


def _xen_version(version: str | None) -> tuple[int, int] | None:
    m = XEN_VERSION_RE.match(version or "")
    return (int(m["major"]), int(m["minor"])) if m else None


def _dom0_mem_values(cmdline: Found | None, ram_mib: float | None,
                     notes: list[str] | None = None) -> dict[str, Found | None]:
    """dom0_mem_option / _mib / _max_mib / _min_mib (and an error) from a Xen command line."""
    out: dict[str, Found | None] = dict.fromkeys(
        ("dom0_mem_option", "dom0_mem_mib", "dom0_mem_max_mib", "dom0_mem_min_mib",
         "dom0_mem_error"))
    if cmdline is None:
        return out
    raw = last_option(cmdline.value, DOM0_MEM_OPTION_RE)
    if raw is None:
        return out

    def at(value) -> Found:
        return Found(value, cmdline.line, cmdline.text, cmdline.source)

    out["dom0_mem_option"] = at(raw)
    try:
        parsed = parse_dom0_mem(raw, ram_mib=ram_mib)
    except ValueError as exc:
        out["dom0_mem_error"] = at(str(exc))
        if notes is not None:
            notes.append(f"{cmdline.source}:{cmdline.line}: {exc}")
        return out
    for key, value in (("dom0_mem_mib", parsed.base_mib), ("dom0_mem_max_mib", parsed.max_mib),
                       ("dom0_mem_min_mib", parsed.min_mib)):
        out[key] = None if value is None else at(round(value, 1))
    return out


def _toolstack(ev: EventFacts, files: _FileFacts, xen: str | None) -> str | None:
    names = [os.path.basename(p.replace("!", "/")).lower() for p in files.paths.get("xm_info", [])]
    if files.has("xm_info") and any(name.startswith("xl") for name in names):
        return "xl"
    if ev.xend_seen or (files.has("xm_info") and any(name.startswith("xm") for name in names)):
        return "xend"
    version = _xen_version(xen)
    if version is not None and version >= (4, 5):
        return "xl"
    if version is not None and version < (4, 1):
        return "xend"
    if files.present("xend_config") != files.present("xl_conf"):
        return "xend" if files.present("xend_config") else "xl"
    return None


def _ballooning(tool: str | None, files: _FileFacts, xen_cmdline: Found | None,
                notes: list[str]) -> Found | None:
    if tool == "xend" or (tool is None and files.present("xend_config")):
        return files.get("xend_config", "dom0_ballooning")
    if tool != "xl" and not files.present("xl_conf"):
        return None
    setting = files.get("xl_conf", "autoballoon")
    if setting is None:
        setting = Found(XL_AUTOBALLOON_DEFAULT, None, "xl default: autoballoon=\"auto\"")
    mode = toolstack.XL_AUTOBALLOON.get(setting.value.lower())
    if mode is None:
        notes.append(f"{setting.source}:{setting.line}: autoballoon={setting.value!r} is not "
                     "on/off/auto; xl uses its default (auto)")
        mode = "auto"
    if mode != "auto":
        return Found(mode == "on", setting.line, setting.text, setting.source)
    if xen_cmdline is None:
        return None
    has = xl_sees_dom0_mem(xen_cmdline.value)
    why = "has" if has else "has no"
    return Found(not has, setting.line,
                 f"{setting.text} and the Xen command line {why} dom0_mem", setting.source)


def _xen_evidence(ev: EventFacts, files: _FileFacts, kernels: list[str], *,
                  memory_seen: bool) -> tuple[bool | None, bool]:
    """``(is_xen_dom0, any Xen evidence)``.

    Running-Dom0 evidence: a ``xen.*`` tag, a Xen kernel, ``xm info`` output, /proc/xen/balloon,
    a boot loader whose default entry boots Xen. Configuration alone (a Xen boot entry that is
    not the default, xend-config.sxp, xl.conf) is Xen evidence but leaves ``is_xen_dom0``
    unknown. False only when a Linux kernel was seen and there is no Xen evidence at all.
    """
    grub_default = files.get("grub", "xen_boot_default")
    running = (ev.xen_tagged or any(is_xen_kernel(k) for k in kernels)
               or files.has("xm_info") or files.has("xen_balloon")
               or (grub_default is not None and grub_default.value is True))
    configured = (files.get("grub", "xen_cmdline") is not None or files.present("xend_config")
                  or files.present("xl_conf"))
    linux_seen = bool(kernels) or memory_seen or files.has("meminfo")
    if running:
        return True, True
    return (None if configured or not linux_seen else False), configured


def _lookup_order(ev: EventFacts) -> list[int | None]:
    """Boots to ask for a fact, most trusted first: the latest numbered boot, then rows without
    a boot (taken as the running boot), then older boots, newest first."""
    numbered = sorted((k for k in ev.per_boot if k is not None), reverse=True)
    unplaced = [None] if None in ev.per_boot else []
    return numbered[:1] + unplaced + numbered[1:]


def _boot_facts(ev: EventFacts) -> list[tuple[int | None, dict[str, Found]]]:
    """Facts of every boot index 0..max (``per_boot[i]`` is boot i, as the correlator indexes
    it); rows without a boot fill what the latest boot lacks, or are the only entry."""
    unplaced = ev.per_boot.get(None, {})
    if ev.max_boot is None:
        return [(None, unplaced)] if unplaced else []
    boots = [(b, dict(ev.per_boot.get(b, {}))) for b in range(ev.max_boot + 1)]
    boots[-1] = (ev.max_boot, {**unplaced, **boots[-1][1]})
    return boots


def extract_facts(events, fact_texts: list[tuple[Source, str]]) -> Facts:
    """Host facts from one host's tagged event table and its fact files (see module docstring).

    ``events`` has the contract event columns (``tag``, ``fields``, ``boot``, ``source``,
    ``line``, ``message``); ``fact_texts`` pairs each fact ``Source`` with its decoded text.
    Never raises on bad input: what cannot be read is left None and said in ``notes``.
    """
    notes: list[str] = []
    ev = facts_from_events(events)
    notes.extend(ev.notes)
    files = _read_files(fact_texts, notes)
    order = _lookup_order(ev)

    def latest(key: str) -> Found | None:
        for boot in order:
            if key in ev.per_boot[boot]:
                return ev.per_boot[boot][key]
        return None

    kernel = _first(latest("kernel"), files.get("uname", "kernel"), files.get("xm_info", "kernel"))
    kernels = [f["kernel"].value for f in ev.per_boot.values() if "kernel" in f]
    kernels += [kernel.value] if kernel is not None else []
    grub_xen = files.get("grub", "xen_cmdline")
    is_dom0, xen_host = _xen_evidence(ev, files, kernels,
                                      memory_seen=latest("kernel_memory_mib") is not None)

    xen_cmdline = _first(latest("xen_cmdline"), files.get("xm_info", "xen_cmdline"), grub_xen)
    ram = _first(latest("ram_mib"), files.get("xm_info", "ram_mib"))
    if ram is None and is_dom0 is False:
        ram = _first(latest("kernel_memory_mib"), files.get("meminfo", "meminfo_total_mib"))
    ram_mib = None if ram is None else float(ram.value)

    def boot_size(facts: dict[str, Found]) -> Found | None:
        if "dom0_alloc_mib" in facts:
            return facts["dom0_alloc_mib"]
        memory = facts.get("kernel_memory_mib")
        boot_kernel = facts.get("kernel")
        if memory is not None and (xen_host or (boot_kernel and is_xen_kernel(boot_kernel.value))):
            return memory
        return None

    dom0_boot = next((s for b in order if (s := boot_size(ev.per_boot[b]))), None)
    dom0_mem = _dom0_mem_values(xen_cmdline, ram_mib, notes)
    kernel_cmdline = _first(latest("dom0_kernel_cmdline"), files.get("proc_cmdline",
                                                                     "dom0_kernel_cmdline"),
                            files.get("grub", "dom0_kernel_cmdline"))
    xen = _first(latest("xen"), files.get("xm_info", "xen"))
    tool = _toolstack(ev, files, xen.value if xen else None)
    ballooning = _ballooning(tool, files, xen_cmdline, notes)
    config_dom0_mem = _dom0_mem_values(grub_xen, ram_mib)["dom0_mem_option"]
    targets = [f["balloon_min_target_mib"] for f in ev.per_boot.values()
               if "balloon_min_target_mib" in f]

    found: dict[str, Found | None] = {
        "xen_cmdline": xen_cmdline,
        "ram_mib": None if ram is None else Found(ram_mib, ram.line, ram.text, ram.source),
        "dom0_boot_mib": dom0_boot,
        **dom0_mem,
        "kernel": kernel,
        "xen": xen,
        "dom0_kernel_cmdline": kernel_cmdline,
        "swiotlb": _option(kernel_cmdline, SWIOTLB_OPTION_RE),
        "swiotlb_units": None if kernel is None else Found(
            swiotlb_units(kernel.value), kernel.line, kernel.text, kernel.source),
        "dom0_min_mem_mib": files.get("xend_config", "dom0_min_mem_mib"),
        "dom0_ballooning": ballooning,
        "autoballoon": files.get("xl_conf", "autoballoon"),
        "balloon_min_target_mib": min(targets, key=lambda f: f.value) if targets else None,
        "config_xen_cmdline": grub_xen,
        "config_dom0_mem_option": config_dom0_mem,
        "hostname": _first(files.get("uname", "hostname"), files.get("xm_info", "hostname")),
        "meminfo_total_mib": files.get("meminfo", "meminfo_total_mib"),
        "free_memory_mib": files.get("xm_info", "free_memory_mib"),
        "balloon_current_mib": files.get("xen_balloon", "balloon_current_mib"),
        "balloon_target_mib": files.get("xen_balloon", "balloon_target_mib"),
        "grub_entry": files.get("grub", "grub_entry"),
    }
    values = {key: None for key in CONTRACT_KEYS + EXTRA_KEYS}
    provenance: dict[str, dict] = {}
    for key, f in found.items():
        if f is None:
            continue
        values[key] = f.value
        provenance[key] = {"source": f.source, "line": f.line, "text": f.text}
    values["is_xen_dom0"] = is_dom0
    values["toolstack"] = tool
    values["boots"] = ev.boots
    values["domu_starts"] = ev.domu_starts
    values["dom0_boot_share"] = _share(values["dom0_boot_mib"], values["ram_mib"])

    per_boot = [_boot_entry(boot, facts, boot_size, ram_mib) for boot, facts in _boot_facts(ev)]
    return Facts(values=values, provenance=provenance, per_boot=per_boot, notes=notes)


def _option(cmdline: Found | None, pattern: re.Pattern) -> Found | None:
    if cmdline is None:
        return None
    value = last_option(cmdline.value, pattern)
    return None if value is None else Found(value, cmdline.line, cmdline.text, cmdline.source)


def _share(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 3)


def _boot_entry(boot: int | None, facts: dict[str, Found], boot_size, host_ram: float | None
                ) -> dict:
    ram = facts.get("ram_mib")
    ram_mib = float(ram.value) if ram is not None else host_ram
    kernel = facts.get("kernel")
    size = boot_size(facts)
    entry = {"boot": boot, **dict.fromkeys(PER_BOOT_KEYS)}
    entry.update({key: v.value for key, v in _dom0_mem_values(facts.get("xen_cmdline"),
                                                              ram_mib).items()
                  if key in entry and v is not None})
    for key in ("xen_cmdline", "kernel", "xen", "dom0_kernel_cmdline", "domu_starts",
                "balloon_min_target_mib"):
        if key in facts:
            entry[key] = facts[key].value
    entry["ram_mib"] = None if ram is None else float(ram.value)
    entry["dom0_boot_mib"] = None if size is None else size.value
    entry["dom0_boot_share"] = _share(entry["dom0_boot_mib"], ram_mib)
    swiotlb = _option(facts.get("dom0_kernel_cmdline"), SWIOTLB_OPTION_RE)
    entry["swiotlb"] = None if swiotlb is None else swiotlb.value
    entry["swiotlb_units"] = swiotlb_units(kernel.value) if kernel is not None else None
    return entry
