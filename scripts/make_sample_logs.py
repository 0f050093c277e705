#!/usr/bin/env python3
"""Write the bundled sample host logs into sample_logs/ (deterministic: same bytes every run).

    .venv/bin/python scripts/make_sample_logs.py              # regenerate sample_logs/
    .venv/bin/python scripts/make_sample_logs.py --out /tmp/s # write elsewhere (tests do this)

Five hosts, each an immediate subdirectory (or a sosreport tarball) of the output directory,
plus README.md with each host's story and the key numbers the end-to-end tests assert. The logs
are synthetic, written from the real message formats catalogued in
/work/shared/reference/xen-messages.md; every random choice comes from a fixed seed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from samplegen import healthy, modern, raid04, readme, xen07, xen07_fixed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "sample_logs"


def build_all() -> dict[str, object]:
    """Host name -> built host (``files``: relative path -> bytes, ``facts`` for the README)."""
    return {
        "xen07-incident": xen07.build_incident(),
        "xen07-fixed": xen07_fixed.build_fixed(),
        "sosreport-xen-raid04-20090310.tar.xz": raid04.build_raid04(),
        "xl-modern01": modern.build_modern(),
        "web-healthy01": healthy.build_healthy(),
    }


def write_tree(out: Path, hosts: dict[str, object]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, built in hosts.items():
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        if name.endswith(".tar.xz"):
            target.write_bytes(built.archive)
            written.append(target)
            continue
        for rel, data in sorted(built.files.items()):
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
    readme_path = out / "README.md"
    readme_path.write_text(readme.render({k: v.facts for k, v in hosts.items()}), encoding="utf-8")
    written.append(readme_path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output directory (default: sample_logs/ of this repository)")
    args = parser.parse_args(argv)
    written = write_tree(args.out, build_all())
    total = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files, {total} bytes, into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
