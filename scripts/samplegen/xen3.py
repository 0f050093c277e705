"""Xen 3.x / RHEL 5 Dom0 pieces: hypervisor boot log, Dom0 kernel boot, xend.log, configs.

    (XEN) System RAM: 8190MB (8386560kB)
    (XEN)  Dom0 alloc.:   000000021c000000->0000000220000000 (2031104 pages to be allocated)
    Mar  2 06:05:41 xen07 kernel: Memory: 8079360k/8132608k available (2559k kernel code, ...)
    [2009-03-02 08:41:07 4791] DEBUG (balloon:151) Balloon: setting dom0 target to 7437 MiB.

Formats follow /work/shared/reference/xen-messages.md (sections 0, 2.2-2.4, 3) and the RHEL 5
kernel sources it cites. Numbers (e820 map, Dom0 size, hash tables, swiotlb) are derived from
one ``XenHost`` so every file of a host agrees with the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field


KIB = 1024
SLACK_KB = 8 * 1024  # e820-xen.c adds 8 MB slack when XENMEM_memory_map is ENOSYS


def _pow2_at_least(n: int) -> int:
    p = 1
    while p < n:
        p <<= 1
    return p


def _order(nbytes: int) -> int:
    order, size = 0, 4096
    while size < nbytes:
        size <<= 1
        order += 1
    return order


@dataclass
class XenHost:
    hostname: str  # fqdn
    ram_kb: int  # (XEN) System RAM kB
    dom0_pages: int  # (XEN) Dom0 alloc. pages
    xen_version: str  # "3.3.1"
    xen_banner: list[str]
    xen_build: str  # "(root@gitco.de) (gcc version ...) Tue Jan 27 ..."
    xen_image: str  # "/xen.gz-3.3.1"
    xen_options: str  # "" or "dom0_mem=256000"
    kernel: str  # "2.6.18-128.el5xen"
    kernel_build: str  # "(mockbuild@...) (gcc ...) #1 SMP ..."
    kernel_cmdline: str
    cpus: int
    cpu_model: str
    cpu_mhz: str
    high_kb: int  # RAM above 4 GB in the e820 map
    storage: list[str] = field(default_factory=list)  # kernel probe lines of the disk driver
    disk_lines: list[str] = field(default_factory=list)

    @property
    def short(self) -> str:
        return self.hostname.split(".")[0]

    @property
    def xen_cmdline(self) -> str:
        return f"{self.xen_image} {self.xen_options}".strip()

    @property
    def ram_mb(self) -> int:
        return self.ram_kb >> 10

    @property
    def dom0_kb(self) -> int:
        return self.dom0_pages * 4

    @property
    def dom0_mib(self) -> int:
        return self.dom0_kb // KIB

    @property
    def kernel_total_kb(self) -> int:
        return self.dom0_kb + SLACK_KB


# ---------------------------------------------------------------------------------------------
# Hypervisor console (xm dmesg): no console timestamps, the Xen 3.x default


def xm_dmesg(h: XenHost) -> list[str]:
    low_kb = h.ram_kb - 636 - h.high_kb
    low_end = 0x100000 + low_kb * KIB
    high_end = 0x100000000 + h.high_kb * KIB
    alloc_end = high_end - 0x10000000
    alloc_start = alloc_end - 0x4000000
    p2m = h.dom0_pages * 8
    ramdisk_end = 0xFFFFFFFF80BD6800
    p2m_start = 0xFFFFFFFF80BD7000
    p2m_end = (p2m_start + p2m + 0xFFF) & ~0xFFF
    si_end = p2m_end + 0x4B4
    pt_start = p2m_end + 0x1000
    pt_end = pt_start + 0x11000
    total_end = (pt_end + 0x1000 + 0x3FFFFF) & ~0x3FFFFF
    x = ["(XEN) " + s for s in [
        f"Xen version {h.xen_version} {h.xen_build}",
        "Latest ChangeSet: unavailable",
        f"Command line: {h.xen_cmdline}",
        "Video information:",
        " VGA is text mode 80x25, font 8x16",
        " VBE/DDC methods: none; EDID transfer time: 0 seconds",
        " EDID info not retrieved because no DDC retrieval method detected",
        "Disc information:",
        " Found 1 MBR signatures",
        " Found 1 EDD information structures",
        "Xen-e820 RAM map:",
        " 0000000000000000 - 000000000009f000 (usable)",
        " 000000000009f000 - 00000000000a0000 (reserved)",
        " 00000000000f0000 - 0000000000100000 (reserved)",
        f" 0000000000100000 - {low_end:016x} (usable)",
        f" {low_end:016x} - {low_end + 0xe000:016x} (ACPI data)",
        f" {low_end + 0xe000:016x} - {low_end + 0x40000:016x} (ACPI NVS)",
        f" {low_end + 0x40000:016x} - {(low_end + 0x40000 + 0xfffff) & ~0xfffff:016x} (reserved)",
        " 00000000e0000000 - 00000000f0000000 (reserved)",
        " 00000000fec00000 - 00000000fec10000 (reserved)",
        " 00000000fee00000 - 00000000fee01000 (reserved)",
        " 00000000fff00000 - 0000000100000000 (reserved)",
        f" 0000000100000000 - {high_end:016x} (usable)",
        f"System RAM: {h.ram_mb}MB ({h.ram_kb}kB)",
        "ACPI: RSDP 000F2010, 0024 (r2 DELL  )",
        "ACPI: XSDT 000F20AC, 0094 (r1 DELL   PE_SC3          1 DELL        1)",
        "ACPI: FACP CFFB3C8C, 00F4 (r3 DELL   PE_SC3          1 DELL        1)",
        "ACPI: DSDT CFFA0000, 4C9B (r1 DELL   PE_SC3          1 INTL 20050624)",
        "ACPI: FACS CFFB6000, 0040",
        "ACPI: APIC CFFB3400, 00CA (r1 DELL   PE_SC3          1 DELL        1)",
        "ACPI: SPCR CFFB34CC, 0050 (r1 DELL   PE_SC3          1 DELL        1)",
        "ACPI: HPET CFFB3520, 0038 (r1 DELL   PE_SC3          1 DELL        1)",
        "ACPI: MCFG CFFB355C, 003C (r1 DELL   PE_SC3          1 DELL        1)",
        "Xen heap: 14MB (14764kB)" if h.xen_version.startswith("3.1") else
        "Domain heap initialised: DMA width 32 bits",
        f"Processor #0 7:7 APIC version 20",
    ]]
    for cpu in range(1, h.cpus):
        x.append(f"(XEN) Processor #{cpu if cpu < 4 else cpu + 0} 7:7 APIC version 20")
    x += ["(XEN) " + s for s in [
        "IOAPIC[0]: apic_id 8, version 32, address 0xfec00000, GSI 0-23",
        "IOAPIC[1]: apic_id 9, version 32, address 0xfec80000, GSI 24-47",
        "Enabling APIC mode:  Flat.  Using 2 I/O APICs",
        "Using scheduler: SMP Credit Scheduler (credit)",
        f"Detected {h.cpu_mhz} MHz processor.",
        "VMX: Supported advanced features:",
        " - APIC TPR shadow",
        " - MSR direct-access bitmap",
        "HVM: VMX enabled",
        f"CPU0: Intel(R) Xeon(R) CPU           {h.cpu_model} stepping 0a",
    ]]
    for cpu in range(1, h.cpus):
        x.append(f"(XEN) Booting processor {cpu}/{cpu} eip 8c000")
        x.append(f"(XEN) CPU{cpu}: Intel(R) Xeon(R) CPU           {h.cpu_model} stepping 0a")
    x += ["(XEN) " + s for s in [
        f"Total of {h.cpus} processors activated.",
        "ENABLING IO-APIC IRQs",
        " -> Using new ACK method",
        "Platform timer overflows in 14998 jiffies.",
        "Platform timer is 14.318MHz HPET",
        f"Brought up {h.cpus} CPUs",
        "*** LOADING DOMAIN 0 ***",
        " Xen  kernel: 64-bit, lsb, compat32",
        " Dom0 kernel: 64-bit, lsb, paddr 0x200000 -> 0x614ae4",
        "PHYSICAL MEMORY ARRANGEMENT:",
        f" Dom0 alloc.:   {alloc_start:016x}->{alloc_end:016x} "
        f"({h.dom0_pages} pages to be allocated)",
        "VIRTUAL MEMORY ARRANGEMENT:",
        " Loaded kernel: ffffffff80200000->ffffffff80614ae4",
        f" Init. ramdisk: ffffffff80615000->{ramdisk_end:016x}",
        f" Phys-Mach map: {p2m_start:016x}->{p2m_end:016x}",
        f" Start info:    {p2m_end:016x}->{si_end:016x}",
        f" Page tables:   {pt_start:016x}->{pt_end:016x}",
        f" Boot stack:    {pt_end:016x}->{pt_end + 0x1000:016x}",
        f" TOTAL:         ffffffff80000000->{total_end:016x}",
        " ENTRY ADDRESS: ffffffff80200000",
        f"Dom0 has maximum {h.cpus} VCPUs",
        "Scrubbing Free RAM: .done.",
        "Xen trace buffers: disabled",
        "Std. Loglevel: Errors and warnings",
        "Guest Loglevel: Nothing (Rate-limited: Errors and warnings)",
        "Xen is relinquishing VGA console.",
        "*** Serial input -> DOM0 (type 'CTRL-a' three times to switch input to Xen)",
        "Freed 108kB init memory.",
    ]]
    return h.xen_banner + x


XEN_331_BANNER = [
    r" __  __            _____  _____  _ ",
    r" \ \/ /___ _ __   |___ / |___ / / |",
    r"  \  // _ \ '_ \    |_ \   |_ \ | |",
    r"  /  \  __/ | | |  ___) | ___) || |",
    r" /_/\_\___|_| |_| |____(_)____(_)_|",
    r"                                   ",
]

XEN_312_BANNER = [
    r" __  __            _____ _   ____    ___ ____  ",
    r" \ \/ /___ _ __   |___ // | |___ \  / _ \___ \ ",
    r"  \  // _ \ '_ \    |_ \| |   __) || (_) |__) |",
    r"  /  \  __/ | | |  ___) | |_ / __/  \__, / __/ ",
    r" /_/\_\___|_| |_| |____/|_(_)_____|   /_/_____|",
    r"                                               ",
]


def xm_info(h: XenHost, *, free_mib: int, version_fields: dict[str, str], cc: str) -> str:
    rows = [
        ("host", h.hostname), ("release", h.kernel),
        ("version", "#1 SMP " + h.kernel_build.rsplit("#1 SMP ", 1)[1]),
        ("machine", "x86_64"), ("nr_cpus", h.cpus), ("nr_nodes", 1),
        ("cores_per_socket", 4), ("threads_per_core", 1), ("cpu_mhz", h.cpu_mhz.split(".")[0]),
        ("hw_caps", "bfebfbff:20100800:00000000:00000140:0004e3bd:00000000:00000001:00000000"),
        ("virt_caps", "hvm"), ("total_memory", h.ram_mb), ("free_memory", free_mib),
        ("node_to_cpu", f"node0:0-{h.cpus - 1}"), ("node_to_memory", f"node0:{free_mib}"),
        *version_fields.items(),
        ("xen_caps", "xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 "),
        ("xen_scheduler", "credit"), ("xen_pagesize", 4096),
        ("platform_params", "virt_start=0xffff800000000000"), ("xen_changeset", "unavailable"),
        ("cc_compiler", "gcc version 4.1.2 20080704 (Red Hat 4.1.2-44)"),
        *[(k, v) for k, v in (line.split("=", 1) for line in cc.split("|"))],
        ("xend_config_format", 4),
    ]
    return "".join(f"{k:<23}: {v}\n" for k, v in rows)


def grub_conf(h: XenHost, *, root: str, entries: list[tuple[str, str]]) -> str:
    """RHEL 5 grub.conf; entries are (kernel version, Xen image + options)."""
    out = ["# grub.conf generated by anaconda", "#",
           "# Note that you do not have to rerun grub after making changes to this file",
           "# NOTICE:  You have a /boot partition.  This means that",
           "#          all kernel and initrd paths are relative to /boot/, eg.",
           f"#          root (hd0,0)", f"#          kernel /vmlinuz-version ro root={root}",
           "#          initrd /initrd-version.img", "#boot=/dev/sda", "default=0", "timeout=5",
           "splashimage=(hd0,0)/grub/splash.xpm.gz", "hiddenmenu"]
    for kver, xen in entries:
        out += [f"title Red Hat Enterprise Linux Server ({kver}xen)", "\troot (hd0,0)",
                f"\tkernel {xen}", f"\tmodule /vmlinuz-{kver}xen ro root={root}",
                f"\tmodule /initrd-{kver}xen.img"]
    return "\n".join(out) + "\n"
