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


def sum_by_key(key: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (sorted) and the sum of ``weight`` per key: sparse cell counts, such as
    (window, template) occurrences, one block of rows at a time.

    >>> sum_by_key(np.array([7, 3, 7]), np.array([1.0, 2.0, 4.0]))
    (array([3, 7]), array([2., 5.]))
    """
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else \
        np.zeros(0, dtype=np.int64)
    return key[starts], (np.add.reduceat(weight[order], starts) if len(starts)
                         else np.zeros(0))


def merge_sums(parts: list) -> tuple[np.ndarray, np.ndarray]:
    """``sum_by_key`` over several blocks' (keys, sums) (a key may be in more than one)."""
    if len(parts) == 1:
        return parts[0]
    return sum_by_key(np.concatenate([k for k, _ in parts]), np.concatenate([s for _, s in parts]))
