"""The scorecard as its page shows it, worked out once from the page's context.

The partners' dataset is read with the extract's own column map; the computed indicators come
from the context's extract, rebased at the profile's events; each computed value takes its
hidden or shown state from the pack's disclosure plan, so the scorecard hides a figure exactly
as the other pages do. Only indicators with a value are rows; the rest are named once.
Partners' text is cut to a readable length (:func:`.display.short_text`), whole in
``title_full``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ...report import Context
from ..load import load_performance
from ..mdc import meets
from ..scorecard import ScorecardData, build_scorecard
from .display import short_text

#: Longest title (and priority) and agency a page prints; a table of cut titles has them whole.
TITLE_CHARS = 120
AGENCY_CHARS = 60


@dataclass
class PageData:
    """The scorecard as the page shows it: ``table`` holds the indicators with a value up to
    the period (titles cut to :data:`TITLE_CHARS`, the whole title in ``title_full``);
    ``not_held`` names the computed indicators the extract gives no value for and
    ``not_supplied`` the partners' catalogue entries with no value, each said once."""

    card: ScorecardData
    table: pd.DataFrame
    not_held: list[str]
    not_supplied: list[str]

    @property
    def period(self):
        return self.card.period

    @property
    def series(self) -> dict[str, pd.DataFrame]:
        return self.card.series

    @property
    def performance(self):
        return self.card.performance

    @property
    def authority(self) -> str:
        return self.card.authority

    @property
    def source(self) -> str:
        return self.card.source

    @property
    def notes(self) -> list[str]:
        return self.card.notes


# --------------------------------------------------------------------------- the data


def scorecard_data(ctx: Context) -> PageData:
    """The scorecard for the page's context, worked out once per context: the partners'
    dataset read with the extract's own column map, the computed indicators from the
    context's extract, rebased at the profile's events, hidden where the pack's plan hides."""
    return ctx.derived("scorecard", lambda: _page_data(ctx))


def _page_data(ctx: Context) -> PageData:
    extract = ctx.extract
    perf = load_performance(extract.data_dir, extract.column_map)
    card = _with_plan(build_scorecard(extract, perf, ctx.period, ctx.profile), ctx.plan)
    t = card.table
    held = card.held
    shown = t[held].reset_index(drop=True).assign(
        title_full=lambda f: f["title"].astype(str),
        title=lambda f: [short_text(x, TITLE_CHARS) for x in f["title"]],
        agency=lambda f: [short_text(x, AGENCY_CHARS) for x in f["agency"].fillna("")],
        priority=lambda f: [short_text(x, TITLE_CHARS) for x in f["priority"].fillna("")])
    empty = t[~held]
    short = [short_text(x, TITLE_CHARS) for x in empty["title"]]
    origin = empty["origin"].tolist()
    return PageData(card=card, table=shown,
                    not_held=[s for s, o in zip(short, origin, strict=True) if o == "computed"],
                    not_supplied=[s for s, o in zip(short, origin, strict=True)
                                  if o != "computed"])


#: Computed indicators as figures of the pack's disclosure plan: (numerator, denominator).
PLAN_MEASURES = {
    "referrals": ("referrals", None), "rereferral_rate": ("rereferrals", "referrals"),
    "cp_plans_started": ("plans_started", None),
    "second_or_subsequent_rate": ("plans_second_or_subsequent", "plans_started"),
    "cp_open_2_years_plus_rate": ("plans_open_2_years_plus", "plans_open_at_end"),
    "children_missing": ("missing_children", None),
    "rhi_take_up": ("rhi_accepted", "rhi_offered"),
    "early_help_assessments": ("assessments", None),
    "ethnicity_not_recorded_rate": ("ethnicity_not_recorded", "referrals"),
}


def _hidden_by_plan(indicator: str, periods, plan) -> np.ndarray:
    """For each period of a computed indicator, whether the pack's plan hides its numerator
    or denominator (so the scorecard hides it the same way as every other page)."""
    from ...disclosure.plan import make_key

    out = np.zeros(len(periods), bool)
    for i, period in enumerate(periods):
        for m in filter(None, PLAN_MEASURES.get(indicator, ())):
            k = make_key(m, period)
            if plan.has(k) and plan.hidden(k):
                out[i] = True
    return out


def _with_plan(card: ScorecardData, plan) -> ScorecardData:
    """``value_plan_hidden`` on every computed point, and on each row's latest value and the
    value a year before."""
    series = dict(card.series)
    t = card.table.assign(value_plan_hidden=False, previous_year_value_plan_hidden=False)
    for i, row in t.iterrows():
        points = series[row["indicator"]]
        if row["origin"] != "computed" or points.empty:
            continue
        hide = _hidden_by_plan(row["indicator"], points["period"], plan)
        series[row["indicator"]] = points.assign(value_plan_hidden=hide)
        by_period = dict(zip(points["period"], hide, strict=True))
        t.at[i, "value_plan_hidden"] = bool(by_period.get(row["period"], False))
        t.at[i, "previous_year_value_plan_hidden"] = bool(
            by_period.get(row["previous_year_period"], False))
    return replace(card, table=t, series=series)


def flag(v: object) -> bool | None:
    """A yes/no/unknown cell as True, False or None (a table column may hold NaN for None)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return bool(v)


def latest_meets(r: pd.Series) -> bool | None:
    """Whether a row's latest value meets its target (None without one)."""
    if pd.isna(r["target"]) or r["target_direction"] not in ("at least", "at most"):
        return None
    return meets(float(r["value"]), float(r["target"]), str(r["target_direction"]))


__all__ = ["AGENCY_CHARS", "PLAN_MEASURES", "PageData", "TITLE_CHARS", "flag", "latest_meets",
           "scorecard_data"]
