"""Host facts from tagged events and fact files (analyzer/facts/combine.py, events.py).

Event tables are built directly, with the tag ids and field names of the pattern-library
contract. Messages are real line formats (xen-messages.md §2); the XenServer Dom0 and Ubuntu
host boot lines are read from the real logs in tests/data/real-dmesg (see SOURCES.md).
"""

import io
import re
from pathlib import Path

import pandas as pd
import pytest

from analyzer.facts import CONTRACT_KEYS, PER_BOOT_KEYS, extract_facts
from analyzer.facts.combine import FILE_PARSERS
from analyzer.facts.kernel import SWIOTLB_MAINLINE, SWIOTLB_XENLINUX
from analyzer.model import EVENT_COLUMNS, FACT_KINDS, Source

from test_facts_grub import RHEL5_GRUB_CONF
from test_facts_toolstack import XEND_CONFIG, XL_INFO_411, XM_INFO_33


def event(source, line, tag, fields, message, *, boot=0, program="kernel"):
    return {"host": "xenhost1", "source": source, "line": line, "boot": boot, "ts": None,
            "ts_quality": "unknown", "uptime": None, "program": program, "message": message,
            "tag": tag, "category": "facts", "severity": "info", "count": 1, "fields": fields,
            "end_line": line}


def table(rows):
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS) + ["end_line"])
    frame["boot"] = frame["boot"].astype("Int64")
    return frame


def fact_file(path, kind, text):
    return Source(path=path, role="fact", open=lambda: io.BytesIO(text.encode()), kind=kind), text


XM_DMESG = "sosreport-xenhost1!sos_commands/xen/xm_dmesg"
MESSAGES = "sosreport-xenhost1!var/log/messages"
XEND_LOG = "sosreport-xenhost1!var/log/xen/xend.log"


def rhel5_incident_rows(*, boot=0):
    """A RHEL 5 Dom0 booted without dom0_mem on an 8 GiB host, then ballooned by xend."""
    return [
        event(XM_DMESG, 3, "xen.hv.version", {"version": "3.1.2-128.el5"},
              "Xen version 3.1.2-128.el5 (brewbuilder@build.redhat.com) (gcc version 4.1.2 "
              "20080704 (Red Hat 4.1.2-44)) Wed Dec 17 11:34:27 EST 2008", boot=boot,
              program=None),
        event(XM_DMESG, 6, "xen.hv.cmdline", {"cmdline": "/xen.gz-2.6.18-128.el5"},
              "Command line: /xen.gz-2.6.18-128.el5", boot=boot, program=None),
        event(XM_DMESG, 21, "xen.hv.system_ram", {"mb": "8190", "kb": "8386560"},
              "System RAM: 8190MB (8386560kB)", boot=boot, program=None),
        event(XM_DMESG, 48, "xen.hv.dom0_alloc",
              {"start": "0000000204000000", "end": "0000000208000000", "pages": "2063872"},
              " Dom0 alloc.:   0000000204000000->0000000208000000 (2063872 pages to be "
              "allocated)", boot=boot, program=None),
        event(MESSAGES, 1, "kernel.boot.version", {"version": "2.6.18-128.el5xen"},
              "Linux version 2.6.18-128.el5xen (brewbuilder@hs20-bc2-3.build.redhat.com) (gcc "
              "version 4.1.2 20080704 (Red Hat 4.1.2-44)) #1 SMP Wed Dec 17 11:42:39 EST 2008",
              boot=boot),
        event(MESSAGES, 4, "kernel.boot.cmdline",
              {"cmdline": "ro root=/dev/VolGroup00/LogVol00 rhgb quiet"},
              "Command line: ro root=/dev/VolGroup00/LogVol00 rhgb quiet", boot=boot),
        event(MESSAGES, 40, "kernel.boot.memory", {"avail_kb": "8117736", "total_kb": "8263680"},
              "Memory: 8117736k/8263680k available (2485k kernel code, 137044k reserved, "
              "1404k data, 192k init)", boot=boot),
        event(MESSAGES, 900, "xen.netback.squeeze", {},
              "xen_net: Memory squeeze in netback driver.", boot=boot),
        event(XEND_LOG, 10, "xen.balloon.dom0_target", {"mib": "6015"},
              "Balloon: setting dom0 target to 6015 MiB.", boot=boot, program="xend"),
        event(XEND_LOG, 30, "xen.domu.start", {"domid": "1", "name": "web1"},
              "Started domain web1 (id=1)", boot=boot, program="xend"),
        event(XEND_LOG, 50, "xen.balloon.dom0_target", {"mib": "3072"},
              "Balloon: setting dom0 target to 3072 MiB.", boot=boot, program="xend"),
        event(XEND_LOG, 70, "xen.domu.start", {"domid": "2", "name": "db1"},
              "Started domain db1 (id=2)", boot=boot, program="xend"),
        event(XEND_LOG, 71, "xen.domu.start", {"domid": "2", "name": "db1"},
              "Started domain db1 (id=2)", boot=boot, program="xend"),
        event(XEND_LOG, 90, "xen.balloon.dom0_target", {"mib": "4096"},
              "Balloon: setting dom0 target to 4096 MiB.", boot=boot, program="xend"),
    ]


