"""Counting what a parser did not parse: reasons per line, with a few excerpts as warnings."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ..model import LineWarning, ParseResult
from ._common import strip_ansi

#: How many warnings (with excerpt) a parser keeps per unparsed reason.
WARNINGS_PER_REASON = 5
EXCERPT_CHARS = 120


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """At most ``limit`` characters of a raw line, as text (ANSI stripped, ``…`` when cut)."""
    text = strip_ansi(str(text)).rstrip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Tally:
    """Unparsed-line counter of one chunk, keeping a few warnings per reason.

    >>> t = Tally(source="dmesg.log", first_line=1, lines=["", "junk"])
    >>> t.add_mask("empty", np.array([True, False])); t.add("no_header", 1)
    >>> t.unparsed, t.total
    (Counter({'empty': 1, 'no_header': 1}), 2)
    """

    def __init__(self, *, source: str = "", first_line: int = 1,
                 lines: Sequence[str] = (), per_reason: int = WARNINGS_PER_REASON) -> None:
        self.source = source
        self.first_line = first_line
        self.lines = lines
        self.per_reason = per_reason
        self.unparsed: Counter = Counter()
        self.warnings: list[LineWarning] = []

    @property
    def total(self) -> int:
        return sum(self.unparsed.values())

    def add(self, reason: str, pos: int) -> None:
        """Count chunk position ``pos`` (0-based) as unparsed for ``reason``."""
        self.add_positions(reason, [pos])

    def add_mask(self, reason: str, mask: np.ndarray) -> None:
        """Count every chunk position where ``mask`` is True."""
        self.add_positions(reason, np.flatnonzero(np.asarray(mask, dtype=bool)))

    def add_positions(self, reason: str, positions: Iterable[int]) -> None:
        positions = np.asarray(list(positions) if not isinstance(positions, np.ndarray)
                               else positions, dtype=np.int64)
        if not len(positions):
            return
        have = self.unparsed[reason]
        self.unparsed[reason] += int(len(positions))
        room = max(0, self.per_reason - min(have, self.per_reason))
        for p in positions[:room].tolist():
            raw = self.lines[p] if p < len(self.lines) else ""
            self.warnings.append(LineWarning(self.source, self.first_line + p, reason,
                                             excerpt(raw)))


def build_result(fmt: str, events: pd.DataFrame, *, n_lines: int, tally: Tally,
                 leading_repeats: int = 0, boot_markers: int = 0) -> ParseResult:
    """The ParseResult; ``lines_parsed`` is every line the tally did not count as unparsed."""
    return ParseResult(format=fmt, events=events, lines_parsed=n_lines - tally.total,
                       unparsed=tally.unparsed, warnings=tally.warnings,
                       leading_repeats=leading_repeats, boot_markers=boot_markers)
