"""Report stage: pure renderers from the report model to markdown, JSON and a chart."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from ..model import HostReport
from ..output import emit
from .json_report import render_json, report_dict
from .markdown import render_markdown

__all__ = ["render_markdown", "render_json", "report_dict", "write_report", "chart_path_for"]


def chart_path_for(output: Path | None, chart: Path | None) -> Path | None:
    """Where the chart goes: --chart, else NAME.png beside -o NAME.md, else nowhere."""
    if chart is not None:
        return chart
    if output is not None and output.suffix.lower() == ".md":
        return output.with_suffix(".png")
    return None


def write_report(report: HostReport, *, fmt: str, output: Path | None, chart: Path | None,
                 stdout: TextIO) -> list[Path]:
    """Render and write; returns the files written (stdout is not a file)."""
    written: list[Path] = []
    if fmt == "json":
        body = render_json(report)
    else:
        link = None
        png = chart_path_for(output, chart)
        if png is not None:
            from .chart import has_chart_data, render_chart

            if has_chart_data(report):
                render_chart(report, png)
                written.append(png)
                base = output.parent if output is not None else Path.cwd()
                link = os.path.relpath(png, base).replace(os.sep, "/")
        body = render_markdown(report, chart=link)
    if emit(body, output=output, stdout=stdout) is not None:
        written.append(output)
    return written
