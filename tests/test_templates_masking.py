"""Masks (patterns/masks/masks.yaml, analyzer/templates/masking.py): each mask's own examples,
the whole chain on real lines, and the loader's validation."""

from __future__ import annotations

import pytest

from analyzer.errors import PatternError
from analyzer.templates.masking import (
    WILDCARD,
    Mask,
    apply_masks,
    check_examples,
    load_masks,
    mask_messages,
    masks_path,
)

MASKS = load_masks()


def test_mask_file_is_in_a_subfolder_the_pattern_loader_does_not_read():
    assert masks_path().parent.name == "masks"
    assert masks_path().parent.parent.name in ("patterns", "_patterns")


@pytest.mark.parametrize("mask", MASKS, ids=[m.name for m in MASKS])
def test_each_mask_masks_its_examples(mask: Mask):
    texts = [text for text, _ in mask.examples]
    assert apply_masks(texts, [mask]).tolist() == [want for _, want in mask.examples]
    assert any(WILDCARD in want for _, want in mask.examples)


def test_check_examples_reports_a_wrong_example():
    wrong = Mask(name="number", regex=r"\b\d+\b", examples=(("printk: 18 messages", "printk: 18 messages"),))
    assert check_examples([wrong]) == [("number", "printk: 18 messages", "printk: 18 messages",
                                        "printk: <*> messages")]
    assert check_examples(MASKS) == []


# Real lines (Loghub Linux_2k, real-dmesg, xen-messages.md formats) through the whole chain.
CHAIN = [
    # MAC headers go first: three all-digit bytes (12:34:56) read as a time broke them apart,
    # and every firewall line became a shape of its own
    ("IN=eth0 OUT= MAC=00:16:3e:12:34:56:00:1b:21:0a:0b:0c:08:00 SRC=10.0.0.9 DST=10.0.0.1",
     "IN=<*> OUT= MAC=<*> SRC=<*> DST=<*>"),
    ("ll header: 00:16:3e:12:34:56:00:1b:21:0a:0b:0c:08:00", "ll header: <*>"),
    ("authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=adsl-70-242-75-179.dsl.ksc2mo.swbell.net  user=root",
     "authentication failure; logname= uid=<*> euid=<*> tty=NODEVssh ruser= rhost=<*>  user=root"),
    ("connection from 203.101.45.59 (dsl-Chn-static-059.45.101.203.touchtelindia.net) at Sun Jul  3 10:05:25 2005",
     "connection from <*> (<*>) at <*>"),
    ("Linux version 2.6.32.43-0.4.1.xs1.8.0.835.170778xen (geeko@buildhost) (gcc version 4.1.2 20080704 (Red Hat 4.1.2-51)) #1 SMP Wed May 29 18:06:30 EDT 2013",
     "Linux version <*> (geeko@buildhost) (gcc version <*> (Red Hat <*>)) #<*> SMP <*>"),
    ("pci 0000:00:0d.0: reg 24 32bit mmio: [0xf0840000-0xf0841fff]",
     "pci <*>: reg <*> 32bit mmio: [<*>-<*>]"),
    ("xen_net: Memory squeeze in netback driver.", "xen_net: Memory squeeze in netback driver."),
    ("printk: 2611 messages suppressed.", "printk: <*> messages suppressed."),
    ("vif vif-3-0 vif3.0: txreq.offset: 3968, size: 1514, end: 5482",
     "vif <*>: txreq.offset: <*>, size: <*>, end: <*>"),
    ("PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device 0000:03:00.0",
     "PCI-DMA: Out of SW-IOMMU space for <*> bytes at device <*>"),
    ("device vif5.0 entered promiscuous mode", "device <*> entered promiscuous mode"),
    ("xenbr0: port 2(vif1.0) entering forwarding state", "<*>: port <*>(<*>) entering forwarding state"),
    ("EXT3-fs: mounted filesystem with ordered data mode.", "EXT3-fs: mounted filesystem with ordered data mode."),
    ("[<c0118b4a>] do_page_fault+0x1a3/0x4f0", "<*> do_page_fault+<*>"),
    ("BIOS-e820: 0000000000100000 - 0000000007eae000 (usable)", "BIOS-e820: <*> - <*> (usable)"),
    ("sd 2:0:0:0: [sda] 4194304 512-byte logical blocks: (2.14 GB/2.00 GiB)",
     "sd <*>: [sda] <*>-byte logical blocks: (<*> GB/<*> GiB)"),
]


@pytest.mark.parametrize("line,masked", CHAIN, ids=[c[0][:30] for c in CHAIN])
def test_chain_on_real_lines(line, masked):
    assert mask_messages([line]).tolist() == [masked]


def test_mask_messages_keeps_order_and_length_and_masks_each_distinct_message_once(monkeypatch):
    import analyzer.templates.masking as masking

    seen = []
    real = masking._replace_all

    def spy(array, masks):
        seen.append(len(array))
        return real(array, masks)

    monkeypatch.setattr(masking, "_replace_all", spy)
    lines = ["Initializing CPU#0", "Initializing CPU#1", "Initializing CPU#0", None, ""] * 1000
    out = mask_messages(lines)
    assert out.tolist()[:5] == ["Initializing CPU#<*>", "Initializing CPU#<*>",
                                "Initializing CPU#<*>", "", ""]
    assert len(out) == 5000
    assert seen == [3]  # two distinct messages and "" (None is ""): one pass over 3 values


def _write(tmp_path, text):
    path = tmp_path / "masks.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text,message", [
    ("- name: n\n  regex: '(?<=x)1'\n  examples: [{text: x1, masked: 'x<*>'}]\n", "invalid RE2 regex"),
    ("- name: n\n  regex: '1'\n  colour: red\n  examples: [{text: '1', masked: '<*>'}]\n", "unknown keys"),
    ("- name: n\n  regex: '1'\n", "at least one example"),
    ("- name: n\n  regex: '1'\n  examples: [{text: '1', masked: '<*>'}]\n"
     "- name: n\n  regex: '2'\n  examples: [{text: '2', masked: '<*>'}]\n", "duplicate"),
    ("{}\n", "non-empty YAML list"),
])
def test_loader_rejects_bad_mask_files(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(PatternError) as err:
        load_masks(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_loader_reads_replace_with_a_group(tmp_path):
    path = _write(tmp_path, "- name: path\n  regex: '(=)/\\S+'\n  replace: '\\1<*>'\n"
                            "  examples: [{text: 'root=/dev/sda1', masked: 'root=<*>'}]\n")
    (mask,) = load_masks(path)
    assert check_examples([mask]) == []
    assert mask_messages(["log source = /proc/kmsg", "root=/dev/sda1"], masks=[mask]).tolist() == \
        ["log source = /proc/kmsg", "root=<*>"]
