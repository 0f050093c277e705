"""Time zones: which zone naive local times are read in, and turning them into UTC.

A syslog line ``Mar  9 17:45:01 dom0 kernel: ...`` says nothing about its zone. The zone is
``--tz`` when given, else the host's own zone from its sosreport (``etc/timezone``), else UTC::

    >>> resolve_zone(tz_option=None, host_tz="Europe/Berlin")
    ('Europe/Berlin', 'timestamps without zone read as Europe/Berlin (the host zone from its sosreport; use --tz to change)')

Local times that a DST change makes ambiguous (the repeated hour in autumn) or nonexistent
(the skipped hour in spring) never raise: ambiguous ones are inferred from the order of the
lines around them where pandas can, else read as the first (summer-time) occurrence; skipped
ones move forward to the first valid instant.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from ..errors import UsageError

UTC = "UTC"


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


def resolve_zone(*, tz_option: str | None, host_tz: str | None) -> tuple[str, str]:
    """The IANA zone for naive times and a note saying where it came from.

    A bad ``--tz`` is a usage error (the user typed it); a bad host zone from a sosreport is
    input we count, not a crash: it falls back to UTC and the note says so.
    """
    if tz_option:
        if not _valid_zone(tz_option):
            raise UsageError(f"--tz {tz_option!r} is not an IANA time zone name; "
                             "use a name such as UTC, Europe/Berlin or America/New_York")
        return tz_option, f"timestamps without zone read as {tz_option} (--tz)"
    if host_tz:
        if _valid_zone(host_tz):
            return host_tz, (f"timestamps without zone read as {host_tz} (the host zone from its "
                             "sosreport; use --tz to change)")
        return UTC, (f"the sosreport's time zone {host_tz!r} is not a known zone; timestamps "
                     "without zone read as UTC (use --tz to change)")
    return UTC, "timestamps without zone read as UTC (use --tz to change)"


def parse_collected(text: str | None, *, zone: str) -> pd.Timestamp | None:
    """The aware UTC instant of a sosreport ``date`` file (``Mon Mar  9 17:45:01 CET 2009``).

    Parsed once with dateparser (any style); a string without a zone is read in ``zone``.
    None when there is no text or it is not a date.
    """
    if not text or not text.strip():
        return None
    import dateparser

    line = text.strip().splitlines()[0].strip()
    try:
        parsed = dateparser.parse(line, settings={"PREFER_DAY_OF_MONTH": "first"})
    except Exception:  # dateparser raises assorted errors on odd input; a bad date is no date
        return None
    if parsed is None:
        return None
    stamp = pd.Timestamp(parsed)
    if stamp.tzinfo is None:
        stamp = localize_naive(pd.Series([stamp]), zone=zone)[0].iloc[0]
        if pd.isna(stamp):
            return None
    return stamp.tz_convert(UTC)


def localize_naive(naive: pd.Series, *, zone: str,
                   groups: np.ndarray | None = None) -> tuple[pd.Series, int, int]:
    """Naive local datetimes -> aware UTC, never raising on DST edges.

    Returns ``(utc, ambiguous, nonexistent)``: the UTC series (same index, NaT where the input is
    NaT) and how many values were ambiguous or skipped by a DST change. ``groups`` (one code per
    value, e.g. the source) lets ambiguous times be inferred from the order within each group.
    """
    idx = pd.DatetimeIndex(naive.to_numpy(dtype="datetime64[ns]"))
    if zone == UTC:
        return pd.Series(idx.tz_localize(UTC), index=naive.index), 0, 0
    strict = idx.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    bad = np.asarray(strict.isna() & ~idx.isna())
    if not bad.any():
        return pd.Series(strict.tz_convert(UTC), index=naive.index), 0, 0
    shifted = idx.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    ambiguous = np.asarray(shifted.isna() & ~idx.isna())
    n_ambiguous = int(ambiguous.sum())
    n_nonexistent = int(bad.sum()) - n_ambiguous
    out = shifted.tz_convert(UTC).to_numpy(dtype="datetime64[ns]").copy()
    if n_ambiguous:
        codes = np.zeros(len(idx), dtype=np.int64) if groups is None else np.asarray(groups)
        for code in np.unique(codes[ambiguous]):
            member = codes == code
            part = idx[member]
            try:
                loc = part.tz_localize(zone, ambiguous="infer", nonexistent="shift_forward")
            except Exception:  # pandas cannot infer (unordered lines): read as summer time
                loc = part.tz_localize(zone, ambiguous=np.ones(len(part), dtype=bool),
                                       nonexistent="shift_forward")
            fill = ambiguous & member
            out[fill] = loc.tz_convert(UTC).to_numpy(dtype="datetime64[ns]")[ambiguous[member]]
    utc = pd.Series(pd.DatetimeIndex(out).tz_localize(UTC), index=naive.index)
    return utc, n_ambiguous, n_nonexistent
