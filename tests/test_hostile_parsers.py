"""Hostile input through every parser and the real line reader: never raise, count every line.

Property: for any list of lines, ``lines_parsed + sum(unparsed.values()) == len(lines)``, the
events table has exactly the contract columns, and every event points at a line it was given.
Lines come from arbitrary text, from arbitrary bytes decoded by the real line reader
(``analyzer.sources.iter_stream_chunks``), and from real log lines with hostile bytes spliced in.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.model import PARSE_COLUMNS
from analyzer.parse import PARSER_MODULES, parser_for, sniff
from analyzer.sources import iter_stream_chunks

#: Real lines, one or more per format (sample_logs/ and tests/data/, see SOURCES.md).
SEEDS = (
    "Mar  7 10:16:03 xen07 kernel: xen_net: Memory squeeze in netback driver.",
    "Mar  7 10:16:18 xen07 kernel: printk: 1100 messages suppressed.",
    "Mar  7 06:18:10 xen07 xinetd[2554]: START: nrpe pid=10579 from=10.20.0.5",
    "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 "
    "euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
    "Jul 27 14:41:57 combo last message repeated 3 times",
    "(XEN) Domain heap initialised: DMA width 32 bits",
    "(XEN)  0000000000100000 - 00000000cfe61000 (usable)",
    "(XEN) [2023-09-14 08:31:01] Xen version 4.17.2 (Debian 4.17.2+76-ge1f9cb16e2-1~deb12u1)",
    "[2009-03-05 11:20:44 22531] INFO (XendDomainInfo:278) Recreating domain 7, UUID "
    "da5b4baa-23ba-43e6-80c8-2e95513bb71e. at /local/domain/7",
    "[2009-03-05 16:03:13 22531] DEBUG (image:209) memsize        = 256",
    "Traceback (most recent call last):",
    "libxl: error: libxl_create.c:1208:domcreate_launch_dm: Domain 12:device model did not start",
    "2023-09-14T08:31:03+00:00 xl-modern01 kernel: software IO TLB: mapped "
    "[mem 0x0000000362a00000-0x0000000366a00000] (64MB)",
    "<4>1 2023-09-14T08:31:03.123456+00:00 xl-modern01 kernel - - - xen_net: Memory squeeze",
    "[    0.247209] Console: colour dummy device 80x25",
    "[    0.253406] printk: console [tty0] enabled",
    "[  123.456789] [drm] Initialized i915 1.6.0 20200114 for 0000:00:02.0 on minor 0",
    "[Sat Mar  7 10:16:03 2009] xen_net: Memory squeeze in netback driver.",
    "[ 1158996.071021] [UFW BLOCK] IN=eno1 OUT= MAC=d4:ae:52:c1:9e:20:00:1c:7f:3a:55:01:08:00",
    '{"__REALTIME_TIMESTAMP":"1694680263000000","_BOOT_ID":"4f0e","PRIORITY":"4",'
    '"SYSLOG_IDENTIFIER":"kernel","MESSAGE":"xen_net: Memory squeeze in netback driver."}',
    '{"MESSAGE":[120,101,110]}',
    "-- Boot 4f0e9d2a1b3c4d5e6f708192a3b4c5d6 --",
    "-- Logs begin at Thu 2023-09-14 08:31:00 UTC, end at Thu 2023-09-14 09:00:00 UTC. --",
    "[    5.012345] xen-blkback: backend/vbd/1/51712: using 4 queues, protocol 1 (x86_64-abi)",
    "PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:05:00.0",
    "  [<ffffffff8020b1c4>] dump_trace+0x64/0x2a0",
    "",
    "   ",
)

#: What attackers and broken machines put in lines.
HOSTILE = (
    "\x00", "\ufffd", "\r", "\x1b[31m", "\x1b]0;title\x07", "\x0c", "\x0b", "\u2028", "\u0085",
    "\ud7ff", "\U0001f4a5", "<script>alert(1)</script>", "[/drm]", "](javascript:alert(1))",
    "|", "`", "{", "}", "\\", "%s%n", "'", '"', "\t", "[", "]", "(XEN) ", "[ ", "[2009-",
    "<", ">", "9" * 40, "-1", "NaN", "1e309",
)

# Lines as the line reader gives them: never a "\n" inside (surrogates cannot be encoded).
_line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=200)


@st.composite
def spliced(draw) -> str:
    """A real line with hostile pieces inserted, or cut short, or a real prefix + garbage."""
    line = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(line)))
        piece = draw(st.one_of(st.sampled_from(HOSTILE), _line_text))
        line = line[:at] + piece + line[at:]
    if draw(st.booleans()):
        line = line[: draw(st.integers(0, len(line)))]
    return line


LINES = st.lists(st.one_of(st.sampled_from(SEEDS), spliced(), _line_text), max_size=25)

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check_result(result, lines: list[str], first_line: int) -> None:
    assert result.lines_parsed + sum(result.unparsed.values()) == len(lines), (
        result.format, result.lines_parsed, dict(result.unparsed), len(lines))
    assert result.lines_parsed >= 0 and all(v >= 0 for v in result.unparsed.values())
    events = result.events
    assert tuple(events.columns) == PARSE_COLUMNS
    if len(events):
        assert events["line"].between(first_line, first_line + len(lines) - 1).all()
        assert (events["end_line"] >= events["line"]).all()
        assert events["end_line"].between(first_line, first_line + len(lines) - 1).all()
        assert (events["count"] >= 1).all()
        assert all(isinstance(m, str) for m in events["message"])
    for w in result.warnings:
        assert isinstance(w.excerpt, str) and len(w.excerpt) <= 200


@pytest.mark.parametrize("module", PARSER_MODULES)
@SETTINGS
@given(lines=LINES, first_line=st.integers(1, 10**9))
def test_every_parser_counts_every_text_line(module, lines, first_line):
    parser = parser_for(module)
    result = parser.parse(list(lines), source="hostile.log", first_line=first_line)
    check_result(result, lines, first_line)


@pytest.mark.parametrize("module", PARSER_MODULES)
@SETTINGS
@given(lines=LINES)
def test_every_parser_sniff_is_a_share(module, lines):
    score = parser_for(module).sniff(list(lines))
    assert 0.0 <= score <= 1.0


def expected_line_count(data: bytes) -> int:
    """DESIGN.md: lines end in "\\n" (as wc -l counts) plus a final line without one."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