def test_file_parsers_cover_every_fact_kind():
    assert set(FILE_PARSERS) == set(FACT_KINDS)


def test_motivating_incident_from_logs():
    facts = extract_facts(table(rhel5_incident_rows()), [])
    v = facts.values
    assert set(CONTRACT_KEYS) <= set(v)
    assert v["xen_cmdline"] == "/xen.gz-2.6.18-128.el5"
    assert v["dom0_mem_option"] is None and v["dom0_mem_mib"] is None  # seen, and absent
    assert v["ram_mib"] == 8190.0
    assert v["dom0_boot_mib"] == 8062.0  # Dom0 alloc. pages x 4 KiB, not the Memory: line
    assert v["dom0_boot_share"] == pytest.approx(0.984, abs=0.001)
    assert v["is_xen_dom0"] is True
    assert v["kernel"] == "2.6.18-128.el5xen" and v["xen"] == "3.1.2-128.el5"
    assert v["swiotlb"] is None and v["swiotlb_units"] == SWIOTLB_XENLINUX
    assert v["balloon_min_target_mib"] == 3072
    assert v["domu_starts"] == 2  # distinct (boot, domid)
    assert v["boots"] == 1
    assert v["toolstack"] == "xend"
    assert facts.provenance["xen_cmdline"] == {
        "source": XM_DMESG, "line": 6, "text": "Command line: /xen.gz-2.6.18-128.el5"}
    assert facts.provenance["dom0_boot_mib"]["line"] == 48
    assert facts.provenance["ram_mib"]["source"] == XM_DMESG
    assert facts.provenance["balloon_min_target_mib"]["line"] == 50
    assert len(facts.per_boot) == 1 and facts.per_boot[0]["boot"] == 0
    assert set(PER_BOOT_KEYS) <= set(facts.per_boot[0])


def test_hypervisor_log_wins_over_config_and_config_is_kept():
    files = [fact_file("sosreport-xenhost1!boot/grub/grub.conf", "grub", RHEL5_GRUB_CONF),
             fact_file("sosreport-xenhost1!sos_commands/xen/xm_info", "xm_info", XM_INFO_33),
             fact_file("sosreport-xenhost1!etc/xen/xend-config.sxp", "xend_config", XEND_CONFIG)]
    facts = extract_facts(table(rhel5_incident_rows()), files)
    v = facts.values
    assert v["xen_cmdline"] == "/xen.gz-2.6.18-128.el5"  # what booted
    assert v["dom0_mem_option"] is None
    assert v["config_xen_cmdline"] == "dom0_mem=256000"  # what the config says now
    assert v["config_dom0_mem_option"] == "256000"
    assert v["xen"] == "3.1.2-128.el5"  # the log's, not xm info's 3.3.1
    assert v["dom0_kernel_cmdline"] == "ro root=/dev/VolGroup00/LogVol00 rhgb quiet"
    assert v["dom0_min_mem_mib"] == 196 and v["dom0_ballooning"] is True
    assert facts.provenance["dom0_ballooning"] == {
        "source": "sosreport-xenhost1!etc/xen/xend-config.sxp", "line": 30,
        "text": "(enable-dom0-ballooning yes)"}
    assert v["hostname"] == "xenhost1.example.com"


