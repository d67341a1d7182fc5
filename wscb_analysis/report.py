"""The sections the topic notebooks show: each call returns something a notebook displays
(a :class:`Block` of findings, charts and disclosed tables), computed by the metric, stats,
disclosure, chart and narrative modules. Notebooks stay thin: parameters, a few calls, prose.

Every table passes through :func:`wscb_analysis.disclosure.disclose`; no child-level row is
ever displayed.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import benchmarks as bm
from . import config
from . import narrative as say
from .charts import bar_chart, funnel_chart, line_chart, xmr_chart
from .disclosure import disclose
from .figures import headline_figures
from .io.load import Extract, load_extract
from .io.quality import quality_summary, set_aside_reasons
from .local_context import (
    MASH_OPENED,
    POPULATION_0_17,
    SCHOOL_BME_2017,
    district_table,
)
from .local_context import SOURCE as LOCAL_SOURCE
from .metrics import cp_plans as cp
from .metrics import diversity as dv
from .metrics import early_help as eh
from .metrics import missing as ms
from .metrics import referrals as rf
from .periods import Period, financial_year, financial_years, in_period, year_of
from .stats import (
    benchmark_verdict,
    compare_to_benchmark,
    funnel,
    rate_ci,
    seasonal_trend,
    target_progress,
    wilson_ci,
)
from .stats import xmr as xmr_chart_data

EXTRACT_SOURCE = "Source: the partnership's extract (Annex A lists and local records)"


# --------------------------------------------------------------------------- displayables


@dataclass
class Finding:
    """A sentence for the page."""

    text: str

    def _repr_html_(self) -> str:
        return f'<p class="finding">{html.escape(self.text)}</p>'

    def __str__(self) -> str:
        return self.text


@dataclass
class Block:
    """Findings, charts and tables shown together."""

    items: list = field(default_factory=list)

    def _repr_html_(self) -> str:
        return "\n".join(i._repr_html_() if hasattr(i, "_repr_html_") else
                         f"<p>{html.escape(str(i))}</p>" for i in self.items)

    def findings(self) -> list[str]:
        return [i.text for i in self.items if isinstance(i, Finding)]


# --------------------------------------------------------------------------- context


@dataclass
class Context:
    extract: Extract
    period: Period
    year: Period
    reference: pd.DataFrame
    neighbours: list[str]
    area_code: str
    figures: dict

    @property
    def source(self) -> str:
        return EXTRACT_SOURCE + (" - SYNTHETIC demo data" if self.extract.synthetic else "")

    def england(self, indicator: str, year: str | None = None) -> float | None:
        t = bm.comparator_table(self.reference, indicator, year or self.year.label)
        row = t[t["role"] == "England"]
        return None if row.empty or pd.isna(row["value"].iloc[0]) else float(row["value"].iloc[0])


EVENT_DATE = {"referrals": "referral_date", "cp_plans": "start_date",
              "early_help": "assessment_start", "missing": "start_date"}
SOURCE_FILES = {"referrals": "referrals.csv (Annex A List 3)",
                "cp_plans": "cp_plans.csv (Annex A List 7)",
                "early_help": "early_help.csv (Annex A List 2)",
                "missing": "missing.csv (missing episodes)"}


def needs(source: str):
    """A section that needs a source says so, instead of failing, when the extract has no
    rows of it (an analyst may hold only some of the lists)."""
    def wrap(section):
        @functools.wraps(section)
        def run(ctx: Context, *args, **kwargs):
            frame = ctx.extract[source]
            what = source.replace("_", " ")
            if len(frame) == 0:
                return Block([Finding(f"This extract holds no {what} records "
                                      f"({SOURCE_FILES[source]} was not supplied or has no "
                                      "usable rows), so this section is empty.")])
            dates = frame[EVENT_DATE[source]].to_numpy().astype("datetime64[D]")
            if not in_period(dates, ctx.year).any():
                return Block([Finding(f"This extract holds no {what} records in "
                                      f"{ctx.year.label}, so this section is empty.")])
            return section(ctx, *args, **kwargs)
        return run
    return wrap


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    """``"demo"`` or None means the demo extract, written on first use."""
    if data_dir in (None, "", "demo"):
        target = config.DEMO_EXTRACT_DIR
        if not (target / "referrals.csv").exists():
            from .synth import write_synthetic_extract

            write_synthetic_extract(target, scale=1, seed=config.DEMO_SEED)
        return target
    return Path(data_dir)


_CACHE: dict = {}


def _files_key(folder: Path | None) -> tuple:
    """What a cached load depends on: each file's name, size and modification time."""
    if folder is None:
        return ()
    return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                        for p in Path(folder).iterdir() if p.is_file()))


def _cached(key: tuple, load):
    if key not in _CACHE:
        _CACHE[key] = load()
    return _CACHE[key]


def context(data_dir: str | Path | None = "demo", period: str = "2016-17",
            quarter: str | None = None, benchmarks_dir: str | Path | None = None,
            area_code: str = config.LA_CODE, neighbour_grouping: str = "2021") -> Context:
    """Load the extract and the comparators once for a notebook.

    Loads are kept in memory for the kernel's life, keyed by each input file's name, size and
    modification time, so re-running a notebook (or the next notebook of a pack on the same
    kernel) reuses them; a changed file is loaded afresh.
    """
    per = financial_year(period, quarter)
    folder = resolve_data_dir(data_dir).resolve()
    extract = _cached(("extract", str(folder), _files_key(folder)),
                      lambda: load_extract(folder, strict=True))
    bdir = Path(benchmarks_dir).resolve() if benchmarks_dir else None
    reference = _cached(("reference", str(bdir), _files_key(bdir)),
                        lambda: bm.load_reference(bdir))
    all_neighbours = _cached(("neighbours", str(bdir), _files_key(bdir)),
                             lambda: bm.reference_neighbours(bdir))
    neighbours = bm.statistical_neighbours(reference, all_neighbours, area_code,
                                           neighbour_grouping)
    return Context(extract=extract, period=per, year=financial_year(per.year_label),
                   reference=reference, neighbours=neighbours, area_code=area_code,
                   figures=headline_figures(extract, per))


def _subtitle(ctx: Context, measure: str, where: str = "Warwickshire") -> str:
    return f"{measure}, {where}, {ctx.period.label}"


# --------------------------------------------------------------------------- 01 overview


