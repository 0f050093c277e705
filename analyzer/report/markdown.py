"""Render a host report as markdown for an incident ticket or wiki (pure: report in, text out).

Log text always goes through :mod:`analyzer.report.escape`; wording lives here, findings and
facts are data.
"""

from __future__ import annotations

from ..model import HostReport, SEVERITY_RANK, TimelineEntry
from .escape import clip, code, text

MAX_TIMELINE_ROWS = 60
MAX_EVIDENCE_ROWS = 12
COLLAPSIBLE = {"domu_start": ("DomU start", "DomU starts"),
               "domu_stop": ("DomU stop", "DomU stops"),
               "balloon": ("Dom0 balloon move", "Dom0 balloon moves")}


def render_markdown(report: HostReport, *, chart: str | None = None) -> str:
    base = source_base([s["path"] for s in report.sources])
    out: list[str] = []
    out += _header(report, base)
    out += _summary(report)
    out += _findings(report, base)
    out += _timeline(report, chart, base)
    out += _episodes(report, base)
    out += _facts(report, base)
    out += _unexplained(report)
    out += _windows(report)
    out += _data_quality(report, base)
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# small formatting helpers


def prose(s: object) -> str:
    """Text written by kernlog or its rules (may use `code` and **bold**), made inert as HTML."""
    s = "" if s is None else str(s)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("[", "\\[").replace("]", "\\]").replace("\n", " ")


def when(iso: str | None) -> str:
    if not iso:
        return "—"
    return iso.replace("T", " ")[:19]


def num(n) -> str:
    if n is None:
        return "—"
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.1f}"
    return f"{int(n):,}"


def source_base(paths: list[str]) -> str:
    """The directory (or archive member directory) all sources share, ending in ``/`` or ``!``.

    >>> source_base(["a.tar.xz!sos/var/log/messages", "a.tar.xz!sos/var/log/xen/xend.log"])
    'a.tar.xz!sos/var/log/'
    """
    paths = [p for p in paths if p]
    if not paths:
        return ""
    prefix = paths[0]
    for p in paths[1:]:
        while not p.startswith(prefix):
            prefix = prefix[:-1]
    cut = max(prefix.rfind("/"), prefix.rfind("!"))
    return prefix[: cut + 1] if cut >= 0 else ""


def relative(path: str | None, base: str) -> str | None:
    return path[len(base):] if path and base and path.startswith(base) else path


def where(source: str | None, line: int | None, end_line: int | None = None, *,
          base: str = "") -> str:
    source = relative(source, base)
    if not source:
        return "—"
    loc = f"{source}:{line}" if line else source
    if end_line and line and end_line != line:
        loc += f"…{end_line}"
    return code(loc, table=True, limit=160)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


# ---------------------------------------------------------------------------------------------
# sections


def _header(r: HostReport, base: str) -> list[str]:
    files = [s["path"] for s in r.sources]
    shown = ", ".join(code(relative(p, base), limit=120) for p in files[:4])
    if len(files) > 4:
        shown += f" and {len(files) - 4} more"
    lines = r.accounting.get("lines_read", 0)
    p = r.period or {}
    span = ""
    if p.get("start"):
        span = f", {when(p['start'])} → {when(p['end'])} UTC"
    boots = p.get("boots", 0)
    quality = p.get("ts_quality", {})
    how = ""
    if quality.get("year_inferred"):
        how = " (years inferred)"
    elif quality.get("boot_relative"):
        how = " (some times anchored from dmesg uptimes)"
    out = [f"# kernlog report — {code(r.host)}", ""]
    out.append(f"**Analysed** {len(files)} file{'s' if len(files) != 1 else ''} ({shown}), "
               f"{num(lines)} lines, {boots} boot{'s' if boots != 1 else ''}{span}{how}.  ")
    out.append(f"kernlog {text(r.kernlog_version)}, patterns {text(r.patterns_version)}"
               + (f", generated {when(r.generated_at)} UTC." if r.generated_at else ".")
               + (f" Paths below are relative to {code(base, limit=200)}." if base else ""))
    out.append("")
    return out


def _ordered(findings):
    return sorted(findings, key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), -f.confidence, f.id))


