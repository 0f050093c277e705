"""Fleet summary of a batch run: fleet.json, fleet.md and events.parquet.

Compares hosts: which share a root cause, what the hosts with a finding have in common in
configuration and what the clean ones do differently, episodes on several hosts within minutes
of each other (a shared cause such as the network), hosts whose problem rate stands out, and
hosts that failed with their error.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from .report.escape import code, text

CONFIG_KEYS = (("ram_mib", "RAM (MiB)"), ("dom0_mem_option", "dom0_mem"),
               ("dom0_boot_mib", "Dom0 at boot (MiB)"), ("xen", "Xen"), ("kernel", "Kernel"))
SIMULTANEOUS_MINUTES = 10


def write_fleet(summaries: list[dict], *, output: Path):
    from .batch import BatchResult

    skipped = [{"path": s["host"], "reason": s.get("error")} for s in summaries
               if s["status"] == "skipped"]
    summaries = [s for s in summaries if s["status"] != "skipped"]
    findings: dict[str, list[str]] = defaultdict(list)
    for s in summaries:
        for fid in s.get("findings", []):
            findings[fid].append(s["host"])
    result = BatchResult(output=output, findings=dict(sorted(findings.items())))
    result.hosts = [{"host": s["host"], "status": s["status"], "error": s.get("error"),
                     "findings": list(s.get("findings", [])), "episodes": s.get("episodes", 0),
                     "report": f"{s['file']}.md" if s["status"] == "ok" else None}
                    for s in summaries]
    simultaneous = simultaneous_episodes(summaries)
    outliers = outlier_hosts(summaries)
    fleet = {"hosts": result.hosts, "findings": result.findings,
             "simultaneous_episodes": simultaneous, "outliers": outliers, "skipped": skipped}
    (output / "fleet.json").write_text(json.dumps(fleet, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    (output / "fleet.md").write_text(render_fleet_markdown(summaries, result.findings,
                                                           simultaneous, outliers, skipped),
                                     encoding="utf-8")
    _write_events(summaries, output / "events.parquet")
    return result


def _write_events(summaries: list[dict], path: Path) -> None:
    import pandas as pd

    frames = [s["_events"] for s in summaries if s.get("_events") is not None and len(s["_events"])]
    if frames:
        frame = pd.concat(frames, ignore_index=True)
    else:
        from .model import EVENT_COLUMNS

        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in EVENT_COLUMNS})
    frame.to_parquet(path, index=False)


def simultaneous_episodes(summaries: list[dict]) -> list[dict]:
    """Episodes of one tag on several hosts that start within minutes of each other."""
    import pandas as pd

    rows = [(s["host"], e["tag"], pd.Timestamp(e["start"]), e["id"])
            for s in summaries if s["status"] == "ok"
            for e in s.get("episode_list", []) if e.get("start")]
    rows.sort(key=lambda r: (r[1], r[2]))
    groups: list[list[tuple]] = []
    for r in rows:
        g = groups[-1] if groups else None
        if g and g[0][1] == r[1] and (r[2] - g[-1][2]) <= pd.Timedelta(minutes=SIMULTANEOUS_MINUTES):
            g.append(r)
        else:
            groups.append([r])
    out = []
    for g in groups:
        hosts = sorted({r[0] for r in g})
        if len(hosts) >= 2:
            out.append({"tag": g[0][1], "hosts": hosts, "start": g[0][2].isoformat(),
                        "end": g[-1][2].isoformat(),
                        "episodes": [f"{r[0]}:{r[3]}" for r in g]})
    return out


def outlier_hosts(summaries: list[dict]) -> list[dict]:
    """Hosts whose problem rate (estimated occurrences per observed day) stands out.

    The score is ``analyzer.templates.anomaly.outlier_scores``: a robust z-score of the log
    rate against the fleet (median, with a floor on the spread so near-equal hosts never stand
    out), or at least ten times the fleet median.
    """
    import pandas as pd

    from .templates.anomaly import outlier_scores

    rates = {}
    for s in summaries:
        if s["status"] != "ok":
            continue
        p = s.get("period") or {}
        if not p.get("start") or not p.get("end"):
            continue
        days = max((pd.Timestamp(p["end"]) - pd.Timestamp(p["start"])).total_seconds() / 86400, 1.0)
        occ = sum(e.get("estimated_occurrences", 0) for e in s.get("episode_list", []))
        rates[s["host"]] = occ / days
    return [{"host": o["host"], "problems_per_day": round(o["rate"], 2),
             "fleet_median_per_day": round(o["median"], 2),
             "ratio": None if o["ratio"] is None else round(o["ratio"], 1)}
            for o in outlier_scores(rates)]


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{round(v):,}"
    return code(v, table=True, limit=60)


def render_fleet_markdown(summaries, findings, simultaneous, outliers, skipped=()) -> str:
    ok = [s for s in summaries if s["status"] == "ok"]
    failed = [s for s in summaries if s["status"] != "ok"]
    out = ["# kernlog fleet summary", "",
           f"**{len(summaries)} hosts** analysed: {len(ok)} ok, {len(failed)} failed.", ""]
    out += ["## Root causes", ""]
    if findings:
        out += ["| Finding | Hosts | Count |", "|---|---|---|"]
        for fid, hosts in sorted(findings.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            out.append(f"| `{fid}` | {', '.join(code(h, table=True) for h in hosts)} | {len(hosts)} |")
    else:
        out.append("No root-cause finding on any host.")
    out.append("")
    out += ["## Configuration", "",
            "| Host | Findings | " + " | ".join(label for _, label in CONFIG_KEYS) + " | Report |",
            "|" + "---|" * (len(CONFIG_KEYS) + 3)]
    for s in ok:
        f = s.get("facts") or {}
        fids = ", ".join(f"`{x}`" for x in s.get("findings", [])) or "—"
        out.append(f"| {code(s['host'], table=True)} | {fids} | "
                   + " | ".join(_fmt(f.get(k)) for k, _ in CONFIG_KEYS)
                   + f" | [{text(s['file'])}.md]({s['file']}.md) |")
    out.append("")
    out += _differences(ok, findings)
    out += ["## Episodes on several hosts at once", ""]
    if simultaneous:
        out.append(f"Episodes of one kind starting within {SIMULTANEOUS_MINUTES} minutes on "
                   "several hosts point at a shared cause (network, storage, a fleet-wide "
                   "change) rather than each host's own memory:")
        out.append("")
        for g in simultaneous:
            out.append(f"- `{g['tag']}` on {', '.join(code(h) for h in g['hosts'])}, "
                       f"{g['start'][:19].replace('T', ' ')} → {g['end'][11:19]} UTC")
    else:
        out.append("None.")
    out.append("")
    out += ["## Hosts that stand out", ""]
    if outliers:
        for o in outliers:
            ratio = f" ({o['ratio']}× the fleet median)" if o.get("ratio") else ""
            out.append(f"- {code(o['host'])}: ≈{round(o['problems_per_day']):,} problem "
                       f"occurrences per day{ratio}")
    else:
        out.append("No host's problem rate stands out from the fleet.")
    out.append("")
    if skipped:
        out += ["## Not analysed", ""]
        out += [f"- {code(k['path'])}: {text(k['reason'] or '')}" for k in skipped]
        out.append("")
    if failed:
        out += ["## Failed hosts", "", "| Host | Error |", "|---|---|"]
        for s in failed:
            out.append(f"| {code(s['host'], table=True)} | {text(s.get('error') or '', limit=300).replace('|', '&#124;')} |")
        out.append("")
    return "\n".join(out)


def traits(s: dict) -> dict[str, str]:
    """What a host's configuration says, in words that hosts can share."""
    f = s.get("facts") or {}
    xen = f.get("xen")
    is_xen = bool(xen or f.get("xen_cmdline") or f.get("dom0_boot_mib"))
    out = {"Xen host": "yes" if is_xen else "no"}
    if is_xen:
        if f.get("dom0_mem_option"):
            out["dom0_mem"] = "set"
        elif f.get("xen_cmdline") is not None:
            out["dom0_mem"] = "not set"
        ram, boot = f.get("ram_mib"), f.get("dom0_boot_mib")
        if ram and boot:
            out["Dom0 at boot"] = "≥ 90 % of RAM" if boot / ram >= 0.9 else "< 90 % of RAM"
        if xen:
            out["Xen generation"] = f"Xen {str(xen).split('.')[0]}.x"
    return out


def _differences(ok: list[dict], findings: dict) -> list[str]:
    """For each finding: what its hosts share, against the hosts with no finding at all."""
    clean = [s for s in ok if not s.get("findings")]
    out = []
    for fid in sorted(findings):
        with_f = [s for s in ok if fid in s.get("findings", [])]
        if not with_f:
            continue
        shared = None
        for s in with_f:
            t = traits(s)
            shared = dict(t) if shared is None else {k: v for k, v in shared.items()
                                                     if t.get(k) == v}
        notes = []
        order = ["dom0_mem", "Dom0 at boot", "Xen generation", "Xen host"]
        for key, value in sorted((shared or {}).items(), key=lambda kv: order.index(kv[0])):
            if key == "Xen host" and value == "yes" and "dom0_mem" in shared:
                continue
            same_clean = sum(traits(c).get(key) == value for c in clean)
            notes.append(f"{key}: {value} on {len(with_f)} of {len(with_f)} host(s) with it; "
                         f"{same_clean} of {len(clean)} clean host(s)")
        if notes:
            out += [f"Hosts with `{fid}` have in common (against the hosts with no finding):", ""]
            out += [f"- {text(n)}" for n in notes]
            out.append("")
    return out
