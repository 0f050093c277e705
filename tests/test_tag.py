"""The tag engine (analyzer/tag.py): matching, priorities, prefilter, block grouping, bounds."""

from __future__ import annotations

import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from analyzer.patterns import load_library
from analyzer.tag import TAG_COLUMNS, match_messages, tag_events


@pytest.fixture(scope="module")
def library():
    return load_library()


def events(messages, *, program="kernel", source="messages", first_line=1, **extra):
    n = len(messages)
    lines = np.arange(first_line, first_line + n)
    df = pd.DataFrame({
        "host": "xen07", "source": source, "line": lines, "end_line": lines,
        "program": [program] * n if isinstance(program, str) or program is None else program,
        "message": messages, "count": 1, "uptime": np.nan,
    })
    for k, v in extra.items():
        df[k] = v
    return df


def user_library(tmp_path, text):
    d = tmp_path / "user"
    d.mkdir(exist_ok=True)
    (d / "site.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_library([d])


def test_adds_tag_columns_and_keeps_others(library):
    df = events(["xen_net: Memory squeeze in netback driver.", "e1000: eth0 eeprom checksum ok",
                 "printk: 12 messages suppressed."], wall=pd.NaT)
    before = df.copy()
    out = tag_events(df, library)
    pd.testing.assert_frame_equal(df, before)  # input untouched
    assert list(out.columns) == list(df.columns) + list(TAG_COLUMNS)
    assert out["tag"].tolist() == ["xen.netback.memory_squeeze", None,
                                   "kernel.ratelimit.suppressed"]
    assert out["severity"].tolist() == ["error", None, "info"]
    assert out["category"].tolist() == ["xen.network", None, "kernel"]
    assert out["fields"].tolist() == [{}, None, {"count": 12, "variant": 0}]
    assert out["tag"].dtype == object and out["fields"].dtype == object
    assert out["host"].tolist() == ["xen07"] * 3


def test_empty_table(library):
    out = tag_events(events([]), library)
    assert len(out) == 0 and set(TAG_COLUMNS) <= set(out.columns)


def test_missing_messages_and_programs_do_not_crash(library):
    df = events([None, "Memory squeeze in netback driver.", np.nan], program=None)
    out = tag_events(df, library)
    assert out["tag"].tolist() == [None, "xen.netback.memory_squeeze", None]


def test_repeated_lines_get_their_own_field_dicts(library):
    out = tag_events(events(["printk: 3 messages suppressed."] * 3), library)
    f = out["fields"].tolist()
    assert f[0] == f[1] == {"count": 3, "variant": 0}
    f[0]["count"] = 99
    assert f[1]["count"] == 3


@pytest.mark.parametrize("message, program, tag", [
    ("BUG: soft lockup - CPU#0 stuck for 11s! [x:1]", "kernel", "kernel.soft_lockup"),
    ("BUG: unable to handle kernel NULL pointer dereference at 0000000000000010", "kernel",
     "kernel.oops"),
    ("Setting memory target of domain Domain-0 (0) to 1206 MiB.", "xend",
     "xen.balloon.dom0_target"),
    ("Setting memory target of domain web01 (5) to 512 MiB.", "xend", "xen.domu.mem_target"),
    ("Command line: dom0_mem=1024M loglvl=all guest_loglvl=all", "xen", "xen.hv.cmdline"),
    ("Command line: ro root=/dev/VolGroup00/LogVol00 swiotlb=64", "kernel",
     "kernel.boot.cmdline"),
    ("Command line: ro root=/dev/VolGroup00/LogVol00", None, "kernel.boot.cmdline"),
    ("device vif3.0 entered promiscuous mode", "kernel", "xen.domu.start"),
    ("device peth0 entered promiscuous mode", "kernel", "network.promiscuous_mode"),
    ("xenbr0: port 2(vif3.0) entering disabled state", "kernel", "xen.domu.stop"),
    ("xenbr0: port 2(vif3.0) entering forwarding state", "kernel",
     "network.bridge_port_state"),
])
def test_most_specific_wins(library, message, program, tag):
    assert match_messages([message], [program], library)[0] == [tag]


def test_program_restriction_is_case_insensitive_and_xen_prefix_is_seen(library):
    ids, fields = match_messages(
        ["Command line: dom0_mem=512M", "(XEN) Command line: dom0_mem=512M",
         "(XEN) System RAM: 8190MB (8386560kB)"], ["XEN", "kernel", None], library)
    assert ids == ["xen.hv.cmdline", "xen.hv.cmdline", "xen.hv.system_ram"]
    assert fields[1] == {"cmdline": "dom0_mem=512M"}
    assert fields[2] == {"mb": 8190, "kb": 8386560}


def test_caller_id_prefix_is_looked_through(library):
    out = tag_events(events(["[ T5845] INFO: task kworker/u8:2:5845 blocked for more than "
                             "120 seconds."]), library)
    assert out["tag"].tolist() == ["kernel.hung_task"]
    assert out["fields"][0] == {"comm": "kworker/u8:2", "pid": 5845, "secs": 120}


def test_ignorecase_pattern_passes_the_prefilter(library):
    ids, fields = match_messages(["PCI-DMA: OUT OF SW-IOMMU SPACE FOR 65536 bytes at device "
                                  "0000:04:00.0"], ["kernel"], library)
    assert ids == ["dma.swiotlb_full"]
    assert fields[0]["bytes"] == 65536 and fields[0]["device"] == "0000:04:00.0"


def test_equal_priority_first_loaded_wins_and_priority_overrides(tmp_path):
    lib = user_library(tmp_path, """\
        - id: site.a
          regex: 'widget (?P<n>\\d+) failed'
          category: site
          severity: warning
          description: first
          examples: {match: ['widget 1 failed']}
        - id: site.b
          regex: 'widget \\d+ failed'
          category: site
          severity: error
          description: second, same priority
          examples: {match: [{message: 'widget 2 failed', program: never}]}
          program: never
        - id: site.c
          regex: 'widget 7 failed'
          priority: 5
          category: site
          severity: error
          description: more specific
          examples: {match: ['widget 7 failed']}
        """)
    ids, _ = match_messages(["widget 1 failed", "widget 7 failed", "widget 2 failed"],
                            ["kernel", "kernel", "never"], lib)
    assert ids == ["site.a", "site.c", "site.a"]


def test_pathological_user_regex_runs_in_linear_time(tmp_path):
    lib = user_library(tmp_path, """\
        - id: site.redos
          regex: '(a+)+$'
          category: site
          severity: info
          description: catastrophic for backtracking engines
          examples: {match: ['aaaa']}
        """)
    assert lib.get("site.redos").hints == ()  # no literal: tried on every line
    line = "a" * (1 << 20) + "!"  # 1 MB, no match at the end: worst case for backtracking
    df = events([line, "aaaa", "xen_net: Memory squeeze in netback driver."])
    start = time.perf_counter()
    out = tag_events(df, lib)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0
    assert out["tag"].tolist() == [None, "site.redos", "xen.netback.memory_squeeze"]


HUNG = [
    "INFO: task kjournald:1061 blocked for more than 120 seconds.",
    '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
    "kjournald     D ffff810001004420     0  1061     11          1076   475 (L-TLB)",
    " ffff81011e3a9d60 0000000000000046 0000000000000000 0000000000000000",
    "Call Trace:",
    " [<ffffffff800637ce>] io_schedule+0x3f/0x67",
]


def test_block_is_merged_into_its_header(library):
    df = events(HUNG + ["eth0: no IPv6 routers present"], first_line=40)
    df.loc[0, "count"] = 2
    out = tag_events(df, library)
    assert len(out) == 2
    head = out.iloc[0]
    assert head["message"] == "\n".join(HUNG)
    assert (head["line"], head["end_line"], head["count"]) == (40, 45, 2)
    assert head["fields"] == {"comm": "kjournald", "pid": 1061, "secs": 120}
    assert out.iloc[1]["line"] == 46 and out.iloc[1]["tag"] is None
    assert list(out.index) == [0, 6]  # surviving rows keep their labels


def test_block_does_not_cross_sources_or_gaps(library):
    df = events(HUNG[:3] + HUNG[3:])
    df.loc[3:, "source"] = "messages.1"
    assert len(tag_events(df, library)) == 4  # rows 0-2 merged; 3-5 in another file stay
    gap = events(HUNG)
    gap.loc[2:, ["line", "end_line"]] += 10  # ten lines the parser did not keep
    out = tag_events(gap, library)
    assert out.iloc[0]["end_line"] == 2 and len(out) == 5


def test_block_tolerates_a_few_interleaved_lines(library):
    noisy = HUNG[:4] + ["usb 1-1: new high-speed USB device number 2 using ehci_hcd"] + HUNG[4:]
    out = tag_events(events(noisy), library)
    assert out["message"].tolist()[1] == noisy[4]
    assert out.iloc[0]["end_line"] == 7 and out.iloc[0]["message"].count("\n") == 5


def test_block_stops_at_another_callers_lines(library):
    df = events(HUNG, caller=["T1061", "T1061", "T1061", "T99", "T99", "T99"])
    out = tag_events(df, library)
    assert out.iloc[0]["end_line"] == 3 and len(out) == 4


def test_block_is_bounded_by_max_lines(library):
    runaway = ["Call Trace:"] + [f" [<ffffffff8006{i:04x}>] f{i}+0x1/0x2" for i in range(5000)]
    df = events([HUNG[0]] + runaway)
    out = tag_events(df, library)
    ml = library.get("kernel.hung_task").multiline.max_lines
    assert out.iloc[0]["end_line"] == ml
    assert len(out) == len(df) - (ml - 1)


def test_another_tagged_line_ends_the_block(library):
    oops = ["BUG: unable to handle kernel NULL pointer dereference at 0000000000000008",
            "IP: [<ffffffff8021a4b1>] net_rx_action+0x1a1/0x5f0",
            "Oops: 0000 [#1] SMP",
            "Call Trace:",
            " [<ffffffff8021a4b1>] net_rx_action+0x1a1/0x5f0",
            " <0>Kernel panic - not syncing: Fatal exception"]
    out = tag_events(events(oops), library)
    assert out["tag"].tolist() == ["kernel.oops", "kernel.panic"]
    assert out.iloc[0]["end_line"] == 5  # the "Oops:" line (same tag) joined through continue
    assert out.iloc[1]["fields"] == {"reason": "Fatal exception"}


def test_user_multiline_blank_mode(tmp_path):
    lib = user_library(tmp_path, """\
        - id: site.report
          regex: '^=== report (?P<n>\\d+) ==='
          category: site
          severity: info
          description: a report up to the next blank line
          multiline: {until: blank, max_lines: 10}
          examples: {match: ['=== report 1 ===']}
        """)
    out = tag_events(events(["=== report 1 ===", "a", "b", "", "after"]), lib)
    assert out["message"].tolist() == ["=== report 1 ===\na\nb", "", "after"]


def test_duplicate_index_labels_and_int_end_lines(library):
    df = events(HUNG + ["eth0: link up"])
    df.index = [7] * len(df)
    out = tag_events(df, library)
    assert out["end_line"].tolist() == [6, 7]
    assert out["end_line"].dtype == df["end_line"].dtype
    assert out["message"].iloc[1] == "eth0: link up"