def headline(ctx: Context) -> Block:
    """The period's headline figures against England, each with its interval and verdict."""
    f = ctx.figures
    rows, items = [], []
    specs = [
        ("Re-referrals within 12 months", f["referrals"]["rereferrals"],
         f["referrals"]["referrals"], "rereferral_rate", "referrals", "were re-referrals"),
        ("Second or subsequent CP plans", f["cp_plans"]["second_or_subsequent"],
         f["cp_plans"]["started"], "second_or_subsequent_rate", "child protection plans started",
         "were second or subsequent plans"),
        ("CP plans ended after 2+ years", f["cp_plans"]["ended_2_years_plus"],
         f["cp_plans"]["ended"], "cp_ended_2_years_plus_rate", "child protection plans ended",
         "had lasted 2 years or more"),
        ("CP plans open 2+ years at period end", f["cp_plans"]["open_2_years_plus"],
         f["cp_plans"]["open_at_end"], "cp_open_2_years_plus_rate",
         "child protection plans open at the end", "had been open 2 years or more"),
    ]
    for label, x, n, indicator, of_what, which in specs:
        england = ctx.england(indicator)
        items.append(Finding(say.proportion_sentence(
            x, n, of_what=of_what, which=which, period_label=ctx.period.label,
            benchmark=england)))
        row = {"measure": label, "count": x, "of": n, "value": x / n if n else np.nan,
               "lower": np.nan, "upper": np.nan, "england": england, "verdict": "z"}
        if n and england is not None:
            lo, hi = wilson_ci(x, n)
            row.update(lower=lo, upper=hi, verdict=benchmark_verdict(lo, hi, england))
        rows.append(row)
    table = pd.DataFrame(rows)
    shown = disclose(table, counts=["count", "of"],
                     percents={"value": ("count", "of"), "lower": ("count", "of"),
                               "upper": ("count", "of"), "england": (None, None)},
                     caption=f"Headline figures, {ctx.period.label}, with 95% intervals")
    items.insert(0, shown)
    return Block(items)


def local_context_table() -> Block:
    t = district_table()
    shown = disclose(t, counts=["children_0_17", "imd_rank"],
                     percents={"low_income": (None, None)},
                     caption="Districts: children aged 0-17 (ONS 2015), IMD rank of 326 "
                             "(1 = most deprived), children in low-income families")
    return Block([shown, Finding(
        f"Warwickshire has {say.count_text(sum(POPULATION_0_17.values()))} children aged 0-17. "
        "Nuneaton and Bedworth is the most deprived district (IMD rank 111 of 326) and has "
        "the highest share of children in low-income families (19.5%, against 13.4% for the "
        "county and 19.9% for England)."), Finding(LOCAL_SOURCE)])


def data_quality(ctx: Context) -> Block:
    """Rows read, kept, repeated and set aside for each source, and why (no values shown)."""
    summary = quality_summary(ctx.extract).drop(columns=["accounts"])
    summary["usable"] = summary["usable"].map({True: "yes", False: "NO"})
    reasons = set_aside_reasons(ctx.extract)
    items = [disclose(summary, counts=["rows_in", "rows_kept", "duplicates", "rows_set_aside"],
                      caption="Rows in = rows kept + duplicates + rows set aside")]
    if len(reasons):
        items.append(disclose(reasons, counts=["rows"], caption="Why rows were set aside"))
    total_aside = int(summary["rows_set_aside"].sum())
    items.append(Finding(
        f"{say.count_text(int(summary['rows_in'].sum()))} rows were read; "
        f"{say.count_text(int(summary['duplicates'].sum()))} repeated rows from overlapping "
        f"extracts were counted once, and {say.count_text(total_aside)} rows that could not be "
        "used were set aside and are listed for the data team by wscb validate."))
    return Block(items)


# --------------------------------------------------------------------------- 02 re-referrals


def front_door_note(ctx: Context) -> Finding:
    return Finding(
        "Referral volumes in 2016-17 reflect a change in recording at the front door when the "
        "MASH opened in May 2016 (more contacts recorded as referrals, 53.7% ending in no "
        "further action), not a doubling of need: compare 2016-17 with earlier years with "
        "care.")


@needs("referrals")
def rereferral_headline(ctx: Context) -> Block:
    f = ctx.figures["referrals"]
    child = rf.child_level_rereferrals(ctx.extract["referrals"], ctx.period)
    england = ctx.england("rereferral_rate")
    return Block([
        Finding(say.proportion_sentence(
            f["rereferrals"], f["referrals"], of_what="referrals (referral level)",
            which="were re-referrals within 12 months of a previous referral",
            period_label=ctx.period.label, benchmark=england)),
        Finding(say.proportion_sentence(
            child["children_rereferred"], child["children"],
            of_what="children referred (child level)", which="had a re-referral",
            period_label=ctx.period.label,
            benchmark=ctx.england("rereferral_child_rate"))),
    ])


def _first_complete(referrals: pd.DataFrame) -> str:
    start = pd.to_datetime(referrals["referral_date"]).min()
    first = start + pd.DateOffset(years=1)
    # Begin at the next financial quarter so every period shown has a full look-back.
    quarter_starts = pd.date_range(first, first + pd.DateOffset(months=3), freq="QS-JAN")
    return quarter_starts[0].date().isoformat()


@needs("referrals")
def rereferrals_by_quarter(ctx: Context) -> Block:
    ref = ctx.extract["referrals"]
    q = rf.rereferrals_over_time(ref, by="quarter", first_complete=_first_complete(ref))
    q = q[q["period"] <= f"{ctx.year.label} Q4"]
    shown = disclose(q, counts=["referrals", "rereferrals"],
                     percents={"value": ("rereferrals", "referrals")},
                     caption="Referrals and re-referrals by quarter")
    chart = line_chart(
        q, "period", "value", title=_rate_title(q, "Re-referral rate"),
        alt=(f"Line chart of the quarterly re-referral rate from {q['period'].iloc[0]} to "
             f"{q['period'].iloc[-1]}, ending at {say.pct(q['value'].iloc[-1])}."),
        subtitle="Re-referrals within 12 months as a share of referrals, Warwickshire, "
                 "by financial quarter",
        source=ctx.source, table=shown, suppressed=shown.suppressed["value"].to_numpy())
    return Block([chart, front_door_note(ctx)])


