"""analyzer/sources/lines.py: what a line is, and exact accounting of what was changed."""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.model import ROLE_LOG, Source
from analyzer.options import Options
from analyzer.sources import LineChunk, iter_line_chunks, iter_stream_chunks
from analyzer.sources.compress import open_decompressed

DATA = Path(__file__).parent / "data"
XEN_DMESG = DATA / "real-dmesg" / "01_FlorianHeigl_xenserver-health__dmesg.log"
LINUX_2K = DATA / "loghub" / "Linux_2k.log"  # CRLF, no final newline

SQUEEZE = b"Mar  8 14:02:11 xen07 kernel: xen_net: Memory squeeze in netback driver."
SUPPRESSED = b"Mar  8 14:02:16 xen07 kernel: printk: 4 messages suppressed."
SWIOTLB = (b"Mar  8 14:02:17 xen07 kernel: PCI-DMA: Out of SW-IOMMU space for 65536 bytes at "
           b"device 0000:05:00.0")


def source_of(data: bytes, path: str = "var/log/kern.log") -> Source:
    return Source(path=path, role=ROLE_LOG, open=lambda: io.BytesIO(data))


def read_all(data: bytes, **kw) -> list[LineChunk]:
    options = Options(**{k: v for k, v in kw.items() if k.startswith("max_")})
    chunk_lines = kw.get("chunk_lines", 100_000)
    return list(iter_line_chunks(source_of(data), options=options, chunk_lines=chunk_lines))


def all_lines(chunks: list[LineChunk]) -> list[str]:
    return [line for chunk in chunks for line in chunk.lines]


