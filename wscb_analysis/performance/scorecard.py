"""The scorecard: every indicator's latest value, the same period a year before, and its two
Making Data Count summaries, partners' indicators and the suite's own side by side.

For a period asked (a financial year, or a quarter of it) each indicator shows its latest
period ending on or before the asked period's last day (an indicator not yet updated shows an
older period, and ``up_to_date`` is False). Its XmR chart is drawn from every point held up to
that period, and its limits come from every point of the latest segment: all points since the
last rebase, never a rolling window of the latest few (METHODS.md, "Summary icons for a
scorecard"; NHSRplotthedots computes them so).

A rebase is made only at a change someone can name:

* a partners' indicator's catalogue may give periods to recalculate its limits from
  (``rebase``, e.g. "2016-17 Q1");
* the partnership profile's events marked ``rebase`` (e.g. the MASH opening in May 2016,
  ``affects = "referrals"``) rebase every computed indicator counted from the source they
  affect: referrals, re-referrals and ethnicity not recorded for an event that affects
  referrals, on the scorecard as on the topic pages.

The new limits start at the first period that begins on or after the change (the month of a
profile event, the first day of a catalogue's period): a period straddling the change stays
with the points before it, so every point the new limits come from is wholly after it.

This module is the scorecard's data: it loads nothing a page has not given it (see
:func:`build_scorecard`), and :func:`scorecard` is the analyst's one-call version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..errors import ExtractError
from ..io.load import Extract, load_extract
from ..periods import Period, financial_year
from ..profile import Profile, load_profile
from .computed import COMPUTED, computed_catalogue, saved_computed_rows
from .load import PerformanceData, load_performance
from .mdc import summarise
from .schema import parse_period

TABLE_COLUMNS = [
    "indicator", "title", "agency", "priority", "origin", "unit", "polarity", "about_children",
    "period", "value", "numerator", "denominator", "previous_year_period",
    "previous_year_value", "previous_year_numerator", "previous_year_denominator",
    "up_to_date", "points", "trial_limits", "chart", "mean", "lpl", "upl", "variation",
    "direction", "rule", "target", "target_direction", "assurance", "assurance_qualified",
    "latest_meet_target", "limits_from", "rebase_why"]


@dataclass
class ScorecardData:
    """Everything the scorecard page shows, computed once: ``table`` (one row per indicator,
    see :func:`scorecard`), each indicator's ``series`` (its points up to the latest:
    period, value, numerator, denominator and, where judged, the xmr columns), the combined
    ``catalogue``, the partners' ``performance`` data, the ``extract`` the computed
    indicators came from (None when it could not be read) and ``notes`` saying why not."""

    period: Period
    table: pd.DataFrame
    series: dict[str, pd.DataFrame]
    catalogue: pd.DataFrame
    performance: PerformanceData
    extract: Extract | None
    synthetic: bool
    authority: str
    notes: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        text = ("Source: the partnership's performance dataset (partners' returns) and the "
                "extract (computed indicators)")
        return text + (" - SYNTHETIC demo data" if self.synthetic else "")

    @property
    def held(self) -> pd.Series:
        """For each row of the table, whether any value is held up to the period asked."""
        return self.table["period"].notna()


def authority_name(profile: str | Path | Profile | None = None) -> str:
    """The authority a page names: the partnership profile's (the shipped default for None)."""
    return (profile if isinstance(profile, Profile) else load_profile(profile)).authority


