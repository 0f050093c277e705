"""Host-wide integer codes for values met chunk by chunk (message shapes, programs, hosts)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def running_codes(values, table: dict, names: list) -> np.ndarray:
    """The code (int32) of each of ``values``: its index in ``names``, where values not met
    before are appended (``table`` maps value to code; NaN counts as None).

    >>> table, names = {}, []
    >>> running_codes(["kernel", None, "kernel"], table, names).tolist(), names
    ([0, 1, 0], ['kernel', None])
    >>> running_codes(["xend", "kernel"], table, names).tolist(), names
    ([2, 0], ['kernel', None, 'xend'])
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    local = np.empty(len(uniques), dtype=np.int32)
    for i, value in enumerate(uniques):
        key = None if value is None or (isinstance(value, float) and value != value) else value
        code = table.get(key)
        if code is None:
            code = table[key] = len(names)
            names.append(key)
        local[i] = code
    return local[codes]
