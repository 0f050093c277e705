"""Xen and Dom0 kernel command lines from boot loader configuration (sosreport ``grub`` files).

GRUB legacy (``boot/grub/grub.conf``, ``menu.lst``)::

    default=0
    title Red Hat Enterprise Linux Server (2.6.18-128.el5xen)
            root (hd0,0)
            kernel /xen.gz-2.6.18-128.el5 dom0_mem=256000
            module /vmlinuz-2.6.18-128.el5xen ro root=/dev/VolGroup00/LogVol00
            module /initrd-2.6.18-128.el5xen.img

GRUB 2 (``boot/grub/grub.cfg``): ``multiboot /boot/xen-4.0-amd64.gz placeholder dom0_mem=1024M``
(or ``multiboot2``, or ``xen_hypervisor`` on Arm) inside a ``menuentry``, the Dom0 kernel on the
first ``module``/``module2``/``xen_module`` line. ``etc/default/grub``:
``GRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M"`` plus ``GRUB_CMDLINE_XEN_DEFAULT`` (the default
entry gets both).

The entry used is the default one when it can be resolved and boots Xen, else the first entry
that boots Xen (``xen_boot_default`` says which). Keys: ``grub_style`` ("legacy", "grub2",
"default"), ``xen_cmdline``, ``dom0_kernel_cmdline``, ``grub_entry`` (the entry's title),
``xen_boot_default`` (does the default entry boot Xen: True/False, absent when unknown).
"""

from __future__ import annotations

import re
import shlex

from .found import Found, excerpt, numbered_lines

COMMENT_RE = re.compile(r"^\s*(?:#|$)")

# GRUB legacy
LEGACY_DEFAULT_RE = re.compile(r"^\s*default(?:\s*=\s*|\s+)(?P<value>\S+)")
LEGACY_TITLE_RE = re.compile(r"^\s*title\s+(?P<title>.*?)\s*$")
LEGACY_KERNEL_RE = re.compile(r"^\s*kernel\s+(?P<rest>.*?)\s*$")
LEGACY_MODULE_RE = re.compile(r"^\s*module\s+(?P<rest>.*?)\s*$")

# GRUB 2
GRUB2_BLOCK_RE = re.compile(
    r"^\s*(?P<kind>menuentry|submenu)\s+(?P<title>'[^']*'|\"[^\"]*\"|\S+)(?P<rest>.*)\{\s*$")
GRUB2_ID_RE = re.compile(r"\$menuentry_id_option\s+(?P<id>'[^']*'|\"[^\"]*\"|\S+)")
GRUB2_CLOSE_RE = re.compile(r"^\s*\}\s*$")
GRUB2_DEFAULT_RE = re.compile(r"^\s*set\s+default=(?P<value>\S*)")
GRUB2_HYPERVISOR_RE = re.compile(r"^\s*(?:multiboot2?|xen_hypervisor)\s+(?P<rest>.*?)\s*$")
GRUB2_MODULE_RE = re.compile(r"^\s*(?:module2?|xen_module)\s+(?P<rest>.*?)\s*$")
GRUB_VARIABLE_TOKEN_RE = re.compile(r"^\$(?:\{\w+\}|\w+)$")

# etc/default/grub (shell assignments)
ASSIGNMENT_RE = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")
SHELL_VARIABLE_RE = re.compile(r"\$(?:\{(?P<braced>\w+)\}|(?P<plain>\w+))")

#: boot images that are the Xen hypervisor: xen.gz, xen-4.0-amd64.gz, xen.gz-2.6.18-128.el5, xen
XEN_IMAGE_RE = re.compile(r"^xen(?:[.-]|$)", re.IGNORECASE)
#: Dom0 kernel images among the modules (the others are initrds, XSM policies, microcode)
LINUX_IMAGE_RE = re.compile(r"^(?:vmlinu[xz]|bzImage|linux|kernel)", re.IGNORECASE)


