"""journalctl ``-o short-monotonic``: boot-relative seconds, then host and program.

    [    0.000000] lit.home.arpa kernel: Linux version 6.1.1-arch1-4-hpe8k (linux-hpe8k@archlinux) ...
    [    0.000000] lit.home.arpa kernel: Command line: BOOT_IMAGE=../vmlinuz-linux-hpe8k root=/dev/sda2 rw
    [   12.841516] dom0 root[5474]: /etc/xen/scripts/block: add XENBUS_PATH=backend/vbd/38/51728
    -- Boot 6f0a1cbb3b764d8a9e3c1f0d2c7b8a91 --

The monotonic time goes into ``uptime``; there is no wall time (``wall_kind`` "none"). The
header looks like dmesg's ``[uptime]`` followed by text, so it is strict: a host name, one
space, a program name (optionally ``[pid]``) and ``:`` right after the uptime. Ordinary dmesg
messages of the form ``usb usb1: New USB device found`` match that shape too, so ``sniff``
counts only lines whose host is the sample's most common one: a journal capture names one
host on every line, dmesg device names vary.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..model import ParseResult
from . import _common as C
from .syslog import META_RE, assemble

FORMAT = "journal_monotonic"

#: ``[ 1234.567890] host program[pid]: message`` (RE2 syntax; host and program are single
#: tokens, the program starts with a letter, ``_`` or ``(``).
HEAD_RE = (
    r"^\[\s*(?P<up>\d+\.\d+)\] (?P<host>[A-Za-z0-9][A-Za-z0-9._-]*) "
    r"(?P<program>[A-Za-z_(][^\s:\[\]]*)(?:\[(?P<pid>\d+)\])?:(?: |$)"
)
HEADER_RE = HEAD_RE + r"(?P<message>.*)$"


def sniff(sample: list[str]) -> float:
    """Share of ``sample`` lines with the header whose host is the most common host."""
    if not sample:
        return 0.0
    hdr = C.extract(sample, HEADER_RE)
    hosts = Counter(hdr.loc[hdr["matched"], "host"].tolist())
    top = hosts.most_common(1)[0][1] if hosts else 0
    meta = pc.sum(pc.match_substring_regex(C.to_arrow(sample), META_RE)).as_py() or 0
    return (top + meta) / len(sample)


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Parse journalctl short-monotonic lines (see the module docstring)."""
    arr, texts = C.to_arrow_texts(lines)
    hdr = C.groups_frame(*C.extract_head(texts, HEAD_RE, arr=arr))
    uptime = pd.to_numeric(hdr["up"], errors="coerce").to_numpy(dtype=np.float64)
    return assemble(FORMAT, lines, hdr, arr=arr, wall=None, wall_kind="none", uptime=uptime,
                    kernel_uptime=False, source=source, first_line=first_line)
