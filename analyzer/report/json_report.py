"""Render a host report as JSON (the DESIGN.md host-report contract), deterministically."""

from __future__ import annotations

import json
import math

from ..model import HostReport


def _clean(value):
    """JSON-safe: NaN/inf become null, tuples lists, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return _clean(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def report_dict(report: HostReport) -> dict:
    return _clean(report.to_dict())


def render_json(report: HostReport) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
