"""The benchmark tools work on a small log (benchmarks/; a smoke test, not a timing test)."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter

import pytest

from benchmarks import floor, naive, run
from benchmarks.generate import HOST, generate

LINES = 2_000
SYSLOG_RE = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d xen07 (?:kernel: |last message)")


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "kern.log"
    injected = generate(path, lines=LINES, seed=3)
    return path, injected


def test_generator_writes_exactly_n_syslog_lines(log):
    path, injected = log
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) - 1 == LINES == injected.lines
    assert all(SYSLOG_RE.match(line) for line in lines[:-1]), "every line is RHEL5 kern.log syslog"
    assert f" {HOST} kernel: " in lines[0]


def test_generator_is_deterministic_and_seeded(log, tmp_path):
    path, _ = log
    again = tmp_path / "again.log"
    generate(again, lines=LINES, seed=3)
    assert again.read_bytes() == path.read_bytes()
    other = tmp_path / "other.log"
    generate(other, lines=LINES, seed=4)
    assert other.read_bytes() != path.read_bytes()


def test_generator_spreads_the_incident_story_through_chatter(tmp_path):
    injected = generate(tmp_path / "k.log", lines=60_000, seed=7)
    fam = injected.families
    assert injected.chatter > 0.9 * injected.lines  # mostly benign
    for kind in ("domu_start", "domu_stop", "squeeze", "suppressed", "dma", "raid", "io_error",
                 "oom", "dump"):
        assert fam[kind] > 0, kind
    text = (tmp_path / "k.log").read_text(encoding="utf-8")
    assert text.count("xen_net: Memory squeeze in netback driver.") == fam["squeeze"]
    assert "PCI-DMA: Out of SW-IOMMU space for " in text
    assert " invoked oom-killer: gfp_mask=0x201d2, order=0, oomkilladj=0" in text


def test_naive_baseline_counts_families_like_the_truth(log):
    path, injected = log
    counts, total = naive.count_families(path, naive.load_families())
    assert total == LINES
    assert counts["xen.netback.memory_squeeze"] == injected.families["squeeze"]
    text = path.read_text(encoding="utf-8")
    assert counts["xen.blkback.connect"] == text.count(" kernel: blkback: ring-ref ")


def test_naive_first_match_wins_by_priority(tmp_path):
    families = naive.load_families()
    ids = [f.name for f in families]
    # priority 20 (soft lockup) is tried before kernel.oops's generic "BUG: ..."
    assert ids.index("kernel.soft_lockup") < ids.index("kernel.oops")
    sample = tmp_path / "k.log"
    sample.write_text("Mar  6 14:02:44 xen07 kernel: BUG: soft lockup - CPU#3 stuck for 11s! "
                      "[kjournald:1061]\n", encoding="utf-8")
    counts, _ = naive.count_families(sample, families)
    assert counts == Counter({"kernel.soft_lockup": 1})


def test_ere_rewrite_matches_every_pattern_example():
    if not shutil.which("grep"):
        pytest.skip("no grep")
    assert floor.check_examples() == []


def test_ere_rewrite_of_classes_and_lazy_quantifiers():
    ere = floor.to_ere(r"^(?P<comm>.+?): page allocation failure[.:] order:\s?(?P<o>\d+)")
    assert "(?" not in ere and "\\d" not in ere and "+?" not in ere
    assert ere.endswith("(.+): page allocation failure[.:] order:[[:space:]]?([0-9]+)")
    assert floor.to_ere(r"[^\]\s]", ignorecase=False) == "[^][:space:]]"
    assert floor.to_ere("dma", ignorecase=True) == "[dD][mM][aA]"


def test_runner_measures_every_command_and_kernlog_agrees(tmp_path, capsys):
    results = run.main(["--lines", str(LINES), "--workdir", str(tmp_path), "--skip", "lnav",
                        "--json", str(tmp_path / "r.json")])
    names = {m.name for m in results.measures}
    assert {"kernlog --help", "kernlog analyze", "kernlog events --tagged-only",
            "naive baseline", "grep -c -E floor"} <= names
    for m in results.measures:
        assert m.returncode == 0, (m.name, m.note)
        assert m.seconds > 0 and m.peak_rss_mib > 0
    assert (tmp_path / f"report-{LINES}.md").read_text().startswith("#")
    table = results.agreement[str(LINES)]
    assert table["xen.netback.memory_squeeze"][0] == table["xen.netback.memory_squeeze"][1] > 0
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["machine"]["nproc"] >= 1
    out = capsys.readouterr().out
    assert "x the naive baseline" in out and "x grep's time" in out
