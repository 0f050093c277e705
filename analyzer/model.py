"""Data that flows between the pipeline stages, and the contracts other tools rely on.

    sources ──> parse ──> clock ──> tag ──> episodes ──> correlate ──> report

Each stage takes and returns the types below; nothing else crosses a stage boundary. Event tables
are pandas DataFrames whose columns are named here (pandas is imported lazily by the stages, not
by this module, so ``kernlog --help`` stays fast).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any, Callable

# ---------------------------------------------------------------------------------------------
# Severities and time-quality labels (contract values)

SEVERITIES = ("debug", "info", "warning", "error", "critical")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

TS_EXACT = "exact"
TS_YEAR_INFERRED = "year_inferred"
TS_BOOT_RELATIVE = "boot_relative"
TS_UNKNOWN = "unknown"
TS_QUALITIES = (TS_EXACT, TS_YEAR_INFERRED, TS_BOOT_RELATIVE, TS_UNKNOWN)

#: Programs and formats whose lines are kernel or hypervisor messages (the report's
#: unexplained messages are the untagged ones among them).
KERNEL_PROGRAMS = frozenset({"kernel", "xen"})
KERNEL_FORMATS = frozenset({"dmesg", "dmesg_human", "xen_console", "serial_capture"})


def kernel_program(program) -> bool:
    """Whether a line's program makes it a kernel or hypervisor message (no program: yes).

    >>> [kernel_program(p) for p in ("Kernel", "xen", None, float("nan"), "sshd")]
    [True, True, True, True, False]
    """
    return program is None or program != program or str(program).lower() in KERNEL_PROGRAMS

# ---------------------------------------------------------------------------------------------
# Unparsed-line reasons (shown in reports; keep them words a person agrees with)

REASON_BINARY = "binary"  # the file looks like binary data (NULs, not text)
REASON_NO_HEADER = "no_header"  # a line the format's grammar does not recognise
REASON_TOO_LONG = "too_long"  # longer than --max-line-bytes (the line is cut and counted)
REASON_DECODE = "decode"  # undecodable bytes (replaced with U+FFFD, counted)
REASON_EMPTY = "empty"  # blank lines (no message)
REASON_LIMIT = "limit"  # past --max-file-bytes: lines not read
REASON_OUT_OF_RANGE = "out_of_range"  # outside --since/--until

# ---------------------------------------------------------------------------------------------
# Parse stage output (one parser per format, see analyzer/parse/)

#: Columns of ``ParseResult.events`` (one row per event, in line order).
#:   line      int     1-based line of the event's first line in the source
#:   end_line  int     last line that belongs to the event (continuations included)
#:   program   str?    syslog tag / journal identifier ("kernel", "root", "xend", ...)
#:   host      str?    host field of the line (syslog, journal), else None
#:   message   str     message body, line prefix removed; continuation lines joined with "\n"
#:   wall      datetime64[ns] (naive)  wall-clock time as written, NaT when the line has none;
#:                     for year-less formats the year is a placeholder (2000, a leap year)
#:   wall_kind str     "utc"    wall is already UTC (the line carried a zone or offset, or epoch)
#:                     "local"  naive local time with a year (zone: --tz / host zone / UTC)
#:                     "noyear" naive local time, year unknown (syslog, journal short)
#:                     "none"   no wall time on the line
#:   uptime    float   seconds since boot ([ 12.345678], monotonic), NaN when absent
#:   boot_id   str?    boot identity the format gives (journal _BOOT_ID, "-- Boot X --" markers
#:                     as "marker:N"), else None
#:   count     int     occurrences this row stands for (>= 1; syslog repeat lines add to it)
#:   priority  float   syslog/kmsg priority level 0-7 when the line says (<4>, journal PRIORITY),
#:                     NaN otherwise
PARSE_COLUMNS = (
    "line", "end_line", "program", "host", "message", "wall", "wall_kind", "uptime",
    "boot_id", "count", "priority",
)


@dataclass
class LineWarning:
    """One counted problem with the input, for the report's data-quality section."""

    source: str
    line: int
    reason: str
    excerpt: str  # at most ~120 characters of the raw line, as text


