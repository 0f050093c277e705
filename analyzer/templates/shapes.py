"""Message shapes: a host-wide table of distinct masked messages, filled chunk by chunk.

    xen_net: vif3.0 went down   ->  shape 0  "xen_net: <*> went down"
    xen_net: vif7.1 went down   ->  shape 0
    blkback: ring-ref 8, ...    ->  shape 1  "blkback: ring-ref <*>, ..."

``pipeline.read_host`` masks each parsed chunk as it is read (``masking.mask_messages``) and
keeps one small integer per row (the events' ``shape`` column) plus this table, so template
mining (``mining.template_column``) clusters the distinct shapes once at the end instead of
masking every message of the host again: its cost and memory follow the number of shapes, not
the length of the log. A shape is exactly what ``mine_templates`` masks a message into, so
templates mined from shapes are the templates mined from the messages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codes import running_codes
from .masking import mask_messages

__all__ = ["ShapeTable"]


class ShapeTable:
    """Ids of distinct masked messages, numbered by first appearance over all chunks read.

    >>> table = ShapeTable()
    >>> table.add(pd.Series(["xen_net: vif3.0 went down", "xen_net: vif7.1 went down"])).tolist()
    [0, 0]
    >>> table.shapes
    ['xen_net: <*> went down']
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self.shapes: list[str] = []

    def __len__(self) -> int:
        return len(self.shapes)

    def add(self, messages: pd.Series) -> np.ndarray:
        """The shape id (int32) of each message; new shapes are appended to ``shapes``."""
        if not len(messages):
            return np.zeros(0, dtype=np.int32)
        return running_codes(mask_messages(messages), self._ids, self.shapes)
