"""Shared pieces of the sample-log generator: time lines, syslog rendering, exact archives.

    >>> syslog_line(datetime(2009, 3, 6, 14, 47, 3), "xen07", "kernel",
    ...             "xen_net: Memory squeeze in netback driver.")
    'Mar  6 14:47:03 xen07 kernel: xen_net: Memory squeeze in netback driver.'

Everything here is deterministic: callers pass a seeded ``random.Random``; gzip members carry
no name and mtime 0; tarballs have fixed owners, modes, mtimes and member order.
"""

from __future__ import annotations

import gzip
import io
import lzma
import tarfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta

XZ_PRESET = 6
TAR_MTIME = 1236681000  # 2009-03-10 10:30:00 UTC, the raid04 sosreport's collection time


def syslog_stamp(ts: datetime) -> str:
    """RFC 3164 time stamp: ``Mar  6 14:47:03`` (day padded with a space)."""
    return f"{ts:%b} {ts.day:2d} {ts:%H:%M:%S}"


def syslog_line(ts: datetime, host: str, prog: str, msg: str) -> str:
    return f"{syslog_stamp(ts)} {host} {prog}: {msg}"


@dataclass
class Entry:
    ts: datetime
    text: str  # the rendered line, or for kernel entries the bare message
    seq: int = 0


@dataclass
class Timeline:
    """Lines of one log stream, kept in time order (stable for equal times)."""

    entries: list[Entry] = field(default_factory=list)
    _seq: int = 0

    def add(self, ts: datetime, text: str) -> None:
        self._seq += 1
        self.entries.append(Entry(ts, text, self._seq))

    def sorted(self) -> list[Entry]:
        return sorted(self.entries, key=lambda e: (e.ts, e.seq))

    def between(self, start: datetime, end: datetime) -> list[Entry]:
        return [e for e in self.sorted() if start <= e.ts < end]


def text_bytes(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def gzip_bytes(data: bytes) -> bytes:
    """gzip as logrotate's ``gzip -9`` from a pipe would: no name, mtime 0."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def tar_xz_bytes(top: str, files: dict[str, bytes], *, mtime: int = TAR_MTIME) -> bytes:
    """A sosreport tarball: ``top/`` plus its files, sorted, root-owned, fixed mtime, xz."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        dirs = {top}
        for path in files:
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                dirs.add(f"{top}/" + "/".join(parts[:i]))
        members = [(d, None) for d in dirs] + [(f"{top}/{p}", b) for p, b in files.items()]
        for name, data in sorted(members, key=lambda m: m[0]):
            info = tarfile.TarInfo(name)
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            else:
                info.mode = 0o600 if "/var/log/" in f"/{name}" else 0o644
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return lzma.compress(raw.getvalue(), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64,
                         preset=XZ_PRESET)


def spread(rng, start: datetime, end: datetime, n: int) -> list[datetime]:
    """``n`` sorted random whole-second times in [start, end)."""
    span = int((end - start).total_seconds())
    return sorted(start + timedelta(seconds=rng.randrange(span)) for _ in range(n))


def days(start: datetime, end: datetime):
    """Midnights of each day that overlaps [start, end)."""
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        yield day
        day += timedelta(days=1)


class Pids:
    """Monotonically growing pids, like a real process table between reboots."""

    def __init__(self, rng, start: int):
        self.rng = rng
        self.cur = start

    def next(self) -> int:
        self.cur += self.rng.randint(3, 40)
        if self.cur > 32000:
            self.cur = 300 + self.rng.randint(0, 200)
        return self.cur


def mac(rng) -> str:
    return "00:16:3e:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3))


def uuid(rng) -> str:
    h = "".join(f"{rng.randrange(16):x}" for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
