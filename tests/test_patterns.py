"""Loading and validating the pattern library (analyzer/patterns.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from analyzer.errors import KernlogError, PatternError, UsageError
from analyzer.model import SEVERITIES
from analyzer.patterns import (
    ID_RE, PatternLibrary, derive_hints, library_dirs, load_dir, load_library,
)

REPO_PATTERNS = Path(__file__).resolve().parents[1] / "patterns"

#: Tag ids and fields other stages key on (the contract of the issue).
CONTRACT_IDS = (
    "xen.netback.memory_squeeze", "xen.netback.fatal_error", "dma.swiotlb_full",
    "storage.raid_error", "storage.io_error", "mm.page_alloc_failure", "mm.oom_kill",
    "kernel.hung_task", "kernel.soft_lockup", "kernel.panic", "kernel.oops",
    "kernel.ratelimit.suppressed", "xen.domu.start", "xen.domu.stop", "xen.balloon.dom0_target",
    "xen.domu.mem_target", "xen.hv.cmdline", "xen.hv.system_ram", "xen.hv.dom0_alloc",
    "xen.hv.version", "kernel.boot.version", "kernel.boot.cmdline", "kernel.boot.memory",
)

GOOD = """\
- id: site.disk.smart
  regex: 'smartd\\[\\d+\\]: Device: (?P<device>\\S+), SMART Failure'
  category: storage
  severity: error
  description: The disk reports a SMART failure.
  examples:
    match: ['smartd[812]: Device: /dev/sda, SMART Failure: DATA CHANNEL IMPENDING FAILURE']
    no_match: ['smartd[812]: Device: /dev/sda, opened']
"""


def write(tmp_path: Path, text: str, name: str = "site.yaml") -> Path:
    d = tmp_path / "user"
    d.mkdir(exist_ok=True)
    (d / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def library() -> PatternLibrary:
    return load_library()


def test_builtin_library_loads_from_repo_patterns():
    assert library_dirs() == [REPO_PATTERNS]


def test_version_is_read_from_version_file(library):
    assert library.version == (REPO_PATTERNS / "VERSION").read_text().strip()
    assert library.version.count(".") == 2


def test_all_examples_pass_through_the_whole_library():
    lib = load_library(check_examples=True)
    assert lib.test_examples() == []


def test_contract_ids_exist(library):
    missing = [i for i in CONTRACT_IDS if i not in library]
    assert missing == []


def test_every_pattern_is_well_formed(library):
    ids = [p.id for p in library]
    assert len(ids) == len(set(ids))
    for p in library:
        assert ID_RE.match(p.id), p.id
        assert p.severity in SEVERITIES
        assert any(e.expect == "match" for e in p.examples), p.id
        assert p.hints, f"{p.id} has no prefilter literal (would be tried on every line)"
        assert p.file.endswith(".yaml") and p.line > 0


def test_benign_lookalikes_are_not_problems(library):
    for pid in ("xen.balloon.init", "xen.hv.superpage_alloc_fallback", "kernel.boot.memory",
                "network.promiscuous_mode", "xen.domu.start"):
        assert library.get(pid).severity in ("debug", "info")


def test_get_unknown_id_is_a_usage_error_and_a_key_error(library):
    with pytest.raises(UsageError, match="unknown pattern id 'no.such'"):
        library.get("no.such")
    with pytest.raises(KeyError):
        library.get("no.such")


def test_user_dir_adds_patterns_and_marks_version(tmp_path, library):
    lib = load_library([write(tmp_path, GOOD)], check_examples=True)
    assert "site.disk.smart" in lib
    assert lib.version == library.version + "+user"
    assert len(lib) == len(library) + 1


def test_user_pattern_replaces_builtin_id(tmp_path):
    user = write(tmp_path, """\
        - id: xen.netback.memory_squeeze
          regex: 'Memory squeeze in netback driver'
          category: site
          severity: critical
          description: Our own reading of the squeeze.
          examples:
            match: ['xen_net: Memory squeeze in netback driver.']
        """)
    lib = load_library([user], check_examples=True)
    p = lib.get("xen.netback.memory_squeeze")
    assert (p.severity, p.category) == ("critical", "site")
    assert p.file.endswith("site.yaml")
    assert [q.id for q in lib].count("xen.netback.memory_squeeze") == 1


def assert_error(tmp_path, text: str, *, line: int, pattern_id: str | None, words: str,
                 check_examples: bool = False) -> PatternError:
    user = write(tmp_path, text)
    with pytest.raises(PatternError) as info:
        load_library([user], check_examples=check_examples)
    err = info.value
    assert isinstance(err, KernlogError)
    assert err.file == str(user / "site.yaml")
    assert err.line == line
    assert err.pattern_id == pattern_id
    assert words in str(err)
    assert f"site.yaml:{line}" in str(err)
    return err


def test_unknown_key_names_file_line_and_id(tmp_path):
    assert_error(tmp_path, GOOD + """\