def _summary(r: HostReport) -> list[str]:
    out = ["## Summary", ""]
    findings = _ordered(r.findings)
    if not findings:
        problems = [e for e in r.episodes if SEVERITY_RANK.get(e.severity, 0) >= 2]
        tagged = (r.period or {}).get("tagged", 0)
        events = num((r.period or {}).get("events", 0))
        msg = (f"No known problem pattern explains these logs: {events} "
               f"events, {num(tagged)} recognised by the pattern library")
        msg += f", {len(problems)} problem episode(s) without a root-cause rule." if problems else \
            ", no problem episodes."
        out += [msg, ""]
        return out
    top = findings[0]
    para = []
    if top.summary:
        para.append(prose(top.summary))
    para.append(f"**Root cause: {prose(top.title)}** (confidence {top.confidence:.2f}, severity "
                f"{top.severity}).")
    if top.remediation:
        para.append(f"Fix: {prose(top.remediation[0])}")
    out += [" ".join(para), ""]
    if len(findings) > 1:
        out.append("Also found: " + "; ".join(
            f"{prose(f.title)} (`{f.id}`, confidence {f.confidence:.2f})"
            for f in findings[1:]) + ".")
        out.append("")
    return out


def _findings(r: HostReport, base: str) -> list[str]:
    findings = _ordered(r.findings)
    if not findings:
        return []
    out = ["## Findings", ""]
    for i, f in enumerate(findings, 1):
        out.append(f"### {i}. {prose(f.title)} — `{f.id}` (confidence {f.confidence:.2f}, "
                   f"{f.severity})")
        out.append("")
        if f.episodes:
            out.append("Episodes: " + ", ".join(f.episodes) + ".")
            out.append("")
        rows = []
        for ev in f.evidence[:MAX_EVIDENCE_ROWS]:
            msg = code(ev.message, table=True, limit=160)
            if ev.note:
                msg += " — " + prose(ev.note).replace("|", "\\|")
            at = when(ev.ts) if ev.ts else (f"boot {ev.boot}" if ev.boot is not None else "—")
            rows.append([msg, where(ev.source, ev.line, ev.end_line, base=base), at])
        if rows:
            out += _table(["Evidence", "Where", "When (UTC)"], rows)
            if len(f.evidence) > MAX_EVIDENCE_ROWS:
                out.append(f"\n({len(f.evidence) - MAX_EVIDENCE_ROWS} more evidence lines in the "
                           "JSON report.)")
            out.append("")
        if f.explanation:
            out += [f"Why: {prose(f.explanation)}", ""]
        if f.p_value is not None:
            how = f" ({prose(f.alignment)})" if f.alignment else ""
            out += [f"Alignment by chance: p ≈ {f.p_value:.3g}{how}.", ""]
        if f.missing_evidence:
            out += ["Missing evidence that would raise confidence: "
                    + "; ".join(prose(m) for m in f.missing_evidence) + ".", ""]
        if f.remediation:
            out += ["**Remediation**", ""]
            out += [f"{n}. {prose(step)}" for n, step in enumerate(f.remediation, 1)]
            out.append("")
    return out


LIFECYCLE = {"domu_start", "balloon"}
KEEP_BEFORE_EPISODE = 2  # the last start and balloon move before an episode are its trigger


