"""Facts from the Xen toolstack: ``xm info``/``xl info`` output, ``xend-config.sxp``, ``xl.conf``.

    total_memory           : 8190
    xen_commandline        : placeholder dom0_mem=4096M,max:4096M   (xl info; xm info >= 3.4)
    (dom0-min-mem 196)                                              (xend-config.sxp)
    autoballoon="off"                                               (xl.conf)

xend (``XendOptions.get_enable_dom0_ballooning``): ``(enable-dom0-ballooning yes|no)`` (3.3+)
decides when present; otherwise Dom0 balloons unless ``dom0-min-mem`` is 0, which is also
xend's built-in default ("If dom0-min-mem=0, dom0 will never balloon out", <= 3.2).
``xl.conf``: ``autoballoon`` is "on"/"1", "off"/"0" or "auto" (the default: balloon unless the
Xen command line has ``dom0_mem=``); that last rule needs the command line, so the combiner
applies it.
"""

from __future__ import annotations

import re

from .found import Found, excerpt, numbered_lines

INFO_RE = re.compile(r"^(?P<key>[a-z_0-9]+)\s*:\s?(?P<value>.*?)\s*$")
SXP_PAIR_RE = re.compile(
    r"^\s*\((?P<name>[A-Za-z][\w-]*)\s+(?P<value>'[^']*'|\"[^\"]*\"|[^()\s]+)\s*\)")
XL_AUTOBALLOON_RE = re.compile(
    r"^\s*autoballoon\s*=\s*(?P<value>\"[^\"]*\"|'[^']*'|[^#\s]+)")

#: XendOptionsFile.get_config_bool's words
XEND_TRUE = ("yes", "y", "1", "on", "true", "t")
XEND_FALSE = ("no", "n", "0", "off", "false", "f")
#: xl's autoballoon words -> normalised setting
XL_AUTOBALLOON = {"on": "on", "1": "on", "off": "off", "0": "off", "auto": "auto"}


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" else value


def parse_info(text: str) -> dict[str, Found]:
    """``xm info`` / ``xl info``: ``ram_mib`` (total_memory), ``free_memory_mib``, ``xen``,
    ``xen_cmdline`` (xen_commandline), ``kernel`` (release), ``hostname`` (host)."""
    rows: dict[str, tuple[str, int, str]] = {}
    for n, raw in numbered_lines(text):
        if (m := INFO_RE.match(raw)) and m["key"] not in rows:
            rows[m["key"]] = (m["value"], n, raw)
    out: dict[str, Found] = {}

    def number(key: str, fact: str) -> None:
        if key in rows and rows[key][0].isdigit():
            value, n, raw = rows[key]
            out[fact] = Found(int(value), n, excerpt(raw))

    number("total_memory", "ram_mib")
    number("free_memory", "free_memory_mib")
    if "xen_version" in rows and rows["xen_version"][0]:
        value, n, raw = rows["xen_version"]
        out["xen"] = Found(value, n, excerpt(raw))
    elif "xen_major" in rows and "xen_minor" in rows:
        extra = rows.get("xen_extra", ("", 0, ""))[0]
        _, n, raw = rows["xen_major"]
        version = f"{rows['xen_major'][0]}.{rows['xen_minor'][0]}{extra}"
        out["xen"] = Found(version, n, excerpt(f"{raw}; xen_minor {rows['xen_minor'][0]}; "
                                               f"xen_extra {extra}"))
    if "xen_commandline" in rows:
        value, n, raw = rows["xen_commandline"]
        out["xen_cmdline"] = Found(value, n, excerpt(raw))
    for key, fact in (("release", "kernel"), ("host", "hostname")):
        if key in rows and rows[key][0]:
            value, n, raw = rows[key]
            out[fact] = Found(value, n, excerpt(raw))
    return out


def parse_xend_config(text: str) -> dict[str, Found]:
    """``xend-config.sxp``: ``dom0_min_mem_mib``, ``dom0_ballooning`` (xend's own rule).

    ``#`` starts a comment; the first setting of a name counts (``sxp.child_value``).
    """
    settings: dict[str, tuple[str, int, str]] = {}
    for n, raw in numbered_lines(text):
        line = raw.split("#", 1)[0]
        if (m := SXP_PAIR_RE.match(line)) and m["name"] not in settings:
            settings[m["name"]] = (_unquote(m["value"]), n, raw)
    out: dict[str, Found] = {}
    min_mem = 0
    if "dom0-min-mem" in settings:
        value, n, raw = settings["dom0-min-mem"]
        if value.lstrip("-").isdigit():
            min_mem = int(value)
            out["dom0_min_mem_mib"] = Found(min_mem, n, excerpt(raw))
    enable = settings.get("enable-dom0-ballooning")
    if enable is not None and enable[0].lower() in XEND_TRUE + XEND_FALSE:
        value, n, raw = enable
        out["dom0_ballooning"] = Found(value.lower() in XEND_TRUE, n, excerpt(raw))
    elif "dom0_min_mem_mib" in out:
        found = out["dom0_min_mem_mib"]
        out["dom0_ballooning"] = Found(min_mem != 0, found.line, found.text)
    else:
        out["dom0_ballooning"] = Found(
            False, None, "xend default: no dom0-min-mem (0) and no enable-dom0-ballooning")
    return out


def parse_xl_conf(text: str) -> dict[str, Found]:
    """``xl.conf``: ``autoballoon`` (raw value as written, unquoted; the last setting counts)."""
    out: dict[str, Found] = {}
    for n, raw in numbered_lines(text):
        if m := XL_AUTOBALLOON_RE.match(raw):
            out["autoballoon"] = Found(_unquote(m["value"]), n, excerpt(raw))
    return out
