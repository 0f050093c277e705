"""Sources stage: find everything that belongs to a host and turn it into decoded lines.

    >>> from analyzer.options import Options
    >>> from analyzer.sources import discover, iter_line_chunks
    >>> with discover(["/srv/incident/xen07/"], options=Options()) as inv:   # doctest: +SKIP
    ...     for source in inv.sources:
    ...         for chunk in iter_line_chunks(source, options=Options()):
    ...             ...   # chunk.lines, chunk.first_line, chunk.lines_truncated, ...

Public API (the pipeline calls exactly these):

- :func:`discover` -> ``analyzer.model.Inventory`` (sources, skipped, hostname, collected,
  timezone, root_name); close it (or use ``with``) to release open archives and stdin's spool.
- :func:`iter_line_chunks` -> :class:`LineChunk` ``(lines, first_line, lines_truncated,
  bytes_replaced, stopped)``; ``stopped`` is set on the last chunk when reading ended early
  (``limit: ...``, ``corrupt: ...``, ``unreadable: ...``); lines read before are kept.
- :func:`looks_binary` -> a reason or None.

``Skipped.reason`` values (the word before ":" is the category):

=========================  ==========================================================
``binary``                 not text (control bytes, undecodable data, only NULs)
``journal_binary``         a systemd journal file (read ``journalctl`` output instead)
``image``                  PNG/JPEG/GIF/TIFF
``unreadable: <why>``      permission denied, vanished, broken link, unlistable directory
``corrupt: <fmt>: <why>``  a compressed file that yields nothing before failing
``corrupt_archive: <why>`` a tar that does not open, or whose listing stops at damage
``unsafe_member``          archive member with an absolute path or ``..``
``symlink``/``hardlink``   a link inside an archive (never read through), or a link to a
                           directory on disk (not followed)
``not_a_file``             devices, fifos, sockets
``nested_too_deep``        an archive inside an archive inside an archive
``limit_files``            past ``Options.max_files`` sources for this host
=========================  ==========================================================
"""

from __future__ import annotations

from .discover import discover
from .lines import LineChunk, iter_line_chunks, iter_stream_chunks
from .sniff import looks_binary

__all__ = ["discover", "iter_line_chunks", "iter_stream_chunks", "LineChunk", "looks_binary"]
