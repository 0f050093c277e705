"""The pattern library: YAML files of known kernel, Xen and toolstack messages, validated on load.

A pattern file (``patterns/xen_netback.yaml``) holds a YAML list of patterns::

    - id: xen.netback.memory_squeeze
      regex: '^(?:xen_net: )?Memory squeeze in netback driver\\.?$'
      category: xen.network
      severity: error
      description: Dom0 netback could not get a page from Xen for a flipping receiver.
      examples:
        match: ['xen_net: Memory squeeze in netback driver.']
        no_match: ['xen_net: Failed to parse network rate limit. Traffic unlimited.']

Keys (anything else is an error naming file, line and pattern id):

- ``id`` dotted lowercase, unique within a directory; a later directory (``--patterns DIR``)
  replaces a pattern of the same id.
- ``regex`` an RE2 regex applied to the event's message body, or a list of variant regexes
  (first match wins; the variant's index is recorded as field ``variant``); a variant may be
  ``{regex: ..., fields: {driver: aacraid}}`` to add constant fields. Named groups become
  ``fields``; all-digit values become ints (zero-padded ones, such as addresses, stay text).
- ``category``, ``severity`` (debug|info|warning|error|critical), ``description``.
- ``examples``: ``match:`` lines the library must tag with this id, ``no_match:`` look-alikes it
  must not. An example is a string or ``{message: ..., program: ...}``; a string example of a
  pattern restricted by ``program`` is tried with the first program listed.
- optional ``hint`` (literal substring, or a list: any of them) used by the prefilter; without
  it a required literal is derived from the regex when possible, else the pattern is tried on
  every line.
- optional ``multiline``: how following lines of a block join this event (see ``Multiline``).
- optional ``remediation`` (text or list), ``links`` (list), ``priority`` (int, default 0;
  higher wins when several patterns match), ``program`` (name or list; ``~`` means a line
  without program), ``flags`` (``ignorecase``).

``load_library()`` returns a ``PatternLibrary``; ``analyzer.tag.tag_events`` applies it.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator, Sequence

import re2
import yaml

from .errors import PatternError, UsageError
from .model import SEVERITIES

PATTERN_KEYS = frozenset({
    "id", "regex", "category", "severity", "description", "examples", "hint", "multiline",
    "remediation", "links", "priority", "program", "flags",
})
REQUIRED_KEYS = ("id", "regex", "category", "severity", "description", "examples")
EXAMPLE_KEYS = frozenset({"match", "no_match"})
EXAMPLE_ITEM_KEYS = frozenset({"message", "program"})
MULTILINE_KEYS = frozenset({"until", "max_lines", "continue", "end", "skip"})
UNTIL_MODES = ("nomatch", "blank", "unindented", "header")
FLAGS = frozenset({"ignorecase"})

#: Hard bound on a block's size, whatever a pattern asks for (a runaway block must not swallow
#: the log).
MAX_BLOCK_LINES = 2000
DEFAULT_BLOCK_LINES = 60
#: A derived prefilter literal shorter than this is useless; the pattern is then always tried.
MIN_HINT_LENGTH = 3

ID_RE = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)+$")
GROUP_NAME_RE = re.compile(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>")
VERSION_FILE = "VERSION"
USER_VERSION_SUFFIX = "+user"


def re2_options(*, ignorecase: bool = False) -> "re2.Options":
    """RE2 options that never log to stderr (invalid user patterns are our errors, not noise)."""
    options = re2.Options()
    options.log_errors = False
    if ignorecase:
        options.case_sensitive = False
    return options


def compile_re2(regex: str, *, ignorecase: bool = False):
    """Compile with RE2 (linear time); raises ``ValueError`` with RE2's reason when invalid."""
    try:
        return re2.compile(regex, options=re2_options(ignorecase=ignorecase))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(str(reason)) from None


