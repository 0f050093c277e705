"""Mask host names, IP and MAC addresses and user names in a report before it goes into a ticket.

    >>> r = Redactor(hosts=["xen07.example.net"])
    >>> r.redact_text("sshd[2713]: Accepted publickey for alice from 10.1.2.3 port 52022 ssh2")
    'sshd[2713]: Accepted publickey for user-1 from ip-1 port 52022 ssh2'
    >>> r.redact_text("vif1.0: mac 00:16:3e:2a:1b:0c on xen07 (xen07.example.net), rhost=10.1.2.3")
    'vif1.0: mac mac-1 on host-1 (host-1), rhost=ip-1'

Masks are consistent: the same value gets the same mask (``host-1``, ``ip-1``, ``mac-1``,
``user-1``) in every string of a report and, with one shared :class:`Redactor`, across the
reports of a batch. What is masked:

- host names: the report's host and the ``hostname`` fact (with an FQDN's short name masked as
  the same host), names given to ``Redactor(hosts=...)``, ``rhost=`` values, and fully
  qualified names ending in a common top-level domain (``dsl-1-2-3-4.dsl.zen.co.uk``);
  ``localhost`` stays;
- IPv4 addresses (not a dotted version such as ``Linux version 2.6.18.8``, nor ``2.6.18.8-xen``),
  IPv6 addresses (full form, or compressed with ``::`` and at least one digit);
- MAC addresses (``00:16:3e:2a:1b:0c``, ``00-16-3E-2A-1B-0C``; netfilter's 14-byte ``MAC=``
  field as one mask);
- user names in the places logs name them: ``user=``/``ruser=``/``logname=``/``acct=``,
  ``for user NAME``, ``by user NAME``, ``Invalid user NAME``, ``Accepted|Failed <method> for NAME
  from``, sudo's ``NAME : TTY=...``, su's ``(to root) NAME on``, and ``/home/NAME``. System
  accounts (``root``, ``nobody``) are kept: they identify nobody and the report needs them.

A bare word that merely equals a user name elsewhere is not masked (``test`` is also a word).
Dictionary keys, pattern ids, tags, severities and timestamps are structure, not log text, and
are left alone. Every regex here is linear on hostile input: alternatives start only at a
boundary and have bounded repetition.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any, Iterable

from .model import HostReport

HOST, IP, MAC, USER = "host", "ip", "mac", "user"

#: Accounts that name no person; masking them would only make a report harder to read.
SYSTEM_USERS = frozenset({"root", "nobody"})
#: Host names that name no machine.
NOT_HOSTS = frozenset({"localhost", "localhost.localdomain", "unknown", "-", ""})
#: String fields that hold structure (ids, tags, levels, timestamps), never log text.
STRUCTURAL_KEYS = frozenset({
    "id", "tag", "kind", "severity", "category", "format", "ts_quality", "kernlog_version",
    "patterns_version", "generated_at", "ts", "start", "end", "reason", "status",
    "kernel", "xen",
})

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_H4 = r"[0-9A-Fa-f]{1,4}"
_IPV4 = rf"(?:{_OCTET}\.){{3}}{_OCTET}"
_TLDS = (
    "com|net|org|edu|gov|mil|int|info|biz|io|cloud|local|localdomain|lan|internal|intranet|"
    "corp|home|example|test|invalid|arpa|uk|de|fr|nl|at|ch|be|dk|se|no|fi|it|es|pt|pl|cz|ru|"
    "cn|jp|kr|in|br|au|nz|ca|us|eu"
)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_USER_VALUE = r"[^\s;,'\"()=]+"

#: The context-bound alternatives, in priority order (at one position the first one wins).
#: Groups ``pre``-less alternatives keep their prefix in a named group ending in ``_p``.
_ALTERNATIVES = (
    # user names where logs name them (the prefix is kept, the value group is masked)
    rf"(?P<u1_p>\b(?:r?user|logname|acct|USER|LOGNAME)=\"?)(?P<u1>{_USER_VALUE})",
    rf"(?P<u2_p>\b(?:for|by)(?: invalid| illegal)? user )(?P<u2>{_USER_VALUE})",
    rf"(?P<u3_p>\b(?:Invalid|Illegal) user )(?P<u3>{_USER_VALUE})",
    rf"(?P<u4_p>\b(?:Accepted|Failed) [\w/-]{{1,40}} for )(?P<u4>{_USER_VALUE})(?= from )",
    rf"(?P<u5_p>/home/)(?P<u5>[^/\s:;,'\"()]+)",
    rf"(?P<u6_p>\(to \w{{1,32}}\) )(?P<u6>{_USER_VALUE})(?= on )",
    rf"(?<![\w.-])(?P<u7>[A-Za-z_][\w.-]{{0,31}})(?P<u7_s> : (?:TTY|PWD|USER|COMMAND)=)",
    # rhost= names a remote host or address
    rf"(?P<rh_p>\brhost=)(?P<rh>[^\s;,'\"()]+)",
    # netfilter's MAC= (destination, source and ethertype: 14 bytes) as one mask
    r"(?P<nf_p>\bMAC=)(?P<nf>[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5,31})(?![\w:])",
    # MAC before IPv6 (both use colons and hex)
    r"(?<![\w:-])(?P<mac>[0-9A-Fa-f]{2}(?P<macsep>[:-])[0-9A-Fa-f]{2}"
    r"(?:(?P=macsep)[0-9A-Fa-f]{2}){4})(?![\w:-])",
    rf"(?<![\w:])(?P<ip6>(?:{_H4}:){{7}}{_H4}"
    rf"|(?:{_H4}:){{0,6}}(?:{_H4})?::(?:{_H4}:){{0,6}}(?:{_IPV4}|{_H4})?)(?![\w:])",
    # an FQDN before IPv4: "62.99.164.82.sh.interxion.inode.at" is one host name
    rf"(?<![\w.-])(?P<fqdn>(?:{_LABEL}\.)+(?i:{_TLDS}))(?![\w-]|\.\w)",
    rf"(?<![\w.])(?<!version )(?P<ip4>{_IPV4})(?![\w-]|\.\d)",
)

_VALUE_GROUPS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "rh", "nf", "mac", "ip6", "ip4", "fqdn",
                 "known")
_IP_LIKE = re.compile(rf"^(?:{_IPV4}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$")
_TRAILING = ".:"
#: A mask this module wrote (never masked again: redacting twice changes nothing).
_MASK = re.compile(r"^(?:host|ip|mac|user)-\d+$")


class Redactor:
    """The mapping from real values to masks, shared by every report it redacts.

    ``hosts`` are host names known up front (a batch's host names). ``mapping`` is
    ``{kind: {value: mask}}`` (kinds ``host``, ``ip``, ``mac``, ``user``); host names and MACs
    are compared case-insensitively.
    """

    def __init__(self, *, hosts: Iterable[str] = ()) -> None:
        self.mapping: dict[str, dict[str, str]] = {HOST: {}, IP: {}, MAC: {}, USER: {}}
        self._known: dict[str, str] = {}  # lower-cased host name -> the value it masks as
        self._regex: re.Pattern | None = None
        for name in hosts:
            self.add_host(name)

    # --- the mapping -------------------------------------------------------------------------
    def add_host(self, name: str | None) -> None:
        """Mask ``name`` (and, for an FQDN, its short name as the same host) wherever it occurs."""
        if not name or not isinstance(name, str):
            return
        name = name.strip()
        if name.lower() in NOT_HOSTS or len(name) > 253 or any(c.isspace() for c in name):
            return
        key = name.lower()
        short = key.split(".", 1)[0]
        canonical = self._known.get(key) or self._known.get(short) or key
        changed = False
        for alias in {key, short} if len(short) >= 2 else {key}:
            if alias not in self._known and alias not in NOT_HOSTS:
                self._known[alias] = canonical
                changed = True
        if changed:
            self._regex = None
        self.mask(HOST, canonical)

    def mask(self, kind: str, value: str) -> str:
        """The mask of ``value`` (a new one the first time it is seen)."""
        if kind in (HOST, MAC):
            value = value.lower()
            if kind == HOST:
                value = self._known.get(value, value)
            else:
                value = value.replace("-", ":")
        table = self.mapping[kind]
        found = table.get(value)
        if found is None:
            found = table[value] = f"{kind}-{len(table) + 1}"
        return found

    # --- redaction ---------------------------------------------------------------------------
    def redact_text(self, s: str) -> str:
        """``s`` with every host, address and user name masked."""
        if not s:
            return s
        return self._pattern().sub(self._replace, s)

    def redact_value(self, value: Any, *, key: str | None = None) -> Any:
        """A copy of ``value`` (str, list, tuple, dict, dataclass) with its strings redacted."""
        if isinstance(value, str):
            return value if key in STRUCTURAL_KEYS else self.redact_text(value)
        if isinstance(value, dict):
            return {k: self.redact_value(v, key=k if isinstance(k, str) else None)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact_value(v, key=key) for v in value]
        if isinstance(value, tuple):
            return tuple(self.redact_value(v, key=key) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self.redact_value(getattr(value, f.name), key=f.name)
                       for f in dataclasses.fields(value) if f.init}
            return dataclasses.replace(value, **changes)
        return copy.deepcopy(value)

    def _pattern(self) -> re.Pattern:
        if self._regex is None:
            parts = list(_ALTERNATIVES)
            if self._known:
                names = "|".join(re.escape(n) for n in sorted(self._known, key=len, reverse=True))
                parts.insert(0, rf"(?<![A-Za-z0-9])(?P<known>(?i:{names}))(?![A-Za-z0-9])")
            self._regex = re.compile("|".join(parts))
        return self._regex

    def _replace(self, m: re.Match) -> str:
        group = next(g for g in _VALUE_GROUPS if m.group(g) is not None)
        value = m.group(group)
        if _MASK.match(value.rstrip(_TRAILING)) or (
                group == "known" and _MASK.match(m.string[m.start(group):m.end(group) + 12]
                                                 .split()[0].rstrip(_TRAILING + ",;)"))):
            return m.group(0)  # a mask already (a host may be called "host" or "ip")
        if group.startswith("u"):
            core = value.rstrip(_TRAILING)
            tail = value[len(core):]
            if not core or core.lower() in SYSTEM_USERS or core.startswith("$"):
                return m.group(0)
            masked = self.mask(USER, core) + tail
        elif group == "rh":
            core = value.rstrip(_TRAILING)
            tail = value[len(core):]
            if not core or core.lower() in NOT_HOSTS:
                return m.group(0)
            kind = IP if _IP_LIKE.match(core) else HOST
            masked = self.mask(kind, core) + tail
        elif group in ("mac", "nf"):
            masked = self.mask(MAC, value)
        elif group == "ip6":
            if not any(c.isdigit() for c in value) and value.count(":") < 7:
                return m.group(0)  # "::" alone, or hex words such as "beef::cafe"
            masked = self.mask(IP, value.lower())
        elif group == "ip4":
            masked = self.mask(IP, value)
        else:  # "known", "fqdn"
            masked = self.mask(HOST, value)
        start, end = m.span(group)
        whole = m.group(0)
        return whole[: start - m.start()] + masked + whole[end - m.start():]


def redact_report(report: HostReport, *, mapping: Redactor | None = None) -> HostReport:
    """A deep copy of ``report`` with host names, addresses and user names masked.

    Pass one ``Redactor`` for all hosts of a batch so that a value gets the same mask in every
    report (and in the fleet summary, through ``Redactor.redact_value``).

        >>> from analyzer.model import HostReport, Evidence, Finding
        >>> rep = HostReport(host="xen07", kernlog_version="0.1", patterns_version="1",
        ...     findings=[Finding(id="x", title="t", severity="error", confidence=0.9,
        ...         evidence=[Evidence("xen07!var/log/secure", 3, None,
        ...                            "session opened for user alice by (uid=0)")])])
        >>> out = redact_report(rep)
        >>> out.host, out.findings[0].evidence[0].source, out.findings[0].evidence[0].message
        ('host-1', 'host-1!var/log/secure', 'session opened for user user-1 by (uid=0)')
    """
    redactor = mapping if mapping is not None else Redactor()
    redactor.add_host(report.host)
    facts = report.facts or {}
    for key in ("hostname", "host", "fqdn"):
        value = facts.get(key)
        if isinstance(value, str):
            redactor.add_host(value)
    return redactor.redact_value(report)
