"""RHEL 5 Dom0 syslog: the xenlinux kernel boot as klogd writes it, daemons, DomU start lines.

    Mar  2 06:05:41 xen07 kernel: Memory: 8073191k/8132608k available (2559k kernel code, ...)
    Mar  2 08:41:18 xen07 kernel: blkback: ring-ref 8, event-channel 9, protocol 1 (x86_64-abi)

RHEL 5 writes no ``[uptime]`` after ``kernel:``; everything klogd finds in the ring buffer at
start-up gets klogd's start time. Hotplug scripts log through ``logger`` (tag ``logger``).
Sizes (hash tables, swiotlb, ``Memory:``) follow from the ``XenHost``'s Dom0 page count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .common import Pids, Timeline, syslog_line
from .xen3 import KIB, XenHost, _order, _pow2_at_least
from .xend import Guest

# ---------------------------------------------------------------------------------------------
# RHEL 5 Dom0 kernel boot as klogd writes it to /var/log/messages (no [uptime] on RHEL 5)


def hash_lines(pages: int) -> dict[str, str]:
    dentry = _pow2_at_least(pages // 2)
    inode = dentry // 2
    tcp = _pow2_at_least(pages // 4)
    bind = min(65536, tcp)
    route = _pow2_at_least(pages // 8) if pages > 1_000_000 else _pow2_at_least(pages // 8) // 2
    route = max(route, 8192)
    pid = 4096 if pages > 200_000 else 2048
    return {
        "pid": f"PID hash table entries: {pid} (order: {pid.bit_length() - 1}, {pid * 8} bytes)",
        "dentry": f"Dentry cache hash table entries: {dentry} "
                  f"(order: {_order(dentry * 8)}, {dentry * 8} bytes)",
        "inode": f"Inode-cache hash table entries: {inode} "
                 f"(order: {_order(inode * 8)}, {inode * 8} bytes)",
        "route": f"IP route cache hash table entries: {route} "
                 f"(order: {_order(route * 8)}, {route * 8} bytes)",
        "tcp": f"TCP established hash table entries: {tcp} "
               f"(order: {_order(tcp * 16)}, {tcp * 16} bytes)",
        "bind": f"TCP bind hash table entries: {bind} (order: {_order(bind * 16)}, {bind * 16} bytes)",
        "tcpcfg": f"TCP: Hash tables configured (established {tcp} bind {bind})",
    }


def dom0_boot_kernel(h: XenHost, *, audit_epoch: int) -> list[str]:
    """Kernel messages of the Dom0 boot, in ring-buffer order (no prefixes)."""
    total = h.kernel_total_kb
    reserved = 41_688 + h.dom0_pages // 180
    avail = total - reserved - 2_559 - 1_431 - 200 - h.dom0_pages // 900
    hs = hash_lines(h.dom0_pages)
    swiotlb_start = 0xFFFF880001EB5000 if h.dom0_pages > 200_000 else 0xFFFF880000E3C000
    nic_mac = "00:1e:c9:b3:4a:1" if "xen07" in h.hostname else "00:19:b9:e0:7c:2"
    k = [
        f"Bootdata ok (command line is {h.kernel_cmdline})",
        f"Linux version {h.kernel} {h.kernel_build}",
        "BIOS-provided physical RAM map:",
        f" Xen: 0000000000000000 - {total * KIB:016x} (usable)",
        "DMI 2.5 present.",
        "ACPI: LAPIC (acpi_id[0x01] lapic_id[0x00] enabled)",
        "ACPI: IOAPIC (id[0x08] address[0xfec00000] gsi_base[0])",
        "IOAPIC[0]: apic_id 8, version 32, address 0xfec00000, GSI 0-23",
        "ACPI: IOAPIC (id[0x09] address[0xfec80000] gsi_base[24])",
        "IOAPIC[1]: apic_id 9, version 32, address 0xfec80000, GSI 24-47",
        "ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 high edge)",
        "Setting APIC routing to xen",
        "Using ACPI (MADT) for SMP configuration information",
        "Allocating PCI resources starting at d2000000 (gap: d0000000:10000000)",
        f"Built 1 zonelists.  Total pages: {total // 4}",
        f"Kernel command line: {h.kernel_cmdline}",
        "Initializing CPU#0",
        hs["pid"],
        f"Xen reported: {h.cpu_mhz} MHz processor.",
        "Console: colour VGA+ 80x25",
        hs["dentry"],
        hs["inode"],
        "Software IO TLB enabled: ",
        " Aperture:     64 megabytes",
        f" Kernel range: 0x{swiotlb_start:016x} - 0x{swiotlb_start + (64 << 20):016x}",
        "PCI-DMA: Using software bounce buffering for IO (SWIOTLB)",
        f"Memory: {avail}k/{total}k available (2559k kernel code, {reserved}k reserved, "
        "1431k data, 200k init)",
        "Calibrating delay using timer specific routine.. 5003.61 BogoMIPS (lpj=10007233)",
        "Security Framework v1.0.0 initialized",
        "SELinux:  Initializing.",
        "selinux_register_security:  Registering secondary module capability",
        "Capability LSM initialized as secondary",
        "Mount-cache hash table entries: 256",
        "CPU: L1 I cache: 32K, L1 D cache: 32K",
        "CPU: L2 cache: 6144K",
        "CPU: Physical Processor ID: 0",
        "CPU: Processor Core ID: 0",
        "(SMP-)alternatives turned off",
        f"Brought up {h.cpus} CPUs",
        "checking if image is initramfs... it is",
        "Grant table initialized",
        "NET: Registered protocol family 16",
        "ACPI: bus type pci registered",
        "PCI: Using MMCONFIG at e0000000",
        "ACPI: Interpreter enabled",
        "ACPI: Using IOAPIC for interrupt routing",
        "ACPI: PCI Root Bridge [PCI0] (0000:00)",
        "xen_mem: Initialising balloon driver.",
        "usbcore: registered new driver usbfs",
        "usbcore: registered new driver hub",
        "PCI: Using ACPI for IRQ routing",
        "NetLabel: Initializing",
        "NetLabel:  domain hash size = 128",
        "NET: Registered protocol family 2",
        hs["route"],
        hs["tcp"],
        hs["bind"],
        hs["tcpcfg"],
        "TCP reno registered",
        "audit: initializing netlink socket (disabled)",
        f"type=2000 audit({audit_epoch}.431:1): initialized",
        "VFS: Disk quotas dquot_6.5.1",
        "Dquot-cache hash table entries: 512 (order 0, 4096 bytes)",
        "Initializing Cryptographic API",
        "io scheduler noop registered",
        "io scheduler anticipatory registered",
        "io scheduler deadline registered",
        "io scheduler cfq registered (default)",
        "Xen virtual console successfully installed as ttyS0",
        "Event-channel device installed.",
        "blkif_init: reqs=64, pages=704, mmap_vstart=0xffff88000a000000",
        "Uniform Multi-Platform E-IDE driver Revision: 7.00alpha2",
        "ide: Assuming 33MHz system bus speed for PIO modes; override with idebus=xx",
        "usbcore: registered new driver hiddev",
        "usbcore: registered new driver usbhid",
        "drivers/usb/input/hid-core.c: v2.6:USB HID core driver",
        "PNP: No PS/2 controller found. Probing ports directly.",
        "serio: i8042 KBD port at 0x60,0x64 irq 1",
        "NET: Registered protocol family 1",
        "NET: Registered protocol family 17",
        "Initalizing network drop monitor service",
        "Write protecting the kernel read-only data: 477k",
        "Freeing unused kernel memory: 200k freed",
        "ehci_hcd 0000:00:1d.7: EHCI Host Controller",
        "ehci_hcd 0000:00:1d.7: new USB bus registered, assigned bus number 1",
        "ehci_hcd 0000:00:1d.7: USB 2.0 started, EHCI 1.00, driver 10 Dec 2004",
        "usb usb1: configuration #1 chosen from 1 choice",
        "hub 1-0:1.0: USB hub found",
        "hub 1-0:1.0: 8 ports detected",
        "SCSI subsystem initialized",
        *h.storage,
        *h.disk_lines,
        "device-mapper: uevent: version 1.0.3",
        "device-mapper: ioctl: 4.11.5-ioctl (2007-12-12) initialised: dm-devel@redhat.com",
        "device-mapper: dm-raid45: initialized v0.2594l",
        "kjournald starting.  Commit interval 5 seconds",
        "EXT3-fs: mounted filesystem with ordered data mode.",
        "SELinux:  Disabled at runtime.",
        "SELinux:  Unregistering netfilter hooks",
        f"type=1404 audit({audit_epoch + 9}.103:2): selinux=0 auid=4294967295 ses=4294967295",
        "Broadcom NetXtreme II Gigabit Ethernet Driver bnx2 v1.7.9-1 (July 18, 2008)",
        "ACPI: PCI Interrupt 0000:05:00.0[A] -> GSI 16 (level, low) -> IRQ 18",
        f"eth0: Broadcom NetXtreme II BCM5708 1000Base-T (B2) PCI-X 64-bit 133MHz found at "
        f"mem f8000000, IRQ 18, node addr {nic_mac}0",
        "ACPI: PCI Interrupt 0000:09:00.0[A] -> GSI 16 (level, low) -> IRQ 18",
        f"eth1: Broadcom NetXtreme II BCM5708 1000Base-T (B2) PCI-X 64-bit 133MHz found at "
        f"mem f4000000, IRQ 18, node addr {nic_mac}2",
        "ACPI: PCI Interrupt 0000:00:1f.3[B] -> GSI 17 (level, low) -> IRQ 19",
        "sd 0:0:0:0: Attached scsi generic sg0 type 0",
        "input: PC Speaker as /class/input/input1",
        "dell_rbu: dell_rbu_init: hooked up",
        "lp: driver loaded but no devices found",
        "md: Autodetecting RAID arrays.",
        "md: autorun ...",
        "md: ... autorun DONE.",
        "device-mapper: multipath: version 1.0.5 loaded",
        "EXT3 FS on dm-0, internal journal",
        "kjournald starting.  Commit interval 5 seconds",
        "EXT3 FS on sda1, internal journal",
        "EXT3-fs: mounted filesystem with ordered data mode.",
        "Adding 4194296k swap on /dev/VolGroup00/LogVol01.  Priority:-1 extents:1 across:4194296k",
        "IA-32 Microcode Update Driver: v1.14-xen <tigran@veritas.com>",
        "ip_tables: (C) 2000-2006 Netfilter Core Team",
        "Netfilter messages via NETLINK v0.30.",
        "ip_conntrack version 2.4 (8192 buckets, 65536 max) - 304 bytes per conntrack",
        "bnx2: eth0: using MSI",
        "ADDRCONF(NETDEV_UP): eth0: link is not ready",
        "bnx2: eth0 NIC Copper Link is Up, 1000 Mbps full duplex",
        "ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready",
        "lo: Disabled Privacy Extensions",
    ]
    return k


def network_bridge_kernel() -> list[str]:
    """What Xen 3.x ``network-bridge start`` leaves in the kernel log (peth0/vif0.0 ports)."""
    return [
        "Bridge firewalling registered",
        "device vif0.0 entered promiscuous mode",
        "ADDRCONF(NETDEV_UP): vif0.0: link is not ready",
        "ADDRCONF(NETDEV_UP): veth0: link is not ready",
        "bnx2: peth0 NIC Copper Link is Up, 1000 Mbps full duplex",
        "device peth0 entered promiscuous mode",
        "xenbr0: port 1(peth0) entering learning state",
        "xenbr0: topology change detected, propagating",
        "xenbr0: port 1(peth0) entering forwarding state",
        "ADDRCONF(NETDEV_CHANGE): veth0: link becomes ready",
        "ADDRCONF(NETDEV_CHANGE): vif0.0: link becomes ready",
        "xenbr0: port 2(vif0.0) entering learning state",
        "xenbr0: topology change detected, propagating",
        "xenbr0: port 2(vif0.0) entering forwarding state",
    ]


def rhel5_boot(tl: Timeline, h: XenHost, boot: datetime, pids: Pids, *, audit_epoch: int,
               extra_daemons: list[tuple[int, str, str]] = ()) -> tuple[datetime, dict]:
    """Append the boot to ``tl`` (rendered syslog lines); return (host up, daemon pids)."""
    host = h.short
    d = {name: pids.next() for name in ("irqbalance", "portmap", "rpc.statd", "hcid", "smartd",
                                        "xinetd", "ntpd", "snmpd")}
    t_sys = boot + timedelta(seconds=31)
    tl.add(t_sys, syslog_line(t_sys, host, "syslogd 1.4.1", "restart."))
    tl.add(t_sys, syslog_line(t_sys, host, "kernel", "klogd 1.4.1, log source = /proc/kmsg started."))
    for msg in dom0_boot_kernel(h, audit_epoch=audit_epoch):
        tl.add(t_sys, syslog_line(t_sys, host, "kernel", msg))
    t = t_sys + timedelta(seconds=2)
    for prog, msg in [
        (f"irqbalance[{d['irqbalance']}]", "irqbalance: Balancing is ineffective on systems with a "
                                      "single cache domain.  Shutting down"),
        (f"portmap[{d['portmap']}]", "portmap: server localhost port 111 started"),
        (f"rpc.statd[{d['rpc.statd']}]", "Version 1.0.9 Starting"),
        ("kernel", "RPC: Registered udp transport module."),
        ("kernel", "RPC: Registered tcp transport module."),
        (f"hcid[{d['hcid']}]", "Bluetooth HCI daemon"),
        (f"smartd[{d['smartd']}]", "smartd version 5.38 [x86_64-redhat-linux-gnu] Copyright (C) "
                                   "2002-8 Bruce Allen"),
        (f"smartd[{d['smartd']}]", "Home page is http://smartmontools.sourceforge.net/ "),
        (f"smartd[{d['smartd']}]", "Monitoring 0 ATA and 1 SCSI devices"),
        (f"xinetd[{d['xinetd']}]", "xinetd Version 2.3.14 started with libwrap loadavg "
                                   "labeled-networking options compiled in."),
        (f"xinetd[{d['xinetd']}]", "Started working: 1 available service"),
        (f"ntpd[{d['ntpd']}]", "ntpd 4.2.2p1@1.1570-o Thu Nov 27 09:32:47 UTC 2008 (1)"),
        (f"ntpd[{d['ntpd']}]", "precision = 1.000 usec"),
        (f"ntpd[{d['ntpd']}]", "Listening on interface wildcard, 0.0.0.0#123 Disabled"),
        (f"ntpd[{d['ntpd']}]", "Listening on interface lo, 127.0.0.1#123 Enabled"),
        (f"ntpd[{d['ntpd']}]", "kernel time sync status 0040"),
        (f"ntpd[{d['ntpd']}]", "frequency initialized -12.914 PPM from /var/lib/ntp/drift"),
        (f"snmpd[{d['snmpd']}]", "NET-SNMP version 5.3.2.2"),
    ]:
        t += timedelta(seconds=1)
        tl.add(t, syslog_line(t, host, prog, msg))
    # xend start runs network-bridge: eth0 becomes peth0 behind xenbr0
    t += timedelta(seconds=3)
    for msg in network_bridge_kernel():
        tl.add(t, syslog_line(t, host, "kernel", msg))
    t += timedelta(seconds=2)
    for delay, prog, msg in extra_daemons:
        tl.add(t + timedelta(seconds=delay), syslog_line(t + timedelta(seconds=delay), host, prog, msg))
    t += timedelta(seconds=5)
    ntpd = d["ntpd"]
    for delay, msg in [(64, "synchronized to 10.20.0.1, stratum 2"),
                       (65, "time reset +0.183021 s"), (66, "kernel time sync enabled 0001")]:
        tl.add(t + timedelta(seconds=delay),
               syslog_line(t + timedelta(seconds=delay), host, f"ntpd[{ntpd}]", msg))
    return t, d


def rhel5_chatter(tl: Timeline, rng, host: str, start: datetime, end: datetime, pids: Pids,
                  d: dict) -> None:
    """Benign /var/log/messages traffic of a RHEL 5 server (authpriv and cron go elsewhere)."""
    ntpd = d["ntpd"]
    t = start + timedelta(minutes=rng.randrange(30, 90))
    while t < end:  # nagios NRPE checks through xinetd every ~5 minutes
        p = pids.next()
        tl.add(t, syslog_line(t, host, f"xinetd[{d['xinetd']}]", f"START: nrpe pid={p} from=10.20.0.5"))
        t2 = t + timedelta(seconds=rng.choice((0, 0, 0, 1)))
        tl.add(t2, syslog_line(t2, host, f"xinetd[{d['xinetd']}]", f"EXIT: nrpe status=0 pid={p} "
                                                         f"duration={int((t2 - t).seconds)}(sec)"))
        t += timedelta(seconds=rng.randrange(890, 910) * rng.choice((1, 1, 1, 2)))
    t = start + timedelta(minutes=rng.randrange(5, 60))
    while t < end:  # snmp polls from the monitoring server
        tl.add(t, syslog_line(t, host, f"snmpd[{d['snmpd']}]",
                              f"Connection from UDP: [10.20.0.5]:{rng.randrange(32768, 61000)}"))
        t += timedelta(seconds=rng.randrange(1700, 1900))
    t = start + timedelta(hours=rng.randrange(2, 6))
    while t < end:
        tl.add(t, syslog_line(t, host, f"ntpd[{ntpd}]",
                              rng.choice(("synchronized to 10.20.0.1, stratum 2",
                                          "synchronized to 10.20.0.2, stratum 2",
                                          "time reset +0.126311 s" if rng.random() < 0.1 else
                                          "synchronized to 10.20.0.1, stratum 2"))))
        t += timedelta(hours=rng.randrange(5, 14), seconds=rng.randrange(3600))
    day = start.replace(hour=4, minute=2, second=rng.randrange(1, 9))
    while day < end:
        if day > start:
            tl.add(day, syslog_line(day, host, f"smartd[{d['smartd']}]",
                                    "Device: /dev/sda, SMART Failure Prediction Thresholds "
                                    "read: ok") if rng.random() < 0.2 else
                   syslog_line(day, host, f"yum-updatesd-helper[{pids.next()}]",
                               "error getting update info: Cannot retrieve repository metadata "
                               "(repomd.xml) for repository: extras. Please verify its path "
                               "and try again") if rng.random() < 0.1 else
                   syslog_line(day, host, f"smartd[{d['smartd']}]",
                               "Device: /dev/sg0, SMART Health Status: OK"))
        day += timedelta(days=1)


def domu_start_syslog(tl: Timeline, rng, host: str, t: datetime, g: Guest, port: int,
                      *, hotplug_prog: str = "logger") -> None:
    """Dom0 kernel and hotplug-script lines of one PV DomU start; ``t`` is xend's unpause time."""
    d = g.domid

    def at(sec: float, prog: str, msg: str) -> None:
        ts = t + timedelta(seconds=sec)
        tl.add(ts, syslog_line(ts, host, prog, msg))

    at(0, hotplug_prog, f"/etc/xen/scripts/block: add XENBUS_PATH=backend/vbd/{d}/51712")
    at(0, "kernel", f"device vif{d}.0 entered promiscuous mode")
    at(0, "kernel", f"ADDRCONF(NETDEV_UP): vif{d}.0: link is not ready")
    at(0, hotplug_prog, f"/etc/xen/scripts/vif-bridge: online XENBUS_PATH=backend/vif/{d}/0")
    at(0, hotplug_prog, f"/etc/xen/scripts/block: Writing backend/vbd/{d}/51712/physical-device "
                        f"fd:{4 + d % 9} to xenstore.")
    at(0, hotplug_prog, f"/etc/xen/scripts/vif-bridge: Successful vif-bridge online for vif{d}.0, "
                        "bridge xenbr0.")
    at(0, hotplug_prog, f"/etc/xen/scripts/vif-bridge: Writing backend/vif/{d}/0/hotplug-status "
                        "connected to xenstore.")
    at(0, hotplug_prog, f"/etc/xen/scripts/block: Writing backend/vbd/{d}/51712/hotplug-status "
                        "connected to xenstore.")
    boot = 6 + rng.randrange(4)
    at(boot, "kernel", f"blkback: ring-ref 8, event-channel {9 + rng.randrange(3)}, "
                       "protocol 1 (x86_64-abi)")
    at(boot + 4, "kernel", f"ADDRCONF(NETDEV_CHANGE): vif{d}.0: link becomes ready")
    at(boot + 4, "kernel", f"xenbr0: port {port}(vif{d}.0) entering learning state")
    at(boot + 4, "kernel", "xenbr0: topology change detected, propagating")
    at(boot + 4, "kernel", f"xenbr0: port {port}(vif{d}.0) entering forwarding state")