def _series_rows(perf: PerformanceData, extract: Extract | None, end: date
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(catalogue with computed entries, all rows up to ``end`` with ``origin``)."""
    partner_cat = perf.catalogue.data
    computed_cat = computed_catalogue()
    catalogue = pd.concat([partner_cat, computed_cat], ignore_index=True) \
        if len(partner_cat) else computed_cat
    rows = perf.performance.data.assign(origin="partner")
    if extract is not None:
        computed = saved_computed_rows(extract, end)
        rows = pd.concat([rows, computed], ignore_index=True) if len(rows) else computed
    if len(rows):
        rows = rows[pd.to_datetime(rows["end"]).dt.date <= end]
    return catalogue.reset_index(drop=True), rows.reset_index(drop=True)


def _priority_order(catalogue: pd.DataFrame) -> list[str]:
    """Priorities in the order the catalogue first names them (partners' before computed)."""
    return list(dict.fromkeys(catalogue["priority"]))


#: Each computed indicator's source in the extract (a profile event "affects" a source).
_SOURCE_OF = {c.indicator: c.extract_source for c in COMPUTED}


def rebase_dates(info: Mapping, profile: Profile | None) -> list[tuple[date, str]]:
    """(first day of the change, why) for every rebase of an indicator: its catalogue's
    ``rebase`` periods (partners'), or the profile's rebase events affecting its source
    (computed)."""
    out: list[tuple[date, str]] = []
    for label in filter(None, str(info.get("rebase") or "").split(";")):
        out.append((parse_period(label.strip()).start,
                    f"the catalogue recalculates its limits from {label.strip()}"))
    source = _SOURCE_OF.get(str(info.get("indicator"))) if info.get("origin") == "computed" \
        else None
    for event in (profile.events if profile is not None and source else ()):
        if event.rebase and event.affects == source:
            year, month = (int(x) for x in event.month.split("-"))
            out.append((date(year, month, 1), event.name))
    return sorted(out)


def _rebase_positions(points: pd.DataFrame, changes: list[tuple[date, str]]
                      ) -> tuple[list[int], str]:
    """Positions where new limits start (the first point starting on or after each change),
    and why the latest segment starts where it does ("" when there is no rebase)."""
    starts = pd.to_datetime(points["start"]).dt.date.to_numpy()
    out: dict[int, str] = {}
    for at, why in changes:
        later = np.flatnonzero(starts >= at)
        if len(later) and later[0] > 0:
            out[int(later[0])] = why
    cuts = sorted(out)
    return cuts, (out[cuts[-1]] if cuts else "")


_EMPTY = dict(period=None, value=np.nan, numerator=np.nan, denominator=np.nan,
              previous_year_period=None, previous_year_value=np.nan,
              previous_year_numerator=np.nan, previous_year_denominator=np.nan,
              up_to_date=False, points=0, trial_limits=True, mean=np.nan, lpl=np.nan,
              upl=np.nan, direction="", rule="", assurance_qualified=False,
              latest_meet_target=None, limits_from="", rebase_why="")


def _judge(info: pd.Series, points: pd.DataFrame, asked_end: date, profile: Profile | None
           ) -> tuple[dict, pd.DataFrame]:
    """One scorecard row and the indicator's (charted) series."""
    row = {c: info.get(c) for c in ("indicator", "title", "agency", "priority", "origin",
                                    "unit", "polarity", "about_children", "target",
                                    "target_direction")}
    row["chart"] = "XmR"
    if points.empty:
        s = summarise([], info["polarity"], info["target"], info["target_direction"])
        row.update(_EMPTY, variation=s.variation, assurance=s.assurance)
        return row, points
    points = points.sort_values("start", kind="stable").reset_index(drop=True)
    latest = points.iloc[-1]
    before = parse_period(latest["period"], prefer=latest["kind"]).year_before()
    prev = points[points["period"] == before]
    cuts, why = _rebase_positions(points, rebase_dates(info, profile))
    s = summarise(points["value"].to_numpy(float), info["polarity"], info["target"],
                  info["target_direction"], cuts)
    if s.chart is not None:
        points = pd.concat([points, s.chart.drop(columns=["value"]).reset_index(drop=True)],
                           axis=1)
    row.update(
        period=latest["period"], value=float(latest["value"]),
        numerator=latest["numerator"], denominator=latest["denominator"],
        previous_year_period=before,
        previous_year_value=float(prev["value"].iloc[0]) if len(prev) else np.nan,
        previous_year_numerator=prev["numerator"].iloc[0] if len(prev) else np.nan,
        previous_year_denominator=prev["denominator"].iloc[0] if len(prev) else np.nan,
        up_to_date=pd.Timestamp(latest["end"]).date() == asked_end, points=s.points,
        trial_limits=s.trial_limits, mean=s.mean, lpl=s.lpl, upl=s.upl,
        variation=s.variation, direction=s.direction, rule=s.rule, assurance=s.assurance,
        assurance_qualified=s.assurance_qualified, latest_meet_target=s.latest_meet_target,
        limits_from=points["period"].iloc[cuts[-1]] if cuts else "", rebase_why=why)
    return row, points


def build_scorecard(extract: Extract | None, performance: PerformanceData, period: Period,
                    profile: Profile | None = None, notes: list[str] | None = None
                    ) -> ScorecardData:
    """Judge every indicator, partners' (``performance``) and computed (from ``extract``,
    None when there is none), for ``period``; ``profile`` gives the authority's name and the
    events that rebase computed indicators (the shipped default for None)."""
    profile = profile if profile is not None else load_profile(None)
    catalogue, rows = _series_rows(performance, extract, period.end)
    order = {p: i for i, p in enumerate(_priority_order(catalogue))}
    records, series = [], {}
    grouped = dict(tuple(rows.groupby("indicator", sort=False))) if len(rows) else {}
    for _, info in catalogue.iterrows():
        points = grouped.get(info["indicator"], rows.iloc[0:0])
        row, points = _judge(info, points, period.end, profile)
        records.append(row)
        series[info["indicator"]] = points
    table = pd.DataFrame(records, columns=TABLE_COLUMNS)
    if len(table):
        table = table.assign(_p=table["priority"].map(order)).sort_values(
            "_p", kind="stable").drop(columns="_p").reset_index(drop=True)
    synthetic = bool(extract.synthetic) if extract is not None else False
    return ScorecardData(period=period, table=table, series=series, catalogue=catalogue,
                         performance=performance, extract=extract, synthetic=synthetic,
                         authority=profile.authority, notes=list(notes or []))


def _folder(data_dir: str | Path | None) -> Path:
    """The extract folder; ``"demo"`` (or None) is the demo extract, which must have been
    written (``wscb demo``, or any notebook run once with its defaults)."""
    if data_dir in (None, "", "demo"):
        folder = config.DEMO_EXTRACT_DIR
        if not (folder / "referrals.csv").exists():
            raise ExtractError(f"{folder}: the demo extract has not been written yet; run "
                               "`wscb demo`, or open any notebook once")
        return Path(folder).resolve()
    return Path(data_dir).resolve()


def load_scorecard(data_dir: str | Path | None, period: str, quarter: str | None = None,
                   profile: str | Path | None = None,
                   column_map: Mapping[str, str] | None = None,
                   use_cache: bool = True) -> ScorecardData:
    """Load the performance files and the extract in ``data_dir`` (with the same column map
    and cache choice as every other page) and judge every indicator: :func:`scorecard`'s
    data. A folder whose extract cannot be read still gives the partners' indicators; the
    notes say why none was computed."""
    folder = _folder(data_dir)
    cmap = dict(column_map or {})
    perf = load_performance(folder, cmap)
    notes = []
    try:
        extract: Extract | None = load_extract(folder, column_map=cmap, use_cache=use_cache)
    except ExtractError as exc:
        extract = None
        # The message starts with the folder's path, which a published page need not show.
        notes.append("No indicator could be computed from the extract: "
                     + str(exc).split(": ", 1)[-1])
    return build_scorecard(extract, perf, financial_year(period, quarter),
                           load_profile(profile), notes)


def scorecard(data_dir: str | Path | None, period: str, quarter: str | None = None,
              profile: str | Path | None = None, column_map: Mapping[str, str] | None = None,
              use_cache: bool = True) -> pd.DataFrame:
    """One row per indicator (partners' and computed): ``indicator, title, agency,
    priority, origin`` ("partner" or "computed"), ``unit, polarity, period`` (the latest
    period held up to the one asked; None when none is held), ``value`` (percentages 0-100),
    ``numerator, denominator, previous_year_value`` (the same period a year before; NaN when
    not held), ``up_to_date, points`` (in the latest segment), ``trial_limits, chart``
    ("XmR"), ``mean, lpl, upl, variation`` ("common cause", "special cause improving",
    "special cause concerning", "special cause neither", "too few points"), ``direction,
    rule, target, target_direction``, ``assurance`` ("consistently met", "consistently
    missed", "hit and miss", "no target", "too few points"), ``assurance_qualified`` (the
    process has changed since the limits were set: say so beside the assurance),
    ``latest_meet_target``, ``limits_from`` (the period the latest limits start at after a
    rebase, or "") and ``rebase_why`` (the change, in words, or ""). Unsuppressed: for
    analysts; the page discloses before showing. ``column_map`` and ``use_cache`` as for every
    command that reads an extract.
    """
    return load_scorecard(data_dir, period, quarter, profile, column_map, use_cache).table


__all__ = ["ScorecardData", "authority_name", "build_scorecard", "load_scorecard",
           "rebase_dates", "scorecard"]
