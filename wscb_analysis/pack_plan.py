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
  ``religion_not_recorded``; ``referrals_bme``, ``referrals_ethnicity_known``; by ``district``
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
group's children within all children, ...: :mod:`wscb_analysis.plan_bounds`), and no hidden
figure is left pinned by sums and bounds together.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .coverage import extract_coverage
from .disclosure.plan import PackPlan, PlanBuilder, make_key
from .io.schemas import ETHNICITY_KNOWN, ETHNICITY_NOT_RECORDED, WHITE_BRITISH
from .metrics import cp_plans as cp
from .metrics import early_help as eh
from .metrics import referrals as rf
from .periods import Period, financial_year, period_labels
from .plan_bounds import plan_bounds

NOT_RECORDED = "Not recorded"
POPULATIONS = ("Looked after", "Not looked after", NOT_RECORDED)
TYPES = ("Missing", "Away", "Absent")
PLAN_NUMBERS = ("First", "Second", "Third or later")


@dataclass(frozen=True)
class Grains:
    """The months, quarters and years a plan holds for a source: from the source's first
    month to the period's last day; quarters and years only when they end by then."""

    months: tuple[str, ...]
    quarters: tuple[str, ...]
    years: tuple[str, ...]


def grains_for(first: pd.Timestamp | None, period: Period) -> Grains:
    if first is None or pd.Timestamp(first) > pd.Timestamp(period.end):
        return Grains((), (), ())
    months = pd.period_range(pd.Timestamp(first).to_period("M"),
                             pd.Timestamp(period.end).to_period("M"), freq="M")
    month_labels = tuple(m.strftime("%b %Y") for m in months)
    starts = months.to_timestamp()
    quarter_of = period_labels(pd.Series(starts), "quarter").tolist()
    year_of = period_labels(pd.Series(starts), "year").tolist()
    end = pd.Timestamp(period.end)
    quarters = tuple(dict.fromkeys(q for q in quarter_of
                                   if pd.Timestamp(_q_end(q)) <= end))
    years = tuple(dict.fromkeys(y for y in year_of
                                if pd.Timestamp(financial_year(y).end) <= end))
    return Grains(month_labels, quarters, years)


def _q_end(label: str):
    year, q = label.split(" ")
    return financial_year(year, q).end


def _labels(dates: pd.Series) -> dict[str, np.ndarray]:
    """Month ("Oct 2016"), quarter ("2016-17 Q3") and year ("2016-17") label of each date:
    each distinct month is formatted once (an extract holds a few hundred months at most)."""
    d = pd.Series(pd.to_datetime(dates)).to_numpy().astype("datetime64[M]")
    codes, months = pd.factorize(d)
    ts = pd.DatetimeIndex(months)
    month = np.array([m.strftime("%b %Y") for m in ts] + [None], dtype=object)
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
                 child: np.ndarray | None = None) -> None:
        self.b, self.g, self.period, self.labels, self.child = b, grains, period, labels, child

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
                ms = _months_of(q)
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
        # Every group with a record in the period, whatever the flag: a breakdown lists them
        # all (0 where none), so each measure's breakdown has the same rows.
        levels = {d: tuple(dict.fromkeys([*(groups or {}).get(d, ()),
                                          *sorted(set(dims[d][period_rows]), key=str)]))
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


def _months_of(quarter: str) -> list[str]:
    p = financial_year(*quarter.split(" "))
    return [m.strftime("%b %Y") for m in pd.period_range(p.start, p.end, freq="M")]


def plan_periods(period: Period) -> list[str]:
    """The period and the one before it (tiles and change sentences compare the two)."""
    return [period.label, period.previous().label]


# --------------------------------------------------------------------------- sources


def _referrals(b: PlanBuilder, extract, period: Period, cov, profile) -> None:
    ref = extract["referrals"]
    if not cov.supplied or len(ref) == 0:
        return
    flagged = rf.flag_rereferrals(ref)
    labels = _labels(flagged["referral_date"])
    g = grains_for(pd.Timestamp(cov.first_date), period)
    c = _Counter(b, g, period, labels, child=flagged["child_id"].to_numpy(dtype=object))
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
            "referral_source": _group(flagged["referral_source"])}
    groups = {"district": tuple(profile.district_names) if profile else ()}
    known = eth.isin(ETHNICITY_KNOWN).to_numpy()  # as metrics.diversity.bme_share
    nfa = flagged["nfa"]
    for label in plan_periods(period):
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
            c.total("referrals_ethnicity_known", known, label)
            c.total("referrals_bme", known & ~eth.isin(WHITE_BRITISH).to_numpy(), label)
        c.total("children_referred", allr, label, distinct=True)
        c.total("children_rereferred", rer, label, distinct=True)
        if cov.has("referrals_last_12_months"):
            rec = rf.recorded_rereferrals(ref, _period(label),
                                          columns_present={"referrals_last_12_months"})
            b.cell(make_key("rereferrals_recorded", label), rec["rereferrals"])
            b.cell(make_key("referrals_recorded_known", label), rec["recorded"])


