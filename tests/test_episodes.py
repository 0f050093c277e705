"""Episodes (analyzer/episodes.py): grouping problem events, adding back suppressed counts."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.episodes import find_episodes
from analyzer.model import EVENT_COLUMNS, Episode

SQUEEZE = "xen_net: Memory squeeze in netback driver."
SQUEEZE_TAG = "xen.netback.memory_squeeze"
SWIOTLB = "PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:04:01.0"
SWIOTLB_TAG = "dma.swiotlb_full"
SUPPRESSED_TAG = "kernel.ratelimit.suppressed"


def row(ts: str | None, message: str, tag: str | None, severity: str | None, *,
        line: int, source: str = "var/log/messages", boot: int | None = 0, count: int = 1,
        fields: dict | None = None) -> dict:
    return {"host": "dom0", "source": source, "line": line, "end_line": line, "boot": boot,
            "ts": pd.Timestamp(ts, tz="UTC") if ts else pd.NaT,
            "ts_quality": "year_inferred" if ts else "unknown", "uptime": float("nan"),
            "program": "kernel", "message": message, "tag": tag,
            "category": None if tag is None else tag.split(".")[0], "severity": severity,
            "count": count, "fields": fields}


def squeeze(ts: str | None, line: int, **kw) -> dict:
    return row(ts, SQUEEZE, SQUEEZE_TAG, "warning", line=line, **kw)


def suppressed(ts: str | None, n: int, line: int, *, form: str = "printk", **kw) -> dict:
    msg = f"printk: {n} messages suppressed." if form == "printk" else \
        f"net_ratelimit: {n} callbacks suppressed"
    return row(ts, msg, SUPPRESSED_TAG, "info", line=line, fields={"count": str(n)}, **kw)


def table(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(EVENT_COLUMNS) + ["end_line"])
    df["ts"] = pd.to_datetime(df["ts"], utc=True).astype("datetime64[ns, UTC]")
    df["boot"] = df["boot"].astype("Int64")
    return df


def burst(start: str, n: int, every_s: float, first_line: int, **kw) -> list[dict]:
    t0 = pd.Timestamp(start)
    return [squeeze(str(t0 + pd.Timedelta(seconds=i * every_s)), first_line + i, **kw)
            for i in range(n)]


def test_two_bursts_three_hours_apart_are_two_episodes():
    rows = burst("2009-03-06 14:02:44", 20, 5, 1) + burst("2009-03-06 17:10:00", 5, 5, 100)
    ev = table(rows)
    episodes, episode_of = find_episodes(ev)
    assert [e.id for e in episodes] == ["E1", "E2"]
    e1, e2 = episodes
    assert isinstance(e1, Episode)
    assert (e1.tag, e1.start, e1.end, e1.events) == (
        SQUEEZE_TAG, "2009-03-06T14:02:44+00:00", "2009-03-06T14:04:19+00:00", 20)
    assert (e2.start, e2.events, e2.estimated_occurrences) == ("2009-03-06T17:10:00+00:00", 5, 5)
    assert e1.severity == "warning" and e1.boot == 0
    assert e1.first.line == 1 and e1.last.line == 20 and e1.first.message == SQUEEZE
    assert e1.first.ts == "2009-03-06T14:02:44+00:00"
    assert list(episode_of.index) == list(ev.index)
    assert episode_of.tolist() == ["E1"] * 20 + ["E2"] * 5


def test_suppressed_count_inside_is_added_to_the_estimate():
    # 312 squeeze lines, one every 5 s (net_ratelimit), with the hidden count reported inside
    rows = burst("2009-03-06 14:02:44", 312, 5, 1)
    rows.insert(150, suppressed("2009-03-06 14:15:09", 2611, 151))
    ev = table(rows)
    episodes, episode_of = find_episodes(ev)
    assert len(episodes) == 1
    assert episodes[0].events == 312
    assert episodes[0].estimated_occurrences == 312 + 2611
    assert episode_of.iloc[150] is None  # the suppressed line is not a member


def test_repeat_counts_add_to_the_estimate():
    rows = burst("2009-03-06 14:02:44", 3, 5, 1)
    rows[1]["count"] = 40  # "last message repeated 39 times" folded by the parser
    episodes, _ = find_episodes(table(rows))
    assert episodes[0].events == 3 and episodes[0].estimated_occurrences == 42


def test_suppressed_line_between_two_episodes_goes_to_the_nearer_one_only():
    rows = burst("2009-03-06 10:00:00", 3, 5, 1) + burst("2009-03-06 10:15:10", 3, 5, 10)
    rows += [suppressed("2009-03-06 10:06:00", 100, 5, form="net"),   # 6 min after E1, 9 before E2
             suppressed("2009-03-06 10:11:00", 7, 6, form="net")]     # 11 min after E1, 4 before E2
    episodes, _ = find_episodes(table(rows))
    assert [e.estimated_occurrences for e in episodes] == [3 + 100, 3 + 7]


def test_suppressed_line_far_from_every_episode_is_not_counted():
    rows = burst("2009-03-06 10:00:00", 3, 5, 1) + [suppressed("2009-03-06 12:00:00", 50, 9)]
    episodes, _ = find_episodes(table(rows))
    assert episodes[0].estimated_occurrences == 3


def test_suppressed_line_in_another_boot_is_not_counted():
    rows = burst("2009-03-06 10:00:00", 3, 5, 1) + [suppressed("2009-03-06 10:01:00", 50, 9,
                                                               boot=1)]
    episodes, _ = find_episodes(table(rows))
    assert episodes[0].estimated_occurrences == 3


def test_overlapping_episodes_of_two_tags_suppressed_goes_to_the_closest_member():
    rows = burst("2009-03-06 10:00:00", 10, 60, 1)
    rows += [row("2009-03-06 10:04:30", SWIOTLB, SWIOTLB_TAG, "error", line=50),
             row("2009-03-06 10:04:40", SWIOTLB, SWIOTLB_TAG, "error", line=51),
             suppressed("2009-03-06 10:04:41", 9, 52)]
    episodes, episode_of = find_episodes(table(rows))
    by_tag = {e.tag: e for e in episodes}
    assert by_tag[SWIOTLB_TAG].estimated_occurrences == 2 + 9
    assert by_tag[SQUEEZE_TAG].estimated_occurrences == 10
    assert by_tag[SWIOTLB_TAG].severity == "error"
    assert [e.id for e in episodes] == ["E1", "E2"] and episodes[0].tag == SQUEEZE_TAG


def test_info_severity_events_never_form_episodes():
    rows = [row("2009-03-06 10:00:00", "device vif3.0 entered promiscuous mode",
                "xen.domu.start", "info", line=1),
            row("2009-03-06 10:00:01", "device vif3.0 entered promiscuous mode",
                "xen.domu.start", "info", line=2),
            suppressed("2009-03-06 10:00:02", 5, 3),
            row("2009-03-06 10:00:03", "some untagged line", None, None, line=4)]
    ev = table(rows)
    episodes, episode_of = find_episodes(ev)
    assert episodes == []
    assert episode_of.isna().all() and len(episode_of) == 4


@pytest.mark.parametrize(("gap", "expected"), [(10.0, 2), (20.0, 1)])
def test_gap_option_is_respected(gap, expected):
    rows = burst("2009-03-06 10:00:00", 3, 5, 1) + burst("2009-03-06 10:15:10", 3, 5, 10)
    episodes, _ = find_episodes(table(rows), gap_minutes=gap)
    assert len(episodes) == expected


def test_a_reboot_splits_an_episode():
    rows = burst("2009-03-06 10:00:00", 3, 5, 1) + burst("2009-03-06 10:02:00", 3, 5, 10, boot=1)
    episodes, _ = find_episodes(table(rows))
    assert [(e.boot, e.events) for e in episodes] == [(0, 3), (1, 3)]


def test_untimed_events_form_episodes_by_line_adjacency():
    src = "sos_commands/xen/xl_dmesg"
    rows = [squeeze(None, ln, source=src, boot=2) for ln in (10, 11, 40, 200, 230)]
    rows.insert(2, suppressed(None, 77, 12, source=src, boot=2))
    rows.append(squeeze("2009-03-06 10:00:00", 1))  # a timed one sorts first
    episodes, episode_of = find_episodes(table(rows))
    assert [e.id for e in episodes] == ["E1", "E2", "E3"]
    assert episodes[0].start == "2009-03-06T10:00:00+00:00"
    u1, u2 = episodes[1], episodes[2]
    assert (u1.start, u1.end, u1.events, u1.estimated_occurrences) == (None, None, 3, 3 + 77)
    assert (u2.events, u2.first.line, u2.last.line, u2.boot) == (2, 200, 230, 2)
    assert u1.first.ts is None


def test_empty_table():
    episodes, episode_of = find_episodes(table([]))
    assert episodes == [] and len(episode_of) == 0


def test_named_rate_limit_counters_only_feed_their_own_episodes():
    """`net_ratelimit` hides network messages, `warn_alloc` page-allocation failures."""
    rows = [
        ("2023-09-18 15:58:42", "warn_alloc: 14 callbacks suppressed",
         "kernel.ratelimit.suppressed", "info", {"func": "warn_alloc", "count": 14}),
        ("2023-09-18 15:58:42", "ksoftirqd/3: page allocation failure: order:2, mode:0x820",
         "mm.page_alloc_failure", "warning", {"order": 2}),
        ("2023-09-18 15:58:45", "net_ratelimit: 38 callbacks suppressed",
         "kernel.ratelimit.suppressed", "info", {"func": "net_ratelimit", "count": 38}),
    ]
    events = pd.DataFrame({
        "source": "journal", "line": range(1, 4), "end_line": range(1, 4), "boot": 0,
        "ts": pd.to_datetime([r[0] for r in rows]).tz_localize("UTC"),
        "message": [r[1] for r in rows], "tag": [r[2] for r in rows],
        "severity": [r[3] for r in rows], "fields": [r[4] for r in rows], "count": 1,
    })
    episodes, _ = find_episodes(events, gap_minutes=10)
    (ep,) = episodes
    assert ep.tag == "mm.page_alloc_failure"
    assert ep.estimated_occurrences == 1 + 14
