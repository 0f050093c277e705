"""Template mining (analyzer/templates/mining.py): templates on small real excerpts, the
Loghub accuracy bar (CI), and mining on kernlog's own message field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.errors import UsageError
from analyzer.parse import sniff
from analyzer.templates import MinedTemplates, mine_templates

DATA = Path(__file__).parent / "data"
LOGHUB = DATA / "loghub"
DRAIN_GA_LINUX_2K = 0.690  # Zhu et al., ICSE'19, Table III (Drain on Loghub Linux 2k)


def grouping_accuracy(predicted, truth) -> float:
    """Loghub's GA: a line is right when its predicted group has exactly its true group's lines."""
    frame = pd.DataFrame({"p": np.asarray(predicted).astype(str), "t": np.asarray(truth).astype(str)})
    one_truth = frame.groupby("p")["t"].transform("nunique") == 1
    one_pred = frame.groupby("t")["p"].transform("nunique") == 1
    return float((one_truth & one_pred).mean())


def test_grouping_accuracy_is_strict():
    assert grouping_accuracy([1, 1, 2], ["a", "a", "b"]) == 1.0
    assert grouping_accuracy([1, 1, 1], ["a", "a", "b"]) == 0.0  # one merged group: all wrong
    assert grouping_accuracy([1, 2, 3], ["a", "a", "b"]) == pytest.approx(1 / 3)


def _lines(path: Path, start: int, stop: int) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [ln.rstrip("\r") for ln in text.split("\n")][start:stop]


def test_templates_of_a_real_xenserver_dmesg_excerpt():
    lines = _lines(DATA / "real-dmesg" / "01_FlorianHeigl_xenserver-health__dmesg.log", 149, 170)
    events = sniff(lines).parse(lines).events
    mined = mine_templates(events["message"])
    got = dict(zip(mined.templates, mined.counts.tolist()))
    assert got == {
        "pci <*>: reg <*> 32bit mmio: [<*>-<*>]": 1,
        "pci_bus <*>:<*>: on NUMA node <*>": 1,
        "ACPI: PCI Interrupt Routing Table [\\_SB_.PCI0._PRT]": 1,
        "ACPI: PCI Interrupt Link [<*>] (IRQs <*> *<*>)": 4,
        "xen_mem: Initialising balloon driver.": 1,
        "vgaarb: device added: PCI:<*>,decodes=io+mem,owns=io+mem,locks=none": 1,
        "vgaarb: loaded": 1,
        "PCI: Using ACPI for IRQ routing": 1,
        "Switching to clocksource xen": 1,
        "pnp: PnP ACPI init": 1,
        "ACPI: bus type pnp registered": 1,
        "pnp: PnP ACPI: found <*> devices": 1,
        "ACPI: ACPI bus type pnp unregistered": 1,
        "pci_bus <*>:<*>: resource <*> io: [<*>-<*>]": 2,
        "pci_bus <*>:<*>: resource <*> mem: [<*>-<*>]": 2,
        "NET: Registered protocol family <*>": 1,
    }
    assert mined.template_ids.tolist()[:4] == [0, 1, 2, 3]
    assert mined.template_of().tolist()[3] == "ACPI: PCI Interrupt Link [<*>] (IRQs <*> *<*>)"


def test_words_that_vary_a_lot_become_wildcards_few_named_variants_split():
    mined = mine_templates([
        "Out of Memory: Killed process 2915 (httpd).",
        "Out of Memory: Killed process 3102 (python).",
        "Out of Memory: Killed process 3311 (sendmail).",
        "cupsd startup succeeded",
        "cupsd shutdown succeeded",
        "BIOS-e820: 0000000000000000 - 00000000000a0000 (usable)",
        "BIOS-e820: 00000000000f0000 - 0000000000100000 (reserved)",
        "connection from 84.139.180.144 () at Sat Jul  9 22:53:22 2005",
        "connection from 24.54.76.216 (24-54-76-216.bflony.adelphia.net) at Fri Jun 17 07:07:00 2005",
    ])
    assert mined.templates == [
        "Out of Memory: Killed process <*> (<*>).",
        "cupsd startup succeeded",
        "cupsd shutdown succeeded",
        "BIOS-e820: <*> - <*> (usable)",
        "BIOS-e820: <*> - <*> (reserved)",
        "connection from <*> (<*>) at <*>",
    ]
    assert mined.template_ids.tolist() == [0, 0, 0, 1, 2, 3, 4, 5, 5]
    assert mined.counts.tolist() == [3, 1, 1, 1, 1, 2]


def test_key_value_settings_split_unless_one_is_unset():
    base = "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=10.1.1.{}  user={}"
    mined = mine_templates([base.format(i, u) for i, u in enumerate(["root", "guest", "test"] * 2)])
    assert len(mined.templates) == 3  # user=root/guest/test: three named settings
    unset = mine_templates([
        "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=1.2.3.4 user=test",
        "authentication failure; logname=test uid=0 euid=0 tty= ruser= rhost= user=test",
    ])
    assert unset.templates == ["authentication failure; logname=<*> uid=<*> euid=<*> tty=<*> "
                               "ruser= rhost=<*> user=test"]


def test_empty_and_odd_input():
    empty = mine_templates([])
    assert isinstance(empty, MinedTemplates) and empty.templates == [] and len(empty.template_ids) == 0
    mined = mine_templates(pd.Series(["", None, "x"], index=[10, 20, 30]))
    assert mined.template_ids.tolist() == [0, 0, 1] and mined.templates == ["", "x"]
    with pytest.raises(UsageError, match="similarity"):
        mine_templates(["x"], similarity=1.5)


def test_cost_follows_shapes_not_lines(monkeypatch):
    import analyzer.templates.mining as mining

    sizes = []
    real = mining._cluster_shapes

    def spy(words, **kw):
        sizes.append(len(words))
        return real(words, **kw)

    monkeypatch.setattr(mining, "_cluster_shapes", spy)
    lines = [f"xen_net: vif{d}.0: Memory squeeze {d}" for d in range(5000)]
    mined = mine_templates(lines)
    assert sizes == [1] and mined.templates == ["xen_net: <*>: Memory squeeze <*>"]


def _loghub_2k() -> pd.DataFrame:
    return pd.read_csv(LOGHUB / "Linux_2k.log_structured_corrected.csv", dtype=str,
                       keep_default_na=False)


def test_grouping_accuracy_on_loghub_linux_2k_beats_drain():
    truth = _loghub_2k()
    assert len(truth) == 2000 and truth["EventId"].nunique() == 118
    mined = mine_templates(truth["Content"])
    accuracy = grouping_accuracy(mined.template_ids, truth["EventId"])
    assert accuracy >= DRAIN_GA_LINUX_2K, accuracy


def test_mining_kernlogs_own_message_field_of_the_raw_loghub_log():
    """The raw CRLF syslog through kernlog's parser: messages equal Loghub's Content column."""
    raw = (LOGHUB / "Linux_2k.log").read_bytes().decode("utf-8")
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in raw.split("\n")]
    result = sniff(lines).parse(lines)
    events = result.events
    truth = _loghub_2k()
    assert result.format == "syslog" and len(events) == 2000
    assert (events["message"].str.strip().to_numpy() == truth["Content"].str.strip().to_numpy()).mean() > 0.99
    mined = mine_templates(events["message"])
    assert grouping_accuracy(mined.template_ids, truth["EventId"]) >= DRAIN_GA_LINUX_2K
