"""Children missing: episodes, children, repeat missing, missing at the end, return interviews.

Definitions (CONTRACT.md "Headline figures JSON"; DEFINITIONS.md "Children missing"):

* An episode belongs to the period its start date falls in. Types: Missing (SSDA903 M, police
  "missing": whereabouts unknown), Away (SSDA903 A: away from placement without authorisation,
  whereabouts known) and Absent (police 2013: not where expected, no apparent risk). All three
  count in ``episodes``; everything about children counts Missing episodes only, and Away and
  Absent are reported beside them, never inside them.
* ``children`` = distinct children with at least one Missing episode starting in the period
  (the board's "children going missing"); ``children_repeat`` = children with 2 or more
  Missing episodes starting in it (DfE "missing more than once"); ``children_away`` /
  ``children_absent`` = children with an Away / Absent episode starting in it, whatever else
  they had; ``children_away_repeat`` = 2 or more Away episodes.
* ``missing_at_end`` = distinct children on a Missing episode open at the period's last day:
  started on or before it and not ended by it (an episode ending that day has ended; one with
  no end date is open). It counts episodes that started before the period too, as DfE's
  "missing at 31 March" does. ``away_at_end`` likewise for Away episodes.
* Return home interviews (``rhi_offered``, ``rhi_accepted``) are counted per Missing episode
  starting in the period: the statutory guidance on children who run away or go missing from
  home or care (DfE 2014) requires the offer when a child who went missing is found, not
  after an Away episode (whereabouts known) or a police Absent episode (no apparent risk).
  So the rate of offers is ``rhi_offered / missing_episodes``. A blank RHI field on an episode
  counts as no recorded offer. Where the extract has no RHI field at all (an SSDA903 table)
  both are None.
* Looked-after (SSDA903) and from-home (police) episodes are different populations. Every
  measure above is also given for each population, by the episode's ``looked_after`` flag:
  ``looked_after_<measure>`` and ``not_looked_after_<measure>`` (see :data:`MEASURES`), plus
  ``looked_after_status_not_recorded_episodes`` (episodes whose flag is blank). A child counts
  in a population's children when they had a Missing episode in that population, so a child
  who came into care during the year can count in both and the two do not add up to
  ``children``. Where the extract does not say which population an episode belongs to (no
  looked-after field) the split keys are None; an SSDA903 table without the field is of
  looked-after children only, so its ``not_looked_after_*`` keys are None.

All counts are numbers of episodes or of distinct children (by the loader's ``child_key``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..periods import Period, financial_year, in_period, period_labels
from . import child_codes

TYPES = ("Missing", "Away", "Absent")
LOOKED_AFTER, NOT_LOOKED_AFTER, NOT_RECORDED = "Looked after", "Not looked after", "Not recorded"
POPULATIONS = (LOOKED_AFTER, NOT_LOOKED_AFTER, NOT_RECORDED)
#: Key prefix of each population in the figures block.
PREFIXES = {LOOKED_AFTER: "looked_after_", NOT_LOOKED_AFTER: "not_looked_after_"}

#: The measures of the contract's ``missing`` block, in order; each is also given per
#: population with a prefix from :data:`PREFIXES`.
MEASURES = (
    "episodes", "missing_episodes", "away_episodes", "absent_episodes",
    "children", "children_repeat", "children_away", "children_away_repeat", "children_absent",
    "missing_at_end", "away_at_end", "rhi_offered", "rhi_accepted",
)
_RHI = ("rhi_offered", "rhi_accepted")


def episodes_in(missing: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Episodes (all types) whose start date falls in the period."""
    return missing.loc[in_period(missing["start_date"], period)].reset_index(drop=True)


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A Y/N column as a plain bool array: blank (not recorded) is False."""
    return frame[column].fillna(False).astype(bool).to_numpy()


def _is_type(frame: pd.DataFrame, kind: str) -> np.ndarray:
    return frame["missing_type"].astype(object).to_numpy() == kind


def _held(missing: pd.DataFrame, field: str, columns_present: set[str] | None) -> bool:
    """Whether the extract holds ``field``: named in ``columns_present`` when given; else
    inferred (a field the file lacks is blank on every row; an empty frame contradicts
    nothing, so its counts are zeros)."""
    if columns_present is not None:
        return field in columns_present
    return len(missing) == 0 or bool(missing[field].notna().any())


def looked_after_group(episodes: pd.DataFrame) -> np.ndarray:
    """"Looked after", "Not looked after" or "Not recorded" for each episode."""
    flag = episodes["looked_after"]
    return np.where(flag.fillna(False).astype(bool), LOOKED_AFTER,
                    np.where(flag.isna(), NOT_RECORDED, NOT_LOOKED_AFTER))


def open_at(missing: pd.DataFrame, day) -> pd.DataFrame:
    """Episodes open at the end of ``day``: started on or before it and not ended by it (an
    episode that ends on ``day`` has ended; one with no end date is open)."""
    d = np.datetime64(pd.Timestamp(day).date(), "D")
    s = missing["start_date"].to_numpy().astype("datetime64[D]")
    e = missing["end_date"].to_numpy().astype("datetime64[D]")
    return missing.loc[(s <= d) & (np.isnat(e) | (e > d))].reset_index(drop=True)


def _distinct(codes: np.ndarray, mask: np.ndarray) -> int:
    return int(np.unique(codes[mask]).size)


def _repeat(codes: np.ndarray, mask: np.ndarray) -> int:
    counts = np.unique(codes[mask], return_counts=True)[1]
    return int((counts >= 2).sum())


def _measures(ep: pd.DataFrame, at_end: pd.DataFrame, rhi_held: bool) -> dict:
    """Every measure of :data:`MEASURES` for episodes starting in the period (``ep``) and
    episodes open at its last day (``at_end``)."""
    codes = child_codes(ep)
    m, a, b = (_is_type(ep, t) for t in TYPES)
    end_codes = child_codes(at_end)
    out = {
        "episodes": len(ep),
        "missing_episodes": int(m.sum()),
        "away_episodes": int(a.sum()),
        "absent_episodes": int(b.sum()),
        "children": _distinct(codes, m),
        "children_repeat": _repeat(codes, m),
        "children_away": _distinct(codes, a),
        "children_away_repeat": _repeat(codes, a),
        "children_absent": _distinct(codes, b),
        "missing_at_end": _distinct(end_codes, _is_type(at_end, "Missing")),
        "away_at_end": _distinct(end_codes, _is_type(at_end, "Away")),
    }
    for key in _RHI:
        out[key] = int((_flag(ep, key) & m).sum()) if rhi_held else None
    return out


def _populations_held(missing: pd.DataFrame, columns_present: set[str] | None) -> set[str]:
    """The populations the extract can count. The looked-after field supplied by the file:
    both. Absent from the file but filled by the loader (an SSDA903 table covers looked-after
    children only): looked after. Otherwise: neither."""
    if _held(missing, "looked_after", columns_present):
        return {LOOKED_AFTER, NOT_LOOKED_AFTER}
    if columns_present is not None and len(missing) and bool(missing["looked_after"].notna().any()):
        return {LOOKED_AFTER}
    return set()


def _split(missing: pd.DataFrame, period: Period,
           columns_present: set[str] | None) -> dict[str, dict | None]:
    """Measures for "All" and for each population (None where the extract cannot say)."""
    rhi_held = all(_held(missing, f, columns_present) for f in _RHI)
    ep = episodes_in(missing, period)
    at_end = open_at(missing, period.end)
    out: dict[str, dict | None] = {"All": _measures(ep, at_end, rhi_held)}
    held = _populations_held(missing, columns_present)
    ep_group, end_group = looked_after_group(ep), looked_after_group(at_end)
    for population in POPULATIONS:
        if population == NOT_RECORDED and not held:
            out[population] = None
        elif population != NOT_RECORDED and population not in held:
            out[population] = None
        else:
            out[population] = _measures(ep.loc[ep_group == population],
                                        at_end.loc[end_group == population], rhi_held)
    return out


def missing_figures(missing: pd.DataFrame, period: Period,
                    columns_present: set[str] | None = None) -> dict:
    """The contract's ``missing`` block for the period (counts; None where not held).

    ``columns_present`` names the fields the file supplied (the loader's ``columns_used``);
    without it, a field blank on every row is taken as not held. Keys: every name in
    :data:`MEASURES`; the same with ``looked_after_`` and ``not_looked_after_`` in front;
    ``looked_after_status_not_recorded_episodes``; and, kept for existing callers,
    ``looked_after_episodes`` (the same as the prefixed key).
    """
    split = _split(missing, period, columns_present)
    out = dict(split["All"])
    for population, prefix in PREFIXES.items():
        values = split[population]
        for key in MEASURES:
            out[prefix + key] = None if values is None else values[key]
    unknown = split[NOT_RECORDED]
    out["looked_after_status_not_recorded_episodes"] = (
        None if unknown is None else unknown["episodes"])
    return out


def figures_by_population(missing: pd.DataFrame, period: Period,
                          columns_present: set[str] | None = None) -> pd.DataFrame:
    """The measures of :func:`missing_figures` as a tidy table.

    Columns: ``population`` ("All", "Looked after", "Not looked after", "Not recorded"),
    ``measure`` (a name in :data:`MEASURES`), ``value`` (nullable integer: missing where the
    extract cannot give the figure). One row per population and measure, in that order.
    """
    split = _split(missing, period, columns_present)
    rows = [{"population": population, "measure": key,
             "value": None if values is None else values[key]}
            for population, values in split.items() for key in MEASURES]
    out = pd.DataFrame(rows, columns=["population", "measure", "value"])
    out["value"] = out["value"].astype("Int64")
    return out


_COUNT_COLUMNS = ["episodes", "missing_episodes", "away_episodes", "absent_episodes",
                  "children", "children_away", "children_absent"]


def _per_group(df: pd.DataFrame, group: np.ndarray) -> pd.DataFrame:
    """Counts per value of ``group`` (one per episode): episodes by type and distinct
    children with a Missing / Away / Absent episode."""
    codes = child_codes(df)
    types = {t: _is_type(df, t) for t in TYPES}
    base = pd.DataFrame({"group": group, "child": codes,
                         **{t: types[t].astype(np.int64) for t in TYPES}})
    out = base.groupby("group", sort=True).agg(
        episodes=("child", "size"), missing_episodes=("Missing", "sum"),
        away_episodes=("Away", "sum"), absent_episodes=("Absent", "sum"))
    for kind, col in (("Missing", "children"), ("Away", "children_away"),
                      ("Absent", "children_absent")):
        sub = base.loc[types[kind]]
        out[col] = sub.groupby("group")["child"].nunique()
    return out.fillna(0).astype(np.int64)


def monthly_counts(missing: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """Episodes and children by calendar month of the episode's start date.

    Columns: ``month`` (Timestamp, first day of the month), ``episodes`` (all types),
    ``missing_episodes``, ``away_episodes``, ``absent_episodes``, ``children`` (distinct
    children with a Missing episode starting in the month: the trend and target count),
    ``children_away``, ``children_absent``. Every month from ``start`` to ``end`` is a row
    (0 where none), even for an empty frame, so a caller tells "no episodes" from "no data"
    by the extract's coverage. Without ``start`` / ``end`` the first / last month held is
    used; an empty frame with neither gives no rows.
    """
    month = pd.to_datetime(missing["start_date"]).dt.to_period("M")
    grouped = _per_group(missing, month.to_numpy()) if len(missing) else None
    lo = pd.Period(start, "M") if start is not None else None
    hi = pd.Period(end, "M") if end is not None else None
    if grouped is not None:
        lo = lo if lo is not None else grouped.index.min()
        hi = hi if hi is not None else grouped.index.max()
    lo, hi = (lo if lo is not None else hi), (hi if hi is not None else lo)
    if lo is None:
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"),
                             **{c: pd.Series(dtype=np.int64) for c in _COUNT_COLUMNS}})
    full = pd.period_range(lo, hi, freq="M")
    if grouped is None:
        grouped = pd.DataFrame(0, index=full, columns=_COUNT_COLUMNS, dtype=np.int64)
    out = grouped.reindex(full, fill_value=0)[_COUNT_COLUMNS].astype(np.int64)
    out = out.rename_axis("month").reset_index()
    out["month"] = out["month"].dt.to_timestamp()
    return out


def children_by_year(missing: pd.DataFrame, years: Iterable[str] | None = None) -> pd.DataFrame:
    """Per financial year of the start date: ``year`` ("2016-17"), ``episodes`` (all types),
    ``missing_episodes``, ``away_episodes``, ``absent_episodes``, ``children`` (with a Missing
    episode), ``children_repeat`` (2 or more Missing episodes), ``children_away``,
    ``children_absent`` and ``missing_at_end`` (children on a Missing episode open at 31
    March of the year).

    One row per year held, or exactly ``years`` when given (zeros for a year with none).
    """
    labels = period_labels(missing["start_date"]).to_numpy(dtype=object)
    counts = _per_group(missing, labels)
    wanted = list(years) if years is not None else sorted(counts.index)
    codes = child_codes(missing)
    is_missing = _is_type(missing, "Missing")
    rows = []
    for year in wanted:
        base = (counts.loc[year].to_dict() if year in counts.index
                else dict.fromkeys(_COUNT_COLUMNS, 0))
        at_end = open_at(missing.loc[is_missing], financial_year(year).end)
        rows.append({"year": year, **base,
                     "children_repeat": _repeat(codes, (labels == year) & is_missing),
                     "missing_at_end": int(np.unique(child_codes(at_end)).size)})
    cols = [*_COUNT_COLUMNS[:5], "children_repeat", *_COUNT_COLUMNS[5:], "missing_at_end"]
    out = pd.DataFrame(rows, columns=["year", *cols])
    out[cols] = out[cols].astype(np.int64)
    return out


def rhi_rates(missing: pd.DataFrame, period: Period,
              columns_present: set[str] | None = None) -> pd.DataFrame:
    """Return home interviews per Missing episode starting in the period, by looked-after
    status. Columns: ``group``, ``missing_episodes``, ``rhi_offered``, ``rhi_accepted``
    (nullable integers: missing where the extract has no RHI field)."""
    ep = episodes_in(missing, period)
    ep = ep.loc[_is_type(ep, "Missing")]
    held = all(_held(missing, f, columns_present) for f in _RHI)
    grouped = ep.assign(group=looked_after_group(ep), offered=_flag(ep, "rhi_offered"),
                        accepted=_flag(ep, "rhi_accepted")).groupby("group", as_index=False)
    out = grouped.agg(missing_episodes=("offered", "size"), rhi_offered=("offered", "sum"),
                      rhi_accepted=("accepted", "sum"))
    for c in ("missing_episodes", *_RHI):
        out[c] = out[c].astype("Int64")
    if not held:
        out[list(_RHI)] = pd.NA
    return out