def test_config_only_host():
    files = [fact_file("sos!boot/grub/grub.conf", "grub", RHEL5_GRUB_CONF),
             fact_file("sos!sos_commands/xen/xm_info", "xm_info", XM_INFO_33),
             fact_file("sos!proc/cmdline", "proc_cmdline",
                       "ro root=/dev/VolGroup00/LogVol00 rhgb quiet swiotlb=64\n")]
    facts = extract_facts(table([]), files)
    v = facts.values
    assert v["xen_cmdline"] == "dom0_mem=256000"
    assert v["dom0_mem_option"] == "256000" and v["dom0_mem_mib"] == 250.0
    assert v["ram_mib"] == 8190.0  # xm info total_memory
    assert v["xen"] == "3.3.1"
    assert v["kernel"] == "2.6.18-128.el5xen"  # xm info release
    assert v["swiotlb"] == "64" and v["swiotlb_units"] == SWIOTLB_XENLINUX
    assert v["dom0_boot_mib"] is None and v["boots"] == 0
    assert v["is_xen_dom0"] is True
    assert facts.provenance["dom0_mem_mib"] == facts.provenance["xen_cmdline"] == {
        "source": "sos!boot/grub/grub.conf", "line": 16,
        "text": "kernel /xen.gz-2.6.18-128.el5 dom0_mem=256000"}
    assert facts.provenance["swiotlb"]["source"] == "sos!proc/cmdline"
    assert facts.per_boot == []


def test_xl_info_commandline_beats_grub():
    files = [fact_file("sos!boot/grub/grub.cfg", "grub",
                       "menuentry 'Debian GNU/Linux, with Xen 4.11' {\n"
                       "\tmultiboot2\t/boot/xen-4.11-amd64.gz placeholder\n"
                       "\tmodule2\t/boot/vmlinuz-4.19.0-6-amd64 placeholder root=/dev/md0 ro\n"
                       "}\n"),
             fact_file("sos!sos_commands/xen/xl_info", "xm_info", XL_INFO_411),
             fact_file("sos!etc/xen/xl.conf", "xl_conf", '#autoballoon="auto"\n')]
    v = extract_facts(table([]), files).values
    assert v["xen_cmdline"] == "placeholder dom0_mem=4096M,max:4096M no-real-mode edd=off"
    assert v["dom0_mem_mib"] == 4096.0 and v["dom0_mem_max_mib"] == 4096.0
    assert v["config_dom0_mem_option"] is None
    assert v["toolstack"] == "xl"
    assert v["autoballoon"] is None  # not written in xl.conf ...
    assert v["dom0_ballooning"] is False  # ... so "auto", and dom0_mem is on the command line
    assert v["swiotlb_units"] == SWIOTLB_MAINLINE


@pytest.mark.parametrize("xl_conf, cmdline, expected", [
    ('autoballoon="off"\n', "placeholder", False),
    ('autoballoon="on"\n', "placeholder dom0_mem=1G", True),
    ('autoballoon="auto"\n', "placeholder", True),  # the modern form of the incident
    ('autoballoon="auto"\n', "placeholder dom0_mem=1G,max:1G", False),
    ('autoballoon="auto"\n', None, None),  # command line unknown: cannot say
    ("autoballoon=0\n", None, False),
])
def test_xl_autoballoon(xl_conf, cmdline, expected):
    rows = [] if cmdline is None else [
        event("sos!sos_commands/xen/xl_dmesg", 2, "xen.hv.cmdline", {"cmdline": cmdline},
              f"Command line: {cmdline}", boot=None, program=None)]
    facts = extract_facts(table(rows), [fact_file("sos!etc/xen/xl.conf", "xl_conf", xl_conf)])
    assert facts.values["dom0_ballooning"] is expected
    assert facts.values["autoballoon"] == xl_conf.split("=")[1].strip().strip('"')


DATA = Path(__file__).parent / "data" / "real-dmesg"
#: what the pattern library extracts from these lines (its contract), for building rows here
BOOT_LINE_RES = {
    "kernel.boot.version": re.compile(r"Linux version (?P<version>\S+)"),
    "kernel.boot.cmdline": re.compile(r"(?:Kernel )?[Cc]ommand line: (?P<cmdline>.*)$"),
    "kernel.boot.memory": re.compile(r"Memory: (?P<avail_kb>\d+)[kK]/(?P<total_kb>\d+)[kK] "),
}
PREFIX_RE = re.compile(r"^.*?\[\s*\d+\.\d+\] ")


def real_boot_rows(name, wanted):
    """Rows for the given (line number, boot) pairs of a real log, tagged as the library would."""
    lines = (DATA / name).read_text(encoding="utf-8").split("\n")
    rows = []
    for number, boot in wanted:
        message = PREFIX_RE.sub("", lines[number - 1])
        tag, m = next((t, m) for t, r in BOOT_LINE_RES.items() if (m := r.search(message)))
        rows.append(event(name, number, tag, m.groupdict(), message, boot=boot))
    return rows


