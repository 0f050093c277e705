"""Anomaly ranking: which time windows of a host, and which hosts of a fleet, stand out.

    >>> anomalous_windows(events, window="1h")[0]                  # doctest: +SKIP
    {'host': 'xen07', 'start': '2009-03-06T14:00:00+00:00', 'end': '2009-03-06T15:00:00+00:00',
     'score': 9.4, 'top': [('xen.netback.memory_squeeze', 312), ('blkback: <*>', 40)]}

Windows: each timed event gets a label, its tag, or for an untagged event its mined template
(``template: ...``); the host's period is cut into windows and counted per label (occurrences,
the events' ``count``). Each label's counts are put on a log scale and centred and scaled by
its median and interquartile range over the host's windows (a robust score, computed sparsely),
empty windows included, so a burst is measured against the host's quiet hours. The scale has a
floor (``MIN_SCALE``): a label that is absent almost always is not infinitely surprising when
it appears once. A window's score weighs its three highest label scores (``TOP_WEIGHTS``).

Hosts: ``outlier_scores`` gives a robust z-score of each host's rate on a log scale against the
fleet median (``analyzer.fleet.outlier_hosts`` turns it into the fleet summary's list).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import UsageError
from .columns import NAT, codes_of, merge_sums, ns_utc, numbers, sum_by_key
from .mining import templates_of

#: Floor of a label's scale (log1p units); with it one stray line scores ~1.4, 50 lines ~7.9.
MIN_SCALE = 0.5
#: A window's score: its most unusual label counts fully, the next two less (a burst of one
#: message outranks a boot's many one-off lines).
TOP_WEIGHTS = (1.0, 0.5, 0.25)
#: Above this many windows only windows with events are scored (a sparse, months-long log).
MAX_DENSE_WINDOWS = 20_000
TEMPLATE_PREFIX = "template: "
#: The event columns the window ranking reads.
_USED_COLUMNS = ("tag", "template", "message", "count", "host")
#: Fleet outliers: robust z-score of log rate above this, or this many times the median.
OUTLIER_Z = 3.5
OUTLIER_RATIO = 10.0
#: Scale floor for host rates (log1p units): hosts within ~20 % of each other never stand out.
MIN_HOST_SCALE = 0.2
#: Rows per block when counting (window, label) cells.
_BLOCK = 1 << 20


def anomalous_windows(events: pd.DataFrame, *, window: str = "1h", limit: int = 5) -> list[dict]:
    """Time windows ranked by how unusual their per-tag and per-template rates are, per host.

    Each dict: ``host`` (when the table names hosts), ``start``, ``end`` (ISO UTC), ``score``,
    ``top`` (the window's most unusual labels with their counts, as ``(label, count)``).
    Windows of all hosts are ranked together; ``limit`` bounds the list.
    """
    try:
        width = pd.Timedelta(window)
    except ValueError:
        raise UsageError(f"window must be a duration such as '1h' or '10min', got {window!r}") from None
    if width <= pd.Timedelta(0):
        raise UsageError(f"window must be positive, got {window!r}")
    if not len(events) or "ts" not in events:
        return []
    ts_ns = ns_utc(events["ts"])
    timed = ts_ns != NAT
    if not timed.any():
        return []
    label_codes, names = _labelcodes_of(events, timed)
    n_labels = max(len(names), 1)
    values = numbers(events["count"]) if "count" in events else None
    if "host" in events:
        host_all, host_names = codes_of(events["host"])
        host_names = np.array(["" if pd.isna(h) else h for h in host_names] + [""],
                              dtype=object)
    else:
        host_all, host_names = None, np.array([""])
    # (window, label) cells per host, summed a block of rows at a time: window starts from the
    # epoch, labels and hosts as integer codes (a long log's rows are many, its cells few)
    rows = np.flatnonzero(timed)
    partial: dict[int, list] = {}
    for lo in range(0, len(rows), _BLOCK):
        block = rows[lo:lo + _BLOCK]
        weight = np.ones(len(block)) if values is None else \
            np.clip(np.nan_to_num(values[block].astype(float), nan=1.0), 1, None)
        key = ts_ns[block] // width.value * n_labels + label_codes[lo:lo + _BLOCK]
        hosts = np.zeros(len(block), dtype=np.int64) if host_all is None else \
            np.where(host_all[block] < 0, len(host_names) - 1, host_all[block])
        for code in np.unique(hosts):
            mine = hosts == code
            partial.setdefault(int(code), []).append(
                sum_by_key(key if mine.all() else key[mine],
                       weight if mine.all() else weight[mine]))
    del rows, label_codes
    out = []
    for code in np.argsort(host_names, kind="stable"):
        if int(code) not in partial:
            continue
        keys, sums = merge_sums(partial.pop(int(code)))
        out += _score_host(keys, sums, n_labels, width, names,
                           host=str(host_names[code]) if "host" in events else None)
    out.sort(key=lambda r: (-r["score"], r["start"]))
    return out[:limit]


def _labelcodes_of(events: pd.DataFrame, timed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label code per timed row and the label names: a row's tag, or ``template: ...`` for an
    untagged row. Codes come from the columns' own codes (categorical) or one factorization;
    names of labels no timed row has may be among ``names``."""
    rows = np.flatnonzero(timed)
    if "template" in events:
        tag_codes, tag_names = codes_of(events["tag"]) if "tag" in events else \
            (np.full(len(events), -1, dtype=np.int8), np.zeros(0, dtype=object))
        tpl_codes, tpl_names = codes_of(events["template"])
        tag_codes, tpl_codes = tag_codes[rows], tpl_codes[rows]
        tagged = tag_codes >= 0
        if (tpl_codes[~tagged] >= 0).all():
            codes = np.where(tagged, tag_codes.astype(np.int64),
                             tpl_codes.astype(np.int64) + len(tag_names))
            names = np.concatenate([np.asarray(tag_names, dtype=object),
                                    np.asarray([TEMPLATE_PREFIX + str(t) for t in tpl_names],
                                               dtype=object)])
            return codes, names
    table = events[[c for c in _USED_COLUMNS if c in events]].iloc[rows]
    codes, names = pd.factorize(_labels(table))
    return codes, np.asarray(names, dtype=object)


def _labels(rows: pd.DataFrame) -> np.ndarray:
    labels = np.empty(len(rows), dtype=object)
    tag = rows["tag"].to_numpy(dtype=object) if "tag" in rows else np.full(len(rows), None)
    tagged = pd.notna(tag)
    labels[tagged] = tag[tagged]
    untagged = ~tagged
    if untagged.any() and "message" in rows:
        mined = templates_of(rows[untagged])
        names = np.asarray([TEMPLATE_PREFIX + t for t in mined.templates], dtype=object)
        labels[untagged] = names[mined.template_ids]
    elif untagged.any():
        labels[untagged] = TEMPLATE_PREFIX + "?"
    return labels


def _score_host(cell_keys: np.ndarray, cell_counts: np.ndarray, n_labels: int,
                width: pd.Timedelta, names: np.ndarray, *, host: str | None) -> list[dict]:
    """Score one host's windows from its sparse (window, label) counts: ``cell_keys`` (sorted;
    window index from the epoch times ``n_labels`` plus the label code into ``names``) and
    their summed weights.

    Equivalent to centring and scaling a dense windows x labels matrix of log counts by each
    label's median and interquartile range (empty windows included), without building it: a
    months-long log has thousands of windows and labels. A label present in fewer than a
    quarter of the windows has median and quartiles 0, so only its non-empty cells can score;
    the few frequent labels get their exact percentiles from their sorted values plus zeros.
    """
    wins = pd.DatetimeIndex((cell_keys // n_labels * width.value).view("datetime64[ns]"))
    labels = names[cell_keys % n_labels]
    start, end = wins.min(), wins.max()
    n_windows = int((end - start) / width) + 1
    if n_windows > MAX_DENSE_WINDOWS:  # only windows with events are scored
        n_windows = wins.nunique()
    counts = cell_counts.astype(float)
    x = np.log1p(counts)
    center = np.zeros(len(x))
    scale = np.full(len(x), MIN_SCALE)
    if n_windows >= 2:
        codes, uniques = pd.factorize(labels)
        present = np.bincount(codes, minlength=len(uniques))
        for code in np.flatnonzero(present >= n_windows * 0.25):
            mine = codes == code
            full = np.concatenate([np.zeros(n_windows - int(present[code])), np.sort(x[mine])])
            q25, median, q75 = np.percentile(full, [25.0, 50.0, 75.0])
            center[mine] = median
            scale[mine] = max(q75 - q25, MIN_SCALE)
    z = np.clip((x - center) / scale, 0.0, None)
    scored = pd.DataFrame({"win": wins, "label": labels, "z": z, "n": counts})
    scored = scored[scored["z"] > 0].sort_values(["win", "z", "label"],
                                                 ascending=[True, False, True], kind="stable")
    return _window_items(scored, width, host=host)


def _window_items(scored: pd.DataFrame, width: pd.Timedelta, *, host: str | None) -> list[dict]:
    """One dict per window of ``scored`` (sorted by window, then most unusual label first)."""
    out: list[dict] = []
    if not len(scored):
        return out
    weights = np.asarray(TOP_WEIGHTS)
    win = scored["win"].to_numpy()
    z = scored["z"].to_numpy()
    label = scored["label"].to_numpy(dtype=object)
    n = scored["n"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, win[1:] != win[:-1]]).tolist() + [len(win)]
    for first, stop in zip(bounds[:-1], bounds[1:]):
        last = min(stop, first + len(TOP_WEIGHTS))
        score = float(z[first:last] @ weights[: last - first])
        w_start = pd.Timestamp(win[first])
        w_start = w_start.tz_localize("UTC") if w_start.tzinfo is None else w_start
        item = {"start": w_start.isoformat(), "end": (w_start + width).isoformat(),
                "score": round(score, 3),
                "top": [(str(lab), int(c)) for lab, c in zip(label[first:last], n[first:last])]}
        if host is not None:
            item = {"host": host, **item}
        out.append(item)
    return out


def outlier_scores(rates: dict[str, float]) -> list[dict]:
    """Hosts whose rate stands out from the fleet: robust z on ``log1p(rate)``, or ratio.

    ``rates`` maps host to a rate (e.g. problem occurrences per day). Returns, for hosts that
    stand out (z above ``OUTLIER_Z`` or at least ``OUTLIER_RATIO`` times the median, and a
    positive rate), ``{host, rate, median, ratio (None when the median is 0), z}``, highest
    rate first. Fewer than three hosts: nobody stands out.
    """
    if len(rates) < 3:
        return []
    hosts = list(rates)
    values = np.array([max(float(rates[h]), 0.0) for h in hosts])
    from sklearn.preprocessing import RobustScaler

    logs = np.log1p(values).reshape(-1, 1)
    scaler = RobustScaler(quantile_range=(25.0, 75.0)).fit(logs)
    # IQR of three hosts can be one host's distance: use the median absolute deviation too
    mad = float(np.median(np.abs(logs - np.median(logs)))) * 1.4826
    scale = max(min(float(scaler.scale_[0]), mad) if mad > 0 else float(scaler.scale_[0]),
                MIN_HOST_SCALE)
    if not np.isfinite(scale) or scale <= 0:
        scale = MIN_HOST_SCALE
    median = float(np.median(values))
    z = (logs[:, 0] - float(np.median(logs))) / scale
    out = []
    for host, rate, score in zip(hosts, values, z):
        ratio = rate / median if median > 0 else None
        if rate > 0 and (score > OUTLIER_Z or (ratio is not None and ratio >= OUTLIER_RATIO)):
            out.append({"host": host, "rate": float(rate), "median": median, "ratio": ratio,
                        "z": round(float(score), 2)})
    return sorted(out, key=lambda o: -o["rate"])