@dataclass(frozen=True)
class Example:
    """One example line of a pattern: ``expect`` is "match" or "no_match"."""

    message: str
    expect: str
    program: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Multiline:
    """How the lines after a header join its event (a block such as an oops or an OOM report).

    A following line joins when it matches one of ``continue_`` or ``end`` (``end`` also closes
    the block), or otherwise by ``until``:

    - ``nomatch``: nothing else joins; the first other line ends the block (the default).
    - ``blank``: every line joins up to a blank one.
    - ``unindented``: indented lines join; the first unindented one ends the block.
    - ``header``: every line joins up to the next line some pattern tags.

    With ``blank``/``unindented``/``header`` a line another pattern tags ends the block unless it
    matches ``continue_``. ``skip`` tolerates that many foreign lines in a row inside the block
    (other drivers' messages interleaved with a stack dump): they stay events of their own.
    ``max_lines`` bounds the block (header included).
    """

    continue_: tuple[str, ...] = ()
    end: tuple[str, ...] = ()
    until: str = "nomatch"
    max_lines: int = DEFAULT_BLOCK_LINES
    skip: int = 0


@dataclass(frozen=True)
class Pattern:
    """One validated pattern (see the module docstring for the keys)."""

    id: str
    regex: str | tuple[str, ...]
    category: str
    severity: str
    description: str
    examples: tuple[Example, ...] = ()
    hint: str | tuple[str, ...] | None = None  # as written in the file
    hints: tuple[str, ...] = ()  # effective prefilter literals (any of); () = always tried
    multiline: Multiline | None = None
    remediation: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    priority: int = 0
    program: tuple[str, ...] | None = None  # lower-case names; "" = a line without program
    flags: tuple[str, ...] = ()
    file: str = ""
    line: int = 0
    #: constant fields per variant (``regex: [{regex: ..., fields: {driver: aacraid}}, ...]``)
    variant_fields: tuple = ()

    @cached_property
    def compiled(self) -> tuple:
        """The variants compiled with RE2 (validated at load, so this cannot fail there)."""
        return tuple(compile_re2(rx, ignorecase=self.ignorecase) for rx in self.variants)

    def to_dict(self) -> dict:
        """Plain data (lists, dicts, text) in the file's key names, e.g. for YAML output."""
        d = {"id": self.id, "regex": list(self.variants) if isinstance(self.regex, tuple)
             else self.regex, "category": self.category, "severity": self.severity,
             "description": self.description, "hint": list(self.hints),
             "priority": self.priority, "program": ([p or None for p in self.program]
                                                    if self.program is not None else None),
             "flags": list(self.flags), "remediation": list(self.remediation),
             "links": list(self.links), "file": self.file, "line": self.line}
        if self.variant_fields:
            d["variant_fields"] = [dict(f) for f in self.variant_fields]
        if self.multiline:
            m = self.multiline
            d["multiline"] = {"until": m.until, "max_lines": m.max_lines, "skip": m.skip,
                              "continue": list(m.continue_), "end": list(m.end)}
        d["examples"] = {
            "match": [e.message for e in self.examples if e.expect == "match"],
            "no_match": [e.message for e in self.examples if e.expect == "no_match"]}
        return d

    @property
    def variants(self) -> tuple[str, ...]:
        return self.regex if isinstance(self.regex, tuple) else (self.regex,)

    @property
    def ignorecase(self) -> bool:
        return "ignorecase" in self.flags

    def matches_program(self, program: str | None) -> bool:
        return self.program is None or (program or "").lower() in self.program

    def match(self, message: str) -> dict | None:
        """The fields of the first variant that matches ``message`` (search), else None."""
        for index, rx in enumerate(self.compiled):
            m = rx.search(message)
            if m is not None:
                fields = dict(self.variant_fields[index]) if self.variant_fields else {}
                fields.update((k, _field_value(v)) for k, v in m.groupdict().items()
                              if v is not None)
                if len(self.compiled) > 1:
                    fields["variant"] = index
                return fields
        return None


def _field_value(value: str):
    """All-digit values become ints, except zero-padded ones (addresses, hex without 0x)."""
    if value.isdigit() and value.isascii() and (value == "0" or value[0] != "0"):
        return int(value)
    return value


@dataclass(frozen=True)
class ExampleFailure:
    """An example that the library does not treat as its pattern says."""

    pattern_id: str
    file: str
    line: int
    message: str
    expect: str  # "match" | "no_match"
    got: str | None  # the id the library tagged the example with (None: untagged)

    def __str__(self) -> str:
        if self.expect == "match":
            what = f"tagged {self.got}" if self.got else "not tagged"
            return f"{self.file}:{self.line} ({self.pattern_id}): example {self.message!r} is {what}"
        return (f"{self.file}:{self.line} ({self.pattern_id}): no_match example "
                f"{self.message!r} is tagged {self.pattern_id}")


