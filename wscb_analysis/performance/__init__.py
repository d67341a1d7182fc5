"""The partnership's quarterly performance dataset and its scorecard.

* :func:`load_performance` reads and validates ``performance.csv|xlsx`` and
  ``indicators.csv`` (row accounting as for the other sources);
* :func:`scorecard` judges every indicator, partners' and the suite's own (computed each
  quarter from the extract), with Making Data Count's variation and assurance summaries;
* :mod:`.page` holds the scorecard page's sections and the index tile;
* :func:`write_template` writes the workbook partners fill in;
* :func:`write_performance_demo` writes the synthetic demo files (``wscb synth``).
"""

from __future__ import annotations

from .computed import COMPUTED, COMPUTED_IDS
from .load import PerformanceData, load_performance
from .mdc import assurance_state, summarise, variation_state
from .scorecard import ScorecardData, build_scorecard, scorecard

__all__ = ["COMPUTED", "COMPUTED_IDS", "PerformanceData", "ScorecardData", "assurance_state",
           "build_scorecard", "load_performance", "scorecard", "summarise", "variation_state"]
