"""The scorecard: every indicator's latest value, the same period a year before, and its two
Making Data Count summaries, partners' indicators and the suite's own side by side.

For a period asked (a financial year, or a quarter of it) each indicator shows its latest
period ending on or before the asked period's last day (an indicator not yet updated shows an
older period, and ``up_to_date`` is False). Its series for the XmR chart is every point held up
to that period, at most the latest :data:`MAX_POINTS`, split at any rebase in the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..errors import ExtractError
from ..io.load import SYNTHETIC_MARKER, Extract, load_extract
from ..periods import Period, financial_year
from .computed import computed_catalogue, saved_computed_rows
from .load import PerformanceData, load_performance
from .mdc import summarise
from .schema import parse_period

#: Limits come from at most this many points: five years of quarters. Older history (plans
#: an Annex A list holds only for children still known, say) would distort them.
MAX_POINTS = 20

TABLE_COLUMNS = [
    "indicator", "title", "agency", "priority", "origin", "unit", "polarity", "about_children",
    "period", "value", "numerator", "denominator", "previous_year_period",
    "previous_year_value", "previous_year_numerator", "previous_year_denominator",
    "up_to_date", "points", "trial_limits", "chart", "mean", "lpl", "upl", "variation",
    "direction", "rule", "target", "target_direction", "assurance", "value_plan_hidden",
    "previous_year_value_plan_hidden"]


@dataclass
class ScorecardData:
    """Everything the scorecard page shows, computed once."""

    period: Period
    table: pd.DataFrame
    #: indicator -> its points up to the latest (period, value, numerator, denominator and,
    #: where judged, the xmr columns)
    series: dict[str, pd.DataFrame]
    catalogue: pd.DataFrame
    performance: PerformanceData
    extract: Extract | None
    synthetic: bool
    authority: str
    notes: list[str] = field(default_factory=list)
    #: titles of computed indicators left off the page: the extract holds no value for them
    not_held: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        text = ("Source: the partnership's performance dataset (partners' returns) and the "
                "extract (computed indicators)")
        return text + (" - SYNTHETIC demo data" if self.synthetic else "")


def authority_name(profile: str | Path | None = None) -> str:
    """The authority a page names: the partnership profile's (the shipped default for None)."""
    from ..profile import load_profile

    return load_profile(profile).authority


def resolve_folder(data_dir: str | Path | None) -> Path:
    """The extract folder; ``"demo"`` (or None) is the demo extract, given its performance
    files if it was written before they existed."""
    from ..report import resolve_data_dir

    folder = resolve_data_dir(data_dir)
    if data_dir in (None, "", "demo") and not (folder / "indicators.csv").exists():
        from .demo import write_performance_demo

        write_performance_demo(folder, seed=config.DEMO_SEED)
    return Path(folder).resolve()


def _load_extract(folder: Path) -> tuple[Extract | None, str | None]:
    try:
        return load_extract(folder), None
    except ExtractError as exc:
        # The message starts with the folder's path, which a published page need not show.
        return None, str(exc).split(": ", 1)[-1]


