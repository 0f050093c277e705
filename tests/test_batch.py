"""Batch runs: a fleet of host trees on the local pool and on a real Dask LocalCluster."""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.batch import find_hosts, run_batch, safe_stem
from analyzer.cli import app
from analyzer.options import build_options

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Path:
    """Copies of the sample hosts under other names, plus two broken hosts."""
    root = tmp_path_factory.mktemp("fleet")
    hosts = sorted(p for p in SAMPLES.iterdir() if not p.name.startswith(".") and
                   (p.is_dir() or p.name.endswith((".tar.xz", ".tar.gz", ".tgz"))))
    assert len(hosts) >= 5, hosts
    for i, src in enumerate(hosts):
        for copy in ("a", "b"):
            if src.is_dir():
                shutil.copytree(src, root / f"{copy}{i}-{src.name}")
            else:
                shutil.copy(src, root / f"{copy}{i}-{src.name}")
    rng = random.Random(7)
    broken = root / "zz-random-bytes"
    broken.mkdir()
    (broken / "messages").write_bytes(bytes(rng.randrange(256) for _ in range(20000)))
    corrupt = root / "zz-corrupt-gzip"
    corrupt.mkdir()
    data = gzip.compress(b"")[:10] + b"\x00garbage-not-deflate" * 50
    (corrupt / "kern.log.1.gz").write_bytes(data)
    return root


def _fleet_json(out: Path) -> dict:
    return json.loads((out / "fleet.json").read_text())


def test_local_pool_reports_every_host_and_isolates_broken_ones(fleet, tmp_path):
    out = tmp_path / "out"
    result = run_batch([str(fleet)], output=out, options=build_options(), jobs=2)
    data = _fleet_json(out)
    by_host = {h["host"]: h for h in data["hosts"]}
    assert by_host["zz-random-bytes"]["status"] == "failed"
    assert by_host["zz-random-bytes"]["error"]
    assert by_host["zz-corrupt-gzip"]["status"] == "failed"
    assert "gzip" in by_host["zz-corrupt-gzip"]["error"].lower() or \
        "corrupt" in by_host["zz-corrupt-gzip"]["error"].lower()
    good = [h for h in data["hosts"] if h["status"] == "ok"]
    assert len(good) == len(data["hosts"]) - 2
    for h in good:
        stem = safe_stem(h["host"])
        assert (out / f"{stem}.md").is_file()
        assert (out / f"{stem}.json").is_file()
    squeeze = data["findings"].get("xen-dom0-balloon-netback-squeeze", [])
    assert any("xen07-incident" in h for h in squeeze)
    assert not any("xen07-fixed" in h for h in squeeze)
    fleet_md = (out / "fleet.md").read_text()
    assert fleet_md.startswith("# kernlog fleet summary")
    squeeze_section = fleet_md.split("Hosts with `xen-dom0-balloon-netback-squeeze`")[1]
    # both incident copies lack dom0_mem; the clean hosts (fixed Xen host, healthy host) do not
    assert squeeze_section.splitlines()[2].startswith("- dom0\\_mem: not set on 2 of 2 host(s)")
    assert "## Failed hosts" in fleet_md and "zz-random-bytes" in fleet_md
    assert (out / "events.parquet").is_file()
    assert result.failed


def test_dask_local_cluster_gives_the_same_fleet(fleet, tmp_path):
    import distributed  # the test extra installs it: a missing Dask must fail, not skip
    local = tmp_path / "local"
    run_batch([str(fleet)], output=local, options=build_options(), jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = tmp_path / "dask"
        run_batch([str(fleet)], output=remote, options=build_options(),
                  scheduler=cluster.scheduler_address)
    assert _fleet_json(local) == _fleet_json(remote)


def test_cli_batch_exit_code_3_when_a_host_fails(fleet, tmp_path):
    result = CliRunner().invoke(app, ["batch", str(fleet), "-o", str(tmp_path / "o"),
                                      "--jobs", "2"])
    assert result.exit_code == 3, result.output
    assert "failed" in result.output


def test_host_names_become_safe_unique_file_names(tmp_path):
    for name in ("web01", "..", "a b", "évil\x01"):
        try:
            (tmp_path / "r1" / name).mkdir(parents=True)
        except OSError:
            pass
    (tmp_path / "r2" / "web01").mkdir(parents=True)
    jobs = find_hosts([str(tmp_path / "r1"), str(tmp_path / "r2")])
    stems = [j.file_stem for j in jobs]
    assert len(set(s.lower() for s in stems)) == len(stems)
    for s in stems:
        assert "/" not in s and s not in (".", "..") and not s.startswith(".")
        assert all(c.isprintable() for c in s)


def test_a_central_syslog_file_is_split_by_its_host_field(tmp_path):
    root = tmp_path / "central"
    root.mkdir()
    (root / "2009.log").write_text(
        "Mar  6 14:02:44 xen07 kernel: xen_net: Memory squeeze in netback driver.\n"
        "Mar  6 14:02:45 web01 kernel: e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex\n"
        "Mar  6 14:02:49 xen07 kernel: printk: 1042 messages suppressed.\n"
        "Mar  6 14:02:50 xen07 kernel: xen_net: Memory squeeze in netback driver.\n")
    out = tmp_path / "out"
    result = run_batch([str(root)], output=out, options=build_options(year=2009), jobs=1)
    hosts = {h["host"]: h for h in result.hosts}
    assert set(hosts) == {"web01", "xen07"}
    assert hosts["xen07"]["episodes"] == 1 and hosts["web01"]["episodes"] == 0
    assert (out / "2009.log-xen07.md").is_file() and (out / "2009.log-web01.json").is_file()
    xen07 = json.loads((out / "2009.log-xen07.json").read_text())
    assert xen07["host"] == "xen07"
    assert xen07["episodes"][0]["estimated_occurrences"] == 2 + 1042


def test_root_documents_are_ignored_and_hostless_files_are_reported_not_failed(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(SAMPLES / "xen07-fixed", root / "xen07-fixed")
    (root / "README.md").write_text("# these are my hosts\n")
    (root / "notes.log").write_text("[    0.000000] Linux version 2.6.18-128.el5xen\n")
    out = tmp_path / "out"
    result = run_batch([str(root)], output=out, options=build_options(), jobs=1)
    assert [h["host"] for h in result.hosts] == ["xen07-fixed"]
    assert not result.failed
    fleet = json.loads((out / "fleet.json").read_text())
    assert fleet["skipped"] == [{"path": "notes.log",
                                 "reason": "no line names a host (not a central syslog file)"}]
