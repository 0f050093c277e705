"""Tar archives read in place: list the members, open each one on demand, extract nothing.

    >>> name = "sosreport-xen07-20090308.tar.xz"
    >>> tar, close = open_tar(lambda: open(name, "rb"), "xz")       # doctest: +SKIP
    >>> entries, error = tar_entries(tar, name)                     # doctest: +SKIP
    >>> entries[5].display                                          # doctest: +SKIP
    'sosreport-xen07-20090308.tar.xz!sosreport-xen07-20090308/var/log/messages.2.gz'

Members are listed in archive order, so reading them in that order only seeks forward (a
backward seek in a compressed tar means decompressing again from the start). Members with an
absolute path or ``..`` are UNSAFE; links, devices and fifos are listed with their type and never
read through (a link to another regular member is marked ``alias``: sosreports link ``hostname``,
``date`` and ``uname`` at their root to files under ``sos_commands/``). A damaged archive lists the members found before the damage and returns the error.
"""

from __future__ import annotations

import posixpath
import tarfile
from functools import partial
from typing import IO, Callable

from .compress import READ_ERRORS, open_decompressed
from .walk import DIR, FILE, HARDLINK, OTHER, SYMLINK, UNSAFE, Entry

#: archives inside archives are followed this deep (1 = the archive the user gave)
MAX_ARCHIVE_DEPTH = 2


def open_tar(open_raw: Callable[[], IO[bytes]],
             compression: str | None) -> tuple[tarfile.TarFile, Callable[[], None]]:
    """Open a (possibly compressed) tar for random access; returns it and its closer.

    Raises ``tarfile.TarError`` or another of ``compress.READ_ERRORS`` when it is not readable.
    """
    stream = open_decompressed(open_raw, compression)
    try:
        tar = tarfile.open(fileobj=stream, mode="r:")
    except BaseException:
        stream.close()
        raise

    def close() -> None:
        try:
            tar.close()
        finally:
            stream.close()

    return tar, close


def member_rel(name: str) -> str:
    """A member name without leading ``./`` and trailing ``/``."""
    while name.startswith("./"):
        name = name[2:]
    return name.rstrip("/")


def is_unsafe(name: str) -> bool:
    """An absolute member path, a drive letter, or one that climbs out with ``..``."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    return ".." in name.replace("\\", "/").split("/")


def tar_entries(tar: tarfile.TarFile, display: str) -> tuple[list[Entry], str | None]:
    """The members of ``tar`` as entries (display ``archive!member``), and an error text when
    the listing stopped at damaged data."""
    entries: list[Entry] = []
    while True:
        try:
            member = tar.next()
        except READ_ERRORS as exc:
            _mark_aliases(entries)
            return entries, str(exc) or type(exc).__name__
        if member is None:
            break
        entries.append(_entry(tar, member, display))
    _mark_aliases(entries)
    return entries, None


def _mark_aliases(entries: list[Entry]) -> None:
    """Flag links whose target is a regular member of the same archive (``alias``)."""
    files = {e.rel for e in entries if e.type == FILE}
    for entry in entries:
        if entry.type == SYMLINK and entry.link and not entry.link.startswith("/"):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(entry.rel), entry.link))
            entry.alias = target in files
        elif entry.type == HARDLINK and entry.link:
            entry.alias = member_rel(entry.link) in files


def _entry(tar: tarfile.TarFile, member: tarfile.TarInfo, display: str) -> Entry:
    rel = member_rel(member.name)
    shown = f"{display}!{rel}"
    if is_unsafe(member.name):
        return Entry(rel=rel, display=shown, type=UNSAFE)
    if member.isreg():
        return Entry(rel=rel, display=shown, type=FILE, size=member.size,
                     open_raw=partial(_extract, tar, member))
    if member.isdir():
        return Entry(rel=rel, display=shown, type=DIR)
    if member.issym():
        return Entry(rel=rel, display=shown, type=SYMLINK, link=member.linkname)
    if member.islnk():
        return Entry(rel=rel, display=shown, type=HARDLINK, link=member.linkname)
    return Entry(rel=rel, display=shown, type=OTHER)


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    stream = tar.extractfile(member)
    if stream is None:  # pragma: no cover - only for non-regular members
        raise tarfile.ReadError(f"{member.name}: not a regular file")
    return stream