def _image_and_args(rest: str) -> tuple[str, str]:
    """``"--nounzip (hd0,0)/xen.gz dom0_mem=1G"`` -> ``("xen.gz", "dom0_mem=1G")``."""
    words = rest.split()
    while words and words[0].startswith("--"):
        words.pop(0)
    if not words:
        return "", ""
    image = re.sub(r"^\([^)]*\)", "", words[0]).rsplit("/", 1)[-1]
    args = [w for w in words[1:] if not GRUB_VARIABLE_TOKEN_RE.match(w)]
    return image, " ".join(args)


class _Entry:
    def __init__(self, title: str, line: int, path: str, ident: str | None = None):
        self.title, self.line, self.path, self.ident = title, line, path, ident
        self.xen: tuple[str, int, str] | None = None  # (args, line, raw)
        self.modules: list[tuple[str, str, int, str]] = []  # (image, args, line, raw)

    def dom0_kernel(self) -> tuple[str, int, str] | None:
        for image, args, line, raw in self.modules:
            if LINUX_IMAGE_RE.match(image):
                return args, line, raw
        if self.modules:
            _, args, line, raw = self.modules[0]
            return args, line, raw
        return None


def _entry_facts(entries: list[_Entry], default: str | None, style: str) -> dict[str, Found]:
    xen_entries = [e for e in entries if e.xen is not None]
    if not xen_entries:
        return {"grub_style": Found(style, None, style)}
    chosen = next((e for e in entries if default is not None and default in (e.path, e.title,
                                                                              e.ident)), None)
    out: dict[str, Found] = {"grub_style": Found(style, None, style)}
    if chosen is not None:
        out["xen_boot_default"] = Found(chosen.xen is not None, chosen.line,
                                        excerpt(f"default entry: {chosen.title}"))
    if chosen is None or chosen.xen is None:
        chosen = xen_entries[0]
    args, line, raw = chosen.xen
    out["grub_entry"] = Found(chosen.title, chosen.line, excerpt(chosen.title))
    out["xen_cmdline"] = Found(args, line, excerpt(raw))
    dom0 = chosen.dom0_kernel()
    if dom0 is not None:
        out["dom0_kernel_cmdline"] = Found(dom0[0], dom0[1], excerpt(dom0[2]))
    return out


def parse_legacy(lines: list[tuple[int, str]]) -> dict[str, Found]:
    """Facts from a GRUB legacy ``grub.conf``/``menu.lst`` (entries after ``title``)."""
    entries: list[_Entry] = []
    default = "0"
    for n, raw in lines:
        if COMMENT_RE.match(raw):
            continue
        if m := LEGACY_TITLE_RE.match(raw):
            entries.append(_Entry(m["title"], n, str(len(entries))))
        elif not entries and (m := LEGACY_DEFAULT_RE.match(raw)):
            default = m["value"] if m["value"].isdigit() else None  # "saved": unknown
        elif entries and (m := LEGACY_KERNEL_RE.match(raw)):
            image, args = _image_and_args(m["rest"])
            if XEN_IMAGE_RE.match(image):
                entries[-1].xen = (args, n, raw)
        elif entries and (m := LEGACY_MODULE_RE.match(raw)):
            image, args = _image_and_args(m["rest"])
            entries[-1].modules.append((image, args, n, raw))
    return _entry_facts(entries, default, "legacy")


def _unquote(word: str) -> str:
    return word[1:-1] if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"" else word


