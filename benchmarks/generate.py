"""Realistic Dom0 kern.logs of N lines, deterministic for a seed (the benchmarks' input).

    Mar  6 14:02:44 xen07 kernel: IN=peth0 OUT= MAC=ff:ff:ff:ff:ff:ff:00:1b:21:3a:4f:10:08:00 ...
    Mar  6 14:02:51 xen07 kernel: device vif12.0 entered promiscuous mode
    Mar  6 14:02:51 xen07 kernel: xenbr0: port 4(vif12.0) entering learning state
    Mar  6 14:04:10 xen07 kernel: xen_net: Memory squeeze in netback driver.
    Mar  6 14:04:15 xen07 kernel: printk: 23 messages suppressed.
    Mar  6 14:09:33 xen07 kernel: PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:04:00.0

RHEL 5 style syslog (``kernel: msg``, no ``[uptime]``), one host over about 300 days of one
year (so year inference never has to cross New Year). Mostly benign chatter of the kinds a Dom0's
kern.log really holds (firewall LOG lines, martians, NFS/lockd, audit, ext3, bonding, USB,
conntrack, sysctl deprecation warnings), with the incident story spread through it:

- DomU starts and stops (vif promiscuous mode, bridge port states, blkback connects);
- netback squeeze episodes a little after a DomU start: a burst of 10, then one line every ~5 s
  with ``printk: N messages suppressed.`` between them (net_ratelimit's 2.6.18 behaviour);
- swiotlb exhaustion with its consequences (aacraid aborts/resets, ``end_request: I/O error``,
  ``Buffer I/O error``, ``lost page write``);
- OOM reports and page allocation failures with their multi-line 2.6.18 dumps;
- now and then a reboot: the real boot log of a XenServer Dom0 (tests/data/real-dmesg/01_*),
  uptimes stripped as RHEL 5 syslog writes them;
- ``last message repeated N times`` after some chatter.

Incidents are placed on a time line (a heap of pending lines), so their lines interleave with
the chatter as they would in a real log. ``generate()`` returns what it injected, so a caller
can check a tool's counts against the truth.

    python -m benchmarks.generate -n 1000000 -o /tmp/kern-1m.log
"""

from __future__ import annotations

import argparse
import heapq
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

#: Bumped whenever the output for a given (lines, seed) changes (the runner caches files by it).
GENERATOR_VERSION = 1

HOST = "xen07"
START_EPOCH = 1230940800  # 2009-01-03 00:00:00 UTC; timestamps are written as UTC wall time
SPAN_SECONDS = 300 * 86400
BOOT_LOG = (Path(__file__).resolve().parent.parent / "tests" / "data" / "real-dmesg"
            / "01_FlorianHeigl_xenserver-health__dmesg.log")

# Per chatter line, the chance that an incident starts at that moment.
P_DOMU_START = 0.0015
P_DOMU_STOP = 0.0012
P_SQUEEZE_AFTER_START = 0.06  # share of DomU starts followed by a squeeze episode
P_DMA = 0.00004
P_OOM = 0.000015
P_PAGE_ALLOC = 0.00002
P_REBOOT = 0.0000025
P_REPEAT = 0.01  # "last message repeated N times" after a chatter line

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# ---------------------------------------------------------------------------------------------
# Benign chatter: formats of real kernel lines (2.6.18 RHEL 5 / xenlinux), values filled in.

_COMMS = ("httpd", "java", "mysqld", "qemu-dm", "xend", "python", "sshd", "crond", "snmpd",
          "perl", "xenstored", "rsync")
_DEVS = ("peth0", "peth1", "xenbr0", "xenbr1", "eth0", "bond0")
_NFS = ("nfs01", "filer2", "backup-nas", "10.20.0.15")


def _ip(r: random.Random) -> str:
    return f"10.{r.randrange(1, 40)}.{r.randrange(256)}.{r.randrange(1, 255)}"


def _mac(r: random.Random) -> str:
    return ":".join(f"{r.randrange(256):02x}" for _ in range(6))


