"""The real pattern library on realistic excerpts, family by family (patterns/*.yaml).

Excerpts are real lines from tests/data/real-dmesg/ or the formats catalogued in
/work/shared/reference/xen-messages.md (RHEL5 2.6.18-*.el5xen Dom0s, xend.log, xl dmesg).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.patterns import load_library
from analyzer.tag import tag_events

DATA = Path(__file__).parent / "data" / "real-dmesg"
DMESG_RE = re.compile(r"^\[\s*(?P<up>\d+\.\d+)\] ?(?P<msg>.*)$")


@pytest.fixture(scope="module")
def library():
    return load_library()


def events(messages, *, program="kernel", source="var/log/messages"):
    n = len(messages)
    lines = np.arange(1, n + 1)
    return pd.DataFrame({"source": source, "line": lines, "end_line": lines,
                         "program": program, "message": messages, "count": 1,
                         "uptime": np.nan})


def tagged(df):
    return df[df["tag"].notna()]


def real_dmesg(name):
    """A real dmesg file as an event table (a minimal stand-in for the dmesg parser)."""
    rows = []
    text = (DATA / name).read_text(encoding="utf-8", errors="replace")
    for number, raw in enumerate(text.split("\n"), 1):
        m = DMESG_RE.match(raw)
        if m:
            rows.append({"source": name, "line": number, "end_line": number,
                         "program": "kernel", "message": m["msg"], "count": 1,
                         "uptime": float(m["up"])})
    return pd.DataFrame(rows)


def test_netback_squeeze_burst_with_rate_limit(library):
    out = tag_events(events([
        "xen_net: Memory squeeze in netback driver.",
        "xen_net: Memory squeeze in netback driver.",
        "printk: 23 messages suppressed.",
        "xen_net: Memory squeeze in netback driver.",
        "net_ratelimit: 57 callbacks suppressed",
        "Memory squeeze in netback driver.",
    ]), library)
    assert out["tag"].tolist() == ["xen.netback.memory_squeeze"] * 2 + [
        "kernel.ratelimit.suppressed", "xen.netback.memory_squeeze",
        "kernel.ratelimit.suppressed", "xen.netback.memory_squeeze"]
    assert [f.get("count") for f in out["fields"]] == [None, None, 23, None, 57, None]
    assert out["severity"].tolist()[0] == "error"


def test_modern_netback_differentials(library):
    out = tag_events(events([
        "vif vif-5-0 vif5.0: Guest Rx ready",
        "vif vif-5-0 vif5.0: Cross page boundary, txp->offset: 3968, size: 1514",
        "vif vif-5-0 vif5.0: fatal error; disabling device",
        "vif vif-7-0 vif7.0: Guest Rx stalled",
        "netfront: device eth0 has flipping receive path.",
    ]), library)
    assert out["tag"].tolist() == ["xen.netback.guest_rx_ready", "xen.netback.fatal_error",
                                   "xen.netback.fatal_error", "xen.netback.guest_rx_stalled",
                                   "xen.netfront.rx_mode"]
    assert out["fields"][2]["vif"] == "vif5.0" and out["fields"][2]["domid"] == 5
    assert out["fields"][1]["vif"] == "vif5.0"
    assert out["fields"][4]["mode"] == "flipping"


def test_xen_console_boot_facts(library):
    xm_dmesg = [
        " __  __            _____  _____   _ ",
        "Xen version 3.3.1 (mockbuild@builder10.centos.org) (gcc version 4.1.2 20080704 "
        "(Red Hat 4.1.2-44)) Fri Jan 30 12:30:05 EST 2009",
        "Command line: /xen.gz-2.6.18-128.el5",
        "System RAM: 8190MB (8386560kB)",
        "Domain heap initialised: DMA width 32 bits",
        "*** LOADING DOMAIN 0 ***",
        "PHYSICAL MEMORY ARRANGEMENT:",
        " Dom0 alloc.:   0000000814000000->0000000818000000 (2031104 pages to be allocated)",
        "Guest Loglevel: Nothing (Rate-limited: Errors and warnings)",
        "memory.c:73:d0 Could not allocate order=0 extent: id=0 memflags=0 (0 of 64)",
        "xen-source/xen/common/memory.c:277:d0v0 Could not allocate order=18 extent: id=4 "
        "memflags=0xc0 (0 of 1)",
    ]
    out = tag_events(events(xm_dmesg, program="xen", source="sos_commands/xen/xm_dmesg"),
                     library)
    got = dict(zip(out["line"], zip(out["tag"], out["fields"])))
    assert got[2] == ("xen.hv.version", {"version": "3.3.1",
                                         "builder": "mockbuild@builder10.centos.org"})
    assert got[3] == ("xen.hv.cmdline", {"cmdline": "/xen.gz-2.6.18-128.el5"})
    assert got[4] == ("xen.hv.system_ram", {"mb": 8190, "kb": 8386560})
    assert got[8][0] == "xen.hv.dom0_alloc" and got[8][1]["pages"] == 2031104
    assert got[10][0] == "xen.hv.extent_alloc_failed" and got[10][1]["order"] == 0
    assert got[11] == ("xen.hv.superpage_alloc_fallback",
                       {"dom": 0, "order": 18, "id": 4, "done": 0, "total": 1})
    assert out["severity"].tolist()[10] == "debug"
    assert got[1][0] is None and got[5][0] is None


def test_dom0_kernel_boot_facts(library):
    out = tag_events(events([
        "Linux version 2.6.18-128.el5xen (mockbuild@builder10.centos.org) (gcc version 4.1.2 "
        "20080704 (Red Hat 4.1.2-44)) #1 SMP Wed Jan 21 11:12:42 EST 2009",
        "Command line: ro root=/dev/VolGroup00/LogVol00 swiotlb=64",
        "Memory: 8122484k/8388608k available (2492k kernel code, 265736k reserved, 1249k "
        "data, 196k init)",
        "Dentry cache hash table entries: 1048576 (order: 11, 8388608 bytes)",
        "Software IO TLB enabled: ",
        " Aperture:     64 megabytes",
        "xen_mem: Initialising balloon driver.",
    ]), library)
    assert out["tag"].tolist() == ["kernel.boot.version", "kernel.boot.cmdline",
                                   "kernel.boot.memory", "kernel.boot.hash_table",
                                   "dma.swiotlb_init", "dma.swiotlb_init", "xen.balloon.init"]
    f = out["fields"].tolist()
    assert f[0]["version"] == "2.6.18-128.el5xen"
    assert f[1] == {"cmdline": "ro root=/dev/VolGroup00/LogVol00 swiotlb=64", "variant": 1}
    assert (f[2]["avail_kb"], f[2]["total_kb"]) == (8122484, 8388608)
    assert f[5]["mb"] == 64
    assert set(out["severity"]) == {"info"}


def test_xend_log_starts_and_balloon_moves(library):
    xend = [
        "XendDomainInfo.create(['vm', ['name', 'web01'], ['memory', 512]])",
        "Balloon: 8192 KiB free; 0 to scrub; need 532480; retries: 25.",
        "Balloon: setting dom0 target to 1206 MiB.",
        "Setting memory target of domain Domain-0 (0) to 1206 MiB.",
        "Adding Domain: 5",
        "buildDomain os=linux dom=5 vcpus=1",
        "Domain web01 (5) unpaused.",
        "Setting memory target of domain web01 (5) to 512 MiB.",
        "XendDomainInfo.destroy: domid=5",
        "Not enough free memory and enable-dom0-ballooning is False, so I cannot release any "
        "more.  I need 1056768 KiB but only have 368564.",
    ]
    out = tag_events(events(xend, program="xend", source="var/log/xen/xend.log"), library)
    tags = out["tag"].tolist()
    assert tags == [None, "xen.balloon.xend_progress", "xen.balloon.dom0_target",
                    "xen.balloon.dom0_target", None, "xen.domu.start", "xen.domu.start",
                    "xen.domu.mem_target", "xen.domu.stop", "xen.balloon.xend_failure"]
    f = out["fields"].tolist()
    assert f[2]["mib"] == 1206 and f[3]["mib"] == 1206
    assert f[5]["domid"] == 5 and f[6] == {"name": "web01", "domid": 5, "variant": 6}
    assert (f[7]["name"], f[7]["domid"], f[7]["mib"]) == ("web01", 5, 512)
    assert f[8]["domid"] == 5
    assert out["severity"].tolist()[-1] == "error"


def test_bridge_and_hotplug_lines_key_domus_by_domid(library):
    out = tag_events(events([
        "device peth0 entered promiscuous mode",
        "xenbr0: port 1(peth0) entering forwarding state",
        "device vif0.0 entered promiscuous mode",
        "device vif5.0 entered promiscuous mode",
        "xenbr0: port 3(vif5.0) entering learning state",
        "/etc/xen/scripts/vif-bridge: online type_if=vif XENBUS_PATH=backend/vif/5/0",
        "device vif5.0 left promiscuous mode",
        "xenbr0: port 3(vif5.0) entering disabled state",
    ]), library)
    assert out["tag"].tolist() == [
        "network.promiscuous_mode", "network.bridge_port_state", "network.promiscuous_mode",
        "xen.domu.start", "network.bridge_port_state", "xen.domu.start", "xen.domu.stop",
        "xen.domu.stop"]
    f = out["fields"].tolist()
    assert [f[i].get("domid") for i in (3, 5, 6, 7)] == [5, 5, 5, 5]
    assert f[3]["vif"] == "vif5.0"


def test_real_xenserver_dom0_uplinks_are_not_domus(library):
    out = tag_events(real_dmesg("01_FlorianHeigl_xenserver-health__dmesg.log"), library)
    promisc = out[out["message"].str.contains("promiscuous")]
    assert promisc["message"].tolist() == ["device xenbr0 entered promiscuous mode",
                                           "device eth0 entered promiscuous mode"]
    assert set(promisc["tag"]) == {"network.promiscuous_mode"}
    assert "xen.domu.start" not in set(out["tag"])
    facts = tagged(out).set_index("tag")["fields"]
    assert facts["kernel.boot.version"]["version"] == \
        "2.6.32.43-0.4.1.xs1.8.0.835.170778xen"
    assert facts["kernel.boot.memory"] == {"avail_kb": 737316, "total_kb": 778240}
    assert "xen.balloon.init" in facts.index
    assert out.loc[out["message"].str.startswith(" Aperture"), "fields"].iloc[0]["mb"] == 8
    assert not (tagged(out)["severity"].isin(["warning", "error", "critical"])).any()


def test_dma_raid_and_io_errors(library):
    out = tag_events(events([
        "PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:04:00.0",
        "aacraid: Host adapter abort request (0,0,0,0)",
        "aacraid: Host adapter reset request. SCSI hang ?",
        "mptscsih: ioc0: attempting task abort! (sc=ffff81012f3c1c80)",
        "3w-9xxx: scsi0: ERROR: (0x06:0x001C): Failed to map scatter gather list.",
        "end_request: I/O error, dev sda, sector 1953520",
        "Buffer I/O error on device sda1, logical block 244190",
        "ipu3-imgu 0000:00:05.0: swiotlb buffer is full (sz: 4096 bytes)",
    ]), library)
    tags = out["tag"].tolist()
    assert tags == ["dma.swiotlb_full"] + ["storage.raid_error"] * 4 + ["storage.io_error"] * 2 \
        + ["dma.swiotlb_full"]
    f = out["fields"].tolist()
    assert (f[0]["bytes"], f[0]["device"]) == (65536, "0000:04:00.0")
    assert [x["driver"] for x in f[1:5]] == ["aacraid", "aacraid", "mptscsih", "3w-9xxx"]
    assert (f[5]["device"], f[5]["sector"]) == ("sda", 1953520)
    assert (f[6]["device"], f[6]["block"]) == ("sda1", 244190)
    assert (f[7]["bytes"], f[7]["device"], f[7]["driver"]) == (4096, "0000:00:05.0",
                                                                "ipu3-imgu")


def test_real_kernlog_io_error_and_rate_limit(library):
    out = tag_events(real_dmesg("14_canonical_hotsos__tests_unit_fake_data_root_kubernetes_"
                                "sos_commands_kernel_dmesg.log"), library)
    io = tagged(out)[tagged(out)["tag"] == "storage.io_error"]
    assert io["fields"].tolist() == [{"device": "loop11", "sector": 0, "error": "I/O",
                                      "op": "0x1", "opname": "WRITE", "variant": 1}]
    sup = tagged(out)[tagged(out)["tag"] == "kernel.ratelimit.suppressed"]
    assert [f["count"] for f in sup["fields"]] == [18, 22, 2, 2, 2]
    assert {f["func"] for f in sup["fields"]} == {"kauditd_printk_skb"}


PAGE_ALLOC_2618 = """\
swapper: page allocation failure. order:1, mode:0x20

