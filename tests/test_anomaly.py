"""Anomaly ranking (analyzer/templates/anomaly.py): unusual windows of a host, hosts that
stand out in a fleet (analyzer.fleet.outlier_hosts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.errors import UsageError
from analyzer.templates import anomalous_windows, outlier_scores

SAMPLE_HOST = Path(__file__).resolve().parent.parent / "sample_logs" / "web-healthy01"
UNKNOWN = "TCP: time wait bucket table overflow"


@pytest.fixture(scope="module")
def healthy_host() -> pd.DataFrame:
    import analyzer

    return analyzer.read_host([str(SAMPLE_HOST)], options=analyzer.build_options()).events


def _burst(events: pd.DataFrame, at: str, n: int) -> pd.DataFrame:
    """``n`` untagged kernel lines of an unknown message within ten minutes after ``at``."""
    template = events[events["program"] == "kernel"].iloc[[0]]
    rows = pd.concat([template] * n, ignore_index=True)
    rows["ts"] = pd.Timestamp(at, tz="UTC") + pd.to_timedelta(np.arange(n) * 15, unit="s")
    rows["message"] = UNKNOWN
    rows[["tag", "category", "severity"]] = None
    rows["count"] = 1
    rows["line"] = np.arange(n) + 100_000
    return pd.concat([events, rows], ignore_index=True)


def test_an_injected_burst_of_an_unknown_message_ranks_its_window_first(healthy_host):
    before = anomalous_windows(healthy_host, window="1h", limit=5)
    assert before and all(w["start"] != "2019-12-28T03:00:00+00:00" for w in before)
    injected = _burst(healthy_host, "2019-12-28 03:20:00", 40)
    ranked = anomalous_windows(injected, window="1h", limit=5)
    first = ranked[0]
    assert first["host"] == "web-healthy01"
    assert (first["start"], first["end"]) == ("2019-12-28T03:00:00+00:00", "2019-12-28T04:00:00+00:00")
    assert first["top"][0] == ("template: " + UNKNOWN, 40)
    assert first["score"] > ranked[1]["score"]
    assert [w["score"] for w in ranked] == sorted((w["score"] for w in ranked), reverse=True)


def _steady(hours: int = 48) -> pd.DataFrame:
    """A host that logs the same few lines every hour."""
    start = pd.Timestamp("2009-03-06 00:00", tz="UTC")
    rows = []
    for h in range(hours):
        t = start + pd.Timedelta(hours=h)
        rows.append((t + pd.Timedelta(minutes=5), "xenbr0: topology change detected, propagating", None))
        rows.append((t + pd.Timedelta(minutes=6), "xenbr0: port 5(vif3.0) entering forwarding state", None))
        rows.append((t + pd.Timedelta(minutes=7), "blkback: ring-ref 8, event-channel 9, protocol 1 (x86_64-abi)",
                     "xen.blkback.connect"))
    ts, message, tag = zip(*rows)
    return pd.DataFrame({"host": "xen07", "ts": list(ts), "message": list(message), "tag": list(tag),
                         "program": "kernel", "count": 1, "source": "messages",
                         "line": range(1, len(rows) + 1)})


def test_burst_of_a_tag_and_the_quiet_hours_around_it():
    events = _steady()
    burst = events[events["tag"].notna()].head(1)
    burst = pd.concat([burst] * 30, ignore_index=True)
    burst["ts"] = pd.Timestamp("2009-03-07 13:30", tz="UTC")
    ranked = anomalous_windows(pd.concat([events, burst], ignore_index=True), window="1h")
    assert ranked[0]["start"] == "2009-03-07T13:00:00+00:00"
    assert ranked[0]["top"][0] == ("xen.blkback.connect", 31)
    assert len(ranked) == 1  # every other hour is like the rest: nothing to point at
    assert anomalous_windows(events, window="1h") == []


def test_windows_of_an_untimed_or_empty_table():
    events = _steady(3)
    events["ts"] = pd.NaT
    assert anomalous_windows(events) == []
    assert anomalous_windows(events.iloc[:0]) == []
    with pytest.raises(UsageError, match="duration"):
        anomalous_windows(_steady(3), window="often")


def _summary(host: str, occurrences: int, days: int = 10) -> dict:
    return {"host": host, "status": "ok", "file": host, "findings": [],
            "period": {"start": "2009-03-01T00:00:00+00:00",
                       "end": f"2009-03-{1 + days:02d}T00:00:00+00:00"},
            "episode_list": [{"id": "E1", "tag": "xen.netback.memory_squeeze",
                              "start": "2009-03-06T14:47:21+00:00",
                              "estimated_occurrences": occurrences}]}


def test_fleet_names_the_host_with_ten_times_the_problem_rate():
    from analyzer.fleet import outlier_hosts

    fleet = [_summary("xen01", 100), _summary("xen02", 120), _summary("xen03", 90),
             _summary("xen04", 110), _summary("xen07", 1050)]
    assert outlier_hosts(fleet) == [{"host": "xen07", "problems_per_day": 105.0,
                                     "fleet_median_per_day": 11.0, "ratio": 9.5}]


def test_fleet_of_similar_hosts_names_nobody():
    from analyzer.fleet import outlier_hosts

    similar = [_summary("xen01", 100), _summary("xen02", 100), _summary("xen03", 100),
               _summary("xen04", 118)]
    assert outlier_hosts(similar) == []  # equal rates must not make a 1.2x host "infinitely" odd
    assert outlier_hosts(similar[:2] + [_summary("xen07", 1000)]) == [
        {"host": "xen07", "problems_per_day": 100.0, "fleet_median_per_day": 10.0, "ratio": 10.0}]
    assert outlier_hosts(similar[:2]) == []  # two hosts: no fleet to stand out from


def test_outlier_scores_with_a_clean_fleet():
    out = outlier_scores({"a": 0.0, "b": 0.0, "c": 0.0, "d": 40.0})
    assert [o["host"] for o in out] == ["d"] and out[0]["ratio"] is None
    assert outlier_scores({"a": 0.0, "b": 0.0, "c": 0.0}) == []
