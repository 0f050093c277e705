"""Deriving a prefilter literal from a regex: a substring every match must contain."""

from __future__ import annotations

import re
from typing import Sequence

from .types import MIN_HINT_LENGTH


def derive_hints(variants: Sequence[str]) -> tuple[str, ...]:
    """Literals one of which every match of any variant contains; () when none can be found.

    >>> derive_hints([r'^(?:xen_net: )?Memory squeeze in netback driver\\.?$'])
    ('Memory squeeze in netback driver',)
    """
    hints: list[str] = []
    for regex in variants:
        found = _required_literals(regex)
        if not found:
            return ()
        hints.extend(h for h in found if h not in hints)
    return tuple(hints)


def _required_literals(regex: str) -> tuple[str, ...] | None:
    import re._constants as c
    import re._parser as sre_parse

    try:
        parsed = sre_parse.parse(regex)
    except (re.error, OverflowError, RecursionError):
        return None  # RE2-only syntax: no hint, the pattern is always tried
    if parsed.state.flags & (c.SRE_FLAG_IGNORECASE | c.SRE_FLAG_VERBOSE) or "(?i" in regex:
        return None  # case-folded: the prefilter would need the pattern's ignorecase flag

    def best(options: list[tuple[str, ...]]) -> tuple[str, ...] | None:
        options = [o for o in options if o and min(map(len, o)) >= MIN_HINT_LENGTH]
        return max(options, key=lambda o: (min(map(len, o)), -len(o)), default=None)

    def seq(items) -> tuple[str, ...] | None:
        options: list[tuple[str, ...]] = []
        run: list[str] = []

        def flush() -> None:
            if run:
                options.append(("".join(run),))
                run.clear()

        for op, arg in items:
            if op is c.LITERAL:
                run.append(chr(arg))
                continue
            flush()
            if op is c.SUBPATTERN:
                sub = seq(arg[3])
                if sub:
                    options.append(sub)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and arg[0] >= 1:
                sub = seq(arg[2])
                if sub:
                    options.append(sub)
            elif op is c.BRANCH:
                branches = [seq(b) for b in arg[1]]
                if all(branches):
                    options.append(tuple(dict.fromkeys(h for b in branches for h in b)))
        flush()
        return best(options)

    return seq(parsed)
