"""A table ready to publish: :func:`disclose` suppresses and formats, :class:`DisclosedTable`
writes it as escaped HTML.

Every text in a table can come from an analyst's extract (a district, a referral source, an
organisation), so every cell, heading and caption is HTML-escaped: pandas' ``Styler.to_html``
escapes nothing by default, which let ``<script>`` in a district name run on a page. Cells
that come from the pack's disclosure plan carry their key (``data-key``) so the pack's
disclosure audit can match the same figure across pages.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .formats import (
    SUPPRESSED,
    column_label,
    format_count,
    format_percent,
    format_rate,
    format_text,
    is_small,
)
from .suppress import grid_lines, suppress


@dataclass
class DisclosedTable:
    """``display`` (text as published) and ``suppressed`` (bool, same shape); ``keys`` names
    the disclosure-plan figure behind each count cell (None where a cell has none)."""

    display: pd.DataFrame
    suppressed: pd.DataFrame
    caption: str | None = None
    #: Columns shown as text (left-aligned); numbers are right-aligned.
    text_columns: tuple = ()
    keys: pd.DataFrame | None = None
    #: Column labels for readers, where they differ from ``column_label``.
    labels: Mapping[str, str] | None = None
    #: What the counts are of: "children" (records about children: suppressed), "rows" (rows
    #: of the extract's files) or "published" (figures others published, e.g. DfE's or ONS's).
    #: The leak guard and the disclosure audit read it from the page (``data-counts``).
    kind: str = "children"
    #: For each percentage or rate column, its (numerator, denominator) count columns, so a
    #: page can tie each share to the figures it is built from (``data-num``/``data-den``).
    parts: Mapping[str, tuple[str | None, str | None]] | None = None
    #: Per row, what its counts are of, where rows differ (see ``kind``).
    row_kinds: Sequence[str] | None = None
    #: Columns that are the sum of other columns (``{"Second or later": ("Second", "Third
    #: or later")}``), written on the heading (``data-sum-of``) so the disclosure audit
    #: counts them as the sums they are.
    sums: Mapping[str, Sequence[str]] | None = None

    def heading(self, column) -> str:
        if self.labels and column in self.labels:
            return str(self.labels[column])
        return column_label(column)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        # Only what is published: the display text, never the counts behind it.
        return (self.caption + "\n" if self.caption else "") + self.display.to_string(
            index=False)

    def _key(self, column, row: int) -> str | None:
        if self.keys is None or column not in self.keys.columns:
            return None
        key = self.keys[column].iat[row]
        return key if isinstance(key, str) and key else None

    def to_html(self) -> str:
        e = html.escape
        cols = list(self.display.columns)
        text = set(self.text_columns)
        parts = ['<div class="table-scroll" role="region" tabindex="0"'
                 + (f' aria-label="{e(self.caption, quote=True)}"' if self.caption else "")
                 + '>', f'<table class="wscb-table" data-counts="{e(self.kind, quote=True)}">']
        if self.caption:
            parts.append(f"<caption>{e(self.caption)}</caption>")
        def head(c) -> str:
            attrs = ' class="text"' if c in text else ""
            if self.sums and c in self.sums:
                names = "|".join(self.heading(x) for x in self.sums[c])
                attrs += f' data-sum-of="{e(names, quote=True)}"'
            return f'<th scope="col"{attrs}>{e(self.heading(c))}</th>'

        parts.append("<thead><tr>" + "".join(head(c) for c in cols) + "</tr></thead>")
        parts.append("<tbody>")
        for i in range(len(self.display)):
            cells = []
            for j, c in enumerate(cols):
                value = e(str(self.display.iat[i, j]))
                attrs = ""
                key = self._key(c, i)
                if key:
                    attrs += f' data-key="{e(key, quote=True)}"'
                for attr, part in zip(("data-num", "data-den"),
                                      (self.parts or {}).get(c, (None, None)), strict=True):
                    pk = self._key(part, i) if part else None
                    if pk:
                        attrs += f' {attr}="{e(pk, quote=True)}"'
                if c in text:
                    attrs += ' class="text"'
                tag = "th" if j == 0 and c in text else "td"
                scope = ' scope="row"' if tag == "th" else ""
                cells.append(f"<{tag}{scope}{attrs}>{value}</{tag}>")
            row_kind = self.row_kinds[i] if self.row_kinds is not None else None
            tr = f'<tr data-counts="{e(row_kind, quote=True)}">' if row_kind and \
                row_kind != self.kind else "<tr>"
            parts.append(tr + "".join(cells) + "</tr>")
        parts.append("</tbody></table></div>")
        return "\n".join(parts)


def _plan_states(table, counts, keys, plan):
    """(fixed hidden, fixed shown) masks for count cells the plan decides."""
    hidden = np.zeros((len(table), len(counts)), bool)
    decided = np.zeros_like(hidden)
    if plan is None or keys is None:
        return hidden, decided
    for j, c in enumerate(counts):
        if c not in keys.columns:
            continue
        for i, key in enumerate(keys[c]):
            if isinstance(key, str) and key and plan.has(key):
                decided[i, j] = True
                hidden[i, j] = plan.hidden(key)
    return hidden, decided


def disclose(
    table: pd.DataFrame,
    counts: Sequence[str] | None = None,
    percents: Mapping[str, tuple[str | None, str | None]] | None = None,
    rates: Mapping[str, tuple[str | None, str | None]] | None = None,
    row_total: str | None = None,
    total_row: Hashable | None = None,
    caption: str | None = None,
    *,
    keys: pd.DataFrame | None = None,
    plan=None,
    labels: Mapping[str, str] | None = None,
    text_columns: Sequence[str] | None = None,
    kind: str = "children",
) -> DisclosedTable:
    """Suppress and format a table for publication.

    ``counts``: count columns (default: every integer column). ``percents``: fraction columns
    shown as percentages, each with the (numerator, denominator) count columns it is built
    from; ``rates``: per-10,000 columns likewise. Other columns are shown as text. A percent
    or rate is suppressed when its numerator or denominator is.

    Count cells named in ``keys`` (a frame like ``table`` holding disclosure-plan keys) take
    their hidden or shown state from ``plan`` (:class:`~wscb_analysis.disclosure.PackPlan`),
    so a figure is hidden the same way on every page of a pack. Other count cells get primary
    suppression (1 to 5) and, where ``row_total`` and/or ``total_row`` say where the table's
    totals are, secondary suppression with an exact audit, never undoing a plan's decision.
    """
    percents = dict(percents or {})
    rates = dict(rates or {})
    if counts is None:
        counts = [c for c in table.columns
                  if pd.api.types.is_integer_dtype(table[c]) and c not in percents
                  and c not in rates]
    counts = list(counts)
    repeated = sorted({str(c) for c in table.columns[table.columns.duplicated()]})
    if repeated:
        raise ValueError(f"disclose: the table names a column twice: {', '.join(repeated)}")
    for name in [*counts, *percents, *rates]:
        if name not in table.columns:
            raise KeyError(f"disclose: no column {name!r} in the table")
    # Column by column in numpy and lists, one frame built at the end: pages disclose
    # hundreds of small tables, where pandas' per-operation overhead was most of the time.
    n = len(table)
    hidden = {c: np.zeros(n, bool) for c in table.columns}
    if counts:
        values = np.column_stack([pd.to_numeric(table[c], errors="coerce").astype(float)
                                  .to_numpy() for c in counts])
        fixed_hidden, decided = _plan_states(table, counts, keys, plan)
        rt = counts.index(row_total) if row_total is not None else None
        tr = table.index.get_loc(total_row) if total_row is not None else None
        lines = grid_lines(values.shape, rt, tr)
        flat = values.ravel()
        # Cells the plan decided keep their state; the rest are protected around them.
        mask = suppress(flat, lines, hidden=(decided & fixed_hidden).ravel(),
                        locked=(decided & ~fixed_hidden).ravel()).reshape(values.shape)
        for j, c in enumerate(counts):
            hidden[c] = mask[:, j]
    for col, (num, den) in {**percents, **rates}.items():
        hide = np.zeros(n, bool)
        for part in (num, den):
            if part is not None:
                hide |= hidden[part] if part in counts else \
                    np.array([is_small(v) for v in table[part]], dtype=bool)
        hidden[col] = hide
    shown: dict = {}
    for col in table.columns:
        if col in counts:
            text = [format_count(v) for v in table[col]]
        elif col in percents:
            text = [format_percent(v) for v in table[col]]
        elif col in rates:
            text = [format_rate(v) for v in table[col]]
        else:
            text = [format_text(v) for v in table[col]]
        shown[col] = [SUPPRESSED if h else t for t, h in zip(text, hidden[col], strict=True)]
    display = pd.DataFrame(shown, index=table.index, columns=table.columns, dtype=str)
    suppressed = pd.DataFrame(hidden, index=table.index, columns=table.columns)
    if text_columns is None:
        text_columns = [c for c in table.columns
                        if c not in counts and c not in percents and c not in rates]
    return DisclosedTable(display=display, suppressed=suppressed, caption=caption,
                          text_columns=tuple(text_columns), keys=keys, labels=labels,
                          kind=kind, parts={**percents, **rates})


def suppression_mask(counts: pd.DataFrame, row_total: Hashable | None = None,
                     total_row: Hashable | None = None) -> pd.DataFrame:
    """Which cells of a table of counts to suppress (True), primary and secondary.

    ``row_total`` names the column that holds each row's total; ``total_row`` the index label
    of the row that holds each column's total. Zeros and missing values are never suppressed.
    """
    values = counts.astype(float).to_numpy()
    rt = counts.columns.get_loc(row_total) if row_total is not None else None
    tr = counts.index.get_loc(total_row) if total_row is not None else None
    mask = suppress(values.ravel(), grid_lines(values.shape, rt, tr)).reshape(values.shape)
    return pd.DataFrame(mask, index=counts.index, columns=counts.columns)


__all__ = ["DisclosedTable", "disclose", "suppression_mask"]
