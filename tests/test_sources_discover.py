"""analyzer/sources/discover.py: what belongs to a host; every file not read is accounted for."""

from __future__ import annotations

import bz2
import gzip
import importlib
import io
import lzma
import os
import sys
import tarfile
from pathlib import Path

import pytest
import zstandard

import analyzer.sources.walk as walk
from analyzer.errors import InputError
from analyzer.model import ROLE_FACT, ROLE_LOG
from analyzer.options import Options
from analyzer.sources import discover, iter_line_chunks

DATA = Path(__file__).parent / "data"
XEN_DMESG = (DATA / "real-dmesg" / "01_FlorianHeigl_xenserver-health__dmesg.log").read_bytes()
KERN = (b"Mar  8 14:02:11 xen07 kernel: xen_net: Memory squeeze in netback driver.\n"
        b"Mar  8 14:02:16 xen07 kernel: printk: 4 messages suppressed.\n")
OLDER = b"Mar  7 23:59:58 xen07 kernel: PCI-DMA: Out of SW-IOMMU space for 65536 bytes at " \
        b"device 0000:05:00.0\n"
XEND = b"[2009-03-08 14:01:58 5499] DEBUG (balloon:163) Balloon: setting dom0 target to 2931 MiB.\n"


def write(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def lines_of(source) -> list[str]:
    return [ln for c in iter_line_chunks(source, options=Options()) for ln in c.lines]


def rel_paths(inv, root: Path) -> list[str]:
    return [s.path[len(str(root)) + 1:] for s in inv.sources]


def test_rotated_compressed_family_oldest_first(tmp_path):
    root = write(tmp_path / "logs", {
        "kern.log": KERN,
        "kern.log.1": OLDER,
        "kern.log.2.gz": gzip.compress(OLDER),
        "kern.log.3.bz2": bz2.compress(OLDER),
        "kern.log.4.xz": lzma.compress(OLDER),
        "kern.log.5.zst": zstandard.ZstdCompressor().compress(OLDER),
        "xen/xend.log": XEND,
        "xen/xend.log.1": XEND,
        "messages-20090301": OLDER,
        "messages-20090308": KERN,
        "messages": KERN,
    })
    with discover([root], options=Options()) as inv:
        assert rel_paths(inv, root) == [
            "kern.log.5.zst", "kern.log.4.xz", "kern.log.3.bz2", "kern.log.2.gz", "kern.log.1",
            "kern.log", "messages-20090301", "messages-20090308", "messages",
            "xen/xend.log.1", "xen/xend.log"]
        assert [(s.family[len(str(root)) + 1:], s.rotation, s.kind) for s in inv.sources] == [
            ("kern.log", 5, "kern"), ("kern.log", 4, "kern"), ("kern.log", 3, "kern"),
            ("kern.log", 2, "kern"), ("kern.log", 1, "kern"), ("kern.log", 0, "kern"),
            ("messages", 2, "messages"), ("messages", 1, "messages"), ("messages", 0, "messages"),
            ("xen/xend.log", 1, "xend"), ("xen/xend.log", 0, "xend")]
        for source in inv.sources[:5]:
            assert lines_of(source) == OLDER.decode().splitlines()
        assert inv.skipped == [] and inv.root_name == "logs" and inv.hostname is None


def test_single_files_given_keep_their_family(tmp_path, monkeypatch):
    write(tmp_path, {"kern.log": KERN, "kern.log.2.gz": gzip.compress(OLDER)})
    monkeypatch.chdir(tmp_path)
    with discover(["kern.log", "kern.log.2.gz"], options=Options()) as inv:
        assert [(s.path, s.family, s.rotation, s.size) for s in inv.sources] == [
            ("kern.log.2.gz", "kern.log", 2, (tmp_path / "kern.log.2.gz").stat().st_size),
            ("kern.log", "kern.log", 0, len(KERN))]
        assert inv.root_name == "kern.log"


def test_magic_bytes_beat_the_extension(tmp_path):
    root = write(tmp_path / "logs", {"messages.1": gzip.compress(KERN), "kern.log.gz": KERN})
    with discover([root], options=Options()) as inv:
        assert [lines_of(s) for s in inv.sources] == [KERN.decode().splitlines()] * 2


def test_binary_files_and_journals_are_skipped_with_reasons(tmp_path):
    root = write(tmp_path / "logs", {
        "dmesg": XEN_DMESG,
        "journal/system.journal": b"LPKSHHRH" + bytes(range(256)) * 8,
        "wtmp": bytes(range(256)) * 8,
        "screenshot.png": b"\x89PNG\r\n\x1a\n" + bytes(64),
        "empty.log": b"",
    })
    with discover([root], options=Options()) as inv:
        assert rel_paths(inv, root) == ["dmesg", "empty.log"]
        assert {(k.path[len(str(root)) + 1:], k.reason) for k in inv.skipped} == {
            ("journal/system.journal", "journal_binary"), ("wtmp", "binary"),
            ("screenshot.png", "image")}
        empty = inv.sources[1]
        assert list(iter_line_chunks(empty, options=Options())) == []
        assert len(lines_of(inv.sources[0])) == XEN_DMESG.count(b"\n")


def test_facts_outside_a_sosreport_are_recognised_by_name(tmp_path):
    root = write(tmp_path / "dom0", {"xl_info.txt": b"total_memory : 16374\n",
                                     "grub.conf": b"kernel /xen.gz dom0_mem=1024M\n",
                                     "kern.log": KERN})
    with discover([root], options=Options()) as inv:
        assert [(p, s.role, s.kind) for p, s in zip(rel_paths(inv, root), inv.sources)] == [
            ("grub.conf", ROLE_FACT, "grub"), ("kern.log", ROLE_LOG, "kern"),
            ("xl_info.txt", ROLE_FACT, "xm_info")]


def test_truncated_gzip_is_read_up_to_the_damage_and_a_dead_one_is_skipped(tmp_path):
    packed = gzip.compress(KERN * 2000)
    root = write(tmp_path / "logs", {"kern.log.1.gz": packed[: len(packed) // 2],
                                     "kern.log.2.gz": packed[:15]})
    with discover([root], options=Options()) as inv:
        assert rel_paths(inv, root) == ["kern.log.1.gz"]
        assert [(k.path[len(str(root)) + 1:], k.reason.split(":")[0]) for k in inv.skipped] == [
            ("kern.log.2.gz", "corrupt")]
        chunks = list(iter_line_chunks(inv.sources[0], options=Options()))
        assert chunks[-1].stopped.startswith("corrupt: ")
        assert sum(len(c.lines) for c in chunks) > 100


def test_unreadable_directory_is_counted_and_the_rest_continues(tmp_path, monkeypatch):
    root = write(tmp_path / "logs", {"kern.log": KERN, "private/secret.log": KERN})
    locked = root / "private"
    locked.chmod(0)
    try:
        os.listdir(locked)
        blocked = False
    except PermissionError:
        blocked = True
    if not blocked:  # running as root: chmod does not stop reads, so simulate the refusal
        real_scandir = os.scandir

        def refusing_scandir(path="."):
            if os.fspath(path) == str(locked):
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(walk.os, "scandir", refusing_scandir)
    try:
        with discover([root], options=Options()) as inv:
            assert rel_paths(inv, root) == ["kern.log"]
            assert [(k.path, k.reason) for k in inv.skipped] == [
                (str(locked), "unreadable: Permission denied")]
    finally:
        locked.chmod(0o755)


def test_unreadable_file_is_counted(tmp_path, monkeypatch):
    root = write(tmp_path / "logs", {"kern.log": KERN, "messages": KERN})
    target = str(root / "messages")

    def refusing_open(path, *args, **kwargs):
        if os.fspath(path) == target:
            raise PermissionError(13, "Permission denied", path)
        return open(path, *args, **kwargs)

    monkeypatch.setattr(walk, "open", refusing_open, raising=False)
    with discover([root], options=Options()) as inv:
        assert rel_paths(inv, root) == ["kern.log"]
        assert [(k.path, k.reason) for k in inv.skipped] == [
            (target, "unreadable: Permission denied")]


def test_vanished_file_is_counted(tmp_path, monkeypatch):
    root = write(tmp_path / "logs", {"kern.log": KERN, "messages": KERN})
    real_walk = walk.walk_directory

    def walk_then_delete(display, path):
        entries = real_walk(display, path)
        (root / "messages").unlink()
        return entries

    # the package exports the function discover, which hides the module of the same name
    monkeypatch.setattr(importlib.import_module("analyzer.sources.discover"), "walk_directory",
                        walk_then_delete)
    with discover([root], options=Options()) as inv:
        assert [(k.path, k.reason) for k in inv.skipped] == [
            (str(root / "messages"), "unreadable: No such file or directory")]


def test_links_on_disk(tmp_path):
    outside = write(tmp_path / "elsewhere", {"xend.log": XEND})
    root = write(tmp_path / "logs", {"kern.log": KERN})
    os.symlink(root / "kern.log", root / "kern.log.current")  # back into the tree: not twice
    os.symlink(outside / "xend.log", root / "xend.log")  # out of the tree: never followed
    os.symlink(outside, root / "xen")  # a directory: not followed
    os.symlink(root / "gone.log", root / "dangling.log")
    with discover([root], options=Options()) as inv:
        assert rel_paths(inv, root) == ["kern.log"]
        assert sorted((k.path[len(str(root)) + 1:], k.reason) for k in inv.skipped) == [
            ("dangling.log", "unreadable: broken symbolic link"), ("xen", "symlink"),
            ("xend.log", "symlink")]
    with discover([root / "xend.log"], options=Options()) as inv:  # named by the user: read
        assert lines_of(inv.sources[0]) == XEND.decode().splitlines()


def test_stdin_is_spooled_and_can_be_read_twice(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(KERN))))
    with discover(["-"], options=Options()) as inv:
        assert [(s.path, s.role) for s in inv.sources] == [("-", ROLE_LOG)]
        assert lines_of(inv.sources[0]) == lines_of(inv.sources[0]) == KERN.decode().splitlines()
        assert inv.root_name is None


