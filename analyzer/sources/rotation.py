"""Rotated log families: ``kern.log``, ``kern.log.1``, ``kern.log.2.gz``, ``messages-20090308``.

    >>> split_rotation("kern.log.2.gz")
    ('kern.log', 2, None)
    >>> split_rotation("messages-20090308")
    ('messages', None, '20090308')
    >>> split_rotation("xend.log")
    ('xend.log', None, None)

A family is the directory plus the base name (``/var/log/kern.log``); rotation 0 is the live
file, higher numbers are older. Date suffixes (logrotate ``dateext``) are ranked within their
family: the newest date gets rotation 1, older dates higher numbers. ``dmesg.old`` (written at
boot from the previous boot's ring buffer) is rotation 1 of ``dmesg``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from ..model import ROLE_LOG, Source
from .compress import strip_compression_suffix

NUMERIC_SUFFIX = re.compile(r"^(?P<base>.+?)\.(?P<n>\d{1,4})$", re.DOTALL)
DATE_SUFFIX = re.compile(r"^(?P<base>.+?)-(?P<date>(?:19|20)\d{6}(?:\d{2})?)$", re.DOTALL)
OLD_SUFFIX = ".old"
#: the last path separator of a display path: "/" in a path, "!" between archive and member
LAST_SEPARATOR = re.compile(r"^(?P<dir>.*[/!])?(?P<name>[^/!]*)$", re.DOTALL)


def split_rotation(name: str) -> tuple[str, int | None, str | None]:
    """(base name, numeric rotation or None, date suffix or None) of a file name."""
    name = strip_compression_suffix(name)
    m = NUMERIC_SUFFIX.match(name)
    if m:
        return m["base"], int(m["n"]), None
    m = DATE_SUFFIX.match(name)
    if m:
        return m["base"], None, m["date"]
    if name.endswith(OLD_SUFFIX) and len(name) > len(OLD_SUFFIX):
        return name[: -len(OLD_SUFFIX)], 1, None
    return name, None, None


def assign_rotation(sources: Iterable[Source]) -> None:
    """Set ``family`` and ``rotation`` on every log source (in place)."""
    dated: dict[str, list[tuple[str, Source]]] = defaultdict(list)
    for source in sources:
        if source.role != ROLE_LOG:
            continue
        m = LAST_SEPARATOR.match(source.path)
        base, number, date = split_rotation(m["name"])
        source.family = (m["dir"] or "") + base
        source.rotation = number or 0
        if date is not None:
            dated[source.family].append((date, source))
    for members in dated.values():
        members.sort(key=lambda pair: pair[0], reverse=True)
        for rank, (_, source) in enumerate(members, start=1):
            source.rotation = rank


def oldest_first(sources: list[Source], movable: set[int]) -> list[Source]:
    """``sources`` with each family's movable members (ids in ``movable``) oldest first, placed
    where the family first appears; everything else keeps its position."""
    first_seen: dict[str, int] = {}
    keys = []
    for index, source in enumerate(sources):
        if id(source) in movable and source.family:
            first = first_seen.setdefault(source.family, index)
            keys.append((first, -source.rotation, index))
        else:
            keys.append((index, 0, index))
    order = sorted(range(len(sources)), key=keys.__getitem__)
    return [sources[i] for i in order]
