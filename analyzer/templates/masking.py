"""Masks: the variable parts of a message (numbers, addresses, devices, paths) become ``<*>``.

    connection from 24.54.76.216 (x.adelphia.net) at Fri Jun 17 07:07:00 2005
    -> connection from <*> (<*>) at <*>

The masks are data (``patterns/masks/masks.yaml``: name, RE2 regex, replacement, examples),
loaded and validated once. ``mask_messages`` runs each mask once over the whole array of
*distinct* messages (pyarrow's RE2 ``replace_substring_regex`` through pandas), so the cost
follows the number of message shapes, not one Python call per line per mask. After the masks,
runs of wildcards separated by nothing but blanks collapse into one (a variable that spans several
words, such as a date or ``Linux version ...`` tail, is one wildcard).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from ..errors import PatternError
from ..patterns import compile_re2, library_dirs

WILDCARD = "<*>"
MASKS_FILE = Path("masks") / "masks.yaml"
MASK_KEYS = frozenset({"name", "description", "regex", "replace", "examples"})

#: Masking threads at most, and the fewest distinct messages per thread (below, one pass).
MAX_THREADS = 4
MIN_SLICE = 8_000

#: Two or more wildcards with only blanks (or nothing) between them are one variable.
WILDCARD_RUN = r"<\*>(?:[ \t]*<\*>)+"


@dataclass(frozen=True)
class Mask:
    """One mask: every match of ``regex`` (RE2 syntax) is replaced by ``replace``."""

    name: str
    regex: str
    replace: str = WILDCARD
    description: str = ""
    examples: tuple[tuple[str, str], ...] = ()  # (text, masked text)


_COLLAPSE = Mask(name="wildcard_run", regex=WILDCARD_RUN, replace=WILDCARD)


def masks_path() -> Path:
    """The built-in mask file (next to the pattern library, in its ``masks/`` subfolder)."""
    return library_dirs()[0] / MASKS_FILE


@lru_cache(maxsize=4)
def load_masks(path: Path | None = None) -> tuple[Mask, ...]:
    """Load and validate the mask file; raises ``PatternError`` naming the file and mask."""
    path = Path(path) if path is not None else masks_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PatternError(f"cannot read the mask file: {exc}", file=str(path)) from None
    if not isinstance(raw, list) or not raw:
        raise PatternError("the mask file must be a non-empty YAML list of masks", file=str(path))
    masks, seen = [], set()
    for item in raw:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            raise PatternError(f"each mask needs a name, got {item!r}", file=str(path))
        where = {"file": str(path), "pattern_id": name}
        unknown = set(item) - MASK_KEYS
        if unknown:
            raise PatternError(f"unknown keys {sorted(unknown)}; allowed: {sorted(MASK_KEYS)}",
                               **where)
        if name in seen:
            raise PatternError("duplicate mask name", **where)
        seen.add(name)
        regex = item.get("regex")
        if not isinstance(regex, str) or not regex:
            raise PatternError("a mask needs a regex", **where)
        try:
            compile_re2(regex)
        except ValueError as exc:
            raise PatternError(f"invalid RE2 regex: {exc}", **where) from None
        examples = []
        for ex in item.get("examples") or ():
            if not isinstance(ex, dict) or set(ex) != {"text", "masked"}:
                raise PatternError(f"an example is {{text: ..., masked: ...}}, got {ex!r}", **where)
            examples.append((str(ex["text"]), str(ex["masked"])))
        if not examples:
            raise PatternError("a mask needs at least one example", **where)
        masks.append(Mask(name=name, regex=regex, replace=str(item.get("replace", WILDCARD)),
                          description=str(item.get("description", "")), examples=tuple(examples)))
    return tuple(masks)


def _as_strings(messages: Sequence[str] | pd.Series) -> pd.Series:
    series = messages if isinstance(messages, pd.Series) else pd.Series(list(messages), dtype=object)
    return series.fillna("").astype("string[pyarrow]").reset_index(drop=True)


def _replace_all(array: pa.Array, masks: Sequence[Mask]) -> pa.Array:
    """``masks`` applied in order, one RE2 pass each; a large array is cut into slices masked
    in parallel threads (pyarrow releases the GIL; each string's result is the same)."""
    workers = min(os.cpu_count() or 1, MAX_THREADS, len(array) // MIN_SLICE)
    if workers < 2:
        return _replace_seq(array, masks)
    step = -(-len(array) // workers)
    slices = [array.slice(start, step) for start in range(0, len(array), step)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(lambda part: _replace_seq(part, masks), slices))
    return pa.concat_arrays(parts)


def _replace_seq(array: pa.Array, masks: Sequence[Mask]) -> pa.Array:
    for mask in masks:
        array = pc.replace_substring_regex(array, pattern=mask.regex, replacement=mask.replace)
    return array


def apply_masks(messages: Sequence[str] | pd.Series, masks: Sequence[Mask]) -> pd.Series:
    """``messages`` with each of ``masks`` applied in order (one vectorized RE2 pass per mask)."""
    array = pa.array(_as_strings(messages).to_numpy(dtype=object), type=pa.large_string())
    return pd.Series(_replace_all(array, masks).to_pylist(), dtype=object)


def mask_messages(messages: Sequence[str] | pd.Series, *, masks: Sequence[Mask] | None = None
                  ) -> pd.Series:
    """Mask every message (distinct ones once) and collapse wildcard runs; same order as given.

    >>> mask_messages(["vif vif-5-0 vif5.0: fatal error; disabling device"]).tolist()
    ['vif <*>: fatal error; disabling device']
    """
    masks = load_masks() if masks is None else masks
    strings = _as_strings(messages)
    codes, uniques = pd.factorize(strings, use_na_sentinel=False)
    array = pa.array(np.asarray(uniques, dtype=object), type=pa.large_string())
    array = _replace_all(array, [*masks, _COLLAPSE])
    masked = np.asarray(pc.utf8_trim_whitespace(array).to_pylist(), dtype=object)
    return pd.Series(masked[codes], dtype=object)


def check_examples(masks: Sequence[Mask]) -> list[tuple[str, str, str, str]]:
    """Examples that a mask gets wrong, applied alone: (mask, text, expected, got)."""
    failures = []
    for mask in masks:
        texts = [t for t, _ in mask.examples]
        got = apply_masks(texts, [mask]).tolist()
        for (text, want), have in zip(mask.examples, got):
            if have != want:
                failures.append((mask.name, text, want, have))
    return failures
