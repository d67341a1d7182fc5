"""Child protection plans (DfE tables D3, D5, D7 definitions).

* Second or subsequent plan (D3): of plans that started in the period, those for a child who
  had been the subject of a plan before, however long ago. The Annex A column "Number of
  Previous Child Protection Plans" (census NumberOfPreviousCPP) is used where filled; where it
  is blank, an earlier plan of the same child in the extract makes the plan subsequent. The
  larger of the two counts is the plan's number of previous plans.
* Within 2 years of the previous plan ending: a local variant, shown separately and labelled.
  Only a second or subsequent plan whose previous plan is in the extract, with an end date,
  can be judged: ``second_previous_end_known`` counts those, and is the denominator of
  ``second_within_2_years_rate``. A repeat plan whose earlier plans are known only from the
  "Number of Previous Child Protection Plans" column cannot be judged and is in neither.
* Duration of plans that ended (D7): end date minus start date, each plan counted, in DfE's
  bands, by calendar months: 3 months or less (end on or before start + 3 months); more than
  3 months to 6 months (on or before start + 6 months); more than 6 months to less than 1
  year (before start + 12 months); 1 year to less than 2 years (before start + 24 months);
  2 years and over.
* Open at the end of a period (D5): started on or before the last day and not ended by it;
  open 2 years or more when the last day is on or after start + 24 months. D5 and D7 are
  different measures: never mix them.
Rates are fractions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import Period, add_months, in_period
from . import child_codes

DURATION_BANDS = [
    "3 months or less",
    "more than 3 months to 6 months",
    "more than 6 months to less than 1 year",
    "1 year to less than 2 years",
    "2 years and over",
]


def duration_band(start, end) -> np.ndarray:
    """DfE D7 band for each (start, end) pair of dates; None where either is missing."""
    s = np.asarray(start).astype("datetime64[D]")
    e = np.asarray(end).astype("datetime64[D]")
    bands = np.array(DURATION_BANDS, dtype=object)
    idx = np.select(
        [e <= add_months(s, 3), e <= add_months(s, 6), e < add_months(s, 12),
         e < add_months(s, 24)],
        [0, 1, 2, 3], default=4,
    )
    out = bands[idx]
    out[np.isnat(s) | np.isnat(e)] = None
    return out


def plan_history(plans: pd.DataFrame) -> pd.DataFrame:
    """Add each plan's history: ``previous_in_extract`` (earlier plans of the child in the
    extract), ``previous_end`` (end of the child's latest earlier plan in the extract),
    ``plan_number`` (1 = first plan), ``subsequent`` (bool), ``previous_end_known`` (bool: a
    subsequent plan whose previous plan is in the extract with an end date, so the next item
    can be judged) and ``within_2_years`` (bool: started on or before the previous plan's end
    + 24 calendar months; False where the previous end is not known)."""
    out = plans.copy()
    n = len(out)
    if n == 0:
        for c, dt in (("previous_in_extract", "int64"), ("previous_end", "datetime64[s]"),
                      ("plan_number", "int64"), ("subsequent", bool),
                      ("previous_end_known", bool), ("within_2_years", bool)):
            out[c] = pd.Series(dtype=dt)
        return out
    child = child_codes(out)
    start = out["start_date"].to_numpy().astype("datetime64[D]")
    end = out["end_date"].to_numpy().astype("datetime64[D]")
    order = np.lexsort((out["row"].to_numpy(), start, child))
    c, e = child[order], end[order]
    first_of_child = np.ones(n, dtype=bool)
    first_of_child[1:] = c[1:] != c[:-1]
    group_start = np.maximum.accumulate(np.where(first_of_child, np.arange(n), 0))
    rank = np.arange(n) - group_start
    prev_end = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    prev_end[1:] = e[:-1]
    prev_end[first_of_child] = np.datetime64("NaT")
    previous_in_extract = np.empty(n, dtype=np.int64)
    previous_in_extract[order] = rank
    previous_end = np.empty(n, dtype="datetime64[D]")
    previous_end[order] = prev_end
    recorded = out["previous_plans"].astype("Int64").fillna(-1).to_numpy(dtype=np.int64)
    previous = np.maximum(recorded, previous_in_extract)
    out["previous_in_extract"] = previous_in_extract
    out["previous_end"] = previous_end.astype("datetime64[s]")
    out["plan_number"] = previous + 1
    out["subsequent"] = previous > 0
    known = ~np.isnat(previous_end) & (previous_in_extract > 0)
    out["previous_end_known"] = known
    out["within_2_years"] = known & (start <= add_months(previous_end, 24))
    return out


def plans_started(plans: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Plans that started in the period, with their history (see :func:`plan_history`)."""
    hist = plan_history(plans)
    return hist.loc[in_period(hist["start_date"], period)].reset_index(drop=True)


def plans_ended(plans: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Plans whose end date falls in the period, with ``duration_days`` and ``duration_band``."""
    ended = plans.loc[in_period(plans["end_date"], period)].copy()
    s = ended["start_date"].to_numpy().astype("datetime64[D]")
    e = ended["end_date"].to_numpy().astype("datetime64[D]")
    ended["duration_days"] = (e - s).astype(np.int64)
    ended["duration_band"] = duration_band(s, e)
    return ended.reset_index(drop=True)


def plans_open_at(plans: pd.DataFrame, day) -> pd.DataFrame:
    """Plans open at the end of ``day``: started on or before it and not ended by it, with
    ``open_days`` and ``open_2_years_plus``."""
    d = np.datetime64(pd.Timestamp(day).date(), "D")
    s = plans["start_date"].to_numpy().astype("datetime64[D]")
    e = plans["end_date"].to_numpy().astype("datetime64[D]")
    mask = (s <= d) & (np.isnat(e) | (e > d))
    out = plans.loc[mask].copy()
    so = s[mask]
    out["open_days"] = (d - so).astype(np.int64)
    out["open_2_years_plus"] = d >= add_months(so, 24)
    return out.reset_index(drop=True)


def cp_plan_figures(plans: pd.DataFrame, period: Period) -> dict:
    """The contract's ``cp_plans`` block for the period (rates are fractions or None).

    ``second_within_2_years`` (plans started within 2 years of the previous plan ending) is
    out of ``second_previous_end_known`` (repeat plans whose previous plan's end is in the
    extract), never out of all plans started: ``second_within_2_years_rate``.
    """
    started = plans_started(plans, period)
    ended = plans_ended(plans, period)
    open_end = plans_open_at(plans, period.end)
    n_started, n_ended = len(started), len(ended)
    subsequent = int(started["subsequent"].sum())
    by_band = ended["duration_band"].value_counts()
    two_plus = int(by_band.get("2 years and over", 0))
    judged = int(started["previous_end_known"].sum())
    within = int(started["within_2_years"].sum())
    return {
        "started": n_started,
        "second_or_subsequent": subsequent,
        "second_or_subsequent_rate": subsequent / n_started if n_started else None,
        "second_within_2_years": within,
        "second_previous_end_known": judged,
        "second_within_2_years_rate": within / judged if judged else None,
        "third_or_later": int((started["plan_number"] >= 3).sum()),
        "ended": n_ended,
        "ended_2_years_plus": two_plus,
        "ended_2_years_plus_rate": two_plus / n_ended if n_ended else None,
        "ended_by_duration": {band: int(by_band.get(band, 0)) for band in DURATION_BANDS},
        "open_at_end": len(open_end),
        "open_2_years_plus": int(open_end["open_2_years_plus"].sum()),
    }


def started_by_category(plans: pd.DataFrame, period: Period,
                        category: str = "initial_category") -> pd.DataFrame:
    """Plans started in the period by category of abuse and plan number (first, second,
    third or later). Columns: category, plan, plans."""
    started = plans_started(plans, period)
    plan = np.select([started["plan_number"] == 1, started["plan_number"] == 2],
                     ["First", "Second"], default="Third or later")
    out = started.assign(category=started[category].fillna("Not recorded"), plan=plan)
    return (out.groupby(["category", "plan"], as_index=False).size()
            .rename(columns={"size": "plans"}))
