"""Assemble the report model (analyzer.model.HostReport) from the stages' results."""

from __future__ import annotations

import pandas as pd

from ..model import HostReport, TS_UNKNOWN

SUPPRESSED_TAG = "kernel.ratelimit.suppressed"


def _iso(ts) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).tz_convert("UTC").isoformat()


def build_report(host_events, *, facts, episodes, correlation, kernlog_version: str,
                 generated_at: str | None = None, unexplained: list | None = None,
                 windows: list | None = None, all_rows=None) -> HostReport:
    """The report model. ``all_rows`` (``compact.all_rows``): every row of the host when the
    event table holds only the rows the report cites; totals and the period count them all."""
    events = host_events.events
    every = events if all_rows is None else all_rows
    acc = host_events.accounting
    sources = [
        {
            "path": s.path,
            "format": s.format,
            "lines": s.lines_read,
            "unparsed": s.lines_unparsed,
            "unparsed_by_reason": dict(sorted(s.unparsed.items())),
        }
        for s in acc.sources
    ]
    accounting = acc.totals()
    accounting["warnings"] = [
        {"source": w.source, "line": w.line, "reason": w.reason, "excerpt": w.excerpt}
        for w in acc.warnings[:50]
    ]
    if len(events):
        supp = events[events["tag"] == SUPPRESSED_TAG]
        accounting["suppressed_messages"] = int(
            sum(int((f or {}).get("count", 0) or 0) for f in supp["fields"]))
        counts = every["count"].to_numpy()
        accounting["repeat_folded"] = int(counts[counts > 1].sum() - (counts > 1).sum())
    else:
        accounting["suppressed_messages"] = 0
        accounting["repeat_folded"] = 0
    period = _period(every)
    fact_values = dict(getattr(facts, "values", {}) or {})
    return HostReport(
        host=host_events.host,
        kernlog_version=kernlog_version,
        patterns_version=host_events.patterns_version,
        sources=sources,
        facts=fact_values,
        episodes=list(episodes),
        findings=list(correlation.findings),
        accounting=accounting,
        timeline=list(correlation.timeline),
        series=dict(correlation.series or {}),
        period=period,
        clock_notes=list(host_events.clock_notes),
        fact_sources=dict(getattr(facts, "provenance", {}) or {}),
        unexplained=list(unexplained or []),
        windows=[{**w, "top": [list(t) for t in w.get("top", [])]} for w in (windows or [])],
        generated_at=generated_at,
    )


def _period(events: pd.DataFrame) -> dict:
    if not len(events):
        return {"start": None, "end": None, "boots": 0, "ts_quality": {}, "events": 0}
    # whole-column reductions (a streamed host's table has millions of rows)
    ts = events["ts"]
    quality = events["ts_quality"].fillna(TS_UNKNOWN).value_counts()
    return {
        "start": _iso(ts.min()),
        "end": _iso(ts.max()),
        "boots": int(events["boot"].nunique()),
        "ts_quality": dict(sorted((str(q), int(n)) for q, n in quality.items() if n > 0)),
        "events": int(len(events)),
        "tagged": int(events["tag"].notna().sum()),
    }
