"""Load root-cause rules: ``patterns/rules/*.yaml`` plus ``DIR/rules/*.yaml`` of user dirs.

    - id: xen-dom0-balloon-netback-squeeze
      title: Dom0 booted with (nearly) all host RAM and was ballooned down; netback starves
      severity: error
      episode_tag: [xen.netback.memory_squeeze]
      base: 0.3
      conditions:
        - id: dom0_full_size
          required: true
          weight: 0.2
          fact: dom0_boot_share
          gte: 0.9
          evidence: Dom0 booted with {dom0_boot_mib} MiB of {ram_mib} MiB

Loading is strict (plaso-style): unknown keys, bad severities, bad operators, unknown source
kinds or derived tags, ``is: null`` without ``known_when``, duplicate ids and ``suppressed_by``
loops are a :class:`~analyzer.errors.PatternError` naming the file, the line and the rule id.
YAML is read with a ``SafeLoader`` subclass that only records line numbers. A user rule with an
existing id replaces the built-in one.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any, Sequence

import yaml

from ..errors import PatternError
from ..model import SEVERITIES
from .rules import (
    DERIVED_TAGS, EVENT_KINDS, FACT_OPS, FROM_EPISODES, KINDS, REQUIRED_MODES, SOURCE_KINDS,
    AlignmentSpec, Condition, Remedy, Rule, RuleSet,
)

_RULE_KEYS = {
    "id", "title", "severity", "description", "episode_tag", "base", "conditions", "summary",
    "explanation", "remediation", "suppressed_by", "alignment",
}
_COMMON_KEYS = {"id", "weight", "required", "evidence", "missing", "unknown_without", "cite"}
_TOP_ONLY = {"weight", "required", "missing"}
_EVENT_KEYS = {"tag", "within_minutes", "field", "value", "same_boot", "absorb"}
_ALIGN_KEYS = {"triggers", "window_minutes", "min_triggers", "min_episodes", "draws", "label"}
_LINE = "__line__"


def builtin_rules_dir() -> Path:
    """``analyzer/_patterns/rules`` in an installed wheel, else ``<repo>/patterns/rules``."""
    try:
        packaged = importlib.resources.files("analyzer") / "_patterns" / "rules"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, NotADirectoryError):  # pragma: no cover - unusual installs
        pass
    return Path(__file__).resolve().parents[2] / "patterns" / "rules"


def load_rules(extra_dirs: Sequence[Path] = ()) -> RuleSet:
    """The built-in rules plus ``DIR/rules/*.yaml`` of each user pattern dir (same id replaces)."""
    builtin = builtin_rules_dir()
    if not builtin.is_dir():
        raise PatternError(f"built-in rule directory not found: {builtin}; reinstall kernlog",
                           file=str(builtin))
    rules: dict[str, Rule] = {}
    files: list[str] = []
    for path in sorted(builtin.glob("*.yaml")):
        files.append(str(path))
        for rule in load_rule_file(path):
            if rule.id in rules:
                raise PatternError(f"duplicate rule id (also in {rules[rule.id].file})",
                                   file=str(path), line=rule.line, pattern_id=rule.id)
            rules[rule.id] = rule
    for extra in extra_dirs:
        extra = Path(extra)
        if not extra.is_dir():
            raise PatternError("pattern directory not found; check --patterns", file=str(extra))
        seen: set[str] = set()
        for path in sorted((extra / "rules").glob("*.yaml")):
            files.append(str(path))
            for rule in load_rule_file(path):
                if rule.id in seen:
                    raise PatternError("duplicate rule id in this directory", file=str(path),
                                       line=rule.line, pattern_id=rule.id)
                seen.add(rule.id)
                rules[rule.id] = rule  # a user rule replaces a built-in one with the same id
    return RuleSet(rules=_evaluation_order(rules), files=tuple(files))


def load_rule_file(path: Path) -> list[Rule]:
    """Parse and validate one rule file (a YAML list of rules; empty file = no rules)."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PatternError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=str(path),
                           line=mark.line + 1 if mark else None) from None
    except OSError as exc:
        raise PatternError(f"cannot read rule file: {exc.strerror}", file=str(path)) from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise PatternError("a rule file holds a YAML list of rules", file=str(path))
    return [_rule(item, str(path)) for item in data]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping (as ``__line__``)."""

    def construct_mapping(self, node, deep=False):  # noqa: D102
        mapping = super().construct_mapping(node, deep=deep)
        mapping[_LINE] = node.start_mark.line + 1
        return mapping


class _Where:
    def __init__(self, file: str, line: int | None, rule_id: str | None) -> None:
        self.file, self.line, self.rule_id = file, line, rule_id

    def fail(self, message: str, line: int | None = None) -> PatternError:
        return PatternError(message, file=self.file, line=line or self.line,
                            pattern_id=self.rule_id)


def _rule(item: Any, file: str) -> Rule:
    if not isinstance(item, dict):
        raise PatternError("each rule is a mapping with an id", file=file)
    line = item.get(_LINE)
    rid = item.get("id")
    where = _Where(file, line, rid if isinstance(rid, str) else None)
    unknown = set(item) - _RULE_KEYS - {_LINE}
    if unknown:
        raise where.fail(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}")
    if not isinstance(rid, str) or not rid or rid != rid.strip().lower() or " " in rid:
        raise where.fail(f"rule id must be a lowercase word like 'oom-kill', got {rid!r}")
    for key in ("title", "severity", "episode_tag"):
        if key not in item:
            raise where.fail(f"missing required key {key!r}")
    if item["severity"] not in (*SEVERITIES, FROM_EPISODES):
        raise where.fail(f"severity {item['severity']!r} is not one of "
                         f"{[*SEVERITIES, FROM_EPISODES]}")
    base = _number(item.get("base", 0.3), "base", where, lo=0.0, hi=1.0)
    conditions = item.get("conditions") or []
    if not isinstance(conditions, list):
        raise where.fail("conditions must be a list")
    remedies = item.get("remediation") or []
    if not isinstance(remedies, list):
        raise where.fail("remediation must be a list")
    return Rule(
        id=rid, title=_text(item["title"], "title", where), severity=item["severity"],
        episode_tag=_tags(item["episode_tag"], "episode_tag", where, derived=False),
        base=base, conditions=tuple(_condition(c, where, top=True) for c in conditions),
        summary=_templates(item.get("summary"), "summary", where),
        explanation=_templates(item.get("explanation"), "explanation", where),
        remediation=tuple(_remedy(r, where) for r in remedies),
        suppressed_by=_strings(item.get("suppressed_by", []), "suppressed_by", where),
        alignment=_alignment(item.get("alignment"), where),
        description=str(item.get("description", "")), file=file, line=line,
    )


def _condition(raw: Any, where: _Where, *, top: bool) -> Condition:
    if not isinstance(raw, dict):
        raise where.fail(f"a condition is a mapping, got {raw!r}")
    line = raw.get(_LINE)
    kinds = [k for k in KINDS if k in raw]
    if len(kinds) != 1:
        raise where.fail(f"a condition needs exactly one of {list(KINDS)}, got {kinds}", line)
    kind = kinds[0]
    allowed = _COMMON_KEYS | {kind, _LINE}
    if kind == "fact":
        allowed |= set(FACT_OPS) | {"known_when"}
    unknown = set(raw) - allowed
    if unknown:
        raise where.fail(f"unknown key(s) {sorted(unknown)} in a {kind!r} condition", line)
    if not top and set(raw) & _TOP_ONLY:
        raise where.fail(f"{sorted(set(raw) & _TOP_ONLY)} only on top-level conditions", line)
    spec: dict = {}
    children: tuple[Condition, ...] = ()
    if kind == "fact":
        spec = _fact_spec(raw, where, line)
    elif kind in EVENT_KINDS:
        spec = _event_spec(raw[kind], kind, where, line)
    elif kind == "not":
        children = (_condition(raw["not"], where, top=False),)
    else:
        if not isinstance(raw[kind], list) or not raw[kind]:
            raise where.fail(f"{kind} takes a non-empty list of conditions", line)
        children = tuple(_condition(c, where, top=False) for c in raw[kind])
    required = raw.get("required", False)
    if required not in REQUIRED_MODES:
        raise where.fail(f"required must be true, false or 'strict', got {required!r}", line)
    unknown_without = raw.get("unknown_without")
    if unknown_without is not None and unknown_without not in SOURCE_KINDS:
        raise where.fail(f"unknown_without {unknown_without!r} is not one of "
                         f"{list(SOURCE_KINDS)}", line)
    cid = raw.get("id")
    if cid is not None and (not isinstance(cid, str) or not cid.isidentifier()):
        raise where.fail(f"condition id must be an identifier (a_b_c), got {cid!r}", line)
    return Condition(
        kind=kind, spec=spec, children=children, id=cid,
        weight=_number(raw.get("weight", 0.0), "weight", where, lo=-1.0, hi=1.0, line=line),
        required=REQUIRED_MODES[required],
        evidence=_opt_text(raw.get("evidence"), "evidence", where),
        missing=_opt_text(raw.get("missing"), "missing", where),
        unknown_without=unknown_without,
        cite=_strings(raw.get("cite", []), "cite", where), line=line,
    )


def _fact_spec(raw: dict, where: _Where, line: int | None) -> dict:
    name = raw["fact"]
    if not isinstance(name, str) or not name.isidentifier():
        raise where.fail(f"fact must name a fact or computed value, got {name!r}", line)
    ops = [op for op in FACT_OPS if op in raw]
    if len(ops) != 1:
        raise where.fail(f"a fact condition needs exactly one of {list(FACT_OPS)}", line)
    op, value = ops[0], raw[ops[0]]
    if op in ("gt", "gte", "lt", "lte") and (isinstance(value, bool)
                                             or not isinstance(value, (int, float))):
        raise where.fail(f"{op} compares with a number, got {value!r}", line)
    if op == "in" and not isinstance(value, list):
        raise where.fail("in takes a list of values", line)
    known_when = raw.get("known_when")
    if known_when is not None and not (isinstance(known_when, str) and known_when.isidentifier()):
        raise where.fail(f"known_when must name a fact, got {known_when!r}", line)
    if op == "is" and value is None and known_when is None:
        raise where.fail("'is: null' needs known_when (which fact tells absent from unknown)",
                         line)
    return {"fact": name, "op": op, "value": value, "known_when": known_when}


def _event_spec(raw: Any, kind: str, where: _Where, line: int | None) -> dict:
    if isinstance(raw, (str, list)):
        raw = {"tag": raw}
    if not isinstance(raw, dict):
        raise where.fail(f"{kind} takes a mapping with a tag", line)
    unknown = set(raw) - _EVENT_KEYS - {_LINE}
    if unknown:
        raise where.fail(f"unknown key(s) {sorted(unknown)} in {kind}; allowed: "
                         f"{sorted(_EVENT_KEYS)}", line)
    if "tag" not in raw:
        raise where.fail(f"{kind} needs a tag", line)
    within = raw.get("within_minutes")
    if within is not None:
        within = _number(within, "within_minutes", where, lo=0.0, hi=None, line=line)
    if kind == "near" and within is None:
        raise where.fail("near needs within_minutes", line)
    if ("field" in raw) != ("value" in raw):
        raise where.fail(f"{kind}: field and value go together", line)
    default_same_boot = kind != "event_present"
    return {
        "tags": _tags(raw["tag"], "tag", where, derived=True), "within": within,
        "field": raw.get("field"), "value": raw.get("value"),
        "same_boot": bool(raw.get("same_boot", default_same_boot)),
        "absorb": bool(raw.get("absorb", False)),
    }


def _alignment(raw: Any, where: _Where) -> AlignmentSpec | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise where.fail("alignment is a mapping with triggers and window_minutes")
    unknown = set(raw) - _ALIGN_KEYS - {_LINE}
    if unknown:
        raise where.fail(f"unknown key(s) {sorted(unknown)} in alignment", raw.get(_LINE))
    if "triggers" not in raw or "window_minutes" not in raw:
        raise where.fail("alignment needs triggers and window_minutes", raw.get(_LINE))
    return AlignmentSpec(
        triggers=_tags(raw["triggers"], "triggers", where, derived=True),
        window_minutes=_number(raw["window_minutes"], "window_minutes", where, lo=0.0, hi=None),
        min_triggers=int(_number(raw.get("min_triggers", 3), "min_triggers", where, lo=1)),
        min_episodes=int(_number(raw.get("min_episodes", 1), "min_episodes", where, lo=1)),
        draws=int(_number(raw.get("draws", 10_000), "draws", where, lo=100, hi=1_000_000)),
        label=_text(raw.get("label", "a trigger"), "label", where),
    )


def _remedy(raw: Any, where: _Where) -> Remedy:
    if isinstance(raw, str):
        return Remedy(text=(raw,))
    if not isinstance(raw, dict) or "text" not in raw:
        raise where.fail("a remediation item is a string or a mapping with text (and if)")
    unknown = set(raw) - {"text", "if", _LINE}
    if unknown:
        raise where.fail(f"unknown key(s) {sorted(unknown)} in remediation", raw.get(_LINE))
    when = raw.get("if")
    return Remedy(text=_templates(raw["text"], "remediation text", where),
                  when=_condition(when, where, top=False) if when is not None else None)


def _tags(raw: Any, key: str, where: _Where, *, derived: bool) -> tuple[str, ...]:
    tags = _strings([raw] if isinstance(raw, str) else raw, key, where)
    if not tags:
        raise where.fail(f"{key} needs at least one tag")
    for tag in tags:
        if tag.startswith("@") and (not derived or tag not in DERIVED_TAGS):
            allowed = list(DERIVED_TAGS) if derived else "none here"
            raise where.fail(f"{key}: unknown derived tag {tag!r} (derived tags: {allowed})")
    return tags


def _strings(raw: Any, key: str, where: _Where) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        raise where.fail(f"{key} must be a list of strings, got {raw!r}")
    return tuple(raw)


def _templates(raw: Any, key: str, where: _Where) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw.strip(),)
    return tuple(s.strip() for s in _strings(raw, key, where))


def _text(raw: Any, key: str, where: _Where) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise where.fail(f"{key} must be non-empty text")
    return raw.strip()


def _opt_text(raw: Any, key: str, where: _Where) -> str | None:
    return None if raw is None else _text(raw, key, where)


def _number(raw: Any, key: str, where: _Where, *, lo: float | None = None,
            hi: float | None = None, line: int | None = None) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise where.fail(f"{key} must be a number, got {raw!r}", line)
    if (lo is not None and raw < lo) or (hi is not None and raw > hi):
        raise where.fail(f"{key} {raw} is outside [{lo}, {hi}]", line)
    return float(raw)


def _evaluation_order(rules: dict[str, Rule]) -> tuple[Rule, ...]:
    """Suppressors first (a topological order); unknown ids and loops are errors."""
    for rule in rules.values():
        for other in rule.suppressed_by:
            if other not in rules:
                raise PatternError(f"suppressed_by names unknown rule {other!r}",
                                   file=rule.file, line=rule.line, pattern_id=rule.id)
    ordered: list[Rule] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(rule: Rule) -> None:
        if state.get(rule.id) == 2:
            return
        if state.get(rule.id) == 1:
            raise PatternError("suppressed_by forms a loop", file=rule.file, line=rule.line,
                               pattern_id=rule.id)
        state[rule.id] = 1
        for other in rule.suppressed_by:
            visit(rules[other])
        state[rule.id] = 2
        ordered.append(rule)

    for rule in rules.values():
        visit(rule)
    return tuple(ordered)
