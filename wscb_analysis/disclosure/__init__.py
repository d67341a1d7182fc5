"""Disclosure control for anything published.

Rules (DEFINITIONS.md, after DfE and ONS practice):
* primary suppression: a count from 1 to 5 is shown as ``c``; 0 stays 0;
* a rate or percentage whose numerator or denominator is suppressed is suppressed too;
* secondary suppression: wherever published figures add up (a table's totals; across a pack,
  a year and its quarters, a total and its districts), no line is left with one hidden cell,
  and an exact audit (linear programming, hidden cells at least 1 because zeros are shown)
  checks that no hidden cell can be worked out from the rest;
* one disclosed set of figures per pack (:mod:`.plan`): a figure is hidden or shown the same
  way on every page, in every sentence and in figures.json;
* everything shown is rounded half up; percentages and rates per 10,000 to 1 decimal place.
Symbols: ``c`` suppressed, ``x`` not available, ``z`` not applicable, ``low`` rounds to zero.
"""

from .formats import (
    COLUMN_LABELS,
    LOW,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    SMALL,
    SUPPRESSED,
    column_label,
    format_count,
    format_percent,
    format_rate,
    format_text,
    is_small,
)
from .plan import PackPlan, PlanBuilder, PlanError, make_key, parse_key
from .suppress import Line, pinned, ranges, suppress
from .table import DisclosedTable, disclose, suppression_mask

__all__ = [
    "SUPPRESSED", "NOT_AVAILABLE", "NOT_APPLICABLE", "LOW", "SMALL", "COLUMN_LABELS",
    "is_small", "format_count", "format_percent", "format_rate", "format_text",
    "column_label",
    "DisclosedTable", "disclose", "suppression_mask", "Line", "suppress", "ranges", "pinned",
    "PackPlan", "PlanBuilder", "PlanError", "make_key", "parse_key",
]