_bytes = st.one_of(
    st.binary(max_size=3000),
    st.lists(st.one_of(st.sampled_from([s.encode() for s in SEEDS]),
                       st.binary(max_size=60),
                       st.sampled_from([b"\r\n", b"\n", b"\r", b"\x00", b"\xff\xfe", b"\xc3",
                                        b"\xe2\x80\xa8", b"\xef\xbf\xbd", b"\x1f\x8b\x08"])),
             max_size=40).map(b"".join),
)


@SETTINGS
@given(data=_bytes, max_line_bytes=st.sampled_from([80, 120, 64 * 1024]),
       chunk_lines=st.sampled_from([1, 3, 1000]))
def test_arbitrary_bytes_through_line_reader_and_sniffed_parser(data, max_line_bytes,
                                                                chunk_lines):
    chunks = list(iter_stream_chunks(io.BytesIO(data), max_line_bytes=max_line_bytes,
                                     chunk_lines=chunk_lines))
    total = sum(len(c.lines) for c in chunks)
    assert total == expected_line_count(data)
    assert all(c.stopped is None for c in chunks)  # intact input, no limit: read to the end
    expected_first = 1
    parser = None
    for chunk in chunks:
        assert chunk.first_line == expected_first
        expected_first += len(chunk.lines)
        for line in chunk.lines:
            assert "\n" not in line
            assert len(line.encode("utf-8", "surrogatepass")) <= max_line_bytes * 3
        if parser is None and chunk.lines:
            parser = sniff(chunk.lines)
        if chunk.lines:
            check_result(parser.parse(chunk.lines, source="x", first_line=chunk.first_line),
                         chunk.lines, chunk.first_line)


@pytest.mark.parametrize("module", PARSER_MODULES)
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=_bytes)
def test_arbitrary_bytes_through_line_reader_and_each_parser(module, data):
    lines = [ln for c in iter_stream_chunks(io.BytesIO(data), max_line_bytes=200)
             for ln in c.lines]
    assert len(lines) == expected_line_count(data)
    check_result(parser_for(module).parse(lines, source="x"), lines, 1)


def test_truncated_and_replaced_bytes_are_counted_not_dropped():
    """A real line, a NUL, invalid UTF-8 and a 1 MB line: all lines kept, damage counted."""
    data = (SEEDS[0].encode() + b"\n"
            + b"Mar  7 10:16:04 xen07 kernel: a\x00b\xff\xfec\n"
            + b"Mar  7 10:16:05 xen07 kernel: " + b"A" * (1 << 20) + b"\n"
            + SEEDS[1].encode())
    chunks = list(iter_stream_chunks(io.BytesIO(data), max_line_bytes=4096))
    lines = [ln for c in chunks for ln in c.lines]
    assert len(lines) == 4
    assert sum(c.lines_truncated for c in chunks) == 1
    assert sum(c.bytes_replaced for c in chunks) == 3  # NUL + two invalid bytes
    assert len(lines[2].encode()) == 4096
    assert lines[3] == SEEDS[1]
    result = sniff(lines).parse(lines, source="x")
    check_result(result, lines, 1)
    assert result.format == "syslog"
