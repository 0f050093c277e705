"""Log text in reports is text: a real analyze run over lines full of markup.

The markdown is parsed the way ticket systems and wikis render it (CommonMark + GFM tables, via
markdown-it) and the HTML is inspected: no tag or attribute comes from a log, the hostile text
is there, as text, and tables keep their columns. JSON keeps the text intact; terminal output
is plain (no rich markup interpretation of ``[drm]`` / ``[/drm]``).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.options import build_options
from analyzer.pipeline import analyze
from analyzer.report import render_json, render_markdown

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "](javascript:alert(1))"

MESSAGES = "\n".join([
    # a real i915 line (tests/data/real-dmesg/) and its hostile twin
    "Mar  7 10:15:00 xen07 kernel: [drm] Initialized i915 1.6.0 20200114 for 0000:00:02.0 on minor 0",
    f"Mar  7 10:15:01 xen07 kernel: [/drm] {XSS_SCRIPT} | a | b | `tick` {JS_LINK}",
    # OOM lines (xen-messages.md 4.4) whose process names are attacker-chosen
    f"Mar  7 10:16:00 xen07 kernel: {XSS_IMG} invoked oom-killer: gfp_mask=0x201d2, order=0, "
    "oomkilladj=0",
    "Mar  7 10:16:01 xen07 kernel: Out of memory: Killed process 4242 (<script>x|y</script>).",
    "Mar  7 10:16:02 xen07 kernel: Out of memory: Killed process 4243 ([/drm]](javascript:alert(2))).",
    # a line no grammar knows: it becomes an "unparsed" excerpt
    "<script>alert('unparsed')</script> | [/drm] | ](javascript:alert(3)) **bold** # head",
]) + "\n"
XEN_CMDLINE = "dom0_mem=<script>alert(9)</script>|x](javascript:alert(4)) [/drm]"
EVIL_NAME = "evil|<b onmouseover=alert(5)>x](javascript:alert(5)).log"
SQUEEZE = "Mar  7 10:17:00 xen07 kernel: xen_net: Memory squeeze in netback driver.\n"

ALLOWED_TAGS = {"h1", "h2", "h3", "p", "strong", "em", "code", "table", "thead", "tbody", "tr",
                "th", "td", "ul", "ol", "li", "br", "hr"}


def write_host(root: Path) -> Path:
    host = root / "xen07"
    (host / "var" / "log").mkdir(parents=True)
    (host / "sos_commands" / "xen").mkdir(parents=True)
    (host / "var" / "log" / "messages").write_text(MESSAGES, encoding="utf-8")
    (host / "sos_commands" / "xen" / "xm_dmesg").write_text(
        f"(XEN) Command line: {XEN_CMDLINE}\n(XEN) System RAM: 8190MB (8386560kB)\n",
        encoding="utf-8")
    (host / "var" / "log" / EVIL_NAME).write_text(SQUEEZE, encoding="utf-8")
    return host


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    host = write_host(tmp_path_factory.mktemp("markup"))
    report = analyze([str(host)], options=build_options(year=2009))
    return host, report


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def rendered(markdown: str) -> _Html:
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    parser = _Html()
    parser.feed(html)
    parser.close()
    return parser


def test_hostile_lines_reach_the_report(hostile):
    """The run really carries the hostile text (else the tests below prove nothing)."""
    _, report = hostile
    md = render_markdown(report)
    assert XSS_IMG in md  # in a code span in the evidence table
    assert XEN_CMDLINE.replace("|", "\\|") in md
    assert "alert('unparsed')" in md
    assert EVIL_NAME.replace("|", "\\|") in md


def test_markdown_html_has_no_tag_or_attribute_from_logs(hostile):
    _, report = hostile
    html = rendered(render_markdown(report))
    tags = {t for t, _ in html.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for tag, attrs in html.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert "javascript" not in (value or "").lower(), (tag, name, value)


def test_markdown_html_shows_the_log_text_as_text(hostile):
    _, report = hostile
    text = "".join(rendered(render_markdown(report)).text)
    assert XSS_IMG + " invoked oom-killer" in text
    assert "Out of memory: Killed process 4243 ([/drm]](javascript:alert(2)))." in text
    assert XEN_CMDLINE in text
    assert "<script>alert('unparsed')</script> | [/drm] | ](javascript:alert(3)) **bold**" in text
    assert EVIL_NAME in text


def test_markdown_tables_keep_their_columns(hostile):
    _, report = hostile
    html = rendered(render_markdown(report))
    assert len(html.tables) >= 4
    for table in html.tables:
        widths = {len(row) for row in table}
        assert len(widths) == 1, table
    facts = next(t for t in html.tables if t[0][0] == "Fact")
    assert ["Xen command line", XEN_CMDLINE] == facts[[r[0] for r in facts].index(
        "Xen command line")][:2]
    sources = next(t for t in html.tables if t[0][0] == "Source")
    assert any(row[0].endswith(EVIL_NAME) for row in sources)


@pytest.mark.parametrize("hostile_text", [
    XSS_SCRIPT, XSS_IMG, JS_LINK, "a | b", "[drm]", "[/drm]", "`x`", "``", "*a* _b_",
    "# heading", "> quote", "1. list", "<!-- comment", "&lt;script&gt;", "\\|", "line\nbreak",
    "\x1b[31mred\x1b[0m", "\u202eevil", "![img](http://x/y.png)", "<http://evil.example/>",
])
def test_every_escape_path_in_the_renderer(hostile, hostile_text):
    """The same text in every string the renderer shows: host, evidence, notes, timeline,
    facts, sources, skipped reasons, warnings, unexplained templates."""
    from dataclasses import replace

    from analyzer.model import Evidence, TimelineEntry

    _, report = hostile
    f = report.findings[0]
    ev = Evidence(source=hostile_text, line=1, ts=None, message=hostile_text, note=hostile_text)
    acc = dict(report.accounting)
    acc["skipped"] = [{"path": hostile_text, "reason": hostile_text}]
    acc["warnings"] = [{"source": hostile_text, "line": 1, "reason": "no_header",
                        "excerpt": hostile_text}]
    acc["unparsed_by_reason"] = {hostile_text: 1}
    evil = replace(
        report, host=hostile_text,
        findings=[replace(f, evidence=[ev], summary=hostile_text, missing_evidence=[hostile_text])],
        timeline=[TimelineEntry(start=None, end=None, kind="domu_start", text=hostile_text,
                                source=hostile_text, line=2)],
        facts={**report.facts, "kernel": hostile_text, "xen_cmdline": hostile_text,
               "swiotlb": hostile_text},
        sources=[{"path": hostile_text, "format": hostile_text, "lines": 1, "unparsed": 0}],
        accounting=acc, clock_notes=[hostile_text],
        unexplained=[{"template": hostile_text, "count": 1, "first": None, "why": hostile_text}],
    )
    html = rendered(render_markdown(evil))
    tags = {t for t, _ in html.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for tag, attrs in html.tags:
        assert not any(n.startswith("on") or "javascript" in (v or "") for n, v in attrs)
    for table in html.tables:
        assert len({len(row) for row in table}) == 1, table


def test_json_is_valid_and_keeps_hostile_text_intact(hostile):
    _, report = hostile
    data = json.loads(render_json(report))
    messages = [e["message"] for f in data["findings"] for e in f["evidence"]]
    assert f"{XSS_IMG} invoked oom-killer: gfp_mask=0x201d2, order=0, oomkilladj=0" in messages
    assert data["facts"]["xen_cmdline"] == XEN_CMDLINE
    assert any(s["path"].endswith(EVIL_NAME) for s in data["sources"])
    excerpts = [w["excerpt"] for w in data["accounting"]["warnings"]]
    assert any(e.startswith("<script>alert('unparsed')</script> | [/drm]") for e in excerpts)


def test_cli_prints_log_text_without_markup(hostile, tmp_path):
    host, _ = hostile
    result = CliRunner().invoke(app, ["analyze", str(host), "--year", "2009"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[drm]" not in out or "\\[drm\\]" in out or "`[drm]" in out
    assert XEN_CMDLINE.replace("|", "\\|") in out  # exactly as rendered, not interpreted
    assert "[/drm]" in out


def test_cli_error_naming_hostile_path_is_one_plain_line(tmp_path):
    missing = tmp_path / "[/drm][bold red]<script>x</script>"
    result = CliRunner().invoke(app, ["analyze", str(missing)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(missing) in lines[0] and lines[0].startswith("kernlog: error:")


def test_no_rich_printing_with_markup_on():
    """Where kernlog prints through rich, markup is off (static check of the package)."""
    root = Path(__file__).resolve().parents[1] / "analyzer"
    offenders = []
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "rich" not in source:
            continue
        for m in re.finditer(r"\b(?:console|Console\([^)]*\))\s*\.\s*(?:print|log)\(", source):
            call = source[m.start(): source.find("\n\n", m.end())]
            if "markup=False" not in call:
                offenders.append(f"{path.name}:{source[:m.start()].count(chr(10)) + 1}")
    assert offenders == []
