"""Is it text, a binary journal, an image, a tar archive? Decided from the first bytes.

    >>> looks_binary(b"Mar  8 14:02:11 xen07 kernel: xen_net: Memory squeeze in netback driver.\\n")
    >>> looks_binary(b"LPKSHHRH\\x00\\x00\\x00\\x00")      # /var/log/journal/*/system.journal
    'journal_binary'
    >>> looks_binary(b"\\x7fELF\\x02\\x01\\x01\\x00" + bytes(56))
    'binary'

Logs may hold runs of NUL bytes (a syslog file after a crash, or after ``copytruncate`` with a
writer that kept its offset): runs of 16 or more NULs are padding, not evidence of binary data,
and :func:`probe` looks past a head that is all NULs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, Callable

from .compress import READ_ERRORS, describe_error, open_decompressed, read_some, sniff_compression

HEAD_BYTES = 8192
#: how far :func:`probe` looks for the first non-NUL byte of a NUL-padded file
NUL_PROBE_BYTES = 4 << 20

JOURNAL_MAGIC = b"LPKSHHRH"
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")

#: control bytes that text logs do not contain (tab, LF, VT, FF, CR and ESC for ANSI colours
#: are allowed)
CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
NUL_RUN = re.compile(rb"\x00{16,}")
#: more than this share of control bytes (after NUL runs are removed) makes a head binary
MAX_CONTROL_SHARE = 0.05
#: more than this share of undecodable UTF-8 sequences makes a head binary
MAX_INVALID_SHARE = 0.30


def looks_binary(head: bytes) -> str | None:
    """The reason a stream is not a text log, judged from its first bytes, or None for text.

    Reasons: "journal_binary" (systemd journal file), "image", "binary". An empty head is text.
    """
    if not head:
        return None
    if head.startswith(JOURNAL_MAGIC):
        return "journal_binary"
    if head.startswith(IMAGE_MAGIC):
        return "image"
    body = NUL_RUN.sub(b"", head)
    if not body:
        return "binary"
    control = len(body) - len(body.translate(None, CONTROL_BYTES))
    if control > MAX_CONTROL_SHARE * len(body):
        return "binary"
    # cut a possibly incomplete last UTF-8 sequence before judging validity
    text = body[:-3] if len(body) > 3 else body
    pre = text.count(b"\xef\xbf\xbd")
    invalid = text.decode("utf-8", "replace").count("\ufffd") - pre
    if invalid > MAX_INVALID_SHARE * max(len(text), 1):
        return "binary"
    return None


def is_tar_header(head: bytes) -> bool:
    """True when ``head`` starts with a POSIX/GNU tar header (``ustar`` magic, valid checksum)."""
    if len(head) < 512 or head[257:262] != b"ustar":
        return False
    field = head[148:156].replace(b"\x00", b" ").strip()
    try:
        stored = int(field or b"0", 8)
    except ValueError:
        return False
    unsigned = sum(head[:148]) + 8 * 0x20 + sum(head[156:512])
    return stored == unsigned


@dataclass
class Probe:
    """What the first bytes of an input say about it."""

    compression: str | None = None
    is_tar: bool = False
    binary: str | None = None  # looks_binary() reason
    error: str | None = None  # "unreadable: ..." / "corrupt: ..." when nothing could be read


def probe(open_raw: Callable[[], IO[bytes]]) -> Probe:
    """Open an input once and look at its (decompressed) head.

    A compressed input that fails before yielding a single byte gives ``error``; one that yields
    some bytes and then fails is judged on those bytes (the line reader reports the damage).
    """
    try:
        raw = open_raw()
    except READ_ERRORS as exc:
        return Probe(error=describe_error(exc))
    try:
        head, exc = read_some(raw, HEAD_BYTES)
    finally:
        raw.close()
    if exc is not None and not head:
        return Probe(error=describe_error(exc))
    compression = sniff_compression(head)
    if compression is None:
        stream_open = open_raw
    else:
        def stream_open() -> IO[bytes]:
            return open_decompressed(open_raw, compression)
    try:
        stream = stream_open() if compression else None
    except READ_ERRORS as exc:
        return Probe(compression=compression, error=describe_error(exc, compression=compression))
    if stream is not None:
        try:
            head, exc = read_some(stream, HEAD_BYTES)
        finally:
            stream.close()
        if exc is not None and not head:
            return Probe(compression=compression,
                         error=describe_error(exc, compression=compression))
    if is_tar_header(head):
        return Probe(compression=compression, is_tar=True)
    if head and len(head) == HEAD_BYTES and not head.strip(b"\x00"):
        head = _past_nul_padding(stream_open)
    return Probe(compression=compression, binary=looks_binary(head))


def _past_nul_padding(stream_open: Callable[[], IO[bytes]]) -> bytes:
    """The first HEAD_BYTES after a leading run of NULs (b"\\0" if the run is too long)."""
    try:
        stream = stream_open()
    except READ_ERRORS:
        return b"\x00"
    try:
        seen = 0
        while seen < NUL_PROBE_BYTES:
            block, _ = read_some(stream, 1 << 16)
            if not block:
                return b"\x00"
            seen += len(block)
            rest = block.lstrip(b"\x00")
            if rest:
                more, _ = read_some(stream, HEAD_BYTES)
                return (rest + more)[:HEAD_BYTES]
        return b"\x00"
    finally:
        stream.close()