def _firewall(r: random.Random) -> str:
    proto = r.choice(("TCP", "TCP", "UDP"))
    tail = (f"WINDOW={r.choice((5840, 65535, 8192, 16384))} RES=0x00 SYN URGP=0"
            if proto == "TCP" else f"LEN={r.randrange(20, 600)}")
    dst_mac = "ff:ff:ff:ff:ff:ff" if proto == "UDP" else _mac(r)
    return (f"{r.choice(('FW-DROP: ', 'iptables-in: ', ''))}IN={r.choice(_DEVS[:2])} OUT= "
            f"PHYSIN={r.choice(('peth0', 'vif3.0', 'vif7.0'))} "
            f"MAC={dst_mac}:{_mac(r)}:08:00 SRC={_ip(r)} DST={_ip(r)} LEN={r.randrange(40, 1500)} "
            f"TOS=0x00 PREC=0x00 TTL={r.choice((64, 128, 255, 57))} ID={r.randrange(65536)} "
            f"{'DF ' if r.random() < 0.5 else ''}PROTO={proto} SPT={r.randrange(1024, 65535)} "
            f"DPT={r.choice((22, 80, 137, 138, 443, 3306, 8080, 161))} {tail}")


def _martian(r: random.Random) -> str:
    return f"martian source {_ip(r)} from {_ip(r)}, on dev {r.choice(_DEVS)}"


def _ll_header(r: random.Random) -> str:
    return f"ll header: {_mac(r)}:{_mac(r)}:08:00"


CHATTER = (  # (weight, maker)
    (40, _firewall),
    (6, _martian),
    (6, _ll_header),
    (3, lambda r: f"nfs: server {r.choice(_NFS)} not responding, still trying"),
    (3, lambda r: f"nfs: server {r.choice(_NFS)} OK"),
    (2, lambda r: f"lockd: server {_ip(r)} not responding, timed out"),
    (4, lambda r: f"type=1400 audit({START_EPOCH + r.randrange(SPAN_SECONDS)}.{r.randrange(1000):03d}"
                  f":{r.randrange(1, 99999)}): avc:  denied  {{ {r.choice(('read', 'getattr', 'write'))} }}"
                  f" for  pid={r.randrange(300, 32000)} comm=\"{r.choice(_COMMS)}\" "
                  f"name=\"{r.choice(('xvda', 'vm01.img', 'xenstored.pid', 'tmp'))}\" dev=dm-{r.randrange(4)} "
                  f"ino={r.randrange(10000, 9999999)} scontext=user_u:system_r:xend_t:s0 "
                  "tcontext=system_u:object_r:xen_image_t:s0 tclass=file"),
    (2, lambda r: f"{r.choice(_DEVS)}: received packet with  own address as source address"),
    (2, lambda r: f"possible SYN flooding on port {r.choice((80, 443, 8080))}. Sending cookies."),
    (2, lambda r: f"TCP: Treason uncloaked! Peer {_ip(r)}:{r.randrange(1024, 65535)}/"
                  f"{r.choice((80, 443))} shrinks window {r.randrange(10**9)}:{r.randrange(10**9)}. Repaired."),
    (1, lambda r: f"process `{r.choice(('sysctl', 'ifup', 'dhclient'))}' is using deprecated sysctl "
                  f"(syscall) net.ipv6.neigh.{r.choice(_DEVS)}.base_reachable_time; Use "
                  f"net.ipv6.neigh.{r.choice(_DEVS)}.base_reachable_time_ms instead."),
    (1, lambda r: f"kjournald starting.  Commit interval {r.choice((5, 5, 15))} seconds"),
    (1, lambda r: f"EXT3 FS on dm-{r.randrange(6)}, internal journal"),
    (1, lambda r: "EXT3-fs: mounted filesystem with ordered data mode."),
    (1, lambda r: f"EXT3-fs: dm-{r.randrange(6)}: {r.randrange(1, 9)} orphan inodes deleted"),
    (1, lambda r: f"bonding: bond0: link status definitely up for interface eth{r.randrange(2)}."),
    (1, lambda r: f"bonding: bond0: backup interface eth{r.randrange(2)} is now up"),
    (1, lambda r: f"usb {r.randrange(1, 4)}-{r.randrange(1, 3)}: new low speed USB device using "
                  f"uhci_hcd and address {r.randrange(2, 40)}"),
    (1, lambda r: f"usb {r.randrange(1, 4)}-{r.randrange(1, 3)}: USB disconnect, address "
                  f"{r.randrange(2, 40)}"),
    (1, lambda r: "input: Dell Dell USB Keyboard as /class/input/input"
                  f"{r.randrange(2, 30)}"),
    (1, lambda r: f"{r.choice(_DEVS)}: no IPv6 routers present"),
    (1, lambda r: f"ADDRCONF(NETDEV_UP): {r.choice(_DEVS)}: link is not ready"),
    (1, lambda r: f"Clocksource tsc unstable (delta = -{r.randrange(10**6, 10**9)} ns)"),
    (1, lambda r: "program smartd is using a deprecated SCSI ioctl, please convert it to SG_IO"),
    (1, lambda r: f"hrtimer: interrupt took {r.randrange(100000, 9999999)} ns"),
    (1, lambda r: f"do_IRQ: {r.randrange(4)}.{r.randrange(32, 240)} No irq handler for vector"),
    (1, lambda r: f"{r.choice(_COMMS)}[{r.randrange(300, 32000)}]: segfault at "
                  f"{r.randrange(16**8):016x} rip {r.randrange(16**12):016x} rsp "
                  f"{r.randrange(16**12):016x} error {r.choice((4, 6))}"),
    (1, lambda r: "mtrr: type mismatch for f0000000,400000 old: write-back new: write-combining"),
    (1, lambda r: f"ip_conntrack: falling back to vmalloc."),
    (1, lambda r: f"SELinux: initialized (dev {r.choice(('proc', 'sysfs', 'nfs', 'tmpfs'))}, "
                  f"type {r.choice(('proc', 'sysfs', 'nfs', 'tmpfs'))}), uses genfs_contexts"),
    (1, lambda r: f"tg3: {r.choice(('peth0', 'peth1'))}: Link is up at 1000 Mbps, full duplex."),
    (1, lambda r: f"printk: {r.randrange(1, 40)} messages suppressed."),
)
_CHATTER_WEIGHTS = [w for w, _ in CHATTER]
_CHATTER_MAKERS = [m for _, m in CHATTER]

