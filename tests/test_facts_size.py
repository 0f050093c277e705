"""Xen's size grammar and dom0_mem= (analyzer/facts/size.py)."""

import pytest

from analyzer.facts.size import (
    DOM0_MEM_OPTION_RE, SWIOTLB_OPTION_RE, Dom0Mem, last_option, parse_dom0_mem, parse_xen_size,
    xl_sees_dom0_mem,
)

MIB = 1 << 20


@pytest.mark.parametrize("text, expected", [
    ("256000", 256000 * 1024),  # no suffix: kB
    ("512M", 512 * MIB),
    ("512m", 512 * MIB),
    ("2G", 2048 * MIB),
    ("1T", 1 << 40),
    ("4096K", 4 * MIB),
    ("100B", 100),
    ("0x100000", 0x100000 * 1024),  # strtoull base 0: hex
    ("010", 8 * 1024),  # ... and octal
])
def test_parse_xen_size(text, expected):
    assert parse_xen_size(text) == expected


def test_parse_xen_size_default_unit():
    assert parse_xen_size("64", default_unit="M") == 64 * MIB
    assert parse_xen_size("64", default_unit="b") == 64
    with pytest.raises(ValueError, match="default unit"):
        parse_xen_size("64", default_unit="X")


@pytest.mark.parametrize("bad", ["", "M", "512MB", "-1G", "1.5G", "08", "10%"])
def test_parse_xen_size_rejects(bad):
    with pytest.raises(ValueError):
        parse_xen_size(bad)


def test_dom0_mem_plain_number_is_kilobytes():
    # the motivating fix: dom0_mem=256000 is 250 MiB, not 256000 MiB
    assert parse_dom0_mem("256000") == Dom0Mem(
        base_mib=250.0, min_mib=None, max_mib=None, raw="256000", has_base=True)
    # the blog advice dom0_mem=1048576 means 1 GiB
    assert parse_dom0_mem("1048576").base_mib == 1024


@pytest.mark.parametrize("value, base", [("512M", 512), ("2G", 2048), ("1024m", 1024)])
def test_dom0_mem_suffixes(value, base):
    assert parse_dom0_mem(value).base_mib == base


def test_dom0_mem_min_max_only_has_no_base():
    d = parse_dom0_mem("min:1G,max:4G")
    assert (d.base_mib, d.min_mib, d.max_mib, d.has_base) == (None, 1024, 4096, False)


def test_dom0_mem_negative_needs_ram():
    assert parse_dom0_mem("-128M", ram_mib=8190).base_mib == 8062
    d = parse_dom0_mem("-128M")
    assert d.base_mib is None and d.has_base and d.relative


def test_dom0_mem_size_and_max():
    d = parse_dom0_mem("1024M,max:1024M")
    assert (d.base_mib, d.max_mib, d.min_mib) == (1024, 1024, None)
    assert not d.relative


def test_dom0_mem_fractions():
    assert parse_dom0_mem("10%", ram_mib=8190).base_mib == pytest.approx(819)
    assert parse_dom0_mem("1G+10%", ram_mib=8190).base_mib == pytest.approx(1024 + 819)
    assert parse_dom0_mem("-10%", ram_mib=8190).base_mib == pytest.approx(8190 - 819)
    assert parse_dom0_mem("max:50%", ram_mib=8000).max_mib == pytest.approx(4000)
    d = parse_dom0_mem("1G+10%")
    assert d.base_mib is None and d.relative


def test_dom0_mem_later_items_override_and_trailing_comma():
    assert parse_dom0_mem("512M,1G").base_mib == 1024
    assert parse_dom0_mem("max:2G,").max_mib == 2048


@pytest.mark.parametrize("bad", ["", "512MB", "100%", "10%+1G", "1G,,2G", "lots", "min:"])
def test_dom0_mem_rejects_what_xen_rejects(bad):
    with pytest.raises(ValueError):
        parse_dom0_mem(bad)


def test_last_option_ignores_placeholder_and_takes_last():
    line = "placeholder dom0_mem=512M loglvl=all guest_loglvl=all dom0_mem=1G,max:1G"
    assert last_option(line, DOM0_MEM_OPTION_RE) == "1G,max:1G"
    assert last_option("xdom0_mem=512M", DOM0_MEM_OPTION_RE) is None
    assert last_option("ro root=/dev/VolGroup00/LogVol00 swiotlb=64", SWIOTLB_OPTION_RE) == "64"
    assert last_option("ro quiet", SWIOTLB_OPTION_RE) is None


@pytest.mark.parametrize("cmdline, seen", [
    ("placeholder dom0_mem=1024M,max:1024M", True),
    ("dom0_mem=256000", True),
    ("dom0_mem=min:512M,max:2G loglvl=all", True),
    ("dom0_mem=1G+10%", True),
    ("placeholder", False),
    ("dom0_mem=512MB", False),  # xl's regex does not accept a two-letter unit
    ("xdom0_mem=1G", False),
])
def test_xl_sees_dom0_mem(cmdline, seen):
    assert xl_sees_dom0_mem(cmdline) is seen


def test_docstring_examples():
    import doctest

    import analyzer.facts.size as size

    assert doctest.testmod(size).failed == 0
