"""RFC 3164 syslog / journalctl short parser (analyzer/parse/syslog.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.model import PARSE_COLUMNS, REASON_EMPTY, REASON_NO_HEADER
from analyzer.parse import syslog

DATA = Path(__file__).parent / "data"
KERN_LOG = DATA / "real-dmesg" / "15_canonical_hotsos__tests_unit_fake_data_root_openstack_var_log_kern.log"
LINUX_2K = DATA / "loghub" / "Linux_2k.log"


def read_lines(path: Path) -> list[str]:
    """Lines as the reader gives them: split on \\n only, one trailing \\r stripped."""
    lines = path.read_bytes().decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def check_accounting(res, n: int) -> None:
    assert res.lines_parsed + sum(res.unparsed.values()) == n
    assert tuple(res.events.columns) == PARSE_COLUMNS
    ev = res.events
    assert ev["line"].dtype == np.int64 and ev["end_line"].dtype == np.int64
    assert ev["count"].dtype == np.int64
    assert ev["uptime"].dtype == np.float64 and ev["priority"].dtype == np.float64
    assert str(ev["wall"].dtype) == "datetime64[ns]"


def test_kern_log_with_uptime_in_brackets():
    lines = [
        "Feb  4 09:34:10 compute4 kernel: [    0.000000] Linux version 5.4.0-97-generic "
        "(buildd@lcy02-amd64-032) (gcc version 9.3.0 (Ubuntu 9.3.0-17ubuntu1~20.04)) "
        "#110-Ubuntu SMP Thu Jan 13 18:22:13 UTC 2022 (Ubuntu 5.4.0-97.110-generic 5.4.162)",
        "Feb  4 09:34:11 compute4 kernel: [ 4120.180110] xen_net: Memory squeeze in netback driver.",
        "Feb 14 09:34:12 compute4 kernel: [ 12.3] printk: 4 messages suppressed.",
    ]
    res = syslog.parse(lines, source="kern.log")
    check_accounting(res, 3)
    ev = res.events
    assert ev["uptime"].tolist() == [0.0, 4120.18011, 12.3]
    assert ev["message"][0].startswith("Linux version 5.4.0-97-generic (buildd@")
    assert ev["message"][1] == "xen_net: Memory squeeze in netback driver."
    assert ev["program"].tolist() == ["kernel"] * 3
    assert ev["host"].tolist() == ["compute4"] * 3
    assert ev["wall"].tolist() == [pd.Timestamp("2000-02-04 09:34:10"),
                                   pd.Timestamp("2000-02-04 09:34:11"),
                                   pd.Timestamp("2000-02-14 09:34:12")]
    assert set(ev["wall_kind"]) == {"noyear"}
    assert ev["line"].tolist() == [1, 2, 3]


def test_rsyslog_colon_oddity_and_no_uptime():
    res = syslog.parse([
        "Aug 25 10:00:01 xenhost kernel: : xen_net: Memory squeeze in netback driver.",
        "Aug 25 10:00:02 xenhost kernel: PCI-DMA: Out of SW-IOMMU space for 65536 bytes at "
        "device 0000:03:00.0",
    ])
    ev = res.events
    assert ev["message"][0] == "xen_net: Memory squeeze in netback driver."
    assert ev["message"][1].startswith("PCI-DMA: Out of SW-IOMMU space")
    assert ev["uptime"].isna().all()


def test_programs_with_spaces_parentheses_and_pids():
    lines = [
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 "
        "euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
        "Jun 19 04:09:11 combo syslogd 1.4.1: restart.",
        "Sep  7 11:03:12 dom0 root[5474]: /etc/xen/scripts/block: add "
        "XENBUS_PATH=backend/vbd/38/51728",
        "Jul 27 14:41:57 combo kernel:  BIOS-e820: 0000000000000000 - 00000000000a0000 (usable)",
    ]
    ev = syslog.parse(lines).events
    assert ev["program"].tolist() == ["sshd(pam_unix)", "syslogd 1.4.1", "root", "kernel"]
    # trailing whitespace stripped, the rest exactly as logged (leading space kept)
    assert ev["message"][0].endswith("rhost=218.188.2.4")
    assert ev["message"][2] == "/etc/xen/scripts/block: add XENBUS_PATH=backend/vbd/38/51728"
    assert ev["message"][3] == " BIOS-e820: 0000000000000000 - 00000000000a0000 (usable)"


def test_pri_prefix_gives_priority():
    ev = syslog.parse(["<4>Aug 25 10:00:01 xenhost kernel: printk: 12 messages suppressed.",
                       "<30>Aug 25 10:00:02 xenhost xend[2210]: started"]).events
    assert ev["priority"].tolist() == [4.0, 6.0]
    assert ev["message"][0] == "printk: 12 messages suppressed."


def test_journal_short_precise_and_feb_29():
    ev = syslog.parse([
        "Sep 07 11:03:12.123456 dom0 kernel: xen_net: Memory squeeze in netback driver.",
        "Feb 29 00:00:01 dom0 kernel: leap day",
        "Feb 30 00:00:01 dom0 kernel: not a date",
    ]).events
    assert ev["wall"][0] == pd.Timestamp("2000-09-07 11:03:12.123456")
    assert ev["wall"][1] == pd.Timestamp("2000-02-29 00:00:01")
    assert pd.isna(ev["wall"][2]) and ev["wall_kind"][2] == "none"


def test_repeat_lines_fold_into_previous_event():
    lines = [
        "Aug 25 10:00:03 xenhost last message repeated 2 times",  # before any event: leading
        "Aug 25 10:00:05 xenhost kernel: xen_net: Memory squeeze in netback driver.",
        "Aug 25 10:00:07 xenhost last message repeated 3 times",
        "Aug 25 10:00:09 xenhost kernel: message repeated 5 times: [ xen_net: Memory squeeze "
        "in netback driver.]",
        "Aug 25 10:01:00 xenhost kernel: printk: 4 messages suppressed.",
    ]
    res = syslog.parse(lines)
    check_accounting(res, 5)
    assert res.lines_parsed == 5
    assert res.leading_repeats == 2
    assert res.events["count"].tolist() == [9, 1]
    assert res.events["line"].tolist() == [2, 5]


def test_journal_meta_lines_boot_markers_and_continuations():
    lines = [
        "-- Logs begin at Tue 2021-09-07 10:00:00 CEST, end at Tue 2021-09-07 12:00:00 CEST. --",
        "Sep 07 11:03:12 dom0 kernel: xen_net: Memory squeeze in netback driver.",
        "-- Reboot --",
        "Sep 07 11:05:00 dom0 xend[2210]: Traceback (most recent call last):",
        "                                   File \"/usr/lib/xen/xend/XendDomainInfo.py\", line 9",
        "                                 VmError: out of memory",
        "-- Boot 6f0a1cbb3b764d8a9e3c1f0d2c7b8a91 --",
        "Sep 07 11:07:00 dom0 kernel: Linux version 2.6.32.43 (geeko@buildhost)",
        "-- No entries --",
    ]
    res = syslog.parse(lines, first_line=101)
    check_accounting(res, len(lines))
    assert res.lines_parsed == len(lines)
    ev = res.events
    assert ev["line"].tolist() == [102, 104, 108]
    assert ev["end_line"].tolist() == [102, 106, 108]
    assert ev["message"][1] == ("Traceback (most recent call last):\n"
                                "  File \"/usr/lib/xen/xend/XendDomainInfo.py\", line 9\n"
                                "VmError: out of memory")
    assert pd.isna(ev["boot_id"][0])
    assert ev["boot_id"].tolist()[1:] == ["marker:1", "marker:2"]


def test_unparsed_lines_are_counted_not_lost():
    lines = [
        "",
        "    an indented line with no event before it",
        "xen_net: Memory squeeze in netback driver.",
        "Aug 25 10:00:01 xenhost kernel: ok",
        "wrapped continuation without indentation",
    ]
    res = syslog.parse(lines, source="messages", first_line=10)
    check_accounting(res, 5)
    assert res.unparsed == {REASON_EMPTY: 1, REASON_NO_HEADER: 3}
    assert [w.line for w in res.warnings if w.reason == REASON_NO_HEADER] == [11, 12, 14]
    assert res.warnings[0].source == "messages"


def test_empty_input_has_contract_columns():
    res = syslog.parse([])
    check_accounting(res, 0)
    assert len(res.events) == 0


@pytest.mark.parametrize("line", [
    "[    0.000000] Linux version 5.4.0-99-generic (buildd@lgw01-amd64-007)",
    "Mar 13 23:51:26.287346 (XEN) common/grant_table.c:1431:d0v1 Expanding d1 grant table",
    "Mar 13 23:51:26.275421 [  271.713740] xenbr0: port 2(vif1.0) entered forwarding state",
    "(XEN) Xen version 3.4.3 (mockbuild@centos.org)",
])
def test_sniff_rejects_other_formats(line):
    assert syslog.sniff([line]) == 0.0


def test_real_kern_log_two_boots():
    lines = read_lines(KERN_LOG)
    res = syslog.parse(lines, source=KERN_LOG.name)
    check_accounting(res, len(lines))
    assert res.lines_parsed == len(lines) == 2831
    ev = res.events
    assert ev["uptime"].notna().all()
    assert (ev["uptime"].diff() < 0).sum() >= 1  # the second boot starts again at 0
    assert (ev["message"].str.startswith("Linux version 5.4.0-97-generic")).sum() == 2
    assert not ev["message"].str.match(r"\[\s*\d+\.\d+\]").any()
    assert ev["message"][594] == "[drm] Initialized cirrus 2.0.0 2019 for 0000:00:02.0 on minor 0"


def test_real_loghub_linux_messages():
    lines = read_lines(LINUX_2K)
    assert len(lines) == 2000
    res = syslog.parse(lines)
    check_accounting(res, 2000)
    assert res.lines_parsed == 2000
    ev = res.events
    assert ev["host"].eq("combo").all()
    assert ev["program"][0] == "sshd(pam_unix)"
    assert (ev["program"] == "syslogd 1.4.1").sum() == 7
    assert ev["program"].notna().all()
    assert not ev["message"].str.endswith(" ").any()
    assert ev["wall"].min() == pd.Timestamp("2000-06-14 15:16:01")
