"""analyzer/sources/compress.py: compression by magic bytes, incremental and seekable opening."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma

import pytest
import zstandard

from analyzer.sources.compress import (
    describe_error, open_decompressed, read_some, sniff_compression, strip_archive_suffix,
    strip_compression_suffix)

XEND = (b"[2009-03-08 14:02:11 5499] DEBUG (balloon:151) Balloon: setting dom0 target to "
        b"2931 MiB.\n"
        b"[2009-03-08 14:02:11 5499] INFO (XendDomainInfo:1089) Setting memory target of domain "
        b"Domain-0 (0) to 2931 MiB.\n") * 200

PACKERS = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
    "zst": lambda data: zstandard.ZstdCompressor().compress(data),
}


@pytest.mark.parametrize("name", sorted(PACKERS))
def test_magic_bytes_decide_and_content_round_trips(name):
    packed = PACKERS[name](XEND)
    assert sniff_compression(packed[:16]) == name
    with open_decompressed(lambda: io.BytesIO(packed), name) as stream:
        assert stream.read() == XEND


def test_text_is_not_compressed_even_when_it_starts_like_bzip2():
    assert sniff_compression(XEND[:64]) is None
    assert sniff_compression(b"BZh is how this line starts") is None
    assert sniff_compression(b"") is None


@pytest.mark.parametrize("name", sorted(PACKERS))
def test_decompressed_streams_seek_backwards(name):
    packed = PACKERS[name](XEND)
    with open_decompressed(lambda: io.BytesIO(packed), name) as stream:
        stream.seek(5000)
        tail = stream.read(100)
        stream.seek(10)
        assert stream.read(20) == XEND[10:30]
        stream.seek(5000)
        assert stream.read(100) == tail == XEND[5000:5100]


def test_closing_the_decompressed_stream_closes_the_raw_one():
    raw = io.BytesIO(gzip.compress(XEND))
    open_decompressed(lambda: raw, "gz").close()
    assert raw.closed


def test_read_some_keeps_data_that_came_before_the_damage():
    packed = gzip.compress(XEND, compresslevel=1)
    stream = open_decompressed(lambda: io.BytesIO(packed[:-30]), "gz")
    data, exc = read_some(stream, len(XEND) + 10)
    assert isinstance(exc, EOFError)
    assert len(data) > 0 and XEND.startswith(data)


def test_suffixes():
    assert strip_compression_suffix("kern.log.2.gz") == "kern.log.2"
    assert strip_compression_suffix("xend.log.1.ZST") == "xend.log.1"
    assert strip_compression_suffix(".gz") == ".gz"
    assert strip_archive_suffix("sosreport-xen07-20090308.tar.xz") == "sosreport-xen07-20090308"
    assert strip_archive_suffix("logs.tgz") == "logs"
    assert strip_archive_suffix("messages.bz2") == "messages"


def test_error_descriptions():
    assert describe_error(PermissionError(13, "Permission denied")) == \
        "unreadable: Permission denied"
    assert describe_error(EOFError("Compressed file ended before the end-of-stream marker "
                                   "was reached"), compression="gz") == \
        "corrupt: gz: Compressed file ended before the end-of-stream marker was reached"
    assert describe_error(gzip.BadGzipFile("Not a gzipped file (b'ab')")).startswith("corrupt: ")
