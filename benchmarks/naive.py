"""The naive baseline: what a careful user writes without kernlog, to count known problems.

    $ python -m benchmarks.naive /tmp/kern-1m.log
    xen.netback.memory_squeeze        7,239
    kernel.ratelimit.suppressed       8,105
    ...

Read the log line by line; a precompiled syslog header regex takes the program and the message
(the dmesg ``[uptime]`` after ``kernel:`` is stripped); then the families' regexes, precompiled,
are tried in turn and the first that matches wins. A family is one pattern of kernlog's library
(``patterns/*.yaml``, read here with PyYAML, not through kernlog): its regex variants joined into
one alternation, group names dropped (only counts are wanted), ``ignorecase`` and ``program``
honoured, families with a higher ``priority`` tried first, as kernlog's "most specific wins".
No prefilter, no multi-line grouping: the honest script, not a straw man and not a second kernlog.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

PATTERN_DIR = Path(__file__).resolve().parent.parent / "patterns"

#: ``Mar  6 14:02:44 xen07 kernel: msg`` (RFC 3164 as syslogd/rsyslog write kern.log).
HEADER_RE = re.compile(
    r"^(?:<\d{1,3}>)?[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? (?P<host>\S+) +"
    r"(?:(?P<program>[^\s:\[\]]+)(?:\[\d+\])?: ?)?(?P<message>.*)$"
)
UPTIME_RE = re.compile(r"^\[\s*\d+\.\d+\] ?")
NAMED_GROUP_RE = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")


@dataclass(frozen=True)
class Family:
    name: str
    regex: re.Pattern
    programs: frozenset | None  # lower-case program names ("" for none); None: any
    priority: int


def load_families(directory: Path = PATTERN_DIR) -> list[Family]:
    """Every pattern of ``directory`` as one precompiled regex, in the order they are tried."""
    families = []
    for path in sorted(directory.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            raw = item["regex"] if isinstance(item["regex"], list) else [item["regex"]]
            variants = [v["regex"] if isinstance(v, dict) else v for v in raw]
            joined = "|".join(f"(?:{NAMED_GROUP_RE.sub('(?:', v)})" for v in variants)
            flags = re.IGNORECASE if "ignorecase" in (item.get("flags") or ()) else 0
            program = item.get("program")
            programs = None
            if program is not None:
                names = program if isinstance(program, list) else [program]
                programs = frozenset("" if p is None else p.lower() for p in names)
            families.append(Family(item["id"], re.compile(joined, flags), programs,
                                   int(item.get("priority", 0))))
    families.sort(key=lambda f: -f.priority)  # stable: file order within a priority
    return families


def count_families(path: str | Path, families: list[Family]) -> tuple[Counter, int]:
    """Lines per family (first match wins) and the number of lines read."""
    counts: Counter = Counter()
    total = 0
    with open(path, encoding="utf-8", errors="replace", newline="\n") as f:
        for line in f:
            total += 1
            header = HEADER_RE.match(line.rstrip("\r\n"))
            if header is None:
                continue
            message = UPTIME_RE.sub("", header["message"], count=1)
            program = (header["program"] or "").lower()
            for family in families:
                if family.programs is not None and program not in family.programs:
                    continue
                if family.regex.search(message):
                    counts[family.name] += 1
                    break
    return counts, total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log")
    parser.add_argument("--patterns", type=Path, default=PATTERN_DIR)
    parser.add_argument("--json", action="store_true", help="Counts as one JSON object.")
    args = parser.parse_args(argv)
    counts, total = count_families(args.log, load_families(args.patterns))
    if args.json:
        json.dump({"lines": total, "families": dict(sorted(counts.items()))}, sys.stdout)
        sys.stdout.write("\n")
        return
    for name, n in counts.most_common():
        print(f"{name:40} {n:>10,}")
    print(f"{'lines read':40} {total:>10,}")


if __name__ == "__main__":
    main()
