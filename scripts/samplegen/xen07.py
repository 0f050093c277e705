"""xen07: a RHEL 5.3 Dom0 on Xen 3.3.1, before (``xen07-incident``) and after the fix.

    Mar  6 14:47:21 xen07 kernel: xen_net: Memory squeeze in netback driver.
    Mar  6 14:47:30 xen07 kernel: printk: 1042 messages suppressed.

The incident host booted Xen without ``dom0_mem=``: Dom0 got all but 128 MB of the heap, xend
ballooned it down for each of 14 DomUs, and netback could no longer get pages from Xen.
Everything is in UTC (``date`` says UTC; ``etc/sysconfig/clock`` has ``ZONE="UTC"``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import rhel5, xen3, xend
from .common import Pids, Timeline, gzip_bytes, syslog_line, text_bytes
from .xen3 import KIB, XenHost
from .xend import Guest, Xend
from .xend_config import xend_config

SEED = 20090309
HOSTNAME = "xen07.example.net"
KERNEL_BUILD = ("(mockbuild@hs20-bc1-7.build.redhat.com) (gcc version 4.1.2 20080704 "
                "(Red Hat 4.1.2-44)) #1 SMP Wed Dec 17 11:41:38 EST 2008")
XEN_BUILD = ("(root@gitco.de) (gcc version 4.1.2 20080704 (Red Hat 4.1.2-44)) "
             "Tue Jan 27 11:21:37 CET 2009")
PERC = [
    "megasas: 00.00.04.01-RH1 Thu Jul 24 11:41:51 PST 2008",
    "megasas: 0x1028:0x0060:0x1028:0x1f0c: bus 2:slot 14:func 0",
    "ACPI: PCI Interrupt 0000:02:0e.0[A] -> GSI 78 (level, low) -> IRQ 16",
    "megasas: FW now in Ready state",
    "scsi0 : LSI SAS based MegaRAID driver",
    "  Vendor: DELL      Model: PERC 6/i          Rev: 1.11",
    "  Type:   Direct-Access                      ANSI SCSI revision: 05",
]
PERC_DISK = [
    "SCSI device sda: 570949632 512-byte hdwr sectors (292326 MB)",
    "sda: Write Protect is off",
    "SCSI device sda: drive cache: write through w/ FUA",
    "SCSI device sda: 570949632 512-byte hdwr sectors (292326 MB)",
    "sda: Write Protect is off",
    "SCSI device sda: drive cache: write through w/ FUA",
    " sda: sda1 sda2",
    "sd 0:0:0:0: Attached scsi disk sda",
]

#: (name, MiB, start) of the 14 guests, in start order (domids 1..14)
GUESTS = [
    ("web01", 512, "2009-03-02 08:41:07"), ("web02", 512, "2009-03-02 08:47:52"),
    ("web03", 512, "2009-03-02 09:02:30"), ("mail01", 512, "2009-03-02 11:30:14"),
    ("dns01", 256, "2009-03-02 14:12:45"), ("db01", 1024, "2009-03-03 10:05:33"),
    ("app01", 512, "2009-03-03 15:40:09"), ("app02", 512, "2009-03-04 09:18:27"),
    ("build01", 512, "2009-03-04 13:55:02"), ("mon01", 384, "2009-03-05 10:22:48"),
    ("ldap01", 256, "2009-03-05 16:03:11"), ("app03", 512, "2009-03-06 09:12:40"),
    ("test01", 256, "2009-03-06 13:36:05"), ("cache01", 512, "2009-03-06 14:05:51"),
]


def _t(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d %H:%M:%S")


def xen07_host(dom0_pages: int, xen_options: str) -> XenHost:
    return XenHost(
        hostname=HOSTNAME, ram_kb=8386560, dom0_pages=dom0_pages, xen_version="3.3.1",
        xen_banner=xen3.XEN_331_BANNER, xen_build=XEN_BUILD, xen_image="/xen.gz-3.3.1",
        xen_options=xen_options, kernel="2.6.18-128.el5xen", kernel_build=KERNEL_BUILD,
        kernel_cmdline="ro root=/dev/VolGroup00/LogVol00", cpus=8, cpu_model="E5420  @ 2.50GHz",
        cpu_mhz="2500.092", high_kb=4980736, storage=PERC, disk_lines=PERC_DISK)


@dataclass
class Episode:
    start: datetime
    end: datetime
    squeeze_lines: int = 0  # physical lines with the squeeze message
    squeeze_logged: int = 0  # squeeze lines plus "last message repeated N times"
    suppressed_lines: int = 0
    suppressed_total: int = 0
    repeat_lines: int = 0


def squeeze_episode(tl: Timeline, rng, host: str, start: datetime, stop: datetime) -> Episode:
    """netback's squeeze under net_ratelimit (burst 10, then one per 5 s), as syslogd folds it."""
    msg = "xen_net: Memory squeeze in netback driver."
    ep = Episode(start, start)

    def line(ts: datetime, text: str) -> None:
        tl.add(ts, syslog_line(ts, host, "kernel", text))

    # the first burst: ten messages a backoff second apart, folded by syslogd
    line(start, msg)
    ep.squeeze_lines += 1
    ep.squeeze_logged += 1
    burst_end = start + timedelta(seconds=9)
    line(burst_end, "last message repeated 9 times")
    ep.repeat_lines += 1
    ep.squeeze_logged += 9
    t = burst_end
    last = start
    while True:
        gap = rng.choice((5, 5, 5, 5, 6, 6, 7)) if rng.random() > 0.04 else rng.randrange(11, 19)
        t += timedelta(seconds=gap)
        if t >= stop:
            break
        if gap > 10:  # a lull in traffic: the bucket refilled, two or three get through
            n = 2 if gap < 15 else 3
            sup = rng.randrange(40, 160)
            line(t, f"printk: {sup} messages suppressed.")
            line(t, msg)
            line(t + timedelta(seconds=n - 1), f"last message repeated {n - 1} times")
            ep.repeat_lines += 1
            ep.squeeze_logged += n
        else:
            sup = int(rng.triangular(180, 1500, 1000))
            line(t, f"printk: {sup} messages suppressed.")
            line(t, msg)
            ep.squeeze_logged += 1
        ep.suppressed_lines += 1
        ep.suppressed_total += sup
        ep.squeeze_lines += 1
        last = t
    ep.end = last
    return ep


