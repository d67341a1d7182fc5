"""Disclosure control for anything published: one call, :func:`disclose`, before a table is shown.

Rules (DEFINITIONS.md, after DfE and ONS practice):
* primary suppression: a count from 1 to 5 is shown as ``c``; 0 stays 0;
* a rate or percentage whose numerator or denominator is suppressed is suppressed too;
* secondary suppression: where a table publishes totals (a row-total column and/or a total
  row), a line with a single suppressed cell would give it away by subtraction, so the smallest
  non-zero cell of that line is suppressed as well, until every line is safe; an exact audit
  (linear programming over the published figures) then checks that no suppressed cell can be
  worked out from the others, and suppresses further where one could;
* everything shown is rounded half up (:func:`~wscb_analysis.stats.round_half_up`):
  percentages and rates per 10,000 to 1 decimal place.
Symbols: ``c`` suppressed, ``x`` not available, ``z`` not applicable, ``low`` rounds to zero.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .stats.intervals import round_half_up

SUPPRESSED = "c"
NOT_AVAILABLE = "x"
NOT_APPLICABLE = "z"
LOW = "low"
SMALL = (1, 5)


def is_small(value) -> bool:
    """A count that must not be published: 1 to 5 inclusive."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return SMALL[0] <= v <= SMALL[1]


