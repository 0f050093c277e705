"""Event-table columns as plain arrays, without copying what is already plain.

The report's counts read tables of millions of rows (a streamed host's every line); these give
the unusual-window ranking and the unexplained-messages section the same views of a column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min


def ns_utc(ts: pd.Series) -> np.ndarray:
    """A time column as int64 ns UTC (NAT where unknown); no copy for a UTC ns column."""
    if isinstance(ts.dtype, pd.DatetimeTZDtype) and ts.dtype.unit == "ns":
        return ts.dt.tz_convert("UTC").array.asi8
    ts = pd.to_datetime(ts, errors="coerce", utc=True)
    return ts.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(
        dtype="datetime64[ns]").view(np.int64)


def codes_of(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1: missing) and values of a column; categorical codes as they are."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), np.asarray(column.cat.categories, dtype=object)
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def numbers(column: pd.Series) -> np.ndarray:
    """A numeric column's values, without a copy when it is plain numbers (NaN: missing)."""
    if column.dtype.kind in "iuf":
        return column.to_numpy()
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
