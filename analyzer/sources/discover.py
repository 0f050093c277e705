"""Find everything that belongs to a host: files, trees, rotated families, archives, stdin.

    >>> paths = ["sosreport-xen07-20090308.tar.xz"]
    >>> with discover(paths, options=Options()) as inv:                   # doctest: +SKIP
    ...     inv.hostname, [(s.path, s.role, s.kind) for s in inv.sources][:2]
    ('xen07', [('sosreport-xen07-20090308.tar.xz!sosreport-xen07-20090308/date', 'meta', 'date'),
               ('sosreport-xen07-20090308.tar.xz!sosreport-xen07-20090308/etc/default/grub',
                'fact', 'grub')])

Every candidate is opened once to look at its head (compression by magic bytes, tar header,
binary or text); nothing is decompressed further and nothing is extracted to disk. Archives stay
open until ``Inventory.close()``. A file that cannot be used is an ``Inventory.skipped`` entry
with a reason (see ``analyzer.sources`` for the list), never an exception: only a PATH the user
gave that does not exist or cannot be opened raises :class:`~analyzer.errors.InputError`.

Order: trees are walked with names sorted; on disk, the members of a rotated family are listed
oldest first (``kern.log.2.gz``, ``kern.log.1``, ``kern.log``); inside an archive sources keep
the archive's member order, so reading them in list order only seeks forward.
"""

from __future__ import annotations

import os
import stat
from functools import partial
from typing import Sequence

from ..errors import InputError
from ..model import ROLE_META, Inventory, Skipped, Source
from ..options import Options
from . import sosreport
from .archive import MAX_ARCHIVE_DEPTH, open_tar, tar_entries
from .compress import READ_ERRORS, describe_error, open_decompressed, read_some, \
    strip_archive_suffix
from .rotation import assign_rotation, oldest_first
from .sniff import probe
from .walk import (DIR, FILE, HARDLINK, LEAVES_TREE, OTHER, SYMLINK, UNREADABLE, UNSAFE, Entry,
                   file_entry, spool_stdin, walk_directory)

META_READ_BYTES = 64 * 1024


def discover(paths: Sequence[str | os.PathLike], *, options: Options) -> Inventory:
    """The inventory of one host's inputs. ``-`` reads stdin (once, spooled).

    Raises InputError naming a PATH that does not exist or cannot be opened at all.
    """
    finder = _Finder(options)
    try:
        for path in paths:
            finder.add_path(os.fspath(path))
        finder.finish()
    except BaseException:
        finder.inv.close()
        raise
    if paths:
        finder.inv.root_name = root_name(os.fspath(paths[0]))
    return finder.inv


def root_name(given: str) -> str | None:
    """The name of what the user gave, without archive/compression suffixes (None for stdin)."""
    if given == "-":
        return None
    name = os.path.basename(os.path.normpath(given))
    if name in ("", ".", ".."):
        name = os.path.basename(os.path.abspath(given))
    return strip_archive_suffix(name) or None


