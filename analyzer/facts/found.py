"""One fact found in a file or a log event, with where it was found.

    Found(value=8190, line=14, text="total_memory           : 8190")

Every fact parser returns ``dict[str, Found]``; the combiner turns the location into the
report's provenance (``{"source": path, "line": n, "text": excerpt}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EXCERPT_CHARS = 160


@dataclass(frozen=True)
class Found:
    value: Any
    line: int | None  # 1-based line in the file or log source (None: a default, not a line)
    text: str  # short raw excerpt, or a few words saying where a default came from
    source: str | None = None  # path (the contract ``source``); set by the combiner for files


def excerpt(text: str) -> str:
    """The raw text trimmed to at most EXCERPT_CHARS characters."""
    text = text.strip()
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` pairs, split on ``\\n`` only (DESIGN.md's line definition).

    A trailing ``\\r`` (CRLF files) is removed; the final line counts even without ``\\n``.
    """
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [(n, p[:-1] if p.endswith("\r") else p) for n, p in enumerate(parts, 1)]
