"""Decoded lines from a byte stream, in chunks, with the accounting the report needs.

    >>> import io
    >>> data = (b"Mar  8 14:02:11 xen07 kernel: xen_net: Memory squeeze in netback driver.\\r\\n"
    ...         b"Mar  8 14:02:16 xen07 kernel: printk: 4 messages suppressed.")
    >>> [c.lines for c in iter_stream_chunks(io.BytesIO(data), max_line_bytes=80)]
    [['Mar  8 14:02:11 xen07 kernel: xen_net: Memory squeeze in netback driver.', \
'Mar  8 14:02:16 xen07 kernel: printk: 4 messages suppressed.']]

What a line is (DESIGN.md): the bytes up to a ``\\n``, as ``wc -l`` counts, plus a final line
without one. Only ``\\n`` ends a line: a lone ``\\r``, form feed, ``\\x0b``, ``\\x1c``-``\\x1e``,
U+0085 or U+2028 inside a line are content (so never ``str.splitlines()``). One ``\\r`` before the
``\\n`` (CRLF) is removed; so is a ``\\r`` that ends the data (a CRLF file cut between the two).

Accounting, per chunk (sum them for a source):

- ``bytes_replaced``: U+FFFD characters that decoding produced: one per invalid UTF-8 sequence
  (Python's "replace" handler) and one per NUL byte (NULs are replaced too). U+FFFD that was
  already in the input as ``EF BF BD`` is not counted.
- ``lines_truncated``: lines longer than ``max_line_bytes`` (bytes, without the line end). Such
  a line is cut at the limit (backed off to a UTF-8 character boundary; a ``\r`` right before
  the cut goes too, as if it were CRLF) and the rest of it is discarded; it stays one line.
- ``stopped``: set on the last chunk only, when reading ended before the end of the data:
  ``"limit: ..."`` (``max_file_bytes`` of decompressed data read), ``"corrupt: gz: ..."`` (a
  damaged compressed stream; the lines read before the damage are kept and yielded), or
  ``"unreadable: ..."``. That last chunk may have no lines. An empty, intact input yields no
  chunk at all.

The hot path works on big blocks: one ``numpy`` scan finds the newlines of a block, one
``bytes.decode`` and one ``str.split`` turn it into lines. Memory is bounded by the block size
plus ``max_line_bytes`` plus ``chunk_lines`` lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Iterator

import numpy as np

from ..model import Source
from ..options import Options
from .compress import READ_ERRORS, describe_error, read_some

BLOCK_BYTES = 8 << 20
DEFAULT_CHUNK_LINES = 100_000
REPLACEMENT_UTF8 = b"\xef\xbf\xbd"


@dataclass
class LineChunk:
    """Consecutive decoded lines of one source.

    ``first_line`` is the 1-based number of ``lines[0]``; numbering continues across chunks.
    ``lines_truncated``/``bytes_replaced`` count what happened to the lines of this chunk.
    ``stopped`` is set on the final chunk when reading ended early (see the module docstring).
    """

    lines: list[str]
    first_line: int
    lines_truncated: int = 0
    bytes_replaced: int = 0
    stopped: str | None = None


def iter_line_chunks(source: Source, *, options: Options,
                     chunk_lines: int = DEFAULT_CHUNK_LINES) -> Iterator[LineChunk]:
    """The decoded lines of ``source`` (its decompressed content), ``chunk_lines`` at a time.

    Never raises on bad data: a source that cannot be opened or breaks while being read ends
    with a chunk whose ``stopped`` says why.
    """
    try:
        stream = source.open()
    except READ_ERRORS as exc:
        yield LineChunk([], 1, stopped=describe_error(exc))
        return
    try:
        yield from iter_stream_chunks(
            stream, max_line_bytes=options.max_line_bytes, max_file_bytes=options.max_file_bytes,
            chunk_lines=chunk_lines)
    finally:
        stream.close()


def iter_stream_chunks(stream: IO[bytes], *, max_line_bytes: int,
                       max_file_bytes: int | None = None,
                       chunk_lines: int = DEFAULT_CHUNK_LINES,
                       block_bytes: int = BLOCK_BYTES) -> Iterator[LineChunk]:
    """:func:`iter_line_chunks` over an open binary stream (which the caller closes)."""
    if chunk_lines < 1 or max_line_bytes < 1 or block_bytes < 1:
        raise ValueError("chunk_lines, max_line_bytes and block_bytes must be >= 1")
    out = _ChunkBuilder(chunk_lines)
    carry = b""  # the incomplete last line of the data read so far (<= max_line_bytes)
    cut: bytes | None = None  # kept head of an over-long line whose rest is being discarded
    remaining = max_file_bytes if max_file_bytes is not None else float("inf")
    stopped = None
    while True:
        want = int(min(block_bytes, remaining))
        if want <= 0:
            if _has_more(stream):
                stopped = (f"limit: stopped after {max_file_bytes} decompressed bytes"
                           " (--max-file-bytes)")
            break
        block, exc = read_some(stream, want)
        remaining -= len(block)
        if block:
            first_truncated = False
            data = b""
            if cut is not None:
                end = block.find(b"\n")
                if end >= 0:  # else: still inside the over-long line, discard the block
                    data = cut + block[end:]
                    cut, first_truncated = None, True
            else:
                data = carry + block if carry else block
            if data:
                last = data.rfind(b"\n")
                part, carry = (data[: last + 1], data[last + 1:]) if last >= 0 else (b"", data)
                if len(carry) > max_line_bytes + 1:  # +1: it may end in the "\r" of CRLF
                    cut, carry = _cut(carry, 0, max_line_bytes), b""
                if part:
                    yield from _emit(out, part, max_line_bytes, first_truncated)
        if exc is not None:
            stopped = describe_error(exc)
            break
        if not block:
            break
    if cut is not None:
        yield from _emit(out, cut + b"\n", max_line_bytes, True)
    elif carry:
        yield from _emit(out, carry + b"\n", max_line_bytes, False)
    final = out.take(stopped)
    if final is not None:
        yield final


def _has_more(stream: IO[bytes]) -> bool:
    data, _ = read_some(stream, 1)
    return bool(data)


def _cut(data: bytes, start: int, limit: int) -> bytes:
    """``data[start:start+limit]`` backed off so it does not end inside a UTF-8 character."""
    end = start + limit
    if end < len(data):
        for _ in range(3):  # a UTF-8 character has at most 3 continuation bytes
            if end > start and (data[end] & 0xC0) == 0x80:
                end -= 1
            else:
                break
    return data[start:end]


def _emit(out: "_ChunkBuilder", part: bytes, max_line_bytes: int,
          first_truncated: bool) -> Iterator[LineChunk]:
    """Add the lines of ``part`` (complete lines, ending in ``\\n``) to ``out``."""
    arr = np.frombuffer(part, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    truncated = [0] if first_truncated else []
    if len(part) - len(ends) > max_line_bytes:  # only then can a line be too long
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        lengths = ends - starts
        if int(lengths.max()) > max_line_bytes:
            has_cr = (lengths > 0) & (arr[ends - 1] == 13)
            long_lines = np.flatnonzero(lengths - has_cr > max_line_bytes)
            pieces, prev = [], 0
            for i in long_lines.tolist():
                head = _cut(part, int(starts[i]), max_line_bytes)
                pieces.append(part[prev: int(starts[i])])
                pieces.append(head)
                prev = int(ends[i])  # keep the "\n"
            pieces.append(part[prev:])
            part = b"".join(pieces)
            ends = np.flatnonzero(np.frombuffer(part, dtype=np.uint8) == 10)
            truncated = sorted(set(truncated) | set(long_lines.tolist()))
    n = len(ends)
    i = 0
    while i < n:
        take = min(n - i, out.room())
        start = 0 if i == 0 else int(ends[i - 1]) + 1
        stop = int(ends[i + take - 1]) + 1
        segment = part if (start == 0 and stop == len(part)) else part[start:stop]
        lines, replaced = _decode(segment)
        cut_here = sum(1 for t in truncated if i <= t < i + take) if truncated else 0
        chunk = out.add(lines, cut_here, replaced)
        if chunk is not None:
            yield chunk
        i += take


def _decode(segment: bytes) -> tuple[list[str], int]:
    """Lines of ``segment`` (complete lines) and the number of U+FFFD decoding produced."""
    before = segment.count(REPLACEMENT_UTF8)
    text = segment.decode("utf-8", "replace")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    replaced = text.count("\ufffd") - before
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    lines.pop()  # the segment ends with "\n"
    return lines, replaced


class _ChunkBuilder:
    """Collects lines into chunks of at most ``size`` lines, numbering them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lines: list[str] = []
        self.first_line = 1
        self.truncated = 0
        self.replaced = 0

    def room(self) -> int:
        return self.size - len(self.lines)

    def add(self, lines: list[str], truncated: int, replaced: int) -> LineChunk | None:
        if self.lines:
            self.lines.extend(lines)
        else:
            self.lines = lines
        self.truncated += truncated
        self.replaced += replaced
        return self.take(None) if len(self.lines) >= self.size else None

    def take(self, stopped: str | None) -> LineChunk | None:
        if not self.lines and stopped is None:
            return None
        chunk = LineChunk(self.lines, self.first_line, self.truncated, self.replaced, stopped)
        self.first_line += len(self.lines)
        self.lines, self.truncated, self.replaced = [], 0, 0
        return chunk
