"""analyzer/sources/sosreport.py: sos layouts of two generations, as trees and as tarballs."""

from __future__ import annotations

import gzip
import io
import os
import struct
import tarfile
from pathlib import Path

import pytest
import zstandard

from analyzer.model import ROLE_FACT, ROLE_LOG, ROLE_META
from analyzer.options import Options
from analyzer.sources import discover, iter_line_chunks
from analyzer.sources.sosreport import classify, fact_kind, find_roots, locate, log_kind

DATA = Path(__file__).parent / "data"
XEN_DMESG = (DATA / "real-dmesg" / "01_FlorianHeigl_xenserver-health__dmesg.log").read_bytes()
KERN_LOG = (DATA / "real-dmesg" / "15_canonical_hotsos__tests_unit_fake_data_root_openstack_"
            "var_log_kern.log").read_bytes()

SQUEEZE = (b"Mar  8 14:02:11 xen07 kernel: xen_net: Memory squeeze in netback driver.\n"
           b"Mar  8 14:02:16 xen07 kernel: printk: 4 messages suppressed.\n")
XEND = (b"[2009-03-08 14:01:58 5499] DEBUG (balloon:151) Balloon: 1048576 KiB free; "
        b"0 to scrub; need 2097152; retries: 20.\n"
        b"[2009-03-08 14:01:58 5499] DEBUG (balloon:163) Balloon: setting dom0 target to "
        b"2931 MiB.\n"
        b"[2009-03-08 14:01:58 5499] INFO (XendDomainInfo:1089) Setting memory target of domain "
        b"Domain-0 (0) to 2931 MiB.\n")
XM_INFO = b"host                   : xen07\nrelease                : 2.6.18-128.el5xen\n" \
          b"total_memory           : 16374\nxen_commandline        : \n"
GRUB_CONF = b"title CentOS (2.6.18-128.el5xen)\n\troot (hd0,0)\n\tkernel /xen.gz-2.6.18-128.el5\n" \
            b"\tmodule /vmlinuz-2.6.18-128.el5xen ro root=/dev/VolGroup00/LogVol00\n"
XL_LOG = b"libxl: error: libxl_mem.c:287:libxl_set_memory_target: Domain 0:New target 0 for " \
         b"dom0 is below the minimum threshold\n"

# sos 1.x/2.x on a RHEL 5 / xend host: plain files at the root, xm outputs, localtime link
OLD_SOS = {
    "date": b"Sun Mar  8 14:02:11 CET 2009\n",
    "hostname": b"xen07.example.org\n",
    "uname": b"Linux xen07 2.6.18-128.el5xen #1 SMP x86_64 GNU/Linux\n",
    "boot/grub/grub.conf": GRUB_CONF,
    "etc/xen/xend-config.sxp": b"(dom0-min-mem 256)\n(enable-dom0-ballooning yes)\n",
    "proc/cmdline": b"ro root=/dev/VolGroup00/LogVol00\n",
    "proc/meminfo": b"MemTotal:     16250600 kB\n",
    "proc/xen/balloon": b"Current allocation:  3001344 kB\nRequested target:    3001344 kB\n",
    "sos_commands/xen/xm_info": XM_INFO,
    "sos_commands/xen/xm_dmesg": b"(XEN) Xen version 3.1.2-128.el5 (mockbuild@centos.org)\n",
    "sos_commands/kernel/uname_-a": b"Linux xen07 2.6.18-128.el5xen #1 SMP x86_64 GNU/Linux\n",
    "sos_commands/kernel/dmesg": XEN_DMESG,
    "sos_commands/networking/ifconfig_-a": b"eth0      Link encap:Ethernet\n",
    "var/log/messages": SQUEEZE,
    "var/log/messages.1": SQUEEZE,
    "var/log/messages.2.gz": gzip.compress(SQUEEZE),
    "var/log/xen/xend.log": XEND,
    "var/log/xen/xend.log.1": XEND,
    "var/log/xen/qemu-dm-vm1.log": b"domid: 3\nqemu: the number of cpus is 1\n",
    "var/log/wtmp": bytes(range(256)) * 4,
}
OLD_LINKS = {"etc/localtime": "/usr/share/zoneinfo/Europe/Berlin"}
OLD_LOGS = {
    "sos_commands/xen/xm_dmesg": "xen_dmesg", "sos_commands/kernel/dmesg": "dmesg",
    "var/log/messages": "messages", "var/log/messages.1": "messages",
    "var/log/messages.2.gz": "messages", "var/log/xen/xend.log": "xend",
    "var/log/xen/xend.log.1": "xend", "var/log/xen/qemu-dm-vm1.log": "",
}
OLD_FACTS = {
    "boot/grub/grub.conf": "grub", "etc/xen/xend-config.sxp": "xend_config",
    "proc/cmdline": "proc_cmdline", "proc/meminfo": "meminfo", "proc/xen/balloon": "xen_balloon",
    "sos_commands/xen/xm_info": "xm_info", "sos_commands/kernel/uname_-a": "uname",
    "uname": "uname",  # a plain file at the root in old sos versions
}

