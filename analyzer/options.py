"""Options shared by every command, converted once at the CLI boundary and passed down frozen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

DEFAULT_MAX_LINE_BYTES = 64 * 1024
DEFAULT_MAX_FILE_BYTES = 2 * 1024 ** 3  # decompressed bytes read from one file
DEFAULT_MAX_FILES = 10_000  # files per host
DEFAULT_EPISODE_GAP_MINUTES = 10.0


@dataclass(frozen=True, kw_only=True)
class Options:
    """What every stage may need to know about the user's wishes.

    ``tz`` is an IANA zone name for timestamps that carry none (None: the host's own zone from
    its sosreport when known, else UTC). ``since``/``until`` are aware UTC datetimes (already
    parsed from what the user typed).
    """

    host: str | None = None
    patterns: tuple[Path, ...] = ()
    year: int | None = None
    tz: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    episode_gap_minutes: float = DEFAULT_EPISODE_GAP_MINUTES
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_files: int = DEFAULT_MAX_FILES
    extra: dict = field(default_factory=dict)