def _cp_plans(b: PlanBuilder, extract, period: Period, cov, profile) -> None:
    plans = extract["cp_plans"]
    if not cov.supplied or len(plans) == 0:
        return
    g = grains_for(pd.Timestamp(cov.first_date), period)
    hist = cp.plan_history(plans)
    labels = _labels(hist["start_date"])
    c = _Counter(b, g, period, labels)
    allp = np.ones(len(hist), bool)
    number = np.select([hist["plan_number"] == 1, hist["plan_number"] == 2],
                       ["First", "Second"], default="Third or later").astype(object)
    c.time("plans_started", allp)
    c.time("plans_second_or_subsequent", hist["subsequent"].to_numpy(bool))
    category = _group(hist["initial_category"])
    known_end = (~hist["previous_end"].isna()).to_numpy() & hist["subsequent"].to_numpy(bool)
    for label in plan_periods(period):
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
        third = make_key("plans_third_or_later", label)
        b.cell(third, b.values[b.index[make_key("plans_started", label,
                                                {"plan": "Third or later"})]])
        b.total(third, [make_key("plans_started", label, {"plan": "Third or later"})])
        sos = make_key("plans_second_or_subsequent", label)
        b.total(sos, [make_key("plans_started", label, {"plan": p}) for p in PLAN_NUMBERS[1:]])
        c.total("plans_second_within_2_years", hist["within_2_years"].to_numpy(bool), label)
        c.total("plans_previous_end_known", known_end, label)
    if not cov.has("end_date"):
        return
    ended = plans.loc[plans["end_date"].notna()].reset_index(drop=True)
    e_labels = _labels(ended["end_date"])
    ce = _Counter(b, g, period, e_labels)
    alle = np.ones(len(ended), bool)
    band = cp.duration_band(ended["start_date"].to_numpy(), ended["end_date"].to_numpy())
    band = np.asarray(band, dtype=object)
    two = band == cp.DURATION_BANDS[-1]
    ce.time("plans_ended", alle)
    ce.time("plans_ended_2_years_plus", two)
    district = _group(ended["district"])
    for label in plan_periods(period):
        if label not in g.quarters and label not in g.years:
            continue
        ce.by("plans_ended", alle, label, {"band": band}, {"band": tuple(cp.DURATION_BANDS)})
        b.total(make_key("plans_ended_2_years_plus", label),
                [make_key("plans_ended", label, {"band": cp.DURATION_BANDS[-1]})])
        if cov.has("district"):
            ce.by("plans_ended", alle, label, {"district": district},
                  {"district": tuple(profile.district_names) if profile else ()})
            ce.by("plans_ended_2_years_plus", two, label, {"district": district},
                  {"district": tuple(profile.district_names) if profile else ()})
    # Plans open at the end of every quarter and year held (the scorecard charts them).
    for label in dict.fromkeys([*plan_periods(period), *g.quarters, *g.years]):
        p = _period(label)
        if p.end > period.end or pd.Timestamp(p.end) < pd.Timestamp(cov.first_date):
            continue
        open_end = cp.plans_open_at(plans, p.end)
        b.cell(make_key("plans_open_at_end", label), len(open_end))
        b.cell(make_key("plans_open_2_years_plus", label),
               int(open_end["open_2_years_plus"].sum()))