def _rate_title(df: pd.DataFrame, what: str) -> str:
    first, last = df["value"].iloc[0], df["value"].iloc[-1]
    word = "rose" if last > first else "fell" if last < first else "held"
    return f"{what} {word} from {say.pct(first)} to {say.pct(last)} over the period shown"


def rereferrals_against_comparators(ctx: Context) -> Block:
    t = bm.comparator_table(ctx.reference, "rereferral_rate", ctx.year.label,
                            ctx.area_code, ctx.neighbours)
    if t.empty:
        return Block([Finding(f"No published comparators for {ctx.year.label}.")])
    f = ctx.figures["referrals"]
    if ctx.period.quarter is None and f["referrals"]:
        lo, hi = wilson_ci(f["rereferrals"], f["referrals"])
        local = pd.DataFrame([{"role": "This extract", "area_name": "This extract",
                               "numerator": f["rereferrals"], "denominator": f["referrals"],
                               "value": f["rereferral_rate"], "lower": lo, "upper": hi}])
        t = pd.concat([local, t], ignore_index=True)
    t = t[t["role"] != "Statistical neighbour"].reset_index(drop=True)
    shown = disclose(t[["area_name", "numerator", "denominator", "value", "lower", "upper"]],
                     counts=["numerator", "denominator"],
                     percents={c: ("numerator", "denominator") for c in
                               ("value", "lower", "upper")},
                     caption=f"Re-referral rate, {ctx.year.label} (published DfE figures; "
                             "this extract's own figure first)")
    england = t.loc[t["area_name"] == "England", "value"]
    chart = bar_chart(
        t, "area_name", "value", lower="lower", upper="upper", fmt="percent",
        title=f"Re-referral rate against England, neighbours and region, {ctx.year.label}",
        alt=("Bar chart of re-referral rates with 95% intervals: " + "; ".join(
            f"{n} {say.pct(v)}" for n, v in zip(t["area_name"], t["value"], strict=True))),
        subtitle="Re-referrals within 12 months / referrals, with 95% Wilson intervals",
        source=bm.SOURCE_NOTE, table=shown,
        reference=float(england.iloc[0]) if len(england) else None,
        reference_label="England", highlight="This extract")
    return Block([chart])


def funnel_all_authorities(ctx: Context, indicator: str, what: str) -> Block:
    try:
        limits, areas, average = bm.la_funnel(ctx.reference, indicator, ctx.year.label,
                                              ctx.area_code)
    except (ValueError, KeyError):
        return Block([Finding(f"No published {what} by authority for {ctx.year.label}.")])
    if areas.empty:
        return Block([Finding(f"No published {what} by authority for {ctx.year.label}.")])
    mine = areas[areas["highlight"]]
    counts = areas["significance"].value_counts()
    table = counts.rename_axis("significance").reset_index(name="authorities")
    shown = disclose(table, counts=["authorities"],
                     caption=f"English authorities by significance, {what}, {ctx.year.label}")
    label = mine["significance"].iloc[0] if len(mine) else "not published"
    name = mine["area_name"].iloc[0] if len(mine) else "The authority"
    chart = funnel_chart(
        limits, areas, average,
        title=f"{name}'s {what} is {_funnel_words(label)} among English authorities",
        alt=(f"Funnel plot of {what} for {len(areas)} English authorities in "
             f"{ctx.year.label} around the pooled average {say.pct(average)}; {name} is at "
             f"{say.pct(mine['value'].iloc[0]) if len(mine) else 'n/a'}: {label}."),
        subtitle=f"{what.capitalize()} by size of denominator, {ctx.year.label}, published "
                 "DfE figures", source=bm.SOURCE_NOTE, table=shown)
    left_out = areas.attrs.get("left_out", 0)
    noun = "authority" if left_out == 1 else "authorities"
    note = Finding(f"{left_out} {noun} with suppressed counts left out." if left_out
                   else "Every authority's counts are published for this year.")
    return Block([chart, note])


def _funnel_words(label: str) -> str:
    return {"High (99.8%)": "well above average (beyond 99.8% limits)",
            "High (95%)": "above average (beyond 95% limits)",
            "Not significant": "within the range expected by chance",
            "Low (95%)": "below average (beyond 95% limits)",
            "Low (99.8%)": "well below average (beyond 99.8% limits)"}.get(label, label)


@needs("referrals")
def referrals_xmr(ctx: Context) -> Block:
    ref = ctx.extract["referrals"]
    monthly = ref.assign(month=pd.to_datetime(ref["referral_date"]).dt.to_period("M")).groupby(
        "month").size()
    monthly = monthly[monthly.index <= pd.Period(ctx.period.end, "M")]
    months = [str(m) for m in monthly.index]
    rebase = [months.index(MASH_OPENED)] if MASH_OPENED in months else []
    chart_data = xmr_chart_data(monthly.astype(float).reset_index(drop=True), rebase_at=rebase)
    chart_data.index = months
    table = pd.DataFrame({"month": months, "referrals": monthly.to_numpy(),
                          "mean": chart_data["mean"].round(1).to_numpy(),
                          "special_cause": chart_data["rule"].replace("", "-").to_numpy()})
    shown = disclose(table, counts=["referrals"], caption="Referrals by month (XmR chart data)")
    chart = xmr_chart(
        chart_data.reset_index(drop=True), months,
        title="Monthly referrals stepped up when the MASH opened in May 2016",
        alt=("XmR chart of monthly referrals with limits recalculated from May 2016, when the "
             f"MASH opened; the latest month is {say.count_text(int(monthly.iloc[-1]))}."),
        subtitle="Referrals per month, Warwickshire, limits rebased at May 2016",
        source=ctx.source, table=shown)
    return Block([chart, Finding(say.xmr_sentence(chart_data, what="monthly referrals"))])


