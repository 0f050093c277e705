"""Format sniffing across every parser (analyzer.parse.sniff) and the real-data accounting test.

Some formats overlap on purpose: a journalctl short-monotonic line is also a valid dmesg line,
and an RFC 5424 line starts with a kmsg-style ``<PRI>``. Those ties are settled by the order of
``PARSER_MODULES``; the cases below fail if that order or a sniffer changes the outcome.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import analyzer.parse as parse_stage
from analyzer.model import REASON_EMPTY, REASON_NO_HEADER

DATA = Path(__file__).parent / "data"

SAMPLES: dict[str, tuple[str, list[str]]] = {
    "dmesg": ("dmesg", [
        "[    0.000000] Linux version 2.6.32.43-0.4.1.xs1.8.0.835.170778xen (geeko@buildhost) "
        "(gcc version 4.1.2 20080704 (Red Hat 4.1.2-51)) #1 SMP Wed May 29 18:06:30 EDT 2013",
        "[    0.000000] KERNEL supported cpus:",
        "[    0.000000]   Intel GenuineIntel",
        "[    1.234567] usb usb1: New USB device found, idVendor=1d6b, idProduct=0002",
        "[ 4120.180110] xen_net: Memory squeeze in netback driver.",
        "[ 4125.201022] printk: 12 messages suppressed.",
        "[ 4131.000012] PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:03:00.0",
    ]),
    "dmesg_kmsg_priority": ("dmesg", [
        "<6>[    0.000000] Linux version 5.4.0-99-generic (buildd@lgw01-amd64-007)",
        "<4>[ 4120.180110] xen_net: Memory squeeze in netback driver.",
        "<4>[ 4125.201022] net_ratelimit: 12 callbacks suppressed",
    ]),
    "dmesg_human": ("dmesg_human", [
        "[Tue Aug 25 10:00:01 2008] xen_net: Memory squeeze in netback driver.",
        "[Tue Aug 25 10:00:06 2008] printk: 4 messages suppressed.",
        "[Tue Aug 25 10:00:07 2008] xen_net: Memory squeeze in netback driver.",
        "[Tue Aug 25 10:01:15 2008] PCI-DMA: Out of SW-IOMMU space for 4096 bytes at device "
        "0000:05:00.0",
    ]),
    "plain_rhel5_dmesg": ("plain", [
        "Linux version 2.6.18-274.el5xen (mockbuild@builder10.centos.org) (gcc version 4.1.2 "
        "20080704 (Red Hat 4.1.2-50)) #1 SMP Fri Jul 22 05:28:24 EDT 2011",
        "Command line: ro root=/dev/VolGroup00/LogVol00",
        "xen_net: Memory squeeze in netback driver.",
        "printk: 4 messages suppressed.",
        "xen_net: Memory squeeze in netback driver.",
        "PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:03:00.0",
    ]),
    "xen_console": ("xen_console", [
        "(XEN) Xen version 3.4.3 (mockbuild@centos.org) (gcc version 4.1.2 20080704 (Red Hat "
        "4.1.2-48)) Sat Jul 24 09:49:02 EDT 2010",
        "(XEN) Command line: dom0_mem=1024M",
        "(XEN) System RAM: 16375MB (16768152kB)",
        "(XEN) *** LOADING DOMAIN 0 ***",
        "(XEN) Dom0 has maximum 8 VCPUs",
        "(XEN) memory.c:124:d0 Could not allocate order=0 extent: id=1 memflags=0 (0 of 1)",
    ]),
    "xen_console_timestamps": ("xen_console", [
        "(XEN) [2009-03-02 06:11:40] Xen version 3.3.1 (root@localdomain) (gcc version 4.1.2)",
        "(XEN) [2009-03-02 06:11:40] Command line: console_timestamps=date",
        "(XEN) [2009-03-02 06:11:41] System RAM: 8191MB (8387836kB)",
        "(XEN) [2009-03-02 06:11:41] *** LOADING DOMAIN 0 ***",
    ]),
    "serial_capture": ("serial_capture", [
        "Mar 13 23:51:26.275421 [  271.713740] xenbr0: port 2(vif1.0) entered forwarding state",
        "Mar 13 23:51:26.287346 (XEN) common/grant_table.c:1431:d0v1 Expanding d1 grant table "
        "from 1 to 2 frames",
        "Mar 13 23:51:26.299876 [  271.738111] xen-blkback: backend/vbd/1/51712: using 2 queues, "
        "protocol 1 (x86_64-abi) persistent grants",
        "Mar 13 23:51:27.011213 (XEN) grant_table.c:1431:d0v1 Expanding d1 grant table",
    ]),
    "xend": ("xend", [
        "[2009-06-30 13:46:11 5499] DEBUG (balloon:151) Balloon: 7316 KiB free; need 1048576; "
        "done.",
        "[2009-06-30 13:46:11 5499] INFO (XendDomainInfo:1655) Setting memory target of domain "
        "Domain-0 (0) to 1206 MiB.",
        "[2009-06-30 13:46:12 5499] DEBUG (XendDomainInfo:1688) XendDomainInfo.create(['vm', "
        "['name', 'web01']])",
        "[2009-06-30 13:46:12 5499] DEBUG (XendDomainInfo:1700) Adding Domain: 5",
        "[2009-06-30 13:46:13 5499] INFO (XendDomainInfo:1750) Domain web01 (5) unpaused.",
    ]),
    "libxl": ("libxl", [
        "libxl: error: libxl_mem.c:287:libxl_set_memory_target: Domain 0:New target 0 for dom0 "
        "is below the minimum threshold",
        "2024-03-01 10:00:00 UTC libxl: warning: libxl_dom.c:55:libxl__domain_cpupool: Domain "
        "5:cannot get domain info",
        "Waiting for domain web01 (domid 5) to die [pid 4242]",
        "Domain 5 has shut down, reason code 0 0x0",
    ]),
    "syslog": ("syslog", [
        "Aug 25 10:00:01 xenhost kernel: xen_net: Memory squeeze in netback driver.",
        "Aug 25 10:00:06 xenhost kernel: printk: 4 messages suppressed.",
        "Aug 25 10:00:07 xenhost kernel: xen_net: Memory squeeze in netback driver.",
        "Aug 25 10:00:07 xenhost last message repeated 3 times",
        "Aug 25 10:00:09 xenhost root[5474]: /etc/xen/scripts/block: add "
        "XENBUS_PATH=backend/vbd/38/51728",
    ]),
    "syslog_uptime": ("syslog", [
        "Feb  4 09:34:10 compute4 kernel: [    0.000000] Linux version 5.4.0-97-generic "
        "(buildd@lcy02-amd64-032)",
        "Feb  4 09:34:10 compute4 kernel: [    0.000000] Command line: "
        "BOOT_IMAGE=/boot/vmlinuz-5.4.0-97-generic",
        "Feb  4 09:34:10 compute4 kernel: [    0.000000] KERNEL supported cpus:",
        "Feb  4 09:34:11 compute4 kernel: [    1.204412] usb usb1: New USB device found",
    ]),
    "journal_short": ("syslog", [
        "-- Logs begin at Tue 2021-09-07 10:00:00 CEST, end at Tue 2021-09-07 12:00:00 CEST. --",
        "Sep 07 11:03:12 dom0 kernel: xen_net: Memory squeeze in netback driver.",
        "Sep 07 11:03:12 dom0 root[5474]: /etc/xen/scripts/block: add "
        "XENBUS_PATH=backend/vbd/38/51728",
        "Sep 07 11:03:13 dom0 systemd[1]: Started xendomains.service.",
    ]),
    "journal_short_precise": ("syslog", [
        "Sep 07 11:03:12.123456 dom0 kernel: xen_net: Memory squeeze in netback driver.",
        "Sep 07 11:03:12.654321 dom0 root[5474]: /etc/xen/scripts/block: add "
        "XENBUS_PATH=backend/vbd/38/51728",
        "Sep 07 11:03:13.000001 dom0 systemd[1]: Started xendomains.service.",
    ]),
    "journal_short_iso": ("rfc5424", [
        "2021-09-07T11:03:12+0200 dom0 kernel: xen_net: Memory squeeze in netback driver.",
        "2021-09-07T11:03:12+0200 dom0 root[5474]: /etc/xen/scripts/block: add "
        "XENBUS_PATH=backend/vbd/38/51728",
        "2021-09-07T11:03:13+0200 dom0 systemd[1]: Started xendomains.service.",
    ]),
    "journal_short_iso_precise": ("rfc5424", [
        "2021-09-07T11:03:12.123456+02:00 dom0 kernel: xen_net: Memory squeeze in netback "
        "driver.",
        "2021-09-07T11:03:12.654321+02:00 dom0 root[5474]: /etc/xen/scripts/block: add "
        "XENBUS_PATH=backend/vbd/38/51728",
    ]),
    "journal_short_monotonic": ("journal_monotonic", [
        "[    0.000000] lit.home.arpa kernel: Linux version 6.1.1-arch1-4-hpe8k "
        "(linux-hpe8k@archlinux)",
        "[    0.000000] lit.home.arpa kernel: KERNEL supported cpus:",
        "[   12.841516] lit.home.arpa kernel: usb usb1: New USB device found",
        "[   13.000000] lit.home.arpa systemd[1]: Started Journal Service.",
    ]),
    "journal_json": ("journal_json", [
        json.dumps({"__CURSOR": "s=739a;i=1", "__REALTIME_TIMESTAMP": "1631005392123456",
                    "__MONOTONIC_TIMESTAMP": "12841516", "_BOOT_ID": "6f0a1cbb3b764d8a",
                    "_TRANSPORT": "kernel", "PRIORITY": "4", "SYSLOG_IDENTIFIER": "kernel",
                    "_HOSTNAME": "dom0",
                    "MESSAGE": "xen_net: Memory squeeze in netback driver."}),
        json.dumps({"__CURSOR": "s=739a;i=2", "__REALTIME_TIMESTAMP": "1631005393000000",
                    "_TRANSPORT": "syslog", "SYSLOG_IDENTIFIER": "root", "_HOSTNAME": "dom0",
                    "MESSAGE": "/etc/xen/scripts/block: add XENBUS_PATH=backend/vbd/38/51728"}),
    ]),
    "rfc5424": ("rfc5424", [
        "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' "
        "failed for lonvick on /dev/pts/8",
        '<165>1 2003-10-11T22:14:15.003000-07:00 192.0.2.1 myproc 8710 - [exampleSDID@32473 '
        'iut="3" eventSource="Application" eventID="1011"] %% It\'s time to make the do-nuts.',
        "<6>1 2009-03-06T14:02:44.123456+01:00 xenhost kernel - - - xen_net: Memory squeeze in "
        "netback driver.",
    ]),
}


@pytest.mark.parametrize("case", sorted(SAMPLES))
def test_sniff_picks_the_right_parser(case):
    expected, sample = SAMPLES[case]
    assert parse_stage.sniff(sample).FORMAT == expected


def test_sniff_of_nothing_is_plain():
    assert parse_stage.sniff([]).FORMAT == "plain"
    assert parse_stage.sniff(["", "   "]).FORMAT == "plain"


def test_every_registered_parser_has_the_protocol():
    for name in parse_stage.PARSER_MODULES:
        mod = parse_stage.parser_for(name)
        assert isinstance(mod.FORMAT, str) and callable(mod.sniff) and callable(mod.parse)
        res = mod.parse([])
        assert res.lines_parsed == 0 and len(res.events) == 0


# ---------------------------------------------------------------------------------------------
# Real data: no line lost, nearly everything parsed


def read_lines(path: Path) -> list[str]:
    """As the reader splits: on \\n only; one trailing \\r per line removed; no phantom last line."""
    lines = path.read_bytes().decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


REAL_FILES = sorted(p for p in (DATA / "real-dmesg").iterdir()
                    if p.suffix in (".log", ".txt")) + [DATA / "loghub" / "Linux_2k.log"]
EXPECTED_FORMAT = {
    "05_dfiguera_hpe8k__dmesg.log": "journal_monotonic",
    "15_canonical_hotsos__tests_unit_fake_data_root_openstack_var_log_kern.log": "syslog",
    "Linux_2k.log": "syslog",
}


def test_real_files_present():
    assert len(REAL_FILES) == 10


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name[:40])
def test_real_data_accounting(path):
    lines = read_lines(path)
    mod = parse_stage.sniff(lines)
    assert mod.FORMAT == EXPECTED_FORMAT.get(path.name, "dmesg")
    res = mod.parse(lines, source=path.name)
    assert res.lines_parsed + sum(res.unparsed.values()) == len(lines)
    assert res.lines_parsed >= 0.97 * len(lines)
    assert set(res.unparsed) <= {REASON_EMPTY, REASON_NO_HEADER}
    assert len(res.events) > 0.9 * res.lines_parsed
    assert res.events["line"].is_monotonic_increasing
    assert res.events["line"].between(1, len(lines)).all()
    assert all(w.source == path.name for w in res.warnings)


def test_loghub_linux_is_crlf_without_final_newline():
    raw = (DATA / "loghub" / "Linux_2k.log").read_bytes()
    assert raw.count(b"\n") == 1999 and not raw.endswith(b"\n") and b"\r\n" in raw
    lines = read_lines(DATA / "loghub" / "Linux_2k.log")
    assert len(lines) == 2000 and not any(ln.endswith("\r") for ln in lines)