class UnknownPatternError(UsageError, KeyError):
    """``PatternLibrary.get`` of an id the library does not have."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass
class PatternLibrary:
    """The patterns of the built-in library plus any user directories, in load order."""

    version: str
    patterns: list[Pattern]
    dirs: tuple[Path, ...] = ()
    _by_id: dict = field(default_factory=dict, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)  # compiled matcher (analyzer.tag)

    def __post_init__(self) -> None:
        self._by_id = {p.id: p for p in self.patterns}

    def get(self, id: str) -> Pattern:  # noqa: A002 - the contract's name
        try:
            return self._by_id[id]
        except KeyError:
            raise UnknownPatternError(
                f"unknown pattern id {id!r}: `kernlog patterns list` shows the ids") from None

    def __contains__(self, id: object) -> bool:
        return id in self._by_id

    def __iter__(self) -> Iterator[Pattern]:
        return iter(self.patterns)

    def __len__(self) -> int:
        return len(self.patterns)

    def test_examples(self) -> list[ExampleFailure]:
        """Run every example through the whole library (priorities and prefilter included)."""
        from .tag import match_messages

        cases = [(p, ex) for p in self.patterns for ex in p.examples]
        programs = [ex.program if ex.program is not None
                    else (p.program[0] or None if p.program else None) for p, ex in cases]
        tags = match_messages([ex.message for _, ex in cases], programs, self)[0]
        failures = []
        for (p, ex), got in zip(cases, tags):
            ok = got == p.id if ex.expect == "match" else got != p.id
            if not ok:
                failures.append(ExampleFailure(p.id, p.file, ex.line or p.line, ex.message,
                                               ex.expect, got))
        return failures


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
    return [Path(__file__).resolve().parents[1] / "patterns"]


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
    loader = yaml.SafeLoader(text)
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


# ---------------------------------------------------------------------------------------------
# Deriving a prefilter literal from a regex


def derive_hints(variants: Sequence[str]) -> tuple[str, ...]:
    """Literals one of which every match of any variant contains; () when none can be found.

    >>> derive_hints([r'^(?:xen_net: )?Memory squeeze in netback driver\\.?$'])
    ('Memory squeeze in netback driver',)
    """
    hints: list[str] = []
    for regex in variants:
        found = _required_literals(regex)
        if not found:
            return ()
        hints.extend(h for h in found if h not in hints)
    return tuple(hints)


def _required_literals(regex: str) -> tuple[str, ...] | None:
    import re._constants as c
    import re._parser as sre_parse

    try:
        parsed = sre_parse.parse(regex)
    except (re.error, OverflowError, RecursionError):
        return None  # RE2-only syntax: no hint, the pattern is always tried
    if parsed.state.flags & (c.SRE_FLAG_IGNORECASE | c.SRE_FLAG_VERBOSE) or "(?i" in regex:
        return None  # case-folded: the prefilter would need the pattern's ignorecase flag

    def best(options: list[tuple[str, ...]]) -> tuple[str, ...] | None:
        options = [o for o in options if o and min(map(len, o)) >= MIN_HINT_LENGTH]
        return max(options, key=lambda o: (min(map(len, o)), -len(o)), default=None)

    def seq(items) -> tuple[str, ...] | None:
        options: list[tuple[str, ...]] = []
        run: list[str] = []

        def flush() -> None:
            if run:
                options.append(("".join(run),))
                run.clear()

        for op, arg in items:
            if op is c.LITERAL:
                run.append(chr(arg))
                continue
            flush()
            if op is c.SUBPATTERN:
                sub = seq(arg[3])
                if sub:
                    options.append(sub)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and arg[0] >= 1:
                sub = seq(arg[2])
                if sub:
                    options.append(sub)
            elif op is c.BRANCH:
                branches = [seq(b) for b in arg[1]]
                if all(branches):
                    options.append(tuple(dict.fromkeys(h for b in branches for h in b)))
        flush()
        return best(options)

    return seq(parsed)
