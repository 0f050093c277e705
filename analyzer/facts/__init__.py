"""Host facts stage: what each host is (RAM, Dom0 boot size, ``dom0_mem=``, versions, swiotlb,
ballooning configuration), from its tagged events and its sosreport fact files.

    (XEN) Command line: dom0_mem=256000   ->   facts.values["dom0_mem_mib"] == 250.0

Modules: ``size`` (Xen's size and ``dom0_mem`` grammar), ``kernel`` (xenlinux or pvops),
``grub``, ``proc``, ``toolstack`` (one per fact-file family), ``events`` (facts per boot from the
event table) and ``combine`` (precedence, provenance, ``extract_facts``).
"""

from .combine import CONTRACT_KEYS, EXTRA_KEYS, PER_BOOT_KEYS, Facts, extract_facts
from .size import Dom0Mem, parse_dom0_mem, parse_xen_size, xl_sees_dom0_mem

__all__ = [
    "CONTRACT_KEYS", "EXTRA_KEYS", "PER_BOOT_KEYS", "Dom0Mem", "Facts", "extract_facts",
    "parse_dom0_mem", "parse_xen_size", "xl_sees_dom0_mem",
]