@dataclass
class ParseResult:
    """What a parser made of a list of lines.

    Invariant: ``lines_parsed + sum(unparsed.values()) == number of lines given``. Lines that
    are consumed without becoming an event of their own (continuations, folded repeat lines,
    boot markers) count as parsed.
    """

    format: str
    events: Any  # pandas.DataFrame with PARSE_COLUMNS
    lines_parsed: int
    unparsed: Counter = field(default_factory=Counter)
    warnings: list[LineWarning] = field(default_factory=list)  # a few per reason, not all
    #: repeat-line counts seen before the first event of this chunk; the caller adds them to
    #: the last event of the previous chunk of the same source (0 almost always)
    leading_repeats: int = 0
    #: journal boot markers (``-- Boot <id> --``) among the chunk's lines, rows after them or
    #: not: the caller numbers markers per source (a marker can end a chunk)
    boot_markers: int = 0


# ---------------------------------------------------------------------------------------------
# Sources stage output (analyzer/sources/)

ROLE_LOG = "log"  # a log to parse
ROLE_FACT = "fact"  # a configuration or state file that carries host facts
ROLE_META = "meta"  # sosreport metadata: date, hostname, timezone

#: ``Source.kind`` values for facts and metadata (logs may leave kind empty or give a hint such
#: as "xend", "xen_dmesg", "messages", "kern", "dmesg", "journal", "xl", "hotplug").
FACT_KINDS = (
    "grub",  # boot/grub/grub.conf, menu.lst, grub2/grub.cfg, etc/default/grub
    "proc_cmdline",  # proc/cmdline (the Dom0 kernel's command line)
    "xm_info",  # sos_commands/xen/xm_info, xl_info: total_memory, xen_commandline, ...
    "xen_balloon",  # proc/xen/balloon
    "xend_config",  # etc/xen/xend-config.sxp
    "xl_conf",  # etc/xen/xl.conf
    "meminfo",  # proc/meminfo
    "uname",  # uname -a output
)
META_KINDS = ("date", "hostname", "timezone", "localtime")


@dataclass
class Source:
    """One readable input: a file, a decompressed file, or an archive member.

    ``path`` is the contract ``source`` value: the path as given, archive members joined with
    ``!`` (``sosreport.tar.xz!var/log/messages.2.gz``). ``open()`` returns a fresh binary stream
    of the *decompressed* content. ``family``/``rotation`` order rotated logs: kern.log.2.gz has
    rotation 2, kern.log rotation 0; read oldest (highest rotation) first when it matters.
    """

    path: str
    role: str
    open: Callable[[], IO[bytes]]
    kind: str = ""
    family: str = ""
    rotation: int = 0
    size: int | None = None  # compressed/on-disk size when known


@dataclass
class Skipped:
    """A file or archive member that was not read, with the reason (counted, never silent)."""

    path: str
    reason: str  # e.g. "binary", "journal_binary", "unreadable: Permission denied",
    #              "corrupt_archive: ...", "unsafe_member", "limit_files", "symlink"


@dataclass
class Inventory:
    """Everything found for one host.

    ``close()`` releases open archives and removes any private temporary directory.
    """

    sources: list[Source] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    hostname: str | None = None  # from a sosreport's hostname file
    collected: str | None = None  # raw text of a sosreport's `date` output
    timezone: str | None = None  # IANA name from etc/timezone or the localtime link
    root_name: str | None = None  # the directory or file name given (host-name fallback)
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> "Inventory":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# Accounting (per source, summed per host; contract field names)


@dataclass
class SourceAccount:
    path: str
    format: str | None = None
    lines_read: int = 0
    lines_parsed: int = 0
    unparsed: Counter = field(default_factory=Counter)
    lines_truncated: int = 0
    bytes_replaced: int = 0

    @property
    def lines_unparsed(self) -> int:
        return sum(self.unparsed.values())


