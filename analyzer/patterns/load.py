"""Loading and validating pattern files (YAML), with file, line and pattern id in every error."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any, Sequence

import yaml

from ..errors import PatternError
from ..model import SEVERITIES

from .hints import derive_hints
from .types import (DEFAULT_BLOCK_LINES, EXAMPLE_ITEM_KEYS, EXAMPLE_KEYS, FLAGS, GROUP_NAME_RE, ID_RE,
                    MAX_BLOCK_LINES, MULTILINE_KEYS, PATTERN_KEYS, REQUIRED_KEYS, UNTIL_MODES,
                    USER_VERSION_SUFFIX, VERSION_FILE, Example, ExampleFailure, Multiline,
                    Pattern, PatternLibrary, compile_re2)

#: libyaml's SafeLoader when PyYAML was built with it (10x faster: the library loads at every
#: start), else the pure-Python one; both keep the node marks the errors quote.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# ---------------------------------------------------------------------------------------------
# Loading


def library_dirs() -> list[Path]:
    """The built-in library: ``analyzer/_patterns`` in an installed wheel, else ``patterns/``."""
    try:
        packaged = importlib.resources.files("analyzer") / "_patterns"
        if packaged.is_dir():
            return [Path(str(packaged))]
    except (ModuleNotFoundError, NotADirectoryError):  # pragma: no cover - odd installs
        pass
    return [Path(__file__).resolve().parents[2] / "patterns"]  # analyzer/patterns/load.py


def load_library(extra_dirs: Sequence[Path] = (), *, check_examples: bool = False
                 ) -> PatternLibrary:
    """Load the built-in library and ``extra_dirs`` (a user pattern replaces the same id).

    Raises ``PatternError`` naming file, line and pattern id for anything invalid; with
    ``check_examples`` also for the first example the library gets wrong.
    """
    builtin = library_dirs()
    merged: dict[str, Pattern] = {}
    for directory in [*builtin, *map(Path, extra_dirs)]:
        for pattern in load_dir(directory):
            merged.pop(pattern.id, None)  # a replacement takes the new position (its file order)
            merged[pattern.id] = pattern
    version = read_version(builtin[0])
    if extra_dirs:
        version += USER_VERSION_SUFFIX
    library = PatternLibrary(version=version, patterns=list(merged.values()),
                             dirs=tuple([*builtin, *map(Path, extra_dirs)]))
    if check_examples:
        failures = library.test_examples()
        if failures:
            first = failures[0]
            more = f" ({len(failures) - 1} more failing examples)" if len(failures) > 1 else ""
            raise PatternError(f"{_failure_text(first)}{more}; fix the regex or the example",
                               file=first.file, line=first.line, pattern_id=first.pattern_id)
    return library


def _failure_text(f: ExampleFailure) -> str:
    if f.expect == "match":
        return f"example {f.message!r} is " + (f"tagged {f.got}" if f.got else "not tagged")
    return f"no_match example {f.message!r} is tagged with this pattern"


def read_version(directory: Path) -> str:
    path = Path(directory) / VERSION_FILE
    try:
        return path.read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        return "unknown"


def load_dir(directory: Path) -> list[Pattern]:
    """All patterns of the ``*.yaml``/``*.yml`` files directly in ``directory`` (sorted by name).

    Ids must be unique within a directory.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise PatternError(f"pattern directory {directory} does not exist; check --patterns",
                           file=str(directory))
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise PatternError(f"no *.yaml pattern files in {directory}", file=str(directory))
    seen: dict[str, Pattern] = {}
    out = []
    for path in files:
        for pattern in load_file(path):
            if pattern.id in seen:
                first = seen[pattern.id]
                raise PatternError(f"duplicate id (first defined at {first.file}:{first.line})",
                                   file=pattern.file, line=pattern.line, pattern_id=pattern.id)
            seen[pattern.id] = pattern
            out.append(pattern)
    return out


