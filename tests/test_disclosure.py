"""Disclosure control on hand-worked tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from wscb_analysis.disclosure import (
    disclose,
    format_count,
    format_percent,
    format_rate,
    suppression_mask,
)


def test_formats():
    assert [format_count(v) for v in (0, 1, 5, 6, 1234, None)] == ["0", "c", "c", "6", "1,234",
                                                                    "x"]
    assert format_percent(0.32749) == "32.7%" and format_percent(0.32750) == "32.8%"
    assert format_percent(0.00001) == "low" and format_percent(float("nan")) == "x"
    assert format_rate(548.25) == "548.3"


def test_secondary_suppression_by_hand():
    # rows r1-r3 with a row-total column and a total row:
    #        c1  c2  c3 | total
    #   r1    3  10   7 |  20      3 is primary (1-5)
    #   r2   12   8   9 |  29
    #   r3   20  15  11 |  46
    #   all  35  33  27 |  95
    # Row r1 would give the 3 away (20 - 10 - 7): hide its smallest other cell, 7.
    # Column c1 would give it away (35 - 12 - 20): hide 12. Column c3 now has 7 hidden
    # alone: hide 9. Rows r1 and r2 and columns c1 and c3 each hold two hidden cells: safe.
    t = pd.DataFrame({"c1": [3, 12, 20, 35], "c2": [10, 8, 15, 33], "c3": [7, 9, 11, 27],
                      "total": [20, 29, 46, 95]}, index=["r1", "r2", "r3", "all"])
    mask = suppression_mask(t, row_total="total", total_row="all")
    hidden = sorted((r, c) for r, c in zip(*np.nonzero(mask.to_numpy()), strict=True))
    assert [(t.index[r], t.columns[c]) for r, c in hidden] == [
        ("r1", "c1"), ("r1", "c3"), ("r2", "c1"), ("r2", "c3")]


def test_zero_stays_zero_and_no_totals_means_primary_only():
    t = pd.DataFrame({"a": [0, 4, 20], "b": [6, 0, 2]})
    mask = suppression_mask(t)
    assert mask.to_numpy().tolist() == [[False, False], [True, False], [False, True]]


def test_percent_built_on_a_suppressed_count_is_suppressed():
    t = pd.DataFrame({"district": ["Rugby", "Warwick"], "rereferrals": [4, 40],
                      "referrals": [20, 100], "rate": [0.2, 0.4]})
    out = disclose(t, counts=["rereferrals", "referrals"],
                   percents={"rate": ("rereferrals", "referrals")})
    assert out.display.to_dict("records") == [
        {"district": "Rugby", "rereferrals": "c", "referrals": "20", "rate": "c"},
        {"district": "Warwick", "rereferrals": "40", "referrals": "100", "rate": "40.0%"}]
    html = out.to_html()
    assert ">c<" in html and ">4<" not in html


def _determined(values, mask, row_total, total_row):
    """Independent check: a hidden cell is determined by the published sums when its unit
    vector lies in the row space of the sum equations over the hidden cells."""
    cells = [tuple(c) for c in np.argwhere(mask)]
    if not cells:
        return []
    nrows, ncols = values.shape
    eqs = []
    for r in range(nrows):
        eqs.append([(r, c) for c in range(ncols)])  # cells incl. total, total with sign -1
    for c in range(ncols):
        eqs.append([(r, c) for r in range(nrows)])
    rows = []
    for i, members in enumerate(eqs):
        row = np.zeros(len(cells))
        is_row = i < nrows
        total = (members[0][0], row_total) if is_row else (total_row, members[0][1])
        for m in members:
            if m in cells:
                row[cells.index(m)] += -1 if m == total else 1
        rows.append(row)
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    out = []
    for i, c in enumerate(cells):
        e = np.zeros(len(cells))
        e[i] = 1
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.append(c)
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.data())
def test_suppression_never_leaves_a_recoverable_cell(nrows, ncols, data):
    body = np.array(data.draw(st.lists(st.integers(0, 25), min_size=nrows * ncols,
                                       max_size=nrows * ncols))).reshape(nrows, ncols)
    full = np.zeros((nrows + 1, ncols + 1), dtype=int)
    full[:nrows, :ncols] = body
    full[:nrows, ncols] = body.sum(axis=1)
    full[nrows, :] = full[:nrows, :].sum(axis=0)
    t = pd.DataFrame(full, columns=[*range(ncols), "total"], index=[*range(nrows), "all"])
    mask = suppression_mask(t, row_total="total", total_row="all").to_numpy()
    small = (full >= 1) & (full <= 5)
    assert (mask | ~small).all()          # every 1-5 hidden
    assert not (mask & (full == 0)).any()  # zeros stay zero
    assert _determined(full, mask, ncols, nrows) == []