@dataclass
class Built:
    files: dict[str, bytes]
    facts: dict = field(default_factory=dict)


def _split_messages(tl: Timeline, host: str, cuts: list[datetime]) -> list[list[str]]:
    """Cut one syslog timeline into rotated files; each new file opens with syslogd's restart."""
    for c in cuts:
        tl.add(c, syslog_line(c, host, "syslogd 1.4.1", "restart."))
    files, bounds = [], [datetime.min, *cuts, datetime.max]
    for lo, hi in zip(bounds, bounds[1:]):
        files.append([e.text for e in tl.between(lo, hi)])
    return files


def build_incident() -> Built:
    rng = random.Random(SEED)
    h = xen07_host(2031104, "")
    host = h.short
    boot = _t("2009-03-02 06:05:10")
    collected = _t("2009-03-09 17:45:01")
    msgs = Timeline()
    pids = Pids(rng, 2400)
    up, dpids = rhel5.rhel5_boot(msgs, h, boot, pids, audit_epoch=int((boot - datetime(1970, 1, 1)).total_seconds()) + 9)
    rhel5.rhel5_chatter(msgs, rng, host, up, collected, pids, dpids)

    xend_pid = 4791
    x = Xend(rng, xend_pid, dom0_kb=h.dom0_kb, free_kb=75276, dom0_min_mib=196, ballooning=True)
    xend.xend_start(x, up - timedelta(seconds=12), h, running=[], version="3.3.1")

    guests = [Guest(n, m) for n, m, _ in GUESTS]
    ports: dict[str, int] = {}
    starts: list[dict] = []
    next_port = 3
    # xend is restarted on Mar 5 (an admin's `service xend restart`): xend.log rolls over
    xend_restart = _t("2009-03-05 11:20:44")
    x_log1: list[str] | None = None
    for g, (_, _, when) in zip(guests, GUESTS):
        if x_log1 is None and _t(when) > xend_restart:
            x_log1 = [e.text for e in x.log.sorted()]
            x.log = Timeline()
            x.pid = 22531
            xend.xend_start(x, xend_restart, h, running=[s_ for s_ in guests if s_.domid],
                            version="3.3.1")
        ok, t_up = x.create(_t(when), g)
        assert ok, g
        ports[g.name] = next_port
        next_port += 1
        rhel5.domu_start_syslog(msgs, rng, host, t_up, g, ports[g.name])
        starts.append({"name": g.name, "domid": g.domid, "mib": g.mib, "time": _t(when)})
    lowest = x.targets[-1][1]
    free_after_14 = x.free_kb

    episodes = []
    ep1 = squeeze_episode(msgs, rng, host, _t("2009-03-06 14:47:21"), _t("2009-03-06 15:21:40"))
    episodes.append(ep1)
    web03 = guests[2]
    t = _t("2009-03-06 15:21:40")  # admin: xm destroy web03
    x.destroy(t, web03)
    rhel5.domu_stop_syslog(msgs, host, t, web03, ports["web03"])
    t = _t("2009-03-07 09:34:12")  # admin: xm create web03 (memory from the destroyed guest)
    web03_old_domid = web03.domid
    ok, t_up = x.create(t, web03)
    ports["web03"] = next_port
    next_port += 1
    rhel5.domu_start_syslog(msgs, rng, host, t_up, web03, ports["web03"])
    restart = {"name": "web03", "domid": web03.domid, "mib": web03.mib, "time": t,
               "old_domid": web03_old_domid}
    ep2 = squeeze_episode(msgs, rng, host, _t("2009-03-07 10:16:03"), _t("2009-03-07 10:58:26"))
    episodes.append(ep2)
    test01 = guests[12]
    t = _t("2009-03-07 10:58:26")  # admin: xm shutdown test01
    x.shutdown(t, test01)
    rhel5.domu_stop_syslog(msgs, host, t, test01, ports["test01"])

    # Mar 9: the 15th guest does not fit any more
    t = _t("2009-03-09 16:58:20")
    db03 = Guest("db03", 2048)
    ok, t_fail = x.create(t, db03)
    assert not ok
    need = db03.mib * KIB
    min_kb = 196 * KIB
    left = x.free_kb + x.dom0_kb - min_kb
    err = (f"I need {need} KiB, but dom0_min_mem is {min_kb} and shrinking to {min_kb} KiB "
           f"would leave only {left} KiB free.")
    site = "/usr/lib64/python2.4/site-packages/xen/xend"
    x.ln.update({"failed": 449, "constr_failed": 106})
    x.w(t_fail, "DEBUG", "XendDomainInfo:destroy", f"XendDomainInfo.destroy: domid={db03.domid}")
    x.w(t_fail, "DEBUG", "XendDomainInfo:destroyDomain", f"XendDomainInfo.destroyDomain({db03.domid})")
    x.w(t_fail, "ERROR", "XendDomainInfo:failed", "VM start failed")
    tb = [
        "Traceback (most recent call last):",
        f'  File "{site}/XendDomainInfo.py", line 429, in start',
        "    XendTask.log_progress(31, 60, self._initDomain)",
        f'  File "{site}/XendTask.py", line 209, in log_progress',
        "    retval = func(*args, **kwds)",
        f'  File "{site}/XendDomainInfo.py", line 2070, in _initDomain',
        "    balloon.free(memory + shadow + vtd_mem, self)",
        f'  File "{site}/balloon.py", line 186, in free',
        "    (need_mem, dom0_min_mem, dom0_min_mem,",
        f"VmError: {err}",
    ]
    for line in tb:
        x.raw(t_fail, line)
    x.w(t_fail, "ERROR", "XendDomainInfo:constr_failed", "Domain construction failed")
    for line in [
        "Traceback (most recent call last):",
        f'  File "{site}/XendDomainInfo.py", line 104, in create',
        "    vm.start()",
        f'  File "{site}/XendDomainInfo.py", line 449, in start',
        "    raise exn",
        f"VmError: {err}",
    ]:
        x.raw(t_fail, line)
    x_log0 = [e.text for e in x.log.sorted()]

    cuts = [_t("2009-03-04 04:02:05"), _t("2009-03-07 04:02:04")]
    m2, m1, m0 = _split_messages(msgs, host, cuts)

    running_now = [g for g in guests if g.name != "test01"]
    dom0_now_kb = x.dom0_kb
    free_mib = x.free_kb // KIB
    xm_list = ["Name                                      ID Mem(MiB) VCPUs State   Time(s)",
               f"{'Domain-0':<40}{0:>4} {dom0_now_kb // KIB:>8} {8:>5}     r-----  "
               f"{rng.randrange(60000, 90000)}.{rng.randrange(10)}"]
    for g in sorted(running_now, key=lambda g: g.name):
        xm_list.append(f"{g.name:<40}{g.domid:>4} {g.mib:>8} {1:>5}     -b----  "
                       f"{rng.randrange(500, 30000)}.{rng.randrange(10)}")

    files = {
        "hostname": b"xen07.example.net\n",
        "date": b"Mon Mar  9 17:45:01 UTC 2009\n",
        "uname": f"Linux xen07.example.net 2.6.18-128.el5xen #1 SMP Wed Dec 17 11:41:38 EST 2008 "
                 "x86_64 x86_64 x86_64 GNU/Linux\n".encode(),
        "etc/sysconfig/clock": b'ZONE="UTC"\nUTC=true\nARC=false\n',
        "proc/cmdline": b"ro root=/dev/VolGroup00/LogVol00\n",
        "proc/xen/balloon": (
            f"Current allocation: {dom0_now_kb:>8} kB\nRequested target:   {dom0_now_kb:>8} kB\n"
            f"Low-mem balloon:    {0:>8} kB\nHigh-mem balloon:   {h.dom0_kb - dom0_now_kb:>8} kB\n"
            f"Driver pages:       {1024:>8} kB\nXen hard limit:          ??? kB\n").encode(),
        "boot/grub/grub.conf": xen3.grub_conf(
            h, root="/dev/VolGroup00/LogVol00",
            entries=[("2.6.18-128.el5", "/xen.gz-3.3.1"),
                     ("2.6.18-92.1.22.el5", "/xen.gz-3.3.1")]).encode(),
        "etc/xen/xend-config.sxp": xend_config(dom0_min_mem=196, ballooning="yes",
                                               version="3.3.1").encode(),
        "sos_commands/xen/xm_dmesg": text_bytes(xen3.xm_dmesg(h)),
        "sos_commands/xen/xm_info": xen3.xm_info(
            h, free_mib=free_mib,
            version_fields={"xen_major": "3", "xen_minor": "3", "xen_extra": ".1"},
            cc="cc_compile_by=root|cc_compile_domain=gitco.de|"
               "cc_compile_date=Tue Jan 27 11:21:37 CET 2009").encode(),
        "sos_commands/xen/xm_list": text_bytes(xm_list),
        "var/log/messages": text_bytes(m0),
        "var/log/messages.1": text_bytes(m1),
        "var/log/messages.2.gz": gzip_bytes(text_bytes(m2)),
        "var/log/xen/xend.log": text_bytes(x_log0),
        "var/log/xen/xend.log.1": text_bytes(x_log1),
    }
    facts = {
        "host": "xen07-incident", "ram_mb": h.ram_mb, "ram_kb": h.ram_kb,
        "dom0_pages": h.dom0_pages, "dom0_mib": h.dom0_mib, "kernel_total_kb": h.kernel_total_kb,
        "xen_cmdline": h.xen_cmdline, "boot": boot, "collected": collected,
        "starts": starts, "restart": restart, "targets": x.targets, "lowest_target": lowest,
        "free_after_14_kb": free_after_14, "episodes": episodes, "vmerror": err,
        "failed_create": {"name": "db03", "mib": 2048, "domid": db03.domid, "time": t},
        "xend_restart": xend_restart, "rotation_cuts": cuts,
        "free_mib_at_collection": free_mib, "dom0_mib_at_collection": dom0_now_kb // KIB,
        "messages_lines": {"messages.2.gz": len(m2), "messages.1": len(m1), "messages": len(m0)},
    }
    return Built(files, facts)
