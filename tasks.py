#!/usr/bin/env python3
"""The two commands of the quick start, each self-sufficient on a fresh clone.

    python3 tasks.py demo    # set up .venv, analyse the bundled sample_logs/ into out/
    python3 tasks.py test    # set up .venv, run the whole test suite

Only python3 >= 3.11 is needed: the virtual environment is created and the package with its
test and dask extras is installed on first use, and again whenever pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".kernlog-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_venv() -> Path:
    if sys.version_info < (3, 11):
        sys.exit("kernlog needs python3 >= 3.11 (this is %s)" % sys.version.split()[0])
    if not _python().exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != want:
        print("installing kernlog and its dependencies into .venv ...", flush=True)
        subprocess.run([_python(), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run(
            [_python(), "-m", "pip", "install", "-q", "-e", f"{ROOT}[test,dask]"], check=True
        )
        STAMP.write_text(want)
    return _python()


def demo(args: list[str]) -> int:
    py = ensure_venv()
    out = ROOT / "out"
    cmd = [py, "-m", "analyzer", "batch", str(ROOT / "sample_logs"), "-o", str(out), *args]
    rc = subprocess.run(cmd, cwd=ROOT).returncode
    if rc in (0, 3):
        print(f"\nreports written to {out}/ (fleet summary: {out / 'fleet.md'})")
    return rc


def test(args: list[str]) -> int:
    py = ensure_venv()
    rc = subprocess.run([py, "-m", "pytest", *args], cwd=ROOT).returncode
    return rc


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        print(__doc__)
        return 2
    return {"demo": demo, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
