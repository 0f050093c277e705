"""The markdown renderer: golden output, and log text that renders as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from analyzer.model import Evidence
from analyzer.report import render_markdown
from analyzer.report.escape import code, text
from report_fixture import sample_report

GOLDEN = Path(__file__).parent / "golden" / "report.md"


def test_markdown_matches_golden_file():
    assert render_markdown(sample_report(), chart="xen07.png") == GOLDEN.read_text()


def test_no_chart_link_without_a_chart():
    assert "![" not in render_markdown(sample_report(), chart=None)


def _html(md: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(md)


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "| a | b |",
    "[drm] foo [/drm]",
    "``double`` and `single`",
    "line1\nline2\r\x1b[31mred\x1b[0m",
    "**bold** _em_ # heading",
]


@pytest.mark.parametrize("evil", HOSTILE)
def test_hostile_log_text_renders_as_text(evil):
    report = sample_report()
    report.findings[0].evidence.append(
        Evidence(source=f"var/log/{evil}", line=1, ts=None, message=evil))
    report.host = evil
    html = _html(render_markdown(report))
    assert "<script>" not in html
    assert "<img" not in html
    assert 'href="javascript:' not in html
    assert "<strong>bold</strong>" not in html
    # the evidence table keeps its three columns on every row
    table = [ln for ln in render_markdown(report).splitlines() if ln.startswith("| `")]
    for row in table:
        unescaped = row.replace("\\|", "")
        assert unescaped.count("|") in (4, 5, 7), row


def test_code_span_survives_backticks_and_pipes():
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("a|b", table=True) == "`a\\|b`"
    html = _html(code("<b>x</b> `y`"))
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_text_escapes_markdown_and_html():
    assert text("*a* <b>") == "\\*a\\* &lt;b&gt;"
    assert text("1. item", line_start=True) == "1\\. item"
    assert text("# x", line_start=True) == "\\# x"
    assert text("1.0") == "1.0"


def test_paths_are_cited_relative_to_the_sources_common_base():
    report = sample_report()
    base = "sosreport-xen07.tar.xz!sosreport-xen07-20090309/"
    for s in report.sources:
        s["path"] = base + s["path"]
    for ev in report.findings[0].evidence:
        ev.source = base + ev.source
    md = render_markdown(report)
    assert f"Paths below are relative to `{base}`." in md
    assert "| `var/log/xen/xend.log:2211` |" in md
    assert md.count(base) == 1  # stated once, in the header


def test_source_base():
    from analyzer.report.markdown import source_base

    assert source_base(["x/var/log/messages"]) == "x/var/log/"
    assert source_base(["a!b/c", "a!b/d/e"]) == "a!b/"
    assert source_base(["var/log/messages", "sos_commands/xen/xm_dmesg"]) == ""
    assert source_base([]) == ""
