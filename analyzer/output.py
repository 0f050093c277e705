"""Where rendered text goes: a file the user named (parents created), else the given stream."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO


def emit(body: str, *, output: Path | None, stdout: TextIO) -> Path | None:
    """Write ``body`` to ``output`` (UTF-8) or to ``stdout``; return the file written, if any."""
    return emit_parts((body,), output=output, stdout=stdout)


def emit_parts(parts, *, output: Path | None, stdout: TextIO) -> Path | None:
    """``emit`` for text that comes in pieces (written as they come, never joined)."""
    if output is None:
        for part in parts:
            stdout.write(part)
        stdout.flush()
        return None
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", encoding="utf-8") as f:
        for part in parts:
            f.write(part)
    return output
