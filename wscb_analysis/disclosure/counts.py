"""Every count a pack may publish, with every sum between them, disclosed once.

:func:`build_plan` counts, from the extract, each figure the pages, tiles, sentences and
figures.json can show for a period (and the months, quarters and years before it that charts
and comparisons use), records which figures add up to which, and suppresses them jointly
(:mod:`wscb_analysis.disclosure.plan`). Pages read their counts from the plan, so a figure is
hidden or shown the same way everywhere and no hidden one can be recovered by subtraction.

Measures (keys ``measure|period|dim=value``; periods are months "Oct 2016", quarters
"2016-17 Q3" or years "2016-17"):

* referrals: ``referrals``, ``rereferrals`` (DfE C1, referral level); ``referrals_nfa`` and
  ``referrals_nfa_known``; ``ethnicity_not_recorded``, ``first_language_not_recorded``,
  ``religion_not_recorded``; ``referrals_bme``, ``referrals_ethnicity_known`` and the distinct
  children of each (``children_bme``, ``children_ethnicity_known``); by ``district``
  and ``referral_source`` in the period; ``children_referred``, ``children_rereferred``
  (distinct children);
* child protection plans: ``plans_started`` (by ``category`` x ``plan`` number in the period),
  ``plans_second_or_subsequent``, ``plans_third_or_later``, ``plans_second_within_2_years``,
  ``plans_previous_end_known``, ``plans_ended`` (by ``band`` and ``district``),
  ``plans_ended_2_years_plus`` (by ``district``), ``plans_open_at_end``,
  ``plans_open_2_years_plus`` (at the period's last day);
* missing: ``episodes`` (by ``population`` x ``type``), ``missing_children`` (children with a
  Missing episode; by ``district`` and ``population``), ``missing_children_repeat``,
  ``missing_children_away``, ``missing_children_absent``, ``missing_at_end``,
  ``rhi_offered``, ``rhi_accepted`` (by ``population``);
* early help: ``assessments`` (by ``organisation``), ``assessments_early_years``,
  ``lead_professional_same``, ``lead_professional_recorded``.

Counts of distinct children do not add up exactly (a child can fall in two districts): their
sums get the "never one hidden cell" rule only. Beside the sums, the plan holds the bounds an
attacker knows from the definitions (interviews offered within Missing episodes, each
group's children within all children, ...: :mod:`.bounds`), and no hidden
figure is left pinned by sums and bounds together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..coverage import extract_coverage
from ..io.schemas import (
    ETHNICITY_KNOWN,
    ETHNICITY_NOT_RECORDED,
    WHITE_BRITISH,
    referral_source_group,
)
from ..metrics import cp_plans as cp
from ..metrics import early_help as eh
from ..metrics import referrals as rf
from ..periods import (
    Period,
    PeriodError,
    financial_year,
    grain,
    label_children,
    label_period,
    month_label,
    period_labels,
)
from .bounds import add_bounds, add_distinct_groups, add_ties, add_time_sums
from .figures_json import seed_plan
from .measures import NOT_RECORDED, PLAN_NUMBERS, POPULATIONS, TYPES, make_key
from .plan import PackPlan, PlanBuilder, Published


@dataclass(frozen=True)
class Grains:
    """The months, quarters and years a plan holds for a source: from the source's first
    month to the period's last day; quarters and years only when they end by then."""

    months: tuple[str, ...]
    quarters: tuple[str, ...]
    years: tuple[str, ...]


def grains_for(first: pd.Timestamp | None, period: Period,
               scope: Iterable[str] = ()) -> Grains:
    """The months, quarters and years from ``first`` to the end of ``period``, or of the
    latest period of ``scope`` (a pack planned against later packs already published)."""
    last = max([period.end, *(label_period(label).end for label in scope)])
    if first is None or pd.Timestamp(first) > pd.Timestamp(last):
        return Grains((), (), ())
    months = pd.period_range(pd.Timestamp(first).to_period("M"),
                             pd.Timestamp(last).to_period("M"), freq="M")
    month_labels = tuple(month_label(m.start_time.date()) for m in months)
    starts = months.to_timestamp()
    quarter_of = period_labels(pd.Series(starts), "quarter").tolist()
    year_of = period_labels(pd.Series(starts), "year").tolist()
    end = pd.Timestamp(last)
    quarters = tuple(dict.fromkeys(q for q in quarter_of
                                   if pd.Timestamp(label_period(q).end) <= end))
    years = tuple(dict.fromkeys(y for y in year_of
                                if pd.Timestamp(financial_year(y).end) <= end))
    return Grains(month_labels, quarters, years)


