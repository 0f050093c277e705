"""Correlate: align a host's problem episodes with what happened before them, and explain them.

    >>> rules = load_rules()
    >>> result = correlate(events, episodes, episode_of, facts, rules)     # doctest: +SKIP
    >>> [(f.id, f.confidence) for f in result.findings]                     # doctest: +SKIP
    [('xen-dom0-balloon-netback-squeeze', 0.95)]

Inputs: the host's tagged event table (``analyzer.model.EVENT_COLUMNS`` + ``end_line``), its
episodes and the row -> episode map (``analyzer.episodes.find_episodes``), and its facts
(``.values``, ``.provenance``, optionally ``.per_boot``; ``analyzer.facts.extract_facts``).

Modules: ``domains`` (DomU starts/stops keyed by (boot, domid), Dom0 balloon trajectory,
running-DomU count), ``scope`` (what rules can see; episodes aligned with ``merge_asof``),
``rules`` (rule types), ``loader`` (load and validate ``patterns/rules/*.yaml``),
``conditions`` (tri-state evaluation),
``chance`` (seeded permutation test), ``engine`` (findings), ``templates`` (``{name}`` text),
``timeline`` (timeline entries and chart series).

Rule vocabulary (the full reference, with examples, heads ``patterns/rules/xen_memory.yaml``):

- a rule: ``id``, ``title``, ``severity`` (or ``from_episodes``: the worst of its episodes),
  ``episode_tag`` (the episodes it explains), ``base`` confidence, ``conditions``, ``summary``/``explanation`` (a template or a list of alternatives:
  the first whose placeholders are all known is used), ``remediation`` (templates, each
  optionally ``{text, if: condition}``: shown unless the condition is false),
  ``suppressed_by`` (rule ids whose findings already explain an episode), ``alignment``
  (``{triggers, window_minutes, min_triggers, draws, label}``: the chance test).
- a condition, one of: ``fact: NAME`` with ``is|eq|ne|gt|gte|lt|lte|in`` (and ``known_when:
  FACT`` so that ``is: null`` means "known absent"); ``preceded_by``, ``near``,
  ``event_present`` (``{tag, within_minutes, field, value, same_boot, absorb}``; tags may be
  derived: ``@domu_start``, ``@domu_stop``, ``@balloon_down``, ``@balloon_up``); ``any_of``,
  ``all_of``, ``not``. Top-level conditions carry ``id``, ``weight``, ``required``
  (``true``: not false; ``strict``: true), ``evidence`` (a label template for what it cites),
  ``missing`` (what would let it be evaluated), ``unknown_without`` (a source kind: no matching
  event and no such source means unknown, not false), ``cite`` (more facts to cite).
- confidence = clamp(base + sum of the weights of the conditions that hold, 0, 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..model import SEVERITY_RANK, Finding, TimelineEntry
from .domains import build_domains
from .engine import evaluate_rule
from .loader import builtin_rules_dir, load_rule_file, load_rules
from .rules import Condition, Rule, RuleSet
from .scope import Scope, derived_values, episode_frame, source_kinds
from .timeline import build_series, build_timeline

__all__ = ["Correlation", "correlate", "load_rules", "load_rule_file", "builtin_rules_dir",
           "RuleSet", "Rule", "Condition"]


@dataclass
class Correlation:
    findings: list[Finding] = field(default_factory=list)  # by severity, then confidence
    timeline: list[TimelineEntry] = field(default_factory=list)
    series: dict = field(default_factory=dict)
    domus: list[dict] = field(default_factory=list)  # {domid, name, boot, start, stop, signals}


def correlate(events: pd.DataFrame, episodes, episode_of: pd.Series, facts, rules: RuleSet, *,
              seed: int = 0) -> Correlation:
    """Findings, timeline, chart series and DomU list for one host."""
    values = dict(getattr(facts, "values", None) or {})
    provenance = dict(getattr(facts, "provenance", None) or {})
    domains = build_domains(events, facts)
    sources = source_kinds(events)
    if episode_of is None:
        episode_of = pd.Series(None, index=events.index, dtype=object)
    episode_of = episode_of.reindex(events.index)
    scope = Scope(
        events=events, domains=domains, provenance=provenance, sources=sources,
        values=derived_values(values, domains, sources, events),
        episodes=episode_frame(list(episodes), events, episode_of, domains),
        episode_of=episode_of,
    )
    findings: list[Finding] = []
    explained: dict[str, set] = {}
    for rule in rules:
        got = evaluate_rule(rule, scope, explained, seed=seed)
        if got is not None:
            findings.append(got[0])
            explained[rule.id] = got[1]
    findings.sort(key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), -f.confidence, f.id))
    return Correlation(
        findings=findings, timeline=build_timeline(domains, scope.episodes, facts),
        series=build_series(domains, scope.episodes), domus=domains.domus,
    )