def test_dom0_kernel_log_alone_leaves_host_facts_unknown():
    # XenServer 6.2 Dom0 dmesg: Linux version, Kernel command line, Memory: lines
    rows = real_boot_rows("01_FlorianHeigl_xenserver-health__dmesg.log",
                          [(2, 0), (81, 0), (95, 0)])
    assert rows[2]["message"].startswith("Memory: 737316k/778240k available")
    facts = extract_facts(table(rows), [])
    v = facts.values
    assert v["ram_mib"] is None  # Memory: is Dom0's size on a Xen Dom0, not the host's RAM
    assert v["xen_cmdline"] is None and v["dom0_mem_option"] is None  # unknown, not "absent"
    assert v["dom0_boot_mib"] == 760.0
    assert v["is_xen_dom0"] is True
    assert v["kernel"] == "2.6.32.43-0.4.1.xs1.8.0.835.170778xen"
    assert v["swiotlb_units"] == SWIOTLB_XENLINUX
    assert v["dom0_kernel_cmdline"].startswith("root=LABEL=root-ndtefsss ro xencons=hvc")
    assert v["dom0_boot_share"] is None
    assert facts.provenance["dom0_boot_mib"]["line"] == 95


def test_non_xen_host_ram_from_memory_line():
    # Ubuntu compute node kern.log with two boots (lines 1/2/138 and 1077/1078/1214)
    rows = real_boot_rows(
        "15_canonical_hotsos__tests_unit_fake_data_root_openstack_var_log_kern.log",
        [(1, 0), (2, 0), (138, 0), (1077, 1), (1078, 1), (1214, 1)])
    facts = extract_facts(table(rows), [])
    v = facts.values
    assert v["is_xen_dom0"] is False
    assert v["ram_mib"] == 16382.8  # 16775940K
    assert facts.provenance["ram_mib"]["line"] == 1214  # the latest boot's line
    assert v["kernel"] == "5.4.0-97-generic"
    assert v["dom0_boot_mib"] is None and v["xen_cmdline"] is None
    assert v["swiotlb_units"] == SWIOTLB_MAINLINE
    assert v["boots"] == 2 and len(facts.per_boot) == 2
    assert v["dom0_ballooning"] is None and v["toolstack"] is None


def test_xen_config_present_means_not_a_plain_host():
    rows = [event("dmesg", 1, "kernel.boot.memory", {"avail_kb": "3991708", "total_kb": "4193768"},
                  "Memory: 3991708K/4193768K available (14339K kernel code, 2400K rwdata, "
                  "9500K rodata, 2752K init, 4948K bss, 202060K reserved, 0K cma-reserved)"),
            event("dmesg", 0, "kernel.boot.version", {"version": "4.19.0-6-amd64"},
                  "Linux version 4.19.0-6-amd64 (debian-kernel@lists.debian.org)")]
    files = [fact_file("sos!etc/xen/xl.conf", "xl_conf", 'autoballoon="off"\n')]
    v = extract_facts(table(rows), files).values
    assert v["ram_mib"] is None  # a pvops Dom0 looks like this: no host RAM from Memory:
    assert v["dom0_boot_mib"] == 4095.5
    assert v["is_xen_dom0"] is None
    # an xl.conf with nothing set still shows Xen tools, and xl's default (auto) applies
    quiet = extract_facts(table(rows), [fact_file("sos!etc/xen/xl.conf", "xl_conf", "# xl\n")])
    assert quiet.values["ram_mib"] is None and quiet.values["toolstack"] == "xl"
    assert quiet.values["autoballoon"] is None and quiet.values["dom0_ballooning"] is None