def _labels(dates: pd.Series) -> dict[str, np.ndarray]:
    """Month ("Oct 2016"), quarter ("2016-17 Q3") and year ("2016-17") label of each date:
    each distinct month is formatted once (an extract holds a few hundred months at most)."""
    d = pd.Series(pd.to_datetime(dates)).to_numpy().astype("datetime64[M]")
    codes, months = pd.factorize(d)
    ts = pd.DatetimeIndex(months)
    month = np.array([month_label(m.date()) for m in ts] + [None], dtype=object)
    quarter = np.array(period_labels(pd.Series(ts), "quarter").tolist() + [None], dtype=object)
    year = np.array(period_labels(pd.Series(ts), "year").tolist() + [None], dtype=object)
    # factorize gives -1 for NaT: the last entry (None) of each lookup.
    return {"month": month[codes], "quarter": quarter[codes], "year": year[codes]}


def _group(values: pd.Series) -> np.ndarray:
    text = values.astype("string").str.strip()
    return text.where(text.notna() & (text != ""), NOT_RECORDED).to_numpy(dtype=object)


class _Counter:
    """Counts one source's records into the builder."""

    def __init__(self, b: PlanBuilder, grains: Grains, period: Period, labels: dict,
                 scope: Iterable[str], child: np.ndarray | None = None) -> None:
        self.b, self.g, self.period, self.labels, self.child = b, grains, period, labels, child
        self.scope = held_scope(scope, grains)
        # Records of any period a breakdown is planned for: its groups are listed in every
        # one of them (0 where none), so each period's breakdown has the same groups and the
        # quarters' add up to the year's, group by group.
        self.scope_rows = np.zeros(len(next(iter(labels.values()))), bool)
        for label in self.scope:
            self.scope_rows |= self.in_period(label)

    def _value(self, mask: np.ndarray, distinct: bool) -> int:
        if distinct:
            return int(len(np.unique(self.child[mask]))) if mask.any() else 0
        return int(mask.sum())

    def _counts(self, mask: np.ndarray, *keys: np.ndarray, distinct: bool = False) -> dict:
        """Count of records (or distinct children) under ``mask`` for each combination of
        ``keys`` values, in one pass (a dict keyed by the value, or tuple of values)."""
        if not mask.any():
            return {}
        frame = pd.DataFrame({f"k{i}": k[mask] for i, k in enumerate(keys)})
        cols = list(frame.columns)
        if distinct:
            frame["child"] = self.child[mask]
            frame = frame.drop_duplicates()
        counts = frame.groupby(cols, dropna=False, sort=False).size()
        return counts.to_dict()

    def time(self, measure: str, flag: np.ndarray, *, months: bool = False,
             distinct: bool = False) -> None:
        """Cells for every quarter and year held (and month, when asked), with the sums of
        months to quarters and quarters to years (exact unless distinct)."""
        exact = not distinct
        if months:
            per_month = self._counts(flag, self.labels["month"], distinct=distinct)
            for m in self.g.months:
                self.b.cell(make_key(measure, m), int(per_month.get(m, 0)))
        per_quarter = self._counts(flag, self.labels["quarter"], distinct=distinct)
        for q in self.g.quarters:
            self.b.cell(make_key(measure, q), int(per_quarter.get(q, 0)))
            if months and not distinct:
                ms = label_children(q)
                if all(m in self.g.months for m in ms):
                    self.b.total(make_key(measure, q), [make_key(measure, m) for m in ms], exact)
        per_year = self._counts(flag, self.labels["year"], distinct=distinct)
        for y in self.g.years:
            self.b.cell(make_key(measure, y), int(per_year.get(y, 0)))
            qs = [f"{y} Q{i}" for i in range(1, 5)]
            if not distinct and all(q in self.g.quarters for q in qs):
                self.b.total(make_key(measure, y), [make_key(measure, q) for q in qs], exact)

    def in_period(self, label: str) -> np.ndarray:
        grain = "quarter" if " Q" in label else "year"
        key = (grain, label)
        cache = self.__dict__.setdefault("_periods", {})
        if key not in cache:
            cache[key] = self.labels[grain] == label
        return cache[key]

    def total(self, measure: str, flag: np.ndarray, label: str, distinct: bool = False) -> str:
        key = make_key(measure, label)
        self.b.cell(key, self._value(flag & self.in_period(label), distinct))
        return key

    def by(self, measure: str, flag: np.ndarray, label: str, dims: dict[str, np.ndarray],
           groups: dict[str, tuple] | None = None, distinct: bool = False) -> None:
        """Cells by one dimension, or a two-way table by two, in period ``label``, with their
        sums to the period's total (and, two-way, to each dimension's totals)."""
        exact = not distinct
        period_rows = self.in_period(label)
        inside = flag & period_rows
        total = self.total(measure, flag, label, distinct)
        names = list(dims)
        # Every group with a record in any period of the scope, whatever the flag: a
        # breakdown lists them all (0 where none), so each measure's breakdown has the same
        # rows in every period.
        rows = self.scope_rows | period_rows
        levels = {d: tuple(dict.fromkeys([*(groups or {}).get(d, ()),
                                          *sorted(set(dims[d][rows]), key=str)]))
                  for d in names}
        one = {}
        for d in names:
            counts = self._counts(inside, dims[d], distinct=distinct)
            keys = []
            for g in levels[d]:
                k = make_key(measure, label, {d: g})
                self.b.cell(k, int(counts.get(g, 0)))
                keys.append(k)
            one[d] = keys
            self.b.total(total, keys, exact)
        if len(names) == 2:
            a, c = names
            pairs = self._counts(inside, dims[a], dims[c], distinct=distinct)
            for ga, ka in zip(levels[a], one[a], strict=True):
                row = []
                for gc in levels[c]:
                    k = make_key(measure, label, {a: ga, c: gc})
                    self.b.cell(k, int(pairs.get((ga, gc), 0)))
                    row.append(k)
                self.b.total(ka, row, exact)
            for gc, kc in zip(levels[c], one[c], strict=True):
                col = [make_key(measure, label, {a: ga, c: gc}) for ga in levels[a]]
                self.b.total(kc, col, exact)


