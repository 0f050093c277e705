"""``kernlog templates`` output and the report's unexplained-messages section
(analyzer/templates/render.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.errors import UsageError
from analyzer.parse import sniff
from analyzer.templates import render_templates, unexplained_messages

DATA = Path(__file__).parent / "data"
KERN_LOG = DATA / "real-dmesg" / "15_canonical_hotsos__tests_unit_fake_data_root_openstack_var_log_kern.log"
SAMPLE_HOST = Path(__file__).resolve().parent.parent / "sample_logs" / "xen07-incident"


def _kern_events(start: int = 474, stop: int = 480) -> pd.DataFrame:
    lines = KERN_LOG.read_text(encoding="utf-8").split("\n")[start:stop]
    events = sniff(lines).parse(lines).events
    events["source"] = "kern.log"
    events["line"] = events["line"] + start
    events["tag"] = None
    return events


def test_jsonl_one_object_per_untagged_event():
    events = _kern_events()
    events.loc[3, "tag"] = "usb.manufacturer"  # tagged: left out with --untagged-only
    out = render_templates(events, fmt="jsonl", untagged_only=True)
    assert out.endswith("\n")
    rows = [json.loads(line) for line in out.split("\n")[:-1]]
    assert rows == [
        {"source": "kern.log", "line": 475, "template_id": 0,
         "template": "usb <*>: New USB device found, idVendor=1d6b, idProduct=<*>, bcdDevice= <*>"},
        {"source": "kern.log", "line": 476, "template_id": 1,
         "template": "usb <*>: New USB device strings: Mfr=<*>, Product=<*>, SerialNumber=<*>"},
        {"source": "kern.log", "line": 477, "template_id": 2,
         "template": "usb <*>: Product: UHCI Host Controller"},
        {"source": "kern.log", "line": 479, "template_id": 3, "template": "usb <*>: SerialNumber: <*>"},
        {"source": "kern.log", "line": 480, "template_id": 4, "template": "hub <*>:<*>: USB hub found"},
    ]
    everything = render_templates(events, fmt="jsonl", untagged_only=False)
    assert len(everything.split("\n")[:-1]) == 6


def test_jsonl_text_is_valid_json_whatever_the_log_says():
    events = pd.DataFrame({"source": ["a\"b/c", None], "line": [1, None], "tag": [None, None],
                           "message": ['quote " back\\slash \u2028 tab\t', "x"]})
    out = render_templates(events, fmt="jsonl", untagged_only=False)
    rows = [json.loads(line) for line in out.split("\n")[:-1]]
    assert rows[0]["source"] == "a\"b/c" and rows[1]["source"] is None and rows[1]["line"] is None
    assert rows[0]["template"] == 'quote " back\\slash tab'  # words joined by single blanks


def test_markdown_lists_templates_by_count_with_an_example():
    events = pd.concat([_kern_events(474, 480), _kern_events(485, 491)], ignore_index=True)
    events.loc[0, "message"] = "usb usb2: odd | pipe `tick`"
    out = render_templates(events, fmt="markdown", untagged_only=False)
    lines = out.split("\n")
    assert lines[:6] == [
        "# Message templates",
        "",
        "12 events in 7 templates (numbers, addresses, devices and paths masked as `<*>`).",
        "",
        "| # | Events | Template | Example | Where |",
        "|---|---|---|---|---|",
    ]
    assert lines[6] == ("| 1 | 2 | `usb <*>: New USB device strings: Mfr=<*>, Product=<*>, "
                        "SerialNumber=<*>` | `usb usb2: New USB device strings: Mfr=3, Product=2, "
                        "SerialNumber=1` | `kern.log:476` |")
    odd = [ln for ln in lines if "odd" in ln]
    assert odd == ["| 0 | 1 | `` usb <*>: odd \\| pipe `tick` `` | `` usb usb2: odd \\| pipe `tick` `` "
                   "| `kern.log:475` |"]


def test_render_rejects_an_unknown_format():
    with pytest.raises(UsageError, match="jsonl, markdown"):
        render_templates(_kern_events(), fmt="csv", untagged_only=False)


def test_markdown_of_nothing():
    out = render_templates(_kern_events().iloc[:0], fmt="markdown", untagged_only=True)
    assert "0 untagged events in 0 templates" in out


# ---------------------------------------------------------------------------------------------
# unexplained messages on a sample host

UNKNOWN = "TCP: time wait bucket table overflow"


@pytest.fixture(scope="module")
def sample_host():
    import analyzer
    from analyzer.episodes import find_episodes

    host = analyzer.read_host([str(SAMPLE_HOST)], options=analyzer.build_options())
    events = host.events
    episodes, _ = find_episodes(events)
    return events, episodes


def _with_unknown_burst(events: pd.DataFrame, episode) -> pd.DataFrame:
    """Six untagged kernel lines in the middle of ``episode`` (copies of a squeeze line)."""
    start, end = pd.Timestamp(episode.start), pd.Timestamp(episode.end)
    inside = events[(events["ts"] >= start) & (events["ts"] <= end)
                    & (events["program"] == "kernel")].head(6).copy()
    assert len(inside) == 6
    inside["message"] = UNKNOWN
    inside["tag"] = None
    inside["category"] = None
    inside["severity"] = None
    inside["line"] = inside["line"] + 100_000
    inside["count"] = 1
    return pd.concat([events, inside], ignore_index=True)


def test_unexplained_messages_on_a_sample_host(sample_host):
    import analyzer
    from analyzer.episodes import find_episodes

    events, episodes = sample_host
    assert episodes and episodes[0].id == "E1"
    library = analyzer.load_library()
    assert analyzer.tag_events(pd.DataFrame({"message": [UNKNOWN], "program": ["kernel"]}),
                               library)["tag"].isna().all()  # really unknown to the library
    injected = _with_unknown_burst(events, episodes[0])
    episodes, episode_of = find_episodes(injected)
    found = unexplained_messages(injected, episodes, episode_of, limit=5)
    assert len(found) == 5
    top = found[0]
    assert top["template"] == UNKNOWN and top["count"] == 6
    assert top["why"].startswith("only inside episode E1")
    assert top["example"] == UNKNOWN and top["source"].endswith("messages.1")
    assert top["first"] <= top["last"] and top["first"].startswith("2009-03-06T14:")
    assert [r["score"] for r in found] == sorted((r["score"] for r in found), reverse=True)
    for r in found:
        assert set(r) == {"template", "count", "first", "last", "example", "source", "line",
                          "why", "score"}
    # without the injected lines nothing is inside an episode: rare boot lines come first,
    # scored as boot chatter
    plain = unexplained_messages(events, episodes, episode_of, limit=3)
    assert all("episode" not in r["why"] for r in plain)
    assert all("at boot" in r["why"] for r in plain)


def test_unexplained_ignores_tagged_and_non_kernel_lines():
    events = pd.DataFrame({
        "message": ["xen_net: Memory squeeze in netback driver.", "START: nrpe pid=2632",
                    "blkfront: xvda: barriers enabled", "blkfront: xvda: barriers enabled"],
        "program": ["kernel", "xinetd", "kernel", None],
        "tag": ["xen.netback.memory_squeeze", None, None, None],
        "ts": pd.to_datetime(["2009-03-06 14:00", "2009-03-06 14:01", "2009-03-06 14:02",
                              "2009-03-06 16:00"], utc=True),
        "source": "messages", "line": [1, 2, 3, 4], "count": 1,
    })
    found = unexplained_messages(events, [], None)
    assert [(r["template"], r["count"], r["line"]) for r in found] == \
        [("blkfront: xvda: barriers enabled", 2, 3)]
    assert found[0]["first"] == "2009-03-06T14:02:00+00:00"
    assert found[0]["last"] == "2009-03-06T16:00:00+00:00"
    assert unexplained_messages(events.iloc[:0], [], None) == []


def test_burst_windows_are_ten_minutes_from_the_epoch_not_from_the_first_line():
    from analyzer.templates.render import _burst_cells, _bursts_of

    def _bursts(tid, ts, weight):
        return _bursts_of([_burst_cells(tid, ts, weight, int(tid.max()) + 1)],
                          int(tid.max()) + 1)

    at = pd.to_datetime(["2009-03-06 10:06:00", "2009-03-06 10:07:00", "2009-03-06 10:08:00",
                         "2009-03-06 10:09:00", "2009-03-06 10:11:00", "2009-03-06 10:12:00",
                         "2009-03-06 10:13:00", "2009-03-06 10:14:00", "2009-03-06 18:00:00",
                         "2009-03-06 23:00:00"]).as_unit("ns").asi8
    tid = np.zeros(len(at), dtype=np.int64)
    # 4 + 4 lines in the windows from 10:00 and 10:10: neither holds 5 (from the first line,
    # 10:06-10:16 would hold 8 of 10 and read as a burst)
    assert _bursts(tid, at, np.ones(len(at))) == {0: False}
    assert _bursts(tid, at, np.full(len(at), 2.0)) == {0: False}  # 8 of 20 occurrences
    assert _bursts(tid[:5], at[[0, 1, 2, 3, 3]], np.ones(5)) == {0: True}
