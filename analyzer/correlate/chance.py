"""How unlikely is "episodes begin soon after a trigger" by chance? A seeded permutation test.

    >>> r = permutation_test(starts, boots, triggers, trigger_boots, spans,
    ...                      window_minutes=60, draws=10_000, seed=0)    # doctest: +SKIP
    >>> r.p_value, r.observed                                            # doctest: +SKIP
    (0.0004, 3)

Statistic: the number of episodes whose start falls within ``window`` after a trigger (a DomU
start, a balloon-down) of the same boot. Null: each episode's start drawn uniformly over the
observed time span of its boot (first to last timestamped event of that boot), independently,
``draws`` times (numpy, vectorised: one ``searchsorted`` over a draws x episodes matrix per boot).
p = (1 + #draws with a statistic >= observed) / (1 + draws), so p is never 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MINUTE_NS = 60 * 10**9
DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class AlignmentResult:
    p_value: float
    observed: int  # episodes starting within the window after a trigger
    episodes: int
    triggers: int
    draws: int
    window_minutes: float
    span_days: float  # total observed span the null draws from

    def describe(self, *, label: str = "a trigger", noun: str = "episodes") -> str:
        return (f"{self.observed} of {self.episodes} {noun} began within "
                f"{self.window_minutes:g} min after {label} ({self.triggers} such events); "
                f"permutation test: episode starts drawn uniformly over the observed span of "
                f"their boot ({_days(self.span_days)}), {self.draws:,} seeded draws")


def aligned(starts_ns: np.ndarray, triggers_sorted_ns: np.ndarray, window_ns: float) -> np.ndarray:
    """Boolean array (same shape as ``starts_ns``): a trigger lies in [start - window, start]."""
    if len(triggers_sorted_ns) == 0:
        return np.zeros(np.shape(starts_ns), dtype=bool)
    idx = np.searchsorted(triggers_sorted_ns, starts_ns, side="right") - 1
    prev = triggers_sorted_ns[np.clip(idx, 0, None)]
    return (idx >= 0) & (starts_ns - prev <= window_ns)


def permutation_test(episode_ns, episode_boot, trigger_ns, trigger_boot, spans: dict, *,
                     window_minutes: float, draws: int = 10_000,
                     seed: int = 0) -> AlignmentResult | None:
    """Test alignment of episode starts with triggers; None when nothing can be drawn.

    ``spans`` maps a boot key to ``(first_ns, last_ns)``; episodes whose boot has no span (or a
    zero-length one) are left out.
    """
    episode_ns = np.asarray(episode_ns, dtype="int64")
    episode_boot = np.asarray(episode_boot)
    trigger_ns = np.asarray(trigger_ns, dtype="int64")
    trigger_boot = np.asarray(trigger_boot)
    window = float(window_minutes) * MINUTE_NS
    rng = np.random.default_rng(seed)
    observed = 0
    null = np.zeros(draws, dtype="int64")
    used_eps = used_trig = 0
    span_total = 0.0
    for boot in sorted(set(episode_boot.tolist())):
        lo_hi = spans.get(boot)
        if lo_hi is None or lo_hi[1] <= lo_hi[0]:
            continue
        lo, hi = float(lo_hi[0]), float(lo_hi[1])
        eps = episode_ns[episode_boot == boot].astype("float64")
        trig = np.sort(trigger_ns[trigger_boot == boot]).astype("float64")
        used_eps += len(eps)
        used_trig += len(trig)
        span_total += hi - lo
        observed += int(aligned(eps, trig, window).sum())
        sample = lo + rng.random((draws, len(eps))) * (hi - lo)
        null += aligned(sample, trig, window).sum(axis=1)
    if used_eps == 0:
        return None
    p = (1 + int((null >= observed).sum())) / (1 + draws) if observed else 1.0
    return AlignmentResult(p_value=p, observed=observed, episodes=used_eps, triggers=used_trig,
                           draws=draws, window_minutes=float(window_minutes),
                           span_days=span_total / DAY_NS)


def _days(days: float) -> str:
    if days >= 2:
        return f"{days:.1f} days"
    return f"{days * 24:.1f} h"