def parse_grub2(lines: list[tuple[int, str]]) -> dict[str, Found]:
    """Facts from a GRUB 2 ``grub.cfg`` (menuentries, submenus, ``set default=``)."""
    entries: list[_Entry] = []
    default: str | None = "0"
    stack: list[tuple[str, _Entry | None]] = []  # open blocks: ("menuentry"|"submenu"|"other")
    top_index = -1
    sub_index = -1
    for n, raw in lines:
        if COMMENT_RE.match(raw):
            continue
        if m := GRUB2_BLOCK_RE.match(raw):
            title = _unquote(m["title"])
            ident = GRUB2_ID_RE.search(m["rest"])
            ident = _unquote(ident["id"]) if ident else None
            in_submenu = any(kind == "submenu" for kind, _ in stack)
            if in_submenu:
                sub_index += 1
                path = f"{top_index}>{sub_index}"
            else:
                top_index += 1
                sub_index = -1
                path = str(top_index)
            if m["kind"] == "submenu":
                stack.append(("submenu", None))
            else:
                entry = _Entry(title, n, path, ident)
                entries.append(entry)
                stack.append(("menuentry", entry))
        elif raw.rstrip().endswith("{"):
            stack.append(("other", None))  # if/function blocks
        elif GRUB2_CLOSE_RE.match(raw):
            if stack:
                stack.pop()
        elif (m := GRUB2_DEFAULT_RE.match(raw)) and not stack:
            value = _unquote(m["value"])
            default = None if "$" in value else value
        elif current := next((e for kind, e in reversed(stack) if kind == "menuentry"), None):
            if m := GRUB2_HYPERVISOR_RE.match(raw):
                image, args = _image_and_args(m["rest"])
                if XEN_IMAGE_RE.match(image):
                    current.xen = (args, n, raw)
            elif m := GRUB2_MODULE_RE.match(raw):
                image, args = _image_and_args(m["rest"])
                current.modules.append((image, args, n, raw))
    return _entry_facts(entries, default, "grub2")


def _shell_value(value: str, env: dict[str, str]) -> str:
    expanded = SHELL_VARIABLE_RE.sub(lambda m: env.get(m["braced"] or m["plain"], ""), value)
    try:
        return " ".join(shlex.split(expanded, comments=True))
    except ValueError:  # unbalanced quotes: take the text as written
        return expanded.strip().strip("'\"")


def parse_default_grub(lines: list[tuple[int, str]]) -> dict[str, Found]:
    """Facts from ``etc/default/grub`` (``GRUB_CMDLINE_XEN``, ``GRUB_CMDLINE_XEN_DEFAULT``,
    ``GRUB_CMDLINE_LINUX``, ``GRUB_CMDLINE_LINUX_DEFAULT``, the ``*_XEN_REPLACE*`` forms)."""
    env: dict[str, str] = {}
    where: dict[str, tuple[int, str]] = {}
    for n, raw in lines:
        if COMMENT_RE.match(raw):
            continue
        if m := ASSIGNMENT_RE.match(raw):
            env[m["name"]] = _shell_value(m["value"], env)
            where[m["name"]] = (n, raw)
    out: dict[str, Found] = {"grub_style": Found("default", None, "etc/default/grub")}

    def joined(*names: str) -> Found | None:
        present = [name for name in names if name in env]
        if not present:
            return None
        value = " ".join(" ".join(env[name].split()) for name in present if env[name].strip())
        # cite the line that sets dom0_mem (what the report is about), else the last one
        cited = next((name for name in present if "dom0_mem=" in env[name]), present[-1])
        n = where[cited][0]
        text = "; ".join(excerpt(where[name][1]) for name in present)
        return Found(value, n, excerpt(text))

    if (xen := joined("GRUB_CMDLINE_XEN", "GRUB_CMDLINE_XEN_DEFAULT")) is not None:
        out["xen_cmdline"] = xen
    linux = joined("GRUB_CMDLINE_LINUX_XEN_REPLACE", "GRUB_CMDLINE_LINUX_XEN_REPLACE_DEFAULT")
    if linux is None or not linux.value:
        linux = joined("GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT")
    if linux is not None and "xen_cmdline" in out:
        out["dom0_kernel_cmdline"] = linux
    return out


def parse(text: str) -> dict[str, Found]:
    """Facts from any GRUB file; the style is sniffed from the content."""
    lines = numbered_lines(text)
    body = [raw for _, raw in lines if not COMMENT_RE.match(raw)]
    if any(GRUB2_BLOCK_RE.match(raw) for raw in body):
        return parse_grub2(lines)
    if any(LEGACY_TITLE_RE.match(raw) for raw in body):
        return parse_legacy(lines)
    if any(ASSIGNMENT_RE.match(raw) for raw in body):
        return parse_default_grub(lines)
    return {}
