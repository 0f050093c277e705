"""Compressed streams: recognise gz, bz2, xz and zst by their magic bytes, open them incrementally.

    >>> sniff_compression(b"\\x1f\\x8b\\x08\\x00\\x00\\x00\\x00\\x00")   # kern.log.2.gz
    'gz'
    >>> sniff_compression(b"Mar  8 14:02:11 xen07 kernel: xen_net: Memory squeeze")
    >>> strip_compression_suffix("kern.log.2.gz"), strip_archive_suffix("sosreport-xen07.tar.xz")
    ('kern.log.2', 'sosreport-xen07')

The file name is only a hint: a ``messages.1`` that is really gzip data is opened as gzip, a
``kern.log.gz`` that holds plain text is read as text. Decompression is always incremental
(``read(n)`` decompresses at most what is asked for), so a gzip bomb costs only what the caller
is willing to read (see ``Options.max_file_bytes``).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zlib
from typing import IO, Callable

import zstandard

from ._rawio import PositionedReader

#: (magic prefix, compression name); checked in order against the first bytes of a stream.
MAGIC = (
    (b"\x1f\x8b\x08", "gz"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zst"),
)
BZIP2_MAGIC = b"BZh"  # followed by the block size digit 1-9

COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zstd")
ARCHIVE_SUFFIXES = (
    ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tbz", ".tar.zst", ".tzst",
    ".tar",
)

#: Exceptions that mean "this stream is damaged" (or unreadable) while reading it.
READ_ERRORS = (
    OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError, tarfile.TarError,
)


def sniff_compression(head: bytes) -> str | None:
    """The compression of a stream from its first bytes: "gz", "bz2", "xz", "zst" or None."""
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    if head.startswith(BZIP2_MAGIC) and len(head) > 3 and 0x31 <= head[3] <= 0x39:
        return "bz2"
    return None


def strip_compression_suffix(name: str) -> str:
    """``kern.log.2.gz`` -> ``kern.log.2`` (one compression suffix, case-insensitive)."""
    lower = name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def strip_archive_suffix(name: str) -> str:
    """``sosreport-xen07-20090308.tar.xz`` -> ``sosreport-xen07-20090308``; else as
    :func:`strip_compression_suffix`."""
    lower = name.lower()
    for suffix in ARCHIVE_SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return strip_compression_suffix(name)


def describe_error(exc: BaseException, *, compression: str | None = None) -> str:
    """A Skipped/stop reason for an exception met while opening or reading a stream.

    ``unreadable: Permission denied`` for operating-system errors (errno set), ``corrupt: gz:
    Compressed file ended before the end-of-stream marker was reached`` for damaged data.
    """
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"unreadable: {exc.strerror or exc}"
    what = f"{compression}: " if compression else ""
    text = str(exc) or type(exc).__name__
    return f"corrupt: {what}{text}"


class _Owned(io.RawIOBase):
    """A decompressing stream that also closes the raw stream it reads from."""

    def __init__(self, inner: IO[bytes], *owned: IO[bytes]) -> None:
        super().__init__()
        self._inner = inner
        self._owned = owned

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        # one decompression step at a time: data that arrives before a damaged part is
        # returned before the error is raised (readinto would discard it)
        return self._inner.readinto1(buffer)

    def seekable(self) -> bool:
        return self._inner.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            finally:
                for stream in self._owned:
                    stream.close()
                super().close()


class _RewindingZstd(PositionedReader):
    """A seekable zstd reader: seeking backwards starts decompressing again from the start
    (as gzip does), so tarfile can read a ``.tar.zst`` in place."""

    def __init__(self, open_raw: Callable[[], IO[bytes]]) -> None:
        super().__init__()
        self._open_raw = open_raw
        self._reader = None
        self._restart()

    def _restart(self) -> None:
        if self._reader is not None:
            self._reader.close()
        raw = self._open_raw()
        self._reader = zstandard.ZstdDecompressor().stream_reader(
            raw, read_across_frames=True, closefd=True)
        self._pos = 0

    def _read(self, n: int) -> bytes:
        return self._reader.read(n)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("zstd streams cannot seek from the end")
        if offset < self._pos:
            self._restart()
        while self._pos < offset:
            data = self._reader.read(min(offset - self._pos, 1 << 20))
            if not data:
                break
            self._pos += len(data)
        return self._pos

    def close(self) -> None:
        if not self.closed:
            if self._reader is not None:
                self._reader.close()
            super().close()


def open_decompressed(open_raw: Callable[[], IO[bytes]], compression: str | None) -> IO[bytes]:
    """A fresh binary stream of the decompressed content (``open_raw()`` when not compressed).

    The returned stream owns the raw one (closing it closes both) and is seekable when the raw
    stream is (backward seeks decompress again from the start).
    """
    if compression is None:
        return open_raw()
    if compression == "zst":
        return io.BufferedReader(_RewindingZstd(open_raw), buffer_size=1 << 16)
    raw = open_raw()
    try:
        if compression == "gz":
            inner: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb")
        elif compression == "bz2":
            inner = bz2.BZ2File(raw, mode="rb")
        elif compression == "xz":
            inner = lzma.LZMAFile(raw, mode="rb")
        else:
            raise ValueError(f"unknown compression {compression!r}; known: gz, bz2, xz, zst")
    except BaseException:
        raw.close()
        raise
    return io.BufferedReader(_Owned(inner, raw), buffer_size=1 << 16)


def read_some(stream: IO[bytes], size: int) -> tuple[bytes, BaseException | None]:
    """Read up to ``size`` bytes, keeping what arrived before an error.

    ``(data, None)`` normally (``data`` shorter than ``size`` only at the end of the stream);
    ``(data_before_the_error, exc)`` when the stream turned out damaged or unreadable.
    """
    read1 = getattr(stream, "read1", None) or stream.read
    parts: list[bytes] = []
    got = 0
    try:
        while got < size:
            data = read1(size - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
    except READ_ERRORS as exc:
        return b"".join(parts), exc
    return (parts[0] if len(parts) == 1 else b"".join(parts)), None
