"""The scorecard page (``notebooks/08_scorecard.ipynb``), every section taking the page's
context: the scorecard as the page shows it (:mod:`.data`), the summary and key
(:mod:`.summary`), the tables, charts and notes on the data (:mod:`.sections`), how values
and symbols look (:mod:`.display`), its words (:mod:`.words`) and the pack's index tile
(:mod:`.tile`, with the counts from :func:`.summary.tile_summary`).

The page reads the partners' dataset and the scorecard's judgements from
:mod:`wscb_analysis.performance` (the data); nothing there reads the page. Names are imported
when first used, so a publishing run that only reads the tile's counts (:mod:`.tile`) does not
load the charts the sections draw.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "PageData": ".data", "scorecard_data": ".data",
    "summary": ".summary", "key": ".summary", "tile_summary": ".summary",
    "by_priority": ".sections", "flagged": ".sections", "about_the_data": ".sections",
    "tile_html": ".tile",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