def domu_stop_syslog(tl: Timeline, host: str, t: datetime, g: Guest, port: int,
                     *, hotplug_prog: str = "logger") -> None:
    d = g.domid
    for sec, prog, msg in [
        (0, "kernel", f"xenbr0: port {port}(vif{d}.0) entering disabled state"),
        (0, "kernel", f"device vif{d}.0 left promiscuous mode"),
        (0, "kernel", f"xenbr0: port {port}(vif{d}.0) entering disabled state"),
        (1, hotplug_prog, f"/etc/xen/scripts/vif-bridge: offline XENBUS_PATH=backend/vif/{d}/0"),
        (1, hotplug_prog, f"/etc/xen/scripts/block: remove XENBUS_PATH=backend/vbd/{d}/51712"),
        (1, hotplug_prog, f"/etc/xen/scripts/vif-bridge: brctl delif xenbr0 vif{d}.0 failed"),
        (1, hotplug_prog, f"/etc/xen/scripts/vif-bridge: ifconfig vif{d}.0 down failed"),
        (1, hotplug_prog, f"/etc/xen/scripts/vif-bridge: Successful vif-bridge offline for "
                          f"vif{d}.0, bridge xenbr0."),
    ]:
        ts = t + timedelta(seconds=sec)
        tl.add(ts, syslog_line(ts, host, prog, msg))
