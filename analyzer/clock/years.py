"""Years for year-less timestamps (RFC 3164 syslog, journal ``short``)::

    Dec 31 23:59:58 dom0 kernel: [ 9811.112233] xen_net: Memory squeeze in netback driver.
    Jan  1 00:00:03 dom0 kernel: [ 9816.001122] printk: 12 messages suppressed.

The parser gives these the placeholder year 2000 (a leap year, so Feb 29 survives). Walking
BACKWARDS from the newest line of each rotated family (``kern.log.3`` oldest ... ``kern.log``
newest), every time the month-day goes up by more than a day (Jan -> Dec) the year goes down by
one. The newest line's year is the *anchor*: ``--year``; else the year of the sosreport's
``date`` file (minus one when the newest line would lie in the future of the collection, e.g.
December lines collected in March); else the year that lets the family overlap a dated source of
the same host (xend.log, journal JSON, rfc5424, ``dmesg -T``); else the current year (said
loudly in the notes: it is an assumption). All of it is array arithmetic, no loop per line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY_NS = 86_400 * 10**9
#: Month-day going up by more than this when walking backwards is a New Year, not jitter.
ROLLOVER_NS = DAY_NS
#: A newest line later than the collection by more than this is last year's.
FUTURE_SLACK_NS = DAY_NS
PLACEHOLDER_YEAR = 2000
_Y2000 = np.datetime64("2000-01-01", "ns").astype(np.int64)
_MAR1_2000 = np.datetime64("2000-03-01", "ns").astype(np.int64)

SOURCE_OPTION = "option"
SOURCE_COLLECTED = "collected"
SOURCE_DATED = "source:"  # + the dated source's path


@dataclass
class YearBase:
    """Where the anchor year comes from (the first one set wins)."""

    option: int | None = None
    collected_local: pd.Timestamp | None = None  # naive, in the zone of the log's times
    collected_text: str | None = None
    dated_spans: list[tuple[str, int, int]] | None = None  # (source, min ns, max ns) naive local


def set_year(wall2000: np.ndarray, year: np.ndarray) -> np.ndarray:
    """Move placeholder-year (2000) times into ``year`` (per value); Feb 29 of a common year is NaT.

    ``wall2000`` is int64 ns (NaT = min int64); returns int64 ns.
    """
    wall = np.asarray(wall2000, dtype=np.int64)
    year = np.asarray(year, dtype=np.int64)
    jan1 = (year - 1970).astype("datetime64[Y]").astype("datetime64[ns]").astype(np.int64)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    after_feb = wall >= _MAR1_2000
    out = wall - _Y2000 + jan1 - np.where(~leap & after_feb, DAY_NS, 0)
    feb29 = (wall >= _MAR1_2000 - DAY_NS) & ~after_feb & ~leap
    nat = np.iinfo(np.int64).min
    out[feb29 | (wall == nat)] = nat
    return out


def years_back(wall2000: np.ndarray, group: np.ndarray) -> np.ndarray:
    """For rows in chronological order (groups contiguous): how many New Years lie after each row.

    0 for the newest stretch of a group, 1 for the stretch before the last rollover, ...
    NaT rows take the value of the row after them.
    """
    n = len(wall2000)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    wall = pd.Series(np.where(wall2000 == np.iinfo(np.int64).min, np.nan, wall2000.astype(float)))
    wall = wall.groupby(group).bfill().groupby(group).ffill().to_numpy()
    up = np.zeros(n, dtype=bool)
    same = group[:-1] == group[1:]
    with np.errstate(invalid="ignore"):
        up[:-1] = same & ((wall[:-1] - wall[1:]) > ROLLOVER_NS)
    rev = pd.Series(up[::-1].astype(np.int64))
    back = rev.groupby(group[::-1]).cumsum().to_numpy()[::-1]
    return back.astype(np.int64)


def anchor_year(wall2000: np.ndarray, back: np.ndarray,
                base: YearBase) -> tuple[int | None, str | None, str]:
    """The newest stretch's year for one family: ``(year, year_source, note)``; year and
    source are None when nothing dates the family.

    ``wall2000``/``back``: the family's rows (int64 ns, years_back values).
    """
    valid = wall2000 != np.iinfo(np.int64).min
    if base.option is not None:
        return base.option, SOURCE_OPTION, f"--year {base.option}"
    newest = wall2000[valid & (back == 0)]
    if base.collected_local is not None:
        coll = base.collected_local
        year = coll.year
        coll2000 = _to_2000(coll)
        if len(newest) and newest.max() > coll2000 + FUTURE_SLACK_NS:
            year -= 1
        return year, SOURCE_COLLECTED, f"the collection date ({base.collected_text})"
    if base.dated_spans:
        best = _best_overlap(wall2000[valid], back[valid], base.dated_spans)
        if best is not None:
            year, source = best
            return year, SOURCE_DATED + source, source
    return None, None, "nothing dated"  # never invented: the times stay unknown


def _to_2000(stamp: pd.Timestamp) -> int:
    """A naive timestamp's month-day-time in the placeholder year, as int64 ns."""
    s = pd.Timestamp(stamp)
    return pd.Timestamp(PLACEHOLDER_YEAR, s.month, s.day, s.hour, s.minute, s.second,
                        s.microsecond).as_unit("ns").value


def _best_overlap(wall2000: np.ndarray, back: np.ndarray,
                  spans: list[tuple[str, int, int]]) -> tuple[int, str] | None:
    """The anchor year whose placement overlaps a dated source most (else lies nearest to one)."""
    if not len(wall2000):
        return None
    # the family's extent per stretch, in placeholder time; candidates shift them by whole years
    stretches = pd.DataFrame({"b": back, "w": wall2000}).groupby("b")["w"].agg(["min", "max"])
    years = {pd.Timestamp(lo).year for _, lo, _ in spans} | {pd.Timestamp(hi).year
                                                             for _, _, hi in spans}
    candidates = sorted({y + d for y in years for d in (-1, 0, 1)})
    best_key, best = None, None
    for cand in candidates:
        yrs = cand - stretches.index.to_numpy()
        lo = set_year(stretches["min"].to_numpy(), yrs)
        hi = set_year(stretches["max"].to_numpy(), yrs)
        ok = lo != np.iinfo(np.int64).min
        if not ok.any():
            continue
        fmin, fmax = lo[ok].min(), hi[ok].max()
        for source, dmin, dmax in spans:
            overlap = min(fmax, dmax) - max(fmin, dmin)
            key = (max(overlap, 0), min(overlap, 0), -abs(cand - pd.Timestamp(dmax).year))
            if best_key is None or key > best_key:
                best_key, best = key, (cand, source)
    return best