def wc_l(data: bytes) -> int:
    """``wc -l`` plus one for a final line without a newline (DESIGN.md's line definition)."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def test_empty_input_gives_no_chunks():
    assert read_all(b"") == []


def test_only_newline_splits_lines_other_separators_are_content():
    data = (SQUEEZE + b" a\rb\x0cc\x0bd\x1ce\x1df\x1eg\xc2\x85h\xe2\x80\xa8i\r\n"
            + SUPPRESSED + b"\n")
    chunks = read_all(data)
    assert all_lines(chunks) == [
        SQUEEZE.decode() + " a\rb\x0cc\x0bd\x1ce\x1df\x1eg\x85h\u2028i",
        SUPPRESSED.decode(),
    ]
    assert chunks[0].bytes_replaced == 0 and chunks[0].lines_truncated == 0


def test_crlf_strips_exactly_one_cr_and_lone_cr_stays():
    data = SQUEEZE + b"\r\r\n" + b"\r\n" + b"\rprefix-cr\n"
    assert all_lines(read_all(data)) == [SQUEEZE.decode() + "\r", "", "\rprefix-cr"]


def test_final_line_without_newline_counts_like_wc_l_plus_one():
    data = SQUEEZE + b"\n\n" + SUPPRESSED
    lines = all_lines(read_all(data))
    assert len(lines) == wc_l(data) == 3
    assert lines == [SQUEEZE.decode(), "", SUPPRESSED.decode()]


def test_invalid_utf8_and_nul_are_replaced_and_counted_exactly():
    data = (b"bad \xff\xfe utf8, cut \xe2\x80 char, nul \x00\x00 end\n"
            b"already \xef\xbf\xbd in the input\n"
            + SQUEEZE + b"\n")
    chunks = read_all(data)
    assert all_lines(chunks)[:2] == [
        "bad \ufffd\ufffd utf8, cut \ufffd char, nul \ufffd\ufffd end",
        "already \ufffd in the input",
    ]
    # \xff, \xfe, the cut sequence \xe2\x80 (one U+FFFD), two NULs; the U+FFFD already present
    # in the input is not a replacement
    assert sum(c.bytes_replaced for c in chunks) == 5


def test_long_line_is_cut_counted_and_its_rest_discarded():
    long = SWIOTLB + b" " + b"x" * 500
    data = SQUEEZE + b"\n" + long + b"\n" + SUPPRESSED + b"\n"
    chunks = read_all(data, max_line_bytes=100)
    lines = all_lines(chunks)
    assert lines == [SQUEEZE.decode(), long[:100].decode(), SUPPRESSED.decode()]
    assert sum(c.lines_truncated for c in chunks) == 1


def test_cut_backs_off_to_a_character_boundary():
    data = b"ab\xe2\x82\xac\xe2\x82\xac\n"  # "ab€€": a cut at 4 bytes would split the first €
    chunks = read_all(data, max_line_bytes=4)
    assert all_lines(chunks) == ["ab"]
    assert chunks[0].lines_truncated == 1 and chunks[0].bytes_replaced == 0


def test_crlf_line_exactly_at_the_limit_is_not_truncated():
    data = b"x" * 10 + b"\r\n" + b"y" * 11 + b"\r\n"
    chunks = list(iter_stream_chunks(io.BytesIO(data), max_line_bytes=10, block_bytes=11))
    assert all_lines(chunks) == ["x" * 10, "y" * 10]
    assert sum(c.lines_truncated for c in chunks) == 1


def test_long_line_spanning_many_blocks_is_bounded_and_one_line():
    data = b"head\n" + b"z" * 10_000 + b"\n" + b"tail"
    chunks = list(iter_stream_chunks(io.BytesIO(data), max_line_bytes=64, block_bytes=100))
    assert all_lines(chunks) == ["head", "z" * 64, "tail"]
    assert sum(c.lines_truncated for c in chunks) == 1


def test_chunks_number_lines_continuously():
    data = b"".join(b"%s %d\n" % (SQUEEZE, i) for i in range(25))
    chunks = list(iter_stream_chunks(io.BytesIO(data), max_line_bytes=1000, chunk_lines=10,
                                     block_bytes=333))
    assert [(c.first_line, len(c.lines)) for c in chunks] == [(1, 10), (11, 10), (21, 5)]
    assert chunks[2].lines[-1].endswith(" 24")


def test_accounting_goes_to_the_chunk_holding_the_line():
    data = b"ok\n" * 3 + b"bad \xff\n" + b"ok\n" * 3 + b"x" * 50 + b"\n"
    chunks = list(iter_stream_chunks(io.BytesIO(data), max_line_bytes=20, chunk_lines=3))
    assert [(c.first_line, c.bytes_replaced, c.lines_truncated) for c in chunks] == [
        (1, 0, 0), (4, 1, 0), (7, 0, 1)]


def test_real_crlf_log_without_final_newline_matches_wc_l():
    data = LINUX_2K.read_bytes()
    chunks = list(iter_stream_chunks(io.BytesIO(data), max_line_bytes=65536, block_bytes=4096,
                                     chunk_lines=700))
    lines = all_lines(chunks)
    assert len(lines) == wc_l(data) == 2000
    assert not any("\r" in line for line in lines)
    assert lines[0] == data.split(b"\r\n", 1)[0].decode()
    assert lines[-1] == data.rsplit(b"\r\n", 1)[1].decode()


def test_real_dmesg_block_size_does_not_change_the_result():
    data = XEN_DMESG.read_bytes()
    expected = data.decode().split("\n")[:-1]
    for block in (7, 512, 1 << 20):
        chunks = list(iter_stream_chunks(io.BytesIO(data), max_line_bytes=65536,
                                         block_bytes=block))
        assert all_lines(chunks) == expected


def test_truncated_gzip_keeps_the_lines_before_the_damage():
    rng = random.Random(7)
    data = b"".join(b"[%6d.%06d] xen_net: Memory squeeze in netback driver. vif%d.%d %x\n"
                    % (i, rng.randrange(10**6), rng.randrange(40), rng.randrange(4),
                       rng.getrandbits(64)) for i in range(5000))
    packed = gzip.compress(data)
    broken = packed[: len(packed) // 2]
    source = Source(path="kern.log.1.gz", role=ROLE_LOG,
                    open=lambda: open_decompressed(lambda: io.BytesIO(broken), "gz"))
    chunks = list(iter_line_chunks(source, options=Options(), chunk_lines=1000))
    lines = all_lines(chunks)
    assert chunks[-1].stopped is not None and chunks[-1].stopped.startswith("corrupt: ")
    assert all(c.stopped is None for c in chunks[:-1])
    assert len(lines) > 1000
    expected = data.decode().split("\n")
    assert lines[:-1] == expected[: len(lines) - 1]
    assert expected[len(lines) - 1].startswith(lines[-1])  # the last line may be partial


def test_max_file_bytes_stops_reading_and_says_so():
    data = b"".join(b"%s %d\n" % (SQUEEZE, i) for i in range(1000))
    limit = 10 * (len(SQUEEZE) + 3) + 5
    chunks = read_all(data, max_file_bytes=limit)
    assert chunks[-1].stopped.startswith("limit: ")
    assert len(all_lines(chunks)) == 11  # ten whole lines and the five bytes read of the next


def test_max_file_bytes_exactly_at_the_end_is_not_a_stop():
    data = SQUEEZE + b"\n"
    chunks = read_all(data, max_file_bytes=len(data))
    assert [c.stopped for c in chunks] == [None]


def test_gzip_bomb_is_read_only_up_to_the_limit():
    bomb = gzip.compress(b"A" * (64 << 20), compresslevel=1)
    stream = open_decompressed(lambda: io.BytesIO(bomb), "gz")
    chunks = list(iter_stream_chunks(stream, max_line_bytes=1000, max_file_bytes=1 << 20))
    assert all_lines(chunks) == ["A" * 1000]
    assert chunks[-1].lines_truncated == 1
    assert chunks[-1].stopped.startswith("limit: ")
    assert stream.tell() <= (1 << 20) + (1 << 17)  # decompressed about as much as allowed


def test_unopenable_source_ends_with_an_unreadable_chunk():
    def refuse():
        raise PermissionError(13, "Permission denied")

    chunks = list(iter_line_chunks(Source(path="messages", role=ROLE_LOG, open=refuse),
                                   options=Options()))
    assert chunks == [LineChunk([], 1, 0, 0, "unreadable: Permission denied")]


# --- the definition, checked against a straightforward reference on arbitrary bytes ----------

def reference(data: bytes, max_line: int) -> tuple[list[str], int, int]:
    if not data:
        return [], 0, 0
    raw_lines = data.split(b"\n")
    if raw_lines[-1] == b"":
        raw_lines.pop()
    lines, truncated, replaced = [], 0, 0
    for raw in raw_lines:
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if len(raw) > max_line:
            truncated += 1
            end = max_line
            while end > max_line - 3 and end > 0 and (raw[end] & 0xC0) == 0x80:
                end -= 1
            raw = raw[:end]
            if raw.endswith(b"\r"):  # documented: a cut right after a "\r" loses it
                raw = raw[:-1]
        text = raw.decode("utf-8", "replace").replace("\x00", "\ufffd")
        replaced += text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
        lines.append(text)
    return lines, truncated, replaced


PIECES = st.sampled_from([b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xe2\x82", b"\xe2\x82\xac",
                          b"\xef\xbf\xbd", b"\x0c", b"\xc2\x85", b"xen_net: ", b"squeeze", b"a"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=80).map(b"".join), st.integers(1, 12), st.integers(1, 40),
       st.integers(1, 7))
def test_matches_reference_for_any_bytes_and_block_sizes(data, max_line, block, chunk_lines):
    chunks = list(iter_stream_chunks(io.BytesIO(data), max_line_bytes=max_line,
                                     block_bytes=block, chunk_lines=chunk_lines))
    lines, truncated, replaced = reference(data, max_line)
    assert all_lines(chunks) == lines
    assert sum(c.lines_truncated for c in chunks) == truncated
    assert sum(c.bytes_replaced for c in chunks) == replaced
    assert [c.first_line for c in chunks] == list(range(1, len(lines) + 1, chunk_lines))
    assert all(0 < len(c.lines) <= chunk_lines for c in chunks)


@pytest.mark.parametrize("bad", [0, -1])
def test_nonsense_sizes_are_refused(bad):
    with pytest.raises(ValueError):
        list(iter_stream_chunks(io.BytesIO(b"x\n"), max_line_bytes=bad))
