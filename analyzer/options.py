"""Options shared by every command, converted once at the CLI boundary and passed down frozen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .errors import UsageError

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


def resolve_zone(name: str):
    """A ``zoneinfo.ZoneInfo`` for ``name``, or UsageError naming the bad value."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UsageError(
            f"unknown time zone {name!r}: use an IANA name such as UTC, Europe/Berlin or "
            "America/New_York") from None


def parse_when(text: str, *, tz: str | None = None) -> datetime:
    """What a person typed ("2009-03-06 14:00", "yesterday") as an aware UTC datetime.

    dateparser's home: it is called once per option value, never per log line.
    """
    import dateparser

    settings = {
        "TIMEZONE": tz or "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
    }
    value = dateparser.parse(text, settings=settings)
    if value is None:
        raise UsageError(f"cannot read the time {text!r}: try e.g. \"2009-03-06 14:00\", "
                         "\"2009-03-06T14:00:00Z\" or \"3 days ago\"")
    return value.astimezone(timezone.utc)


def build_options(*, host: str | None = None, patterns: tuple = (), year: int | None = None,
                  tz: str | None = None, since: str | datetime | None = None,
                  until: str | datetime | None = None,
                  episode_gap_minutes: float = DEFAULT_EPISODE_GAP_MINUTES,
                  max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
                  max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
                  max_files: int = DEFAULT_MAX_FILES) -> Options:
    """Validate what the user gave and return frozen Options (UsageError names bad values)."""
    if tz is not None:
        resolve_zone(tz)
    if year is not None and not 1970 <= year <= 2100:
        raise UsageError(f"--year {year} is out of range (1970 to 2100)")
    if episode_gap_minutes <= 0:
        raise UsageError(f"--episode-gap must be positive minutes, not {episode_gap_minutes}")
    if max_line_bytes < 80:
        raise UsageError(f"--max-line-bytes must be at least 80, not {max_line_bytes}")
    if max_file_bytes < 1:
        raise UsageError(f"--max-file-bytes must be positive, not {max_file_bytes}")
    if max_files < 1:
        raise UsageError(f"the files-per-host limit must be positive, not {max_files}")
    since_dt = parse_when(since, tz=tz) if isinstance(since, str) else since
    until_dt = parse_when(until, tz=tz) if isinstance(until, str) else until
    if since_dt and until_dt and since_dt > until_dt:
        raise UsageError(f"--since ({since_dt:%Y-%m-%d %H:%M} UTC) is after --until "
                         f"({until_dt:%Y-%m-%d %H:%M} UTC)")
    for p in patterns:
        if not Path(p).is_dir():
            raise UsageError(f"--patterns {p}: not a directory")
    return Options(host=host, patterns=tuple(Path(p) for p in patterns), year=year, tz=tz,
                   since=since_dt, until=until_dt, episode_gap_minutes=episode_gap_minutes,
                   max_line_bytes=max_line_bytes, max_file_bytes=max_file_bytes,
                   max_files=max_files)
