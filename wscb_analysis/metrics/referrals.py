"""Referrals and re-referrals (DfE table C1 definitions).

A referral is a request for children's social care services about a child not currently in
need; every referral counts, so a child referred twice counts twice. A re-referral is a
referral within 12 months of the previous referral of the same child: the previous referral's
date is on or after the same calendar date one year earlier (so exactly 12 months counts), and
zero days between them counts too (DfE from the 2017-18 release). The look-back reaches before
the period, which is why the extract should hold earlier years.

Rates are fractions (0.2 = 20%). The headline rate is referral-level: re-referrals in the
period / referrals in the period. The child-level rate divides children with at least one
re-referral in the period by children referred in the period; label whichever is shown.

Look-back: a referral's re-referral status needs the 12 months before it. The extract is
taken to hold them when its earliest referral is on or before that day
(:func:`first_complete_day`, :func:`lookback_held`); before then re-referrals are undercounted.

Cross-check: Annex A List 3's "Number of Referrals in Last 12 Months" is read as the number of
the child's earlier referrals in the 12 months before this referral, not counting this one, so
the return records a re-referral where it is 1 or more (:func:`recorded_rereferrals`). Ofsted's
guidance text could not be consulted here; the reading rests on Social Finance's sample of
the Ofsted template (liia-tools-pipeline ``Annex_A_2024_Jan.xlsx``, List 3), whose values
include 0, impossible if the referral counted itself. A council whose system counts the
referral itself passes ``includes_current=True`` (a re-referral is then 2 or more).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..periods import Period, add_months, in_period, period_labels
from . import child_codes


def flag_rereferrals(referrals: pd.DataFrame) -> pd.DataFrame:
    """Add ``previous_referral`` (date of the same child's previous referral, NaT if none) and
    ``rereferral`` (bool) to a canonical referrals frame. Rows keep their order."""
    out = referrals.copy()
    n = len(out)
    if n == 0:
        out["previous_referral"] = pd.Series(dtype="datetime64[s]")
        out["rereferral"] = pd.Series(dtype=bool)
        return out
    child = child_codes(out)
    dates = out["referral_date"].to_numpy().astype("datetime64[D]")
    # One integer key (child, then day) and a stable sort, so ties keep file order: much
    # faster than a three-key lexsort at national volumes.
    days = dates.astype(np.int64)
    key = child.astype(np.int64) * (1 << 20) + (days - days.min() if n else days)
    order = np.argsort(key, kind="stable")
    c, d = child[order], dates[order]
    same = np.zeros(n, dtype=bool)
    same[1:] = c[1:] == c[:-1]
    prev = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    prev[1:] = d[:-1]
    prev[~same] = np.datetime64("NaT")
    # Within 12 calendar months: any gap up to 365 days is; 366 days is only when a 29
    # February falls between (checked by calendar for just those rows); longer never is.
    gap = (d - prev).astype(np.int64)
    flag_sorted = same & (gap <= 365)
    edge = np.flatnonzero(same & (gap == 366))
    if len(edge):
        flag_sorted[edge] = prev[edge] >= add_months(d[edge], -12)
    rereferral = np.empty(n, dtype=bool)
    rereferral[order] = flag_sorted
    previous = np.empty(n, dtype="datetime64[D]")
    previous[order] = prev
    out["previous_referral"] = previous.astype("datetime64[s]")
    out["rereferral"] = rereferral
    return out


def lookback_window(referrals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Referrals from 12 months before the period's start to its end: all that can decide
    whether a referral in the period is a re-referral (an earlier previous referral is more
    than 12 months before it anyway)."""
    d = referrals["referral_date"].to_numpy().astype("datetime64[D]")
    start = add_months(np.array([np.datetime64(period.start, "D")]), -12)[0]
    keep = (d >= start) & (d <= np.datetime64(period.end, "D"))
    return referrals.loc[keep]


def referral_figures(referrals: pd.DataFrame, period: Period) -> dict:
    """``{referrals, rereferrals, rereferral_rate}`` for the period (rate a fraction or None)."""
    flagged = flag_rereferrals(lookback_window(referrals, period))
    mask = in_period(flagged["referral_date"], period)
    n = int(mask.sum())
    x = int(flagged["rereferral"].to_numpy()[mask].sum())
    return {"referrals": n, "rereferrals": x, "rereferral_rate": x / n if n else None}


def child_level_rereferrals(referrals: pd.DataFrame, period: Period) -> dict:
    """Child-level: children referred in the period, of whom with a re-referral in it."""
    flagged = flag_rereferrals(lookback_window(referrals, period))
    in_p = flagged.loc[in_period(flagged["referral_date"], period)]
    children = int(in_p["child_id"].nunique())
    with_re = int(in_p.loc[in_p["rereferral"], "child_id"].nunique())
    return {"children": children, "children_rereferred": with_re,
            "rate": with_re / children if children else None}


def _day(value) -> np.datetime64:
    """An ISO date text, ``date`` or Timestamp as a day; a clear error for anything else."""
    try:
        return np.datetime64(pd.Timestamp(value).date(), "D")
    except (ValueError, TypeError):
        raise ValueError(f"first_complete {value!r} is not a date: write it like 2016-04-01"
                         ) from None


def _period_start(dates: np.ndarray, by: str) -> np.ndarray:
    """First day of the financial year, quarter or month each date falls in."""
    month = dates.astype("datetime64[M]")
    month_of_year = month.astype(np.int64) % 12  # 0 = January
    if by == "month":
        start = month
    elif by == "quarter":  # financial quarters start in April, July, October, January
        start = month - month_of_year % 3
    elif by == "year":
        start = month - (month_of_year - 3) % 12
    else:
        raise ValueError(f"by must be 'year', 'quarter' or 'month', not {by!r}")
    return start.astype("datetime64[D]")


def rereferrals_over_time(referrals: pd.DataFrame, by: str = "quarter",
                          first_complete=None) -> pd.DataFrame:
    """Referrals and re-referrals per financial year, quarter or month.

    Columns: ``period``, ``referrals``, ``rereferrals``, ``value`` (rate, fraction). The
    first 12 months held have no full look-back; ``first_complete`` (an ISO date, a ``date``,
    e.g. from :func:`first_complete_day`) drops every period that starts before it, whole.
    An extract too short to have any complete period gives a table with no rows.
    """
    flagged = flag_rereferrals(referrals)
    if first_complete is not None and len(flagged):
        d = flagged["referral_date"].to_numpy().astype("datetime64[D]")
        flagged = flagged.loc[_period_start(d, by) >= _day(first_complete)]
    elif first_complete is not None:
        _day(first_complete)  # still say so when the date is unreadable
    flagged = flagged.assign(period=period_labels(flagged["referral_date"], by).to_numpy())
    out = flagged.groupby("period", as_index=False).agg(
        referrals=("rereferral", "size"), rereferrals=("rereferral", "sum"))
    out["rereferrals"] = out["rereferrals"].astype(np.int64)
    out["value"] = out["rereferrals"] / out["referrals"]
    return out.sort_values("period").reset_index(drop=True)


def first_complete_day(referrals: pd.DataFrame) -> date | None:
    """The first day whose 12-month look-back the extract holds: the earliest day d with
    d - 12 calendar months on or after the earliest referral (None for no referrals)."""
    d = referrals["referral_date"].to_numpy().astype("datetime64[D]")
    d = d[~np.isnat(d)]
    if len(d) == 0:
        return None
    earliest = d.min()
    day = add_months(np.array([earliest]), 12)[0]
    # 29 February + 12 months is 28 February, whose look-back starts 28 February: a day
    # before the extract. The day after is the first complete one.
    if add_months(np.array([day]), -12)[0] < earliest:
        day = day + np.timedelta64(1, "D")
    return pd.Timestamp(day).date()


def lookback_held(referrals: pd.DataFrame, period: Period) -> bool | date:
    """Whether the extract holds the 12 months before the period: True when the earliest
    referral is on or before the period's start minus 12 calendar months. Otherwise the first
    day from which re-referrals are complete (referrals before it may be undercounted as
    re-referrals), or False when the extract holds no referral at all."""
    first = first_complete_day(referrals)
    if first is None:
        return False
    return True if first <= period.start else first


def recorded_rereferrals(referrals: pd.DataFrame, period: Period, includes_current: bool = False,
                         columns_present: set[str] | None = None) -> dict | None:
    """Re-referrals in the period as the Annex A return records them, beside those the
    extract's dates show: a labelled cross-check, not the headline.

    From "Number of Referrals in Last 12 Months" (see the module notes): a referral is a
    re-referral by the return when the number is 1 or more (2 or more with
    ``includes_current``). Keys: ``referrals`` (in the period), ``recorded`` (of them, with the
    number filled), ``rereferrals`` (re-referrals by the return, of ``recorded``), ``rate``
    (fraction of ``recorded``, or None), ``both``, ``recorded_only``, ``computed_only``
    (of ``recorded``: re-referral by both, by the return alone, by the dates alone; the
    return's own count sees referrals before the extract starts) and ``recorded_zero``
    (referrals recorded with 0: none on a large extract suggests the number counts the
    referral itself). None when the extract has no such column.
    """
    column = "referrals_last_12_months"
    if columns_present is not None:
        if column not in columns_present:
            return None
    elif len(referrals) and not referrals[column].notna().any():
        return None
    flagged = flag_rereferrals(lookback_window(referrals, period))
    in_p = flagged.loc[in_period(flagged["referral_date"], period)]
    number = in_p[column].astype("Int64")
    known = number.notna().to_numpy()
    recorded = (number.fillna(0).to_numpy() >= (2 if includes_current else 1)) & known
    computed = in_p["rereferral"].to_numpy(dtype=bool) & known
    n, x = int(known.sum()), int(recorded.sum())
    return {"referrals": len(in_p), "recorded": n, "rereferrals": x,
            "rate": x / n if n else None,
            "both": int((recorded & computed).sum()),
            "recorded_only": int((recorded & ~computed).sum()),
            "computed_only": int((computed & ~recorded).sum()),
            "recorded_zero": int(((number.fillna(-1).to_numpy() == 0) & known).sum())}


def rereferrals_by(referrals: pd.DataFrame, period: Period, by: str) -> pd.DataFrame:
    """Referrals and re-referrals in the period by a column (``district``, ``referral_source``).

    Columns: the ``by`` column, ``referrals``, ``rereferrals``, ``value`` (fraction). A blank
    group shows as "Not recorded".
    """
    flagged = flag_rereferrals(lookback_window(referrals, period))
    in_p = flagged.loc[in_period(flagged["referral_date"], period)]
    key = in_p[by].astype("str").fillna("Not recorded")
    out = in_p.assign(**{by: key}).groupby(by, as_index=False).agg(
        referrals=("rereferral", "size"), rereferrals=("rereferral", "sum"))
    out["value"] = out["rereferrals"] / out["referrals"]
    return out.sort_values(by).reset_index(drop=True)


def nfa_share(referrals: pd.DataFrame, period: Period) -> dict:
    """Referrals in the period that ended in no further action (``nfa`` True), of those known."""
    in_p = referrals.loc[in_period(referrals["referral_date"], period)]
    known = in_p["nfa"].notna()
    x = int(in_p.loc[known, "nfa"].astype(bool).sum())
    n = int(known.sum())
    return {"nfa": x, "known": n, "rate": x / n if n else None}