@needs("referrals")
def rereferrals_by_group(ctx: Context, by: str, label: str) -> Block:
    t = rf.rereferrals_by(ctx.extract["referrals"], ctx.period, by)
    if by == "referral_source":
        from .io.schemas import REFERRAL_SOURCES

        t[by] = [f"{c} {REFERRAL_SOURCES.get(c, '')}".strip() for c in t[by]]
    shown = disclose(t, counts=["referrals", "rereferrals"],
                     percents={"value": ("rereferrals", "referrals")},
                     caption=f"Referrals and re-referrals by {label}, {ctx.period.label}")
    if by != "district":
        return Block([shown])
    ok = t["referrals"] > 0
    t.loc[ok, "lower"], t.loc[ok, "upper"] = wilson_ci(t.loc[ok, "rereferrals"].to_numpy(),
                                                       t.loc[ok, "referrals"].to_numpy())
    top = t.sort_values("value", ascending=False).iloc[0]
    chart = bar_chart(t, by, "value", lower="lower", upper="upper", fmt="percent",
                      title=f"{top[by]} has the highest re-referral rate of the districts",
                      alt="Bar chart of re-referral rates by district with 95% intervals: " +
                      "; ".join(f"{d} {say.pct(v)}" for d, v in zip(t[by], t["value"],
                                                                     strict=True)),
                      subtitle=_subtitle(ctx, "Re-referral rate by district"),
                      source=ctx.source, table=shown,
                      suppressed=shown.suppressed["value"].to_numpy())
    return Block([chart])


# --------------------------------------------------------------------------- 03 repeat plans


@needs("cp_plans")
def repeat_plans_headline(ctx: Context) -> Block:
    f = ctx.figures["cp_plans"]
    return Block([
        Finding(say.proportion_sentence(
            f["second_or_subsequent"], f["started"], of_what="child protection plans started",
            which="were for a child who had been on a plan before (second or subsequent, ever)",
            period_label=ctx.period.label,
            benchmark=ctx.england("second_or_subsequent_rate"))),
        Finding(say.proportion_sentence(
            f["second_within_2_years"], f["started"], of_what="plans started",
            which="began within 2 years of the child's previous plan ending (a local measure, "
                  "with no national comparator)", period_label=ctx.period.label)),
        Finding(say.proportion_sentence(
            f["third_or_later"], f["started"], of_what="plans started",
            which="were a third or later plan", period_label=ctx.period.label)),
    ])


@needs("cp_plans")
def repeat_plans_by_category(ctx: Context) -> Block:
    t = cp.started_by_category(ctx.extract["cp_plans"], ctx.period)
    wide = t.pivot_table(index="category", columns="plan", values="plans", aggfunc="sum",
                         fill_value=0).reset_index()
    for col in ("First", "Second", "Third or later"):
        if col not in wide:
            wide[col] = 0
    wide = wide[["category", "First", "Second", "Third or later"]]
    wide["Total"] = wide[["First", "Second", "Third or later"]].sum(axis=1)
    total = pd.DataFrame([{"category": "Total", **wide.drop(columns="category").sum()}])
    table = pd.concat([wide, total], ignore_index=True).set_index("category")
    shown = disclose(table.reset_index(), counts=["First", "Second", "Third or later", "Total"],
                     row_total="Total", total_row=len(table) - 1,
                     caption=f"Plans started by initial category and plan number, "
                             f"{ctx.period.label}")
    repeat = wide.assign(repeat=wide["Second"] + wide["Third or later"])
    repeat = repeat.sort_values("repeat", ascending=False)
    top = repeat.iloc[0]["category"] if len(repeat) else "No category"
    mask = shown.suppressed.set_index(shown.display["category"])
    rep_mask = [bool(mask.loc[c, "Second"] or mask.loc[c, "Third or later"]) for c in
                repeat["category"]]
    chart = bar_chart(repeat, "category", "repeat",
                      title=f"{top} accounts for the most repeat plans",
                      alt="Bar chart of second and later plans started by category of abuse: "
                      + "; ".join(f"{c} {say.count_text(v)}" for c, v in
                                  zip(repeat["category"], repeat["repeat"], strict=True)),
                      subtitle=_subtitle(ctx, "Second or later plans started, by category"),
                      source=ctx.source, table=shown, suppressed=rep_mask)
    return Block([chart])


@needs("cp_plans")
def cp_trend(ctx: Context) -> Block:
    plans = ctx.extract["cp_plans"]
    years = _years_held(plans["start_date"], ctx.year)
    rows = []
    for y in years:
        f = cp.cp_plan_figures(plans, financial_year(y))
        rows.append({"year": y, "started": f["started"], "subsequent": f["second_or_subsequent"],
                     "value": f["second_or_subsequent_rate"], "series": "This extract"})
        e = ctx.england("second_or_subsequent_rate", y)
        if e is not None:
            rows.append({"year": y, "started": np.nan, "subsequent": np.nan, "value": e,
                         "series": "England"})
    t = pd.DataFrame(rows)
    local = t[t["series"] == "This extract"].drop(columns="series")
    shown = disclose(local, counts=["started", "subsequent"],
                     percents={"value": ("subsequent", "started")},
                     caption="Second or subsequent plans by year (this extract)")
    chart = line_chart(
        t, "year", "value", series="series",
        title=_rate_title(local, "The share of repeat plans"),
        alt="Line chart of the share of plans that were second or subsequent, by year, for "
            "this extract and England.", subtitle="Second or subsequent plans / plans started",
        source=ctx.source + "; " + bm.SOURCE_NOTE, table=shown)
    return Block([chart])


def _years_held(dates: pd.Series, last: Period) -> list[str]:
    """Financial years from the first one the dates fully cover to ``last``."""
    d = pd.to_datetime(dates).dropna()
    if d.empty:
        return [last.label]
    first = d.min()
    if (first.month, first.day) != (4, 1):  # a first year only partly held is skipped
        first = first + pd.DateOffset(years=1)
    first_year = year_of(first.date())
    if first_year > last.label:
        return []
    return financial_years(first_year, last.label)


# --------------------------------------------------------------------------- 04 duration