def _period(label: str) -> Period:
    return financial_year(*label.split(" ")) if " Q" in label else financial_year(label)


def population_group(episodes: pd.DataFrame) -> np.ndarray:
    flag = episodes["looked_after"]
    return np.where(flag.fillna(False).astype(bool), POPULATIONS[0],
                    np.where(flag.isna(), POPULATIONS[2], POPULATIONS[1])).astype(object)


def _missing(b: PlanBuilder, extract, period: Period, cov, profile) -> None:
    ep = extract["missing"]
    if not cov.supplied or len(ep) == 0:
        return
    ep = ep.reset_index(drop=True)
    g = grains_for(pd.Timestamp(cov.first_date), period)
    labels = _labels(ep["start_date"])
    c = _Counter(b, g, period, labels, child=ep["child_id"].to_numpy(dtype=object))
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
        b.total(make_key("missing_episodes", y), [make_key("episodes", y, {"type": "Missing"})])
        if cov.has("looked_after"):
            c.by("missing_children", missing, y, {"population": population}, groups,
                 distinct=True)
    for label in plan_periods(period):
        if label not in g.quarters and label not in g.years:
            continue
        c.by("episodes", alle, label, {"population": population, "type": kind}, groups)
        b.total(make_key("missing_episodes", label),
                [make_key("episodes", label, {"type": "Missing"})])
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
        # Each population's children against all children: close to a sum, not exact.
        for measure in _DISTINCT_MISSING:
            parts = [make_key(measure, label, {"population": g}) for g in POPULATIONS[:2]]
            total = make_key(measure, label)
            if b.has(total) and all(b.has(k) for k in parts):
                b.total(total, parts, exact=False)


def _early_help(b: PlanBuilder, extract, period: Period, cov, profile) -> None:
    ah = extract["early_help"]
    if not cov.supplied or len(ah) == 0:
        return
    ah = ah.reset_index(drop=True)
    g = grains_for(pd.Timestamp(cov.first_date), period)
    labels = _labels(ah["assessment_start"])
    c = _Counter(b, g, period, labels)
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
    labels_held = [*g.years] + [p for p in plan_periods(period)
                                if p in g.quarters and p not in g.years]
    for label in labels_held:
        c.by("assessments", alla, label, {"organisation": org})
        inside = c.in_period(label)
        early_orgs = sorted(set(org[early & inside]), key=str)
        b.total(make_key("assessments_early_years", label),
                [make_key("assessments", label, {"organisation": o}) for o in early_orgs])
        if cov.has("lead_professional_agency"):
            c.total("lead_professional_same", same, label)
            c.total("lead_professional_recorded", recorded, label)