def load_file(path: Path) -> list[Pattern]:
    """The validated patterns of one YAML file (SafeLoader; line numbers from the node tree)."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PatternError(f"cannot read: {exc}", file=name) from None
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PatternError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=name,
                           line=mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise PatternError("a pattern file holds a YAML list of patterns", file=name, line=1)
    return [_build(item, item_node, name) for item, item_node in zip(data, node.value)]


def _key_lines(node: yaml.Node) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v.start_mark.line + 1 for k, v in node.value}


def _build(item: Any, node: yaml.Node, file: str) -> Pattern:
    line = node.start_mark.line + 1
    pid = item.get("id") if isinstance(item, dict) else None
    pid = pid if isinstance(pid, str) else None

    def fail(message: str, at: int | None = None) -> PatternError:
        return PatternError(message, file=file, line=at or line, pattern_id=pid)

    if not isinstance(item, dict):
        raise fail("a pattern is a mapping of keys (id, regex, category, ...)")
    lines = _key_lines(node)
    unknown = sorted(set(map(str, item)) - PATTERN_KEYS)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(PATTERN_KEYS))}",
                   lines.get(unknown[0]))
    for key in REQUIRED_KEYS:
        if key not in item:
            raise fail(f"missing key {key!r}")
    if pid is None or not ID_RE.match(pid):
        raise fail(f"id {item['id']!r} is not dotted lowercase (e.g. xen.netback.memory_squeeze)",
                   lines.get("id"))
    for key in ("category", "description"):
        if not isinstance(item[key], str) or not item[key].strip():
            raise fail(f"{key} must be non-empty text", lines.get(key))
    if item["severity"] not in SEVERITIES:
        raise fail(f"severity {item['severity']!r} is not one of {', '.join(SEVERITIES)}",
                   lines.get("severity"))

    flags = _str_list(item.get("flags"), "flags", fail, lines)
    bad_flags = sorted(set(flags) - FLAGS)
    if bad_flags:
        raise fail(f"unknown flag {bad_flags[0]!r}; allowed: {', '.join(sorted(FLAGS))}",
                   lines.get("flags"))
    ignorecase = "ignorecase" in flags

    raw_regex = item["regex"]
    variants, variant_fields = _variants(raw_regex, fail, lines.get("regex"))
    if not variants:
        raise fail("regex must be a regex or a non-empty list of regexes", lines.get("regex"))
    for rx in variants:
        _compile(rx, ignorecase, fail, lines.get("regex"))

    hint = item.get("hint")
    declared = _str_list(hint, "hint", fail, lines) if hint is not None else None
    if declared is not None and (not declared or not all(declared)):
        raise fail("hint must be non-empty literal text (or a list of them)", lines.get("hint"))
    hints = tuple(declared) if declared is not None else derive_hints(variants)

    priority = item.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise fail(f"priority must be an integer, not {priority!r}", lines.get("priority"))
    program = item.get("program")
    if program is not None:
        progs = program if isinstance(program, list) else [program]
        if not progs or not all(p is None or isinstance(p, str) for p in progs):
            raise fail("program must be a name or a list of names (~ for none)",
                       lines.get("program"))
        program = tuple("" if p is None else p.lower() for p in progs)

    multiline = _multiline(item.get("multiline"), fail, lines.get("multiline"))
    remediation = _str_list(item.get("remediation"), "remediation", fail, lines)
    links = _str_list(item.get("links"), "links", fail, lines)
    examples = _examples(item["examples"], node, fail, lines.get("examples"))
    return Pattern(
        id=pid, regex=variants[0] if isinstance(raw_regex, str) else tuple(variants),
        category=item["category"], severity=item["severity"], description=item["description"],
        examples=examples, hint=(hint if isinstance(hint, str) or hint is None else tuple(hint)),
        hints=hints, multiline=multiline, remediation=tuple(remediation), links=tuple(links),
        priority=priority, program=program, flags=tuple(sorted(set(flags))), file=file,
        line=line, variant_fields=variant_fields if any(variant_fields) else ())


def _variants(value: Any, fail, at: int | None) -> tuple[list[str], tuple[dict, ...]]:
    """Regex text per variant and its constant fields (a variant may be {regex:, fields:})."""
    values = value if isinstance(value, list) else [value]
    regexes, consts = [], []
    for v in values:
        if isinstance(v, dict):
            bad = sorted(set(map(str, v)) - {"regex", "fields"})
            fields = v.get("fields") or {}
            if bad or not isinstance(v.get("regex"), str) or not isinstance(fields, dict):
                raise fail("a regex variant is a regex or {regex: ..., fields: {name: value}}",
                           at)
            regexes.append(v["regex"])
            consts.append({str(k): val for k, val in fields.items()})
        elif isinstance(v, str):
            regexes.append(v)
            consts.append({})
        else:
            raise fail("regex must be a regex or a list of regexes", at)
    return regexes, tuple(consts)


def _str_list(value: Any, key: str, fail, lines: dict) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise fail(f"{key} must be text or a list of text", lines.get(key))
    return list(values)


def _compile(regex: str, ignorecase: bool, fail, at: int | None):
    names = GROUP_NAME_RE.findall(regex)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise fail(f"group name {dupes[0]!r} is used twice in one regex (RE2 forbids it): "
                   "make regex a list of variants", at)
    try:
        return compile_re2(regex, ignorecase=ignorecase)
    except ValueError as exc:
        raise fail(f"bad regex {regex!r}: {exc}", at) from None


def _multiline(value: Any, fail, at: int | None) -> Multiline | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise fail("multiline must be a mapping (continue, end, until, max_lines, skip)", at)
    unknown = sorted(set(map(str, value)) - MULTILINE_KEYS)
    if unknown:
        raise fail(f"unknown multiline key {unknown[0]!r}; allowed: "
                   f"{', '.join(sorted(MULTILINE_KEYS))}", at)
    until = value.get("until", "nomatch")
    if until not in UNTIL_MODES:
        raise fail(f"multiline until {until!r} is not one of {', '.join(UNTIL_MODES)}", at)
    max_lines = value.get("max_lines", DEFAULT_BLOCK_LINES)
    skip = value.get("skip", 0)
    for key, number, low in (("max_lines", max_lines, 2), ("skip", skip, 0)):
        if (not isinstance(number, int) or isinstance(number, bool)
                or not low <= number <= MAX_BLOCK_LINES):
            raise fail(f"multiline {key} must be an integer from {low} to {MAX_BLOCK_LINES}", at)
    parts = {}
    for key in ("continue", "end"):
        regexes = value.get(key) or []
        regexes = regexes if isinstance(regexes, list) else [regexes]
        if not all(isinstance(r, str) for r in regexes):
            raise fail(f"multiline {key} must be a list of regexes", at)
        for rx in regexes:
            _compile(rx, False, fail, at)
        parts[key] = tuple(regexes)
    if until == "nomatch" and not parts["continue"] and not parts["end"]:
        raise fail("multiline needs continue or end regexes (or until: blank|unindented|header)",
                   at)
    return Multiline(continue_=parts["continue"], end=parts["end"], until=until,
                     max_lines=max_lines, skip=skip)


def _examples(value: Any, node: yaml.Node, fail, at: int | None) -> tuple[Example, ...]:
    if not isinstance(value, dict):
        raise fail("examples must be a mapping with match: and no_match: lists", at)
    unknown = sorted(set(map(str, value)) - EXAMPLE_KEYS)
    if unknown:
        raise fail(f"unknown examples key {unknown[0]!r}; allowed: match, no_match", at)
    if not value.get("match"):
        raise fail("examples need at least one match: line", at)
    example_node = next((v for k, v in node.value if k.value == "examples"), None)
    item_lines = {str(k.value): [n.start_mark.line + 1 for n in getattr(v, "value", [])]
                  for k, v in getattr(example_node, "value", [])}
    out = []
    for expect in ("match", "no_match"):
        items = value.get(expect) or []
        if not isinstance(items, list):
            raise fail(f"examples {expect} must be a list", at)
        lines = item_lines.get(expect, [])
        for i, ex in enumerate(items):
            ex_line = lines[i] if i < len(lines) else at
            if isinstance(ex, dict):
                bad = sorted(set(map(str, ex)) - EXAMPLE_ITEM_KEYS)
                if bad or not isinstance(ex.get("message"), str):
                    raise fail("an example is a line or {message: ..., program: ...}", ex_line)
                out.append(Example(ex["message"], expect, ex.get("program"), ex_line))
            elif isinstance(ex, str):
                out.append(Example(ex, expect, None, ex_line))
            else:
                raise fail(f"example {ex!r} is not text", ex_line)
    return tuple(out)