def format_count(value) -> str:
    """A count for a page: ``c`` for 1-5, ``x`` for missing, thousands separated otherwise."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return NOT_AVAILABLE
    if is_small(value):
        return SUPPRESSED
    return f"{int(round_half_up(value)):,}"


def format_percent(fraction, digits: int = 1) -> str:
    """0.3276 -> "32.8%" (half up); missing -> ``x``; a positive value that rounds to 0 -> low."""
    if fraction is None or (isinstance(fraction, float) and np.isnan(fraction)):
        return NOT_AVAILABLE
    shown = round_half_up(100 * float(fraction), digits)
    if shown == 0 and fraction > 0:
        return LOW
    return f"{shown:.{digits}f}%"


def format_rate(rate, digits: int = 1) -> str:
    """A rate per 10,000 to 1 decimal place (half up)."""
    if rate is None or (isinstance(rate, float) and np.isnan(rate)):
        return NOT_AVAILABLE
    shown = round_half_up(float(rate), digits)
    if shown == 0 and rate > 0:
        return LOW
    return f"{shown:,.{digits}f}"


# --------------------------------------------------------------------------- suppression


def _lines(shape: tuple[int, int], row_total: int | None, total_row: int | None
           ) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    """(cells, total cell) for each published sum in the count block."""
    nrows, ncols = shape
    lines = []
    if row_total is not None:
        for r in range(nrows):
            cells = [(r, c) for c in range(ncols) if c != row_total]
            lines.append((cells, (r, row_total)))
    if total_row is not None:
        for c in range(ncols):
            cells = [(r, c) for r in range(nrows) if r != total_row]
            lines.append((cells, (total_row, c)))
    return lines


def _recoverable(values: np.ndarray, mask: np.ndarray, lines) -> list[tuple[int, int]]:
    """Suppressed cells whose value the published figures pin down exactly."""
    cells = [tuple(ix) for ix in np.argwhere(mask)]
    if not cells or not lines:
        return []
    pos = {c: i for i, c in enumerate(cells)}
    a_eq, b_eq = [], []
    for line_cells, total in lines:
        row = np.zeros(len(cells))
        rhs = 0.0
        for c in line_cells:
            if c in pos:
                row[pos[c]] += 1
            else:
                rhs -= values[c]
        if total in pos:
            row[pos[total]] -= 1
        else:
            rhs += values[total]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    if not a_eq:
        return []
    from scipy.optimize import linprog  # only tables with totals need the audit

    a_eq, b_eq = np.array(a_eq), np.array(b_eq)
    out = []
    for i, c in enumerate(cells):
        objective = np.zeros(len(cells))
        objective[i] = 1
        lo = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if lo.status == 0 and hi.status == 0 and (-hi.fun) - lo.fun < 0.5:
            out.append(c)
    return out


def suppression_mask(counts: pd.DataFrame, row_total: Hashable | None = None,
                     total_row: Hashable | None = None) -> pd.DataFrame:
    """Which cells of a table of counts to suppress (True), primary and secondary.

    ``row_total`` names the column that holds each row's total; ``total_row`` the index label
    of the row that holds each column's total. Zeros and missing values are never suppressed.
    """
    values = counts.astype(float).to_numpy()
    finite = np.isfinite(values)
    mask = finite & (values >= SMALL[0]) & (values <= SMALL[1])
    rt = counts.columns.get_loc(row_total) if row_total is not None else None
    tr = counts.index.get_loc(total_row) if total_row is not None else None
    lines = _lines(values.shape, rt, tr)
    if not lines:
        return pd.DataFrame(mask, index=counts.index, columns=counts.columns)

    def protect(line_cells, total) -> bool:
        members = [*line_cells, total]
        hidden = [c for c in members if mask[c]]
        if len(hidden) != 1:
            return False
        options = [c for c in line_cells if not mask[c] and finite[c] and values[c] > 0]
        if not options and not mask[total] and finite[total] and values[total] > 0:
            options = [total]
        if not options:
            return False
        mask[min(options, key=lambda c: (values[c], c))] = True
        return True

    for _ in range(values.size + 1):
        changed = False
        for line_cells, total in lines:
            changed |= protect(line_cells, total)
        if changed:
            continue
        exposed = _recoverable(np.where(finite, values, 0), mask, lines)
        if not exposed:
            break
        for cell in exposed:  # hide one more cell beside each exposed one
            for line_cells, total in lines:
                if cell in line_cells or cell == total:
                    options = [c for c in line_cells if not mask[c] and finite[c] and values[c] > 0]
                    if options:
                        mask[min(options, key=lambda c: (values[c], c))] = True
                        break
            else:
                continue
        changed = True
    return pd.DataFrame(mask, index=counts.index, columns=counts.columns)


#: Headings for a reader where a column's name is not already plain words.
COLUMN_LABELS = {
    "imd_rank": "IMD rank (of 326)", "children_0_17": "Children aged 0-17",
    "low_income": "Children in low-income families", "rhi_offered": "RHI offered",
    "rhi_accepted": "RHI accepted", "lower": "Lower 95% limit", "upper": "Upper 95% limit",
    "england": "England", "value": "Rate", "rows_in": "Rows in", "rows_kept": "Rows kept",
    "rows_set_aside": "Rows set aside", "nfa": "NFA", "offered_share": "Share offered",
    "accepted_share": "Share accepted", "numerator": "Count", "denominator": "Of",
    "area_name": "Area", "special_cause": "Special cause", "referral_source": "Referral source",
}


def column_label(name) -> str:
    """"rows_in" -> "Rows in"; known names get their plain-words heading."""
    text = str(name)
    if text in COLUMN_LABELS:
        return COLUMN_LABELS[text]
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


@dataclass
class DisclosedTable:
    """A table ready to publish: ``display`` (text) and ``suppressed`` (bool, same shape).

    Shows itself as HTML in a notebook; ``display`` is what a page or chart may use.
    """

    display: pd.DataFrame
    suppressed: pd.DataFrame
    caption: str | None = None
    #: Columns shown as text (left-aligned); numbers are right-aligned.
    text_columns: tuple = ()

    def _repr_html_(self) -> str:
        shown = self.display.rename(columns=column_label)
        styler = shown.style.hide(axis="index")
        text = [column_label(c) for c in self.text_columns if c in self.display.columns]
        if text:
            styler = styler.set_properties(subset=text, **{"text-align": "left"})
            styler = styler.set_table_styles(
                {c: [{"selector": "th", "props": "text-align: left"}] for c in text},
                overwrite=False)
        if self.caption:
            styler = styler.set_caption(self.caption)
        return styler.to_html()

    def to_html(self) -> str:
        return self._repr_html_()


def disclose(
    table: pd.DataFrame,
    counts: Sequence[str] | None = None,
    percents: Mapping[str, tuple[str | None, str | None]] | None = None,
    rates: Mapping[str, tuple[str | None, str | None]] | None = None,
    row_total: str | None = None,
    total_row: Hashable | None = None,
    caption: str | None = None,
) -> DisclosedTable:
    """Suppress and format a table for publication.

    ``counts``: count columns (default: every integer column). ``percents``: fraction columns
    shown as percentages, each with the (numerator, denominator) count columns it is built
    from; ``rates``: per-10,000 columns likewise. Other columns are shown as text. A percent
    or rate is suppressed when its numerator or denominator is. Secondary suppression runs
    when ``row_total`` and/or ``total_row`` say where the table's totals are.
    """
    percents = dict(percents or {})
    rates = dict(rates or {})
    if counts is None:
        counts = [c for c in table.columns
                  if pd.api.types.is_integer_dtype(table[c]) and c not in percents
                  and c not in rates]
    counts = list(counts)
    for name in [*counts, *percents, *rates]:
        if name not in table.columns:
            raise KeyError(f"disclose: no column {name!r} in the table")
    mask_counts = suppression_mask(table[counts], row_total, total_row) if counts else \
        pd.DataFrame(index=table.index)
    suppressed = pd.DataFrame(False, index=table.index, columns=table.columns)
    for c in counts:
        suppressed[c] = mask_counts[c]
    for col, (num, den) in {**percents, **rates}.items():
        hide = pd.Series(False, index=table.index)
        for part in (num, den):
            if part is not None:
                hide |= suppressed[part] if part in counts else table[part].map(is_small)
        suppressed[col] = hide
    display = pd.DataFrame(index=table.index)
    for col in table.columns:
        if col in counts:
            shown = table[col].map(format_count)
        elif col in percents:
            shown = table[col].map(format_percent)
        elif col in rates:
            shown = table[col].map(format_rate)
        else:
            shown = table[col].astype(object).where(table[col].notna(), NOT_AVAILABLE).astype(
                str)
        display[col] = shown.where(~suppressed[col], SUPPRESSED)
    text_columns = tuple(c for c in table.columns
                         if c not in counts and c not in percents and c not in rates)
    return DisclosedTable(display=display, suppressed=suppressed, caption=caption,
                          text_columns=text_columns)