@needs("cp_plans")
def duration_bands(ctx: Context) -> Block:
    ended = cp.plans_ended(ctx.extract["cp_plans"], ctx.period)
    counts = ended["duration_band"].value_counts()
    t = pd.DataFrame({"duration": cp.DURATION_BANDS,
                      "plans": [int(counts.get(b, 0)) for b in cp.DURATION_BANDS]})
    t["share"] = t["plans"] / t["plans"].sum() if t["plans"].sum() else np.nan
    total = pd.DataFrame([{"duration": "All plans ended", "plans": int(t["plans"].sum()),
                           "share": 1.0 if t["plans"].sum() else np.nan}])
    full = pd.concat([t, total], ignore_index=True)
    full["all"] = full["plans"].iloc[-1]
    shown = disclose(full.drop(columns="all"), counts=["plans"],
                     percents={"share": ("plans", None)}, total_row=len(full) - 1,
                     caption=f"Plans that ended in {ctx.period.label}, by how long they lasted "
                             "(DfE D7 bands)")
    biggest = t.sort_values("plans", ascending=False).iloc[0]["duration"]
    chart = bar_chart(t, "duration", "plans",
                      title=f"Most plans that ended had lasted {biggest}",
                      alt="Bar chart of plans ended by duration band: " + "; ".join(
                          f"{d} {say.count_text(v)}" for d, v in
                          zip(t["duration"], t["plans"], strict=True)),
                      subtitle=_subtitle(ctx, "Plans ended, by length"), source=ctx.source,
                      table=shown, suppressed=shown.suppressed["plans"].to_numpy()[:-1])
    return Block([chart])


@needs("cp_plans")
def two_year_plans(ctx: Context, report_benchmark: float = 0.038,
                   report_benchmark_year: str = "2015-16") -> Block:
    f = ctx.figures["cp_plans"]
    x, n = f["ended_2_years_plus"], f["ended"]
    items = [Finding(say.proportion_sentence(
        x, n, of_what="plans that ended", which="had lasted 2 years or more",
        period_label=ctx.period.label, benchmark=report_benchmark,
        benchmark_when=f"in {report_benchmark_year} (the figure the annual report used)"))]
    current = ctx.england("cp_ended_2_years_plus_rate")
    if current is not None:
        items.append(Finding(say.proportion_sentence(
            x, n, of_what="plans that ended", which="had lasted 2 years or more",
            period_label=ctx.period.label, benchmark=current,
            benchmark_when=f"in {ctx.year.label}")))
    if n and not (1 <= x <= 5):
        c = compare_to_benchmark(x, n, report_benchmark)
        items.append(Finding(
            f"Exact binomial test against {say.pct(report_benchmark)}: p = "
            f"{c['p_value']:.2f}. "
            + ("A difference this size could well arise by chance." if c["p_value"] >= 0.05
               else "A difference this size is unlikely to arise by chance alone.")))
    o = f["open_2_years_plus"]
    items.append(Finding(say.proportion_sentence(
        o, f["open_at_end"], of_what="plans open at the end of the period",
        which="had been open 2 years or more (the DfE D5 measure, not comparable with plans "
              "that ended)", period_label=ctx.period.label,
        benchmark=ctx.england("cp_open_2_years_plus_rate"))))
    return Block(items)


@needs("cp_plans")
def duration_funnel(ctx: Context) -> Block:
    """Districts (or, where DfE publishes D7 by authority for the year, authorities)."""
    if ctx.england("cp_ended_2_years_plus_rate") is not None:
        la = ctx.reference[(ctx.reference["indicator"] == "cp_ended_2_years_plus_rate")
                           & (ctx.reference["year"] == ctx.year.label)
                           & (ctx.reference["level"] == "Local authority")]
        if len(la) > 20:
            return funnel_all_authorities(ctx, "cp_ended_2_years_plus_rate",
                                          "share of ended plans lasting 2+ years")
    ended = cp.plans_ended(ctx.extract["cp_plans"], ctx.period)
    if ended.empty:
        return Block([Finding(f"No plans ended in {ctx.period.label}.")])
    g = ended.assign(district=ended["district"].fillna("Not recorded"),
                     two=ended["duration_band"] == "2 years and over").groupby(
        "district", as_index=False).agg(numerator=("two", "sum"), denominator=("two", "size"))
    limits, areas, average = funnel(g, "numerator", "denominator")
    areas["area_name"] = areas["district"]
    areas["highlight"] = areas["significance"] != "Not significant"
    shown = disclose(areas[["district", "numerator", "denominator", "value", "significance"]],
                     counts=["numerator", "denominator"],
                     percents={"value": ("numerator", "denominator")},
                     caption="Plans ended after 2+ years by district")
    out = areas["highlight"].sum()
    chart = funnel_chart(
        limits, areas, average,
        title=("No district differs from the county beyond chance" if not out else
               f"{out} district(s) differ from the county beyond chance"),
        alt=(f"Funnel plot of the share of ended plans lasting 2+ years by district around "
             f"the county's {say.pct(average)}; " + "; ".join(
                 f"{d}: {s}" for d, s in zip(areas["district"], areas["significance"],
                                             strict=True))),
        subtitle=_subtitle(ctx, "Share of ended plans that lasted 2+ years, by district"),
        source=ctx.source, table=shown,
        suppressed=shown.suppressed["value"].to_numpy())
    return Block([chart, Finding("DfE publishes plans ended by duration for each authority "
                                 "only from 2017-18, so districts are compared here.")])


# --------------------------------------------------------------------------- 05 missing


@needs("missing")
def missing_headline(ctx: Context) -> Block:
    f = ctx.figures["missing"]
    prev = ms.missing_figures(ctx.extract["missing"], ctx.period.previous())
    return Block([
        Finding(f"{say.count_text(f['children'])} children went missing "
                f"{say.count_text(f['episodes'])} times in {ctx.period.label} "
                f"({say.count_text(f['missing_episodes'])} missing, "
                f"{say.count_text(f['absent_episodes'])} absent and "
                f"{say.count_text(f['away_episodes'])} away from placement); "
                f"{say.count_text(f['children_repeat'])} went missing more than once."),
        Finding(say.change_sentence(f["children"], prev["children"],
                                    what="children going missing",
                                    current_label=ctx.period.label,
                                    previous_label=ctx.period.previous().label)),
        Finding(say.proportion_sentence(f["rhi_offered"], f["episodes"], of_what="episodes",
                                        which="were followed by an offer of a return home "
                                              "interview", period_label=ctx.period.label)),
        Finding(say.proportion_sentence(f["rhi_accepted"], f["rhi_offered"],
                                        of_what="return home interviews offered",
                                        which="were accepted", period_label=ctx.period.label)),
    ])


