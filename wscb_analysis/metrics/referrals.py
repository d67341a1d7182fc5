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
"""

from __future__ import annotations

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


def rereferrals_over_time(referrals: pd.DataFrame, by: str = "quarter",
                          first_complete: str | None = None) -> pd.DataFrame:
    """Referrals and re-referrals per financial year, quarter or month.

    Columns: ``period``, ``referrals``, ``rereferrals``, ``value`` (rate, fraction). The first
    12 months held have no full look-back; pass ``first_complete`` (an ISO date) to drop
    periods starting before it.
    """
    flagged = flag_rereferrals(referrals)
    if first_complete is not None:
        flagged = flagged.loc[flagged["referral_date"] >= pd.Timestamp(first_complete)]
    flagged = flagged.assign(period=period_labels(flagged["referral_date"], by).to_numpy())
    out = flagged.groupby("period", as_index=False).agg(
        referrals=("rereferral", "size"), rereferrals=("rereferral", "sum"))
    out["value"] = out["rereferrals"] / out["referrals"]
    return out.sort_values("period").reset_index(drop=True)


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
