"""xl-modern01: Debian 12 Dom0 (Linux 6.1 pvops, Xen 4.17, xl toolstack) without ``dom0_mem=``.

    2023-09-18T15:58:42+00:00 xl-modern01 kernel: ksoftirqd/3: page allocation failure: order:2, ...
    2023-09-18T16:04:19+00:00 xl-modern01 kernel: qemu-system-i38 invoked oom-killer: ...

``autoballoon="auto"`` (the default) and no ``dom0_mem=`` on the Xen line: xl shrinks Dom0
silently before every ``xl create``, until Dom0 itself runs out of memory. The journal export is
``journalctl --no-pager -o short-iso``-style text with a ``-- Boot <id> --`` marker per boot.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .common import Timeline, text_bytes, uuid
from .modern_text import ALLOC_FAILURE, OOM_REPORT, XL_CONF
from .xen07 import Built

SEED = 20230919
HOST = "xl-modern01"
KVER = "6.1.0-12-amd64"
KBUILD = ("(debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU "
          "Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.52-1 (2023-09-07)")
XEN_CMDLINE = "placeholder no-real-mode edd=off"
RAM_KB = 16776724
DOM0_PAGES = 4126232
BOOT_IDS = ("6f1c2a9e0b7d4c35a8e21f4b90d3c7e1", "c27d9e3f51a04b6e9d8c0a7f3e2b1d45")


class Journal:
    def __init__(self):
        self.tl = Timeline()

    def add(self, ts: datetime, prog: str, msg: str) -> None:
        self.tl.add(ts, f"{ts:%Y-%m-%dT%H:%M:%S}+00:00 {HOST} {prog}: {msg}")


def xl_dmesg() -> list[str]:
    low_end = 0x100000 + (RAM_KB - 636 - 12_582_912) * 1024
    x = [
        "Xen 4.17.2-pre",
        "(XEN) Xen version 4.17.2-pre (Debian 4.17.1+2-gb773c48e36-1) (pkg-xen-devel@lists.alioth."
        "debian.org) (x86_64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0) debug=n Wed Aug  9 14:22:11 UTC 2023",
        "(XEN) Bootloader: GRUB 2.06-13+deb12u1",
        f"(XEN) Command line: {XEN_CMDLINE}",
        "(XEN) Xen image load base address: 0x71800000",
        "(XEN) Video information:",
        "(XEN)  VGA is text mode 80x25, font 8x16",
        "(XEN) Disc information:",
        "(XEN)  Found 2 MBR signatures",
        "(XEN)  Found 2 EDD information structures",
        "(XEN) CPU Vendor: Intel, Family 6 (0x6), Model 85 (0x55), Stepping 7 (raw 00050657)",
        "(XEN) Xen-e820 RAM map:",
        "(XEN)  [0000000000000000, 000000000009efff] (usable)",
        "(XEN)  [000000000009f000, 00000000000fffff] (reserved)",
        f"(XEN)  [0000000000100000, {low_end - 1:016x}] (usable)",
        f"(XEN)  [{low_end:016x}, 000000007fffffff] (reserved)",
        "(XEN)  [0000000080000000, 000000008fffffff] (reserved)",
        "(XEN)  [00000000fed1c000, 00000000fed44fff] (reserved)",
        "(XEN)  [00000000ff000000, 00000000ffffffff] (reserved)",
        "(XEN)  [0000000100000000, 000000037fffffff] (usable)",
        "(XEN) ACPI: RSDP 000F0510, 0024 (r2 DELL  )",
        "(XEN) ACPI: XSDT 6FE0C188, 00BC (r1 DELL   PE_SC3          0       1000013)",
        f"(XEN) System RAM: {RAM_KB >> 10}MB ({RAM_KB}kB)",
        "(XEN) Domain heap initialised",
        "(XEN) ACPI: 32/64X FACS address mismatch in FADT - 6fd8e000/0000000000000000, using 32",
        "(XEN) IOAPIC[0]: apic_id 8, version 32, address 0xfec00000, GSI 0-23",
        "(XEN) Enabling APIC mode.  Using 1 I/O APICs",
        "(XEN) Switched to APIC driver x2apic_cluster",
        "(XEN) xstate: size: 0xa88 and states: 0x2ff",
        "(XEN) CPU0: Intel machine check reporting enabled",
        "(XEN) Speculative mitigation facilities:",
        "(XEN)   Hardware hints: RDCL_NO IBRS_ALL SKIP_L1DFL MDS_NO TSX_CTRL",
        "(XEN) Using scheduler: SMP Credit Scheduler rev2 (credit2)",
        "(XEN) Initializing Credit2 scheduler",
        "(XEN) Platform timer is 24.000MHz HPET",
        "(XEN) Detected 2095.076 MHz processor.",
        "(XEN) Intel VT-d iommu 0 supported page sizes: 4kB, 2MB, 1GB",
        "(XEN) Intel VT-d Snoop Control enabled.",
        "(XEN) Intel VT-d Queued Invalidation enabled.",
        "(XEN) Intel VT-d Interrupt Remapping enabled.",
        "(XEN) I/O virtualisation enabled",
        "(XEN) ENABLING IO-APIC IRQs",
        "(XEN)  -> Using new ACK method",
        "(XEN) VMX: Supported advanced features:",
        "(XEN)  - APIC MMIO access virtualisation",
        "(XEN)  - Extended Page Tables (EPT)",
        "(XEN) HVM: ASIDs enabled.",
        "(XEN) HVM: VMX enabled",
        "(XEN) HVM: Hardware Assisted Paging (HAP) detected",
        "(XEN) Brought up 16 CPUs",
        "(XEN) Scheduling granularity: cpu, 1 CPU per sched-resource",
        "(XEN) Dom0 has maximum 856 PIRQs",
        "(XEN) *** Building a PV Dom0 ***",
        "(XEN)  Xen  kernel: 64-bit, lsb",
        "(XEN)  Dom0 kernel: 64-bit, PAE, lsb, paddr 0x1000000 -> 0x3e2c000",
        "(XEN) PHYSICAL MEMORY ARRANGEMENT:",
        f"(XEN)  Dom0 alloc.:   0000000368000000->000000036c000000 ({DOM0_PAGES} pages to be allocated)",
        "(XEN)  Init. ramdisk: 000000037e0f3000->000000037fdff2b7",
        "(XEN) VIRTUAL MEMORY ARRANGEMENT:",
        "(XEN)  Loaded kernel: ffffffff81000000->ffffffff83e2c000",
        "(XEN)  Phys-Mach map: 0000008000000000->0000008001f7b8c0",
        "(XEN)  Start info:    ffffffff83e2c000->ffffffff83e2c4b8",
        "(XEN)  Page tables:   ffffffff83e2d000->ffffffff83e4e000",
        "(XEN)  Boot stack:    ffffffff83e4e000->ffffffff83e4f000",
        "(XEN)  TOTAL:         ffffffff80000000->ffffffff84000000",
        "(XEN)  ENTRY ADDRESS: ffffffff82e7b1c0",
        "(XEN) Dom0 has maximum 16 VCPUs",
        "(XEN) Initial low memory virq threshold set at 0x4000 pages.",
        "(XEN) Scrubbing Free RAM in background",
        "(XEN) Std. Loglevel: Errors and warnings",
        "(XEN) Guest Loglevel: Nothing (Rate-limited: Errors and warnings)",
        "(XEN) ***************************************************",
        "(XEN) Booted on L1TF-vulnerable hardware with SMT/Hyperthreading",
        "(XEN) enabled.  Please assess your configuration and choose an",
        "(XEN) explicit 'smt=<bool>' setting.  See XSA-273.",
        "(XEN) ***************************************************",
        "(XEN) 3... 2... 1... ",
        "(XEN) *** Serial input to DOM0 (type 'CTRL-a' three times to switch input)",
        "(XEN) Freed 644kB init memory",
    ]
    return x


def kernel_boot(j: Journal, t: datetime, boot_uuid: str) -> None:
    lines = [
        f"Linux version {KVER} {KBUILD}",
        f"Command line: placeholder root=UUID={boot_uuid} ro quiet",
        "x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
        "Released 0 page(s)",
        "BIOS-provided physical RAM map:",
        "Xen: [mem 0x0000000000000000-0x000000000009efff] usable",
        "Xen: [mem 0x000000000009f000-0x00000000000fffff] reserved",
        "Xen: [mem 0x0000000000100000-0x000000006fd7efff] usable",
        "Xen: [mem 0x0000000100000000-0x000000037fffffff] usable",
        "NX (Execute Disable) protection: active",
        "SMBIOS 3.2.0 present.",
        "DMI: Dell Inc. PowerEdge R440/0XP8V5, BIOS 2.17.1 11/15/2022",
        "Hypervisor detected: Xen PV",
        "tsc: Detected 2095.076 MHz processor",
        "Booting kernel on Xen",
        "Xen version: 4.17.2-pre (preserve-AD)",
        f"Kernel command line: placeholder root=UUID={boot_uuid} ro quiet",
        "Dentry cache hash table entries: 2097152 (order: 12, 16777216 bytes, linear)",
        "Inode-cache hash table entries: 1048576 (order: 11, 8388608 bytes, linear)",
        "software IO TLB: mapped [mem 0x0000000362a00000-0x0000000366a00000] (64MB)",
        f"Memory: 16161588K/{DOM0_PAGES * 4}K available (14342K kernel code, 2332K rwdata, 9060K "
        "rodata, 2796K init, 17404K bss, 343084K reserved, 0K cma-reserved)",
        "xen:events: Using FIFO-based ABI",
        "xen: --> pirq=1 -> irq=1 (gsi=1)",
        "Grant tables using version 1 layout",
        "Grant table initialized",
        "xen:balloon: Initialising balloon driver",
        "TCP established hash table entries: 131072 (order: 8, 1048576 bytes, linear)",
        "TCP: Hash tables configured (established 131072 bind 65536)",
        "xen:grant_table: Grant tables using version 1 layout",
        "megaraid_sas 0000:18:00.0: FW now in Ready state",
        "megaraid_sas 0000:18:00.0: BAR:0x1  BAR's base_addr(phys):0x00000000ab700000  mapped virt_addr:0x00000000b0c1e3f5",
        "scsi host0: Avago SAS based MegaRAID driver",
        "sd 0:2:0:0: [sda] 3905945600 512-byte logical blocks: (2.00 TB/1.82 TiB)",
        "sd 0:2:0:0: [sda] Attached SCSI disk",
        "EXT4-fs (sda2): mounted filesystem with ordered data mode. Quota mode: none.",
        "systemd[1]: Inserted module 'autofs4'",
        "systemd[1]: systemd 252.12-1~deb12u1 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR)",
        "tg3 0000:04:00.0 eno1: Tigon3 [partno(BCM95720) rev 5720000] (PCI Express) MAC address d0:94:66:2b:7e:10",
        "tg3 0000:04:00.0 eno1: Link is up at 1000 Mbps, full duplex",
        "xenbr0: port 1(eno1) entered blocking state",
        "xenbr0: port 1(eno1) entered disabled state",
        "device eno1 entered promiscuous mode",
        "xenbr0: port 1(eno1) entered blocking state",
        "xenbr0: port 1(eno1) entered forwarding state",
        "IPv6: ADDRCONF(NETDEV_CHANGE): xenbr0: link becomes ready",
    ]
    for i, msg in enumerate(lines):
        j.add(t + timedelta(seconds=i // 12), "kernel", msg)


def systemd_boot(j: Journal, t: datetime) -> datetime:
    for sec, prog, msg in [
        (4, "systemd[1]", "Starting systemd-journald.service - Journal Service..."),
        (4, "systemd-journald[402]", "Journal started"),
        (5, "systemd[1]", "Started systemd-udevd.service - Rule-based Manager for Device Events and Files."),
        (7, "systemd[1]", "Mounting proc-xen.mount - Mount /proc/xen files..."),
        (7, "systemd[1]", "Mounted proc-xen.mount - Mount /proc/xen files."),
        (8, "systemd[1]", "Starting xenstored.service - The Xen xenstore..."),
        (8, "systemd[1]", "Started xenstored.service - The Xen xenstore."),
        (9, "systemd[1]", "Starting xenconsoled.service - Xenconsoled - handles logging from guest consoles and hypervisor..."),
        (9, "systemd[1]", "Started xenconsoled.service - Xenconsoled - handles logging from guest consoles and hypervisor."),
        (9, "systemd[1]", "Started xen-qemu-dom0-disk-backend.service - qemu for xen dom0 disk backend."),
        (10, "systemd[1]", "Starting ssh.service - OpenBSD Secure Shell server..."),
        (10, "sshd[1021]", "Server listening on 0.0.0.0 port 22."),
        (10, "systemd[1]", "Started ssh.service - OpenBSD Secure Shell server."),
        (11, "systemd[1]", "Starting xendomains.service - Xendomains - start and stop guests on boot and shutdown..."),
    ]:
        j.add(t + timedelta(seconds=sec), prog, msg)
    return t + timedelta(seconds=12)


def domu_start(j: Journal, rng, t: datetime, domid: int, port: int) -> None:
    p = 5400 + domid * 37
    for sec, prog, msg in [
        (1, f"root[{p}]", f"/etc/xen/scripts/block: add XENBUS_PATH=backend/vbd/{domid}/51712"),
        (1, f"root[{p + 9}]", f"/etc/xen/scripts/vif-bridge: online type_if=vif XENBUS_PATH=backend/vif/{domid}/0"),
        (1, "kernel", f"xenbr0: port {port}(vif{domid}.0) entered blocking state"),
        (1, "kernel", f"xenbr0: port {port}(vif{domid}.0) entered disabled state"),
        (1, "kernel", f"device vif{domid}.0 entered promiscuous mode"),
        (1, f"root[{p + 21}]", f"/etc/xen/scripts/block: Writing backend/vbd/{domid}/51712/physical-device fe:{domid + 2} to xenstore."),
        (1, f"root[{p + 24}]", f"/etc/xen/scripts/block: Writing backend/vbd/{domid}/51712/hotplug-status connected to xenstore."),
        (1, f"root[{p + 30}]", f"/etc/xen/scripts/vif-bridge: Successful vif-bridge online for vif{domid}.0, bridge xenbr0."),
        (1, f"root[{p + 33}]", f"/etc/xen/scripts/vif-bridge: Writing backend/vif/{domid}/0/hotplug-status connected to xenstore."),
        (4, "kernel", f"xen-blkback: backend/vbd/{domid}/51712: using 2 queues, protocol 1 (x86_64-abi) persistent grants"),
        (5, "kernel", f"vif vif-{domid}-0 vif{domid}.0: Guest Rx ready"),
        (5, "kernel", f"xenbr0: port {port}(vif{domid}.0) entered blocking state"),
        (5, "kernel", f"xenbr0: port {port}(vif{domid}.0) entered forwarding state"),
    ]:
        j.add(t + timedelta(seconds=sec), prog, msg)


GUESTS = [("dns02", 1024), ("web01", 2048), ("web02", 2048), ("mail02", 2048),  # at boot
          ("web03", 2048), ("db04", 4096), ("ci01", 2048)]  # xl create during the day


def build_modern() -> Built:
    rng = random.Random(SEED)
    j = Journal()
    root_uuid = uuid(rng)
    # boot 0: the previous boot (Sep 14 .. Sep 18 maintenance reboot), benign only
    b0 = datetime(2023, 9, 14, 8, 31, 2)
    kernel_boot(j, b0, root_uuid)
    t = systemd_boot(j, b0 + timedelta(seconds=5))
    for port, ((name, mib), i) in enumerate(zip(GUESTS[:4], range(4)), start=2):
        domu_start(j, rng, t + timedelta(seconds=4 + 14 * i), i + 1, port)
    j.add(t + timedelta(seconds=60), "systemd[1]", "Finished xendomains.service - Xendomains - start and stop guests on boot and shutdown.")
    t0 = b0 + timedelta(minutes=10)
    end0 = datetime(2023, 9, 18, 8, 58, 40)
    while t0 < end0:
        j.add(t0, "CRON[%d]" % rng.randrange(20000, 90000), "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)")
        if rng.random() < 0.3:
            j.add(t0 + timedelta(minutes=23, seconds=rng.randrange(60)), "systemd[1]",
                  "Starting apt-daily.service - Daily apt download activities...")
        t0 += timedelta(hours=1)
    j.add(end0, "sshd[%d]" % 81234, "Accepted publickey for admin from 10.30.0.12 port 50122 ssh2: ED25519 SHA256:7pQ1mGf0xYk2wq3bS1hC0lTqL1zZfYv8m9mWm4gHk2A")
    j.add(end0 + timedelta(seconds=55), "systemd-logind[801]", "The system will reboot now!")
    j.add(end0 + timedelta(seconds=56), "systemd[1]", "Stopping xendomains.service - Xendomains - start and stop guests on boot and shutdown...")
    j.add(end0 + timedelta(seconds=70), "systemd-shutdown[1]", "Syncing filesystems and block devices.")
    # boot 1: the current boot
    b1 = datetime(2023, 9, 18, 9, 2, 11)
    kernel_boot(j, b1, root_uuid)
    t = systemd_boot(j, b1 + timedelta(seconds=5))
    starts = []
    domid = 1
    when = [t + timedelta(seconds=4 + 14 * i) for i in range(4)] + [
        datetime(2023, 9, 18, 13, 20, 7), datetime(2023, 9, 18, 14, 41, 55),
        datetime(2023, 9, 18, 15, 31, 18)]
    for port, ((name, mib), ts) in enumerate(zip(GUESTS, when), start=2):
        domu_start(j, rng, ts, domid, port)
        starts.append({"name": name, "domid": domid, "mib": mib, "time": ts})
        domid += 1
    j.add(when[3] + timedelta(seconds=9), "systemd[1]", "Finished xendomains.service - Xendomains - start and stop guests on boot and shutdown.")
    t0 = b1 + timedelta(minutes=58)
    end1 = datetime(2023, 9, 19, 16, 40, 2)
    while t0 < end1:
        j.add(t0, "CRON[%d]" % rng.randrange(20000, 90000), "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)")
        t0 += timedelta(hours=1)
    fail_t = datetime(2023, 9, 18, 15, 58, 42)
    for line in ALLOC_FAILURE.splitlines():
        j.add(fail_t, "kernel", line)
    j.add(fail_t + timedelta(seconds=3), "kernel", "net_ratelimit: 38 callbacks suppressed")
    oom_t = datetime(2023, 9, 18, 16, 4, 19)
    for line in OOM_REPORT.splitlines():
        j.add(oom_t, "kernel", line)
    j.add(oom_t, "systemd[1]", "xen-qemu-dom0-disk-backend.service: A process of this unit has been killed by the OOM killer.")
    j.add(oom_t + timedelta(seconds=1), "systemd[1]", "xen-qemu-dom0-disk-backend.service: Main process exited, code=killed, status=9/KILL")
    j.add(oom_t + timedelta(seconds=1), "systemd[1]", "xen-qemu-dom0-disk-backend.service: Failed with result 'oom-kill'.")
    web03 = starts[4]
    crash_t = oom_t + timedelta(seconds=6)
    d, port = web03["domid"], 6
    for prog, msg in [
        ("kernel", f"xenbr0: port {port}(vif{d}.0) entered disabled state"),
        ("kernel", f"device vif{d}.0 left promiscuous mode"),
        ("kernel", f"xenbr0: port {port}(vif{d}.0) entered disabled state"),
        (f"root[{31877}]", f"/etc/xen/scripts/vif-bridge: offline type_if=vif XENBUS_PATH=backend/vif/{d}/0"),
        (f"root[{31902}]", f"/etc/xen/scripts/block: remove XENBUS_PATH=backend/vbd/{d}/51712"),
    ]:
        j.add(crash_t, prog, msg)
    ordered = j.tl.sorted()
    first_b1 = next(i for i, e in enumerate(ordered) if e.ts >= b1)
    lines = [e.text for e in ordered]
    lines.insert(first_b1, f"-- Boot {BOOT_IDS[1]} --")
    xl_web03 = [
        f"Waiting for domain web03 (domid {d}) to die [pid 4412]",
        f"Domain {d} has shut down, reason code 3 0x3",
        "Action for shutdown reason code 3 is destroy",
        f"Domain {d} needs to be cleaned up: destroying the domain",
        "Done. Exiting now",
    ]
    xl_info = [
        ("host", HOST), ("release", KVER),
        ("version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.52-1 (2023-09-07)"), ("machine", "x86_64"),
        ("nr_cpus", 16), ("max_cpu_id", 15), ("nr_nodes", 1), ("cores_per_socket", 8),
        ("threads_per_core", 2), ("cpu_mhz", "2095.076"),
        ("hw_caps", "bfebfbff:77fefbff:2c100800:00000121:0000000f:d39ffffb:00000008:00000100"),
        ("virt_caps", "pv hvm hvm_directio pv_directio hap shadow iommu_hap_pt_share gnttab-v1 gnttab-v2"),
        ("total_memory", RAM_KB >> 10), ("free_memory", 41), ("sharing_freed_memory", 0),
        ("sharing_used_memory", 0), ("outstanding_claims", 0), ("free_cpus", 0),
        ("xen_major", 4), ("xen_minor", 17), ("xen_extra", ".2-pre"), ("xen_version", "4.17.2-pre"),
        ("xen_caps", "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 "),
        ("xen_scheduler", "credit2"), ("xen_pagesize", 4096),
        ("platform_params", "virt_start=0xffff800000000000"), ("xen_changeset", ""),
        ("xen_commandline", XEN_CMDLINE),
        ("cc_compiler", "x86_64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0"),
        ("cc_compile_by", "pkg-xen-devel"), ("cc_compile_domain", "lists.alioth.debian.org"),
        ("cc_compile_date", "Wed Aug  9 14:22:11 UTC 2023"),
        ("build_id", "4c8e0f7d2b1a9e6f3c5d8a7b0e1f2d3c4b5a6978"), ("xend_config_format", 4),
    ]
    files = {
        "hostname": f"{HOST}\n".encode(),
        "date": b"Tue Sep 19 16:40:02 UTC 2023\n",
        "etc/timezone": b"Etc/UTC\n",
        "etc/xen/xl.conf": XL_CONF.encode(),
        "proc/cmdline": f"placeholder root=UUID={root_uuid} ro quiet\n".encode(),
        "sos_commands/xen/xl_dmesg": text_bytes(xl_dmesg()),
        "sos_commands/xen/xl_info": "".join(f"{k:<23}: {v}\n" for k, v in xl_info).encode(),
        "sos_commands/logs/journalctl_--no-pager": text_bytes(lines),
        "var/log/xen/xl-web03.log": text_bytes(xl_web03),
    }
    return Built(files, {
        "host": HOST, "ram_mb": RAM_KB >> 10, "dom0_pages": DOM0_PAGES,
        "dom0_mib": DOM0_PAGES * 4 // 1024, "xen_cmdline": XEN_CMDLINE, "boots": [b0, b1],
        "starts": starts, "alloc_failure": fail_t, "oom": oom_t, "crash": crash_t,
        "journal_lines": len(lines), "boot_ids": BOOT_IDS,
    })
