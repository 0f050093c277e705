"""Dom0 state files: cmdline, meminfo, /proc/xen/balloon, uname (analyzer/facts/proc.py)."""

from analyzer.facts import proc

# xenlinux balloon_read() layout ("%8lu kB")
PROC_XEN_BALLOON = """\
Current allocation:   1048576 kB
Requested target:      786432 kB
Low-mem balloon:            0 kB
High-mem balloon:      262144 kB
Driver pages:             272 kB
Xen hard limit:          ??? kB
"""

MEMINFO = """\
MemTotal:        8058816 kB
MemFree:          211956 kB
Buffers:          118888 kB
Cached:          1436468 kB
SwapCached:            0 kB
"""


def test_proc_cmdline():
    facts = proc.parse_cmdline("ro root=/dev/VolGroup00/LogVol00 rhgb quiet swiotlb=64\n")
    f = facts["dom0_kernel_cmdline"]
    assert (f.value, f.line) == ("ro root=/dev/VolGroup00/LogVol00 rhgb quiet swiotlb=64", 1)
    assert proc.parse_cmdline("\n\n") == {}


def test_meminfo():
    f = proc.parse_meminfo(MEMINFO)["meminfo_total_mib"]
    assert (f.value, f.line, f.text) == (7869.9, 1, "MemTotal:        8058816 kB")
    assert proc.parse_meminfo("MemFree: 1 kB\n") == {}


def test_xen_balloon():
    facts = proc.parse_balloon(PROC_XEN_BALLOON)
    assert facts["balloon_current_mib"].value == 1024.0
    assert facts["balloon_target_mib"].value == 768.0
    assert facts["balloon_target_mib"].line == 2
    assert facts["balloon_high_mib"].value == 256.0
    assert "balloon_hard_limit_mib" not in facts  # "???" = no limit, not a number


def test_uname():
    facts = proc.parse_uname(
        "Linux xenhost1 2.6.18-128.el5xen #1 SMP Wed Dec 17 11:42:39 EST 2008 x86_64 x86_64 "
        "x86_64 GNU/Linux\n")
    assert facts["kernel"].value == "2.6.18-128.el5xen"
    assert facts["hostname"].value == "xenhost1"
    assert proc.parse_uname("4.19.0-6-amd64\n")["kernel"].value == "4.19.0-6-amd64"
    assert proc.parse_uname("uname: command not found\n") == {}
