"""Xen's size grammar and the ``dom0_mem=`` option, as the hypervisor and ``xl`` read them.

    (XEN) Command line: placeholder dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all

Sizes follow ``xen/lib/parse-size.c`` (``parse_size_and_unit``): an integer read like C's
``strtoull(s, &end, 0)`` (decimal, ``0x`` hex, leading-``0`` octal) and one optional suffix
``T``/``G``/``M``/``K``/``B`` (either case); **no suffix means kB**, so ``dom0_mem=256000`` is
250 MiB. ``dom0_mem=[min:<sz>,][max:<sz>,][<sz>]`` (``xen/arch/x86/dom0_build.c``), where
``<sz>`` is ``[-]<size>`` or ``[-][<size>+]<frac>%``; a negative amount means "all memory
minus that much", a fraction is a share of all memory (both need the host's RAM to become a
number). Without a plain ``<sz>`` Xen gives Dom0 all memory minus min(1/16, 128 MiB).

``xl`` decides whether the command line "has dom0_mem" with its own regex
(``tools/xl/xl.c auto_autoballoon``); :data:`XL_DOM0_MEM_RE` is that regex, and
``autoballoon="auto"`` turns Dom0 ballooning off only when it matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIB = 1 << 20

#: suffix -> shift (bytes); the default unit is one of these too
UNIT_SHIFTS = {"B": 0, "K": 10, "M": 20, "G": 30, "T": 40}

#: one size as parse_size_and_unit reads it: strtoull base 0, then at most one unit letter
SIZE_RE = re.compile(
    r"(?P<num>0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(?P<unit>[bBkKmMgGtT])?")

#: one ``dom0_mem`` item: ``[min:|max:][-](<frac>%|<size>[+<frac>%])``
DOM0_MEM_ITEM_RE = re.compile(
    r"(?P<which>min:|max:)?(?P<minus>-)?"
    r"(?:(?P<frac>[0-9]+)%"
    r"|(?P<size>(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[bBkKmMgGtT]?)"
    r"(?:\+(?P<frac_after>[0-9]+)%)?)")

#: the value of an option on a command line, the way xl looks for it: ``(^| )name=...``
DOM0_MEM_OPTION_RE = re.compile(r"(?:^|\s)dom0_mem=(?P<value>\S*)")
SWIOTLB_OPTION_RE = re.compile(r"(?:^|\s)swiotlb=(?P<value>\S*)")
MEM_OPTION_RE = re.compile(r"(?:^|\s)mem=(?P<value>\S*)")

#: ``tools/xl/xl.c auto_autoballoon()``, verbatim: does the Xen command line set dom0_mem?
XL_DOM0_MEM_RE = re.compile(
    r"(^| )dom0_mem=((|min:|max:)(-?[0-9]+[bBkKmMgGtT]?|(-?[0-9]+[bBkKmMgGtT]?\+)?[0-9]{1,2}%),?)+($| )")


@dataclass(frozen=True)
class Dom0Mem:
    """A parsed ``dom0_mem=`` value, in MiB.

    >>> parse_dom0_mem("1024M,max:1024M")
    Dom0Mem(base_mib=1024.0, min_mib=None, max_mib=1024.0, raw='1024M,max:1024M', has_base=True, relative=False)

    ``base_mib`` is None when only ``min:``/``max:`` are given (Dom0 then gets all memory minus
    min(1/16, 128 MiB), clamped by them) or when the base is relative (negative or a
    percentage) and the RAM is unknown; ``has_base`` tells the two apart. ``relative`` says
    that some item depends on the host's RAM.
    """

    base_mib: float | None
    min_mib: float | None
    max_mib: float | None
    raw: str
    has_base: bool = False
    relative: bool = False


def _strtoull(num: str) -> int:
    if num[:2] in ("0x", "0X"):
        return int(num[2:], 16)
    if len(num) > 1 and num[0] == "0":
        return int(num[1:], 8)
    return int(num)


def parse_xen_size(text: str, *, default_unit: str = "K") -> int:
    """Bytes in one Xen size (``parse_size_and_unit``): ``"512M"`` -> 536870912.

    >>> parse_xen_size("256000"), parse_xen_size("2G"), parse_xen_size("0x100", default_unit="B")
    (262144000, 2147483648, 256)

    Raises ValueError (naming the value) for anything that is not one whole size.
    """
    unit_default = default_unit.upper()
    if unit_default not in UNIT_SHIFTS:
        raise ValueError(
            f"unknown default unit {default_unit!r}: use one of {', '.join(UNIT_SHIFTS)}")
    m = SIZE_RE.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not a Xen size: {text!r} (expected e.g. 256000, 512M, 2G)")
    unit = (m["unit"] or unit_default).upper()
    return _strtoull(m["num"]) << UNIT_SHIFTS[unit]


def _amount_mib(item: re.Match, ram_mib: float | None) -> float | None:
    size_mib = parse_xen_size(item["size"]) / MIB if item["size"] else 0.0
    frac = item["frac"] or item["frac_after"]
    if frac is not None:
        pct = int(frac)
        if pct >= 100:
            raise ValueError(f"dom0_mem fraction must be below 100%: {item.group(0)!r}")
        if ram_mib is None:
            return None
        size_mib += pct * ram_mib / 100
    if item["minus"]:
        return None if ram_mib is None else ram_mib - size_mib
    return size_mib


def parse_dom0_mem(value: str, *, ram_mib: float | None = None) -> Dom0Mem:
    """Parse a ``dom0_mem=`` value with Xen's rules; sizes in MiB.

    >>> parse_dom0_mem("256000").base_mib
    250.0
    >>> d = parse_dom0_mem("min:1G,max:4G"); (d.base_mib, d.min_mib, d.max_mib)
    (None, 1024.0, 4096.0)
    >>> parse_dom0_mem("-128M", ram_mib=8190).base_mib
    8062.0

    A later item of the same kind overrides an earlier one, as in Xen. A trailing comma is
    accepted (xl's regex accepts it). Anything else Xen's parser rejects (``512MB``, ``100%``,
    ``10%+1G``, an empty value) raises ValueError naming the value.
    """
    raw = value
    text = value.strip()
    if not text:
        raise ValueError("empty dom0_mem value")
    base = lo = hi = None
    has_base = relative = False
    pos = 0
    while pos < len(text):
        item = DOM0_MEM_ITEM_RE.match(text, pos)
        end = item.end() if item else pos
        if item is None or (end < len(text) and text[end] != ","):
            raise ValueError(
                f"invalid dom0_mem value {raw!r} at {text[pos:]!r} "
                "(expected [min:<size>,][max:<size>,][<size>], sizes like 256000, 512M, 2G, "
                "-128M, 10% or 1G+10%)")
        if item["minus"] or item["frac"] is not None or item["frac_after"] is not None:
            relative = True
        mib = _amount_mib(item, ram_mib)
        if item["which"] == "min:":
            lo = mib
        elif item["which"] == "max:":
            hi = mib
        else:
            base, has_base = mib, True
        pos = end + 1
    return Dom0Mem(base_mib=base, min_mib=lo, max_mib=hi, raw=raw, has_base=has_base,
                   relative=relative)


def last_option(cmdline: str, pattern: re.Pattern) -> str | None:
    """The value of the last ``name=value`` of ``pattern`` on a command line, else None.

    >>> last_option("placeholder dom0_mem=512M loglvl=all dom0_mem=1G", DOM0_MEM_OPTION_RE)
    '1G'

    Options are space separated and the first word may be a dummy (Ubuntu's ``placeholder``),
    so no position is assumed; Xen applies options in order, so the last one counts.
    """
    value = None
    for m in pattern.finditer(cmdline):
        value = m["value"]
    return value


def xl_sees_dom0_mem(xen_cmdline: str) -> bool:
    """Whether ``xl``'s ``autoballoon="auto"`` check finds ``dom0_mem`` on this command line.

    >>> xl_sees_dom0_mem("placeholder dom0_mem=1024M,max:1024M"), xl_sees_dom0_mem("dom0_mem=512MB")
    (True, False)
    """
    return XL_DOM0_MEM_RE.search(xen_cmdline) is not None
