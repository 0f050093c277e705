"""Evaluate one rule condition over a host's episodes: true, false or unknown per episode.

    - id: balloon_down
      preceded_by: {tag: "@balloon_down"}       # any time earlier in the same boot
      unknown_without: toolstack_log            # no balloon lines and no toolstack log: unknown

gives, for each candidate episode, True (a balloon-down of the same boot precedes it: the
last one is cited, with "13th of 13" and the minutes before), False (the toolstack log was read
and shows none), or None (nothing could tell: the condition's ``missing`` text is reported).
Kinds (see the vocabulary in ``patterns/rules/xen_memory.yaml``): ``fact``, ``preceded_by``,
``near``, ``event_present``, ``any_of``, ``all_of``, ``not``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .rules import Condition
from .scope import NAT, Scope

MINUTE_NS = 60 * 10**9


@dataclass
class Cite:
    """Something a condition points at: an event row, or a fact's provenance."""

    row: dict | None = None
    fact: str | None = None
    label: str | None = None  # the condition's evidence template
    extra: str | None = None  # computed detail, e.g. "13th of 13, 41 min before"


@dataclass
class Outcome:
    states: list  # per episode: True / False / None
    cites: list  # per episode: list[Cite]
    absorbed: list  # per episode: set of episode ids
    info: list  # per episode: {"minutes", "nth", "count"} where known

    @property
    def state(self):
        """Over all episodes: true if any holds, else unknown if any unknown, else false."""
        if any(s is True for s in self.states):
            return True
        if any(s is None for s in self.states):
            return None
        return False

    def first_true(self) -> int | None:
        for i, s in enumerate(self.states):
            if s is True:
                return i
        return None


