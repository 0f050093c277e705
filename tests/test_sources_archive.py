"""analyzer/sources/archive.py (and its use by discover): tars read in place, safely."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from analyzer.model import ROLE_LOG
from analyzer.options import Options
from analyzer.sources import discover, iter_line_chunks
from analyzer.sources.archive import is_unsafe, member_rel, open_tar, tar_entries
from analyzer.sources.walk import DIR, FILE, HARDLINK, OTHER, SYMLINK, UNSAFE

KERN = (b"Mar  8 14:02:11 xen07 kernel: xen_net: Memory squeeze in netback driver.\n"
        b"Mar  8 14:02:16 xen07 kernel: printk: 4 messages suppressed.\n"
        b"Mar  8 14:02:17 xen07 kernel: PCI-DMA: Out of SW-IOMMU space for 65536 bytes at "
        b"device 0000:05:00.0\n")
XEND = b"[2009-03-08 14:01:58 5499] DEBUG (balloon:163) Balloon: setting dom0 target to 2931 MiB.\n"


def member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE,
           link: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data


def tar_of(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def lines_of(source) -> list[str]:
    return [ln for c in iter_line_chunks(source, options=Options()) for ln in c.lines]


UNSAFE_TAR = tar_of(
    member("var/log/kern.log", KERN),
    member("../../etc/cron.d/evil", b"* * * * * root sh\n"),
    member("/etc/shadow", b"root:x:0:0\n"),
    member("var/log/shadow-link", kind=tarfile.SYMTYPE, link="/etc/shadow"),
    member("var/log/hard", kind=tarfile.LNKTYPE, link="var/log/kern.log"),
    member("var/log/fifo", kind=tarfile.FIFOTYPE),
    member("dev/sda", kind=tarfile.BLKTYPE),
    member("var/log/xen", kind=tarfile.DIRTYPE),
    member("var/log/xen/xend.log", XEND),
)


def test_entries_types_and_display_paths():
    tar, close = open_tar(lambda: io.BytesIO(UNSAFE_TAR), None)
    try:
        entries, error = tar_entries(tar, "logs.tar")
    finally:
        close()
    assert error is None
    assert [(e.display, e.type) for e in entries] == [
        ("logs.tar!var/log/kern.log", FILE),
        ("logs.tar!../../etc/cron.d/evil", UNSAFE),
        ("logs.tar!/etc/shadow", UNSAFE),
        ("logs.tar!var/log/shadow-link", SYMLINK),
        ("logs.tar!var/log/hard", HARDLINK),
        ("logs.tar!var/log/fifo", OTHER),
        ("logs.tar!dev/sda", OTHER),
        ("logs.tar!var/log/xen", DIR),
        ("logs.tar!var/log/xen/xend.log", FILE),
    ]


def test_unsafe_members_are_skipped_with_reasons_and_never_read(tmp_path):
    archive = tmp_path / "logs.tar"
    archive.write_bytes(UNSAFE_TAR)
    with discover([archive], options=Options()) as inv:
        assert [(s.path, s.kind) for s in inv.sources] == [
            (f"{archive}!var/log/kern.log", "kern"), (f"{archive}!var/log/xen/xend.log", "xend")]
        assert {(k.path.split("!", 1)[1], k.reason) for k in inv.skipped} == {
            ("../../etc/cron.d/evil", "unsafe_member"),
            ("/etc/shadow", "unsafe_member"),
            ("var/log/shadow-link", "symlink"),
            ("var/log/hard", "hardlink"),
            ("var/log/fifo", "not_a_file"),
            ("dev/sda", "not_a_file"),
        }
        assert lines_of(inv.sources[0]) == KERN.decode().splitlines()


def test_nested_compressed_members_and_bang_paths(tmp_path):
    inner = gzip.compress(tar_of(member("var/log/messages.1.gz", gzip.compress(KERN)),
                                 member("var/log/messages", KERN)))
    outer = tar_of(member("hosts/xen07/logs.tar.gz", inner),
                   member("hosts/xen07/xend.log.2.gz", gzip.compress(XEND)))
    archive = tmp_path / "incident.tar"
    archive.write_bytes(outer)
    with discover([archive], options=Options()) as inv:
        paths = [s.path for s in inv.sources]
        assert paths == [
            f"{archive}!hosts/xen07/logs.tar.gz!var/log/messages.1.gz",
            f"{archive}!hosts/xen07/logs.tar.gz!var/log/messages",
            f"{archive}!hosts/xen07/xend.log.2.gz",
        ]
        assert [(s.family.rsplit("!", 1)[1], s.rotation) for s in inv.sources] == [
            ("var/log/messages", 1), ("var/log/messages", 0), ("hosts/xen07/xend.log", 2)]
        assert inv.root_name == "incident"
        # members open as often as asked, in any order
        for source in reversed(inv.sources):
            expected = XEND if "xend" in source.path else KERN
            assert lines_of(source) == expected.decode().splitlines()
        assert lines_of(inv.sources[0]) == KERN.decode().splitlines()


def test_third_level_archive_is_not_followed(tmp_path):
    level3 = tar_of(member("kern.log", KERN))
    level2 = tar_of(member("deeper.tar", level3), member("kern.log", KERN))
    archive = tmp_path / "top.tar"
    archive.write_bytes(tar_of(member("inner.tar", level2)))
    with discover([archive], options=Options()) as inv:
        assert [s.path for s in inv.sources] == [f"{archive}!inner.tar!kern.log"]
        assert [(k.path, k.reason) for k in inv.skipped] == [
            (f"{archive}!inner.tar!deeper.tar", "nested_too_deep")]


def test_truncated_tar_gz_keeps_members_before_the_damage(tmp_path):
    filler = b"".join(b"[%6d.000000] random %r\n" % (i, bytes([i % 251]) * 40)
                      for i in range(20000))
    data = tar_of(member("var/log/kern.log", KERN), member("var/log/big.log", filler),
                  member("var/log/late.log", XEND))
    packed = gzip.compress(data)
    archive = tmp_path / "cut.tar.gz"
    archive.write_bytes(packed[: len(packed) * 2 // 3])
    with discover([archive], options=Options()) as inv:
        assert [s.path.split("!")[1] for s in inv.sources] == ["var/log/kern.log",
                                                               "var/log/big.log"]
        assert inv.skipped[0].path == str(archive)
        assert inv.skipped[0].reason.startswith("corrupt_archive: ")
        assert lines_of(inv.sources[0]) == KERN.decode().splitlines()
        chunks = list(iter_line_chunks(inv.sources[1], options=Options()))
        assert chunks[-1].stopped.startswith("corrupt: ")


def test_not_a_tar_after_all(tmp_path):
    archive = tmp_path / "kern.log.tar"
    archive.write_bytes(KERN)  # a name is only a hint
    with discover([archive], options=Options()) as inv:
        assert [(s.path, s.role) for s in inv.sources] == [(str(archive), ROLE_LOG)]


def test_closing_the_inventory_closes_the_archive(tmp_path):
    archive = tmp_path / "logs.tar.gz"
    archive.write_bytes(gzip.compress(tar_of(member("kern.log", KERN))))
    inv = discover([archive], options=Options())
    source = inv.sources[0]
    inv.close()
    with pytest.raises((ValueError, OSError)):
        source.open().read()


@pytest.mark.parametrize("name, rel, unsafe", [
    ("./var/log/messages", "var/log/messages", False),
    ("sosreport-x/var/log/", "sosreport-x/var/log", False),
    ("a/../../b", "a/../../b", True),
    ("/abs", "/abs", True),
    ("C:\\windows", "C:\\windows", True),
])
def test_member_names(name, rel, unsafe):
    assert member_rel(name) == rel
    assert is_unsafe(name) is unsafe
