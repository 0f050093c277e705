"""An installed (non-editable) wheel carries the pattern library and finds it from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_patterns_and_finds_them_from_any_directory(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("kernlog-*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import analyzer, analyzer.patterns as p\n"
            "lib = p.load_library()\n"
            "assert analyzer.__file__.startswith(%r), analyzer.__file__\n"
            "print(len(lib.patterns), lib.version, lib.get('xen.netback.memory_squeeze').id)\n"
            "from analyzer.correlate import load_rules\n"
            "print('rules', len(load_rules().rules))\n" % str(target))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    out = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    count, version, squeeze = out.stdout.splitlines()[0].split()
    assert int(count) >= 30
    assert squeeze == "xen.netback.memory_squeeze"
    assert int(out.stdout.splitlines()[1].split()[1]) >= 3
