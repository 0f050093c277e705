"""Write the event table in the contract shape (``kernlog events``): jsonl, csv or parquet.

One JSON object per line with exactly the contract fields, in this order::

    {"host": "xen07", "source": "var/log/messages", "line": 18023, "boot": 0,
     "ts": "2009-03-06T14:02:44+00:00", "ts_quality": "year_inferred", "uptime": null,
     "program": "kernel", "message": "xen_net: Memory squeeze in netback driver.",
     "tag": "xen.netback.memory_squeeze", "category": "xen", "severity": "error",
     "count": 1, "fields": {}}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import pandas as pd

from .model import EVENT_COLUMNS
from .output import emit_parts


def iso_utc(ts: pd.Series) -> pd.Series:
    """ISO 8601 with offset (``2009-03-06T14:02:44+00:00``, microseconds when non-zero)."""
    out = pd.Series([None] * len(ts), index=ts.index, dtype=object)
    ok = ts.notna()
    if ok.any():
        t = ts[ok]
        if getattr(t.dt, "tz", None) is None:
            t = t.dt.tz_localize("UTC")
        else:
            t = t.dt.tz_convert("UTC")
        base = t.dt.strftime("%Y-%m-%dT%H:%M:%S")
        micro = t.dt.microsecond
        frac = ("." + micro.astype(str).str.zfill(6)).where(micro > 0, "")
        out[ok] = (base + frac + "+00:00").astype(object)
    return out


def contract_frame(events: pd.DataFrame, *, tagged_only: bool = False,
                   fields_as_json: bool = False) -> pd.DataFrame:
    """The contract columns only, with JSON-friendly values."""
    df = events[events["tag"].notna()] if tagged_only else events
    out = pd.DataFrame(index=df.index)
    for col in EVENT_COLUMNS:
        out[col] = df[col] if col in df else None
    out["ts"] = iso_utc(df["ts"]) if "ts" in df else None
    out["line"] = out["line"].astype("int64")
    out["count"] = out["count"].astype("int64")
    out["boot"] = pd.array(out["boot"], dtype="Int64")
    out["uptime"] = pd.to_numeric(out["uptime"], errors="coerce").astype("float64")
    fields = out["fields"].map(lambda f: f if isinstance(f, dict) else {})
    out["fields"] = fields.map(lambda f: json.dumps(f, sort_keys=True, ensure_ascii=False)) \
        if fields_as_json else fields
    for col in ("host", "source", "ts_quality", "program", "message", "tag", "category",
                "severity"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out.reset_index(drop=True)


#: Rows rendered at a time: the text of a whole table would be a second copy of it in memory
#: (three, with the escape fix and the encoding), the largest item of a run's peak.
WRITE_ROWS = 20_000


def write_events(host_events, *, fmt: str, output: Path | None, tagged_only: bool,
                 stdout: TextIO) -> None:
    frame = contract_frame(host_events.events, tagged_only=tagged_only,
                           fields_as_json=fmt in ("csv", "parquet"))
    if fmt == "parquet":
        output.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(output, index=False)
        return
    emit_parts(_rendered(frame, fmt), output=output, stdout=stdout)


def _rendered(frame: pd.DataFrame, fmt: str):
    """The csv or jsonl text of ``frame``, ``WRITE_ROWS`` rows at a time."""
    if fmt == "csv":
        for start in range(0, max(len(frame), 1), WRITE_ROWS):
            yield frame.iloc[start:start + WRITE_ROWS].to_csv(index=False, header=start == 0)
        return
    for start in range(0, len(frame), WRITE_ROWS):
        body = frame.iloc[start:start + WRITE_ROWS].to_json(
            orient="records", lines=True, force_ascii=False, date_format="iso",
            default_handler=str)
        # pandas escapes every "/" as "\/"; in its output a "/" is never unescaped, so this
        # undoes exactly that escape (an escaped backslash before it stays "\\").
        body = body.replace("\\/", "/")
        yield body if body.endswith("\n") else body + "\n"
