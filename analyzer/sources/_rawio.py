"""A small base for the sources' seekable raw readers (zstd with rewind, stdin spool views)."""

from __future__ import annotations

import io


class PositionedReader(io.RawIOBase):
    """A readable, seekable raw stream that keeps its own position in ``_pos``.

    Subclasses implement ``_read(n) -> bytes`` (at most ``n`` bytes from ``_pos``) and ``seek``.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pos = 0

    def _read(self, n: int) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._read(len(buffer))
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos
