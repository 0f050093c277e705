"""The floor: ``grep -c -E`` over the same families as the naive baseline (nothing is faster).

    $ python -m benchmarks.floor /tmp/kern-1m.log
    grep -c -E (81 families): 24,118 lines

The families' regexes (Python/RE2 syntax, applied to the message body) are rewritten as POSIX
extended regexes for GNU grep: ``(?:``/``(?P<name>`` become plain groups, ``\\d``/``\\s``/``\\S``
become classes, lazy quantifiers become greedy (same lines match), ``ignorecase`` families get
``[xX]`` letters, and ``^`` (start of the message) becomes the syslog header the message follows.
grep counts the lines that match any family; the runner times it (``LC_ALL=C``, as fast as grep
goes). ``check_examples()`` proves the rewrite on the patterns' own ``match:`` examples.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from .naive import NAMED_GROUP_RE, PATTERN_DIR

#: What ``^`` (the start of a message) is in a kern.log line: the syslog header, the program's
#: tag and the optional dmesg uptime.
MESSAGE_START = (r"^(<[0-9]{1,3}>)?[A-Z][a-z]{2} {1,2}[0-9]{1,2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
                 r"(\.[0-9]+)? [^ ]+ +([^][[:space:]:]+(\[[0-9]+\])?: ?)?(\[ *[0-9]+\.[0-9]+\] ?)?")
ERE_SPECIAL = set(".[]()*+?{}|^$\\")
SAMPLE_HEADER = "Mar  6 14:02:44 xen07 kernel: "


def to_ere(regex: str, *, ignorecase: bool = False) -> str:
    """A POSIX ERE (GNU grep) matching the same kern.log lines as ``regex`` on their message.

    >>> to_ere(r'^(?:xen_net: )?Memory squeeze in netback driver\\.?$')[-45:]
    '(xen_net: )?Memory squeeze in netback driver\\\\.?$'
    """
    regex = NAMED_GROUP_RE.sub("(?:", regex)
    out: list[str] = []
    i, n = 0, len(regex)
    after_quantifier = False
    while i < n:
        c = regex[i]
        if c == "?" and after_quantifier:  # lazy -> greedy: the same lines match
            i += 1
            after_quantifier = False
            continue
        after_quantifier = False
        if c == "\\":
            e = regex[i + 1]
            i += 2
            if e == "d":
                out.append("[0-9]")
            elif e == "D":
                out.append("[^0-9]")
            elif e == "s":
                out.append("[[:space:]]")
            elif e == "S":
                out.append("[^[:space:]]")
            elif e in "wWbB":
                out.append("\\" + e)
            elif e in ERE_SPECIAL:
                out.append("\\" + e)
            else:
                out.append(_letter(e, ignorecase))
            continue
        if regex.startswith("(?:", i):
            out.append("(")
            i += 3
            continue
        if c == "[":
            text, i = _bracket(regex, i, ignorecase)
            out.append(text)
            continue
        if c == "^":
            out.append(f"({MESSAGE_START})")
            i += 1
            continue
        if c in "*+?":
            after_quantifier = True
            out.append(c)
        elif c == "{":
            end = regex.index("}", i)
            out.append(regex[i:end + 1])
            i = end + 1
            after_quantifier = True
            continue
        elif ignorecase and c.isalpha():
            out.append(_letter(c, ignorecase))
        else:
            out.append(c)  # syntax (groups, alternation, dot, anchors) or a plain character
        i += 1
    return "".join(out)


def _letter(c: str, ignorecase: bool) -> str:
    if ignorecase and c.isalpha() and c.lower() != c.upper():
        return f"[{c.lower()}{c.upper()}]"
    return c if c not in ERE_SPECIAL else "\\" + c


def _bracket(regex: str, i: int, ignorecase: bool) -> tuple[str, int]:
    """A Python character class at ``regex[i]`` as a POSIX bracket expression; its end."""
    i += 1
    negate = regex.startswith("^", i)
    i += negate
    items: list[str] = []
    first = True
    while i < len(regex) and (regex[i] != "]" or first):
        first = False
        c = regex[i]
        if c == "\\":
            e = regex[i + 1]
            i += 2
            items.append({"d": "0-9", "s": "[:space:]", "w": "[:alnum:]_"}.get(e, e))
            continue
        if i + 2 < len(regex) and regex[i + 1] == "-" and regex[i + 2] != "]":
            lo, hi = c, regex[i + 2]
            items.append(f"{lo}-{hi}")
            if ignorecase and lo.isalpha() and hi.isalpha():
                items.append(f"{lo.swapcase()}-{hi.swapcase()}")
            i += 3
            continue
        items.append(c)
        if ignorecase and c.isalpha():
            items.append(c.swapcase())
        i += 1
    items = sorted(set(items), key=items.index)
    lead = [x for x in items if x == "]"]
    tail = [x for x in items if x == "-"]
    middle = [x for x in items if x not in ("]", "-", "^")]
    caret = ["^"] if "^" in items else []
    body = "".join(lead + middle + caret + tail)
    if body == "^":
        body = "\\^"  # unreachable in our patterns; keeps the class non-empty and literal
    return f"[{'^' if negate else ''}{body}]", i + 1


def load_family_eres(directory: Path = PATTERN_DIR) -> dict[str, str]:
    """Family name -> one ERE (its variants as an alternation)."""
    out = {}
    for path in sorted(directory.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            raw = item["regex"] if isinstance(item["regex"], list) else [item["regex"]]
            ignorecase = "ignorecase" in (item.get("flags") or ())
            variants = [to_ere(v["regex"] if isinstance(v, dict) else v, ignorecase=ignorecase)
                        for v in raw]
            out[item["id"]] = "|".join(f"({v})" for v in variants)
    return out


def grep_command(log: str | Path, eres: dict[str, str]) -> list[str]:
    args = ["grep", "-c", "-E"]
    for ere in eres.values():
        args += ["-e", ere]
    return args + [str(log)]


def check_examples(directory: Path = PATTERN_DIR) -> list[str]:
    """Families whose ERE misses one of their own ``match:`` examples (kern.log form)."""
    eres = load_family_eres(directory)
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(directory.glob("*.yaml")):
            for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
                examples = [e["message"] if isinstance(e, dict) else e
                            for e in (item.get("examples") or {}).get("match") or []]
                examples = [e for e in examples if "\n" not in e]
                if not examples:
                    continue
                sample = Path(tmp) / "sample.log"
                sample.write_text("".join(SAMPLE_HEADER + e + "\n" for e in examples),
                                  encoding="utf-8")
                done = subprocess.run(["grep", "-c", "-E", "-e", eres[item["id"]], str(sample)],
                                      capture_output=True, text=True,
                                      env={**os.environ, "LC_ALL": "C"})
                if done.returncode == 2 or int(done.stdout.strip() or 0) != len(examples):
                    bad.append(f"{item['id']}: {done.stdout.strip()} of {len(examples)} "
                               f"{done.stderr.strip()}")
    return bad


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log", nargs="?")
    parser.add_argument("--patterns", type=Path, default=PATTERN_DIR)
    parser.add_argument("--check", action="store_true", help="Check the rewrite on the examples.")
    args = parser.parse_args(argv)
    if args.check:
        bad = check_examples(args.patterns)
        print("\n".join(bad) or "every family's ERE matches its examples")
        sys.exit(1 if bad else 0)
    eres = load_family_eres(args.patterns)
    done = subprocess.run(grep_command(args.log, eres), capture_output=True, text=True,
                          env={**os.environ, "LC_ALL": "C"})
    print(f"grep -c -E ({len(eres)} families): {int(done.stdout.strip() or 0):,} lines")


if __name__ == "__main__":
    main()
