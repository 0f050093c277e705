"""xen-raid04: a 4 GB RHEL 5.2 Dom0 with an Adaptec RAID whose swiotlb runs dry under backup I/O.

    Mar  9 02:10:33 xen-raid04 kernel: PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:04:00.0
    Mar  9 02:11:04 xen-raid04 kernel: aacraid: Host adapter abort request (0,0,0,0)

Shipped as a sosreport tarball (``sosreport-xen-raid04-20090310.tar.xz``) built byte-for-byte
reproducibly. Xen booted without ``dom0_mem=``; the Dom0 kernel line has no ``swiotlb=``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from . import rhel5, xen3, xend
from .common import Pids, Timeline, syslog_line, tar_xz_bytes, text_bytes
from .xen07 import Built, _split_messages
from .xen3 import KIB, XenHost
from .xend import Guest, Xend
from .xend_config import xend_config

SEED = 20090310
TOP = "sosreport-xen-raid04-20090310"
BDF = "0000:04:00.0"
AACRAID = [
    "Adaptec aacraid driver 1.1-5[2455]-ms",
    f"ACPI: PCI Interrupt {BDF}[A] -> GSI 16 (level, low) -> IRQ 16",
    "AAC0: kernel 5.2-0[15611] Mar  5 2008",
    "AAC0: monitor 5.2-0[15611]",
    "AAC0: bios 5.2-0[15611]",
    "AAC0: serial 8B1C2D",
    "AAC0: Non-DASD support enabled.",
    "AAC0: 64bit support enabled.",
    "AAC0: 64 Bit DAC enabled",
    "scsi0 : aacraid",
    "  Vendor: Adaptec   Model: RAID5             Rev: V1.0",
    "  Type:   Direct-Access                      ANSI SCSI revision: 02",
]
DISK = [
    "SCSI device sda: 1169686528 512-byte hdwr sectors (598880 MB)",
    "sda: Write Protect is off",
    "SCSI device sda: drive cache: write back",
    " sda: sda1 sda2 sda3",
    "sd 0:0:0:0: Attached scsi disk sda",
]


def raid04_host() -> XenHost:
    return XenHost(
        hostname="xen-raid04.example.net", ram_kb=4192764, dom0_pages=999680,
        xen_version="3.1.2-92.1.22.el5", xen_banner=xen3.XEN_312_BANNER,
        xen_build="(brewbuilder@build.redhat.com) (gcc version 4.1.2 20071124 (Red Hat 4.1.2-41)) "
                  "Wed Dec 17 10:27:43 EST 2008",
        xen_image="/xen.gz-2.6.18-92.1.22.el5", xen_options="", kernel="2.6.18-92.1.22.el5xen",
        kernel_build="(brewbuilder@hs20-bc2-3.build.redhat.com) (gcc version 4.1.2 20071124 "
                     "(Red Hat 4.1.2-41)) #1 SMP Wed Dec 17 10:29:07 EST 2008",
        kernel_cmdline="ro root=/dev/VolGroup00/LogVol00 rhgb quiet", cpus=4,
        cpu_model="X3220  @ 2.40GHz", cpu_mhz="2394.012", high_kb=1048576,
        storage=AACRAID, disk_lines=DISK)


def dma_episode(tl: Timeline, rng, host: str, start: datetime, *, severe: bool) -> dict:
    """One backup-window burst; returns the counts the README states."""
    st = {"start": start, "dma_lines": 0, "suppressed_total": 0, "abort_lines": 0,
          "reset_lines": 0, "io_error_lines": 0}

    def k(ts: datetime, msg: str) -> None:
        tl.add(ts, syslog_line(ts, host, "kernel", msg))

    t = start
    sizes = (65536, 65536, 131072, 32768, 65536, 4096)
    n = 14 if severe else 6
    for i in range(n):
        if i:
            sup = rng.randrange(8, 60)
            k(t, f"printk: {sup} messages suppressed.")
            st["suppressed_total"] += sup
        size = 65536 if i == 0 else rng.choice(sizes)
        k(t, f"PCI-DMA: Out of SW-IOMMU space for {size} bytes at device {BDF}")
        st["dma_lines"] += 1
        t += timedelta(seconds=rng.randrange(5, 9))
    t += timedelta(seconds=22)
    k(t, "aacraid: Host adapter abort request (0,0,0,0)")
    st["abort_lines"] += 1
    if not severe:
        st["end"] = t
        return st
    t += timedelta(seconds=30)
    k(t, "aacraid: Host adapter abort request (0,0,0,0)")
    k(t, "aacraid: Host adapter abort request (0,0,0,0)")
    st["abort_lines"] += 2
    t += timedelta(seconds=1)
    k(t, "aacraid: Host adapter reset request. SCSI hang ?")
    st["reset_lines"] += 1
    t += timedelta(seconds=60)
    k(t, "aacraid: SCSI bus appears hung")
    k(t, "aacraid: Host adapter reset request. SCSI hang ?")
    st["reset_lines"] += 1
    t += timedelta(seconds=2)
    sector = 812_345_671
    for i in range(4):
        k(t, "sd 0:0:0:0: SCSI error: return code = 0x06000000")
        k(t, f"end_request: I/O error, dev sda, sector {sector + i * 128}")
        st["io_error_lines"] += 1
    block = 98_765_432
    for i in range(3):
        k(t, f"Buffer I/O error on device sda3, logical block {block + i}")
        k(t, "lost page write due to I/O error on sda3")
    k(t, "Aborting journal on device sda3.")
    k(t, "printk: 12 messages suppressed.")
    st["suppressed_total"] += 12
    t += timedelta(seconds=3)
    k(t, "ext3_abort called.")
    k(t, "EXT3-fs error (device sda3): ext3_journal_start_sb: Detected aborted journal")
    k(t, "Remounting filesystem read-only")
    st["end"] = t
    return st


def build_raid04() -> Built:
    rng = random.Random(SEED)
    h = raid04_host()
    host = h.short
    boot = datetime(2009, 3, 3, 18, 40, 2)
    collected = datetime(2009, 3, 10, 9, 31, 17)
    msgs = Timeline()
    pids = Pids(rng, 2300)
    epoch = int((boot - datetime(1970, 1, 1)).total_seconds())
    up, dpids = rhel5.rhel5_boot(msgs, h, boot, pids, audit_epoch=epoch + 9)
    rhel5.rhel5_chatter(msgs, rng, host, up, collected, pids, dpids)
    x = Xend(rng, 3877, dom0_kb=h.dom0_kb, free_kb=31_204, dom0_min_mib=256, ballooning=True,
             line_numbers={"create": 161, "construct": 1379, "add": 402, "init": 1463,
                           "shadow": 1478, "bal_done": 116, "bal_first": 127, "bal_set": 138,
                           "target": 1037, "build": 107, "unpaused": 1072})
    xend.xend_start(x, up - timedelta(seconds=10), h, running=[], version="3.1.2")
    starts = []
    for port, (name, mib, when) in enumerate([
        ("fs01", 1024, datetime(2009, 3, 3, 18, 52, 11)),
        ("db02", 1024, datetime(2009, 3, 3, 18, 53, 40)),
        ("backup01", 512, datetime(2009, 3, 4, 10, 14, 5)),
        ("web11", 512, datetime(2009, 3, 5, 15, 2, 48)),
    ], start=3):
        g = Guest(name, mib, disk=f"phy:/dev/VolGroup00/{name}")
        ok, t_up = x.create(when, g)
        assert ok
        rhel5.domu_start_syslog(msgs, rng, host, t_up, g, port)
        starts.append({"name": name, "domid": g.domid, "mib": mib, "time": when})
    ep1 = dma_episode(msgs, rng, host, datetime(2009, 3, 8, 2, 11, 5), severe=False)
    ep2 = dma_episode(msgs, rng, host, datetime(2009, 3, 9, 2, 10, 33), severe=True)
    cut = datetime(2009, 3, 8, 4, 2, 6)
    m1, m0 = _split_messages(msgs, host, [cut])
    lspci = [
        "00:00.0 Host bridge: Intel Corporation 3200/3210 Chipset DRAM Controller (rev 01)",
        "00:01.0 PCI bridge: Intel Corporation 3200/3210 Chipset Host-Primary PCI Express Bridge (rev 01)",
        "00:1c.0 PCI bridge: Intel Corporation 82801I (ICH9 Family) PCI Express Port 1 (rev 02)",
        "00:1d.0 USB Controller: Intel Corporation 82801I (ICH9 Family) USB UHCI Controller #1 (rev 02)",
        "00:1d.7 USB Controller: Intel Corporation 82801I (ICH9 Family) USB2 EHCI Controller #1 (rev 02)",
        "00:1e.0 PCI bridge: Intel Corporation 82801 PCI Bridge (rev 92)",
        "00:1f.0 ISA bridge: Intel Corporation 82801IR (ICH9R) LPC Interface Controller (rev 02)",
        "03:00.0 PCI bridge: Intel Corporation 80333 Segment-A PCI Express-to-PCI Express Bridge",
        "04:00.0 RAID bus controller: Adaptec AAC-RAID (Rocket) (rev 02)",
        "05:00.0 Ethernet controller: Broadcom Corporation NetXtreme II BCM5708 Gigabit Ethernet (rev 12)",
        "09:00.0 Ethernet controller: Broadcom Corporation NetXtreme II BCM5708 Gigabit Ethernet (rev 12)",
        "0a:05.0 VGA compatible controller: ATI Technologies Inc ES1000 (rev 02)",
    ]
    files = {
        "hostname": b"xen-raid04.example.net\n",
        "date": b"Tue Mar 10 09:31:17 UTC 2009\n",
        "uname": b"Linux xen-raid04.example.net 2.6.18-92.1.22.el5xen #1 SMP Wed Dec 17 10:29:07 "
                 b"EST 2008 x86_64 x86_64 x86_64 GNU/Linux\n",
        "lspci": text_bytes(lspci),
        "etc/sysconfig/clock": b'ZONE="UTC"\nUTC=true\nARC=false\n',
        "proc/cmdline": f"{h.kernel_cmdline}\n".encode(),
        "boot/grub/grub.conf": xen3.grub_conf(
            h, root="/dev/VolGroup00/LogVol00",
            entries=[("2.6.18-92.1.22.el5", "/xen.gz-2.6.18-92.1.22.el5")]).encode().replace(
            b"root=/dev/VolGroup00/LogVol00\n\tmodule /initrd",
            b"root=/dev/VolGroup00/LogVol00 rhgb quiet\n\tmodule /initrd"),
        "etc/xen/xend-config.sxp": xend_config(dom0_min_mem=256, ballooning=None,
                                               version="3.1.2").encode(),
        "sos_commands/xen/xm_dmesg": text_bytes(xen3.xm_dmesg(h)),
        "sos_commands/xen/xm_info": xen3.xm_info(
            h, free_mib=x.free_kb // KIB,
            version_fields={"xen_major": "3", "xen_minor": "1", "xen_extra": ".2-92.1.22.el5"},
            cc="cc_compile_by=brewbuilder|cc_compile_domain=build.redhat.com|"
               "cc_compile_date=Wed Dec 17 10:27:43 EST 2008").encode(),
        "var/log/messages": text_bytes(m0),
        "var/log/messages.1": text_bytes(m1),
        "var/log/xen/xend.log": text_bytes([e.text for e in x.log.sorted()]),
    }
    built = Built(files, {
        "host": TOP + ".tar.xz", "hostname": "xen-raid04.example.net", "ram_mb": h.ram_mb,
        "dom0_pages": h.dom0_pages, "dom0_mib": h.dom0_mib, "xen_cmdline": h.xen_cmdline,
        "kernel_cmdline": h.kernel_cmdline, "boot": boot, "collected": collected,
        "starts": starts, "targets": x.targets, "episodes": [ep1, ep2], "bdf": BDF,
        "messages_lines": {"messages.1": len(m1), "messages": len(m0)},
    })
    built.archive = tar_xz_bytes(TOP, files)
    return built