# ---------------------------------------------------------------------------------------------
# Multi-line dumps (RHEL 5 2.6.18 mm/page_alloc.c show_mem and dump_stack)

_STACK = (
    " [<ffffffff8020f657>] __alloc_pages+0x27f/0x308",
    " [<ffffffff8023e4c8>] __get_free_pages+0x11/0x3f",
    " [<ffffffff80268f4e>] xen_create_contiguous_region+0x5e/0x2a4",
    " [<ffffffff8022a12e>] dma_alloc_coherent+0x11e/0x1f2",
    " [<ffffffff8823d9e2>] :aacraid:aac_fib_send+0x1d2/0x6a9",
    " [<ffffffff80232a72>] __alloc_skb+0x47/0x135",
    " [<ffffffff8041d2f6>] __netdev_alloc_skb+0x12/0x2d",
    " [<ffffffff88285a5b>] :netbk:net_rx_action+0x8a/0x1f2",
    " [<ffffffff80212a7d>] tasklet_action+0x62/0xac",
    " [<ffffffff80260b2c>] call_softirq+0x1c/0x28",
    " [<ffffffff8026e0ff>] do_softirq+0x2c/0x7d",
)

_SHOW_MEM = (
    "Mem-info:",
    "DMA per-cpu:",
    "cpu 0 hot: high 0, batch 1 used:0",
    "cpu 0 cold: high 0, batch 1 used:0",
    "DMA32 per-cpu:",
    "cpu 0 hot: high 186, batch 31 used:{u1}",
    "cpu 0 cold: high 62, batch 15 used:{u2}",
    "Normal per-cpu: empty",
    "HighMem per-cpu: empty",
    "Free pages:       {free}kB (0kB HighMem)",
    "Active:{active} inactive:{inactive} dirty:0 writeback:0 unstable:0 free:{freep} slab:3981 "
    "mapped-file:1019 mapped-anon:29906 pagetables:1210",
    "DMA free:2012kB min:40kB low:48kB high:60kB active:0kB inactive:0kB present:9920kB "
    "pages_scanned:0 all_unreclaimable? yes",
    "lowmem_reserve[]: 0 489 489 489",
    "DMA32 free:{free}kB min:2012kB low:2512kB high:3016kB active:120508kB inactive:20kB "
    "present:500956kB pages_scanned:{scanned} all_unreclaimable? yes",
    "lowmem_reserve[]: 0 0 0 0",
    "DMA: 3*4kB 4*8kB 3*16kB 2*32kB 1*64kB 2*128kB 2*256kB 0*512kB 1*1024kB 0*2048kB "
    "0*4096kB = 2012kB",
    "DMA32: {f4}*4kB 1*8kB 0*16kB 0*32kB 1*64kB 1*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB "
    "0*4096kB = {free}kB",
    "Normal: empty",
    "HighMem: empty",
    "Swap cache: add 0, delete 0, find 0/0, race 0+0",
    "Free swap  = 0kB",
    "Total swap = 0kB",
    "Free swap:            0kB",
    "131072 pages of RAM",
    "6873 reserved pages",
    "{shared} pages shared",
    "0 pages swap cached",
)


