"""User pattern files are input too: catastrophic regexes cannot hang a run (RE2, linear time),
and broken YAML, regexes or rules stop the run with exit 2 naming the file and the pattern id."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.errors import PatternError
from analyzer.options import build_options
from analyzer.patterns import load_library
from analyzer.pipeline import read_host

SQUEEZE = "Mar  7 10:16:03 xen07 kernel: xen_net: Memory squeeze in netback driver.\n"

CATASTROPHIC = """\
- id: user.catastrophic
  regex: '^(a+)+$'
  category: user
  severity: warning
  description: The textbook catastrophic-backtracking regex.
  examples:
    match: ['aaaa']
    no_match: ['aaaa!']
"""

VALID = """\
- id: user.ok
  regex: '^kernlog test line (?P<n>\\d+)$'
  category: user
  severity: info
  description: A valid user pattern.
  examples:
    match: ['kernlog test line 7']
    no_match: ['kernlog test line x']
"""


def pattern_dir(tmp_path: Path, text: str, name: str = "user.yaml") -> Path:
    d = tmp_path / f"patterns-{uuid.uuid4().hex[:6]}"
    d.mkdir()
    (d / name).write_text(text, encoding="utf-8")
    return d


def test_catastrophic_regex_on_a_1mb_line_cannot_hang(tmp_path):
    d = pattern_dir(tmp_path, CATASTROPHIC)
    log = tmp_path / "messages"
    header = "Mar  7 10:16:04 xen07 kernel: "
    log.write_text(SQUEEZE + header + "a" * (1 << 20) + "!\n" + header + "aaaaaaaa\n"
                   + header + "a" * (1 << 20) + "\n", encoding="utf-8")
    options = build_options(patterns=(d,), max_line_bytes=2 << 20)
    start = time.monotonic()
    host = read_host([str(log)], options=options)
    assert time.monotonic() - start < 30  # stated in the issue: "cannot hang" (takes < 1 s)
    tags = list(host.events["tag"])
    assert tags[0] == "xen.netback.memory_squeeze"
    assert tags[1] is None or tags[1] != "user.catastrophic"  # ends in "!": no match
    assert tags[2] == "user.catastrophic"
    assert tags[3] == "user.catastrophic"


def run(args: list[str]):
    return CliRunner().invoke(app, args)


@pytest.fixture()
def log(tmp_path) -> Path:
    p = tmp_path / "messages"
    p.write_text(SQUEEZE, encoding="utf-8")
    return p


BROKEN = {
    "yaml_syntax": (VALID + "- id: user.bad\n  regex: [unclosed\n", None),
    "yaml_tab": (VALID.replace("  category", "\tcategory"), None),
    "regex_syntax": (VALID.replace("user.ok", "user.bad_regex").replace(
        "(?P<n>\\d+)$", "(?P<n>\\d+$"), "user.bad_regex"),
    "regex_lookbehind": (VALID.replace("user.ok", "user.lookbehind").replace(
        "^kernlog", "(?<=x)kernlog"), "user.lookbehind"),
    "regex_backreference": (VALID.replace("user.ok", "user.backref").replace(
        "(?P<n>\\d+)$", "(?P<n>\\d)(?P=n)$"), "user.backref"),
    "unknown_key": (VALID.replace("user.ok", "user.extra") + "  exec: rm -rf /\n", "user.extra"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("command", ["analyze", "patterns"])
def test_broken_pattern_file_exits_2_naming_file_and_id(tmp_path, log, case, command):
    text, pid = BROKEN[case]
    d = pattern_dir(tmp_path, text, name=f"{case}.yaml")
    args = (["analyze", str(log), "--patterns", str(d)] if command == "analyze"
            else ["patterns", "list", "--patterns", str(d)])
    result = run(args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("kernlog: error: "), err
    assert str(d / f"{case}.yaml") in err
    if pid:
        assert pid in err
    assert "Traceback" not in err


def test_failing_example_is_reported_by_patterns_test(tmp_path):
    d = pattern_dir(tmp_path, VALID.replace("user.ok", "user.wrong").replace(
        "match: ['kernlog test line 7']", "match: ['something else']"))
    result = run(["patterns", "test", str(d)])
    assert result.exit_code == 1
    assert "user.wrong" in result.stdout


def test_yaml_code_execution_tag_is_refused(tmp_path, log):
    marker = tmp_path / f"pwned-{uuid.uuid4().hex[:6]}"
    text = VALID + (f"- !!python/object/apply:os.system ['touch {marker}']\n")
    d = pattern_dir(tmp_path, text, name="evil.yaml")
    result = run(["analyze", str(log), "--patterns", str(d)])
    assert result.exit_code == 2
    assert str(d / "evil.yaml") in result.stderr
    assert not marker.exists()


def test_yaml_alias_bomb_is_refused_quickly(tmp_path, log):
    levels = ["  x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"  x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    text = VALID + "- id: user.lol\n" + "\n".join(levels) + "\n"
    d = pattern_dir(tmp_path, text, name="lol.yaml")
    start = time.monotonic()
    result = run(["analyze", str(log), "--patterns", str(d)])
    assert time.monotonic() - start < 30
    assert result.exit_code == 2
    assert "lol.yaml" in result.stderr and "user.lol" in result.stderr


def test_broken_rule_file_exits_2_naming_file_and_rule(tmp_path, log):
    d = pattern_dir(tmp_path, VALID)
    (d / "rules").mkdir()
    rules = d / "rules" / "mine.yaml"
    rules.write_text("- id: user-rule\n  title: [unclosed\n", encoding="utf-8")
    result = run(["analyze", str(log), "--patterns", str(d)])
    assert result.exit_code == 2
    assert str(rules) in result.stderr
    rules.write_text("- id: user-rule\n  what: is this\n", encoding="utf-8")
    result = run(["analyze", str(log), "--patterns", str(d)])
    assert result.exit_code == 2
    assert str(rules) in result.stderr and "user-rule" in result.stderr


def test_library_error_carries_file_line_and_id(tmp_path):
    text, pid = BROKEN["regex_syntax"]
    d = pattern_dir(tmp_path, text)
    with pytest.raises(PatternError) as exc:
        load_library((d,))
    assert exc.value.pattern_id == pid
    assert exc.value.file == str(d / "user.yaml")
    assert exc.value.line is not None and exc.value.line >= 1