#: The figures JSON's keys as plan figures: (block, key) -> (measure, dims).
FIGURE_KEYS: dict[tuple[str, str], tuple[str, dict]] = {
    ("referrals", "referrals"): ("referrals", {}),
    ("referrals", "rereferrals"): ("rereferrals", {}),
    ("cp_plans", "started"): ("plans_started", {}),
    ("cp_plans", "second_or_subsequent"): ("plans_second_or_subsequent", {}),
    ("cp_plans", "second_within_2_years"): ("plans_second_within_2_years", {}),
    ("cp_plans", "second_previous_end_known"): ("plans_previous_end_known", {}),
    ("cp_plans", "third_or_later"): ("plans_third_or_later", {}),
    ("cp_plans", "ended"): ("plans_ended", {}),
    ("cp_plans", "ended_2_years_plus"): ("plans_ended_2_years_plus", {}),
    ("cp_plans", "open_at_end"): ("plans_open_at_end", {}),
    ("cp_plans", "open_2_years_plus"): ("plans_open_2_years_plus", {}),
    ("early_help", "assessments"): ("assessments", {}),
    ("diversity", "referrals"): ("referrals", {}),
    ("diversity", "ethnicity_not_recorded"): ("ethnicity_not_recorded", {}),
    ("diversity", "first_language_not_recorded"): ("first_language_not_recorded", {}),
    ("diversity", "religion_not_recorded"): ("religion_not_recorded", {}),
}
_MISSING_MEASURES = {
    "episodes": ("episodes", {}), "missing_episodes": ("episodes", {"type": "Missing"}),
    "away_episodes": ("episodes", {"type": "Away"}),
    "absent_episodes": ("episodes", {"type": "Absent"}),
    "children": ("missing_children", {}), "children_repeat": ("missing_children_repeat", {}),
    "children_away": ("missing_children_away", {}),
    "children_away_repeat": ("missing_children_away_repeat", {}),
    "children_absent": ("missing_children_absent", {}),
    "missing_at_end": ("missing_at_end", {}), "away_at_end": ("away_at_end", {}),
    "rhi_offered": ("rhi_offered", {}), "rhi_accepted": ("rhi_accepted", {}),
}
_DISTINCT_MISSING = ("missing_children", "missing_children_repeat", "missing_children_away",
                     "missing_children_away_repeat", "missing_children_absent",
                     "missing_at_end", "away_at_end")
for _key, (_measure, _dims) in _MISSING_MEASURES.items():
    FIGURE_KEYS[("missing", _key)] = (_measure, _dims)
    for _population, _prefix in (("Looked after", "looked_after_"),
                                 ("Not looked after", "not_looked_after_")):
        FIGURE_KEYS[("missing", _prefix + _key)] = (_measure, {**_dims,
                                                               "population": _population})
FIGURE_KEYS[("missing", "looked_after_status_not_recorded_episodes")] = (
    "episodes", {"population": NOT_RECORDED})


def figure_key(block: str, key: str, label: str, band: str | None = None) -> str | None:
    """The plan key of a figures-JSON figure (``band`` for ``ended_by_duration``)."""
    if block == "cp_plans" and key == "ended_by_duration":
        return make_key("plans_ended", label, {"band": band})
    if block == "early_help" and key == "by_agency":
        return make_key("assessments", label, {"organisation": band})
    spec = FIGURE_KEYS.get((block, key))
    return None if spec is None else make_key(spec[0], label, spec[1])


def _seed(b: PlanBuilder, figures: dict, label: str) -> None:
    """Every count of the figures JSON for ``label`` as a plan figure (None: not planned)."""
    for block in ("referrals", "cp_plans", "missing", "early_help", "diversity"):
        for key, value in (figures.get(block) or {}).items():
            if isinstance(value, dict):
                for sub, v in value.items():
                    k = figure_key(block, key, label, sub)
                    if k is not None and v is not None:
                        b.cell(k, v)
            elif value is not None and not key.endswith("_rate"):
                k = figure_key(block, key, label)
                if k is not None:
                    b.cell(k, value)


def build_plan(extract, period: Period, profile=None) -> PackPlan:
    """The pack's disclosure plan for ``period`` (see the module docstring)."""
    from .figures import headline_figures

    cov = extract_coverage(extract)
    b = PlanBuilder()
    for label in plan_periods(period):
        p = _period(label)
        _seed(b, headline_figures(extract, p), label)
    _referrals(b, extract, period, cov["referrals"], profile)
    _cp_plans(b, extract, period, cov["cp_plans"], profile)
    _missing(b, extract, period, cov["missing"], profile)
    _early_help(b, extract, period, cov["early_help"], profile)
    plan_bounds(b)  # what an attacker can bound, beside the sums (plan_bounds.py)
    return b.build()


__all__ = ["build_plan", "cached_plan", "figure_key", "FIGURE_KEYS", "disclosed_figures",
           "grains_for", "plan_periods", "population_group", "POPULATIONS", "TYPES", "PLAN_NUMBERS",
           "NOT_RECORDED"]


