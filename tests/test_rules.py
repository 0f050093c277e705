"""Loading and validating root-cause rules (``patterns/rules/*.yaml``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from analyzer.correlate import builtin_rules_dir, load_rule_file, load_rules
from analyzer.errors import PatternError

REQUIRED_IDS = {
    "xen-dom0-balloon-netback-squeeze", "xen-dom0-swiotlb-dma-exhaustion",
    "xen-dom0-autoballoon-memory-pressure", "oom-kill", "hung-tasks", "kernel-oops-panic",
    "storage-io-errors", "soft-lockups", "page-allocation-failures",
    "xen-netback-guest-protocol-error",
}

GOOD = """\
- id: site-rule
  title: A site rule
  severity: warning
  episode_tag: [kernel.hung_task]
  conditions:
    - id: after_start
      weight: 0.1
      preceded_by: {tag: "@domu_start", within_minutes: 10}
"""


def write_rules(tmp_path: Path, text: str, name: str = "site.yaml") -> Path:
    (tmp_path / "rules").mkdir(exist_ok=True)
    path = tmp_path / "rules" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_rules_load_with_the_contract_ids():
    rules = load_rules()
    assert REQUIRED_IDS <= set(rules.ids)
    assert builtin_rules_dir().name == "rules"
    squeeze = rules.get("xen-dom0-balloon-netback-squeeze")
    assert squeeze.severity == "error"
    assert squeeze.alignment is not None and squeeze.alignment.window_minutes == 60
    assert any(c.required for c in squeeze.conditions)


def test_suppressors_are_evaluated_first():
    ids = load_rules().ids
    assert ids.index("xen-dom0-autoballoon-memory-pressure") < ids.index("oom-kill")
    assert ids.index("oom-kill") < ids.index("page-allocation-failures")
    assert ids.index("xen-dom0-swiotlb-dma-exhaustion") < ids.index("storage-io-errors")
    assert ids.index("xen-dom0-balloon-netback-squeeze") < ids.index("xen-netback-memory-squeeze")


def test_every_builtin_rule_has_text_and_remediation():
    for rule in load_rules():
        assert rule.summary and rule.explanation, rule.id
        assert rule.remediation, rule.id


def test_user_rule_dir_adds_a_rule(tmp_path):
    write_rules(tmp_path, GOOD)
    rules = load_rules([tmp_path])
    assert "site-rule" in rules.ids
    cond = rules.get("site-rule").conditions[0]
    assert cond.kind == "preceded_by" and cond.spec["tags"] == ("@domu_start",)
    assert cond.spec["within"] == 10 and cond.spec["same_boot"] is True


def test_user_dir_without_rules_folder_is_fine(tmp_path):
    assert len(load_rules([tmp_path])) == len(load_rules())


def test_missing_user_dir_is_an_error(tmp_path):
    with pytest.raises(PatternError, match="not found"):
        load_rules([tmp_path / "nope"])


@pytest.mark.parametrize("text, line, message", [
    (GOOD.replace("  severity: warning\n", "  severity: warning\n  colour: red\n"), 1,
     "unknown key"),
    (GOOD.replace("severity: warning", "severity: fatal"), 1, "severity 'fatal'"),
    (GOOD.replace('"@domu_start"', '"@guest_start"'), 1, "unknown derived tag"),
    (GOOD.replace("weight: 0.1", "weight: 2"), 6, "outside"),
    (GOOD.replace("preceded_by: {tag", "preceded_by: {tags"), 6, "unknown key"),
    (GOOD.replace("      preceded_by", "      fact: dom0_mem_mib\n      is: null\n"
                  "      #"), 6, "needs known_when"),
    (GOOD + "  suppressed_by: [no-such-rule]\n", 1, "unknown rule"),
    (GOOD.replace("      preceded_by: {tag: \"@domu_start\", within_minutes: 10}\n",
                  "      any_of:\n        - weight: 0.1\n          fact: ram_mib\n"
                  "          gte: 4096\n"), 9, "only on top-level"),
    (GOOD.replace("  title: A site rule\n", ""), 1, "missing required key 'title'"),
    (GOOD + "- id: site-rule\n  title: again\n  severity: info\n  episode_tag: [x]\n", 9,
     "duplicate rule id"),
])
def test_invalid_rules_name_file_line_and_id(tmp_path, text, line, message):
    path = write_rules(tmp_path, text)
    with pytest.raises(PatternError) as info:
        load_rules([tmp_path])
    err = info.value
    assert message in str(err)
    assert err.file == str(path)
    assert err.line == line
    assert err.pattern_id == "site-rule"
    assert f"{path}:{line} (pattern site-rule)" in str(err)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write_rules(tmp_path, GOOD.replace("title: A site rule", "title: [unclosed"))
    with pytest.raises(PatternError) as info:
        load_rule_file(path)
    assert info.value.file == str(path) and info.value.line is not None


def test_suppression_loop_is_an_error(tmp_path):
    write_rules(tmp_path, GOOD + "  suppressed_by: [other]\n"
                "- id: other\n  title: Other\n  severity: info\n  episode_tag: [x.y]\n"
                "  suppressed_by: [site-rule]\n")
    with pytest.raises(PatternError, match="loop"):
        load_rules([tmp_path])


def test_python_tags_are_not_constructed(tmp_path):
    path = write_rules(tmp_path, "- !!python/object/apply:os.system ['true']\n")
    with pytest.raises(PatternError):
        load_rule_file(path)


def test_an_empty_rule_file_holds_no_rules(tmp_path):
    assert load_rule_file(write_rules(tmp_path, "# nothing yet\n")) == []


def test_severity_from_episodes_follows_the_worst_episode():
    """kernel-oops-panic: a WARN trace is an error, a panic is critical."""
    from analyzer.correlate import correlate, load_rules
    from analyzer.episodes import find_episodes

    def table(messages_tags):
        rows = [{"host": "h", "source": "dmesg", "line": i, "end_line": i, "boot": 0,
                 "ts": pd.Timestamp("2009-03-06 14:00", tz="UTC") + pd.Timedelta(minutes=i),
                 "ts_quality": "exact", "uptime": float("nan"), "program": "kernel",
                 "message": m, "tag": t, "category": "kernel", "severity": s, "count": 1,
                 "fields": {}} for i, (m, t, s) in enumerate(messages_tags, 1)]
        return pd.DataFrame(rows)

    facts = SimpleNamespace(values={}, provenance={}, per_boot=[])
    warn = table([("WARNING: at kernel/sched/fair.c:5129 sched_init+0x108/0x270()",
                   "kernel.oops", "error")])
    panic = table([("Kernel panic - not syncing: Fatal exception", "kernel.panic", "critical")])
    for events, expected in ((warn, "error"), (panic, "critical")):
        episodes, of = find_episodes(events)
        found = {f.id: f for f in correlate(events, episodes, of, facts, load_rules()).findings}
        assert found["kernel-oops-panic"].severity == expected
