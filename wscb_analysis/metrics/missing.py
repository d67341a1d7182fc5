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
  counts as no recorded offer. Each is None where the extract lacks its field (an SSDA903
  table has neither).
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

from ..periods import Period, financial_year, in_period
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


def _measures(ep: pd.DataFrame, at_end: pd.DataFrame, rhi_held: set[str]) -> dict:
    """Every measure of :data:`MEASURES` for episodes starting in the period (``ep``) and
    episodes open at its last day (``at_end``); an RHI field not in ``rhi_held`` is None."""
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
        out[key] = int((_flag(ep, key) & m).sum()) if key in rhi_held else None
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
    rhi_held = {f for f in _RHI if _held(missing, f, columns_present)}
    ep = episodes_in(missing, period)
    at_end = open_at(missing, period.end)
    out: dict[str, dict | None] = {"All": _measures(ep, at_end, rhi_held)}
    held = _populations_held(missing, columns_present)
    # Blank flags can be counted wherever the field is: they are what the page must caveat.
    countable = held | {NOT_RECORDED} if held else set()
    ep_group, end_group = looked_after_group(ep), looked_after_group(at_end)
    for population in POPULATIONS:
        out[population] = (_measures(ep.loc[ep_group == population],
                                     at_end.loc[end_group == population], rhi_held)
                           if population in countable else None)
    return out


def missing_figures(missing: pd.DataFrame, period: Period,
                    columns_present: set[str] | None = None) -> dict:
    """The contract's ``missing`` block for the period (counts; None where not held).

    ``columns_present`` names the fields the file supplied (the loader's ``columns_used``);
    without it, a field blank on every row is taken as not held. Keys: every name in
    :data:`MEASURES`; the same with ``looked_after_`` and ``not_looked_after_`` in front;
    and ``looked_after_status_not_recorded_episodes`` (episodes with the flag blank).
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
    """Counts per value of the integer key ``group`` (one per episode), indexed by the keys
    held in order: episodes (all types and by type), distinct children with a Missing / Away
    / Absent episode, and ``children_repeat`` (2 or more Missing episodes). Plain numpy
    counting: several times faster than a pandas groupby at national volumes."""
    keys, g = np.unique(group, return_inverse=True)
    n_groups = len(keys)
    child = child_codes(df).astype(np.int64)
    width = int(child.max()) + 1 if len(child) else 1
    types = {t: _is_type(df, t) for t in TYPES}
    out = {"episodes": np.bincount(g, minlength=n_groups)}
    for t, col in zip(TYPES, ("missing_episodes", "away_episodes", "absent_episodes"),
                      strict=True):
        out[col] = np.bincount(g[types[t]], minlength=n_groups)
    for t, col in zip(TYPES, ("children", "children_away", "children_absent"), strict=True):
        # One (group, child) pair per child and group: count the distinct pairs per group.
        pairs, per_pair = np.unique(g[types[t]] * width + child[types[t]], return_counts=True)
        out[col] = np.bincount(pairs // width, minlength=n_groups)
        if t == "Missing":
            out["children_repeat"] = np.bincount(pairs // width, weights=per_pair >= 2,
                                                 minlength=n_groups).astype(np.int64)
    return pd.DataFrame(out, index=keys).astype(np.int64)


def _months(dates: pd.Series) -> np.ndarray:
    """Months since January 1970 of each date (numpy's ``datetime64[M]`` as integers)."""
    return dates.to_numpy().astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


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
    grouped = _per_group(missing, _months(missing["start_date"]))
    as_month = {k: int(np.datetime64(pd.Period(v, "M").start_time.date(), "M").astype(np.int64))
                for k, v in (("lo", start), ("hi", end)) if v is not None}
    if len(grouped):
        as_month.setdefault("lo", int(grouped.index.min()))
        as_month.setdefault("hi", int(grouped.index.max()))
    lo = as_month.get("lo", as_month.get("hi"))
    hi = as_month.get("hi", lo)
    months = np.arange(lo, hi + 1) if lo is not None else np.array([], dtype=np.int64)
    out = grouped.reindex(months, fill_value=0)[_COUNT_COLUMNS].astype(np.int64)
    out.insert(0, "month", pd.to_datetime(months.astype("datetime64[M]")).astype(
        "datetime64[ns]"))
    return out.reset_index(drop=True)


def children_by_year(missing: pd.DataFrame, years: Iterable[str] | None = None) -> pd.DataFrame:
    """Per financial year of the start date: ``year`` ("2016-17"), ``episodes`` (all types),
    ``missing_episodes``, ``away_episodes``, ``absent_episodes``, ``children`` (with a Missing
    episode), ``children_repeat`` (2 or more Missing episodes), ``children_away``,
    ``children_absent`` and ``missing_at_end`` (children on a Missing episode open at 31
    March of the year).

    One row per year held, or exactly ``years`` when given (zeros for a year with none).
    """
    month = _months(missing["start_date"])
    first_year = 1970 + (month - 3) // 12  # April 1970 is month 3: 1970-71 starts then
    counts = _per_group(missing, first_year)
    counts.index = [_year_label(int(y)) for y in counts.index]
    wanted = list(years) if years is not None else list(counts.index)
    cols = [*_COUNT_COLUMNS[:5], "children_repeat", *_COUNT_COLUMNS[5:], "missing_at_end"]
    out = counts.reindex(wanted, fill_value=0)
    only_missing = missing.loc[_is_type(missing, "Missing")]
    out["missing_at_end"] = [
        int(np.unique(child_codes(open_at(only_missing, financial_year(y).end))).size)
        for y in wanted]
    out = out[cols].astype(np.int64).rename_axis("year").reset_index()
    return out


def _year_label(first: int) -> str:
    return f"{first}-{(first + 1) % 100:02d}"


def rhi_rates(missing: pd.DataFrame, period: Period,
              columns_present: set[str] | None = None) -> pd.DataFrame:
    """Return home interviews per Missing episode starting in the period, by looked-after
    status. Columns: ``group``, ``missing_episodes``, ``rhi_offered``, ``rhi_accepted``
    (nullable integers: missing where the extract has no RHI field)."""
    ep = episodes_in(missing, period)
    ep = ep.loc[_is_type(ep, "Missing")]
    grouped = ep.assign(group=looked_after_group(ep), offered=_flag(ep, "rhi_offered"),
                        accepted=_flag(ep, "rhi_accepted")).groupby("group", as_index=False)
    out = grouped.agg(missing_episodes=("offered", "size"), rhi_offered=("offered", "sum"),
                      rhi_accepted=("accepted", "sum"))
    for c in ("missing_episodes", *_RHI):
        out[c] = out[c].astype("Int64")
    for c in _RHI:
        if not _held(missing, c, columns_present):
            out[c] = pd.NA
    return out