#: Rates of the figures JSON: key -> (numerator key, denominator key) in the same block.
RATE_PARTS = {
    ("referrals", "rereferral_rate"): ("rereferrals", "referrals"),
    ("cp_plans", "second_or_subsequent_rate"): ("second_or_subsequent", "started"),
    ("cp_plans", "second_within_2_years_rate"): ("second_within_2_years",
                                                 "second_previous_end_known"),
    ("cp_plans", "ended_2_years_plus_rate"): ("ended_2_years_plus", "ended"),
}


def disclosed_figures(figures: dict, plan: PackPlan) -> dict:
    """The figures JSON as a pack may carry it (CONTRACT.md): every count the plan hides is
    "c", and a rate whose numerator or denominator is hidden is null. Counts the plan does not
    hold get primary suppression."""
    from .disclosure import SUPPRESSED, is_small

    label = figures["period"]["label"]
    # The journey block is not planned yet: its counts get primary suppression below, so no
    # count of 1 to 5 reaches a pack through it.
    blocks = ("referrals", "cp_plans", "missing", "early_help", "diversity", "journey")
    out = {k: v for k, v in figures.items() if k not in blocks}

    def one(block: str, key: str, value, sub=None):
        if value is None:
            return None
        k = figure_key(block, key, label, sub)
        if k is not None and plan.has(k):
            return SUPPRESSED if plan.hidden(k) else value
        return SUPPRESSED if is_small(value) else value

    for block in blocks:
        if block not in figures:
            continue
        src = figures.get(block) or {}
        shown = {}
        for key, value in src.items():
            if isinstance(value, dict):
                shown[key] = {sub: one(block, key, v, sub) for sub, v in value.items()}
            elif (block, key) in RATE_PARTS:
                continue
            else:
                shown[key] = one(block, key, value)
        for (b, key), (num, den) in RATE_PARTS.items():
            if b == block and key in src:
                ok = all(isinstance(shown.get(p), int | float) and shown.get(p) is not True
                         for p in (num, den))
                shown[key] = src[key] if ok else None
        out[block] = {k: shown[k] for k in src}
    return out


#: Bump when the plan's rules change, so a plan saved by older rules is not reused.
PLAN_VERSION = "2"


def _rules_digest() -> str:
    """A digest of the code that makes a plan (this module, the suppression engine, the
    metrics, and the loader whose reading of the files the plan counts: a changed code list
    changes the counts of files whose bytes did not change), so a plan saved by other rules
    is never reused, even if PLAN_VERSION was not bumped."""
    import hashlib
    from pathlib import Path

    here = Path(__file__).resolve().parent
    h = hashlib.blake2b(digest_size=8)
    for path in sorted([here / "pack_plan.py", here / "plan_bounds.py", here / "figures.py",
                        *(here / "disclosure").glob("*.py"), *(here / "metrics").glob("*.py"),
                        *(here / "io").glob("*.py")]):
        h.update(path.read_bytes())
    return h.hexdigest()


def cached_plan(extract, period: Period, profile=None) -> PackPlan:
    """:func:`build_plan`, saved under ``data/processed/plans/`` and reused by every process
    that asks for the same extract (by its files' SHA-256), period and profile: a publish
    plans once and each notebook's kernel reads the plan instead of planning again. The plan
    holds raw counts: it stays in the analyst's processed folder, never in a pack."""
    import hashlib
    import pickle

    from . import config

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{PLAN_VERSION}|{_rules_digest()}|{period.label}|".encode())
    for name, digest in sorted(extract.input_hashes().items()):
        h.update(f"{name}={digest};".encode())
    h.update(repr(profile).encode())  # a frozen dataclass: its repr is its content
    path = config.PROCESSED_DIR / "plans" / f"{h.hexdigest()}.pickle"
    try:
        with open(path, "rb") as fh:
            plan = pickle.load(fh)
        if isinstance(plan, PackPlan):
            return plan
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass  # no saved plan (or a broken one): plan afresh
    plan = build_plan(extract, period, profile)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(plan, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # whole or not at all: a reader never sees half a plan
    except OSError:
        pass  # the cache only saves time
    return plan
