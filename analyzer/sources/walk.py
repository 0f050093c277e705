"""Entries of a tree on disk (or stdin): what a directory holds, sorted, before anything is read.

    >>> [e.rel for e in walk_directory("sosreport-xen07", "/tmp/sosreport-xen07")]  # doctest: +SKIP
    ['date', 'etc', 'etc/timezone', 'hostname', 'sos_commands', 'sos_commands/xen', ...]

An :class:`Entry` is the common currency of directory walks and tar listings: a relative path
used to recognise sosreport layouts and fact files, the display path (the contract ``source``
value) and a way to open the raw bytes. Nothing is opened here except directories.

On disk, symbolic links to files inside the walked tree are not read twice (the target is
walked itself); links that leave the tree are never followed and are always reported (an
unpacked hostile sosreport could point ``var/log/secure`` at ``/etc/shadow``); links to
directories are not followed (loops). Inside archives no link is ever followed (see
:mod:`.archive`). A path the user names on the command line is read even if it is a link.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from dataclasses import dataclass
from functools import partial
from typing import IO, Callable

from ._rawio import PositionedReader
from .compress import describe_error

# Entry types
FILE = "file"
DIR = "dir"
SYMLINK = "symlink"  # a link not followed (archives; links to directories on disk)
LEAVES_TREE = "leaves_tree"  # Entry.reason of a link pointing out of the walked tree
HARDLINK = "hardlink"
OTHER = "other"  # devices, fifos, sockets
UNSAFE = "unsafe"  # archive member with ".." or an absolute path
UNREADABLE = "unreadable"  # a directory that could not be listed, a dangling link

SPOOL_MEMORY_BYTES = 64 << 20


@dataclass
class Entry:
    """One thing found in a tree (directory walk or archive listing)."""

    rel: str  # posix path inside the tree ("" for a tree that is a single file)
    display: str  # contract path: as given by the user, archive members joined with "!"
    type: str = FILE
    open_raw: Callable[[], IO[bytes]] | None = None  # raw (maybe compressed) bytes
    size: int | None = None
    link: str | None = None  # link target as written (symlinks)
    reason: str | None = None  # for UNREADABLE entries
    alias: bool = False  # a link to another entry of the same tree


def _open_file(path: str) -> IO[bytes]:
    return open(path, "rb")


def file_entry(display: str, path: str, *, rel: str) -> Entry:
    """An entry for one file on disk (``path`` is what to open, ``display`` what to show)."""
    try:
        size = os.stat(path).st_size
    except OSError:
        size = None
    return Entry(rel=rel, display=display, open_raw=partial(_open_file, os.path.abspath(path)),
                 size=size)


def walk_directory(display: str, path: str) -> list[Entry]:
    """Every entry below ``path``, depth first, names sorted. Raises OSError only when ``path``
    itself cannot be listed; deeper problems become UNREADABLE entries."""
    root_real = os.path.realpath(path)
    out: list[Entry] = []
    _walk(out, display, path, "", root_real, top=True)
    return out


def _walk(out: list[Entry], display: str, path: str, rel: str, root_real: str, *,
          top: bool = False) -> None:
    try:
        with os.scandir(path) as it:
            items = sorted(it, key=lambda d: d.name)
    except OSError as exc:
        if top:
            raise
        out.append(Entry(rel=rel, display=display, type=UNREADABLE, reason=describe_error(exc)))
        return
    for item in items:
        child_rel = f"{rel}/{item.name}" if rel else item.name
        child_display = os.path.join(display, item.name)
        try:
            if item.is_symlink():
                out.append(_link_entry(child_rel, child_display, item.path, root_real))
            elif item.is_dir(follow_symlinks=False):
                out.append(Entry(rel=child_rel, display=child_display, type=DIR))
                _walk(out, child_display, item.path, child_rel, root_real)
            elif item.is_file(follow_symlinks=False):
                entry = file_entry(child_display, item.path, rel=child_rel)
                out.append(entry)
            else:
                out.append(Entry(rel=child_rel, display=child_display, type=OTHER))
        except OSError as exc:
            out.append(Entry(rel=child_rel, display=child_display, type=UNREADABLE,
                             reason=describe_error(exc)))


def _link_entry(rel: str, display: str, path: str, root_real: str) -> Entry:
    link = os.readlink(path)
    target = os.path.realpath(path)
    inside = target == root_real or target.startswith(root_real.rstrip(os.sep) + os.sep)
    if os.path.isdir(target):
        return Entry(rel=rel, display=display, type=SYMLINK, link=link)
    if not os.path.exists(target):
        return Entry(rel=rel, display=display, type=UNREADABLE, link=link,
                     reason="unreadable: broken symbolic link")
    if not inside:  # var/log/secure -> /etc/shadow in an unpacked hostile sosreport: not read
        return Entry(rel=rel, display=display, type=SYMLINK, link=link, reason=LEAVES_TREE)
    entry = file_entry(display, path, rel=rel)
    entry.link, entry.alias = link, inside
    if not os.path.isfile(target):
        entry.type = OTHER
    return entry


class _SpoolView(PositionedReader):
    """An independent read position over a shared spool file (closing it leaves the spool)."""

    def __init__(self, spool: IO[bytes]) -> None:
        super().__init__()
        self._spool = spool

    def _read(self, n: int) -> bytes:
        self._spool.seek(self._pos)
        return self._spool.read(n)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence == io.SEEK_END:
            offset += self._spool.seek(0, io.SEEK_END)
        self._pos = max(offset, 0)
        return self._pos


def spool_stdin(max_bytes: int | None = None) -> tuple[Entry, Callable[[], None]]:
    """Read stdin once into a spooled temporary file; the entry opens it as often as needed.

    At most ``max_bytes`` are kept (a bomb piped in must not fill the disk); when stdin holds
    more, the entry's ``reason`` says so and the rest is not read. Returns the entry (display
    path ``-``) and the function that releases the spool.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)
    left = max_bytes if max_bytes is not None else None
    cut = False
    while True:
        block = sys.stdin.buffer.read(1 << 20 if left is None else min(1 << 20, left + 1))
        if not block:
            break
        if left is not None and len(block) > left:
            spool.write(block[:left])
            cut = True
            break
        spool.write(block)
        if left is not None:
            left -= len(block)
    size = spool.tell()

    def open_view() -> IO[bytes]:
        return io.BufferedReader(_SpoolView(spool), buffer_size=1 << 16)

    entry = Entry(rel="-", display="-", open_raw=open_view, size=size)
    if cut:
        entry.reason = f"limit: stdin holds more than {max_bytes:,} bytes; the rest was not read"
    return entry, spool.close