def _show_mem(r: random.Random) -> list[str]:
    free = r.randrange(1200, 16000)
    values = dict(u1=r.randrange(200), u2=r.randrange(60), free=free, freep=free // 4,
                  active=r.randrange(20000, 40000), inactive=r.randrange(100),
                  scanned=r.randrange(10**6), f4=r.randrange(100), shared=r.randrange(500, 3000))
    return [line.format(**values) for line in _SHOW_MEM]


def _stack(r: random.Random) -> list[str]:
    depth = r.randrange(5, len(_STACK))
    return ["", "Call Trace:", *r.sample(_STACK, depth)]


# ---------------------------------------------------------------------------------------------


@dataclass
class Injected:
    """What ``generate`` wrote, for checking a tool's counts against the truth."""

    lines: int = 0
    chatter: int = 0
    families: Counter = field(default_factory=Counter)  # family name -> lines of that kind

    def to_dict(self) -> dict:
        return {"lines": self.lines, "chatter": self.chatter, "families": dict(self.families)}


class _Writer:
    """Formats ``Mon dd hh:mm:ss host kernel: msg`` lines; the time text is cached per second."""

    def __init__(self, out, host: str):
        self.out = out
        self.host = host
        self.buffer: list[str] = []
        self._second = -1
        self._prefix = ""

    def write(self, epoch: int, message: str) -> None:
        if epoch != self._second:
            t = time.gmtime(epoch)
            self._second = epoch
            self._prefix = (f"{MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} "
                            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {self.host} kernel: ")
        self.buffer.append(self._prefix + message + "\n")
        if len(self.buffer) >= 65536:
            self.flush()

    def write_raw(self, epoch: int, text: str) -> None:
        """A line without the ``kernel:`` tag (syslogd's own repeat lines)."""
        self.write(epoch, "")
        self.buffer[-1] = self._prefix.replace(" kernel: ", " ") + text + "\n"

    def flush(self) -> None:
        self.out.write("".join(self.buffer))
        self.buffer.clear()


def _boot_lines() -> list[str]:
    if not BOOT_LOG.exists():
        return []
    out = []
    for line in BOOT_LOG.read_text(encoding="utf-8", errors="replace").split("\n"):
        if line.startswith("["):
            line = line.split("] ", 1)[1] if "] " in line else ""
        if line.strip():
            out.append(line)
    return out


def generate(path: str | Path, *, lines: int, seed: int = 7, host: str = HOST) -> Injected:
    """Write a kern.log of exactly ``lines`` lines to ``path``; the same seed gives the same file.

    >>> generate("/tmp/kern.log", lines=2000).families["squeeze"] >= 0
    True
    """
    r = random.Random(seed)
    mean_gap = SPAN_SECONDS / max(lines, 1)
    boot = _boot_lines()
    injected = Injected()
    pending: list[tuple[float, int, str, str]] = []  # (time, seq, family, message)
    seq = 0
    domid = 0
    running: list[tuple[int, int]] = []  # (domid, bridge port)
    t = float(START_EPOCH)

    def schedule(at: float, family: str, message: str) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(pending, (at, seq, family, message))

    def domu_start(at: float) -> None:
        nonlocal domid
        domid += 1
        port = len(running) + 2
        running.append((domid, port))
        vif = f"vif{domid}.0"
        schedule(at, "domu_start", f"device {vif} entered promiscuous mode")
        schedule(at, "other", f"ADDRCONF(NETDEV_UP): {vif}: link is not ready")
        schedule(at + 0.1, "domu_start", f"xenbr0: port {port}({vif}) entering learning state")
        schedule(at + 0.1, "other", "xenbr0: topology change detected, propagating")
        schedule(at + 0.2, "domu_start", f"xenbr0: port {port}({vif}) entering forwarding state")
        schedule(at + 1.5, "domu_start", f"blkback: ring-ref {r.choice((8, 9, 770))}, event-channel "
                 f"{r.randrange(6, 12)}, protocol 1 (x86_64-abi)")
        if r.random() < P_SQUEEZE_AFTER_START:
            squeeze(at + r.uniform(30, 600))

    def domu_stop(at: float) -> None:
        if not running:
            return
        dom, port = running.pop(r.randrange(len(running)))
        vif = f"vif{dom}.0"
        schedule(at, "domu_stop", f"xenbr0: port {port}({vif}) entering disabled state")
        schedule(at + 0.1, "domu_stop", f"device {vif} left promiscuous mode")
        schedule(at + 0.1, "domu_stop", f"xenbr0: port {port}({vif}) entering disabled state")

    def squeeze(at: float) -> None:
        for _ in range(10):  # net_ratelimit burst
            schedule(at, "squeeze", "xen_net: Memory squeeze in netback driver.")
        for k in range(r.randrange(3, 120)):  # then one per 5 s while it lasts
            at += 5
            schedule(at - 0.01, "suppressed", f"printk: {r.randrange(1, 60)} messages suppressed.")
            schedule(at, "squeeze", "xen_net: Memory squeeze in netback driver.")

    def dma(at: float) -> None:
        device = r.choice(("0000:04:00.0", "0000:04:01.0", "0000:06:00.0"))
        for _ in range(r.randrange(1, 6)):
            schedule(at, "dma", f"PCI-DMA: Out of SW-IOMMU space for "
                     f"{r.choice((65536, 32768, 4096, 131072))} bytes at device {device}")
        target = f"({r.randrange(2)},0,{r.randrange(4)},0)"
        schedule(at + 30, "raid", f"aacraid: Host adapter abort request {target}")
        schedule(at + 31, "raid", "aacraid: Host adapter reset request. SCSI hang ?")
        disk = r.choice(("sda", "sdb"))
        for i in range(r.randrange(1, 8)):
            schedule(at + 40 + i, "io_error",
                     f"end_request: I/O error, dev {disk}, sector {r.randrange(10**8)}")
        schedule(at + 48, "io_error", f"Buffer I/O error on device dm-{r.randrange(4)}, "
                 f"logical block {r.randrange(10**7)}")
        schedule(at + 48, "other", f"lost page write due to I/O error on dm-{r.randrange(4)}")

    def oom(at: float) -> None:
        comm = r.choice(_COMMS)
        pid = r.randrange(300, 32000)
        schedule(at, "oom", f"{comm} invoked oom-killer: gfp_mask=0x201d2, order=0, oomkilladj=0")
        for line in _stack(r) + _show_mem(r):
            schedule(at, "dump", line)
        schedule(at, "oom", f"Out of memory: Killed process {pid}, UID {r.choice((0, 48, 27))}, "
                 f"({comm}).")

    def page_alloc(at: float) -> None:
        comm = r.choice(("qemu-dm", "swapper", "httpd", "kjournald", "xenwatch"))
        schedule(at, "page_alloc", f"{comm}: page allocation failure. order:{r.randrange(1, 5)}, "
                 f"mode:{r.choice(('0x20', '0xd0', '0x4020'))}")
        for line in _stack(r) + _show_mem(r):
            schedule(at, "dump", line)

    def reboot(at: float) -> None:
        running.clear()
        for line in boot:
            schedule(at, "boot", line)

    makers = (
        (P_DOMU_START, domu_start), (P_DOMU_STOP, domu_stop), (P_DMA, dma), (P_OOM, oom),
        (P_PAGE_ALLOC, page_alloc), (P_REBOOT, reboot),
    )
    expovariate, random_ = r.expovariate, r.random
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        writer = _Writer(out, host)
        written = 0
        while written < lines:
            t += expovariate(1.0 / mean_gap)
            while pending and pending[0][0] <= t and written < lines:
                at, _, family, message = heapq.heappop(pending)
                writer.write(int(at), message)
                injected.families[family] += 1
                written += 1
            if written >= lines:
                break
            for chance, make in makers:
                if random_() < chance:
                    make(t + 0.5)
            message = r.choices(_CHATTER_MAKERS, _CHATTER_WEIGHTS)[0](r)
            writer.write(int(t), message)
            injected.chatter += 1
            written += 1
            if random_() < P_REPEAT and written < lines:
                writer.write_raw(int(t) + 3, f"last message repeated {r.randrange(2, 30)} times")
                injected.families["repeat"] += 1
                written += 1
        writer.flush()
    injected.lines = written
    return injected


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--lines", type=int, default=100_000)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--host", default=HOST)
    args = parser.parse_args(argv)
    injected = generate(args.output, lines=args.lines, seed=args.seed, host=args.host)
    for name, count in sorted(injected.families.items()):
        print(f"{name:12} {count:>10,}")
    print(f"{'chatter':12} {injected.chatter:>10,}")
    print(f"{'total':12} {injected.lines:>10,}")


if __name__ == "__main__":
    main()