@needs("missing")
def missing_by_group(ctx: Context) -> Block:
    ep = ms.episodes_in(ctx.extract["missing"], ctx.period)
    t = (ep.assign(group=ms.looked_after_group(ep)).groupby(["group", "missing_type"]).size()
         .unstack(fill_value=0))
    t["Total"] = t.sum(axis=1)
    t.loc["Total"] = t.sum()
    t = t.reset_index()
    counts = [c for c in t.columns if c != "group"]
    shown = disclose(t, counts=counts, row_total="Total", total_row=len(t) - 1,
                     caption=f"Missing episodes by looked-after status and type, "
                             f"{ctx.period.label}")
    rhi = ms.rhi_rates(ctx.extract["missing"], ctx.period)
    rhi["offered_share"] = rhi["rhi_offered"] / rhi["episodes"]
    rhi["accepted_share"] = rhi["rhi_accepted"] / rhi["rhi_offered"].where(rhi["rhi_offered"] > 0)
    rhi_shown = disclose(rhi, counts=["episodes", "rhi_offered", "rhi_accepted"],
                         percents={"offered_share": ("rhi_offered", "episodes"),
                                   "accepted_share": ("rhi_accepted", "rhi_offered")},
                         caption="Return home interviews offered and accepted, per episode")
    return Block([shown, rhi_shown, Finding(
        "Episodes of looked-after children (Away, from the SSDA903 definitions) and police "
        "episodes of children missing from home are different populations: they are shown "
        "apart and never added together unlabelled.")])


@needs("missing")
def missing_monthly(ctx: Context) -> Block:
    m = ms.monthly_counts(ctx.extract["missing"], end=ctx.period.end)
    long = m.melt(id_vars="month", value_vars=["episodes", "children"], var_name="series",
                  value_name="count")
    long["month"] = long["month"].dt.strftime("%Y-%m")
    shown = disclose(m.assign(month=m["month"].dt.strftime("%Y-%m")),
                     counts=["episodes", "children"], caption="Episodes and children by month")
    mask = np.concatenate([shown.suppressed["episodes"].to_numpy(),
                           shown.suppressed["children"].to_numpy()])
    chart = line_chart(long, "month", "count", series="series", fmt="count",
                       title=_count_title(m, "children", "Children going missing each month"),
                       alt=("Line chart of missing episodes and distinct children per month "
                            f"from {long['month'].iloc[0]} to {long['month'].iloc[-1]}."),
                       subtitle="Episodes and children per month, Warwickshire",
                       source=ctx.source, table=shown, suppressed=mask)
    return Block([chart])


def _count_title(m: pd.DataFrame, col: str, what: str) -> str:
    first = m[col].iloc[:12].mean()
    last = m[col].iloc[-12:].mean()
    word = "rose" if last > first * 1.05 else "fell" if last < first * 0.95 else "held steady"
    return f"{what} {word} over the years held"


@needs("missing")
def missing_xmr(ctx: Context) -> Block:
    m = ms.monthly_counts(ctx.extract["missing"], end=ctx.period.end)
    months = m["month"].dt.strftime("%Y-%m").tolist()
    data = xmr_chart_data(m["episodes"].astype(float), improvement="decrease")
    shown = disclose(pd.DataFrame({"month": months, "episodes": m["episodes"],
                                   "special_cause": data["rule"].replace("", "-")}),
                     counts=["episodes"], caption="Missing episodes by month (XmR data)")
    concern = (data["variation"] == "concern").sum()
    chart = xmr_chart(
        data.reset_index(drop=True), months,
        title=("Missing episodes show special cause variation of concern" if concern else
               "Missing episodes vary within their process limits"),
        alt=(f"XmR chart of monthly missing episodes where fewer is better; {concern} months "
             "are special causes of concern."),
        subtitle="Missing episodes per month (fewer is improvement)", source=ctx.source,
        table=shown)
    return Block([chart, Finding(say.xmr_sentence(data, what="monthly missing episodes"))])


@needs("missing")
def missing_trend_and_target(ctx: Context, baseline_year: str = "2016-17",
                             target_year: str = "2019-20", reduction: float = 0.4) -> Block:
    m = ms.monthly_counts(ctx.extract["missing"], end=ctx.year.end)
    trend = seasonal_trend(m, count="children")
    base = ms.missing_figures(ctx.extract["missing"], financial_year(baseline_year))["children"]
    progress = target_progress(trend, base, baseline_year, target_year, reduction)
    table = pd.DataFrame([{
        "measure": "Annual rate ratio (children missing per month)",
        "value": f"{trend.rate_ratio:.3f}",
        "interval": f"{trend.lower:.3f} to {trend.upper:.3f}", "method": trend.method}, {
        "measure": f"Required annual ratio for {say.pct_short(reduction)} fewer by {target_year}",
        "value": f"{progress['required_ratio']:.3f}", "interval": "", "method": "target"}])
    chart = _target_chart(ctx, trend, progress, base, baseline_year, target_year)
    return Block([
        chart,
        disclose(table, counts=[], caption="Seasonal trend and the target"),
        Finding(say.trend_sentence(trend, what="children going missing each month")),
        Finding(say.target_sentence(progress, what="children going missing")),
        Finding(f"The model fits distinct children each month; the projection applies the "
                f"fitted change between {baseline_year} and {target_year} to the "
                f"{baseline_year} count of children. The baseline year is an assumption: the "
                "report names none."),
    ])


def _target_chart(ctx: Context, trend, progress: dict, base: int, baseline_year: str,
                  target_year: str):
    """Children missing each year held, the path the target needs, and the fitted trend."""
    first = int(baseline_year[:4])
    last = int(target_year[:4])
    held = ms.children_by_year(ctx.extract["missing"])
    held = held[held["year"] <= ctx.year.label]
    rows = [{"year": r.year, "series": "Children missing (this extract)", "value": r.children}
            for r in held.itertuples()]
    fitted_base = trend.project_total(pd.date_range(*_span(baseline_year), freq="MS"))["value"]
    for k, y in enumerate(range(first, last + 1)):
        label = f"{y}-{(y + 1) % 100:02d}"
        rows.append({"year": label, "series": "Path to the target",
                     "value": base * progress["required_ratio"] ** k})
        fitted = trend.project_total(pd.date_range(*_span(label), freq="MS"))["value"]
        rows.append({"year": label, "series": "On the current trend",
                     "value": base * fitted / fitted_base})
    lines = pd.DataFrame(rows)
    lines = lines.sort_values(["series", "year"]).reset_index(drop=True)
    table = held[["year", "children", "episodes"]]
    shown = disclose(table, counts=["children", "episodes"],
                     caption="Children going missing and episodes by year (this extract)")
    word = {"ahead": "ahead of", "behind": "behind", "inconclusive": "not clearly on"}[
        progress["verdict"]]
    return line_chart(
        lines, "year", "value", series="series", fmt="count",
        title=f"Children going missing: {word} the path to {say.pct_short(progress['reduction'])}"
              f" fewer by {target_year}",
        alt=(f"Line chart of children going missing each year, the path from "
             f"{say.count_text(base)} in {baseline_year} to "
             f"{say.count_text(round(progress['target_count']))} in {target_year}, and the "
             f"current trend reaching about {say.count_text(round(progress['projected']))}."),
        subtitle="Distinct children with a missing episode per financial year",
        source=ctx.source, table=shown,
        suppressed=((lines["series"] == "Children missing (this extract)")
                    & lines["value"].between(1, 5)).to_numpy())


