"""``{name}`` templates in rule text: plain substitution, never format strings."""

from analyzer.correlate.templates import fmt, render, render_first


def test_numbers_read_well():
    assert fmt(7934.0) == "7,934"
    assert fmt(8190) == "8,190"
    assert fmt(0.0007) == "0.0007"
    assert fmt(0.97) == "0.97"
    assert fmt(True) == "yes"
    assert fmt(None) is None and fmt(float("nan")) is None


def test_render_fills_and_reports_unknowns():
    text, complete = render("add `dom0_mem={suggest_dom0_mib}M,max:{suggest_dom0_mib}M`",
                            {"suggest_dom0_mib": "1024"})
    assert (text, complete) == ("add `dom0_mem=1024M,max:1024M`", True)
    text, complete = render("Dom0 {dom0_boot_mib} MiB of {ram_mib} MiB", {"dom0_boot_mib": 7934})
    assert (text, complete) == ("Dom0 7,934 MiB of unknown MiB", False)


def test_log_values_are_never_interpreted():
    values = {"xen_cmdline": "/xen.gz {ram_mib} {0.__class__} %s", "ram_mib": 8190}
    text, complete = render("Xen line: {xen_cmdline}", values)
    assert text == "Xen line: /xen.gz {ram_mib} {0.__class__} %s"
    assert complete


def test_other_braces_stay():
    assert render("json {\"a\": 1} and {0}", {})[0] == "json {\"a\": 1} and {0}"


def test_render_first_picks_the_first_complete_alternative():
    templates = ["{a} of {b}", "{a} only", "nothing known"]
    assert render_first(templates, {"a": 1, "b": 2}) == "1 of 2"
    assert render_first(templates, {"a": 1}) == "1 only"
    assert render_first(templates, {}) == "nothing known"
    assert render_first(["{x}"], {}) == "unknown"
