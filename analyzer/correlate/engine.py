"""Turn rules into findings: gate, weigh, test alignment, cite, fill the text.

    rule xen-dom0-balloon-netback-squeeze, episodes E1 E2 (xen.netback.memory_squeeze)
      dom0_full_size  required  true   +0.20   cites (XEN) Command line / Dom0 alloc. / System RAM
      balloon_down              true   +0.20   cites "Balloon: setting dom0 target to 1206 MiB."
      netfront_flip             unknown        -> missing: a DomU kernel log showing ...
      chance (p_value < 0.05)   true   +0.10   (permutation test, 10,000 draws)
    -> Finding(confidence = clamp(0.30 + 0.50, 0, 1) = 0.80, ...)

Per rule: candidate episodes are those of ``episode_tag`` not already explained by a fired
rule in ``suppressed_by``. Required conditions filter episodes one by one (``required: true``
drops an episode where the condition is false; ``strict`` also where it is unknown); no
episode left, no finding. Then the alignment test (if the rule has one) puts ``p_value`` into
the values, the other conditions are evaluated, and each condition that holds adds its weight.
A finding explains its episodes plus those ``absorb``-ed by ``near`` conditions.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from ..model import SEVERITIES, SEVERITY_RANK, Episode, Evidence, Finding
from .chance import permutation_test
from .conditions import Cite, Evaluator, Outcome
from .domains import NO_BOOT, iso
from .rules import FROM_EPISODES, Rule
from .scope import NAT, Scope, ns
from .templates import fmt, render_first

MAX_EPISODES_CITED = 3
MAX_FIELD_VALUES = 4
MAX_FIELD_ROWS = 20_000


def evaluate_rule(rule: Rule, scope: Scope, explained: dict, *,
                  seed: int = 0) -> tuple[Finding, set] | None:
    eps = scope.episodes
    cands = eps[eps["tag"].isin(rule.episode_tag)]
    excluded = set().union(*(explained.get(r, set()) for r in rule.suppressed_by))
    cands = cands[~cands["id"].isin(excluded)]
    if cands.empty:
        return None
    values = dict(scope.values)
    ev = Evaluator(scope, values)
    outcomes: dict[int, Outcome] = {}
    keep = np.ones(len(cands), dtype=bool)
    for i, cond in enumerate(rule.conditions):
        if cond.required and not cond.uses_p_value:
            outcome = ev.evaluate(cond, cands)
            outcomes[i] = outcome
            ok = [s is True if cond.required == "strict" else s is not False
                  for s in outcome.states]
            keep &= np.array(ok, dtype=bool)
    if not keep.any():
        return None
    cands = cands[keep]
    outcomes = {i: _subset(o, keep) for i, o in outcomes.items()}
    values.update(episode_values(cands, scope))
    p_value = alignment = None
    if rule.alignment is not None:
        result = _alignment(rule, cands, scope, seed)
        if result is not None:
            p_value = result.p_value
            alignment = result.describe(label=rule.alignment.label, noun="episodes")
            values.update(p_value=p_value, aligned_episodes=result.observed,
                          alignment_window_min=result.window_minutes)
    for i, cond in enumerate(rule.conditions):
        if i not in outcomes:
            outcomes[i] = ev.evaluate(cond, cands)
    confidence = rule.base
    missing: list[str] = []
    absorbed: set[str] = set()
    for i, cond in enumerate(rule.conditions):
        outcome = outcomes[i]
        state = outcome.state
        if state is True:
            confidence += cond.weight
            absorbed |= set().union(*outcome.absorbed)
        elif state is None and cond.missing:
            missing.append(render_first([cond.missing], values))
        if cond.id:
            values.update(_condition_values(cond.id, outcome))
    covered = set(cands["id"]) | absorbed
    evidence = _evidence(rule, outcomes, cands, scope, values)
    remediation = [render_first(r.text, values) for r in rule.remediation
                   if r.when is None or ev.evaluate(r.when, cands).state is not False]
    finding = Finding(
        id=rule.id, title=render_first([rule.title], values), severity=_severity(rule, cands),
        confidence=round(min(1.0, max(0.0, confidence)), 2),
        episodes=sorted(covered, key=_episode_number), evidence=evidence,
        missing_evidence=list(dict.fromkeys(missing)), remediation=remediation,
        explanation=render_first(rule.explanation, values) if rule.explanation else "",
        p_value=p_value, alignment=alignment,
        summary=render_first(rule.summary, values) if rule.summary else "",
    )
    return finding, covered


def episode_values(cands: pd.DataFrame, scope: Scope) -> dict:
    """What the rule text may say about its episodes (counts, times, the first one's context)."""
    values: dict = {
        "episodes": len(cands), "episode_ids": ", ".join(cands["id"]),
        "episode_lines": int(cands["lines"].sum()),
        "occurrences": int(cands["occurrences"].sum()),
        "suppressed": int(cands["suppressed"].sum()),
    }
    timed = cands[cands["start"].notna()].sort_values("start")
    if len(timed):
        first = timed.iloc[0]
        end = timed["end"].dropna().max() if timed["end"].notna().any() else timed["start"].max()
        values.update(first_start=_when(first["start"]), last_end=_when(end),
                      duration=_span(end - first["start"]), first_episode=first["id"])
        for col in ("dom0_target_mib", "balloon_downs_before", "minutes_since_balloon_down",
                    "domu_starts_before", "minutes_since_domu_start", "running_domus"):
            value = first[col]
            values[col] = None if pd.isna(value) else int(float(value))  # floor: elapsed
    values.update(_field_values(cands, scope))
    return values


def _field_values(cands: pd.DataFrame, scope: Scope) -> dict:
    """``fields_<name>``: the most common values of each field over the episodes' events."""
    member = scope.members[scope.members.isin(set(cands["id"]))]
    rows = member.index[:MAX_FIELD_ROWS]
    if not len(rows) or "fields" not in scope.events:
        return {}
    counters: dict[str, Counter] = {}
    for fields in scope.events.loc[rows, "fields"]:
        if isinstance(fields, dict):
            for key, value in fields.items():
                if value is not None and value != "":
                    counters.setdefault(key, Counter())[str(value)] += 1
    out = {}
    for key, counter in counters.items():
        common = [v for v, _ in counter.most_common(MAX_FIELD_VALUES)]
        more = len(counter) - len(common)
        out[f"fields_{key}"] = ", ".join(common) + (f" (+{more} more)" if more > 0 else "")
    return out


def _alignment(rule: Rule, cands: pd.DataFrame, scope: Scope, seed: int):
    spec = rule.alignment
    triggers = scope.select(spec.triggers)
    triggers = triggers[triggers["ns"] != NAT]
    timed = cands[cands["start_ns"] != NAT]
    if len(triggers) < spec.min_triggers or len(timed) < spec.min_episodes:
        return None
    boots = scope.domains.boots.dropna(subset=["first", "last"])
    spans = dict(zip(boots["bootkey"].tolist(),
                     zip(ns(boots["first"]).tolist(), ns(boots["last"]).tolist())))
    return permutation_test(timed["start_ns"].to_numpy(), timed["bootkey"].to_numpy(),
                            triggers["ns"].to_numpy(), triggers["bootkey"].to_numpy(), spans,
                            window_minutes=spec.window_minutes, draws=spec.draws, seed=seed)


def _condition_values(cid: str, outcome: Outcome) -> dict:
    i = outcome.first_true()
    if i is None:
        return {}
    info = outcome.info[i]
    out = {}
    if "minutes" in info:
        out[f"{cid}_minutes"] = int(info["minutes"])  # whole minutes elapsed
    if "nth" in info:
        out[f"{cid}_nth"] = info["nth"]
    rows = set()
    for item in outcome.info:
        rows.update(item.get("rows_all", ()))
    if rows:
        out[f"{cid}_count"] = len(rows)
    return out


def _evidence(rule: Rule, outcomes: dict, cands: pd.DataFrame, scope: Scope,
              values: dict) -> list[Evidence]:
    out: list[Evidence] = []
    seen: set = set()

    def add(item: Evidence | None) -> None:
        if item is not None and (item.source, item.line) not in seen:
            seen.add((item.source, item.line))
            out.append(item)

    for i, cond in enumerate(rule.conditions):
        outcome = outcomes[i]
        if outcome.state is not True or cond.weight < 0:
            continue
        first = outcome.first_true()
        for cite in outcome.cites[first]:
            if cite.label:  # a condition cites only what its `evidence` label describes
                add(_cite_evidence(cite, scope, values))
    for item in episode_evidence(cands):
        add(item)
    return out


def _cite_evidence(cite: Cite, scope: Scope, values: dict) -> Evidence | None:
    label = render_first([cite.label], values) if cite.label else None
    note = "; ".join(x for x in (label, cite.extra) if x) or None
    if cite.fact is not None:
        prov = scope.provenance.get(cite.fact) or {}
        if not prov.get("source"):
            return None
        ts, boot = scope.where(prov["source"], prov.get("line"))
        return Evidence(source=str(prov["source"]), line=int(prov.get("line") or 0), ts=iso(ts),
                        message=str(prov.get("text") or ""), tag=None, boot=boot, note=note)
    row = cite.row or {}
    end_line = row.get("end_line")
    line = int(row.get("line") or 0)
    return Evidence(
        source=str(row.get("source")), line=line, ts=iso(row.get("ts")),
        message=str(row.get("message") or ""), tag=row.get("tag"),
        boot=None if row.get("bootkey", NO_BOOT) == NO_BOOT else int(row["bootkey"]),
        note=note, end_line=int(end_line) if end_line is not None and end_line != line else None,
    )


def episode_evidence(cands: pd.DataFrame) -> list[Evidence]:
    """First and last line of the biggest episodes, with the counts the log hid."""
    ranked = cands.sort_values(["occurrences", "start"], ascending=[False, True],
                               na_position="last")
    out = []
    shown = ranked.head(MAX_EPISODES_CITED)
    for ep in shown.itertuples(index=False):
        obj: Episode = ep.obj
        count = f"×{fmt(ep.lines)} line{'s' if ep.lines != 1 else ''}"
        if ep.suppressed:
            count += f", +{fmt(ep.suppressed)} suppressed"
        span = ""
        if not pd.isna(ep.start) and not pd.isna(ep.end) and ep.end > ep.start:
            span = f", {_span(ep.end - ep.start)}"
        if obj.first is not None:
            out.append(_with_note(obj.first, f"{ep.id} ({obj.tag}) first line; {count}{span}"))
        if obj.last is not None and (obj.first is None or (obj.last.source, obj.last.line)
                                     != (obj.first.source, obj.first.line)):
            out.append(_with_note(obj.last, f"{ep.id} last line"))
    if len(ranked) > len(shown) and out:
        rest = list(ranked["id"].iloc[len(shown):])
        listed = ", ".join(rest[:6]) + ("…" if len(rest) > 6 else "")
        plural = "s" if len(rest) != 1 else ""
        out[-1] = _with_note(out[-1], f"{out[-1].note}; +{len(rest)} more episode{plural} "
                                      f"({listed})")
    return out


def _with_note(evidence: Evidence, note: str) -> Evidence:
    return Evidence(source=evidence.source, line=evidence.line, ts=evidence.ts,
                    message=evidence.message, tag=evidence.tag, boot=evidence.boot, note=note,
                    end_line=evidence.end_line)


def _subset(outcome: Outcome, keep: np.ndarray) -> Outcome:
    pick = np.flatnonzero(keep)
    return Outcome([outcome.states[i] for i in pick], [outcome.cites[i] for i in pick],
                   [outcome.absorbed[i] for i in pick], [outcome.info[i] for i in pick])


def _episode_number(eid: str):
    digits = "".join(ch for ch in eid if ch.isdigit())
    return (int(digits) if digits else 0, eid)


def _when(ts) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")


def _span(delta) -> str:
    minutes = pd.Timedelta(delta).total_seconds() / 60
    if minutes < 1:
        return f"{minutes * 60:.0f} s"
    if minutes < 120:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        hours, mins = divmod(int(round(minutes)), 60)
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{minutes / 1440:.1f} days"


__all__ = ["evaluate_rule", "episode_values", "episode_evidence"]


def _severity(rule, cands) -> str:
    """The rule's severity, or with ``from_episodes`` the worst of its own episodes'."""
    if rule.severity != FROM_EPISODES:
        return rule.severity
    ranks = [SEVERITY_RANK.get(getattr(ep, "severity", None), 0) for ep in cands["obj"]]
    return SEVERITIES[max(ranks, default=SEVERITY_RANK["warning"])]

