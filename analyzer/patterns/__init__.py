"""The pattern library: YAML files of known kernel, Xen and toolstack messages, validated on load.

A pattern file (``patterns/xen_netback.yaml``) holds a YAML list of patterns::

    - id: xen.netback.memory_squeeze
      regex: '^(?:xen_net: )?Memory squeeze in netback driver\\.?$'
      category: xen.network
      severity: error
      description: Dom0 netback could not get a page from Xen for a flipping receiver.
      examples:
        match: ['xen_net: Memory squeeze in netback driver.']
        no_match: ['xen_net: Failed to parse network rate limit. Traffic unlimited.']

Keys (anything else is an error naming file, line and pattern id):

- ``id`` dotted lowercase, unique within a directory; a later directory (``--patterns DIR``)
  replaces a pattern of the same id.
- ``regex`` an RE2 regex applied to the event's message body, or a list of variant regexes
  (first match wins; the variant's index is recorded as field ``variant``); a variant may be
  ``{regex: ..., fields: {driver: aacraid}}`` to add constant fields. Named groups become
  ``fields``; all-digit values become ints (zero-padded ones, such as addresses, stay text).
- ``category``, ``severity`` (debug|info|warning|error|critical), ``description``.
- ``examples``: ``match:`` lines the library must tag with this id, ``no_match:`` look-alikes it
  must not. An example is a string or ``{message: ..., program: ...}``; a string example of a
  pattern restricted by ``program`` is tried with the first program listed.
- optional ``hint`` (literal substring, or a list: any of them) used by the prefilter; without
  it a required literal is derived from the regex when possible, else the pattern is tried on
  every line.
- optional ``multiline``: how following lines of a block join this event (see ``Multiline``).
- optional ``remediation`` (text or list), ``links`` (list), ``priority`` (int, default 0;
  higher wins when several patterns match), ``program`` (name or list; ``~`` means a line
  without program), ``flags`` (``ignorecase``).

``load_library()`` returns a ``PatternLibrary``; ``analyzer.tag.tag_events`` applies it.
"""

from __future__ import annotations

from .hints import derive_hints
from .load import (library_dirs, load_dir, load_file, load_library, read_version)
from .types import *  # noqa: F403
from .types import __all__ as _types_all

__all__ = [*_types_all, "derive_hints", "library_dirs", "load_dir", "load_file", "load_library",
           "read_version"]
