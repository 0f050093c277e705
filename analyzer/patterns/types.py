"""Pattern library types: a pattern, its examples and multi-line rule, the library, RE2."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterator

import re2

from ..errors import UsageError

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

__all__ = [
    "PATTERN_KEYS",
    "REQUIRED_KEYS",
    "EXAMPLE_KEYS",
    "EXAMPLE_ITEM_KEYS",
    "MULTILINE_KEYS",
    "UNTIL_MODES",
    "FLAGS",
    "MAX_BLOCK_LINES",
    "DEFAULT_BLOCK_LINES",
    "MIN_HINT_LENGTH",
    "ID_RE",
    "GROUP_NAME_RE",
    "VERSION_FILE",
    "USER_VERSION_SUFFIX",
    "re2_options",
    "compile_re2",
    "Example",
    "Multiline",
    "Pattern",
    "ExampleFailure",
    "UnknownPatternError",
    "PatternLibrary",
]


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
        from ..tag import match_messages

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