Call Trace:
 <IRQ>  [<ffffffff8020f1f3>] __alloc_pages+0x2b5/0x2ce
 [<ffffffff8023fd2d>] kmem_getpages+0x36/0xe6
 [<ffffffff80223fe9>] __alloc_skb+0x5c/0x12e
 [<ffffffff8041a3c5>] tcp_v4_rcv+0x5e1/0x9cb
 <EOI>
Mem-info:
DMA per-cpu:
cpu 0 hot: high 186, batch 31 used:35
cpu 0 cold: high 62, batch 15 used:49
DMA32 per-cpu: empty
Normal per-cpu: empty
HighMem per-cpu: empty
Free pages:       14064kB (0kB HighMem)
Active:45823 inactive:54001 dirty:182 writeback:0 unstable:0 free:3516 slab:13019 \
mapped-file:2932 mapped-anon:39120 pagetables:1785
DMA free:14064kB min:2852kB low:3564kB high:4276kB active:183292kB inactive:216004kB \
present:532480kB pages_scanned:0 all_unreclaimable? no
lowmem_reserve[]: 0 0 0 0
DMA: 2890*4kB 307*8kB 3*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB \
0*4096kB = 14064kB
DMA32: empty
Normal: empty
HighMem: empty
Swap cache: add 0, delete 0, find 0/0, race 0+0
Free swap  = 2097144kB
Total swap = 2097144kB
Free swap:       2097144kB
133120 pages of RAM
24109 reserved pages
55361 pages shared
0 pages swap cached
xen_net: Memory squeeze in netback driver.""".replace("\\\n", "").split("\n")


def test_page_allocation_failure_dump_is_one_event(library):
    out = tag_events(events(PAGE_ALLOC_2618), library)
    assert out["tag"].tolist() == ["mm.page_alloc_failure", "xen.netback.memory_squeeze"]
    head = out.iloc[0]
    assert head["fields"] == {"comm": "swapper", "order": 1, "mode": "0x20", "variant": 0}
    assert (head["line"], head["end_line"]) == (1, len(PAGE_ALLOC_2618) - 1)
    assert head["message"].endswith("0 pages swap cached")


OOM_5X = """\
stress invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0
CPU: 1 PID: 2345 Comm: stress Not tainted 5.4.0-99-generic #112-Ubuntu
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.13.0-1ubuntu1.1 04/01/2014
Call Trace:
 dump_stack+0x6d/0x8b
 dump_header+0x4f/0x1eb
 oom_kill_process.cold+0xb/0x10
 out_of_memory+0x1cf/0x4d0
 __alloc_pages_slowpath+0xd5e/0xe50
 page_fault+0x34/0x40