def test_stdin_tarball(monkeypatch):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("var/log/kern.log")
        info.size = len(KERN)
        tar.addfile(info, io.BytesIO(KERN))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(buf.getvalue())))
    with discover(["-"], options=Options()) as inv:
        assert [s.path for s in inv.sources] == ["-!var/log/kern.log"]
        assert lines_of(inv.sources[0]) == KERN.decode().splitlines()


def test_file_limit_is_counted(tmp_path):
    root = write(tmp_path / "logs", {f"xl-vm{i}.log": XEND for i in range(5)})
    with discover([root], options=Options(max_files=3)) as inv:
        assert rel_paths(inv, root) == ["xl-vm0.log", "xl-vm1.log", "xl-vm2.log"]
        assert [(k.path[len(str(root)) + 1:], k.reason) for k in inv.skipped] == [
            ("xl-vm3.log", "limit_files"), ("xl-vm4.log", "limit_files")]


def test_missing_path_is_an_input_error_naming_it(tmp_path):
    missing = tmp_path / "no-such-sosreport.tar.xz"
    with pytest.raises(InputError, match="no-such-sosreport.tar.xz: no such file"):
        discover([missing], options=Options())


def test_unopenable_path_given_is_an_input_error(tmp_path, monkeypatch):
    given = write(tmp_path, {"kern.log": KERN}) / "kern.log"
    real_open = open

    def refusing_open(path, *args, **kwargs):
        if os.fspath(path) == str(given):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    with pytest.raises(InputError, match="kern.log: cannot be opened .Permission denied."):
        discover([given], options=Options())


def test_root_name_strips_archive_suffixes(tmp_path):
    write(tmp_path, {"dir/kern.log": KERN})
    archive = tmp_path / "sosreport-xen07-20090308.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "dir", arcname="logs")
    with discover([archive], options=Options()) as inv:
        assert inv.root_name == "sosreport-xen07-20090308"
    with discover([str(tmp_path / "dir") + "/"], options=Options()) as inv:
        assert inv.root_name == "dir"
        assert inv.sources[0].path == str(tmp_path / "dir") + "/kern.log"


def test_stdin_is_spooled_only_up_to_the_file_limit(monkeypatch):
    big = b"Mar  6 14:02:44 xen07 kernel: hello\n" * 1000
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(big)))
    with discover(["-"], options=Options(max_file_bytes=3600)) as inv:
        assert [(k.path, k.reason.split(":")[0]) for k in inv.skipped] == [("-", "limit")]
        with inv.sources[0].open() as f:
            assert len(f.read()) <= 3600
