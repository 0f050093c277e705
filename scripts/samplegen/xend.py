"""xend.log (Xen 3.x): ``[%(asctime)s %(process)d] %(levelname)s (%(module)s:%(lineno)d) msg``.

    [2009-03-02 08:41:08 4791] DEBUG (balloon:151) Balloon: setting dom0 target to 7495 MiB.

``Xend`` writes the create/destroy/shutdown sequences and models what ``balloon.free`` sees
(Xen free memory, Dom0 allocation, ``dom0-min-mem``), so the logged numbers add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .common import Timeline, mac, uuid
from .xen3 import KIB, XenHost

# ---------------------------------------------------------------------------------------------
# xend.log (Xen 3.x): XendLogging LOGFILE_FORMAT, "[%(asctime)s %(process)d] %(levelname)s ..."


@dataclass
class Guest:
    name: str
    mib: int
    domid: int = 0
    mac: str = ""
    uuid: str = ""
    disk: str = ""


class Xend:
    """Writes xend.log lines and tracks the memory that balloon.py sees."""

    def __init__(self, rng, pid: int, *, dom0_kb: int, free_kb: int, dom0_min_mib: int,
                 ballooning: bool, line_numbers: dict[str, int] | None = None):
        self.rng = rng
        self.pid = pid
        self.dom0_kb = dom0_kb
        self.free_kb = free_kb
        self.dom0_min_kb = dom0_min_mib * KIB
        self.ballooning = ballooning
        self.log = Timeline()
        self.targets: list[tuple[datetime, int]] = []  # (time, MiB) each dom0 target change
        self.next_domid = 1
        self.ln = {"create": 84, "construct": 1893, "add": 452, "init": 1975, "shadow": 2006,
                   "bal_done": 132, "bal_first": 145, "bal_set": 151, "target": 1061,
                   "build": 139, "createDevice": 1684, "store": 2731, "wait": 136, "waitfor": 141,
                   "hpcb": 616, "hpcb2": 630, "unpaused": 1193, "destroy": 2341,
                   "destroyDomain": 2203, "boot": 113, "shutdown": 2051, "devwrite": 117,
                   "devwrite2": 119, "image": 208, "removing": 1110, **(line_numbers or {})}

    def w(self, ts: datetime, level: str, where: str, msg: str) -> None:
        mod, key = where.split(":")
        self.log.add(ts, f"[{ts:%Y-%m-%d %H:%M:%S} {self.pid}] {level} ({mod}:{self.ln[key]}) {msg}")

    def raw(self, ts: datetime, text: str) -> None:
        self.log.add(ts, text)

    def balloon(self, t: datetime, need_kb: int) -> tuple[bool, datetime]:
        """balloon.free(need): returns (ok, time when done)."""
        if self.free_kb >= need_kb:
            self.w(t, "DEBUG", "balloon:bal_done", f"Balloon: {self.free_kb} KiB free; need {need_kb}; done.")
            return True, t
        retries = 20 + ((need_kb - self.free_kb) // 1024 // 1024) * 5
        self.w(t, "DEBUG", "balloon:bal_first",
               f"Balloon: {self.free_kb} KiB free; 0 to scrub; need {need_kb}; retries: {retries}.")
        new_alloc = self.dom0_kb - (need_kb - self.free_kb)
        if not self.ballooning:
            return False, t + timedelta(seconds=21)
        if new_alloc < self.dom0_min_kb:
            return False, t + timedelta(seconds=sum(0.1 * i for i in range(1, retries + 1)))
        mib = new_alloc // KIB
        self.w(t, "DEBUG", "balloon:bal_set", f"Balloon: setting dom0 target to {mib} MiB.")
        self.w(t, "DEBUG", "XendDomainInfo:target",
               f"Setting memory target of domain Domain-0 (0) to {mib} MiB.")
        self.targets.append((t, mib))
        self.free_kb += self.dom0_kb - mib * KIB
        self.dom0_kb = mib * KIB
        t2 = t + timedelta(seconds=1 + (need_kb > 600_000))
        self.w(t2, "DEBUG", "balloon:bal_done", f"Balloon: {self.free_kb} KiB free; need {need_kb}; done.")
        return True, t2

    def create(self, t: datetime, g: Guest, *, fail_expected: bool = False):
        """One ``xm create``; returns (ok, when the domain is unpaused or failed)."""
        rng = self.rng
        g.domid = self.next_domid
        self.next_domid += 1
        g.mac = g.mac or mac(rng)
        g.uuid = g.uuid or uuid(rng)
        g.disk = g.disk or f"phy:/dev/VolGroup01/{g.name}"
        sxp = (f"['vm', ['name', '{g.name}'], ['memory', {g.mib}], ['maxmem', {g.mib}], "
               "['on_poweroff', 'destroy'], ['on_reboot', 'restart'], ['on_crash', 'restart'], "
               "['vcpus', 1], ['on_xend_start', 'ignore'], ['on_xend_stop', 'ignore'], "
               "['bootloader', '/usr/bin/pygrub'], ['image', ['linux', ['ramdisk', ''], "
               "['kernel', ''], ['args', '']]], ['device', ['vbd', ['uname', "
               f"'{g.disk}'], ['dev', 'xvda'], ['mode', 'w']]], ['device', ['vif', "
               f"['bridge', 'xenbr0'], ['mac', '{g.mac}']]]]")
        self.w(t, "DEBUG", "XendDomainInfo:create", f"XendDomainInfo.create({sxp})")
        self.w(t, "DEBUG", "XendDomainInfo:construct", "XendDomainInfo.constructDomain")
        self.w(t, "DEBUG", "XendDomain:add", f"Adding Domain: {g.domid}")
        blp = 18000 + rng.randrange(9000)
        self.w(t, "DEBUG", "XendBootloader:boot",
               f"Launching bootloader as ['/usr/bin/pygrub', '--args=', "
               f"'--output=/var/run/xend/boot/xenbl.{blp}', '/dev/VolGroup01/{g.name}'].")
        t += timedelta(seconds=1)
        self.w(t, "DEBUG", "XendDomainInfo:init", f"XendDomainInfo.initDomain: {g.domid} 256")
        self.w(t, "DEBUG", "XendDomainInfo:shadow",
               f"_initDomain:shadow_memory=0x0, memory_static_max=0x{g.mib << 20:x}, "
               "memory_static_min=0x0.")
        ok, t = self.balloon(t, g.mib * KIB)
        if not ok:
            return False, t
        self.free_kb = max(self.free_kb - g.mib * KIB - 4 * rng.randrange(4, 20),  # Xen's pages
                           4 * rng.randrange(2, 40))
        self.w(t, "INFO", "image:build", f"buildDomain os=linux dom={g.domid} vcpus=1")
        kid = rng.randrange(100000, 999999)
        for label, value in [("domid", g.domid), ("memsize", g.mib),
                             ("image", f"/var/run/xend/boot/boot_kernel.{kid}"),
                             ("store_evtchn", 1), ("console_evtchn", 2),
                             ("cmdline", "ro root=/dev/VolGroup00/LogVol00 console=xvc0"),
                             ("ramdisk", f"/var/run/xend/boot/boot_ramdisk.{kid + 1}"),
                             ("vcpus", 1), ("features", "")]:
            self.w(t, "DEBUG", "image:image", f"{label:<15}= {value}")
            self.ln["image"] += 1
        self.ln["image"] -= 9
        be = f"/local/domain/0/backend"
        vbd_uuid, vif_uuid = uuid(rng), uuid(rng)
        self.w(t, "INFO", "XendDomainInfo:createDevice",
               f"createDevice: vbd : {{'uuid': '{vbd_uuid}', 'bootable': 1, 'driver': "
               f"'paravirtualised', 'dev': 'xvda', 'uname': '{g.disk}', 'mode': 'w'}}")
        self.w(t, "DEBUG", "DevController:devwrite",
               f"DevController: writing {{'virtual-device': '51712', 'device-type': 'disk', "
               f"'protocol': 'x86_64-abi', 'backend-id': '0', 'state': '1', 'backend': "
               f"'{be}/vbd/{g.domid}/51712'}} to /local/domain/{g.domid}/device/vbd/51712.")
        self.w(t, "DEBUG", "DevController:devwrite2",
               f"DevController: writing {{'domain': '{g.name}', 'frontend': "
               f"'/local/domain/{g.domid}/device/vbd/51712', 'uuid': '{vbd_uuid}', 'dev': 'xvda', "
               f"'state': '1', 'params': '/dev/VolGroup01/{g.name}', 'mode': 'w', 'online': '1', "
               f"'frontend-id': '{g.domid}', 'type': 'phy'}} to {be}/vbd/{g.domid}/51712.")
        self.w(t, "INFO", "XendDomainInfo:createDevice",
               f"createDevice: vif : {{'bridge': 'xenbr0', 'mac': '{g.mac}', 'uuid': '{vif_uuid}'}}")
        self.w(t, "DEBUG", "DevController:devwrite",
               f"DevController: writing {{'mac': '{g.mac}', 'handle': '0', 'protocol': "
               f"'x86_64-abi', 'backend-id': '0', 'state': '1', 'backend': "
               f"'{be}/vif/{g.domid}/0'}} to /local/domain/{g.domid}/device/vif/0.")
        self.w(t, "DEBUG", "DevController:devwrite2",
               f"DevController: writing {{'bridge': 'xenbr0', 'domain': '{g.name}', 'handle': '0', "
               f"'uuid': '{vif_uuid}', 'script': '/etc/xen/scripts/vif-bridge', 'mac': '{g.mac}', "
               f"'frontend-id': '{g.domid}', 'state': '1', 'online': '1', 'frontend': "
               f"'/local/domain/{g.domid}/device/vif/0'}} to {be}/vif/{g.domid}/0.")
        self.w(t, "DEBUG", "XendDomainInfo:store",
               f"Storing domain details: {{'console/ring-ref': '{rng.randrange(100000, 2000000)}', "
               f"'image/entry': '18446744071564165120', 'console/port': '2', 'store/port': '1', "
               f"'vm': '/vm/{g.uuid}', 'domid': '{g.domid}', 'image/suspend-cancel': '1', "
               f"'cpu/0/availability': 'online', 'image/hypercall-page': '18446744071562092544', "
               f"'image/guest-os': 'linux', 'memory/target': '{g.mib * KIB}', "
               f"'image/paddr-offset': '18446744071562067968', 'console/type': 'xenconsoled', "
               f"'name': '{g.name}', 'store/ring-ref': '{rng.randrange(100000, 2000000)}'}}")
        t += timedelta(seconds=1)
        for cls, dev in [("vif", "0"), ("vbd", "51712")]:
            self.w(t, "DEBUG", "DevController:wait", f"Waiting for devices {cls}.")
            self.w(t, "DEBUG", "DevController:waitfor", f"Waiting for {dev}.")
            self.w(t, "DEBUG", "DevController:hpcb",
                   f"hotplugStatusCallback {be}/{cls}/{g.domid}/{dev}/hotplug-status.")
            self.w(t, "DEBUG", "DevController:hpcb2", "hotplugStatusCallback 1.")
        for cls in ("irq", "vkbd", "vfb", "pci", "ioports", "tap", "vtpm"):
            self.w(t, "DEBUG", "DevController:wait", f"Waiting for devices {cls}.")
        self.w(t, "INFO", "XendDomain:unpaused", f"Domain {g.name} ({g.domid}) unpaused.")
        return True, t

    def destroy(self, t: datetime, g: Guest) -> None:
        self.w(t, "DEBUG", "XendDomainInfo:destroy", f"XendDomainInfo.destroy: domid={g.domid}")
        self.w(t, "DEBUG", "XendDomainInfo:destroyDomain", f"XendDomainInfo.destroyDomain({g.domid})")
        self.free_kb += g.mib * KIB + 48
        for cls, dev in [("vif", "0"), ("vbd", "51712"), ("console", "0")]:
            self.w(t, "DEBUG", "XendDomainInfo:removing", f"Removing {cls}/{dev}")

    def shutdown(self, t: datetime, g: Guest, reason: str = "poweroff") -> None:
        self.w(t, "INFO", "XendDomainInfo:shutdown",
               f"Domain has shutdown: name={g.name} id={g.domid} reason={reason}.")
        self.destroy(t, g)


def xend_start(x: Xend, t: datetime, h: XenHost, *, running: list[Guest], version: str) -> None:
    """xend (re)start: SrvDaemon lines, Domain-0 and running domains recreated."""
    x.ln.update({"SrvDaemon": 283 if version.startswith("3.3") else 281, "recreate": 144,
                 "recreating": 278, "SrvServer": 50, "XendNetwork": 114, "vcpus": 634})
    x.w(t, "INFO", "SrvDaemon:SrvDaemon", "Xend Daemon started")
    x.ln["SrvDaemon2"] = x.ln["SrvDaemon"] + 4
    x.w(t, "INFO", "SrvDaemon:SrvDaemon2", "Xend changeset: unavailable.")
    x.w(t, "DEBUG", "XendDomainInfo:recreate",
        f"XendDomainInfo.recreate({{'max_vcpu_id': {h.cpus - 1}, 'cpu_time': "
        f"{x.rng.randrange(10**10, 10**12)}, 'ssidref': 0, 'hvm': 0, 'shutdown_reason': 0, "
        f"'dying': 0, 'online_vcpus': {h.cpus}, 'domid': 0, 'paused': 0, 'crashed': 0, "
        f"'running': 1, 'maxmem_kb': 17179869180, 'shutdown': 0, 'mem_kb': {x.dom0_kb}, "
        f"'handle': [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'blocked': 0, "
        f"'name': 'Domain-0'}})")
    x.w(t, "INFO", "XendDomainInfo:recreating",
        "Recreating domain 0, UUID 00000000-0000-0000-0000-000000000000. at /local/domain/0")
    x.w(t, "DEBUG", "XendDomainInfo:store",
        f"Storing VM details: {{'on_xend_stop': 'ignore', 'shadow_memory': '0', 'uuid': "
        f"'00000000-0000-0000-0000-000000000000', 'on_reboot': 'restart', 'image': '(linux "
        f"(kernel ))', 'on_poweroff': 'destroy', 'on_xend_start': 'ignore', 'on_crash': "
        f"'restart', 'xend/restart_count': '0', 'vcpus': '{h.cpus}', 'vcpu_avail': "
        f"'{(1 << h.cpus) - 1}', 'memory': '{x.dom0_kb // KIB}', 'maxmem': "
        f"'{x.dom0_kb // KIB}', 'name': 'Domain-0'}}")
    x.w(t, "DEBUG", "XendDomain:vcpus", "number of vcpus to use is 0")
    for g in running:
        x.w(t, "DEBUG", "XendDomainInfo:recreate",
            f"XendDomainInfo.recreate({{'max_vcpu_id': 0, 'cpu_time': "
            f"{x.rng.randrange(10**10, 10**13)}, 'ssidref': 0, 'hvm': 0, 'shutdown_reason': 0, "
            f"'dying': 0, 'online_vcpus': 1, 'domid': {g.domid}, 'paused': 0, 'crashed': 0, "
            f"'running': 0, 'maxmem_kb': {g.mib * KIB}, 'shutdown': 0, 'mem_kb': {g.mib * KIB}, "
            f"'handle': [{', '.join(str(int(g.uuid.replace('-', '')[i:i + 2], 16)) for i in range(0, 32, 2))}], "
            f"'blocked': 1, 'name': '{g.name}'}})")
        x.w(t, "INFO", "XendDomainInfo:recreating",
            f"Recreating domain {g.domid}, UUID {g.uuid}. at /local/domain/{g.domid}")
    t2 = t + timedelta(seconds=1)
    x.w(t2, "INFO", "SrvServer:SrvServer", "unix path=/var/lib/xend/xend-socket")