# sos 4.x on a Debian xl host: outputs under sos_commands/<plugin>/, root names are links
NEW_SOS = {
    "sos_reports/manifest.json": b'{"version": "4.5.0"}\n',
    "sos_commands/host/hostname": b"xen08\n",
    "sos_commands/date/date": b"Mon May  1 10:00:00 CEST 2023\n",
    "etc/timezone": b"Europe/Amsterdam\n",
    "etc/default/grub": b'GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=4096M,max:4096M"\n',
    "boot/grub/grub.cfg": b"multiboot2 /boot/xen-4.17-amd64.gz placeholder dom0_mem=4096M\n",
    "etc/xen/xl.conf": b'autoballoon="off"\n',
    "sos_commands/xen/xl_info": XM_INFO,
    "sos_commands/kernel/uname_-a": b"Linux xen08 6.1.0-9-amd64 #1 SMP PREEMPT_DYNAMIC Debian "
                                    b"6.1.27-1 (2023-05-08) x86_64 GNU/Linux\n",
    "sos_commands/xen/xl_dmesg": b"(XEN) Xen version 4.17.1-pre (Debian 4.17.1+2-gb773c48e36-1)\n",
    "sos_commands/logs/journalctl_--no-pager_--catalog_--boot": b"-- Journal begins --\n",
    "sos_commands/logs/journalctl_--list-boots": b" 0 6e0c... Mon 2023-05-01\n",
    "var/log/kern.log": KERN_LOG,
    "var/log/kern.log.1": KERN_LOG,
    "var/log/kern.log.2.gz": gzip.compress(KERN_LOG),
    "var/log/xen/xl-vm1.log": XL_LOG,
    "var/log/xen/xen-hotplug.log": b"RTNETLINK answers: Operation not supported\n",
    "var/log/journal/6e0c/system.journal": b"LPKSHHRH" + bytes(200),
}
NEW_LINKS = {"hostname": "sos_commands/host/hostname", "date": "sos_commands/date/date",
             "uname": "sos_commands/kernel/uname_-a",
             "etc/localtime": "/usr/share/zoneinfo/Europe/Amsterdam"}
NEW_LOGS = {
    "sos_commands/xen/xl_dmesg": "xen_dmesg",
    "sos_commands/logs/journalctl_--no-pager_--catalog_--boot": "journal",
    "var/log/kern.log": "kern", "var/log/kern.log.1": "kern", "var/log/kern.log.2.gz": "kern",
    "var/log/xen/xl-vm1.log": "xl", "var/log/xen/xen-hotplug.log": "hotplug",
}
NEW_FACTS = {"etc/default/grub": "grub", "boot/grub/grub.cfg": "grub",
             "etc/xen/xl.conf": "xl_conf", "sos_commands/xen/xl_info": "xm_info",
             "sos_commands/kernel/uname_-a": "uname"}  # the root uname link is not read twice


def _tzif_block() -> bytes:
    header = b"TZif2" + bytes(15) + struct.pack(">6l", 0, 0, 0, 0, 1, 4)
    return header + struct.pack(">lBB", 0, 0, 0) + b"UTC\x00"


