"""``{name}`` placeholders in rule text, filled from facts and computed values.

    >>> render("boot Xen with `dom0_mem={suggest_dom0_mib}M,max:{suggest_dom0_mib}M`",
    ...        {"suggest_dom0_mib": "1024"})
    ('boot Xen with `dom0_mem=1024M,max:1024M`', True)
    >>> render("Dom0 booted with {dom0_boot_mib} MiB", {"dom0_boot_mib": 7934.0})
    ('Dom0 booted with 7,934 MiB', True)

Numbers read as a person reads them (thousands separators), so a value that goes into a
configuration line (``dom0_mem=1024M``) is passed as a string.

A plain regex replacement, never ``str.format``: values come from logs and must not be
interpreted (``{ram_mib}`` inside a log-derived value stays literal, and ``{0.__class__}`` is
just text). Only ``{identifier}`` is a placeholder; other braces are left alone. A value that
is unknown (None or absent) leaves the placeholder unresolved: ``render`` says so, and
``render_first`` picks the first alternative whose placeholders are all known.
"""

from __future__ import annotations

import math
import re

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
UNKNOWN = "unknown"


def fmt(value) -> str | None:
    """A value as a person reads it: 7934.0 -> '7,934', 4094.5 -> '4,094' (MiB are whole),
    0.0013 -> '0.0013', True -> 'yes'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if (value.is_integer() or abs(value) >= 100) and abs(value) < 1e15:
            return f"{round(value):,}"  # sizes in MiB read as whole numbers
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2g}"
    if isinstance(value, int):
        return f"{value:,}"
    if hasattr(value, "item"):  # numpy scalar
        return fmt(value.item())
    return str(value)


def render(template: str, values: dict) -> tuple[str, bool]:
    complete = True

    def fill(match: re.Match) -> str:
        nonlocal complete
        text = fmt(values.get(match.group(1)))
        if text is None:
            complete = False
            return UNKNOWN
        return text

    return PLACEHOLDER.sub(fill, template), complete


def render_first(templates, values: dict) -> str:
    """The first alternative with every placeholder known; else the last, unknowns marked."""
    text = ""
    for template in templates:
        text, complete = render(template, values)
        if complete:
            return text
    return text