class _Finder:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.inv = Inventory()
        self.on_disk: set[int] = set()  # ids of sources read from disk (free to reorder)

    # --- what the user gave ----------------------------------------------------------------
    def add_path(self, given: str) -> None:
        if given == "-":
            entry, release = spool_stdin(self.options.max_file_bytes)
            self.inv._closers.append(release)
            if entry.reason:
                self._skip("-", entry.reason)
            self._add_candidate(entry, depth=0, on_disk=False)
            return
        try:
            mode = os.stat(given).st_mode
        except FileNotFoundError:
            raise InputError(f"{given}: no such file or directory") from None
        except OSError as exc:
            raise InputError(f"{given}: cannot be opened ({exc.strerror or exc})") from None
        if stat.S_ISDIR(mode):
            try:
                entries = walk_directory(given, given)
            except OSError as exc:
                raise InputError(f"{given}: cannot be opened ({exc.strerror or exc})") from None
            self._add_tree(entries, depth=0, on_disk=True)
            return
        try:
            with open(given, "rb"):
                pass
        except OSError as exc:
            raise InputError(f"{given}: cannot be opened ({exc.strerror or exc})") from None
        rel = given.replace(os.sep, "/")
        self._add_candidate(file_entry(given, given, rel=rel), depth=0, on_disk=True)

    def finish(self) -> None:
        assign_rotation(self.inv.sources)
        self.inv.sources = oldest_first(self.inv.sources, self.on_disk)

    # --- trees ---------------------------------------------------------------------------------
    def _add_tree(self, entries: list[Entry], *, depth: int, on_disk: bool) -> None:
        roots = sosreport.find_roots(e.rel for e in entries if e.type not in (UNSAFE, UNREADABLE))
        wanted = {root_path for root in roots for root_path in sosreport.meta_paths(root)}
        cached: dict[str, bytes | None] = {}  # meta files, read in member order (forward)
        slots: dict[str, int] = {}  # where each meta file falls among the sources
        for entry in entries:
            if entry.rel in wanted:
                slots[entry.rel] = len(self.inv.sources)
                if entry.type == FILE:
                    cached[entry.rel] = self._read_small(entry)
            if entry.type == UNSAFE:
                self._skip(entry.display, "unsafe_member")
                continue
            if entry.type == UNREADABLE and entry.link is None:  # a directory not listed
                self._skip(entry.display, entry.reason or "unreadable")
                continue
            if entry.type == DIR:
                continue
            if (entry.type == SYMLINK and entry.reason == LEAVES_TREE
                    and not entry.rel.endswith("etc/localtime")):  # localtime: only its name is used
                self._skip(entry.display, SYMLINK)  # wherever it stands: worth a look
                continue
            inner = sosreport.locate(entry.rel, roots) if roots else None
            placement = sosreport.classify(inner if inner is not None else entry.rel,
                                           in_sos=inner is not None)
            if placement is None:
                continue  # in a sos tree, not a log: a command output, a config file, ...
            if entry.alias and (on_disk or inner is not None):
                continue  # a link to a file of the same tree, which is read as itself
            if entry.type in (SYMLINK, HARDLINK):
                self._skip(entry.display, entry.type)
            elif entry.type == UNREADABLE:  # a dangling link
                self._skip(entry.display, entry.reason or "unreadable")
            elif entry.type == OTHER:
                self._skip(entry.display, "not_a_file")
            else:
                self._add_file(entry, placement, depth=depth, on_disk=on_disk)
        if roots:
            by_rel = {e.rel: e for e in entries}
            self._add_meta([sosreport.read_meta(root, by_rel, lambda e: cached.get(e.rel))
                            for root in sorted(roots, key=len)], slots, on_disk)

    def _add_candidate(self, entry: Entry, *, depth: int, on_disk: bool) -> None:
        placement = sosreport.classify(entry.rel, in_sos=False)
        assert placement is not None
        self._add_file(entry, placement, depth=depth, on_disk=on_disk)

    def _add_file(self, entry: Entry, placement: tuple[str, str], *, depth: int,
                  on_disk: bool) -> None:
        if len(self.inv.sources) >= self.options.max_files:
            self._skip(entry.display, "limit_files")
            return
        assert entry.open_raw is not None
        found = probe(entry.open_raw)
        if found.error:
            self._skip(entry.display, found.error)
        elif found.is_tar:
            if depth + 1 > MAX_ARCHIVE_DEPTH:
                self._skip(entry.display, "nested_too_deep")
            else:
                self._add_archive(entry, found.compression, depth=depth + 1)
        elif found.binary:
            self._skip(entry.display, found.binary)
        else:
            role, kind = placement
            self._add_source(Source(
                path=entry.display, role=role, kind=kind, size=entry.size,
                open=partial(open_decompressed, entry.open_raw, found.compression)), on_disk)

    def _add_archive(self, entry: Entry, compression: str | None, *, depth: int) -> None:
        assert entry.open_raw is not None
        try:
            tar, close = open_tar(entry.open_raw, compression)
        except READ_ERRORS as exc:
            self._skip(entry.display, _archive_reason(exc))
            return
        self.inv._closers.append(close)
        members, error = tar_entries(tar, entry.display)
        if error is not None:
            self._skip(entry.display, f"corrupt_archive: {error}")
        self._add_tree(members, depth=depth, on_disk=False)

    # --- sosreport metadata --------------------------------------------------------------------
    def _add_meta(self, metas: list[sosreport.SosMeta], slots: dict[str, int],
                  on_disk: bool) -> None:
        """Fill the inventory's metadata (the outermost sos root first) and insert the meta
        files as sources where they fall in member order."""
        inv = self.inv
        for meta in metas:
            inv.hostname = inv.hostname or meta.hostname
            inv.collected = inv.collected or meta.collected
            inv.timezone = inv.timezone or meta.timezone
        used = [pair for meta in metas for pair in meta.used]
        placed = sorted(((slots[entry.rel], n, entry, kind)
                         for n, (entry, kind) in enumerate(used)), reverse=True)
        for slot, _, entry, kind in placed:  # from the back, so earlier slots stay valid
            assert entry.open_raw is not None
            source = Source(path=entry.display, role=ROLE_META, kind=kind, open=entry.open_raw,
                            size=entry.size)
            inv.sources.insert(slot, source)
            if on_disk:
                self.on_disk.add(id(source))

    def _read_small(self, entry: Entry) -> bytes | None:
        if entry.type != FILE or entry.open_raw is None:
            return None
        try:
            stream = entry.open_raw()
        except READ_ERRORS as exc:
            self._skip(entry.display, describe_error(exc))
            return None
        try:
            data, exc = read_some(stream, META_READ_BYTES)
        finally:
            stream.close()
        if exc is not None:
            self._skip(entry.display, describe_error(exc))
            return None
        return data

    # --- bookkeeping -------------------------------------------------------------------------
    def _add_source(self, source: Source, on_disk: bool) -> None:
        self.inv.sources.append(source)
        if on_disk:
            self.on_disk.add(id(source))

    def _skip(self, path: str, reason: str) -> None:
        self.inv.skipped.append(Skipped(path=path, reason=reason))


def _archive_reason(exc: BaseException) -> str:
    reason = describe_error(exc)
    if reason.startswith("corrupt: "):
        return "corrupt_archive: " + reason[len("corrupt: "):]
    return reason