def plan_periods(period: Period, published: Iterable[str] = ()) -> list[str]:
    """The periods whose breakdowns a pack's plan holds: the period and the one before it
    (tiles and change sentences compare the two), and the quarters and years of their
    financial years that packs already ``published`` (in the archive) hold, later ones too,
    so the new pack is planned with the figures it adds up with. Where the plan holds a year
    and any of its quarters, it holds all four (the last is the year less the other three,
    whether or not a pack has printed it yet)."""
    years = {period.year_label, period.previous().year_label}
    out = list(own_periods(period))
    for label in published:
        try:
            if grain(label) == "month":
                continue
            p = label_period(label)
        except PeriodError:
            continue
        if p.year_label in years and label not in out:
            out.append(label)
    for year in sorted(years):
        quarters = label_children(year)
        if year in out and any(q in out for q in quarters):
            out += [q for q in quarters if q not in out]
    return out


def own_periods(period: Period) -> tuple[str, str]:
    """The periods a pack prints breakdowns of: its own and the one before it."""
    return period.label, period.previous().label


def held_scope(scope: Iterable[str], grains: Grains) -> list[str]:
    """The periods of ``scope`` (:func:`plan_periods`) that a source holds (its grains)."""
    held = set(grains.quarters) | set(grains.years)
    return [label for label in scope if label in held]


# --------------------------------------------------------------------------- sources


