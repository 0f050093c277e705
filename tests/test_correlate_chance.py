"""The seeded permutation test for "episodes begin soon after a trigger"."""

import numpy as np

from analyzer.correlate.chance import aligned, permutation_test

MIN = 60 * 10**9
DAY = 1440 * MIN


def triggers(rng, n=20, span_days=7):
    return np.sort(rng.integers(0, span_days * DAY, n)).astype("int64")


def test_aligned_counts_only_the_window_after_a_trigger():
    trig = np.array([100 * MIN, 500 * MIN], dtype="int64")
    starts = np.array([50, 100, 130, 161, 520, 700], dtype="int64") * MIN
    assert aligned(starts, trig, 60 * MIN).tolist() == [False, True, True, False, True, False]
    assert not aligned(starts, np.array([], dtype="int64"), 60 * MIN).any()


def test_tightly_aligned_episodes_are_unlikely_by_chance():
    rng = np.random.default_rng(1)
    trig = triggers(rng)
    starts = trig[[3, 9, 15]] + 20 * MIN
    result = permutation_test(starts, [0, 0, 0], trig, [0] * len(trig), {0: (0, 7 * DAY)},
                              window_minutes=60, draws=10_000, seed=0)
    assert result.observed == 3
    assert result.p_value < 0.05
    assert "3 of 3 episodes began within 60 min" in result.describe(label="a DomU start")
    assert "10,000 seeded draws" in result.describe()


def test_randomly_timed_episodes_are_not():
    rng = np.random.default_rng(2)
    trig = triggers(rng)
    starts = np.sort(rng.integers(0, 7 * DAY, 4))
    result = permutation_test(starts, [0] * 4, trig, [0] * len(trig), {0: (0, 7 * DAY)},
                              window_minutes=60, draws=10_000, seed=0)
    assert result.p_value > 0.1


def test_p_value_is_never_zero_and_is_seeded():
    trig = np.arange(1, 11, dtype="int64") * DAY // 2
    starts = trig[:5] + MIN
    a = permutation_test(starts, [0] * 5, trig, [0] * 10, {0: (0, 6 * DAY)},
                         window_minutes=5, draws=1000, seed=4)
    b = permutation_test(starts, [0] * 5, trig, [0] * 10, {0: (0, 6 * DAY)},
                         window_minutes=5, draws=1000, seed=4)
    assert a.p_value == b.p_value >= 1 / 1001


def test_each_boot_draws_from_its_own_span_and_triggers():
    trig = np.array([1 * DAY, 11 * DAY], dtype="int64")
    # the boot-1 episode follows the boot-0 trigger by 10 min, but that is another boot
    starts = np.array([1 * DAY + 10 * MIN], dtype="int64")
    result = permutation_test(starts, [1], trig, [0, 1], {0: (0, 2 * DAY), 1: (0, 20 * DAY)},
                              window_minutes=60, draws=500, seed=0)
    assert result.observed == 0 and result.p_value == 1.0


def test_nothing_to_draw_gives_none():
    assert permutation_test(np.array([5]), [3], np.array([1]), [3], {},
                            window_minutes=60, draws=100, seed=0) is None
