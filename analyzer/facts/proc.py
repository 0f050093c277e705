"""Facts from the Dom0's own state files: ``proc/cmdline``, ``proc/meminfo``,
``proc/xen/balloon`` and ``uname -a`` output.

    ro root=/dev/VolGroup00/LogVol00 rhgb quiet swiotlb=64        (proc/cmdline)
    MemTotal:        8058816 kB                                   (proc/meminfo)
    Current allocation:   1048576 kB                              (proc/xen/balloon)
    Linux xenhost1 2.6.18-128.el5xen #1 SMP Wed Dec 17 11:42:39 EST 2008 x86_64 GNU/Linux

``proc/meminfo`` on a Dom0 shows Dom0's current size, not the host's RAM.
``proc/xen/balloon`` (xenlinux ``balloon_read()``) is written with ``%8lu kB`` fields;
``Xen hard limit:          ??? kB`` means no limit.
"""

from __future__ import annotations

import re

from .found import Found, excerpt, numbered_lines

MEMINFO_TOTAL_RE = re.compile(r"^MemTotal:\s+(?P<kb>\d+)\s*kB")
BALLOON_RE = re.compile(
    r"^(?P<label>Current allocation|Requested target|Low-mem balloon|High-mem balloon"
    r"|Driver pages|Xen hard limit):\s+(?P<kb>\d+|\?\?\?)\s*kB")
#: /proc/xen/balloon label -> fact key (values in MiB)
BALLOON_KEYS = {
    "Current allocation": "balloon_current_mib",
    "Requested target": "balloon_target_mib",
    "Low-mem balloon": "balloon_low_mib",
    "High-mem balloon": "balloon_high_mib",
    "Driver pages": "balloon_driver_mib",
    "Xen hard limit": "balloon_hard_limit_mib",
}
UNAME_RE = re.compile(r"^Linux\s+(?P<host>\S+)\s+(?P<release>\d\S*)")
RELEASE_ONLY_RE = re.compile(r"^(?P<release>\d+\.\d+\S*)\s*$")


def _mib(kb: int) -> float:
    return round(kb / 1024, 1)


def parse_cmdline(text: str) -> dict[str, Found]:
    """``proc/cmdline``: the running Dom0 (or host) kernel's command line."""
    for n, raw in numbered_lines(text):
        if raw.strip():
            return {"dom0_kernel_cmdline": Found(raw.strip(), n, excerpt(raw))}
    return {}


def parse_meminfo(text: str) -> dict[str, Found]:
    """``proc/meminfo``: ``meminfo_total_mib`` from MemTotal."""
    for n, raw in numbered_lines(text):
        if m := MEMINFO_TOTAL_RE.match(raw):
            return {"meminfo_total_mib": Found(_mib(int(m["kb"])), n, excerpt(raw))}
    return {}


def parse_balloon(text: str) -> dict[str, Found]:
    """``proc/xen/balloon``: ``balloon_current_mib``, ``balloon_target_mib``, ... (MiB)."""
    out: dict[str, Found] = {}
    for n, raw in numbered_lines(text):
        if (m := BALLOON_RE.match(raw.strip())) and m["kb"] != "???":
            out[BALLOON_KEYS[m["label"]]] = Found(_mib(int(m["kb"])), n, excerpt(raw))
    return out


def parse_uname(text: str) -> dict[str, Found]:
    """``uname -a`` (or ``uname -r``): ``kernel`` (the release) and ``hostname``."""
    for n, raw in numbered_lines(text):
        line = raw.strip()
        if m := UNAME_RE.match(line):
            return {"kernel": Found(m["release"], n, excerpt(raw)),
                    "hostname": Found(m["host"], n, excerpt(raw))}
        if m := RELEASE_ONLY_RE.match(line):
            return {"kernel": Found(m["release"], n, excerpt(raw))}
    return {}
