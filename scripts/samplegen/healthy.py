"""web-healthy01: a plain Ubuntu 19.10 web server, no Xen, nothing wrong; two boots across New Year.

    Jan  7 06:41:12 web-healthy01 kernel: [    0.000000] Linux version 5.3.0-26-generic ...
    [    0.000000] Linux version 5.3.0-26-generic ...

kern.log lines carry the kernel's ``[uptime]`` after ``kernel:`` (rsyslog imklog); ``dmesg`` is
the ring buffer of the current boot with the same uptimes, so wall time can be anchored. The
rotated family runs Dec 2019 -> Jan 2020 without years in its stamps (year inference).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .common import Timeline, gzip_bytes, syslog_line, text_bytes
from .xen07 import Built

SEED = 20200109
HOST = "web-healthy01"
MAC = "MAC=d4:ae:52:c1:9e:20:00:1c:7f:3a:55:01:08:00"


def boot_messages(kver: str, build: str) -> list[tuple[float, str]]:
    """(uptime, message) of a 5.3 boot on a Dell PowerEdge R230 (e1000e, ahci)."""
    msgs = [
        f"Linux version {kver} {build}",
        f"Command line: BOOT_IMAGE=/boot/vmlinuz-{kver} root=UUID=3f6c0d52-8d1e-4b6a-9a57-0c8d2e41b9f7 ro quiet splash",
        "KERNEL supported cpus:", "  Intel GenuineIntel", "  AMD AuthenticAMD",
        "x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
        "BIOS-provided physical RAM map:",
        "BIOS-e820: [mem 0x0000000000000000-0x000000000009bfff] usable",
        "BIOS-e820: [mem 0x0000000000100000-0x000000007a8fcfff] usable",
        "BIOS-e820: [mem 0x0000000100000000-0x000000047fffffff] usable",
        "NX (Execute Disable) protection: active",
        "SMBIOS 3.0 present.",
        "DMI: Dell Inc. PowerEdge R230/0FRVY0, BIOS 2.8.0 05/23/2019",
        "tsc: Detected 3000.000 MHz processor",
        "Kernel command line: BOOT_IMAGE=/boot/vmlinuz-" + kver +
        " root=UUID=3f6c0d52-8d1e-4b6a-9a57-0c8d2e41b9f7 ro quiet splash",
        "Dentry cache hash table entries: 2097152 (order: 12, 16777216 bytes, linear)",
        "Inode-cache hash table entries: 1048576 (order: 11, 8388608 bytes, linear)",
        "Memory: 16172392K/16666152K available (14339K kernel code, 2400K rwdata, 4700K rodata, "
        "2660K init, 5076K bss, 493760K reserved, 0K cma-reserved)",
        "rcu: Hierarchical RCU implementation.",
        "Console: colour dummy device 80x25",
        "printk: console [tty0] enabled",
        "ACPI: Core revision 20190703",
        "smpboot: CPU0: Intel(R) Xeon(R) CPU E3-1220 v6 @ 3.00GHz (family: 0x6, model: 0x9e, stepping: 0x9)",
        "smp: Brought up 1 node, 4 CPUs",
        "devtmpfs: initialized",
        "NET: Registered protocol family 16",
        "PCI: Using configuration type 1 for base access",
        "ACPI: Interpreter enabled",
        "ACPI: PCI Root Bridge [PCI0] (domain 0000 [bus 00-fe])",
        "SCSI subsystem initialized",
        "TCP established hash table entries: 131072 (order: 8, 1048576 bytes, linear)",
        "TCP: Hash tables configured (established 131072 bind 65536)",
        "NET: Registered protocol family 1",
        "Trying to unpack rootfs image as initramfs...",
        "Freeing initrd memory: 56412K",
        "usbcore: registered new interface driver usbfs",
        "xhci_hcd 0000:00:14.0: xHCI Host Controller",
        "xhci_hcd 0000:00:14.0: new USB bus registered, assigned bus number 1",
        "hub 1-0:1.0: USB hub found",
        "hub 1-0:1.0: 16 ports detected",
        "e1000e: Intel(R) PRO/1000 Network Driver - 3.2.6-k",
        "e1000e 0000:00:1f.6: Interrupt Throttling Rate (ints/sec) set to dynamic conservative mode",
        "ahci 0000:00:17.0: AHCI 0001.0301 32 slots 6 ports 6 Gbps 0x3f impl SATA mode",
        "scsi host0: ahci",
        "ata1: SATA link up 6.0 Gbps (SStatus 133 SControl 300)",
        "ata1.00: ATA-10: ST1000NM0055-1V410C, TN02, max UDMA/133",
        "scsi 0:0:0:0: Direct-Access     ATA      ST1000NM0055-1V4 TN02 PQ: 0 ANSI: 5",
        "sd 0:0:0:0: [sda] 1953525168 512-byte logical blocks: (1.00 TB/932 GiB)",
        " sda: sda1 sda2",
        "sd 0:0:0:0: [sda] Attached SCSI disk",
        "e1000e 0000:00:1f.6 eth0: (PCI Express:2.5GT/s:Width x1) d4:ae:52:c1:9e:20",
        "e1000e 0000:00:1f.6 eth0: Intel(R) PRO/1000 Network Connection",
        "e1000e 0000:00:1f.6 eno1: renamed from eth0",
        "EXT4-fs (sda2): mounted filesystem with ordered data mode. Opts: (null)",
        "systemd[1]: systemd 242 running in system mode. (+PAM +AUDIT +SELINUX +IMA +APPARMOR)",
        "systemd[1]: Detected architecture x86-64.",
        "systemd[1]: Set hostname to <web-healthy01>.",
        "EXT4-fs (sda2): re-mounted. Opts: errors=remount-ro",
        "lp: driver loaded but no devices found",
        "ipmi_si IPI0001:00: IPMI kcs interface initialized",
        "audit: type=1400 audit(%d.212:2): apparmor=\"STATUS\" operation=\"profile_load\" "
        "profile=\"unconfined\" name=\"/usr/sbin/ntpd\" pid=702 comm=\"apparmor_parser\"",
        "IPv6: ADDRCONF(NETDEV_UP): eno1: link is not ready",
        "e1000e: eno1 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
        "IPv6: ADDRCONF(NETDEV_CHANGE): eno1: link becomes ready",
    ]
    out, up = [], 0.0
    rng = random.Random(kver)
    for i, m in enumerate(msgs):
        if i < 16:
            up = 0.0 if i < 14 else up
        else:
            up += rng.uniform(0.0004, 0.09) if i < 52 else rng.uniform(0.2, 1.4)
        out.append((round(up, 6), m))
    return out


def build_healthy() -> Built:
    rng = random.Random(SEED)
    kern = Timeline()  # (wall, kern.log line)
    dmesg: list[str] = []
    boots = [
        (datetime(2019, 12, 23, 9, 12, 40), "5.3.0-24-generic",
         "(buildd@lgw01-amd64-038) (gcc version 9.2.1 20191008 (Ubuntu 9.2.1-9ubuntu2)) "
         "#26-Ubuntu SMP Thu Nov 14 01:33:18 UTC 2019 (Ubuntu 5.3.0-24.26-generic 5.3.10)"),
        (datetime(2020, 1, 7, 6, 41, 2), "5.3.0-26-generic",
         "(buildd@lgw01-amd64-039) (gcc version 9.2.1 20191008 (Ubuntu 9.2.1-9ubuntu2)) "
         "#28-Ubuntu SMP Wed Dec 18 05:37:46 UTC 2019 (Ubuntu 5.3.0-26.28-generic 5.3.13)"),
    ]
    collected = datetime(2020, 1, 9, 11, 5, 37)
    ends = [datetime(2020, 1, 7, 6, 39, 51), collected]
    for bi, ((boot, kver, build), end) in enumerate(zip(boots, ends)):
        rsyslog_up = boot + timedelta(seconds=10)
        epoch = int((boot - datetime(1970, 1, 1)).total_seconds()) + 4
        entries = [(u, m % epoch if "%d" in m else m) for u, m in boot_messages(kver, build)]
        up = entries[-1][0]
        t = boot + timedelta(seconds=int(up) + 1)
        events = []
        while True:  # UFW blocks from internet scanners, every few minutes to an hour
            t += timedelta(seconds=rng.randrange(240, 3600))
            if t >= end:
                break
            src = f"{rng.choice((45, 185, 92, 193, 89))}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            port = rng.choice((22, 23, 445, 3389, 8080, 5900, 1433, 8443))
            events.append((t, f"[UFW BLOCK] IN=eno1 OUT= {MAC} SRC={src} DST=203.0.113.41 LEN=40 "
                              f"TOS=0x00 PREC=0x00 TTL={rng.randrange(230, 250)} ID={rng.randrange(65536)} "
                              f"PROTO=TCP SPT={rng.randrange(1024, 65535)} DPT={port} WINDOW=1024 RES=0x00 SYN URGP=0"))
        if bi == 0:
            link = datetime(2019, 12, 30, 14, 2, 17)  # someone reseated the uplink cable
            events += [(link, "e1000e: eno1 NIC Link is Down"),
                       (link + timedelta(seconds=4), "e1000e: eno1 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx")]
        else:
            usb = datetime(2020, 1, 8, 10, 17, 51)  # a USB stick for a firmware update
            events += [(usb, "usb 1-4: new high-speed USB device number 3 using xhci_hcd"),
                       (usb, "usb 1-4: New USB device found, idVendor=0781, idProduct=5567, bcdDevice= 1.00"),
                       (usb, "usb-storage 1-4:1.0: USB Mass Storage device detected"),
                       (usb + timedelta(seconds=1), "scsi host6: usb-storage 1-4:1.0"),
                       (usb + timedelta(seconds=2), "sd 6:0:0:0: [sdb] 30595072 512-byte logical blocks: (15.7 GB/14.6 GiB)"),
                       (usb + timedelta(seconds=2), " sdb: sdb1"),
                       (usb + timedelta(seconds=2), "sd 6:0:0:0: [sdb] Attached SCSI removable disk"),
                       (usb + timedelta(minutes=6, seconds=3), "usb 1-4: USB disconnect, device number 3")]
        for ts, m in sorted(events):
            u = (ts - boot).total_seconds() + rng.randrange(0, 999999) / 1e6
            entries.append((u, m))
        entries.sort(key=lambda e: e[0])
        for u, m in entries:
            wall = max(rsyslog_up, boot + timedelta(seconds=int(u)))
            kern.add(wall, syslog_line(wall, HOST, "kernel", f"[{u:12.6f}] {m}"))
            if bi == 1:
                dmesg.append(f"[{u:12.6f}] {m}")
    cuts = [datetime(2019, 12, 29, 6, 25, 4), datetime(2020, 1, 5, 6, 25, 3)]
    bounds = [datetime.min, *cuts, datetime.max]
    parts = [[e.text for e in kern.between(lo, hi)] for lo, hi in zip(bounds, bounds[1:])]
    k2, k1, k0 = parts
    files = {
        "hostname": f"{HOST}\n".encode(),
        "date": b"Thu Jan  9 11:05:37 UTC 2020\n",
        "etc/timezone": b"Etc/UTC\n",
        "dmesg": text_bytes(dmesg),
        "var/log/kern.log": text_bytes(k0),
        "var/log/kern.log.1": text_bytes(k1),
        "var/log/kern.log.2.gz": gzip_bytes(text_bytes(k2)),
    }
    return Built(files, {
        "host": HOST, "boots": [b[0] for b in boots], "kernels": [b[1] for b in boots],
        "collected": collected, "rotation_cuts": cuts,
        "lines": {"kern.log.2.gz": len(k2), "kern.log.1": len(k1), "kern.log": len(k0),
                  "dmesg": len(dmesg)},
    })