@dataclass
class Accounting:
    sources: list[SourceAccount] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[LineWarning] = field(default_factory=list)

    def totals(self) -> dict:
        unparsed: Counter = Counter()
        for s in self.sources:
            unparsed.update(s.unparsed)
        return {
            "lines_read": sum(s.lines_read for s in self.sources),
            "lines_parsed": sum(s.lines_parsed for s in self.sources),
            "lines_unparsed": sum(unparsed.values()),
            "unparsed_by_reason": dict(sorted(unparsed.items())),
            "lines_truncated": sum(s.lines_truncated for s in self.sources),
            "bytes_replaced": sum(s.bytes_replaced for s in self.sources),
            "skipped": [{"path": k.path, "reason": k.reason} for k in self.skipped],
        }


# ---------------------------------------------------------------------------------------------
# Host event table (after clock and tag): contract columns of `kernlog events`

EVENT_COLUMNS = (
    "host", "source", "line", "boot", "ts", "ts_quality", "uptime", "program", "message",
    "tag", "category", "severity", "count", "fields",
)
# Internal columns that may ride along: end_line, format, wall, wall_kind, boot_id, priority,
# year_source (how the year was inferred).


# ---------------------------------------------------------------------------------------------
# Report model (correlate produces it, report renders it; wording lives in the report layer)


@dataclass
class Evidence:
    """One event cited by a finding."""

    source: str
    line: int
    ts: str | None  # ISO 8601 UTC or None
    message: str  # raw log text (renderers escape it)
    tag: str | None = None
    boot: int | None = None
    note: str | None = None  # e.g. "13th of 13 balloon-downs", "x312 lines, +2,611 suppressed"
    end_line: int | None = None  # for collapsed runs: last line of the run


@dataclass
class Episode:
    id: str  # "E1", "E2", ... in start order per host
    tag: str
    start: str | None  # ISO 8601 UTC
    end: str | None
    events: int  # event rows (lines) in the episode
    estimated_occurrences: int  # events' counts + suppressed/repeat counts nearby
    boot: int | None = None
    severity: str = "warning"
    first: Evidence | None = None
    last: Evidence | None = None


@dataclass
class Finding:
    id: str  # rule id, e.g. "xen-dom0-balloon-netback-squeeze"
    title: str
    severity: str
    confidence: float  # [0, 1]
    episodes: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    missing_evidence: list[str] = field(default_factory=list)
    remediation: list[str] = field(default_factory=list)
    explanation: str = ""  # why, in a paragraph (from the rule, with facts filled in)
    p_value: float | None = None  # chance alignment (permutation test), when computed
    alignment: str | None = None  # how the p-value was computed, in words
    summary: str = ""  # one-sentence statement for the report summary


@dataclass
class TimelineEntry:
    start: str | None  # ISO UTC
    end: str | None
    kind: str  # "boot" | "domu_start" | "domu_stop" | "balloon" | "episode" | "finding" | ...
    text: str  # plain text (renderers escape it)
    source: str | None = None
    line: int | None = None
    count: int = 1
    #: structured details for renderers: domu_start/stop {"name", "domid"}, balloon
    #: {"from_mib", "to_mib", "direction"}
    data: dict = field(default_factory=dict)


@dataclass
class HostReport:
    """The contract of ``kernlog analyze --format json`` (see ``HostReport.to_dict``)."""

    host: str
    kernlog_version: str
    patterns_version: str
    sources: list[dict] = field(default_factory=list)  # {path, format, lines, unparsed}
    facts: dict = field(default_factory=dict)
    episodes: list[Episode] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    accounting: dict = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    #: series for the chart: {"dom0_target": [[iso, mib], ...], "running_domus": [[iso, n], ...]}
    series: dict = field(default_factory=dict)
    period: dict = field(default_factory=dict)  # {start, end, boots, ts_quality counts}
    clock_notes: list[str] = field(default_factory=list)  # assumptions: zone, inferred years
    fact_sources: dict = field(default_factory=dict)  # fact name -> "file:line" it came from
    unexplained: list[dict] = field(default_factory=list)  # template mining ([5/7])
    #: unusual time windows: {start, end, score, top: [[label, count], ...]}
    windows: list[dict] = field(default_factory=list)
    generated_at: str | None = None

    def to_dict(self) -> dict:
        from dataclasses import asdict

        d = asdict(self)
        return d