def _span(year: str) -> tuple:
    p = financial_year(year)
    return p.start, p.end


@needs("missing")
def missing_by_district(ctx: Context) -> Block:
    ep = ms.episodes_in(ctx.extract["missing"], ctx.period)
    children = ep.groupby(ep["district"].fillna("Not recorded"))["child_id"].nunique()
    rows = []
    for d, pop in POPULATION_0_17.items():
        x = int(children.get(d, 0))
        lo, hi = rate_ci(x, pop)
        rows.append({"district": d, "children": x, "population": pop,
                     "rate": x / pop * 10_000, "lower": lo, "upper": hi})
    t = pd.DataFrame(rows)
    shown = disclose(t, counts=["children", "population"],
                     rates={c: ("children", None) for c in ("rate", "lower", "upper")},
                     caption="Children missing per 10,000 children aged 0-17, by district")
    top = t.sort_values("rate", ascending=False).iloc[0]["district"]
    chart = bar_chart(t, "district", "rate", lower="lower", upper="upper", fmt="rate",
                      title=f"{top} has the most children going missing for its size",
                      alt="Bar chart of children missing per 10,000 children by district: " +
                      "; ".join(f"{d} {r:.1f}" for d, r in zip(t["district"], t["rate"],
                                                                strict=True)),
                      subtitle=_subtitle(ctx, "Children missing per 10,000 aged 0-17"),
                      source=ctx.source + "; ONS 2015 mid-year estimates", table=shown,
                      suppressed=shown.suppressed["rate"].to_numpy())
    return Block([chart])


# --------------------------------------------------------------------------- 06 diversity


@needs("referrals")
def diversity_headline(ctx: Context) -> Block:
    d = ctx.figures["diversity"]
    items = []
    for field_name, label in (("ethnicity", "ethnicity"), ("first_language", "first language"),
                              ("religion", "religion")):
        x = d[f"{field_name}_not_recorded"]
        if x is None:
            items.append(Finding(f"The extract has no {label} field, so its recording cannot "
                                 "be measured."))
            continue
        items.append(Finding(say.proportion_sentence(
            x, d["referrals"], of_what="referrals", which=f"did not record {label}",
            period_label=ctx.period.label)))
    return Block(items)


@needs("referrals")
def diversity_by_quarter(ctx: Context) -> Block:
    t = dv.not_recorded_by(ctx.extract["referrals"], by="quarter", period=ctx.year)
    t["field"] = t["field"].map({"ethnicity": "Ethnicity", "first_language": "First language",
                                 "religion": "Religion"})
    wide = t.pivot(index="quarter", columns="field", values="value").reset_index()
    counts = t.pivot(index="quarter", columns="field", values="not_recorded").reset_index()
    counts.columns = ["quarter"] + [f"{c} not recorded" for c in counts.columns[1:]]
    referrals = t.groupby("quarter")["referrals"].first().reset_index()
    table = referrals.merge(counts, on="quarter").merge(wide, on="quarter")
    count_cols = ["referrals"] + [c for c in table.columns if c.endswith("not recorded")]
    shown = disclose(table, counts=count_cols,
                     percents={f: (f"{f} not recorded", "referrals") for f in
                               ("Ethnicity", "First language", "Religion")},
                     caption=f"Referrals with each field not recorded, {ctx.year.label}")
    worsening = all(wide[c].is_monotonic_increasing for c in wide.columns[1:])
    chart = line_chart(t, "quarter", "value", series="field",
                       title=("Diversity recording worsened every quarter" if worsening else
                              "Diversity fields are often not recorded on referrals"),
                       alt=("Line chart of the share of referrals not recording ethnicity, "
                            "first language and religion by quarter of " + ctx.year.label + ": "
                            + "; ".join(f"{r.field} {say.pct(r.value)} in {r.quarter}"
                                        for r in t[t['quarter'] == t['quarter'].max()]
                                        .itertuples())),
                       subtitle=f"Share of referrals with the field not recorded, "
                                f"{ctx.year.label}", source=ctx.source, table=shown)
    return Block([chart])


@needs("referrals")
def diversity_by_source(ctx: Context) -> Block:
    from .io.schemas import REFERRAL_SOURCES

    t = dv.not_recorded_by(ctx.extract["referrals"], by="referral_source", period=ctx.period)
    t["referral_source"] = [f"{c} {REFERRAL_SOURCES.get(c, '')}".strip()
                            for c in t["referral_source"]]
    wide = t.pivot_table(index="referral_source", columns="field",
                         values=["not_recorded"], aggfunc="sum")
    wide.columns = [f"{f} not recorded" for _, f in wide.columns]
    wide = wide.reset_index().merge(t.groupby("referral_source", as_index=False)["referrals"]
                                    .first(), on="referral_source")
    for f in ("ethnicity", "first_language", "religion"):
        wide[f"{f} share"] = wide[f"{f} not recorded"] / wide["referrals"]
    counts = ["referrals"] + [f"{f} not recorded" for f in
                              ("ethnicity", "first_language", "religion")]
    shown = disclose(wide, counts=counts,
                     percents={f"{f} share": (f"{f} not recorded", "referrals") for f in
                               ("ethnicity", "first_language", "religion")},
                     caption=f"Fields not recorded by referral source, {ctx.period.label}")
    return Block([shown])