def _referrals(b: PlanBuilder, extract, period: Period, cov, profile, scope: list[str]) -> None:
    ref = extract["referrals"]
    if not cov.supplied or len(ref) == 0:
        return
    flagged = rf.flag_rereferrals(ref)
    labels = _labels(flagged["referral_date"])
    g = grains_for(pd.Timestamp(cov.first_date), period, scope)
    c = _Counter(b, g, period, labels, scope, child=flagged["child_id"].to_numpy(dtype=object))
    allr = np.ones(len(flagged), bool)
    rer = flagged["rereferral"].to_numpy(bool)
    c.time("referrals", allr, months=True)
    c.time("rereferrals", rer)
    eth = flagged["ethnicity"].fillna("").astype(str).str.strip().str.upper()
    nr = {"ethnicity_not_recorded": eth.isin(ETHNICITY_NOT_RECORDED).to_numpy(),
          "first_language_not_recorded":
              (flagged["first_language"].fillna("").astype(str).str.strip() == "").to_numpy(),
          "religion_not_recorded":
              (flagged["religion"].fillna("").astype(str).str.strip() == "").to_numpy()}
    for measure, flag in nr.items():
        field = measure.replace("_not_recorded", "")
        if cov.has(field):
            c.time(measure, flag)
    dims = {"district": _group(flagged["district"]),
            "referral_source": _group(flagged["referral_source"].map(referral_source_group))}
    groups = {"district": tuple(profile.district_names) if profile else ()}
    known = eth.isin(ETHNICITY_KNOWN).to_numpy()  # as metrics.diversity.bme_share
    nfa = flagged["nfa"]
    for label in scope:
        b.extending = label not in own_periods(period)
        if label not in g.quarters and label not in g.years:
            continue
        for dim, values in dims.items():
            if dim == "district" and not cov.has("district"):
                continue
            one = {dim: values}
            c.by("referrals", allr, label, one, groups)
            c.by("rereferrals", rer, label, one, groups)
            if dim == "referral_source":
                for measure, flag in nr.items():
                    if cov.has(measure.replace("_not_recorded", "")):
                        c.by(measure, flag, label, one)
        if cov.has("nfa"):
            c.total("referrals_nfa", nfa.fillna(False).to_numpy(bool), label)
            c.total("referrals_nfa_known", nfa.notna().to_numpy(), label)
        if cov.has("ethnicity"):
            bme = known & ~eth.isin(WHITE_BRITISH).to_numpy()
            c.total("referrals_ethnicity_known", known, label)
            c.total("referrals_bme", bme, label)
            # Children, not referrals (a child referred twice is one child): page 06 sets
            # them against the school population, which counts each pupil once.
            c.total("children_ethnicity_known", known, label, distinct=True)
            c.total("children_bme", bme, label, distinct=True)
        c.total("children_referred", allr, label, distinct=True)
        c.total("children_rereferred", rer, label, distinct=True)
        if cov.has("referrals_last_12_months"):
            rec = rf.recorded_rereferrals(ref, label_period(label),
                                          columns_present={"referrals_last_12_months"})
            b.cell(make_key("rereferrals_recorded", label), rec["rereferrals"])
            b.cell(make_key("referrals_recorded_known", label), rec["recorded"])


