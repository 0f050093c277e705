"""Parse stage: one small parser per log format, chosen by sniffing content.

Every parser module exposes the same three names::

    FORMAT: str                                   # e.g. "syslog"
    def sniff(sample: list[str]) -> float         # share (0..1) of the sample's non-blank
                                                  # lines this format recognises
    def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult

``lines`` are already decoded and split on ``\\n`` only (see DESIGN.md: a lone ``\\r`` or form
feed inside a line is content); a trailing ``\\r`` of CRLF files has been removed. ``parse``
never raises on bad input: a line its grammar does not know is counted in
``ParseResult.unparsed`` with a reason. ``first_line`` is the 1-based number of ``lines[0]``
in the source (chunks of a long file are parsed one after another).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..model import ParseResult

#: Parser modules, most specific first: on equal sniff scores the earlier one wins.
PARSER_MODULES = (
    "journal_json",
    "xend",
    "libxl",
    "serial",
    "xen_console",
    "rfc5424",
    "journal_monotonic",
    "dmesg_human",
    "dmesg",
    "syslog",
    "plain",
)

#: Below this sniff score a specific format is not trusted and the plain parser is used.
MIN_SCORE = 0.5
SNIFF_LINES = 200


def parser_for(name: str) -> ModuleType:
    """The parser module of a format name (``FORMAT``) or module name."""
    for mod_name in PARSER_MODULES:
        mod = importlib.import_module(f"{__name__}.{mod_name}")
        if name in (mod_name, mod.FORMAT):
            return mod
    raise KeyError(name)


def sniff(sample: list[str]) -> ModuleType:
    """The parser whose grammar recognises most of ``sample`` (first lines of a source)."""
    sample = [ln for ln in sample[: SNIFF_LINES * 5] if ln.strip()][:SNIFF_LINES]
    best, best_score = None, 0.0
    for mod_name in PARSER_MODULES:
        mod = importlib.import_module(f"{__name__}.{mod_name}")
        if mod_name == "plain":
            continue
        score = mod.sniff(sample) if sample else 0.0
        if score > best_score:
            best, best_score = mod, score
    if best is None or best_score < MIN_SCORE:
        return importlib.import_module(f"{__name__}.plain")
    return best


def parse(lines: list[str], *, source: str = "", first_line: int = 1,
          fmt: str | None = None) -> ParseResult:
    """Parse ``lines`` with the named format, or the sniffed one."""
    mod = parser_for(fmt) if fmt else sniff(lines)
    return mod.parse(lines, source=source, first_line=first_line)
