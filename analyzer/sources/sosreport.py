"""sosreport layouts: where the logs, the host facts and the collection metadata are.

    sosreport-xen07-20090308/           <- the sos root (inside a tarball: its top directory)
        date  hostname                  <- metadata (often links into sos_commands/)
        sos_commands/xen/xm_info        <- a fact (kind "xm_info")
        sos_commands/kernel/dmesg       <- a log
        var/log/messages.2.gz           <- a log
        etc/timezone  etc/localtime     <- the host's zone

    >>> classify("sos_commands/xen/xm_info", in_sos=True)
    ('fact', 'xm_info')
    >>> classify("var/log/xen/xend.log.1", in_sos=True)
    ('log', 'xend')
    >>> classify("sos_commands/networking/ip_-s_link", in_sos=True)    # a command output: no log

sos renames its outputs between versions, so every location is a list of paths tried in order
(``*`` matches within and across directories, as in ``fnmatch``). In a sos tree only these
paths are read; everything else there is a command output, not a log, and is neither a source
nor a skipped file. Outside a sos tree every file is a log candidate unless it is a known fact
file. Facts are recognised anywhere by their path ending or name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Callable, Iterable

from ..model import ROLE_FACT, ROLE_LOG
from .compress import strip_compression_suffix
from .rotation import split_rotation
from .walk import FILE, Entry

SOS_MARKER_DIRS = ("sos_commands", "sos_reports")

# --- metadata: first existing path wins -------------------------------------------------------
HOSTNAME_PATHS = ("hostname", "sos_commands/general/hostname", "sos_commands/host/hostname",
                  "etc/hostname")
DATE_PATHS = ("date", "sos_commands/date/date", "sos_commands/general/date")
TIMEZONE_PATHS = ("etc/timezone",)
TIMEDATECTL_PATHS = ("sos_commands/systemd/timedatectl", "sos_commands/date/timedatectl")
SYSCONFIG_CLOCK_PATHS = ("etc/sysconfig/clock",)  # RHEL 5/6: ZONE="America/New_York"
LOCALTIME_PATHS = ("etc/localtime",)

# --- logs inside a sos root --------------------------------------------------------------------
LOG_PATHS = (
    "sos_commands/xen/xm_dmesg",
    "sos_commands/xen/xl_dmesg",
    "sos_commands/kernel/dmesg",
    "sos_commands/logs/journalctl_--no-pager",
    "sos_commands/logs/journalctl_--no-pager_--catalog_--boot",
    "sos_commands/logs/journalctl_--no-pager_--catalog_--boot_-1",
    "sos_commands/logs/journalctl_--all_--this-boot_--no-pager",
    "sos_commands/logs/journalctl_--no-pager_--boot",
    "var/log/messages*",
    "var/log/kern.log*",
    "var/log/syslog*",
    "var/log/xen/xend.log*",
    "var/log/xen/xend-debug.log*",
    "var/log/xen/xl-*.log*",
    "var/log/xen/xen-hotplug.log*",
    "var/log/xen/qemu-dm-*.log*",
    "var/log/xen/console/hypervisor.log*",
    "var/log/dmesg*",
)
#: any file under var/log whose name (rotation and compression suffixes removed) matches;
#: binary journals are listed so that they are reported as skipped ("journal_binary")
VAR_LOG_NAMES = ("*.log", "messages*", "syslog*", "kern*", "*.journal", "*.journal~")

# --- facts, anywhere -----------------------------------------------------------------------------
#: (kind, path endings)
FACT_PATHS = (
    ("grub", ("boot/grub/grub.conf", "boot/grub/menu.lst", "boot/grub2/grub.cfg",
              "etc/default/grub", "boot/efi/EFI/*/grub.cfg")),
    ("proc_cmdline", ("proc/cmdline",)),
    ("xm_info", ("sos_commands/xen/xm_info", "sos_commands/xen/xl_info")),
    ("xen_balloon", ("proc/xen/balloon",)),
    ("xend_config", ("etc/xen/xend-config.sxp",)),
    ("xl_conf", ("etc/xen/xl.conf",)),
    ("meminfo", ("proc/meminfo",)),
    ("uname", ("sos_commands/kernel/uname_-a", "sos_commands/general/uname_-a", "uname")),
)
#: (kind, file name patterns)
FACT_NAMES = (
    ("grub", ("grub.conf", "menu.lst", "grub.cfg")),
    ("xm_info", ("*xm_info*", "*xl_info*")),
    ("xend_config", ("xend-config.sxp",)),
    ("xl_conf", ("xl.conf",)),
    ("meminfo", ("meminfo",)),
    ("uname", ("uname_-a*",)),
)

ZONEINFO_LINK = re.compile(r"zoneinfo/(?:posix/|right/)?(?P<zone>[A-Za-z][A-Za-z0-9_+\-]*"
                           r"(?:/[A-Za-z0-9_+\-]+)*)$")
TIMEDATECTL_ZONE = re.compile(r"^\s*Time zone:\s*(?P<zone>[A-Za-z][A-Za-z0-9_+\-/]*)", re.M)
SYSCONFIG_ZONE = re.compile(r'^\s*ZONE="?(?P<zone>[A-Za-z][A-Za-z0-9_+\-/]*)"?\s*$', re.M)
#: Files that name the zone in a line of their own, tried in order after etc/timezone and
#: the etc/localtime link.
ZONE_FILES = ((TIMEDATECTL_PATHS, TIMEDATECTL_ZONE), (SYSCONFIG_CLOCK_PATHS, SYSCONFIG_ZONE))
ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*$")
#: TZif footers (the POSIX TZ string of a v2+ zone file) that mean UTC
UTC_FOOTERS = (b"UTC0", b"GMT0", b"UCT0", b"<UTC>0", b"<GMT>0")


def _ends_with(rel: str, pattern: str) -> bool:
    return fnmatchcase(rel, pattern) or fnmatchcase(rel, "*/" + pattern)


def fact_kind(rel: str) -> str | None:
    """The FACT_KINDS value of a path, or None when it is not a known fact file."""
    rel = strip_compression_suffix(rel)
    for kind, endings in FACT_PATHS:
        if any(_ends_with(rel, ending) for ending in endings):
            return kind
    name = rel.rsplit("/", 1)[-1]
    for kind, names in FACT_NAMES:
        if any(fnmatchcase(name, pattern) for pattern in names):
            return kind
    return None


def log_kind(rel: str) -> str:
    """A hint at what a log is, from its name: "xend", "xen_dmesg", "dmesg", "messages", ...
    or "" when the name says nothing."""
    name = split_rotation(rel.rsplit("/", 1)[-1].rsplit("!", 1)[-1])[0].lower()
    if "xend" in name:
        return "xend"
    if ("dmesg" in name and ("xm_" in name or "xl_" in name or "xen" in name)) \
            or name.startswith("hypervisor"):
        return "xen_dmesg"
    if "hotplug" in name:
        return "hotplug"
    if name.startswith(("xl-", "libxl")):
        return "xl"
    if name.startswith("journal"):
        return "journal"
    if "dmesg" in name:
        return "dmesg"
    for prefix, kind in (("messages", "messages"), ("kern", "kern"), ("syslog", "syslog")):
        if name.startswith(prefix):
            return kind
    return ""


def is_sos_log(rel: str) -> bool:
    """True for the paths (relative to a sos root) that are logs worth reading."""
    if any(fnmatchcase(rel, pattern) for pattern in LOG_PATHS):
        return True
    if rel.startswith("var/log/"):
        base = split_rotation(rel.rsplit("/", 1)[-1])[0]
        return any(fnmatchcase(base, pattern) for pattern in VAR_LOG_NAMES)
    return False


def classify(rel: str, *, in_sos: bool) -> tuple[str, str] | None:
    """(role, kind) of a candidate file, or None when it is not a log or fact (sos trees only)."""
    kind = fact_kind(rel)
    if kind is not None:
        return ROLE_FACT, kind
    if in_sos and not is_sos_log(rel):
        return None
    return ROLE_LOG, log_kind(rel)


def find_roots(rels: Iterable[str]) -> list[str]:
    """sos roots (relative directory paths, "" for the tree itself), longest first.

    A root holds ``sos_commands/`` or ``sos_reports/``, or ``var/log/`` next to a ``hostname``
    or ``date`` file.
    """
    rels = list(rels)
    present = set(rels)
    roots: set[str] = set()
    for rel in rels:
        parts = rel.split("/")
        for i, part in enumerate(parts):
            if part in SOS_MARKER_DIRS:
                roots.add("/".join(parts[:i]))
                break
            if part == "var" and parts[i + 1: i + 2] == ["log"]:
                prefix = "/".join(parts[:i])
                lead = prefix + "/" if prefix else ""
                if lead + "hostname" in present or lead + "date" in present:
                    roots.add(prefix)
                break
    return sorted(roots, key=len, reverse=True)


def locate(rel: str, roots: list[str]) -> str | None:
    """``rel`` relative to the innermost sos root holding it, or None outside every root."""
    for root in roots:
        if not root:
            return rel
        if rel.startswith(root + "/"):
            return rel[len(root) + 1:]
    return None


@dataclass
class SosMeta:
    """Metadata of one sos root, and the entries it came from (role meta sources)."""

    hostname: str | None = None
    collected: str | None = None
    timezone: str | None = None
    used: list[tuple[Entry, str]] = field(default_factory=list)  # (entry, META_KINDS value)


def meta_paths(root: str) -> list[str]:
    """Every path (relative to the tree) where :func:`read_meta` may look for the root ``root``."""
    lead = root + "/" if root else ""
    return [lead + path for paths in (HOSTNAME_PATHS, DATE_PATHS, TIMEZONE_PATHS,
                                      TIMEDATECTL_PATHS, SYSCONFIG_CLOCK_PATHS, LOCALTIME_PATHS)
            for path in paths]


def read_meta(root: str, by_rel: dict[str, Entry],
              read: Callable[[Entry], bytes | None]) -> SosMeta:
    """Hostname, collection date and zone of the sos root ``root`` (fallback lists in order).

    ``read(entry)`` returns a small file's bytes, or None (and records why) when unreadable.
    """
    lead = root + "/" if root else ""
    meta = SosMeta()

    def first_text(paths: tuple[str, ...], kind: str) -> str | None:
        for path in paths:
            entry = by_rel.get(lead + path)
            if entry is None or entry.type != FILE or entry.open_raw is None:
                continue
            data = read(entry)
            if data is None:
                continue
            text = data.decode("utf-8", "replace").strip()
            if text:
                meta.used.append((entry, kind))
                return text
        return None

    hostname = first_text(HOSTNAME_PATHS, "hostname")
    meta.hostname = hostname.splitlines()[0].strip() if hostname else None
    meta.collected = first_text(DATE_PATHS, "date")
    zone = first_text(TIMEZONE_PATHS, "timezone")
    if zone and ZONE_NAME.match(zone.splitlines()[0].strip()):
        meta.timezone = zone.splitlines()[0].strip()
    if meta.timezone is None:
        meta.timezone = _localtime_zone(lead, by_rel, read, meta)
    for paths, regex in ZONE_FILES:
        for path in paths if meta.timezone is None else ():
            entry = by_rel.get(lead + path)
            data = read(entry) if entry is not None and entry.open_raw is not None else None
            m = regex.search(data.decode("utf-8", "replace")) if data else None
            if m:
                meta.timezone = m["zone"]
                break
    return meta


def _localtime_zone(lead: str, by_rel: dict[str, Entry], read: Callable[[Entry], bytes | None],
                    meta: SosMeta) -> str | None:
    """The zone named by an ``etc/localtime`` link, or "UTC" for a UTC zone file."""
    for path in LOCALTIME_PATHS:
        entry = by_rel.get(lead + path)
        if entry is None:
            continue
        if entry.link:
            m = ZONEINFO_LINK.search(entry.link)
            if m:
                return m["zone"]
        if entry.type == FILE and entry.open_raw is not None and not entry.link:
            data = read(entry)
            if data and data.startswith(b"TZif"):
                meta.used.append((entry, "localtime"))
                footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].strip()
                if footer in UTC_FOOTERS:
                    return "UTC"
    return None
