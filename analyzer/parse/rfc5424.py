"""RFC 5424 syslog and RFC 3339-stamped rsyslog / journalctl ``short-iso`` lines.

    <34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed
    <165>1 2003-10-11T22:14:15.003000-07:00 host evntslog - ID47 [exampleSDID@32473 iut="3"] msg
    2009-03-06T14:02:44.123456+01:00 xenhost kernel: [ 1234.567890] xen_net: Memory squeeze ...
    2021-09-07T11:03:12+0200 dom0 kernel: xen_net: Memory squeeze in netback driver.

Two header shapes share the timestamp: RFC 5424 proper (``<PRI>VERSION TIMESTAMP HOST APP
PROCID MSGID STRUCTURED-DATA MSG``; ``-`` means absent; a UTF-8 BOM may open MSG) and the
traditional rsyslog template with an RFC 3339 time (``TIMESTAMP HOST TAG: MSG``), which is also
journalctl ``short-iso`` / ``short-iso-precise``. A time with ``Z`` or an offset is converted to
UTC (``wall_kind`` "utc"); without one it is naive local time (``"local"``). Kernel lines'
``[uptime]`` after ``kernel:`` goes into ``uptime`` as in the syslog parser, and repeat lines,
journal meta lines and indented continuations are handled by ``syslog.assemble``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model import ParseResult
from . import _common as C
from .syslog import HOST, TAG, assemble, pri_to_priority

FORMAT = "rfc5424"

#: RFC 3339 (and journalctl's ``+0200``) timestamp; ``T`` or a space between date and time.
TIMESTAMP = (
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[T ]"
    r"(?P<time>\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)"
    r"(?P<tz>Z|z|(?P<tzsign>[+-])(?P<tzh>\d{2}):?(?P<tzm>\d{2}))?"
)

#: RFC 5424: ``<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD``,
#: then optionally ``SP MSG``. Structured data is ``-`` or one or more ``[id k="v" ...]``
#: elements (``\\]`` and ``\\"`` may be escaped inside values).
RFC5424_RE = (
    r"^<(?P<pri>\d{1,3})>(?P<version>\d{1,2}) (?:-|" + TIMESTAMP + r") "
    r"(?P<host>\S+) (?P<program>\S+) (?P<pid>\S+) (?P<msgid>\S+) "
    r"(?P<sd>-|(?:\[(?:[^\]\"\\]|\\.|\"(?:[^\"\\]|\\.)*\")*\])+)"
    r"(?: \x{FEFF}?(?P<message>.*))?$"
)

#: rsyslog ``RSYSLOG_FileFormat`` / journalctl short-iso: ``TIMESTAMP HOST TAG: MSG``.
TRADITIONAL_HEAD_RE = r"^(?:<(?P<pri>\d{1,3})>)?" + TIMESTAMP + r" " + HOST + r" +" + TAG
TRADITIONAL_RE = TRADITIONAL_HEAD_RE + r"(?P<message>.*)$"


def sniff(sample: list[str]) -> float:
    """Share of ``sample`` lines with an RFC 5424 or RFC 3339-stamped syslog header."""
    if not sample:
        return 0.0
    arr = C.to_arrow(sample)
    hit = pc.or_(pc.match_substring_regex(arr, RFC5424_RE),
                 pc.match_substring_regex(arr, TRADITIONAL_RE))
    hit = pc.or_(hit, pc.match_substring_regex(arr, r"^-- .*--\s*$"))
    return float(pc.sum(pc.cast(hit, pa.int64())).as_py() or 0) / len(sample)


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Parse RFC 5424 and RFC 3339-stamped syslog lines (see the module docstring)."""
    arr, texts = C.to_arrow_texts(lines)
    hdr = C.groups_frame(*C.extract_head(texts, TRADITIONAL_HEAD_RE, arr=arr))
    hdr["sd"] = ""
    miss = np.flatnonzero(~hdr["matched"].to_numpy())
    if len(miss):
        strict = C.extract(arr.take(pa.array(miss)), RFC5424_RE, rstrip=("message",))
        ok = strict["matched"].to_numpy()
        if ok.any():
            for col in ("pri", "year", "month", "day", "time", "tz", "tzsign", "tzh", "tzm",
                        "host", "program", "pid", "message", "sd"):
                hdr.loc[miss[ok], col] = strict.loc[ok, col].to_numpy(dtype=object)
            hdr.loc[miss[ok], "matched"] = True
            for col in ("host", "program", "pid"):  # NILVALUE
                hdr.loc[miss[ok], col] = hdr.loc[miss[ok], col].replace("-", "")
    wall, has_tz = rfc3339_wall(hdr)
    wall_kind = np.where(np.isnat(wall), "none", np.where(has_tz, "utc", "local")).astype(object)
    return assemble(FORMAT, lines, hdr, arr=arr, wall=wall, wall_kind=wall_kind,
                    priority=pri_to_priority(hdr["pri"]), source=source, first_line=first_line)


def rfc3339_wall(hdr: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Naive datetime64[ns] (converted to UTC where a zone is given) and a has-zone mask.

    ``hdr`` holds the ``TIMESTAMP`` groups as strings: year "2003", month "10", day "11", time
    "22:14:15.003", tz "Z" / "-07:00" / "+0200" / "" with tzsign, tzh and tzm.
    """
    n = len(hdr)
    if not n:
        return np.zeros(0, dtype="datetime64[ns]"), np.zeros(0, dtype=bool)
    wall = C.build_wall(year=hdr["year"].tolist(), month=hdr["month"].tolist(),
                        day=hdr["day"].tolist(), time=hdr["time"].tolist())
    has_tz = (hdr["tz"] != "").to_numpy(dtype=bool)
    minutes = (pd.to_numeric(hdr["tzh"], errors="coerce").fillna(0) * 60
               + pd.to_numeric(hdr["tzm"], errors="coerce").fillna(0)).to_numpy(dtype=np.int64)
    minutes = np.where(hdr["tzsign"].to_numpy(dtype=object) == "-", -minutes, minutes)
    return wall - minutes.astype("timedelta64[m]").astype("timedelta64[ns]"), has_tz
