"""How published figures are written: suppression symbols and rounding for display.

Symbols (DEFINITIONS.md, after DfE and ONS practice): ``c`` suppressed, ``x`` not available,
``z`` not applicable, ``low`` rounds to zero. Everything shown is rounded half up
(:func:`~wscb_analysis.stats.round_half_up`): percentages and rates per 10,000 to 1 decimal
place.
"""

from __future__ import annotations

import pandas as pd

from ..stats.intervals import round_half_up

SUPPRESSED = "c"
NOT_AVAILABLE = "x"
NOT_APPLICABLE = "z"
LOW = "low"
SMALL = (1, 5)


def _missing(value) -> bool:
    """Missing as ``Series.notna`` sees a scalar: None, NaN (of any float type), NA, NaT."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def format_text(value) -> str:
    """A text cell for a page: ``x`` for missing, else the value as text."""
    return NOT_AVAILABLE if _missing(value) else str(value)


def is_small(value) -> bool:
    """A count that must not be published: 1 to 5 inclusive."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return SMALL[0] <= v <= SMALL[1]


def format_count(value) -> str:
    """A count for a page: ``c`` for 1-5, ``x`` for missing, thousands separated otherwise."""
    if _missing(value):
        return NOT_AVAILABLE
    if is_small(value):
        return SUPPRESSED
    return f"{int(round_half_up(value)):,}"


def format_percent(fraction, digits: int = 1) -> str:
    """0.3276 -> "32.8%" (half up); missing -> ``x``; a positive value that rounds to 0 -> low."""
    if _missing(fraction):
        return NOT_AVAILABLE
    shown = round_half_up(100 * float(fraction), digits)
    if shown == 0 and fraction > 0:
        return LOW
    return f"{shown:.{digits}f}%"


def format_rate(rate, digits: int = 1) -> str:
    """A rate per 10,000 to 1 decimal place (half up)."""
    if _missing(rate):
        return NOT_AVAILABLE
    shown = round_half_up(float(rate), digits)
    if shown == 0 and rate > 0:
        return LOW
    return f"{shown:,.{digits}f}"


#: Headings for a reader where a column's name is not already plain words.
COLUMN_LABELS = {
    "imd_rank": "IMD rank", "children_0_17": "Children aged 0-17",
    "population_0_17": "Children aged 0-17",
    "low_income": "Children in low-income families", "rhi_offered": "Return home interviews "
    "offered", "rhi_accepted": "Return home interviews accepted", "lower": "Lower 95% limit",
    "upper": "Upper 95% limit", "england": "England", "value": "Rate", "rows_in": "Rows read",
    "rows_kept": "Rows kept", "rows_set_aside": "Rows set aside", "duplicates": "Repeated rows",
    "nfa": "No further action", "offered_share": "Share offered",
    "accepted_share": "Share accepted", "numerator": "Count", "denominator": "Of",
    "area_name": "Area", "special_cause": "Special cause", "referral_source": "Referral source",
    "rereferrals": "Re-referrals", "referrals": "Referrals",
}


def column_label(name) -> str:
    """"rows_in" -> "Rows read"; known names get their plain-words heading."""
    text = str(name)
    if text in COLUMN_LABELS:
        return COLUMN_LABELS[text]
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]
