"""sample_logs/README.md, written from the numbers the generator actually produced.

    | xen07-incident | lowest Dom0 balloon target | 1223 MiB |
"""

from __future__ import annotations

from datetime import datetime


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def render(facts: dict) -> str:
    inc = facts["xen07-incident"]
    fix = facts["xen07-fixed"]
    raid = facts["sosreport-xen-raid04-20090310.tar.xz"]
    mod = facts["xl-modern01"]
    web = facts["web-healthy01"]
    e1, e2 = inc["episodes"]
    r1, r2 = raid["episodes"]
    out = []
    w = out.append
    w("# Sample host logs\n")
    w("**These logs are synthetic.** They were written by `scripts/make_sample_logs.py` (seeded, "
      "byte-for-byte reproducible: re-run it and `git diff` shows nothing) from the real message "
      "formats catalogued, with their sources, in `/work/shared/reference/xen-messages.md` "
      "(xenlinux netback/balloon/swiotlb printks from the RHEL 5 kernel tree, xend's "
      "`XendLogging` format and `balloon.py` strings, Xen's `setup.c`/`domain_build.c` boot "
      "lines, xl's daemon-log strings) and from the shape of real kernel logs "
      "(`/work/shared/datasets/real-dmesg/`). Host names, addresses, MACs and UUIDs are invented "
      "(`example.net`, `10.20.0.0/16`, `203.0.113.0/24`). Do not edit the files by hand: change "
      "the generator and regenerate.\n")
    w("Each immediate subdirectory (or archive) is one host. All hosts log in **UTC**; the "
      "sosreport `date` files say so (`etc/sysconfig/clock` on RHEL, `etc/timezone` on "
      "Debian/Ubuntu).\n")
    w("| Host | What | Expected finding |\n|---|---|---|")
    w("| `xen07-incident/` | RHEL 5.3 Dom0 on Xen 3.3.1, 8 GB, **no `dom0_mem=`**, 14 DomUs, "
      "netback memory squeeze | `xen-dom0-balloon-netback-squeeze` |")
    w("| `xen07-fixed/` | the same host a month later, `dom0_mem=256000`, ballooning off | "
      "none of the Xen memory findings |")
    w("| `sosreport-xen-raid04-20090310.tar.xz` | RHEL 5.2 Dom0 on Xen 3.1.2, 4 GB, Adaptec "
      "RAID, swiotlb exhaustion under backup I/O | `xen-dom0-swiotlb-dma-exhaustion` |")
    w("| `xl-modern01/` | Debian 12 Dom0 (Linux 6.1 pvops, Xen 4.17, xl), 16 GB, no "
      "`dom0_mem=`, autoballoon, Dom0 allocation failure then OOM | "
      "`xen-dom0-autoballoon-memory-pressure` |")
    w("| `web-healthy01/` | Ubuntu 19.10 web server, no Xen, two boots across New Year | "
      "none of the Xen memory findings |\n")

    # ---------------------------------------------------------------- xen07-incident
    w("## xen07-incident (the seed incident)\n")
    w("A sosreport-style tree of `xen07.example.net`: Dell PowerEdge (2 x Xeon E5420, 8 CPUs), "
      f"{inc['ram_mb']} MB RAM, PERC 6/i, RHEL 5.3 Dom0 kernel `2.6.18-128.el5xen`, Xen 3.3.1 "
      "(a gitco.de build, so the hypervisor image is `/xen.gz-3.3.1`; the RHEL-built "
      "`/xen.gz-2.6.18-128.el5` would be Xen 3.1.2, whose xend has no "
      "`enable-dom0-ballooning`). Guests are RHEL 5 PV DomUs (xenlinux netfront: page-flipping "
      "receive path by default, so netback must get a fresh page from Xen per packet).\n")
    w("Files: `hostname`, `date`, `uname`, `etc/sysconfig/clock`, `proc/cmdline`, "
      "`proc/xen/balloon`, `boot/grub/grub.conf`, `etc/xen/xend-config.sxp` "
      "(`(dom0-min-mem 196)`, `(enable-dom0-ballooning yes)`), `sos_commands/xen/xm_dmesg` (no "
      "console timestamps, the Xen default; starts with the ASCII banner, which has no `(XEN)` "
      "prefix), `sos_commands/xen/xm_info`, `sos_commands/xen/xm_list`, "
      "`var/log/messages{.2.gz,.1,}` (RFC 3164, RHEL 5: no `[uptime]`; each rotated file opens "
      "with `syslogd 1.4.1: restart.`; hotplug-script lines have the tag `logger:` as RHEL 5's "
      "logger writes them from udev), `var/log/xen/xend.log.1` (boot to the xend restart) and "
      "`var/log/xen/xend.log`.\n")
    ml = inc["messages_lines"]
    w("| Key number | Value |\n|---|---|")
    rows = [
        ("Xen command line", f"`{inc['xen_cmdline']}` (no `dom0_mem=`)"),
        ("System RAM (`(XEN) System RAM:`)", f"{inc['ram_mb']} MB ({inc['ram_kb']} kB)"),
        ("Dom0 at boot (`Dom0 alloc.`)", f"{inc['dom0_pages']} pages = {inc['dom0_mib']} MiB"),
        ("Dom0 kernel `Memory:` total", f"{inc['kernel_total_kb']}k (Dom0 pages + 8 MB slack)"),
        ("Boot", f"{_ts(inc['boot'])} (kernel messages stamped 31 s later by klogd)"),
        ("DomU starts (first starts, `XendDomainInfo.create` that succeeded)",
         f"{len(inc['starts'])}, domids 1-{len(inc['starts'])}, each with one balloon-down"),
        ("DomU restart", f"web03 destroyed {_ts(datetime(2009, 3, 6, 15, 21, 40))} (domid 3), "
                         f"re-created {_ts(inc['restart']['time'])} as domid "
                         f"{inc['restart']['domid']} (no balloon: freed memory sufficed)"),
        ("Balloon-downs (`Balloon: setting dom0 target to N MiB.`)",
         f"{len(inc['targets'])}: " + ", ".join(str(m) for _, m in inc["targets"])),
        ("Lowest Dom0 balloon target", f"{inc['lowest_target']} MiB at {_ts(inc['targets'][-1][0])}"),
        ("xend restart (log rollover)", _ts(inc["xend_restart"])),
        ("Episode 1 (`xen_net: Memory squeeze in netback driver.`)",
         f"{_ts(e1.start)} - {_ts(e1.end)}: {e1.squeeze_lines} squeeze lines, "
         f"{e1.repeat_lines} `last message repeated N times` lines (squeeze occurrences logged "
         f"incl. repeats: {e1.squeeze_logged}), {e1.suppressed_lines} `printk: N messages "
         f"suppressed.` lines summing to {e1.suppressed_total}"),
        ("Episode 1 trigger / end", "starts 41 min after the 14th start (cache01, "
         "2009-03-06 14:05:51); ends when web03 is destroyed at 2009-03-06 15:21:40"),
        ("Episode 2", f"{_ts(e2.start)} - {_ts(e2.end)}: {e2.squeeze_lines} squeeze lines, "
                      f"{e2.repeat_lines} repeat lines (occurrences logged incl. repeats: "
                      f"{e2.squeeze_logged}), {e2.suppressed_lines} suppressed lines summing to "
                      f"{e2.suppressed_total}"),
        ("Episode 2 trigger / end", "starts 42 min after web03's restart; ends when test01 "
         "(domid 13) shuts down at 2009-03-07 10:58:26"),
        ("Failed 15th guest", f"db03 (2048 MiB, domid {inc['failed_create']['domid']}) at "
                              f"{_ts(inc['failed_create']['time'])}: ERROR `VM start failed` and "
                              f"`Domain construction failed`, each with a traceback ending "
                              f"`VmError: {inc['vmerror']}`"),
        ("At collection", f"Dom0 {inc['dom0_mib_at_collection']} MiB, Xen free "
                          f"{inc['free_mib_at_collection']} MiB (`xm info`), 13 DomUs running"),
        ("Rotation", f"messages.2.gz until {_ts(inc['rotation_cuts'][0])}, messages.1 until "
                     f"{_ts(inc['rotation_cuts'][1])}"),
        ("Lines", f"messages.2.gz {ml['messages.2.gz']}, messages.1 {ml['messages.1']}, "
                  f"messages {ml['messages']}"),
        ("Collected (`date`)", "Mon Mar  9 17:45:01 UTC 2009"),
    ]
    for k, v in rows:
        w(f"| {k} | {v} |")
    w("\nStarts (name, MiB, `XendDomainInfo.create` time, domid):\n")
    for s in inc["starts"]:
        w(f"- {s['name']}, {s['mib']} MiB, {_ts(s['time'])}, domid {s['domid']}")
    w("\nExpected finding: **`xen-dom0-balloon-netback-squeeze`** (Dom0 booted with "
      f"{inc['dom0_mib']} of {inc['ram_mb']} MB, ballooned to {inc['lowest_target']} MiB; squeeze "
      "episodes follow DomU starts; remedy `dom0_mem=` plus `(enable-dom0-ballooning no)`). "
      "Benign look-alikes: `device peth0 entered promiscuous mode`, bridge port state changes, "
      "`Balloon: ... done.` lines.\n")

    # ---------------------------------------------------------------- xen07-fixed
    w("## xen07-fixed\n")
    w("The same host after the fix: Xen booted with `dom0_mem=256000` (kB, 250 MiB), "
      "`(dom0-min-mem 256)`, `(enable-dom0-ballooning no)`. The same 14 guests start from "
      "`/etc/xen/auto` right after boot; every `balloon.free` finds enough free Xen memory "
      "(`Balloon: N KiB free; need M; done.`), no `setting dom0 target` line exists, and there "
      "is no squeeze.\n")
    w("Files: `hostname`, `date`, `proc/cmdline`, `boot/grub/grub.conf`, "
      "`etc/xen/xend-config.sxp`, `sos_commands/xen/xm_dmesg`, `sos_commands/xen/xm_info`, "
      "`var/log/messages`, `var/log/xen/xend.log`.\n")
    w("| Key number | Value |\n|---|---|")
    for k, v in [
        ("Xen command line", f"`{fix['xen_cmdline']}`"),
        ("System RAM", f"{fix['ram_mb']} MB"),
        ("Dom0 at boot", f"{fix['dom0_pages']} pages = {fix['dom0_mib']} MiB; kernel `Memory:` "
                         f"total {fix['kernel_total_kb']}k"),
        ("Boot / collected", f"{_ts(fix['boot'])} / {_ts(fix['collected'])}"),
        ("DomU starts", f"{len(fix['starts'])} ({_ts(fix['starts'][0]['time'])} - "
                        f"{_ts(fix['starts'][-1]['time'])}), balloon-downs: 0"),
        ("Lines", f"messages {fix['messages_lines']}"),
    ]:
        w(f"| {k} | {v} |")
    w("\nExpected: none of the Xen memory findings (no squeeze, no DMA, no OOM).\n")

    # ---------------------------------------------------------------- raid04
    w("## sosreport-xen-raid04-20090310.tar.xz\n")
    w("A sosreport tarball (top directory `sosreport-xen-raid04-20090310/`, root-owned members, "
      "fixed mtimes, xz preset 6) of `xen-raid04.example.net`: Xeon X3220 (4 CPUs), "
      f"{raid['ram_mb']} MB RAM, Adaptec AAC-RAID at `{raid['bdf']}` (aacraid), RHEL 5.2 Dom0 "
      "`2.6.18-92.1.22.el5xen` on Xen `3.1.2-92.1.22.el5`. No `dom0_mem=` on the Xen line and no "
      "`swiotlb=` on the Dom0 kernel line; the host is larger than 2 GB, so the xenlinux default "
      "aperture is 64 MB (`Software IO TLB enabled:` / ` Aperture:     64 megabytes`). The "
      "nightly backup DomU drives the RAID hard; bounce buffers run out.\n")
    w("Members: `hostname`, `date`, `uname`, `lspci` (`04:00.0 RAID bus controller: Adaptec "
      "AAC-RAID (Rocket)`), `etc/sysconfig/clock`, `proc/cmdline`, `boot/grub/grub.conf`, "
      "`etc/xen/xend-config.sxp` (Xen 3.1 style, `(dom0-min-mem 256)`), "
      "`sos_commands/xen/xm_dmesg`, `sos_commands/xen/xm_info`, `var/log/messages.1`, "
      "`var/log/messages`, `var/log/xen/xend.log`. The probe lines link the BDF to the driver: "
      f"`Adaptec aacraid driver ...` then `ACPI: PCI Interrupt {raid['bdf']}[A] -> GSI 16 ...` "
      "then `AAC0: kernel 5.2-0[15611] Mar  5 2008` and `scsi0 : aacraid`.\n")
    w("| Key number | Value |\n|---|---|")
    for k, v in [
        ("Xen command line / Dom0 kernel line", f"`{raid['xen_cmdline']}` / "
                                                f"`{raid['kernel_cmdline']}`"),
        ("System RAM / Dom0 at boot", f"{raid['ram_mb']} MB / {raid['dom0_pages']} pages = "
                                      f"{raid['dom0_mib']} MiB"),
        ("Boot / collected", f"{_ts(raid['boot'])} / {_ts(raid['collected'])}"),
        ("DomU starts", ", ".join(f"{s['name']} {s['mib']} MiB {_ts(s['time'])}"
                                  for s in raid["starts"])),
        ("Balloon targets", ", ".join(str(m) for _, m in raid["targets"]) + " MiB"),
        ("Episode 1", f"{_ts(r1['start'])} - {_ts(r1['end'])}: {r1['dma_lines']} `PCI-DMA: Out "
                      f"of SW-IOMMU space ... at device {raid['bdf']}` lines, suppressed "
                      f"{r1['suppressed_total']}, {r1['abort_lines']} aacraid abort, no I/O error"),
        ("Episode 2", f"{_ts(r2['start'])} - {_ts(r2['end'])}: {r2['dma_lines']} PCI-DMA lines, "
                      f"suppressed {r2['suppressed_total']}, {r2['abort_lines']} aborts, "
                      f"{r2['reset_lines']} reset requests, {r2['io_error_lines']} "
                      "`end_request: I/O error, dev sda` lines, 3 `Buffer I/O error on device "
                      "sda3`, journal aborted, `Remounting filesystem read-only`"),
        ("Lines", f"messages.1 {raid['messages_lines']['messages.1']}, messages "
                  f"{raid['messages_lines']['messages']}"),
    ]:
        w(f"| {k} | {v} |")
    w("\nExpected finding: **`xen-dom0-swiotlb-dma-exhaustion`** (remedy: `swiotlb=` on the "
      "Dom0 kernel line and a fixed `dom0_mem=`).\n")

    # ---------------------------------------------------------------- xl-modern01
    w("## xl-modern01\n")
    w("A Debian 12 Dom0 (`6.1.0-12-amd64` pvops, systemd 252) on Xen 4.17 with the xl "
      "toolstack, Dell PowerEdge R440, 16 CPUs. `etc/xen/xl.conf` leaves `autoballoon` at its "
      "default (`#autoballoon=\"auto\"`) and the Xen line has no `dom0_mem=`, so xl balloons "
      "Dom0 down before each `xl create` and logs nothing about it.\n")
    w("Files: `hostname`, `date`, `etc/timezone`, `etc/xen/xl.conf`, `proc/cmdline`, "
      "`sos_commands/xen/xl_dmesg` (no console timestamps; `*** Building a PV Dom0 ***`), "
      "`sos_commands/xen/xl_info` (`xen_commandline`), "
      "`sos_commands/logs/journalctl_--no-pager` (short-iso time stamps, `+00:00`; two boots, "
      "the second opened by a `-- Boot <id> --` line), `var/log/xen/xl-web03.log` (xl's daemon "
      "log, no time stamps).\n")
    w("| Key number | Value |\n|---|---|")
    for k, v in [
        ("Xen command line", f"`{mod['xen_cmdline']}`"),
        ("System RAM / Dom0 at boot", f"{mod['ram_mb']} MB / {mod['dom0_pages']} pages = "
                                      f"{mod['dom0_mib']} MiB"),
        ("Boots", ", ".join(_ts(b) for b in mod["boots"]) +
         f" (boot id of the second: `{mod['boot_ids'][1]}`)"),
        ("DomU starts in the current boot", f"{len(mod['starts'])}: " + ", ".join(
            f"{s['name']} (domid {s['domid']}, {s['mib']} MiB, {_ts(s['time'])})"
            for s in mod["starts"])),
        ("Page allocation failure", f"{_ts(mod['alloc_failure'])} `ksoftirqd/3: page allocation "
                                    "failure: order:2, mode:0x820(GFP_ATOMIC\\|__GFP_COMP)` "
                                    "(network RX path), after `warn_alloc: 14 callbacks "
                                    "suppressed`"),
        ("OOM", f"{_ts(mod['oom'])} `qemu-system-i38 invoked oom-killer`, `Out of memory: "
                "Killed process 1187 (qemu-system-i38)` (the Dom0 disk backend)"),
        ("Consequence", f"web03's vif torn down at {_ts(mod['crash'])}; xl-web03.log: "
                        "`Domain 5 has shut down, reason code 3 0x3`"),
        ("Lines", f"journal {mod['journal_lines']}"),
        ("Collected (`date`)", "Tue Sep 19 16:40:02 UTC 2023"),
    ]:
        w(f"| {k} | {v} |")
    w("\nExpected finding: **`xen-dom0-autoballoon-memory-pressure`** (remedy: `dom0_mem=X,"
      "max:X` on the Xen line and `autoballoon=\"off\"`).\n")

    # ---------------------------------------------------------------- web-healthy01
    w("## web-healthy01\n")
    w("A plain Ubuntu 19.10 server (Dell PowerEdge R230, e1000e), no Xen. kern.log lines carry "
      "`[uptime]` after `kernel:` (rsyslog imklog); kernel lines from before rsyslog started are "
      "stamped with its start time (boot + 10 s). `dmesg` is the raw ring buffer of the current "
      "boot: its uptimes equal those in kern.log for that boot, so wall time anchors. The "
      "rotated family crosses New Year (Dec 2019 -> Jan 2020) with year-less stamps: year "
      "inference must walk back from `date`.\n")
    w("Files: `hostname`, `date`, `etc/timezone`, `dmesg`, `var/log/kern.log.2.gz`, "
      "`var/log/kern.log.1`, `var/log/kern.log`.\n")
    ln = web["lines"]
    w("| Key number | Value |\n|---|---|")
    for k, v in [
        ("Boots", f"{_ts(web['boots'][0])} (`{web['kernels'][0]}`), {_ts(web['boots'][1])} "
                  f"(`{web['kernels'][1]}`)"),
        ("Rotation", f"kern.log.2.gz until {_ts(web['rotation_cuts'][0])}, kern.log.1 until "
                     f"{_ts(web['rotation_cuts'][1])} (holds the year boundary)"),
        ("Collected (`date`)", _ts(web["collected"])),
        ("Benign events", "UFW blocks throughout; `e1000e: eno1 NIC Link is Down`/`Up` on "
                          "2019-12-30 14:02; a USB stick (sdb) on 2020-01-08 10:17"),
        ("Lines", f"kern.log.2.gz {ln['kern.log.2.gz']}, kern.log.1 {ln['kern.log.1']}, "
                  f"kern.log {ln['kern.log']}, dmesg {ln['dmesg']}"),
    ]:
        w(f"| {k} | {v} |")
    w("\nExpected: none of the Xen memory findings; no problem episode.\n")
    return "\n".join(out) + "\n"
