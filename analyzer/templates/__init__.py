"""Template mining and anomaly ranking: what the pattern library does not know, grouped and ranked.

    >>> from analyzer.templates import mine_templates
    >>> mine_templates(["xen_net: vif3.0 went down", "xen_net: vif7.1 went down"]).templates
    ['xen_net: <*> went down']

Modules: ``masking`` (masks as data, ``patterns/masks/masks.yaml``), ``mining`` (clustering
of distinct masked messages with scikit-learn), ``render`` (``kernlog templates`` output and
the report's unexplained-messages section), ``anomaly`` (unusual time windows per host, hosts
that stand out in a fleet).
"""

from __future__ import annotations

from .anomaly import anomalous_windows, outlier_scores
from .masking import WILDCARD, load_masks, mask_messages
from .mining import MinedTemplates, mine_templates, template_column, templates_of
from .render import render_templates, unexplained_messages

__all__ = [
    "WILDCARD", "load_masks", "mask_messages",
    "MinedTemplates", "mine_templates", "template_column", "templates_of",
    "render_templates", "unexplained_messages",
    "anomalous_windows", "outlier_scores",
]
