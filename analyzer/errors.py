"""The one exception family of kernlog.

    KernlogError                 anything kernlog reports to a user as a one-line error
     ├── UsageError              bad option values (exit 2)
     ├── InputError              input that cannot be read at all (exit 2)
     └── PatternError            a pattern or rule file that does not load (exit 2);
                                 names the file, the line and the pattern id

Messages say what happened and what to do next. The CLI turns these into exit codes in one
place (``analyzer.cli``); the library never prints and never exits.
"""

from __future__ import annotations


class KernlogError(Exception):
    """Base class: a problem kernlog explains in one line."""


class UsageError(KernlogError):
    """An option value is not valid."""


class InputError(KernlogError):
    """Nothing at all could be read from the given input."""


class PatternError(KernlogError):
    """A pattern or rule file is invalid.

    ``file``, ``line`` and ``pattern_id`` locate the problem; ``str()`` names all three.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 pattern_id: str | None = None) -> None:
        self.file = file
        self.line = line
        self.pattern_id = pattern_id
        where = ""
        if file:
            where = file + (f":{line}" if line else "")
            if pattern_id:
                where += f" (pattern {pattern_id})"
            where += ": "
        elif pattern_id:
            where = f"pattern {pattern_id}: "
        super().__init__(where + message)