RIP: 0033:0x55d6c1b7cc10
Code: Bad RIP value.
RSP: 002b:00007ffc9d8bbf20 EFLAGS: 00010206
RAX: 0000000070c8b000 RBX: 00007f2b5b1b9010 RCX: 00007f2b5b1b9010
RDX: 0000000000000001 RSI: 0000000100001000 RDI: 0000000000000000
RBP: 00007f2b5b1b9010 R08: 00000000ffffffff R09: 0000000000000000
R10: 0000000000000022 R11: 0000000000000246 R12: 000055d6c1b7e004
R13: 0000000000000002 R14: 0000000000001000 R15: 0000000000000000
Mem-Info:
active_anon:474125 inactive_anon:2128 isolated_anon:0
 active_file:24 inactive_file:33 isolated_file:0
 free:12948 free_pcp:0 free_cma:0
Node 0 active_anon:1896500kB inactive_anon:8512kB all_unreclaimable? yes
Node 0 DMA free:7796kB min:352kB low:440kB high:528kB present:15992kB
lowmem_reserve[]: 0 1933 1933 1933 1933
Node 0 DMA: 1*4kB (U) 0*8kB 1*16kB (U) 1*32kB (U) 1*64kB (U) = 7796kB
Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB
2213 total pagecache pages
0 pages in swap cache
Swap cache stats: add 0, delete 0, find 0/0
Free swap  = 0kB
Total swap = 0kB
524154 pages RAM
0 pages HighMem/MovableOnly
18837 pages reserved
0 pages hwpoisoned
Tasks state (memory values in pages):
[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
[    324]     0   324    10742      416   110592        0             0 systemd-journal
[   2345]  1000  2345   526399   472180  3817472        0             0 stress
oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,\
task_memcg=/user.slice,task=stress,pid=2345,uid=1000
Out of memory: Killed process 2345 (stress) total-vm:2105596kB, anon-rss:1888720kB, \
file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:3728kB oom_score_adj:0
oom_reaper: reaped process 2345 (stress), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\
""".replace("\\\n", "").split("\n")


def test_oom_report_is_one_event_and_the_victim_line_stays(library):
    out = tag_events(events(OOM_5X), library)
    assert out["tag"].tolist() == ["mm.oom_kill", "mm.oom_kill", None]
    head, victim = out.iloc[0], out.iloc[1]
    assert head["fields"]["comm"] == "stress" and head["fields"]["order"] == 0
    assert head["end_line"] == len(OOM_5X) - 2  # through the oom-kill:constraint line
    assert "task=stress,pid=2345" in head["message"]
    assert victim["fields"] == {"pid": 2345, "comm": "stress", "variant": 1}
    assert victim["line"] == len(OOM_5X) - 1


def test_rhel5_oom_pair(library):
    out = tag_events(events([
        "httpd invoked oom-killer: gfp_mask=0x201d2, order=0, oomkilladj=0",
        "",
        "Call Trace:",
        " [<ffffffff800c6d9a>] out_of_memory+0x8e/0x2f3",
        " [<ffffffff8000f5a6>] __alloc_pages+0x245/0x2ce",
        "Mem-info:",
        "DMA per-cpu:",
        "cpu 0 hot: high 0, batch 1 used:0",
        "Free swap  = 0kB",
        "Total swap = 2096472kB",
        "Out of memory: Killed process 4567, UID 48, (httpd).",
    ]), library)
    assert out["tag"].tolist() == ["mm.oom_kill", "mm.oom_kill"]
    assert out.iloc[0]["end_line"] == 10
    assert out.iloc[1]["fields"] == {"pid": 4567, "comm": "httpd", "variant": 1}


SOFT_LOCKUP_2618 = [
    "BUG: soft lockup - CPU#1 stuck for 10s! [swapper:0]",
    "CPU 1:",
    "Modules linked in: xt_physdev netbk blktap blkbk ipt_MASQUERADE iptable_nat bridge",
    "Pid: 0, comm: swapper Not tainted 2.6.18-194.el5xen #1",
    "RIP: e030:[<ffffffff802063aa>]  [<ffffffff802063aa>] hypercall_page+0x3aa/0x1000",
    "RSP: e02b:ffff88003fe09f48  EFLAGS: 00000246",
    "RAX: 0000000000000000 RBX: ffffffff8070cd00 RCX: ffffffff802063aa",
    "R13: 0000000000000000 R14: 0000000000000000 R15: 0000000000000000",
    "FS:  00002b0eed0b0f50(0000) GS:ffffffff805d2080(0000) knlGS:0000000000000000",
    "CS:  e033 DS: 002b ES: 002b",
    "",
    "Call Trace:",
    " [<ffffffff8026f4f9>] raw_safe_halt+0x84/0xa8",
    " [<ffffffff8026ca88>] xen_idle+0x38/0x4a",
    "",
    "device vif9.0 entered promiscuous mode",
]


def test_soft_lockup_with_registers_is_one_event(library):
    out = tag_events(events(SOFT_LOCKUP_2618), library)
    assert out["tag"].tolist() == ["kernel.soft_lockup", None, "xen.domu.start"]
    head = out.iloc[0]
    assert head["fields"] == {"cpu": 1, "secs": 10, "comm": "swapper", "pid": 0, "variant": 1}
    assert head["end_line"] == 14


def test_real_raspberry_pi_warnings_are_grouped_despite_interleaving(library):
    df = real_dmesg("62_eroicaleo_PiKernel__dmesg.log")
    out = tag_events(df, library)
    warn = tagged(out)[tagged(out)["tag"] == "kernel.oops"]
    assert len(warn) == 27
    second = warn.iloc[1]
    assert (second["line"], second["end_line"]) == (187, 201)
    assert second["message"].endswith("---[ end trace da227214a82491b9 ]---")
    assert second["fields"]["function"] == "alloc_fair_sched_group+0x98/0x144()"
    # interleaved USB lines stay events of their own
    kept = out[(out["line"] > 187) & (out["line"] < 201)]["message"].tolist()
    assert "hub 1-1:1.0: USB hub found" in kept
    assert "usb 1-1: New USB device strings: Mfr=0, Product=0, SerialNumber=0" in kept
    assert set(tagged(out)["tag"]) >= {"kernel.cut_here", "kernel.boot.version"}


def test_hung_xenwatch_keeps_the_contract_tag(library):
    out = tag_events(events([
        "INFO: task xenwatch:27 blocked for more than 120 seconds.",
        '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
        "xenwatch      D ffff88003fc13780     0    27      2 0x00000000",
        " ffff88003e5cfd30 0000000000000246 ffff88003e5cfd00 ffffffff81015d4d",
        "Call Trace:",
        " [<ffffffff8146f1e5>] schedule_timeout+0x195/0x300",
        "XENBUS: Timeout connecting to device: device/vif/0 (local state 3, remote state 1)",
    ]), library)
    assert out["tag"].tolist() == ["kernel.hung_task", "xen.xenbus.timeout"]
    assert out.iloc[0]["fields"]["comm"] == "xenwatch"


def test_hardware_and_network_families(library):
    out = tag_events(events([
        "mce: [Hardware Error]: Machine check events logged",
        "EDAC MC0: 1 CE error on CPU#0Channel#1_DIMM#0 (channel:1 slot:0 page:0x0 offset:0x0 "
        "grain:8 syndrome:0x0)",
        "EDAC MC: Ver: 3.0.0",
        "NETDEV WATCHDOG: eth0 (e1000): transmit queue 0 timed out",
        "e1000e 0000:00:19.0 eth0: Reset adapter unexpectedly",
        "DMAR:[DMA Read] Request device [01:00.0] fault addr 7f2b000",
        "AMD-Vi: Event logged [IO_PAGE_FAULT device=04:00.0 domain=0x0000 "
        "address=0x0000000000001000 flags=0x0010]",
        "nf_conntrack: table full, dropping packet",
    ]), library)
    assert out["tag"].tolist() == ["hw.mce", "hw.edac", None, "network.netdev_watchdog",
                                   "network.nic_reset", "hw.iommu_fault", "hw.iommu_fault",
                                   "network.conntrack_full"]
    assert out["fields"][3] == {"dev": "eth0", "driver": "e1000", "queue": 0, "variant": 0}
    assert out["fields"][1]["kind"] == "CE"
