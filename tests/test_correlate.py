"""The correlator on realistic hosts: the seed incident, the fixed host, a RAID host with
swiotlb exhaustion, a modern xl host with OOM kills after DomU starts, a healthy host, and the
netback protocol-error differential.

Event tables are built here directly (the contract columns of ``analyzer.model.EVENT_COLUMNS``
plus ``end_line``), with message bodies in the formats catalogued in
``/work/shared/reference/xen-messages.md``; episodes come from a small stand-in for the episodes
stage so these tests exercise only the correlator.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analyzer.correlate import Correlation, correlate, load_rules
from analyzer.model import SEVERITY_RANK, Episode, Evidence

SQUEEZE = "xen_net: Memory squeeze in netback driver."
SQUEEZE_ID = "xen-dom0-balloon-netback-squeeze"
XEN_MEMORY_IDS = {SQUEEZE_ID, "xen-dom0-swiotlb-dma-exhaustion",
                  "xen-dom0-autoballoon-memory-pressure"}
MESSAGES = "var/log/messages"
XEND = "var/log/xen/xend.log"
XM_DMESG = "sos_commands/xen/xm_dmesg"


# ---------------------------------------------------------------------------------------------
# Builders


class Log:
    """Collects events of one host; ``line`` numbers count up per source."""

    def __init__(self, host: str = "xen07") -> None:
        self.host = host
        self.rows: list[dict] = []
        self.lines: dict[str, int] = {}

    def add(self, ts, source, message, *, tag=None, fields=None, severity=None, program=None,
            boot=0, count=1, line=None):
        if line is None:
            line = self.lines.get(source, 0) + 1
        self.lines[source] = line
        if program is None:
            program = "xend" if "xend" in source else ("xen" if "dmesg" in source and
                                                       source.startswith("sos") else "kernel")
        if severity is None and tag is not None:
            severity = "info"
        self.rows.append({
            "host": self.host, "source": source, "line": line, "end_line": line, "boot": boot,
            "ts": pd.Timestamp(ts, tz="UTC") if ts is not None else pd.NaT,
            "ts_quality": "exact" if ts is not None else "unknown", "uptime": np.nan,
            "program": program, "message": message, "tag": tag,
            "category": tag.split(".")[0] if tag else None, "severity": severity,
            "count": count, "fields": fields,
        })
        return self

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows)
        df["ts"] = pd.to_datetime(df["ts"], utc=True).astype("datetime64[ns, UTC]")
        df["boot"] = df["boot"].astype("Int64")
        return df


def episodes_of(events: pd.DataFrame, gap_minutes: float = 10.0):
    """A small stand-in for the episodes stage: problem rows of one tag, gaps <= gap."""
    sev = events["severity"].map(SEVERITY_RANK)
    problems = events[(sev >= SEVERITY_RANK["warning"]) & events["tag"].notna()]
    groups = []
    for (tag, boot), rows in problems.groupby(["tag", "boot"], sort=False):
        rows = rows.sort_values("ts")
        split = rows["ts"].diff() > pd.Timedelta(minutes=gap_minutes)
        for _, part in rows.groupby(split.cumsum()):
            groups.append((part["ts"].min(), tag, int(boot), part))
    groups.sort(key=lambda g: g[0])
    supp = events[events["tag"] == "kernel.ratelimit.suppressed"]
    episode_of = pd.Series([None] * len(events), index=events.index, dtype=object)
    out = []
    for i, (start, tag, boot, part) in enumerate(groups, 1):
        eid = f"E{i}"
        end = part["ts"].max()
        gap = pd.Timedelta(minutes=gap_minutes)
        hidden = supp[(supp["ts"] >= start - gap) & (supp["ts"] <= end + gap)]
        hidden_count = sum(f["count"] for f in hidden["fields"]) if tag.startswith("xen.net") \
            else 0
        episode_of[part.index] = eid
        first, last = part.iloc[0], part.iloc[-1]
        out.append(Episode(
            id=eid, tag=tag, start=start.isoformat(), end=end.isoformat(), events=len(part),
            estimated_occurrences=int(part["count"].sum()) + hidden_count, boot=boot,
            severity=part["severity"].iloc[0], first=_evidence(first), last=_evidence(last)))
    return out, episode_of


def _evidence(row) -> Evidence:
    return Evidence(source=row["source"], line=int(row["line"]), ts=row["ts"].isoformat(),
                    message=row["message"], tag=row["tag"], boot=int(row["boot"]))


def facts_of(values: dict, provenance: dict | None = None):
    return SimpleNamespace(values=values, provenance=provenance or {}, per_boot=[values])


def run(log_or_events, facts, *, rules=None, seed: int = 0) -> Correlation:
    events = log_or_events.frame() if isinstance(log_or_events, Log) else log_or_events
    episodes, episode_of = episodes_of(events)
    return correlate(events, episodes, episode_of, facts, rules or load_rules(), seed=seed)


def by_id(result: Correlation) -> dict:
    return {f.id: f for f in result.findings}


# ---------------------------------------------------------------------------------------------
# The seed incident: 8 GB Xen 3.3 Dom0 without dom0_mem, 14 DomUs started by xend, squeeze


DOMU_STARTS = (
    [pd.Timestamp("2009-03-02 06:20:00") + pd.Timedelta(minutes=10 * i) for i in range(10)]
    + [pd.Timestamp(t) for t in ("2009-03-04 10:00:00", "2009-03-06 13:00:00",
                                 "2009-03-06 13:21:00", "2009-03-07 08:50:00")]
)
SEED_VALUES = {
    "xen_cmdline": "/xen.gz-2.6.18-128.el5", "ram_mib": 8190, "dom0_boot_mib": 7934.0,
    "dom0_mem_option": None, "dom0_mem_mib": None, "dom0_mem_max_mib": None,
    "kernel": "2.6.18-128.el5xen", "xen": "3.3.1", "is_xen_dom0": True,
    "dom0_kernel_cmdline": "ro root=/dev/VolGroup00/LogVol00", "swiotlb": None,
    "swiotlb_units": "MiB (xenlinux)", "dom0_min_mem_mib": None, "dom0_ballooning": None,
    "autoballoon": None, "dom0_boot_share": 7934 / 8190, "boots": 1,
}
SEED_PROVENANCE = {
    "xen_cmdline": {"source": XM_DMESG, "line": 4, "text": "Command line: /xen.gz-2.6.18-128.el5"},
    "ram_mib": {"source": XM_DMESG, "line": 12, "text": "System RAM: 8190MB (8386560kB)"},
    "dom0_boot_mib": {"source": XM_DMESG, "line": 19, "text": " Dom0 alloc.:   "
                      "0000000214000000->0000000218000000 (2031104 pages to be allocated)"},
    "kernel": {"source": MESSAGES, "line": 1, "text": "Linux version 2.6.18-128.el5xen"},
}


def seed_log(*, squeeze_at=("2009-03-06 14:02:44", "2009-03-07 09:15:02"),
             squeeze_lines=(40, 12)) -> Log:
    log = Log("xen07")
    log.add(None, XM_DMESG, "Xen version 3.3.1 (mockbuild@centos.org) (gcc version 4.1.2 "
            "20080704 (Red Hat 4.1.2-44)) Fri Jan 30 14:33:22 EST 2009", tag="xen.hv.version",
            fields={"version": "3.3.1"}, line=1)
    log.add(None, XM_DMESG, "Command line: /xen.gz-2.6.18-128.el5", tag="xen.hv.cmdline",
            fields={"cmdline": "/xen.gz-2.6.18-128.el5"}, line=4)
    log.add(None, XM_DMESG, "System RAM: 8190MB (8386560kB)", tag="xen.hv.system_ram",
            fields={"mb": 8190, "kb": 8386560}, line=12)
    log.add(None, XM_DMESG, " Dom0 alloc.:   0000000214000000->0000000218000000 (2031104 pages"
            " to be allocated)", tag="xen.hv.dom0_alloc",
            fields={"start": "0000000214000000", "end": "0000000218000000", "pages": 2031104},
            line=19)
    boot = pd.Timestamp("2009-03-02 06:11:40")
    log.add(boot, MESSAGES, "Linux version 2.6.18-128.el5xen (mockbuild@builder10.centos.org) "
            "(gcc version 4.1.2 20080704 (Red Hat 4.1.2-44)) #1 SMP Wed Jan 21 11:12:42 EST 2009",
            tag="kernel.boot.version", fields={"version": "2.6.18-128.el5xen"})
    log.add(boot, MESSAGES, "Memory: 8111856k/8124416k available (2468k kernel code, 12060k "
            "reserved, 1263k data, 172k init)", tag="kernel.boot.memory",
            fields={"avail_kb": 8111856, "total_kb": 8124416})
    log.add(boot, MESSAGES, "xen_mem: Initialising balloon driver.", tag="xen.balloon.init")
    target = 7934
    for i, at in enumerate(DOMU_STARTS, 1):
        name = f"web{i:02d}"
        log.add(at, XEND, f"XendDomainInfo.create(['vm', ['name', '{name}'], ['memory', 512], "
                "['on_reboot', 'restart'], ['image', ['linux', ['kernel', "
                "'/boot/vmlinuz-2.6.18-128.el5xen']]]])")
        if i > 1:
            target -= 512
            log.add(at + pd.Timedelta(seconds=1), XEND,
                    "Balloon: 221184 KiB free; 0 to scrub; need 528384; retries: 20.")
            log.add(at + pd.Timedelta(seconds=1), XEND,
                    f"Balloon: setting dom0 target to {target} MiB.",
                    tag="xen.balloon.dom0_target", fields={"mib": target})
            log.add(at + pd.Timedelta(seconds=1), XEND,
                    f"Setting memory target of domain Domain-0 (0) to {target} MiB.",
                    tag="xen.balloon.dom0_target", fields={"mib": target})
        log.add(at + pd.Timedelta(seconds=3), MESSAGES, f"device vif{i}.0 entered promiscuous "
                "mode", tag="xen.domu.start", fields={"domid": i, "vif": f"vif{i}.0"})
        log.add(at + pd.Timedelta(seconds=3), MESSAGES,
                f"xenbr0: port {i + 1}(vif{i}.0) entering forwarding state")
        log.add(at + pd.Timedelta(seconds=4), XEND, f"Domain {name} ({i}) unpaused.",
                tag="xen.domu.start", fields={"domid": i, "name": name})
    for start, lines in zip(squeeze_at, squeeze_lines):
        t = pd.Timestamp(start)
        for k in range(lines):
            log.add(t, MESSAGES, SQUEEZE, tag="xen.netback.memory_squeeze", severity="error")
            if k % 4 == 3:
                log.add(t + pd.Timedelta(seconds=5), MESSAGES,
                        "printk: 57 messages suppressed.", tag="kernel.ratelimit.suppressed",
                        fields={"count": 57})
            t += pd.Timedelta(seconds=230)
    log.add(pd.Timestamp("2009-03-09 17:40:00"), MESSAGES, "Kernel logging (proc) stopped.")
    return log


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture(scope="module")
def seed(rules):
    return run(seed_log(), facts_of(SEED_VALUES, SEED_PROVENANCE), rules=rules)


def test_seed_incident_gives_the_squeeze_finding_first(seed):
    assert seed.findings[0].id == SQUEEZE_ID
    finding = seed.findings[0]
    assert finding.severity == "error"
    assert finding.confidence >= 0.85
    assert finding.episodes == ["E1", "E2"]


def test_seed_summary_says_the_numbers(seed):
    summary = by_id(seed)[SQUEEZE_ID].summary
    assert "7,934 MiB of 8,190 MiB" in summary
    assert f"ballooned to {7934 - 12 * 512:,} MiB" in summary  # 12 downs before E1
    assert "13 DomUs started" in summary
    assert "41 min after the last balloon-down" in summary


def test_seed_evidence_cites_cmdline_sizes_balloon_and_episode(seed):
    evidence = by_id(seed)[SQUEEZE_ID].evidence
    where = [(e.source, e.line) for e in evidence]
    assert (XM_DMESG, 4) in where and (XM_DMESG, 12) in where and (XM_DMESG, 19) in where
    balloon = [e for e in evidence if e.message.startswith("Balloon: setting dom0 target")]
    assert len(balloon) == 1
    assert balloon[0].message == f"Balloon: setting dom0 target to {7934 - 12 * 512} MiB."
    assert "12th of 13" in balloon[0].note and "41 min before E1" in balloon[0].note
    assert balloon[0].ts == "2009-03-06T13:21:01+00:00"
    squeeze = [e for e in evidence if e.message == SQUEEZE]
    assert squeeze[0].ts == "2009-03-06T14:02:44+00:00"
    assert "×40 lines, +570 suppressed" in squeeze[0].note
    assert any("E1 last line" in (e.note or "") for e in squeeze)


def test_seed_remediation_names_dom0_mem_and_ballooning(seed):
    finding = by_id(seed)[SQUEEZE_ID]
    text = "\n".join(finding.remediation)
    assert "dom0_mem=1024M,max:1024M" in text
    assert "(enable-dom0-ballooning no)" in text
    assert "rx_copy" in text
    assert "autoballoon" not in text  # xend host: the xl.conf advice is left out
    assert "this is not Dom0 kernel memory pressure".lower() in finding.explanation.lower()


def test_seed_missing_evidence_names_the_domu_receive_mode(seed):
    missing = by_id(seed)[SQUEEZE_ID].missing_evidence
    assert any("flipping receive path" in m for m in missing)
    assert not any("xend.log" in m for m in missing)  # we have it


def test_seed_alignment_is_unlikely_by_chance(seed):
    finding = by_id(seed)[SQUEEZE_ID]
    assert finding.p_value is not None and finding.p_value < 0.05
    assert "2 of 2 episodes began within 60 min" in finding.alignment
    assert "10,000 seeded draws" in finding.alignment


def test_dropping_xend_log_lowers_confidence_and_names_it_missing(seed, rules):
    events = seed_log().frame()
    without = events[events["source"] != XEND].reset_index(drop=True)
    result = run(without, facts_of(SEED_VALUES, SEED_PROVENANCE), rules=rules)
    before, after = by_id(seed)[SQUEEZE_ID], by_id(result)[SQUEEZE_ID]
    assert after.confidence < before.confidence - 0.1
    assert any("xend.log" in m for m in after.missing_evidence)
    assert not any(e.message.startswith("Balloon:") for e in after.evidence)


def test_unknown_boot_sizes_lower_confidence_and_ask_for_the_xen_cmdline(seed, rules):
    values = dict(SEED_VALUES, xen_cmdline=None, ram_mib=None, dom0_boot_share=None)
    result = run(seed_log(), facts_of(values, {}), rules=rules)
    finding = by_id(result)[SQUEEZE_ID]
    assert finding.confidence < by_id(seed)[SQUEEZE_ID].confidence
    assert any("Command line" in m for m in finding.missing_evidence)


def test_seed_timeline_and_series(seed):
    kinds = [e.kind for e in seed.timeline]
    assert kinds[0] == "boot"
    assert kinds.count("domu_start") == 14  # one per domid, though each shows twice
    assert kinds.count("balloon") == 13  # xend's two lines per move are one move
    assert kinds.count("episode") == 2
    starts = [e.start for e in seed.timeline if e.start]
    assert starts == sorted(starts)
    named = [e.text for e in seed.timeline if e.kind == "domu_start"]
    assert named[0] == "DomU web01 (domid 1) started"
    series = seed.series
    assert series["dom0_target_mib"][0] == ["2009-03-02T06:11:40+00:00", 7934.0]
    assert series["dom0_target_mib"][-1][1] == 7934 - 13 * 512
    assert max(n for _, n in series["running_domus"]) == 14
    assert [s[2] for s in series["episodes"]] == ["xen.netback.memory_squeeze"] * 2


def test_seed_domus_have_names_and_signals(seed):
    assert len(seed.domus) == 14
    first = seed.domus[0]
    assert first["domid"] == 1 and first["name"] == "web01" and first["boot"] == 0
    assert first["start"] == "2009-03-02T06:20:03+00:00"
    assert len(first["signals"]) == 2


def test_names_come_from_xend_create_when_unpause_is_missing(rules):
    log = seed_log()
    log.rows = [r for r in log.rows if "unpaused" not in r["message"]]
    result = run(log, facts_of(SEED_VALUES, SEED_PROVENANCE), rules=rules)
    assert [d["name"] for d in result.domus][:3] == ["web01", "web02", "web03"]


# ---------------------------------------------------------------------------------------------
# The fixed host: dom0_mem=256000 (250 MiB), no ballooning


FIXED_VALUES = {
    "xen_cmdline": "/xen.gz-2.6.18-128.el5 dom0_mem=256000", "ram_mib": 8190,
    "dom0_boot_mib": 250.0, "dom0_mem_option": "256000", "dom0_mem_mib": 250.0,
    "kernel": "2.6.18-128.el5xen", "xen": "3.1.2", "is_xen_dom0": True,
    "dom0_boot_share": 250 / 8190, "swiotlb_units": "MiB (xenlinux)",
}


def fixed_log(squeeze: bool) -> Log:
    log = Log("xen02")
    log.add(None, XM_DMESG, "Command line: /xen.gz-2.6.18-128.el5 dom0_mem=256000",
            tag="xen.hv.cmdline", fields={"cmdline": "/xen.gz-2.6.18-128.el5 dom0_mem=256000"})
    log.add("2009-03-01 08:00:00", MESSAGES, "Memory: 243456k/256000k available (2468k kernel "
            "code, 12160k reserved, 1263k data, 172k init)", tag="kernel.boot.memory",
            fields={"avail_kb": 243456, "total_kb": 256000})
    for i in range(1, 6):
        at = pd.Timestamp("2009-03-01 09:00:00") + pd.Timedelta(hours=i)
        log.add(at, XEND, f"Domain db{i:02d} ({i}) unpaused.", tag="xen.domu.start",
                fields={"domid": i, "name": f"db{i:02d}"})
    if squeeze:
        for k in range(3):
            log.add(pd.Timestamp("2009-03-01 14:30:00") + pd.Timedelta(seconds=5 * k), MESSAGES,
                    SQUEEZE, tag="xen.netback.memory_squeeze", severity="error")
    log.add("2009-03-02 08:00:00", MESSAGES, "Kernel logging (proc) stopped.")
    return log


@pytest.mark.parametrize("squeeze", [False, True])
def test_fixed_host_gets_no_xen_memory_finding(rules, squeeze):
    result = run(fixed_log(squeeze), facts_of(FIXED_VALUES), rules=rules)
    assert not XEN_MEMORY_IDS & set(by_id(result))
    if squeeze:  # the squeeze is still reported, by the fallback, without the boot-size story
        fallback = by_id(result)["xen-netback-memory-squeeze"]
        assert "dom0_mem=256000" in fallback.summary
    else:
        assert result.findings == []
    assert len(result.domus) == 5


# ---------------------------------------------------------------------------------------------
# A 4 GB RAID host: swiotlb exhaustion, aacraid aborts, end_request I/O errors


RAID_VALUES = {
    "xen_cmdline": "/xen.gz-2.6.18-92.el5", "ram_mib": 4094, "dom0_boot_mib": 3838.0,
    "dom0_mem_option": None, "dom0_mem_mib": None, "kernel": "2.6.18-92.el5xen",
    "xen": "3.1.2", "is_xen_dom0": True, "dom0_kernel_cmdline": "ro root=/dev/VolGroup00/LogVol00",
    "swiotlb": None, "swiotlb_units": "MiB (xenlinux)", "dom0_boot_share": 3838 / 4094,
}
RAID_PROVENANCE = {
    "dom0_kernel_cmdline": {"source": MESSAGES, "line": 2,
                            "text": "Command line: ro root=/dev/VolGroup00/LogVol00"},
    "xen_cmdline": {"source": "boot/grub/grub.conf", "line": 14,
                    "text": "kernel /xen.gz-2.6.18-92.el5"},
}


def raid_log() -> Log:
    log = Log("raid01")
    boot = pd.Timestamp("2010-05-10 02:00:00")
    log.add(boot, MESSAGES, "Linux version 2.6.18-92.el5xen (brewbuilder@ls20-bc2-13.build."
            "redhat.com)", tag="kernel.boot.version", fields={"version": "2.6.18-92.el5xen"})
    log.add(boot, MESSAGES, "Command line: ro root=/dev/VolGroup00/LogVol00",
            tag="kernel.boot.cmdline", fields={"cmdline": "ro root=/dev/VolGroup00/LogVol00"})
    log.add(boot, MESSAGES, "aacraid 0000:04:00.0: PCI INT A -> GSI 24 (level, low) -> IRQ 24")
    t = pd.Timestamp("2010-05-12 03:14:07")
    for k in range(6):
        log.add(t, MESSAGES, "PCI-DMA: Out of SW-IOMMU space for 65536 bytes at device "
                "0000:04:00.0", tag="dma.swiotlb_full", severity="error",
                fields={"bytes": 65536, "device": "0000:04:00.0"})
        t += pd.Timedelta(seconds=20)
    log.add(t, MESSAGES, "aacraid: Host adapter abort request (0,0,0,0)",
            tag="storage.raid_error", severity="error", fields={"driver": "aacraid"})
    log.add(t + pd.Timedelta(seconds=30), MESSAGES, "aacraid: Host adapter reset request. SCSI "
            "hang ?", tag="storage.raid_error", severity="error", fields={"driver": "aacraid"})
    for k in range(3):
        log.add(t + pd.Timedelta(seconds=60 + k), MESSAGES,
                f"end_request: I/O error, dev sda, sector {8388608 + 8 * k}",
                tag="storage.io_error", severity="error",
                fields={"device": "sda", "sector": 8388608 + 8 * k})
    log.add("2010-05-12 09:00:00", MESSAGES, "Kernel logging (proc) stopped.")
    return log


def test_raid_host_swiotlb_finding_absorbs_storage_errors(rules):
    result = run(raid_log(), facts_of(RAID_VALUES, RAID_PROVENANCE), rules=rules)
    found = by_id(result)
    assert "xen-dom0-swiotlb-dma-exhaustion" in found
    assert "storage-io-errors" not in found  # explained by the swiotlb finding
    assert "swiotlb-exhaustion" not in found
    finding = found["xen-dom0-swiotlb-dma-exhaustion"]
    assert finding.episodes == ["E1", "E2", "E3"]
    assert "0000:04:00.0" in finding.summary
    assert "2 storage driver errors and 3 I/O errors" in finding.summary
    messages = [e.message for e in finding.evidence]
    assert "aacraid: Host adapter abort request (0,0,0,0)" in messages
    assert any(m.startswith("end_request: I/O error, dev sda") for m in messages)
    assert any(e.source == MESSAGES and e.line == 2 for e in finding.evidence)  # no swiotlb=
    text = "\n".join(finding.remediation)
    assert "`swiotlb=64`" in text and "megabytes" in text
    assert "65536" not in text  # xenlinux units only
    assert "dom0_mem=" in text


def test_pvops_kernel_gets_slab_units(rules):
    values = dict(RAID_VALUES, kernel="2.6.32.43-0.4.1.xs1.8.0.835.170778xen",
                  swiotlb_units="2 KiB slabs (pvops/mainline)")
    finding = by_id(run(raid_log(), facts_of(values, RAID_PROVENANCE), rules=rules))[
        "xen-dom0-swiotlb-dma-exhaustion"]
    text = "\n".join(finding.remediation)
    assert "`swiotlb=65536`" in text and "2 KB slabs" in text
    assert "`swiotlb=64`" not in text


def test_storage_errors_without_swiotlb_stay_generic(rules):
    log = raid_log()
    log.rows = [r for r in log.rows if r["tag"] != "dma.swiotlb_full"]
    found = by_id(run(log, facts_of(RAID_VALUES, RAID_PROVENANCE), rules=rules))
    assert set(found) == {"storage-io-errors"}


# ---------------------------------------------------------------------------------------------
# A modern xl host (journal): OOM kills after DomU starts, no dom0_mem, autoballoon auto


XL_VALUES = {
    "xen_cmdline": "placeholder dom0_max_vcpus=2 loglvl=all", "ram_mib": 16280,
    "dom0_boot_mib": 15990.0, "dom0_mem_option": None, "dom0_mem_mib": None,
    "kernel": "4.19.0-6-amd64", "xen": "4.11.3-pre", "is_xen_dom0": True,
    "autoballoon": "auto", "dom0_ballooning": True, "dom0_boot_share": 15990 / 16280,
    "swiotlb_units": "2 KiB slabs (pvops/mainline)",
}
JOURNAL = "sos_commands/logs/journalctl_--no-pager"


def xl_log(late_oom: bool = False) -> Log:
    log = Log("xl01")
    log.add("2020-01-10 07:00:00", JOURNAL, "Linux version 4.19.0-6-amd64 "
            "(debian-kernel@lists.debian.org)", tag="kernel.boot.version",
            fields={"version": "4.19.0-6-amd64"})
    starts = [pd.Timestamp("2020-01-10 09:00:00") + pd.Timedelta(minutes=3 * i)
              for i in range(4)]
    for i, at in enumerate(starts, 1):
        log.add(at, JOURNAL, f"device vif{i}.0 entered promiscuous mode", tag="xen.domu.start",
                fields={"domid": i, "vif": f"vif{i}.0"})
        log.add(at, JOURNAL, f"vif vif-{i}-0 vif{i}.0: Guest Rx ready")
    oom = pd.Timestamp("2020-01-10 09:14:31")
    log.add(oom, JOURNAL, "qemu-system-i38 invoked oom-killer: gfp_mask=0x6000c0(GFP_KERNEL), "
            "nodemask=(null), order=0, oom_score_adj=0", tag="mm.oom_kill", severity="error",
            fields={"comm": "qemu-system-i38"})
    log.add(oom + pd.Timedelta(seconds=1), JOURNAL, "Out of memory: Kill process 2731 "
            "(qemu-system-i38) score 52 or sacrifice child", tag="mm.oom_kill", severity="error",
            fields={"comm": "qemu-system-i38", "pid": 2731})
    if late_oom:
        late = pd.Timestamp("2020-01-10 21:40:00")
        log.add(late, JOURNAL, "Out of memory: Killed process 991 (java) total-vm:8123456kB, "
                "anon-rss:2048000kB, file-rss:0kB, shmem-rss:0kB", tag="mm.oom_kill",
                severity="error", fields={"comm": "java", "pid": 991})
    log.add("2020-01-11 07:00:00", JOURNAL, "systemd-journald[312]: Journal stopped")
    return log


def test_xl_host_oom_after_domu_starts_is_autoballoon(rules):
    result = run(xl_log(), facts_of(XL_VALUES), rules=rules)
    found = by_id(result)
    assert set(found) == {"xen-dom0-autoballoon-memory-pressure"}
    finding = found["xen-dom0-autoballoon-memory-pressure"]
    assert finding.severity == "error"
    assert "5 min after a DomU start" in finding.summary
    text = "\n".join(finding.remediation)
    assert "dom0_mem=1024M,max:1024M" in text and 'autoballoon="off"' in text
    assert "xend-config" not in text
    assert any(e.message == "device vif4.0 entered promiscuous mode" for e in finding.evidence)


def test_xl_host_unrelated_oom_stays_generic(rules):
    found = by_id(run(xl_log(late_oom=True), facts_of(XL_VALUES), rules=rules))
    assert found["xen-dom0-autoballoon-memory-pressure"].episodes == ["E1"]
    assert found["oom-kill"].episodes == ["E2"]
    assert "java" in found["oom-kill"].summary


def test_xl_host_with_dom0_mem_is_not_autoballoon(rules):
    values = dict(XL_VALUES, xen_cmdline="placeholder dom0_mem=4096M,max:4096M",
                  dom0_mem_option="4096M,max:4096M", dom0_mem_mib=4096.0,
                  dom0_ballooning=False, dom0_boot_share=0.25)
    found = by_id(run(xl_log(), facts_of(values), rules=rules))
    assert set(found) == {"oom-kill"}


# ---------------------------------------------------------------------------------------------
# A healthy non-Xen host, and the netback protocol-error differential


def healthy_log(oom: bool = False) -> Log:
    log = Log("web5")
    log.add("2022-02-01 10:00:00", "var/log/kern.log", "Linux version 5.4.0-97-generic "
            "(buildd@lcy02-amd64-032)", tag="kernel.boot.version",
            fields={"version": "5.4.0-97-generic"})
    log.add("2022-02-01 10:00:00", "var/log/kern.log", "Memory: 16301856K/16669528K available",
            tag="kernel.boot.memory", fields={"avail_kb": 16301856, "total_kb": 16669528})
    log.add("2022-02-01 10:00:05", "var/log/kern.log", "device eth0 entered promiscuous mode")
    if oom:
        log.add("2022-02-01 15:00:00", "var/log/kern.log", "Out of memory: Killed process 4242 "
                "(postgres) total-vm:9000000kB, anon-rss:7000000kB, file-rss:0kB, "
                "shmem-rss:0kB", tag="mm.oom_kill", severity="error",
                fields={"comm": "postgres", "pid": 4242})
    log.add("2022-02-02 10:00:00", "var/log/kern.log", "e1000e: eth0 NIC Link is Up 1000 Mbps")
    return log


HEALTHY_VALUES = {"xen_cmdline": None, "ram_mib": 16278, "dom0_boot_mib": None,
                  "kernel": "5.4.0-97-generic", "is_xen_dom0": False}


def test_healthy_host_has_no_findings(rules):
    result = run(healthy_log(), facts_of(HEALTHY_VALUES), rules=rules)
    assert result.findings == [] and result.domus == []
    assert [e.kind for e in result.timeline] == ["boot"]


def test_plain_linux_oom_is_generic(rules):
    found = by_id(run(healthy_log(oom=True), facts_of(HEALTHY_VALUES), rules=rules))
    assert set(found) == {"oom-kill"}
    assert "postgres" in found["oom-kill"].summary


def test_netback_fatal_error_is_not_a_memory_finding(rules):
    log = Log("xen09")
    log.add(None, XM_DMESG, "Command line: placeholder", tag="xen.hv.cmdline",
            fields={"cmdline": "placeholder"})
    for i in range(1, 4):
        log.add(f"2021-06-01 10:0{i}:00", "journal", f"device vif{i}.0 entered promiscuous mode",
                tag="xen.domu.start", fields={"domid": i, "vif": f"vif{i}.0"})
    log.add("2021-06-01 10:20:00", "journal", "vif vif-3-0 vif3.0: Cross page boundary, "
            "txp->offset: 3968, size: 1514", tag="xen.netback.fatal_error", severity="error",
            fields={"vif": "vif3.0"})
    log.add("2021-06-01 10:20:00", "journal", "vif vif-3-0 vif3.0: fatal error; disabling "
            "device", tag="xen.netback.fatal_error", severity="error", fields={"vif": "vif3.0"})
    log.add("2021-06-01 12:00:00", "journal", "systemd[1]: Started Session 4 of user root.")
    values = dict(XL_VALUES, xen_cmdline="placeholder")
    found = by_id(run(log, facts_of(values), rules=rules))
    assert set(found) == {"xen-netback-guest-protocol-error"}
    finding = found["xen-netback-guest-protocol-error"]
    assert "vif3.0" in finding.summary and "memory is not the cause" in finding.summary
    assert not any("dom0_mem" in r for r in finding.remediation)


# ---------------------------------------------------------------------------------------------
# Chance alignment through the whole correlator, and rules added as YAML only


def test_randomly_timed_squeeze_is_not_called_aligned(rules):
    rng = np.random.default_rng(7)
    span = (pd.Timestamp("2009-03-02 07:00"), pd.Timestamp("2009-03-09 17:00"))
    minutes = np.sort(rng.uniform(0, (span[1] - span[0]).total_seconds() / 60, 3))
    times = [str(span[0] + pd.Timedelta(minutes=float(m))) for m in minutes]
    result = run(seed_log(squeeze_at=times, squeeze_lines=(3, 3, 3)),
                 facts_of(SEED_VALUES, SEED_PROVENANCE), rules=rules)
    finding = by_id(result)[SQUEEZE_ID]
    assert finding.p_value is not None and finding.p_value > 0.1
    assert finding.confidence < by_id(run(seed_log(), facts_of(SEED_VALUES, SEED_PROVENANCE),
                                          rules=rules))[SQUEEZE_ID].confidence


def test_same_seed_same_p_value(rules):
    a = by_id(run(seed_log(), facts_of(SEED_VALUES, SEED_PROVENANCE), rules=rules, seed=3))
    b = by_id(run(seed_log(), facts_of(SEED_VALUES, SEED_PROVENANCE), rules=rules, seed=3))
    assert a[SQUEEZE_ID].p_value == b[SQUEEZE_ID].p_value


USER_RULE = """\
- id: machine-check-errors
  title: Machine check errors on {fields_bank}
  severity: critical
  episode_tag: [hardware.mce]
  base: 0.7
  conditions:
    - id: storage_too
      weight: 0.1
      near: {tag: storage.io_error, within_minutes: 5}
      evidence: I/O error next to the machine check
  summary: "{occurrences} machine check events ({episodes} episode(s)) from {first_start}."
  remediation:
    - "Run the vendor's hardware diagnostics; replace the failing part."
