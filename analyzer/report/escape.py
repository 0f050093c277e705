"""Log text is hostile data: make it render as text in markdown (and the HTML it becomes).

Log lines go into code spans (``code``): inside a code span markdown interprets nothing and
HTML renderers escape ``<``/``>``. Code spans still end at a backtick run of their own length
and, in GFM tables, at ``|``; so the fence is longer than any backtick run inside, pipes are
escaped in table cells, and line breaks and control characters are made visible.

    >>> code("xen_net: Memory squeeze in netback driver.")
    '`xen_net: Memory squeeze in netback driver.`'
    >>> code("a | b `x`", table=True)
    '`` a \\\\| b `x` ``'
    >>> text("<img src=x onerror=alert(1)> *bold*")
    '&lt;img src=x onerror=alert(1)&gt; \\\\*bold\\\\*'
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_BACKTICKS = re.compile(r"`+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")

_VISIBLE = {"\t": " ", "\x1b": "␛", "\x00": "␀"}


def _visible(s: str) -> str:
    s = s.replace("\r\n", " ⏎ ").replace("\n", " ⏎ ").replace("\r", "␍")
    return _CONTROL.sub(lambda m: _VISIBLE.get(m.group(), "\ufffd"), s)


def clip(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: max(limit - 1, 1)] + "…"


def code(s: object, *, table: bool = False, limit: int = 200) -> str:
    """``s`` as an inline code span that renders literally (in a table cell if ``table``)."""
    s = clip(_visible("" if s is None else str(s)), limit)
    if not s.strip():
        return "` `" if not table else "` `"
    if table:
        s = s.replace("|", "\\|")
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(s)), default=0)
    fence = "`" * (longest + 1)
    if s.startswith("`") or s.endswith("`") or longest:
        return f"{fence} {s} {fence}" if (s.startswith("`") or s.endswith("`")) else f"{fence}{s}{fence}"
    return f"{fence}{s}{fence}"


def text(s: object, *, limit: int = 400, line_start: bool = False) -> str:
    """``s`` as plain prose: markdown punctuation backslash-escaped, HTML made inert.

    With ``line_start`` the text begins a line, where ``#``, ``>``, ``-`` or ``1.`` would
    start a heading, quote or list, so those are escaped too.
    """
    s = clip(_visible("" if s is None else str(s)), limit)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    if line_start:
        s = _LINE_START.sub(_escape_marker, s)
    return s


def _escape_marker(m: re.Match) -> str:
    marker = m.group(2)
    if marker[0].isdigit():  # "1." -> "1\." (a backslash before a digit is not an escape)
        return m.group(1) + marker[:-1] + "\\" + marker[-1]
    return m.group(1) + "\\" + marker


def cell(s: object, *, limit: int = 200) -> str:
    """Plain prose for a table cell (pipes escaped as well)."""
    return text(s, limit=limit)