def test_two_boots_last_wins_and_per_boot_lists_both():
    serial = "serial/console.log"
    rows = [
        event(serial, 10, "xen.hv.cmdline", {"cmdline": "placeholder loglvl=all"},
              "Command line: placeholder loglvl=all", boot=0, program=None),
        event(serial, 12, "xen.hv.system_ram", {"mb": "16383", "kb": "16776192"},
              "System RAM: 16383MB (16776192kB)", boot=0, program=None),
        event(serial, 40, "xen.hv.dom0_alloc", {"start": "0", "end": "0", "pages": "4161536"},
              " Dom0 alloc.:   0000000420000000->0000000424000000 (4161536 pages to be "
              "allocated)", boot=0, program=None),
        event(serial, 5010, "xen.hv.cmdline",
              {"cmdline": "placeholder dom0_mem=1024M,max:1024M loglvl=all"},
              "Command line: placeholder dom0_mem=1024M,max:1024M loglvl=all", boot=1,
              program=None),
        event(serial, 5040, "xen.hv.dom0_alloc", {"start": "0", "end": "0", "pages": "262144"},
              " Dom0 alloc.:   0000000420000000->0000000424000000 (262144 pages to be "
              "allocated)", boot=1, program=None),
    ]
    facts = extract_facts(table(rows), [])
    v = facts.values
    assert v["dom0_mem_option"] == "1024M,max:1024M"
    assert v["dom0_mem_mib"] == 1024.0 and v["dom0_mem_max_mib"] == 1024.0
    assert v["dom0_boot_mib"] == 1024.0
    assert v["ram_mib"] == 16383.0  # only boot 0 printed it: taken from there
    assert facts.provenance["xen_cmdline"]["line"] == 5010
    first, second = facts.per_boot
    assert (first["boot"], second["boot"]) == (0, 1)
    assert first["dom0_mem_option"] is None and first["xen_cmdline"] == "placeholder loglvl=all"
    assert first["dom0_boot_mib"] == 16256.0 and first["dom0_boot_share"] == pytest.approx(0.992)
    assert second["dom0_mem_option"] == "1024M,max:1024M" and second["dom0_boot_mib"] == 1024.0
    assert second["ram_mib"] is None  # not printed in boot 1 itself


def test_rows_without_boot_are_the_running_boot():
    rows = rhel5_incident_rows(boot=None)[:4]  # an undated xm dmesg
    rows += [event(MESSAGES, 1, "kernel.boot.version", {"version": "2.6.18-128.el5xen"},
                   "Linux version 2.6.18-128.el5xen", boot=b) for b in (0, 1)]
    facts = extract_facts(table(rows), [])
    assert facts.values["xen_cmdline"] == "/xen.gz-2.6.18-128.el5"
    assert len(facts.per_boot) == 2  # per_boot[i] is boot i
    assert facts.per_boot[0]["xen_cmdline"] is None
    assert facts.per_boot[1]["xen_cmdline"] == "/xen.gz-2.6.18-128.el5"
    assert facts.per_boot[1]["dom0_boot_mib"] == 8062.0
    only_unplaced = extract_facts(table(rhel5_incident_rows(boot=None)), [])
    assert [e["boot"] for e in only_unplaced.per_boot] == [None]
    assert only_unplaced.values["boots"] == 0


def test_relative_dom0_mem_uses_host_ram():
    rows = rhel5_incident_rows()[:4]
    rows[1] = event(XM_DMESG, 6, "xen.hv.cmdline", {"cmdline": "dom0_mem=-128M"},
                    "Command line: dom0_mem=-128M", program=None)
    v = extract_facts(table(rows), []).values
    assert v["dom0_mem_option"] == "-128M" and v["dom0_mem_mib"] == 8062.0


def test_bad_input_is_noted_not_raised():
    rows = [
        event(XM_DMESG, 6, "xen.hv.cmdline", {"cmdline": "dom0_mem=512MB"},
              "Command line: dom0_mem=512MB", program=None),
        event(XM_DMESG, 21, "xen.hv.system_ram", None, "System RAM: ???", program=None),
        event(XM_DMESG, 48, "xen.hv.dom0_alloc", '{"pages": "garbage"}', " Dom0 alloc.: ?",
              program=None),
        event("journal.json", 10, "xen.balloon.dom0_target", {"mib": None}, "Balloon: ?",
              program=None),
    ]
    files = [fact_file("sos!etc/motd", "motd", "hello\n"),
             fact_file("sos!etc/xen/xl.conf", "xl_conf", 'autoballoon="sometimes"\n')]
    facts = extract_facts(table(rows), files)
    v = facts.values
    assert v["dom0_mem_option"] == "512MB"
    assert v["dom0_mem_mib"] is None and "512MB" in v["dom0_mem_error"]
    assert v["ram_mib"] is None and v["dom0_boot_mib"] is None
    assert v["balloon_min_target_mib"] is None
    assert v["dom0_ballooning"] is True  # invalid autoballoon: xl's default (auto), no dom0_mem
    notes = "\n".join(facts.notes)
    assert "3 fact event(s)" in notes and "motd" in notes and "sometimes" in notes
    assert "512MB" in notes


def test_empty_inputs():
    facts = extract_facts(table([]), [])
    assert all(facts.values[k] is None for k in CONTRACT_KEYS if k != "boots")
    assert facts.values["boots"] == 0 and facts.per_boot == [] and facts.provenance == {}
    assert extract_facts(pd.DataFrame(), []).values["xen_cmdline"] is None
