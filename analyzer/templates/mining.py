"""Template mining: group messages into templates with wildcards ``<*>``.

    session opened for user cyrus by (uid=0)
    session opened for user news by (uid=0)      ->  session opened for user <*> by (uid=<*>)
    session opened for user root by LOGIN(uid=0) ->  session opened for user root by LOGIN(uid=<*>)

Steps, each over the *distinct* values of the step before, so the cost follows the number of
message shapes and not the length of the log:

1. mask (``masking``): numbers, addresses, devices, paths ... become ``<*>``;
2. dedupe the masked messages into shapes and split them into words;
3. block shapes by word count and first word (the subsystem prefix of a kernel message);
4. in each block, vectorize the shapes with scikit-learn (one binary feature per
   position-and-word) and cluster them with ``AgglomerativeClustering`` on the share of
   positions that agree (``similarity``);
5. refine each cluster: a position whose words differ becomes a wildcard only when it looks
   like a parameter (at least ``min_variants`` different words, or words that differ only inside
   wildcards such as ``()``/``(<*>)``); otherwise the cluster is split on it (``startup`` and
   ``shutdown``, ``(usable)`` and ``(reserved)`` are different messages). A ``key=value`` word
   needs ``min_kv_variants`` values (``user=root`` vs ``user=guest`` are few, named settings)
   unless one of them is empty or a wildcard (``logname=`` vs ``logname=test``).

Template ids number the distinct template strings by first appearance in the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import CountVectorizer

from ..errors import UsageError
from .masking import WILDCARD, mask_messages

#: Shapes whose positions agree on more than this share may be clustered together.
SIMILARITY = 0.5
#: A differing position is a parameter when it takes at least this many distinct words ...
MIN_VARIANTS = 3
#: ... or this many when the words are ``key=value`` settings.
MIN_KV_VARIANTS = 5
#: Characters a wildcard word keeps when every variant starts or ends with them.
PUNCTUATION = frozenset("()[]{}:;,.'\"=/#")
#: Blocks larger than this are split on further leading words before clustering (the
#: clustering holds a block's square distance matrix in memory).
MAX_BLOCK = 1500


@dataclass
class MinedTemplates:
    """Result of ``mine_templates``: one template id per input message.

    ``templates[i]`` is the text of template ``i`` (wildcards ``<*>``), ``counts[i]`` the
    number of input messages in it, ``masked`` the masked message per input.
    """

    template_ids: np.ndarray
    templates: list[str]
    counts: np.ndarray
    masked: pd.Series | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.templates)

    def template_of(self) -> pd.Series:
        """The template text per input message."""
        return pd.Series(np.asarray(self.templates, dtype=object)[self.template_ids]
                         if len(self.templates) else np.array([], dtype=object), dtype=object)


def mine_templates(messages: Sequence[str] | pd.Series, *, similarity: float = SIMILARITY,
                   min_variants: int = MIN_VARIANTS, min_kv_variants: int = MIN_KV_VARIANTS
                   ) -> MinedTemplates:
    """Group ``messages`` into templates (see the module docstring for how).

    >>> m = mine_templates(["session closed for user cyrus", "session closed for user news",
    ...                     "session closed for user root", "cupsd startup succeeded"])
    >>> m.templates, m.template_ids.tolist(), m.counts.tolist()
    (['session closed for user <*>', 'cupsd startup succeeded'], [0, 0, 0, 1], [3, 1])
    """
    if not 0.0 <= similarity < 1.0:
        raise UsageError(f"similarity must be in [0, 1), got {similarity!r}")
    masked = mask_messages(messages)
    if masked.empty:
        return MinedTemplates(np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=np.int64),
                              masked)
    codes, shapes = pd.factorize(masked, use_na_sentinel=False)
    line_template = _row_templates(codes, shapes, similarity=similarity,
                                   min_variants=min_variants, min_kv_variants=min_kv_variants)
    ids, templates = pd.factorize(pd.Series(line_template, dtype=object), use_na_sentinel=False)
    counts = np.bincount(ids, minlength=len(templates))
    return MinedTemplates(ids.astype(np.int64), [str(t) for t in templates], counts, masked)


def _row_templates(codes: np.ndarray, shapes: Sequence[str], *, similarity: float = SIMILARITY,
                   min_variants: int = MIN_VARIANTS,
                   min_kv_variants: int = MIN_KV_VARIANTS) -> np.ndarray:
    """The template of each row, given its code into ``shapes`` (distinct masked messages, in
    first-appearance order): the shapes are clustered once, then mapped back to the rows."""
    words = [str(s).split() for s in shapes]
    shape_template = _cluster_shapes(words, similarity=similarity, min_variants=min_variants,
                                     min_kv_variants=min_kv_variants)
    return shape_template[codes]


def _cluster_shapes(words: list[list[str]], *, similarity: float, min_variants: int,
                    min_kv_variants: int) -> np.ndarray:
    """Template text per shape."""
    out = np.empty(len(words), dtype=object)
    blocks = [idx for idx in _blocks(words) if len(idx) > 1 and len(words[idx[0]]) > 1]
    clustered = set()
    if blocks:
        vectorizer = CountVectorizer(analyzer=_position_features, binary=True, dtype=np.float32)
        features = vectorizer.fit_transform(words).tocsr()
        for batch in _batches(blocks):
            for members in _cluster_batch(features, words, batch, similarity):
                clustered.update(members)
                for group in _refine(words, members, min_variants, min_kv_variants):
                    template = _merge(words, group)
                    for i in group:
                        out[i] = template
    for i, w in enumerate(words):
        if i not in clustered:
            out[i] = " ".join(w)
    return out


def _blocks(words: list[list[str]]) -> list[list[int]]:
    """Shape indexes blocked by word count and first word; big blocks also by later words."""
    first: dict[tuple, list[int]] = {}
    for i, w in enumerate(words):
        first.setdefault((len(w), w[0] if w else ""), []).append(i)
    pending = [(idx, 1) for idx in first.values()]
    blocks = []
    while pending:
        idx, depth = pending.pop()
        n = len(words[idx[0]])
        if len(idx) > MAX_BLOCK and depth < n:
            sub: dict[str, list[int]] = {}
            for i in idx:
                sub.setdefault(words[i][depth], []).append(i)
            pending.extend((members, depth + 1) for members in sub.values())
        else:
            blocks.append(idx)
    return blocks


def _batches(blocks: list[list[int]]) -> list[list[list[int]]]:
    """Pack blocks into batches of at most MAX_BLOCK shapes (one clustering call each)."""
    batches, current, size = [], [], 0
    for block in sorted(blocks, key=len):
        if current and size + len(block) > MAX_BLOCK:
            batches.append(current)
            current, size = [], 0
        current.append(block)
        size += len(block)
    if current:
        batches.append(current)
    return batches


def _position_features(tokens: list[str]) -> list[str]:
    return [f"{j}\x1f{w}" for j, w in enumerate(tokens)]


def _cluster_batch(features, words: list[list[str]], batch: list[list[int]], similarity: float
                   ) -> list[list[int]]:
    """Clusters of shapes, never across blocks: one single-linkage clustering per batch.

    The distance of two shapes of a block is the share of positions where their words differ;
    shapes of different blocks are at distance 1, beyond any threshold.
    """
    idx = np.fromiter((i for block in batch for i in block), dtype=np.int64)
    block_of = np.repeat(np.arange(len(batch)), [len(b) for b in batch])
    length = np.array([len(words[i]) for i in idx], dtype=np.float32)
    x = features[idx]
    distance = 1.0 - (x @ x.T).toarray() / length[:, None]
    distance[block_of[:, None] != block_of[None, :]] = 1.0
    np.clip(distance, 0.0, 1.0, out=distance)
    labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="single",
                                     distance_threshold=1.0 - similarity).fit_predict(distance)
    clusters: dict[int, list[int]] = {}
    for i, label in zip(idx.tolist(), labels):
        clusters.setdefault(int(label), []).append(i)
    return list(clusters.values())


def _is_parameter(values: set[str], min_variants: int, min_kv_variants: int) -> bool:
    if len({v.replace(WILDCARD, "") for v in values}) == 1:  # "()" vs "(<*>)"
        return True
    keys = {v.split("=", 1)[0] for v in values if "=" in v}
    if len(keys) == 1 and all("=" in v for v in values):
        settings = {v.split("=", 1)[1] for v in values}
        if "" in settings or WILDCARD in settings:  # "tty=" vs "tty=NODEVssh": sometimes unset
            return True
        return len(values) >= min_kv_variants
    return len(values) >= min_variants


def _refine(words: list[list[str]], members: list[int], min_variants: int,
            min_kv_variants: int) -> list[list[int]]:
    """Split a cluster on the differing positions that do not look like parameters.

    Which positions are parameters is decided once, over the whole cluster: splitting never
    turns a parameter back into a constant.
    """
    if len(members) == 1:
        return [members]
    n = len(words[members[0]])
    constant = [pos for pos in range(n)
                if len(values := {words[i][pos] for i in members}) > 1
                and not _is_parameter(values, min_variants, min_kv_variants)]
    if not constant:
        return [members]
    parts: dict[tuple, list[int]] = {}
    for i in members:
        parts.setdefault(tuple(words[i][pos] for pos in constant), []).append(i)
    return list(parts.values())


def _merge(words: list[list[str]], group: list[int]) -> str:
    """The template of a group: shared words kept, differing words a wildcard that keeps the
    punctuation they share around it (``usb1:``/``usb2:`` -> ``<*>:``, ``(httpd).`` ->
    ``(<*>).``)."""
    if len(group) == 1:
        return " ".join(words[group[0]])
    out = []
    for col in zip(*(words[i] for i in group)):
        values = set(col)
        out.append(col[0] if len(values) == 1 else _wildcard_word(values))
    return " ".join(out)


def _wildcard_word(values: set[str]) -> str:
    keys = {v.split("=", 1)[0] + "=" if "=" in v else None for v in values}
    if len(keys) == 1 and None not in keys:  # logname= / logname=test -> logname=<*>
        (key,) = keys
        return key + WILDCARD
    head = _affix(values, PUNCTUATION, reverse=False)
    rest = {v[len(head):] for v in values}
    tail = _affix(rest, PUNCTUATION, reverse=True)
    return head + WILDCARD + tail


def _affix(values: set[str], allowed: frozenset, *, reverse: bool) -> str:
    """Longest common prefix (or suffix) of ``values`` made only of ``allowed`` characters."""
    shortest = min(len(v) for v in values)
    out = []
    for k in range(shortest):
        chars = {v[-1 - k] if reverse else v[k] for v in values}
        if len(chars) != 1 or (c := chars.pop()) not in allowed:
            break
        out.append(c)
    return "".join(reversed(out)) if reverse else "".join(out)


def template_column(events: pd.DataFrame, *, shapes: Sequence[str] | None = None) -> pd.Series:
    """The mined template of every untagged event (missing for tagged ones), mined once.

    The report's unexplained-messages section and the unusual-windows ranking both read this
    column when the table has it, so a host's messages are masked and clustered once. With
    ``shapes`` (``shapes.ShapeTable.shapes``) and a ``shape`` column, the masking is already
    done: the distinct shapes of the untagged rows are clustered, in the order their rows come,
    exactly as ``mine_templates`` clusters the masked messages (an ``_order`` column gives the
    read order when the rows are not in it). The column is categorical: a long log's rows are
    many, its templates few.
    """
    n = len(events)
    codes = np.full(n, -1, dtype=np.int64)
    templates: list = []
    if n and "message" in events:
        untagged = events["tag"].isna().to_numpy() if "tag" in events else np.ones(n, bool)
        if untagged.any() and shapes is not None and "shape" in events:
            shape_codes, uniques = pd.factorize(events["shape"].to_numpy()[untagged])
            if "_order" in events:  # rows not in read order: shapes by their first row
                first = np.full(len(uniques), np.iinfo(np.int64).max, dtype=np.int64)
                np.minimum.at(first, shape_codes, events["_order"].to_numpy()[untagged])
                rank = np.empty(len(uniques), dtype=np.int64)
                rank[np.argsort(first, kind="stable")] = np.arange(len(uniques))
                shape_codes, uniques = rank[shape_codes], uniques[np.argsort(first,
                                                                             kind="stable")]
            per_shape = _row_templates(np.arange(len(uniques)), [shapes[s] for s in uniques])
            tcodes, templates = pd.factorize(per_shape)
            codes[untagged] = tcodes[shape_codes]
        elif untagged.any():
            mined = mine_templates(events["message"].to_numpy(dtype=object)[untagged])
            codes[untagged] = mined.template_ids
            templates = mined.templates
    dtype = np.int16 if len(templates) < 32767 else np.int32
    return pd.Series(pd.Categorical.from_codes(codes.astype(dtype),
                                               categories=pd.Index(list(templates), dtype=object)),
                     index=events.index)


def templates_of(rows: pd.DataFrame) -> MinedTemplates:
    """Templates of ``rows``: from their ``template`` column when present, else mined now."""
    if "template" in rows and len(rows) and rows["template"].notna().all():
        column = rows["template"]
        if isinstance(column.dtype, pd.CategoricalDtype):
            used, ids = np.unique(column.cat.codes.to_numpy(dtype=np.int64), return_inverse=True)
            names = np.asarray(column.cat.categories, dtype=object)[used]
        else:
            ids, names = pd.factorize(column.to_numpy(dtype=object))
        ids = np.asarray(ids, dtype=np.int64).ravel()
        return MinedTemplates(ids, [str(t) for t in names],
                              np.bincount(ids, minlength=len(names)), column)
    return mine_templates(rows["message"])