def _series_rows(perf: PerformanceData, extract: Extract | None, end: date
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(catalogue with computed entries, all rows up to ``end`` with ``origin``)."""
    partner_cat = perf.catalogue.data
    computed_cat = computed_catalogue()
    catalogue = pd.concat([partner_cat, computed_cat], ignore_index=True) \
        if len(partner_cat) else computed_cat
    rows = perf.performance.data.assign(origin="partner")
    if extract is not None:
        # Each quarter costs a pass over the extract: only those the limits can use, worked
        # out once for the tile and the page.
        computed = saved_computed_rows(extract, end, max_quarters=MAX_POINTS)
        rows = pd.concat([rows, computed], ignore_index=True) if len(rows) else computed
    if len(rows):
        rows = rows[pd.to_datetime(rows["end"]).dt.date <= end]
    return catalogue.reset_index(drop=True), rows.reset_index(drop=True)


def _priority_order(catalogue: pd.DataFrame) -> list[str]:
    """Priorities in the order the catalogue first names them (partners' before computed)."""
    return list(dict.fromkeys(catalogue["priority"]))


def _rebase_positions(points: pd.DataFrame, rebase: str) -> list[int]:
    out = []
    starts = pd.to_datetime(points["start"]).dt.date.to_numpy()
    for label in filter(None, (rebase or "").split(";")):
        at = parse_period(label).start
        later = np.flatnonzero(starts >= at)
        if len(later) and later[0] > 0:
            out.append(int(later[0]))
    return sorted(set(out))


def _judge(info: pd.Series, points: pd.DataFrame, asked_end: date) -> tuple[dict, pd.DataFrame]:
    """One scorecard row and the indicator's (charted) series."""
    row = {c: info.get(c) for c in ("indicator", "title", "agency", "priority", "origin",
                                    "unit", "polarity", "about_children", "target",
                                    "target_direction")}
    row["chart"] = "XmR"
    if points.empty:
        s = summarise([], info["polarity"], info["target"], info["target_direction"])
        row.update(value_plan_hidden=False, previous_year_value_plan_hidden=False)
        row.update(period=None, value=np.nan, numerator=np.nan, denominator=np.nan,
                   previous_year_period=None, previous_year_value=np.nan,
                   previous_year_numerator=np.nan, previous_year_denominator=np.nan,
                   up_to_date=False, points=0, trial_limits=True, mean=np.nan, lpl=np.nan,
                   upl=np.nan, variation=s.variation, direction="", rule="",
                   assurance=s.assurance)
        return row, points
    points = points.sort_values("start", kind="stable").reset_index(drop=True)
    latest = points.iloc[-1]
    before = parse_period(latest["period"], prefer=latest["kind"]).year_before()
    prev = points[points["period"] == before]
    window = points.tail(MAX_POINTS).reset_index(drop=True)
    s = summarise(window["value"].to_numpy(float), info["polarity"], info["target"],
                  info["target_direction"], _rebase_positions(window, info.get("rebase", "")))
    if s.chart is not None:
        window = pd.concat([window, s.chart.drop(columns=["value"]).reset_index(drop=True)],
                           axis=1)
    row.update(
        period=latest["period"], value=float(latest["value"]),
        numerator=latest["numerator"], denominator=latest["denominator"],
        previous_year_period=before,
        previous_year_value=float(prev["value"].iloc[0]) if len(prev) else np.nan,
        previous_year_numerator=prev["numerator"].iloc[0] if len(prev) else np.nan,
        previous_year_denominator=prev["denominator"].iloc[0] if len(prev) else np.nan,
        value_plan_hidden=bool(latest.get("value_plan_hidden", False)),
        previous_year_value_plan_hidden=bool(prev["value_plan_hidden"].iloc[0])
        if len(prev) and "value_plan_hidden" in prev else False,
        up_to_date=pd.Timestamp(latest["end"]).date() == asked_end, points=s.points,
        trial_limits=s.trial_limits, mean=s.mean, lpl=s.lpl, upl=s.upl,
        variation=s.variation, direction=s.direction, rule=s.rule, assurance=s.assurance)
    return row, window


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


def _plan_hidden(rows: pd.DataFrame, plan) -> np.ndarray:
    """For each computed row, whether the pack's disclosure plan hides its numerator or
    denominator (so the scorecard hides it the same way as every other page)."""
    from ..disclosure.plan import make_key

    out = np.zeros(len(rows), bool)
    if plan is None or not len(rows):
        return out
    for i, (ind, period, origin) in enumerate(zip(rows["indicator"], rows["period"],
                                                  rows["origin"], strict=True)):
        if origin != "computed" or ind not in PLAN_MEASURES:
            continue
        for m in PLAN_MEASURES[ind]:
            k = make_key(m, period) if m else None
            if k and plan.has(k) and plan.hidden(k):
                out[i] = True
    return out


def build_scorecard(data_dir: str | Path | None, period: str, quarter: str | None = None,
                    profile: str | Path | None = None,
                    column_map: dict[str, str] | None = None, plan=None) -> ScorecardData:
    """Load the performance files and the extract in ``data_dir`` ("demo" for the demo
    extract) and judge every indicator for the period asked (see :func:`scorecard`)."""
    asked = financial_year(period, quarter)
    folder = resolve_folder(data_dir)
    perf = load_performance(folder, column_map)
    extract, why_not = _load_extract(folder)
    notes = []
    if extract is None:
        notes.append(f"No indicator could be computed from the extract: {why_not}")
    catalogue, rows = _series_rows(perf, extract, asked.end)
    rows = rows.assign(value_plan_hidden=_plan_hidden(rows, plan))
    order = {p: i for i, p in enumerate(_priority_order(catalogue))}
    records, series = [], {}
    grouped = dict(tuple(rows.groupby("indicator", sort=False))) if len(rows) else {}
    for _, info in catalogue.iterrows():
        points = grouped.get(info["indicator"], rows.iloc[0:0])
        row, window = _judge(info, points, asked.end)
        records.append(row)
        series[info["indicator"]] = window
    table = pd.DataFrame(records, columns=TABLE_COLUMNS)
    if len(table):
        table = table.assign(_p=table["priority"].map(order)).sort_values(
            "_p", kind="stable").drop(columns="_p").reset_index(drop=True)
    return ScorecardData(period=asked, table=table, series=series, catalogue=catalogue,
                         performance=perf, extract=extract,
                         synthetic=(folder / SYNTHETIC_MARKER).exists(),
                         authority=authority_name(profile), notes=notes)


def scorecard(data_dir: str | Path | None, period: str, quarter: str | None = None,
              profile: str | Path | None = None) -> pd.DataFrame:
    """One row per indicator (partners' and computed): ``indicator, title, agency,
    priority, origin`` ("partner" or "computed"), ``unit, polarity, period`` (the latest
    period held up to the one asked), ``value`` (percentages 0-100), ``numerator,
    denominator, previous_year_value`` (the same period a year before; NaN when not held),
    ``up_to_date, points, trial_limits, chart`` ("XmR"), ``mean, lpl, upl, variation``
    ("common cause", "special cause improving", "special cause concerning", "special cause
    neither", "too few points"), ``direction, rule, target, target_direction`` and
    ``assurance`` ("consistently met", "consistently missed", "hit and miss", "no target",
    "too few points"). Unsuppressed: for analysts; the page discloses before showing.
    """
    return build_scorecard(data_dir, period, quarter, profile).table


__all__ = ["MAX_POINTS", "ScorecardData", "authority_name", "build_scorecard", "resolve_folder",
           "scorecard"]
