"""Children missing: episodes, children, repeat missing, return home interviews.

An episode belongs to the period its start date falls in. Episodes of type Missing, Away
(SSDA903 A: away from placement without authorisation) and Absent (police 2013 category) all
count in ``episodes``. ``children`` = distinct children with an episode in the period;
``children_repeat`` = children with 2 or more episodes in it. Return home interviews are
counted per episode (offered, accepted). SSDA903 episodes (looked-after children) and police
episodes (children missing from home as well as care) are different populations: the
``looked_after`` column keeps them apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import Period, in_period, period_labels


def episodes_in(missing: pd.DataFrame, period: Period) -> pd.DataFrame:
    return missing.loc[in_period(missing["start_date"], period)].reset_index(drop=True)


def missing_figures(missing: pd.DataFrame, period: Period) -> dict:
    """The contract's ``missing`` block for the period."""
    ep = episodes_in(missing, period)
    per_child = ep.groupby("child_id", observed=True).size()
    types = ep["missing_type"].value_counts()
    return {
        "episodes": len(ep),
        "missing_episodes": int(types.get("Missing", 0)),
        "away_episodes": int(types.get("Away", 0)),
        "absent_episodes": int(types.get("Absent", 0)),
        "children": int(len(per_child)),
        "children_repeat": int((per_child >= 2).sum()),
        "rhi_offered": int(ep["rhi_offered"].fillna(False).astype(bool).sum()),
        "rhi_accepted": int(ep["rhi_accepted"].fillna(False).astype(bool).sum()),
        "looked_after_episodes": int(ep["looked_after"].fillna(False).astype(bool).sum()),
    }


def monthly_counts(missing: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """Episodes and distinct children by calendar month of the start date.

    Columns: ``month`` (Timestamp, first day), ``episodes``, ``children``. Months with none are
    0, so a trend model sees them.
    """
    d = pd.to_datetime(missing["start_date"])
    month = d.dt.to_period("M")
    grouped = missing.assign(month=month).groupby("month", observed=True).agg(
        episodes=("child_id", "size"), children=("child_id", "nunique"))
    if len(grouped) == 0:
        return pd.DataFrame(columns=["month", "episodes", "children"])
    lo = pd.Period(start, "M") if start is not None else grouped.index.min()
    hi = pd.Period(end, "M") if end is not None else grouped.index.max()
    full = pd.period_range(lo, hi, freq="M")
    grouped = grouped.reindex(full, fill_value=0)
    out = grouped.reset_index(names="month")
    out["month"] = out["month"].dt.to_timestamp()
    return out


def children_by_year(missing: pd.DataFrame) -> pd.DataFrame:
    """Per financial year: episodes, children, children_repeat. Column ``year`` ("2016-17")."""
    df = missing.assign(year=period_labels(missing["start_date"]).to_numpy())
    per_child = df.groupby(["year", "child_id"], observed=True).size().rename("n").reset_index()
    out = per_child.groupby("year").agg(children=("n", "size"),
                                        children_repeat=("n", lambda s: int((s >= 2).sum())),
                                        episodes=("n", "sum")).reset_index()
    return out


def looked_after_group(episodes: pd.DataFrame) -> np.ndarray:
    """"Looked after", "Not looked after" or "Not recorded" for each episode."""
    flag = episodes["looked_after"]
    return np.where(flag.fillna(False).astype(bool), "Looked after",
                    np.where(flag.isna(), "Not recorded", "Not looked after"))


def rhi_rates(missing: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Return home interviews offered and accepted, by looked-after status."""
    ep = episodes_in(missing, period)
    ep = ep.assign(group=looked_after_group(ep),
                   offered=ep["rhi_offered"].fillna(False).astype(bool),
                   accepted=ep["rhi_accepted"].fillna(False).astype(bool))
    return ep.groupby("group", as_index=False).agg(
        episodes=("offered", "size"), rhi_offered=("offered", "sum"),
        rhi_accepted=("accepted", "sum"))
