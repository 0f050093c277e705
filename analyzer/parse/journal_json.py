"""journalctl ``-o json``: one JSON object per entry and line.

    {"__CURSOR":"s=739ad463...;i=1","__REALTIME_TIMESTAMP":"1631005392123456",
     "__MONOTONIC_TIMESTAMP":"12841516","_BOOT_ID":"6f0a1cbb3b764d8a9e3c1f0d2c7b8a91",
     "_TRANSPORT":"kernel","PRIORITY":"4","SYSLOG_IDENTIFIER":"kernel","_HOSTNAME":"dom0",
     "MESSAGE":"xen_net: Memory squeeze in netback driver."}

(one line in the file). ``__REALTIME_TIMESTAMP`` (microseconds since the epoch, a string)
gives ``wall`` in UTC (``wall_kind`` "utc"), ``__MONOTONIC_TIMESTAMP`` the ``uptime`` in
seconds, ``_BOOT_ID`` the ``boot_id``, ``_HOSTNAME`` the host and ``PRIORITY`` the priority.
The program is ``SYSLOG_IDENTIFIER``, else ``_COMM``; kernel-transport entries are ``kernel``.
``MESSAGE`` may be a list of byte values (journalctl's form for binary or non-UTF-8 messages):
it is decoded as UTF-8 with replacement. A field that occurs several times is a list of
strings: the first one is used.

A chunk is read in one go with ``pyarrow.json`` when it is uniform (every line an object whose
fields are strings); otherwise line by line with ``json`` (orjson when installed). A line that
is not a JSON object is unparsed with reason ``bad_json``; blank lines are ``empty``.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import json as pa_json

from ..model import REASON_EMPTY, ParseResult
from . import _common as C

try:  # optional speed-up
    import orjson as _json

    _JSON_ERRORS: tuple = (_json.JSONDecodeError, ValueError, TypeError)
except ImportError:  # pragma: no cover - depends on the environment
    import json as _json

    _JSON_ERRORS = (ValueError, TypeError, RecursionError)

FORMAT = "journal_json"

#: A line that is not a JSON object with journal fields.
REASON_BAD_JSON = "bad_json"

#: The journal fields this parser reads (all strings in journalctl's output).
FIELDS = ("__REALTIME_TIMESTAMP", "__MONOTONIC_TIMESTAMP", "_BOOT_ID", "MESSAGE",
          "SYSLOG_IDENTIFIER", "_COMM", "_TRANSPORT", "_HOSTNAME", "PRIORITY")

#: Cheap recogniser for sniffing: an object holding a journal field.
SNIFF_RE = r'^\s*\{.*"(?:__REALTIME_TIMESTAMP|__CURSOR|__MONOTONIC_TIMESTAMP|MESSAGE)"\s*:'

_SCHEMA = pa.schema([(f, pa.string()) for f in FIELDS])


def sniff(sample: list[str]) -> float:
    """Share of ``sample`` lines that look like journal JSON objects."""
    if not sample:
        return 0.0
    hit = pc.match_substring_regex(C.to_arrow(sample), SNIFF_RE)
    return float(pc.sum(pc.cast(hit, pa.int64())).as_py() or 0) / len(sample)


def parse(lines: list[str], *, source: str = "", first_line: int = 1) -> ParseResult:
    """Parse journalctl JSON lines (see the module docstring)."""
    n = len(lines)
    tally = C.Tally(source=source, first_line=first_line, lines=lines)
    blank = C.blank_mask(C.to_arrow(lines))
    cols = _read_fast(lines) if n and not blank.any() else None
    if cols is None:
        cols = _read_slow(lines, blank)
    ok = cols.pop("ok")
    tally.add_mask(REASON_EMPTY, blank)
    tally.add_mask(REASON_BAD_JSON, ~ok & ~blank)
    rows = np.flatnonzero(ok)
    c = {k: np.asarray(v, dtype=object)[rows] for k, v in cols.items()}

    real = _to_float(c["__REALTIME_TIMESTAMP"])
    wall = np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[ns]")
    has = (real >= 0) & (real < 9.2e15)  # NaN fails both; µs beyond year 2261 do not fit ns
    wall[has] = (real[has].astype(np.int64) * 1000).astype("datetime64[ns]")  # µs -> ns
    program = np.where(c["_TRANSPORT"] == "kernel", "kernel",
                       np.where(_present(c["SYSLOG_IDENTIFIER"]), c["SYSLOG_IDENTIFIER"],
                                c["_COMM"])).astype(object)
    events = C.make_events(
        line=rows + first_line, message=c["MESSAGE"], program=program, host=c["_HOSTNAME"],
        wall=wall, wall_kind=np.where(has, "utc", "none").astype(object),
        uptime=_to_float(c["__MONOTONIC_TIMESTAMP"]) / 1e6, boot_id=c["_BOOT_ID"],
        priority=_to_float(c["PRIORITY"]),
    )
    return C.build_result(FORMAT, events, n_lines=n, tally=tally)


def _present(values: np.ndarray) -> np.ndarray:
    return (pd.Series(values, dtype=object).fillna("") != "").to_numpy(dtype=bool)


def _to_float(values: np.ndarray) -> np.ndarray:
    """Field strings as float64, NaN where missing or not a number."""
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan)


def _read_fast(lines: list[str]) -> dict | None:
    """All columns via pyarrow.json, or None when the chunk is not uniform enough."""
    data = "\n".join(lines).encode("utf-8", "replace")
    try:
        table = pa_json.read_json(
            io.BytesIO(data),
            read_options=pa_json.ReadOptions(block_size=max(1 << 20, len(data) + 1)),
            parse_options=pa_json.ParseOptions(explicit_schema=_SCHEMA,
                                               unexpected_field_behavior="ignore"),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != len(lines):
        return None
    cols: dict[str, Any] = {f: table.column(f).to_numpy(zero_copy_only=False) for f in FIELDS}
    cols["MESSAGE"] = pc.utf8_rtrim_whitespace(pc.fill_null(table.column("MESSAGE"), "")) \
        .to_numpy(zero_copy_only=False)
    cols["ok"] = np.ones(len(lines), dtype=bool)
    return cols


def _read_slow(lines: list[str], blank: np.ndarray) -> dict:
    """All columns, one ``json`` call per line (mixed or invalid input)."""
    n = len(lines)
    cols: dict[str, Any] = {f: [None] * n for f in FIELDS}
    ok = np.zeros(n, dtype=bool)
    for i, line in enumerate(lines):
        if blank[i]:
            continue
        try:
            obj = _json.loads(line)
        except _JSON_ERRORS:
            continue
        if not isinstance(obj, dict):
            continue
        ok[i] = True
        for f in FIELDS:
            if f in obj:
                cols[f][i] = _field_text(obj[f])
    cols["MESSAGE"] = [(m or "").rstrip() for m in cols["MESSAGE"]]
    cols["ok"] = ok
    return cols


def _field_text(value: Any) -> str | None:
    """A journal field value as text: byte lists decoded, the first of repeated values."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        if value and all(isinstance(b, int) and 0 <= b < 256 for b in value):
            return bytes(value).decode("utf-8", "replace")
        for v in value:
            text = _field_text(v)
            if text is not None:
                return text
        return None
    return str(value)
