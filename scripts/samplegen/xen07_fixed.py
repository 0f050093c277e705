"""xen07 a month after the fix: Xen booted with ``dom0_mem=256000`` (kB), ballooning off.

    (XEN) Command line: /xen.gz-3.3.1 dom0_mem=256000
    (XEN)  Dom0 alloc.:   000000021c000000->0000000220000000 (64000 pages to be allocated)
    [2009-04-06 07:16:02 4802] DEBUG (balloon:132) Balloon: 7469748 KiB free; need 524288; done.

The same 14 guests start from /etc/xen/auto at boot; Xen has free memory for all of them, so
xend never touches Dom0 and netback never runs out of pages.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from . import rhel5, xen3, xend
from .common import Pids, Timeline, text_bytes
from .xen07 import GUESTS, Built, xen07_host, _split_messages
from .xen3 import KIB
from .xend import Guest, Xend
from .xend_config import xend_config

SEED = 20090406


def build_fixed() -> Built:
    rng = random.Random(SEED)
    h = xen07_host(64000, "dom0_mem=256000")
    host = h.short
    boot = datetime(2009, 4, 6, 7, 12, 44)
    collected = datetime(2009, 4, 9, 16, 20, 3)
    msgs = Timeline()
    pids = Pids(rng, 2400)
    epoch = int((boot - datetime(1970, 1, 1)).total_seconds())
    up, dpids = rhel5.rhel5_boot(msgs, h, boot, pids, audit_epoch=epoch + 9)
    rhel5.rhel5_chatter(msgs, rng, host, up, collected, pids, dpids)
    # Xen's heap after building a 64000-page Dom0: everything else is free for guests
    x = Xend(rng, 4802, dom0_kb=h.dom0_kb, free_kb=(2063872 - 64000) * 4 - 10_240,
             dom0_min_mib=256, ballooning=False)
    xend.xend_start(x, up - timedelta(seconds=12), h, running=[], version="3.3.1")
    t = up + timedelta(seconds=40)  # xendomains starts /etc/xen/auto/* one after the other
    starts = []
    for port, (name, mib, _) in enumerate(GUESTS, start=3):
        g = Guest(name, mib)
        ok, t_up = x.create(t, g)
        assert ok
        rhel5.domu_start_syslog(msgs, rng, host, t_up, g, port)
        starts.append({"name": name, "domid": g.domid, "mib": mib, "time": t})
        t = t_up + timedelta(seconds=rng.randrange(6, 14))
    assert not x.targets  # ballooning never happened
    (m0,) = _split_messages(msgs, host, [])  # no rotation since this boot
    files = {
        "hostname": b"xen07.example.net\n",
        "date": b"Thu Apr  9 16:20:03 UTC 2009\n",
        "proc/cmdline": b"ro root=/dev/VolGroup00/LogVol00\n",
        "boot/grub/grub.conf": xen3.grub_conf(
            h, root="/dev/VolGroup00/LogVol00",
            entries=[("2.6.18-128.el5", "/xen.gz-3.3.1 dom0_mem=256000"),
                     ("2.6.18-92.1.22.el5", "/xen.gz-3.3.1")]).encode(),
        "etc/xen/xend-config.sxp": xend_config(dom0_min_mem=256, ballooning="no",
                                               version="3.3.1").encode(),
        "sos_commands/xen/xm_dmesg": text_bytes(xen3.xm_dmesg(h)),
        "sos_commands/xen/xm_info": xen3.xm_info(
            h, free_mib=x.free_kb // KIB,
            version_fields={"xen_major": "3", "xen_minor": "3", "xen_extra": ".1"},
            cc="cc_compile_by=root|cc_compile_domain=gitco.de|"
               "cc_compile_date=Tue Jan 27 11:21:37 CET 2009").encode(),
        "var/log/messages": text_bytes(m0),
        "var/log/xen/xend.log": text_bytes([e.text for e in x.log.sorted()]),
    }
    facts = {
        "host": "xen07-fixed", "ram_mb": h.ram_mb, "dom0_pages": h.dom0_pages,
        "dom0_mib": h.dom0_mib, "kernel_total_kb": h.kernel_total_kb,
        "xen_cmdline": h.xen_cmdline, "boot": boot, "collected": collected, "starts": starts,
        "free_mib_at_collection": x.free_kb // KIB, "messages_lines": len(m0),
    }
    return Built(files, facts)