@needs("referrals")
def bme_share(ctx: Context) -> Block:
    b = dv.bme_share(ctx.extract["referrals"], ctx.period)
    return Block([Finding(say.proportion_sentence(
        b["bme"], b["known"], of_what="referrals with ethnicity recorded",
        which="were of black and minority ethnic children", period_label=ctx.period.label,
        benchmark=SCHOOL_BME_2017, benchmark_label="the school population",
        benchmark_when="(January 2017 school census)"))])


# --------------------------------------------------------------------------- 07 early help


@needs("early_help")
def early_help_by_agency(ctx: Context) -> Block:
    t = eh.by_agency_and_year(ctx.extract["early_help"])
    years = _years_held(ctx.extract["early_help"]["assessment_start"], ctx.year)
    t = t[t["year"].isin(years)]
    wide = t.pivot_table(index="organisation", columns="year", values="assessments",
                         aggfunc="sum", fill_value=0)
    wide["Total"] = wide.sum(axis=1)
    wide.loc["Total"] = wide.sum()
    wide = wide.reset_index()
    counts = [c for c in wide.columns if c != "organisation"]
    shown = disclose(wide, counts=counts, row_total="Total", total_row=len(wide) - 1,
                     caption="Early help assessments by the organisation that completed them")
    current = t[t["year"] == ctx.year.label].sort_values("assessments", ascending=False)
    mask = shown.suppressed.set_index(shown.display["organisation"])
    cur_mask = [bool(mask.loc[o, ctx.year.label]) if ctx.year.label in mask.columns else False
                for o in current["organisation"]]
    top = current.iloc[0]["organisation"] if len(current) else "No organisation"
    chart = bar_chart(current, "organisation", "assessments",
                      title=f"{top}s completed the most early help assessments",
                      alt="Bar chart of early help assessments by organisation in "
                      f"{ctx.year.label}: " + "; ".join(
                          f"{o} {say.count_text(v)}" for o, v in
                          zip(current["organisation"], current["assessments"], strict=True)),
                      subtitle=f"Early help assessments started, {ctx.year.label}",
                      source=ctx.source, table=shown, suppressed=cur_mask)
    return Block([chart])


@needs("early_help")
def early_help_findings(ctx: Context) -> Block:
    ey = eh.early_years_share(ctx.extract["early_help"], ctx.period)
    lead = eh.lead_professional_retention(ctx.extract["early_help"], ctx.period)
    return Block([
        Finding(say.proportion_sentence(
            ey["early_years"], ey["assessments"], of_what="early help assessments",
            which="were started by early-years settings (nurseries, pre-schools, children's "
                  "centres, health visitors)", period_label=ctx.period.label)),
        Finding(say.proportion_sentence(
            lead["same_agency"], lead["recorded"],
            of_what="assessments with a lead professional recorded",
            which="kept the lead professional role with the agency that started early help",
            period_label=ctx.period.label)),
    ])


# --------------------------------------------------------------------------- comparator trends


@needs("referrals")
def rereferral_trend(ctx: Context) -> Block:
    """Yearly re-referral rate of the extract against England and the neighbours (pooled)."""
    ref = ctx.extract["referrals"]
    years = _years_held(ref["referral_date"], ctx.year)[1:]  # the first has no look-back
    rows = []
    for y in years:
        f = rf.referral_figures(ref, financial_year(y))
        rows.append({"year": y, "series": "This extract", "rereferrals": f["rereferrals"],
                     "referrals": f["referrals"], "value": f["rereferral_rate"]})
    local = pd.DataFrame(rows)
    published = bm.authority_series(ctx.reference, "rereferral_rate", ctx.area_code,
                                     ctx.neighbours)
    published = published[published["year"].isin(years)
                          & published["series"].isin(["England",
                                                      "Statistical neighbours (pooled)"])]
    lines = pd.concat([local[["year", "series", "value"]],
                       published[["year", "series", "value"]]], ignore_index=True)
    shown = disclose(local.drop(columns="series"), counts=["rereferrals", "referrals"],
                     percents={"value": ("rereferrals", "referrals")},
                     caption="Re-referral rate by year (this extract)")
    last = local.iloc[-1] if len(local) else None
    eng = published[(published["series"] == "England")]
    title = ("The re-referral rate stayed above England's every year" if len(eng) and all(
        local.set_index("year")["value"].get(y, 0) > v for y, v in
        zip(eng["year"], eng["value"], strict=True)) else "Re-referral rate against England")
    chart = line_chart(
        lines, "year", "value", series="series", title=title,
        alt=("Line chart of the yearly re-referral rate for this extract, England and the "
             "statistical neighbours pooled" + (f"; this extract ends at "
                                               f"{say.pct(last['value'])}" if last is not None
                                               else "") + "."),
        subtitle="Re-referrals within 12 months / referrals, by financial year",
        source=ctx.source + "; " + bm.SOURCE_NOTE, table=shown)
    return Block([chart])


@needs("missing")
def missing_looked_after_against_dfe(ctx: Context) -> Block:
    """Looked-after children with a missing incident: the extract beside DfE's published
    SSDA903 figures (the authority and England). Police episodes of children missing from
    home are a different population and are not in DfE's figures."""
    miss = ctx.extract["missing"]
    lac = miss[miss["looked_after"].fillna(False).astype(bool)
               & (miss["missing_type"] == "Missing")]
    years = _years_held(miss["start_date"], ctx.year)
    rows = []
    for y in years:
        ep = ms.episodes_in(lac, financial_year(y))
        rec = {"year": y, "extract_children": ep["child_id"].nunique(),
               "extract_incidents": len(ep)}
        for code, label in ((ctx.area_code, "published"), (bm.ENGLAND, "england")):
            for ind, col in (("cla_missing_children", "children"),
                             ("cla_missing_incidents", "incidents")):
                r = ctx.reference[(ctx.reference["indicator"] == ind)
                                  & (ctx.reference["year"] == y)
                                  & (ctx.reference["area_code"] == code)]
                rec[f"{label}_{col}"] = r["value"].iloc[0] if len(r) else np.nan
        rows.append(rec)
    t = pd.DataFrame(rows)
    shown = disclose(t, counts=[c for c in t.columns if c != "year"],
                     caption="Looked-after children who went missing: this extract and DfE's "
                             "published figures (authority and England)")
    return Block([shown, Finding(
        "DfE's figures count looked-after children with a missing incident (SSDA903); DfE "
        "says its years up to 2016-17 are experimental and not comparable with each other. "
        "x: not published for that year.")])