def _cp_plans(b: PlanBuilder, extract, period: Period, cov, profile, scope: list[str]) -> None:
    plans = extract["cp_plans"]
    if not cov.supplied or len(plans) == 0:
        return
    g = grains_for(pd.Timestamp(cov.first_date), period, scope)
    hist = cp.plan_history(plans)
    labels = _labels(hist["start_date"])
    c = _Counter(b, g, period, labels, scope)
    allp = np.ones(len(hist), bool)
    number = np.select([hist["plan_number"] == 1, hist["plan_number"] == 2],
                       ["First", "Second"], default="Third or later").astype(object)
    c.time("plans_started", allp)
    c.time("plans_second_or_subsequent", hist["subsequent"].to_numpy(bool))
    category = _group(hist["initial_category"])
    known_end = (~hist["previous_end"].isna()).to_numpy() & hist["subsequent"].to_numpy(bool)
    for label in scope:
        b.extending = label not in own_periods(period)
        if label not in g.quarters and label not in g.years:
            continue
        # Plans started by plan number (first, second, third or later) and, apart, by
        # category with the second-or-later plans of each category. A two-way table of
        # category by plan number would give each category's repeat plans as its total less
        # its first plans: small sums a board does not need, at the cost of hiding most of it.
        c.by("plans_started", allp, label, {"plan": number}, {"plan": PLAN_NUMBERS})
        c.by("plans_started", allp, label, {"category": category})
        c.by("plans_second_or_subsequent", hist["subsequent"].to_numpy(bool), label,
             {"category": category})
        c.total("plans_third_or_later", number == PLAN_NUMBERS[2], label)
        c.total("plans_second_within_2_years", hist["within_2_years"].to_numpy(bool), label)
        c.total("plans_previous_end_known", known_end, label)
    if not cov.has("end_date"):
        return
    ended = plans.loc[plans["end_date"].notna()].reset_index(drop=True)
    e_labels = _labels(ended["end_date"])
    ce = _Counter(b, g, period, e_labels, scope)
    alle = np.ones(len(ended), bool)
    band = cp.duration_band(ended["start_date"].to_numpy(), ended["end_date"].to_numpy())
    band = np.asarray(band, dtype=object)
    two = band == cp.DURATION_BANDS[-1]
    ce.time("plans_ended", alle)
    ce.time("plans_ended_2_years_plus", two)
    district = _group(ended["district"])
    for label in scope:
        b.extending = label not in own_periods(period)
        if label not in g.quarters and label not in g.years:
            continue
        ce.by("plans_ended", alle, label, {"band": band}, {"band": tuple(cp.DURATION_BANDS)})
        if cov.has("district"):
            ce.by("plans_ended", alle, label, {"district": district},
                  {"district": tuple(profile.district_names) if profile else ()})
            ce.by("plans_ended_2_years_plus", two, label, {"district": district},
                  {"district": tuple(profile.district_names) if profile else ()})
    # Plans open at the end of every quarter and year held (the scorecard charts them).
    b.extending = False  # open at each period's end: the charts of every period print them
    for label in dict.fromkeys([*scope, *g.quarters, *g.years]):
        p = label_period(label)
        if p.end > period.end or pd.Timestamp(p.end) < pd.Timestamp(cov.first_date):
            continue
        open_end = cp.plans_open_at(plans, p.end)
        b.cell(make_key("plans_open_at_end", label), len(open_end))
        b.cell(make_key("plans_open_2_years_plus", label),
               int(open_end["open_2_years_plus"].sum()))


def population_group(episodes: pd.DataFrame) -> np.ndarray:
    flag = episodes["looked_after"]
    return np.where(flag.fillna(False).astype(bool), POPULATIONS[0],
                    np.where(flag.isna(), POPULATIONS[2], POPULATIONS[1])).astype(object)


def _missing(b: PlanBuilder, extract, period: Period, cov, profile, scope: list[str]) -> None:
    ep = extract["missing"]
    if not cov.supplied or len(ep) == 0:
        return
    ep = ep.reset_index(drop=True)
    g = grains_for(pd.Timestamp(cov.first_date), period, scope)
    labels = _labels(ep["start_date"])
    c = _Counter(b, g, period, labels, scope, child=ep["child_id"].to_numpy(dtype=object))
    kind = ep["missing_type"].to_numpy(dtype=object)
    alle = np.ones(len(ep), bool)
    missing = kind == "Missing"
    population = population_group(ep)
    c.time("episodes", alle, months=True)
    c.time("missing_episodes", missing, months=True)
    for field in ("rhi_offered", "rhi_accepted"):
        if cov.has(field):  # each quarter too: the scorecard shows take-up by quarter
            c.time(field, ep[field].fillna(False).to_numpy(bool) & (kind == "Missing"))
    c.time("missing_children", missing, months=True, distinct=True)
    district = _group(ep["district"])
    # A looked-after field the file supplied splits every population; an SSDA903 table
    # without one is of looked-after children only (the loader flags every episode).
    full_split = "looked_after" in extract.sources["missing"].columns_used
    groups = {"population": POPULATIONS if full_split else (), "type": TYPES}
    for y in g.years:
        c.by("episodes", alle, y, {"population": population, "type": kind}, groups)
        if cov.has("looked_after"):
            c.by("missing_children", missing, y, {"population": population}, groups,
                 distinct=True)
    for label in scope:
        b.extending = label not in own_periods(period)
        if label not in g.quarters and label not in g.years:
            continue
        c.by("episodes", alle, label, {"population": population, "type": kind}, groups)
        if cov.has("looked_after"):
            c.by("missing_children", missing, label, {"population": population}, groups,
                 distinct=True)
        if cov.has("district"):
            c.by("missing_children", missing, label, {"district": district},
                 {"district": tuple(profile.district_names) if profile else ()},
                 distinct=True)
        for field in ("rhi_offered", "rhi_accepted"):
            if cov.has(field):
                # Per Missing episode (metrics.missing: the interview follows a Missing one).
                flag = ep[field].fillna(False).to_numpy(bool) & missing
                if cov.has("looked_after"):
                    c.by(field, flag, label, {"population": population}, groups)
                else:
                    c.total(field, flag, label)


