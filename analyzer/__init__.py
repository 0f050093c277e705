"""kernlog: kernel-log post-mortem analyzer and incident correlator for Linux and Xen hosts.

    >>> import analyzer
    >>> report = analyzer.analyze(["sample_logs/xen07-incident"], options=analyzer.build_options())
    >>> print(analyzer.render_markdown(report))        # doctest: +SKIP

The public API is listed in ``__all__``; heavy modules load on first use, so importing
``analyzer`` (and ``kernlog --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module

from ._version import __version__
from .errors import InputError, KernlogError, PatternError, UsageError
from .options import Options, build_options

__all__ = [
    "__version__",
    "KernlogError", "UsageError", "InputError", "PatternError",
    "Options", "build_options",
    "analyze", "read_host", "HostEvents",
    "load_library", "tag_events",
    "render_markdown", "render_json",
    "run_batch",
]

_LAZY = {
    "analyze": "pipeline", "read_host": "pipeline", "HostEvents": "pipeline",
    "load_library": "patterns", "tag_events": "tag",
    "render_markdown": "report", "render_json": "report",
    "run_batch": "batch",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