- id: site.other
  regex: 'x{3}'
  category: site
  severity: info
  description: d
  sevrity: info
  examples: {match: [xxx]}
""", line=14, pattern_id="site.other", words="unknown key 'sevrity'")


def test_bad_regex(tmp_path):
    assert_error(tmp_path, """\
        - id: site.bad
          category: site
          severity: info
          description: d
          regex: 'Memory squeeze (in netback'
          examples: {match: ['Memory squeeze in netback']}
        """, line=5, pattern_id="site.bad", words="bad regex")


def test_backreference_is_rejected_by_re2(tmp_path):
    assert_error(tmp_path, """\
        - id: site.backref
          regex: '(a)\\1'
          category: site
          severity: info
          description: d
          examples: {match: [aa]}
        """, line=2, pattern_id="site.backref", words="bad regex")


def test_bad_severity(tmp_path):
    assert_error(tmp_path, GOOD.replace("severity: error", "severity: fatal"), line=4,
                 pattern_id="site.disk.smart", words="severity 'fatal' is not one of")


def test_duplicate_id_within_a_directory(tmp_path):
    user = write(tmp_path, GOOD)
    (user / "zz_more.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(PatternError) as info:
        load_library([user])
    assert info.value.pattern_id == "site.disk.smart"
    assert info.value.file == str(user / "zz_more.yaml") and info.value.line == 1
    assert "duplicate id" in str(info.value)


def test_failing_example_names_the_example_line(tmp_path):
    text = GOOD.replace("no_match: ['smartd[812]: Device: /dev/sda, opened']",
                        "no_match: ['smartd[812]: Device: /dev/sda, SMART Failure: X']")
    user = write(tmp_path, text)
    load_library([user])  # examples are only run when asked
    assert_error(tmp_path, text, line=8, pattern_id="site.disk.smart",
                 words="no_match example", check_examples=True)


def test_match_example_that_fails(tmp_path):
    text = GOOD.replace("SMART Failure: DATA", "SMART Warning: DATA")
    err = assert_error(tmp_path, text, line=7, pattern_id="site.disk.smart",
                       words="is not tagged", check_examples=True)
    assert "SMART Warning" in str(err)


def test_duplicate_group_name_needs_variants(tmp_path):
    assert_error(tmp_path, """\
        - id: site.dupe
          regex: '(?P<n>\\d+) a|(?P<n>\\d+) b'
          category: site
          severity: info
          description: d
          examples: {match: [1 a]}
        """, line=2, pattern_id="site.dupe", words="used twice")


def test_missing_examples_and_bad_multiline(tmp_path):
    assert_error(tmp_path, """\
        - id: site.noex
          regex: 'abcdef'
          category: site
          severity: info
          description: d
        """, line=1, pattern_id="site.noex", words="missing key 'examples'")
    assert_error(tmp_path, """\
        - id: site.ml
          regex: 'abcdef'
          category: site
          severity: info
          description: d
          multiline: {until: forever, max_lines: 5}
          examples: {match: [abcdef]}
        """, line=6, pattern_id="site.ml", words="until 'forever'")
    assert_error(tmp_path, """\
        - id: site.ml
          regex: 'abcdef'
          category: site
          severity: info
          description: d
          multiline: {continue: ['^\\s'], max_lines: 100000}
          examples: {match: [abcdef]}
        """, line=6, pattern_id="site.ml", words="max_lines")


def test_yaml_syntax_error_and_wrong_shape(tmp_path):
    err = assert_error(tmp_path, "- id: site.x\n  regex: [unclosed\n", line=3, pattern_id=None,
                       words="not valid YAML")
    assert err.pattern_id is None
    assert_error(tmp_path, "id: site.x\n", line=1, pattern_id=None, words="YAML list")


def test_yaml_is_loaded_safely(tmp_path):
    user = write(tmp_path, GOOD.replace("description: The disk reports a SMART failure.",
                                        "description: !!python/object/apply:os.system ['true']"))
    with pytest.raises(PatternError, match="not valid YAML"):
        load_library([user])


def test_missing_or_empty_user_dir_is_an_error(tmp_path):
    with pytest.raises(PatternError, match="does not exist"):
        load_library([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(PatternError, match="no \\*.yaml pattern files"):
        load_library([tmp_path / "empty"])


def test_variant_fields_and_ints(tmp_path):
    user = write(tmp_path, """\
        - id: site.variants
          regex:
            - regex: 'aac(?P<n>\\d+): adapter kernel panic'
              fields: {driver: aacraid}
            - '(?P<driver>mptscsih): ioc(?P<n>\\d+): attempting'
          category: storage
          severity: error
          description: d
          examples: {match: ['aac0: adapter kernel panic''d 2a.']}
        """)
    p = load_dir(user)[0]
    assert p.match("aac0: adapter kernel panic'd 2a.") == {"driver": "aacraid", "n": 0,
                                                           "variant": 0}
    assert p.match("mptscsih: ioc12: attempting task abort!") == {"driver": "mptscsih",
                                                                  "n": 12, "variant": 1}
    assert p.match("nothing") is None


def test_zero_padded_digits_stay_text(library):
    fields = library.get("xen.hv.dom0_alloc").match(
        " Dom0 alloc.:   0000000814000000->0000000818000000 (2031104 pages to be allocated)")
    assert fields == {"start": "0000000814000000", "end": "0000000818000000", "pages": 2031104}


@pytest.mark.parametrize("regexes, hints", [
    ([r"^(?:xen_net: )?Memory squeeze in netback driver\.?$"],
     ("Memory squeeze in netback driver",)),
    ([r"^printk: (?P<count>\d+) messages suppressed", r"(?P<f>\w+): (?P<c>\d+) callbacks"],
     (" messages suppressed", " callbacks")),
    ([r"(?:foo|bar)baz"], ("baz",)),
    ([r"(?:device|port) \S+ entered"], (" entered",)),
    ([r"(?:alpha|beta)\d+"], ("alpha", "beta")),
    ([r"(a+)+$"], ()),
    ([r"(?i)swiotlb buffer is full"], ()),  # case-folded: no case-sensitive literal
    ([r"abc\z"], ()),  # RE2-only syntax: always tried
])
def test_derive_hints(regexes, hints):
    assert derive_hints(regexes) == hints


def test_declared_hint_is_used_and_checked_by_examples(tmp_path):
    user = write(tmp_path, GOOD.replace("  category: storage", "  hint: 'SMART Fail'\n"
                                        "  category: storage"))
    lib = load_library([user], check_examples=True)
    assert lib.get("site.disk.smart").hints == ("SMART Fail",)
    wrong = write(tmp_path, GOOD.replace("  category: storage", "  hint: 'NOT IN THE LINE'\n"
                                         "  category: storage"))
    with pytest.raises(PatternError, match="is not tagged"):
        load_library([wrong], check_examples=True)


def test_pattern_to_dict_is_plain_data(library):
    import yaml

    d = library.get("mm.oom_kill").to_dict()
    assert d["multiline"]["until"] == "unindented"
    yaml.safe_dump(d)  # only lists, dicts and scalars
