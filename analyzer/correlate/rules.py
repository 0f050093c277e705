"""Root-cause rules as typed objects (loaded and validated by :mod:`.loader`).

    Rule(id="xen-dom0-balloon-netback-squeeze", severity="error",
         episode_tag=("xen.netback.memory_squeeze",), base=0.3,
         conditions=(Condition(kind="fact", spec={"fact": "dom0_boot_share", "op": "gte",
                                                  "value": 0.9, "known_when": None},
                               weight=0.2, required="not_false", ...), ...), ...)

The YAML vocabulary these come from is documented at the top of
``patterns/rules/xen_memory.yaml`` and in :mod:`analyzer.correlate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

#: Derived timeline events a condition may name as a tag (computed by ``domains.py``).
DERIVED_TAGS = ("@domu_start", "@domu_stop", "@balloon_down", "@balloon_up")
#: Source kinds for ``unknown_without`` (what the engine looks for is in ``scope.py``).
SOURCE_KINDS = ("toolstack_log", "hypervisor_log", "domu_kernel_log", "kernel_log")
#: Comparison operators of a ``fact`` condition.
FACT_OPS = ("is", "eq", "ne", "gt", "gte", "lt", "lte", "in")
EVENT_KINDS = ("preceded_by", "near", "event_present")
GROUP_KINDS = ("any_of", "all_of", "not")
KINDS = ("fact",) + EVENT_KINDS + GROUP_KINDS
REQUIRED_MODES = {False: None, True: "not_false", "strict": "strict"}


@dataclass(frozen=True)
class Condition:
    """One test over episodes, events or facts; tri-state when evaluated (true/false/unknown)."""

    kind: str
    spec: dict = field(default_factory=dict)
    children: tuple["Condition", ...] = ()
    id: str | None = None
    weight: float = 0.0
    required: str | None = None  # None | "not_false" | "strict"
    evidence: str | None = None
    missing: str | None = None
    unknown_without: str | None = None
    cite: tuple[str, ...] = ()
    line: int | None = None

    def walk(self) -> Iterator["Condition"]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def uses_p_value(self) -> bool:
        return any(c.kind == "fact" and c.spec["fact"] == "p_value" for c in self.walk())


@dataclass(frozen=True)
class AlignmentSpec:
    triggers: tuple[str, ...]
    window_minutes: float
    min_triggers: int = 3
    min_episodes: int = 1
    draws: int = 10_000
    label: str = "a trigger"


@dataclass(frozen=True)
class Remedy:
    text: tuple[str, ...]
    when: Condition | None = None


#: A rule ``severity`` that is the worst severity of the finding's own episodes (a panic is
#: critical, a WARN trace an error) instead of a fixed one.
FROM_EPISODES = "from_episodes"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str  # one of analyzer.model.SEVERITIES, or FROM_EPISODES
    episode_tag: tuple[str, ...]
    base: float = 0.3
    conditions: tuple[Condition, ...] = ()
    summary: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()
    remediation: tuple[Remedy, ...] = ()
    suppressed_by: tuple[str, ...] = ()
    alignment: AlignmentSpec | None = None
    description: str = ""
    file: str = ""
    line: int | None = None


@dataclass(frozen=True)
class RuleSet:
    """Rules in evaluation order: a rule comes after every rule in its ``suppressed_by``."""

    rules: tuple[Rule, ...]
    files: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.rules]

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