#: byte for byte /usr/share/zoneinfo/Etc/UTC (tzdata, version 2 format)
UTC_TZIF = _tzif_block() + _tzif_block() + b"\nUTC0\n"


def build(root: Path, files: dict[str, bytes], links: dict[str, str]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for rel, target in links.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    return root


def tarball(tmp_path: Path, top: Path, name: str, packer=None) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(top, arcname=top.name)
    out = tmp_path / name
    out.write_bytes(packer(buf.getvalue()) if packer else buf.getvalue())
    return out


def by_inner_path(inv, prefix: str) -> dict[str, tuple[str, str]]:
    return {s.path[len(prefix):]: (s.role, s.kind) for s in inv.sources}


def check_old(inv, prefix: str):
    assert inv.hostname == "xen07.example.org"
    assert inv.collected == "Sun Mar  8 14:02:11 CET 2009"
    assert inv.timezone == "Europe/Berlin"
    found = by_inner_path(inv, prefix)
    assert {p: k for p, (r, k) in found.items() if r == ROLE_LOG} == OLD_LOGS
    assert {p: k for p, (r, k) in found.items() if r == ROLE_FACT} == OLD_FACTS
    assert {k for p, (r, k) in found.items() if r == ROLE_META} == {"hostname", "date"}
    assert not any("ifconfig" in p or "wtmp" in p for p in found)


def check_new(inv, prefix: str):
    assert inv.hostname == "xen08"
    assert inv.collected == "Mon May  1 10:00:00 CEST 2023"
    assert inv.timezone == "Europe/Amsterdam"
    found = by_inner_path(inv, prefix)
    assert {p: k for p, (r, k) in found.items() if r == ROLE_LOG} == NEW_LOGS
    assert {p: k for p, (r, k) in found.items() if r == ROLE_FACT} == NEW_FACTS
    assert {k for p, (r, k) in found.items() if r == ROLE_META} == {"hostname", "date", "timezone"}
    assert not any("list-boots" in p or "system.journal" in p for p in found)


def test_old_layout_tree(tmp_path):
    top = build(tmp_path / "sosreport-xen07-20090308", OLD_SOS, OLD_LINKS)
    with discover([top], options=Options()) as inv:
        check_old(inv, str(top) + "/")
        assert inv.root_name == "sosreport-xen07-20090308"
        assert inv.skipped == []
        # rotated family on disk: oldest first
        messages = [s.path.rsplit("/", 1)[1] for s in inv.sources if s.kind == "messages"]
        assert messages == ["messages.2.gz", "messages.1", "messages"]


def test_old_layout_tar_xz(tmp_path):
    import lzma

    top = build(tmp_path / "sosreport-xen07-20090308", OLD_SOS, OLD_LINKS)
    archive = tarball(tmp_path, top, "sosreport-xen07-20090308.tar.xz", lzma.compress)
    with discover([archive], options=Options()) as inv:
        prefix = f"{archive}!sosreport-xen07-20090308/"
        check_old(inv, prefix)
        assert inv.root_name == "sosreport-xen07-20090308"
        # the localtime link gave the zone and is not read through, nor reported
        assert inv.skipped == []
        gz = next(s for s in inv.sources if s.path.endswith("messages.2.gz"))
        lines = [ln for c in iter_line_chunks(gz, options=Options()) for ln in c.lines]
        assert lines == SQUEEZE.decode().splitlines()
        assert (gz.family, gz.rotation) == (prefix + "var/log/messages", 2)


@pytest.mark.parametrize("name, packer", [
    ("sosreport-xen08-2023-05-01-abcdef.tar.gz", gzip.compress),
    ("sosreport-xen08-2023-05-01-abcdef.tar.zst",
     lambda data: zstandard.ZstdCompressor().compress(data)),
])
def test_new_layout_tarballs(tmp_path, name, packer):
    top = build(tmp_path / "sosreport-xen08-2023-05-01-abcdef", NEW_SOS, NEW_LINKS)
    archive = tarball(tmp_path, top, name, packer)
    with discover([archive], options=Options()) as inv:
        check_new(inv, f"{archive}!sosreport-xen08-2023-05-01-abcdef/")
        # root names are links to sos_commands: found through the fallback lists instead, so
        # not reported; the binary journal is reported
        assert [(k.path.rsplit("!", 1)[1], k.reason) for k in inv.skipped] == [
            ("sosreport-xen08-2023-05-01-abcdef/var/log/journal/6e0c/system.journal",
             "journal_binary")]
        # sources are in archive member order: every read only seeks forward
        kern = [s for s in inv.sources if s.kind == "kern"]
        assert [s.rotation for s in kern] == [0, 1, 2]
        total = sum(len(c.lines) for s in kern for c in iter_line_chunks(s, options=Options()))
        assert total == 3 * (KERN_LOG.count(b"\n") + (not KERN_LOG.endswith(b"\n")))


def test_new_layout_tree(tmp_path):
    top = build(tmp_path / "sosreport-xen08-2023-05-01-abcdef", NEW_SOS, NEW_LINKS)
    with discover([top], options=Options()) as inv:
        check_new(inv, str(top) + "/")


def test_zone_from_timedatectl_and_trivial_localtime(tmp_path):
    utc_tzif = UTC_TZIF
    files = {"etc/localtime": utc_tzif, "var/log/syslog": SQUEEZE}
    top = build(tmp_path / "sos", files, {})
    with discover([top], options=Options()) as inv:
        # no sos marker (var/log needs a hostname or date file next to it): a plain tree
        assert inv.timezone is None
        assert {s.path[len(str(top)) + 1:] for s in inv.sources} == {"var/log/syslog"}
        assert inv.skipped[0].reason == "binary"  # etc/localtime read as a log candidate
    build(top, {"sos_commands/general/hostname": b"xen09\n"}, {})
    with discover([top], options=Options()) as inv:
        assert (inv.hostname, inv.timezone) == ("xen09", "UTC")
        assert ("localtime", ROLE_META) in {(s.kind, s.role) for s in inv.sources}
    (top / "etc/localtime").unlink()
    build(top, {"sos_commands/systemd/timedatectl":
                b"               Local time: Mon 2023-05-01 10:00:00 CEST\n"
                b"                Time zone: Europe/Berlin (CEST, +0200)\n"}, {})
    with discover([top], options=Options()) as inv:
        assert inv.timezone == "Europe/Berlin"


def test_roots_and_classification():
    rels = ["sosreport-a/sos_commands/xen/xm_info", "sosreport-a/var/log/messages",
            "other/var/log/messages", "other/date", "plain/kern.log"]
    roots = find_roots(rels)
    assert sorted(roots) == ["other", "sosreport-a"]
    assert locate("sosreport-a/var/log/messages", roots) == "var/log/messages"
    assert locate("plain/kern.log", roots) is None
    assert classify("var/log/xen/console/hypervisor.log", in_sos=True) == (ROLE_LOG, "xen_dmesg")
    assert classify("sos_commands/kernel/lsmod", in_sos=True) is None
    assert classify("notes.txt", in_sos=False) == (ROLE_LOG, "")
    assert fact_kind("dom0/xl_info.txt") == "xm_info"
    assert fact_kind("boot/grub/menu.lst") == "grub"
    assert log_kind("logs.tar!var/log/syslog.3.gz") == "syslog"


def test_rhel_sysconfig_clock_names_the_zone(tmp_path):
    from analyzer.sources import discover
    from analyzer.options import Options

    root = tmp_path / "sosreport-web01"
    (root / "etc" / "sysconfig").mkdir(parents=True)
    (root / "var" / "log").mkdir(parents=True)
    (root / "hostname").write_text("web01\n")
    (root / "etc" / "sysconfig" / "clock").write_text('ZONE="America/New_York"\nUTC=false\n')
    (root / "var" / "log" / "messages").write_text("Mar  6 14:02:44 web01 kernel: hi\n")
    with discover([root], options=Options()) as inv:
        assert inv.timezone == "America/New_York"