def collapse_timeline(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """Runs of DomU starts and balloon moves become one row; so do runs of DomU stops."""
    out: list[TimelineEntry] = []
    i = 0
    while i < len(entries):
        e = entries[i]
        kinds = LIFECYCLE if e.kind in LIFECYCLE else ({e.kind} if e.kind in COLLAPSIBLE else None)
        if kinds is None:
            out.append(e)
            i += 1
            continue
        j = i
        while j < len(entries) and entries[j].kind in kinds:
            j += 1
        run = entries[i:j]
        keep: list[TimelineEntry] = []
        if j < len(entries) and entries[j].kind == "episode" and len(run) > KEEP_BEFORE_EPISODE + 1:
            run, keep = run[:-KEEP_BEFORE_EPISODE], run[-KEEP_BEFORE_EPISODE:]
        out.append(_merged(run) if len(run) > 1 else run[0])
        out += keep
        i = j
    return out


def _merged(run: list[TimelineEntry]) -> TimelineEntry:
    parts = []
    for kind, (one, many) in COLLAPSIBLE.items():
        group = [e for e in run if e.kind == kind]
        if not group:
            continue
        if kind == "balloon":
            first = next((e.data.get("from_mib") for e in group if e.data.get("from_mib")), None)
            last = group[-1].data.get("to_mib")
            if all(e.data.get("direction") == "down" for e in group):
                one, many = "balloon-down", "balloon-downs"
            moves = f"{len(group)} {many if len(group) > 1 else one}"
            if last is not None:
                moves += f", Dom0 target {num(first) + ' → ' if first else ''}{num(last)} MiB"
            parts.append(moves)
        else:
            names = [e.data.get("name") or (f"domid {e.data['domid']}" if e.data.get("domid")
                                              is not None else e.text) for e in group]
            shown = ", ".join(names) if len(names) <= 3 else f"{names[0]} … {names[-1]}"
            parts.append(f"{len(group)} {many if len(group) > 1 else one} ({shown})")
    return TimelineEntry(start=run[0].start, end=run[-1].end or run[-1].start, kind="lifecycle",
                         text="; ".join(parts), source=run[0].source, line=run[0].line,
                         count=len(run))


def _timeline(r: HostReport, chart: str | None, base: str) -> list[str]:
    entries = collapse_timeline(sorted(r.timeline, key=lambda e: (e.start or "9999", e.kind)))
    if not entries and not chart:
        return []
    out = ["## Timeline", ""]
    rows = []
    for e in entries[:MAX_TIMELINE_ROWS]:
        t = when(e.start)
        if e.end and e.end != e.start:
            t += " → " + when(e.end)[5:] if when(e.end)[:4] == t[:4] else " → " + when(e.end)
        label = text(e.text, limit=200)
        if e.kind == "episode":
            label = f"**{label}**"
        rows.append([t, label, where(e.source, e.line, base=base)])
    if rows:
        out += _table(["UTC", "Event", "Source"], rows)
        if len(entries) > MAX_TIMELINE_ROWS:
            out.append(f"\n({len(entries) - MAX_TIMELINE_ROWS} more rows in the JSON report.)")
        out.append("")
    if chart:
        out += [f"![Dom0 memory, running DomUs and problem episodes]({chart})", ""]
    return out


def _episodes(r: HostReport, base: str) -> list[str]:
    if not r.episodes:
        return []
    out = ["## Problem episodes", ""]
    rows = []
    for e in r.episodes:
        span = when(e.start) + (" → " + when(e.end) if e.end and e.end != e.start else "")
        first = e.first
        rows.append([e.id, code(e.tag, table=True), span, num(e.events),
                     "≈" + num(e.estimated_occurrences),
                     where(first.source, first.line, base=base) if first else "—"])
    out += _table(["Episode", "Tag", "UTC", "Lines", "Occurrences", "First line"], rows)
    out.append("")
    return out


_FACT_ROWS = (
    ("ram_mib", "Host RAM"),
    ("dom0_boot_mib", "Dom0 at boot"),
    ("dom0_mem_option", "`dom0_mem`"),
    ("xen_cmdline", "Xen command line"),
    ("dom0_kernel_cmdline", "Dom0 kernel command line"),
    ("swiotlb", "`swiotlb`"),
    ("dom0_ballooning", "Dom0 ballooning"),
    ("dom0_min_mem_mib", "xend `dom0-min-mem`"),
    ("autoballoon", "xl `autoballoon`"),
    ("balloon_min_target_mib", "Lowest Dom0 target"),
    ("domu_starts", "DomU starts"),
    ("xen", "Xen version"),
    ("kernel", "Kernel"),
    ("boots", "Boots"),
)


def _fact_value(key: str, facts: dict) -> str | None:
    v = facts.get(key)
    if key in ("ram_mib", "balloon_min_target_mib", "dom0_min_mem_mib"):
        return None if v is None else f"{num(v)} MiB"
    if key == "dom0_boot_mib":
        if v is None:
            return None
        share = facts.get("dom0_boot_share")
        return f"{num(v)} MiB" + (f" ({share * 100:.0f} % of RAM)" if share else "")
    if key == "dom0_mem_option":
        if v is not None:
            mib = facts.get("dom0_mem_mib")
            return code(v, table=True) + (f" = {num(mib)} MiB" if mib is not None else "")
        if facts.get("xen_cmdline") is not None:
            return "— (Xen command line seen, no `dom0_mem`)"
        if facts.get("is_xen_dom0"):
            return "unknown (no Xen command line in these logs)"
        return None
    if key == "dom0_ballooning":
        return None if v is None else ("on" if v else "off")
    if key in ("xen_cmdline", "dom0_kernel_cmdline", "swiotlb", "autoballoon", "xen", "kernel"):
        if v is None:
            return None
        if key == "swiotlb" and facts.get("swiotlb_units"):
            return code(v, table=True) + " (" + text(facts["swiotlb_units"]) + ")"
        return code(v, table=True, limit=160)
    if v is None or v == "":
        return None
    return text(v) if not isinstance(v, (int, float)) else num(v)


def _facts(r: HostReport, base: str) -> list[str]:
    rows = []
    for key, label in _FACT_ROWS:
        value = _fact_value(key, r.facts)
        if value is None:
            continue
        prov = r.fact_sources.get(key) or {}
        src = where(prov.get("source"), prov.get("line"), base=base) if prov else "—"
        rows.append([label, value, src])
    if not rows:
        return []
    return ["## Host facts", ""] + _table(["Fact", "Value", "From"], rows) + [""]


MAX_BOOT_ONE_OFFS = 3  # boot chatter is rarely the story: show a few, count the rest


def _unexplained(r: HostReport) -> list[str]:
    if not r.unexplained:
        return []
    shown, boot_shown, hidden = [], 0, 0
    for u in r.unexplained:
        at_boot = "at boot" in str(u.get("why", ""))
        if at_boot and boot_shown >= MAX_BOOT_ONE_OFFS:
            hidden += 1
            continue
        boot_shown += at_boot
        shown.append(u)
    out = ["## Unexplained messages", "",
           "Kernel messages no pattern knows, ranked by how unusual they are here:", ""]
    rows = []
    for u in shown:
        rows.append([code(u.get("template", ""), table=True, limit=120), num(u.get("count")),
                     when(u.get("first")), prose(u.get("why", "")).replace("|", "\\|")])
    out += _table(["Template", "Count", "First seen", "Why it is listed"], rows)
    if hidden:
        out.append("")
        out.append(f"({hidden} more one-off boot messages in the JSON report.)")
    out.append("")
    return out


def _windows(r: HostReport) -> list[str]:
    if not r.windows:
        return []
    out = ["## Unusual time windows", "",
           "Hours whose message rates stand out most from the rest of this host's logs:", ""]
    rows = []
    for w in r.windows:
        top = ", ".join(f"{code(label, table=True, limit=80)} ×{num(n)}"
                        for label, n in (w.get("top") or [])[:3])
        rows.append([f"{when(w.get('start'))} → {when(w.get('end'))[11:16]}",
                     f"{w.get('score', 0):.1f}", top])
    out += _table(["Window (UTC)", "Score", "What stands out"], rows)
    out.append("")
    return out


def _data_quality(r: HostReport, base: str) -> list[str]:
    a = r.accounting
    out = ["## Data quality", ""]
    reasons = a.get("unparsed_by_reason", {})
    why = ", ".join(f"`{text(k)}` {num(v)}"
                    for k, v in sorted(reasons.items(), key=lambda kv: -kv[1]))
    out.append(f"- {num(a.get('lines_read', 0))} lines read: "
               f"{num(a.get('lines_parsed', 0))} parsed, "
               f"{num(a.get('lines_unparsed', 0))} unparsed" + (f" ({why})." if why else "."))
    if a.get("lines_truncated"):
        out.append(f"- {num(a['lines_truncated'])} over-long lines were cut (`--max-line-bytes`).")
    if a.get("bytes_replaced"):
        out.append(f"- {num(a['bytes_replaced'])} undecodable or NUL bytes were replaced with "
                   "U+FFFD.")
    if a.get("suppressed_messages"):
        out.append(f"- {num(a['suppressed_messages'])} messages were suppressed by the kernel's "
                   "rate limit: occurrence counts above are estimates.")
    if a.get("repeat_folded"):
        out.append(f"- {num(a['repeat_folded'])} syslog repeats (`last message repeated`) were "
                   "folded into the counts of the lines they repeat.")
    for note in r.clock_notes:
        out.append(f"- {prose(note.replace(base, '') if base else note)}")
    skipped = a.get("skipped", [])
    if skipped:
        out.append(f"- {len(skipped)} file(s) not read:")
        for s in skipped[:10]:
            out.append(f"  - {code(relative(s['path'], base), limit=140)}: "
                       f"{text(s['reason'], limit=160)}")
        if len(skipped) > 10:
            out.append(f"  - … and {len(skipped) - 10} more (JSON report).")
    out.append("")
    rows = [[code(relative(s["path"], base), table=True, limit=140), text(s.get("format") or "—"),
             num(s.get("lines", 0)), num(s.get("unparsed", 0))] for s in r.sources]
    if rows:
        out += _table(["Source", "Format", "Lines", "Unparsed"], rows)
        out.append("")
    warns = a.get("warnings", [])
    if warns:
        out.append("Examples of unparsed lines:")
        out.append("")
        for w in warns[:8]:
            at = f"{relative(w['source'], base)}:{w['line']}"
            out.append(f"- {code(at, limit=140)} "
                       f"({text(w['reason'])}): {code(clip(w['excerpt'], 100))}")
        out.append("")
    return out
