"""analyzer/sources/sniff.py: text or not, tar or not, judged from the first bytes."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

from analyzer.sources import looks_binary
from analyzer.sources.sniff import is_tar_header, probe

DATA = Path(__file__).parent / "data"
XEN_DMESG = (DATA / "real-dmesg" / "01_FlorianHeigl_xenserver-health__dmesg.log").read_bytes()
KERN = b"Mar  8 14:02:11 xen07 kernel: xen_net: Memory squeeze in netback driver.\n"


def opener(data: bytes):
    return lambda: io.BytesIO(data)


def test_real_logs_are_text():
    assert looks_binary(XEN_DMESG[:8192]) is None
    assert looks_binary((DATA / "loghub" / "Linux_2k.log").read_bytes()[:8192]) is None


def test_ansi_colours_latin1_and_nul_padding_are_still_text():
    assert looks_binary(b"\x1b[32m[    0.000000]\x1b[0m Linux version 6.1.1\n" * 50) is None
    assert looks_binary(KERN * 20 + "Gerät gefunden\n".encode("latin-1")) is None
    # a syslog file after a crash: a block of NULs between two lines
    assert looks_binary(KERN * 3 + b"\x00" * 4000 + KERN) is None


def test_binary_journal_images_and_binary_data():
    journal = b"LPKSHHRH" + bytes(8) + bytes(range(256)) * 4
    assert looks_binary(journal) == "journal_binary"
    assert looks_binary(b"\x89PNG\r\n\x1a\n" + bytes(100)) == "image"
    assert looks_binary(bytes(range(256)) * 32) == "binary"
    assert looks_binary(b"\x7fELF\x02\x01\x01" + bytes(range(200)) * 5) == "binary"
    assert looks_binary(b"\x00" * 8192) == "binary"


def test_empty_head_is_text():
    assert looks_binary(b"") is None


def tar_bytes() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("var/log/kern.log")
        info.size = len(KERN)
        tar.addfile(info, io.BytesIO(KERN))
    return buf.getvalue()


def test_tar_header_needs_magic_and_checksum():
    data = tar_bytes()
    assert is_tar_header(data[:512])
    broken = bytearray(data[:512])
    broken[0] ^= 1
    assert not is_tar_header(bytes(broken))
    assert not is_tar_header(KERN * 10)


def test_probe_sees_through_compression():
    found = probe(opener(gzip.compress(tar_bytes())))
    assert (found.compression, found.is_tar, found.binary, found.error) == ("gz", True, None, None)
    found = probe(opener(gzip.compress(KERN * 100)))
    assert (found.compression, found.is_tar, found.binary) == ("gz", False, None)


def test_probe_looks_past_a_leading_nul_run():
    # copytruncate with a writer that kept its offset: the file starts with a hole of NULs
    assert probe(opener(b"\x00" * 100_000 + KERN * 10)).binary is None
    assert probe(opener(b"\x00" * 100_000)).binary == "binary"


def test_probe_reports_damage_and_unreadable():
    assert probe(opener(gzip.compress(KERN * 100)[:12])).error.startswith("corrupt: gz: ")

    def refuse():
        raise PermissionError(13, "Permission denied")

    assert probe(refuse).error == "unreadable: Permission denied"
