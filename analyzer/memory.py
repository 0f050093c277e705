"""Giving freed memory back to the system while a long log is processed.

glibc's allocator keeps freed blocks in the heap for reuse; after a log's chunks have come and
gone (each a few hundred small arrays and strings) the heap is full of free holes that count
in the process's memory. ``release_memory`` asks glibc to return them (``malloc_trim``);
elsewhere it does nothing.
"""

from __future__ import annotations

_LIBC = None


def release_memory() -> None:
    """Return freed heap pages to the system (glibc); a no-op without glibc."""
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.malloc_trim  # noqa: B018 - present in glibc only
        except (OSError, AttributeError):
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)