@dataclass
class Evaluator:
    scope: Scope
    values: dict
    _by_boot: dict = field(default_factory=dict)

    def evaluate(self, cond: Condition, eps: pd.DataFrame) -> Outcome:
        n = len(eps)
        if cond.kind == "fact":
            state = self._fact(cond)
            cites = self._fact_cites(cond) if state else []
            return Outcome([state] * n, [list(cites) for _ in range(n)], [set()] * n, [{}] * n)
        if cond.kind in ("any_of", "all_of", "not"):
            return self._group(cond, eps)
        return self._event(cond, eps)

    # -- facts ------------------------------------------------------------------------------
    def _fact(self, cond: Condition):
        spec = cond.spec
        if spec["known_when"] is not None and self.values.get(spec["known_when"]) is None:
            return None
        value = self.values.get(spec["fact"])
        op, want = spec["op"], spec["value"]
        if op == "is" and want is None:
            return value is None
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if op in ("is", "eq"):
            return _same(value, want)
        if op == "ne":
            return not _same(value, want)
        if op == "in":
            return any(_same(value, w) for w in want)
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return {"gt": number > want, "gte": number >= want, "lt": number < want,
                "lte": number <= want}[op]

    def _fact_cites(self, cond: Condition) -> list[Cite]:
        names = [cond.spec["fact"]]
        if cond.spec["op"] == "is" and cond.spec["value"] is None and cond.spec["known_when"]:
            names = [cond.spec["known_when"]]
        names += [c for c in cond.cite if c not in names]
        return [Cite(fact=name, label=cond.evidence) for name in names
                if name in self.scope.provenance]

    # -- groups -----------------------------------------------------------------------------
    def _group(self, cond: Condition, eps: pd.DataFrame) -> Outcome:
        subs = [self.evaluate(c, eps) for c in cond.children]
        n = len(eps)
        states, cites, absorbed, info = [], [], [], []
        for i in range(n):
            parts = [s.states[i] for s in subs]
            if cond.kind == "not":
                state = None if parts[0] is None else not parts[0]
            elif cond.kind == "any_of":
                state = True if True in parts else (None if None in parts else False)
            else:
                state = False if False in parts else (None if None in parts else True)
            holding = [s for s in subs if s.states[i] is True] if state else []
            states.append(state)
            cites.append([_relabel(c, cond.evidence) for s in holding for c in s.cites[i]])
            absorbed.append(set().union(*(s.absorbed[i] for s in holding)) if holding else set())
            info.append(next((s.info[i] for s in holding if s.info[i]), {}))
        return Outcome(states, cites, absorbed, info)

    # -- events -----------------------------------------------------------------------------
    def _event(self, cond: Condition, eps: pd.DataFrame) -> Outcome:
        spec = cond.spec
        sel = self.scope.select(spec["tags"], spec["field"], spec["value"])
        n = len(eps)
        if sel.empty and cond.unknown_without and cond.unknown_without not in self.scope.sources:
            return Outcome([None] * n, [[] for _ in range(n)], [set()] * n, [{}] * n)
        states, cites, absorbed, info = [], [], [], []
        for ep in eps.itertuples(index=False):
            state, rows, extra = self._one(cond, sel, ep)
            states.append(state)
            cites.append([Cite(row=r, label=cond.evidence, extra=extra.get("note"))
                          for r in rows] if state else [])
            absorbed.append(self._episodes_of(rows_all=extra.get("rows_all", [])) if
                            state and spec["absorb"] else set())
            info.append({k: v for k, v in extra.items()
                         if k in ("minutes", "nth", "count", "rows_all")})
        return Outcome(states, cites, absorbed, info)

    def _one(self, cond: Condition, sel: pd.DataFrame, ep) -> tuple:
        spec = cond.spec
        boot = ep.bootkey
        pool = sel[sel["bootkey"] == boot] if spec["same_boot"] else sel
        if cond.kind == "event_present":
            if pool.empty:
                return False, [], {}
            return True, [pool.iloc[0].to_dict()], {"count": len(pool),
                                                    "rows_all": pool["row"].tolist()}
        start, end = ep.start_ns, ep.end_ns
        if start == NAT:
            return None, [], {}
        timed = pool[pool["ns"] != NAT]
        times = timed["ns"].to_numpy()
        within = None if spec["within"] is None else spec["within"] * MINUTE_NS
        if cond.kind == "preceded_by":
            idx = int(np.searchsorted(times, start, side="right")) - 1
            if idx < 0 or (within is not None and start - times[idx] > within):
                return False, [], {}
            minutes = (start - times[idx]) / MINUTE_NS
            nth = f"{_ordinal(idx + 1)} of {len(times)}"
            where = " this boot" if spec["same_boot"] else ""
            note = f"{nth}{where}, {_minutes(minutes)} before {ep.id}"
            return True, [timed.iloc[idx].to_dict()], {"minutes": minutes, "nth": nth,
                                                       "note": note}
        hi = (end if end != NAT else start) + within
        lo_i = int(np.searchsorted(times, start - within, side="left"))
        hi_i = int(np.searchsorted(times, hi, side="right"))
        count = hi_i - lo_i
        if count <= 0:
            return False, [], {"count": 0}
        picked = timed.iloc[lo_i:hi_i]
        rows = [picked.iloc[0].to_dict()] + ([picked.iloc[-1].to_dict()] if count > 1 else [])
        note = f"{count:,} line{'s' if count != 1 else ''} within {spec['within']:g} min of {ep.id}"
        return True, rows, {"count": count, "note": note, "rows_all": picked["row"].tolist()}

    def _episodes_of(self, rows_all: list) -> set:
        if not rows_all:
            return set()
        got = self.scope.episode_of.reindex(rows_all)
        return {str(x) for x in got.dropna().unique()}


def _relabel(cite: Cite, label: str | None) -> Cite:
    if cite.label or not label:
        return cite
    return Cite(row=cite.row, fact=cite.fact, label=label, extra=cite.extra)


def _same(value, want) -> bool:
    if isinstance(want, bool) or isinstance(value, bool):
        return value is want or (isinstance(value, bool) and value == want)
    return value == want or str(value) == str(want)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _minutes(minutes: float) -> str:
    if minutes < 1:
        return f"{minutes * 60:.0f} s"
    if minutes < 120:
        return f"{int(minutes)} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"
