"""DomU starts/stops and the Dom0 balloon trajectory (``analyzer.correlate.domains``)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from analyzer.correlate.domains import build_domains
from analyzer.correlate.timeline import build_series

XEND = "var/log/xen/xend.log"
KERN = "var/log/messages"


def frame(rows):
    out = []
    for i, (ts, boot, source, message, tag, fields) in enumerate(rows, 1):
        out.append({"host": "h", "source": source, "line": i, "end_line": i, "boot": boot,
                    "ts": pd.Timestamp(ts, tz="UTC") if ts else pd.NaT, "ts_quality": "exact",
                    "uptime": np.nan, "program": "xend" if source == XEND else "kernel",
                    "message": message, "tag": tag, "category": None,
                    "severity": "info" if tag else None, "count": 1, "fields": fields})
    df = pd.DataFrame(out)
    df["ts"] = pd.to_datetime(df["ts"], utc=True).astype("datetime64[ns, UTC]")
    df["boot"] = df["boot"].astype("Int64")
    return df


def facts(**values):
    return SimpleNamespace(values=values, provenance={}, per_boot=[])


def start(ts, boot, domid, name=None, source=XEND):
    if source == XEND:
        return (ts, boot, XEND, f"Domain {name} ({domid}) unpaused.", "xen.domu.start",
                {"domid": domid, "name": name})
    return (ts, boot, KERN, f"device vif{domid}.0 entered promiscuous mode", "xen.domu.start",
            {"domid": domid, "vif": f"vif{domid}.0"})


def target(ts, boot, mib, dom0_line=False):
    message = (f"Setting memory target of domain Domain-0 (0) to {mib} MiB." if dom0_line
               else f"Balloon: setting dom0 target to {mib} MiB.")
    return (ts, boot, XEND, message, "xen.balloon.dom0_target", {"mib": mib})


def test_signals_of_one_domid_are_one_start_per_boot():
    events = frame([
        ("2009-03-02 06:20:04", 0, KERN, "device vif1.0 entered promiscuous mode",
         "xen.domu.start", {"domid": 1, "vif": "vif1.0"}),
        start("2009-03-02 06:20:05", 0, 1, "web01"),
        (None, 0, "dmesg", "device vif1.0 entered promiscuous mode", "xen.domu.start",
         {"domid": 1, "vif": "vif1.0"}),
        start("2009-03-03 09:00:00", 1, 1, "web01b"),  # next boot reuses domid 1
        ("2009-03-03 09:00:00", 1, KERN, "device peth0 entered promiscuous mode", None, None),
        ("2009-03-03 09:00:01", 1, XEND, "Domain Domain-0 (0) unpaused.", "xen.domu.start",
         {"domid": 0, "name": "Domain-0"}),
    ])
    domains = build_domains(events, facts())
    assert [(d["boot"], d["domid"], d["name"]) for d in domains.domus] == [
        (0, 1, "web01"), (1, 1, "web01b")]
    assert domains.domus[0]["start"] == "2009-03-02T06:20:04+00:00"
    assert len(domains.domus[0]["signals"]) == 3


def test_names_from_memory_target_lines():
    events = frame([
        start("2009-03-02 06:20:04", 0, 5, source=KERN),
        ("2009-03-02 06:20:02", 0, XEND, "Setting memory target of domain web05 (5) to 512 MiB.",
         "xen.domu.mem_target", {"name": "web05", "domid": 5, "mib": 512}),
    ])
    assert build_domains(events, facts()).domus[0]["name"] == "web05"


def test_running_count_never_goes_below_zero_and_stops_count():
    events = frame([
        ("2009-03-02 06:00:00", 0, KERN, "device vif3.0 left promiscuous mode", "xen.domu.stop",
         {"domid": 3}),  # a guest started before the logs begin
        start("2009-03-02 07:00:00", 0, 4, "a"),
        start("2009-03-02 08:00:00", 0, 5, "b"),
        ("2009-03-02 09:00:00", 0, XEND, "Domain has shutdown: name=a id=4 reason=poweroff.",
         "xen.domu.stop", {"domid": 4, "name": "a"}),
        ("2009-03-02 09:00:01", 0, KERN, "device vif4.0 left promiscuous mode", "xen.domu.stop",
         {"domid": 4}),
    ])
    domains = build_domains(events, facts())
    assert domains.running["running"].tolist() == [0, 1, 2, 1]
    assert domains.domus[0]["stop"] == "2009-03-02T09:00:00+00:00"
    assert len(domains.stops) == 2  # domid 3 and domid 4 (its two signals are one stop)


def test_balloon_moves_dedupe_and_direction():
    events = frame([
        ("2009-03-02 06:11:40", 0, KERN, "Linux version 2.6.18-128.el5xen", "kernel.boot.version",
         {"version": "2.6.18-128.el5xen"}),
        target("2009-03-02 06:20:01", 0, 7422),
        target("2009-03-02 06:20:01", 0, 7422, dom0_line=True),
        target("2009-03-02 06:30:01", 0, 6910),
        target("2009-03-02 07:00:00", 0, 7422, dom0_line=True),  # xm mem-set 0 7422
        target("2009-03-02 08:00:00", 1, 4000),  # next boot: its size from values (last boot)
    ])
    two_boots = SimpleNamespace(values={"dom0_boot_mib": 4096.0}, provenance={},
                                per_boot=[{"dom0_boot_mib": 7934.0}, {"dom0_boot_mib": None}])
    balloon = build_domains(events, two_boots).balloon
    boot0 = balloon[balloon["bootkey"] == 0]
    assert boot0["mib"].tolist() == [7422, 6910, 7422]
    assert boot0["prev_mib"].tolist() == [7934.0, 7422, 6910]
    assert boot0["direction"].tolist() == ["down", "down", "up"]
    assert boot0["nth_down"].tolist()[:2] == [1, 2] and boot0["downs_in_boot"].iloc[0] == 2
    assert balloon[balloon["bootkey"] == 1]["direction"].tolist() == ["down"]
    assert balloon[balloon["bootkey"] == 1]["prev_mib"].tolist() == [4096.0]


def test_series_start_each_boot_at_the_boot_size():
    events = frame([
        ("2009-03-02 06:11:40", 0, KERN, "Linux version 2.6.18-128.el5xen", "kernel.boot.version",
         {"version": "2.6.18-128.el5xen"}),
        start("2009-03-02 06:20:00", 0, 1, "web01"),
        target("2009-03-02 06:20:01", 0, 7422),
    ])
    domains = build_domains(events, facts(dom0_boot_mib=7934.0))
    series = build_series(domains, pd.DataFrame(columns=["start", "end", "tag"]))
    assert series["dom0_target_mib"] == [["2009-03-02T06:11:40+00:00", 7934.0],
                                         ["2009-03-02T06:20:01+00:00", 7422.0]]
    assert series["running_domus"] == [["2009-03-02T06:11:40+00:00", 0],
                                       ["2009-03-02T06:20:00+00:00", 1]]
    assert series["episodes"] == []


def test_no_xen_events_no_domains():
    events = frame([("2022-02-01 10:00:00", 0, "var/log/kern.log", "Linux version 5.4.0",
                     "kernel.boot.version", {"version": "5.4.0"})])
    domains = build_domains(events, facts())
    assert domains.domus == [] and domains.balloon.empty and domains.running.empty


def test_untimed_xl_log_names_the_latest_boots_start_of_that_domid():
    """`Waiting for domain web03 (domid 5) to die` has no time and no boot: it names domid 5."""
    xl_log = "var/log/xen/xl-web03.log"
    events = frame([
        start("2023-09-14 08:31:24", 0, 5, source=KERN),
        start("2023-09-18 13:20:08", 1, 5, source=KERN),
        (None, None, xl_log, "Waiting for domain web03 (domid 5) to die [pid 4242]",
         "xen.domu.start", {"domid": 5, "name": "web03"}),
    ])
    d = build_domains(events, facts())
    assert len(d.starts) == 2
    named = d.starts.set_index("bootkey")["name"]
    assert named[1] == "web03"
    assert not isinstance(named[0], str)