"""


def test_a_rule_added_in_yaml_alone_fires(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "hardware.yaml").write_text(USER_RULE, encoding="utf-8")
    rules = load_rules([tmp_path])
    log = healthy_log()
    for k in range(2):
        log.add(f"2022-02-01 12:00:0{k}", "var/log/kern.log", "mce: [Hardware Error]: Machine "
                "check events logged", tag="hardware.mce", severity="error",
                fields={"bank": "bank 4"})
    result = run(log, facts_of(HEALTHY_VALUES), rules=rules)
    finding = by_id(result)["machine-check-errors"]
    assert finding.title == "Machine check errors on bank 4"
    assert finding.summary == "2 machine check events (1 episode(s)) from 2022-02-01 12:00 UTC."
    assert finding.confidence == 0.7
    assert result.findings[0].id == "machine-check-errors"  # critical sorts first


def test_a_user_rule_replaces_a_builtin_one(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "oom.yaml").write_text(
        "- id: oom-kill\n  title: Site OOM policy\n  severity: critical\n"
        "  episode_tag: [mm.oom_kill]\n  base: 0.9\n", encoding="utf-8")
    found = by_id(run(healthy_log(oom=True), facts_of(HEALTHY_VALUES),
                      rules=load_rules([tmp_path])))
    assert found["oom-kill"].title == "Site OOM policy"
    assert found["oom-kill"].severity == "critical"


def test_findings_sorted_by_severity_then_confidence(rules):
    log = seed_log()
    for k in range(2):
        log.add(f"2009-03-08 10:00:0{k}", MESSAGES, "INFO: task kjournald:1234 blocked for more "
                "than 120 seconds.", tag="kernel.hung_task", severity="error",
                fields={"comm": "kjournald", "pid": 1234, "secs": 120})
    result = run(log, facts_of(SEED_VALUES, SEED_PROVENANCE), rules=rules)
    ranks = [(-SEVERITY_RANK[f.severity], -f.confidence) for f in result.findings]
    assert ranks == sorted(ranks)
    assert [f.id for f in result.findings] == [SQUEEZE_ID, "hung-tasks"]


def test_with_the_real_episodes_stage(rules):
    episodes_mod = pytest.importorskip("analyzer.episodes")
    events = seed_log().frame()
    episodes, episode_of = episodes_mod.find_episodes(events, gap_minutes=10)
    result = correlate(events, episodes, episode_of, facts_of(SEED_VALUES, SEED_PROVENANCE),
                       rules)
    assert result.findings[0].id == SQUEEZE_ID
    assert result.findings[0].p_value < 0.05


def test_empty_table_gives_an_empty_correlation(rules):
    from analyzer.model import EVENT_COLUMNS

    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS})
    empty["ts"] = pd.Series(dtype="datetime64[ns, UTC]")
    result = correlate(empty, [], pd.Series(dtype=object), facts_of({}), rules)
    assert result.findings == [] and result.timeline == [] and result.domus == []
    assert result.series == {"dom0_target_mib": [], "running_domus": [], "episodes": []}


def test_untimed_squeeze_still_gets_a_cautious_finding(rules):
    log = Log("xen07")
    log.add(None, XM_DMESG, "Command line: /xen.gz-3.3.1", tag="xen.hv.cmdline",
            fields={"cmdline": "/xen.gz-3.3.1"})
    for _ in range(2):
        log.add(None, "sos_commands/kernel/dmesg", SQUEEZE, tag="xen.netback.memory_squeeze",
                severity="error")
    events = log.frame()
    episode = Episode(id="E1", tag="xen.netback.memory_squeeze", start=None, end=None, events=2,
                      estimated_occurrences=2, boot=0, severity="error")
    episode_of = pd.Series([None, "E1", "E1"], index=events.index, dtype=object)
    values = {"xen_cmdline": "/xen.gz-3.3.1", "dom0_mem_mib": None, "is_xen_dom0": True}
    result = correlate(events, [episode], episode_of, facts_of(values), rules)
    finding = by_id(result)[SQUEEZE_ID]
    assert 0.3 < finding.confidence < 0.7
    assert any("xend.log" in m for m in finding.missing_evidence)


def test_toolstack_balloon_failure_is_reported(rules):
    log = seed_log()
    message = ("VmError: I need 2097152 KiB, but dom0_min_mem is 200704 and shrinking to "
               "200704 KiB would leave only 1313904 KiB free.")
    log.add("2009-03-09 16:58:53", XEND, message, tag="xen.balloon.xend_failure",
            severity="error")
    values = dict(SEED_VALUES, dom0_min_mem_mib=196)
    found = by_id(run(log, facts_of(values, SEED_PROVENANCE), rules=rules))
    finding = found["xen-toolstack-out-of-guest-memory"]
    assert finding.severity == "warning"
    assert f"ballooned to {7934 - 13 * 512:,} MiB" in finding.summary
    assert SQUEEZE_ID in found