def _early_help(b: PlanBuilder, extract, period: Period, cov, profile, scope: list[str]) -> None:
    ah = extract["early_help"]
    if not cov.supplied or len(ah) == 0:
        return
    ah = ah.reset_index(drop=True)
    g = grains_for(pd.Timestamp(cov.first_date), period, scope)
    labels = _labels(ah["assessment_start"])
    c = _Counter(b, g, period, labels, scope)
    alla = np.ones(len(ah), bool)
    c.time("assessments", alla)
    org = _group(ah["organisation"])
    early = eh.is_early_years(ah["organisation"]).to_numpy(bool)
    c.time("assessments_early_years", early)
    lead = ah["lead_professional_agency"]
    recorded = lead.notna().to_numpy()
    same = recorded & (lead.fillna("").astype(str).str.strip().str.lower()
                       == ah["organisation"].fillna("").astype(str).str.strip().str.lower()
                       ).to_numpy()
    labels_held = [*g.years] + [p for p in scope
                                if p in g.quarters and p not in g.years]
    for label in labels_held:
        b.extending = label not in g.years and label not in own_periods(period)
        c.by("assessments", alla, label, {"organisation": org})
        inside = c.in_period(label)
        early_orgs = sorted(set(org[early & inside]), key=str)
        b.total(make_key("assessments_early_years", label),
                [make_key("assessments", label, {"organisation": o}) for o in early_orgs])
        if cov.has("lead_professional_agency"):
            c.total("lead_professional_same", same, label)
            c.total("lead_professional_recorded", recorded, label)


def build_plan(extract, period: Period, profile=None, published: Published | None = None
               ) -> PackPlan:
    """The pack's disclosure plan for ``period`` (see the module docstring). ``published``:
    what packs already published show and hide (an archive's, :mod:`wscb_analysis.publish.
    archive`): a figure they hid stays hidden, one they showed is not hidden to protect
    another (a count from 1 to 5 now is hidden all the same), and the plan holds the periods
    they printed, so the new pack is planned with the figures it adds up with."""
    from ..figures import headline_figures

    cov = extract_coverage(extract)
    scope = plan_periods(period, published.periods() if published else ())
    b = PlanBuilder()
    for label in scope:
        b.extending = label not in own_periods(period)
        before = set(b.keys)
        seed_plan(b, headline_figures(extract, label_period(label)), label)
        if label == period.label:  # the figures.json headline of this pack
            b.headline = set(b.keys) - before
    for count in (_referrals, _cp_plans, _missing, _early_help):
        b.extending = False
        count(b, extract, period, cov[count.__name__[1:]], profile, scope)
    b.extending = False
    # What the definitions tie and bound, beside the sums counted above (bounds.py).
    add_ties(b)
    add_time_sums(b)
    add_distinct_groups(b)
    add_bounds(b)
    if published:
        return b.build(hidden=published.hidden, shown=published.shown)
    return b.build()


def cached_plan(extract, period: Period, profile=None, published: Published | None = None
                ) -> PackPlan:
    """:func:`build_plan`, saved in the processed folder (:mod:`wscb_analysis.cache`) and
    reused by every process that asks for the same extract (by its files' SHA-256), period,
    profile and published figures under the same rules: a publish plans once and each
    notebook's kernel reads the plan instead of planning again. The plan holds raw counts: it
    stays in the analyst's processed folder, never in a pack."""
    from .. import cache

    inputs = (period.label, tuple(sorted(extract.input_hashes().items())), profile,
              published.digest() if published else None)
    return cache.cached("plans", __name__, inputs,
                        lambda: build_plan(extract, period, profile, published),
                        accept=lambda v: isinstance(v, PackPlan))


__all__ = ["build_plan", "cached_plan", "grains_for", "plan_periods", "population_group"]
