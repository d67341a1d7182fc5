"""The partnership's quarterly performance dataset and its scorecard.

* :func:`load_performance` reads and validates ``performance.csv|xlsx`` and
  ``indicators.csv`` (row accounting as for the other sources);
* :func:`scorecard` judges every indicator, partners' and the suite's own (computed each
  quarter from the extract), with Making Data Count's variation and assurance summaries;
* :mod:`.page` is the scorecard page (its sections, display, words and index tile), which
  reads this package's data and is never read by it;
* :func:`write_template` writes the workbook partners fill in;
* :func:`write_performance_demo` writes the synthetic demo files (``wscb synth``).

The names below are imported when first used, so a caller that only reads the dataset
(``wscb figures`` asks for its coverage) does not load the statistics the scorecard needs.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "COMPUTED": ".computed", "COMPUTED_IDS": ".computed",
    "PerformanceData": ".load", "load_performance": ".load",
    "assurance_state": ".mdc", "summarise": ".mdc", "variation_state": ".mdc",
    "ScorecardData": ".scorecard", "build_scorecard": ".scorecard", "scorecard": ".scorecard",
    "load_scorecard": ".scorecard", "performance_coverage": ".load",
}

__all__ = ["COMPUTED", "COMPUTED_IDS", "PerformanceData", "ScorecardData", "assurance_state",
           "build_scorecard", "load_performance", "load_scorecard", "performance_coverage",
           "scorecard", "summarise", "variation_state"]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
