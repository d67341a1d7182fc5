"""Page 02, re-referrals (DfE table C1): are re-referrals rising, and how does the authority
compare with England and its statistical neighbours?"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .. import benchmarks as bm
from .. import narrative as say
from ..charts import bar_chart, line_chart, xmr_chart
from ..coverage import long_date
from ..disclosure import disclose
from ..disclosure.measures import NOT_RECORDED
from ..metrics import referrals as rf
from ..periods import financial_year
from ..stats import wilson_ci
from ..stats import xmr as xmr_data
from .blocks import Block, Finding, MethodNote, Note
from .common import (
    keys_like,
    month_words,
    months_held_words,
    quarters_held,
    rate_frame,
    source_order,
    subtitle,
    unusual_words,
    why_not,
    years_held,
)
from .context import Context, needs
from .districts import DistrictMeasure, district_comparison
from .front_door import _event_month_words, _months_held, front_door_note, referral_step
from .series_words import series_words


def _lookback(ctx: Context) -> date | bool:
    return rf.lookback_held(ctx.extract["referrals"], ctx.period)


@needs("referrals")
def rereferral_headline(ctx: Context) -> Block:
    """Referral-level (DfE's headline) and child-level re-referral rates against England;
    whether the extract holds the look-back year; Annex A's own count as a cross-check."""
    england = ctx.england("rereferral_rate")
    when = ctx.england_when
    kx, kn = ctx.key("rereferrals"), ctx.key("referrals")
    x, n = ctx.sayable("rereferrals"), ctx.sayable("referrals")
    first = ctx.coverage["referrals"].first_date
    notes: list[str] = []
    items: list = []
    held = _lookback(ctx)
    if held is not True:
        # Without the 12 months before the period, re-referrals are a floor, not a rate to
        # compare: say what was found and why it is low, with no interval or verdict.
        complete = long_date(held) if held else "a year after the extract starts"
        items.append(Finding(
            f"{_cap(say.count_text(x, 'A number not shown'))} of "
            f"{say.count_text(n, 'the referrals (a number not shown)')} referrals in "
            f"{ctx.period.label} were found to be re-referrals within 12 months of an earlier "
            "referral in the extract.", [(say.count_text(x), kx), (say.count_text(n), kn)]))
        items.append(Note(
            f"The extract's referrals start on {long_date(first)}, so a referral before "
            f"{complete} cannot be checked against the full 12 months before it: re-referrals "
            "are undercounted, and so are not compared with England."))
    else:
        items.append(Finding(say.proportion_sentence(
            x, n, of_what="referrals", which="were re-referrals within 12 months of the same "
            "child's previous referral", period_label=ctx.period.label, benchmark=england,
            benchmark_when=when, missing_reason=why_not(ctx, kx, kn)),
            [(say.count_text(x), kx), (say.count_text(n), kn)]))
        notes.append(say.proportion_method_note(x, n, benchmark=england))
        ckx, ckn = ctx.key("children_rereferred"), ctx.key("children_referred")
        cx, cn = ctx.say_key(ckx), ctx.say_key(ckn)
        child_england = ctx.england("rereferral_child_rate")
        items.append(Finding(say.proportion_sentence(
            cx, cn, of_what="children referred", which="were referred again within 12 "
            "months (counting each child once)", period_label=ctx.period.label,
            benchmark=child_england, benchmark_when=when,
            missing_reason=why_not(ctx, ckx, ckn)), [(say.count_text(cx), ckx),
                                                      (say.count_text(cn), ckn)]))
    rk, nk = ctx.key("rereferrals_recorded"), ctx.key("referrals_recorded_known")
    if ctx.plan.has(rk):
        rx, rn = ctx.sayable("rereferrals_recorded"), ctx.sayable("referrals_recorded_known")
        items.append(Finding(
            "As a cross-check, the extract's own count of each child's referrals in the last "
            "12 months, which can see referrals from before the extract starts, marks "
            f"{say.count_text(rx, 'a number not shown')} of the "
            f"{say.count_text(rn, 'referrals it fills in (a number not shown)')} referrals "
            "it fills in as re-referrals.", [(say.count_text(rx), rk), (say.count_text(rn), nk)]))
        notes.append("The cross-check reads the list's own column \"Number of Referrals in "
                     "Last 12 Months\" (Ofsted's Annex A List 3), read as the child's earlier "
                     "referrals in the 12 months before this one: a referral counts as a "
                     "re-referral there when the column is 1 or more.")
    notes.append("DfE's headline re-referral rate counts referrals: a referral is a "
                 "re-referral when the same child was referred in the 12 months before it "
                 "(DfE table C1). The child-level rate counts each child once.")
    items.append(MethodNote(notes))
    return Block(items, heading="Headline",
                 intro="A re-referral is a referral within 12 months of the same child's "
                       "previous referral.")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _complete_from(ctx: Context) -> date | None:
    return rf.first_complete_day(ctx.extract["referrals"])


@needs("referrals")
def rereferrals_by_quarter(ctx: Context) -> Block:
    """The re-referral rate of each quarter held in full with its full look-back, up to the
    period's end."""
    heading = "Re-referrals by quarter"
    start = _complete_from(ctx)
    quarters = [q for q in quarters_held(ctx, "referrals")
                if start is not None and financial_year(*q.split(" ")).start >= start]
    if not quarters:
        when = long_date(start) if start else "later"
        return Block([Note(
            "No quarter is held in full with the 12 months before it, so no quarterly "
            f"re-referral rate can be counted in full yet (the look-back is complete from "
            f"{when}).")], heading=heading)
    f = rate_frame(ctx, "rereferrals", "referrals", quarters)
    table = f[["period", "denominator", "numerator", "value"]].rename(
        columns={"period": "quarter", "denominator": "referrals", "numerator": "rereferrals"})
    keys = keys_like(table, {"referrals": f["den_key"], "rereferrals": f["num_key"]})
    shown = disclose(table, counts=["referrals", "rereferrals"],
                     percents={"value": ("rereferrals", "referrals")}, keys=keys,
                     plan=ctx.plan, labels={"value": "Re-referral rate"},
                     caption="Referrals and re-referrals by quarter")
    visible = f[~shown.suppressed["value"].to_numpy()]
    if len(visible) < 3:
        return Block([shown, Note("Too few quarters can be shown for a chart.")],
                     heading=heading)
    words = series_words(ctx, f, "The re-referral rate")
    chart = line_chart(
        f, "period", "value", title=words.title,
        alt=(f"Line chart of the quarterly re-referral rate from {visible['period'].iloc[0]} "
             f"({say.pct(visible['value'].iloc[0])}) to {visible['period'].iloc[-1]} "
             f"({say.pct(visible['value'].iloc[-1])}). {words.title}."),
        subtitle=subtitle(ctx, "Re-referrals within 12 months as a share of referrals, by "
                          "quarter", f"{quarters[0]} to {quarters[-1]}"),
        source=ctx.source, table=shown, suppressed=shown.suppressed["value"].to_numpy())
    return Block([chart, *[Finding(t) for t in words.sentences], MethodNote([words.method])],
                 heading=heading)


@needs("referrals")
def rereferral_trend(ctx: Context) -> Block:
    """The yearly re-referral rate of the extract (years held in full, with their look-back)
    against England and the statistical neighbours pooled."""
    heading = "Year by year, against England and neighbours"
    start = _complete_from(ctx)
    years = [y for y in years_held(ctx, "referrals")
             if start is not None and financial_year(y).start >= start]
    if not years:
        return Block([Note("No financial year is held in full with the 12 months before it, "
                           "so no yearly re-referral rate can be compared yet.")],
                     heading=heading)
    local = rate_frame(ctx, "rereferrals", "referrals", years)
    table = local[["period", "denominator", "numerator", "value"]].rename(columns={
        "period": "year", "denominator": "referrals", "numerator": "rereferrals"})
    published = bm.authority_series(ctx.reference, "rereferral_rate", ctx.area_code,
                                    ctx.neighbours)
    published = published[published["year"].isin(years)
                          & published["series"].isin(["England",
                                                      "Statistical neighbours (pooled)"])]
    for series, col in (("England", "england"), ("Statistical neighbours (pooled)",
                                                  "neighbours")):
        vals = published[published["series"] == series].set_index("year")["value"]
        table[col] = table["year"].map(vals)
    keys = keys_like(table, {"referrals": local["den_key"], "rereferrals": local["num_key"]})
    shown = disclose(table, counts=["referrals", "rereferrals"],
                     percents={"value": ("rereferrals", "referrals"),
                               "england": (None, None), "neighbours": (None, None)},
                     keys=keys, plan=ctx.plan,
                     labels={"value": "This extract", "england": "England",
                             "neighbours": "Statistical neighbours (pooled)"},
                     caption="Re-referral rate by year")
    if len(years) < 2:
        return Block([shown, Note("Only one year is held in full, too few for a chart.")],
                     heading=heading)
    hide = shown.suppressed["value"].to_numpy()
    if hide.sum() > len(hide) - 2:
        return Block([shown, Note("Too few years of this extract can be shown for a chart.")],
                     heading=heading)
    lines = pd.concat([
        local.loc[~hide, ["period", "value"]].assign(series="This extract"),
        published[["year", "series", "value"]].rename(columns={"year": "period"})],
        ignore_index=True)
    verdicts = []
    for row, h in zip(local.itertuples(), hide, strict=True):
        e = table.loc[table["year"] == row.period, "england"]
        if h or e.isna().all():
            verdicts.append(None)
        else:
            verdicts.append("higher" if row.lower > e.iloc[0] else
                            "lower" if row.upper < e.iloc[0] else "similar")
    if verdicts and all(v == "higher" for v in verdicts):
        title = "The re-referral rate was above England's in every year shown"
    elif verdicts and all(v == "lower" for v in verdicts):
        title = "The re-referral rate was below England's in every year shown"
    else:
        title = "The re-referral rate against England and statistical neighbours"
    chart = line_chart(
        lines, "period", "value", series="series", title=title,
        alt=("Line chart of the yearly re-referral rate. This extract: " + "; ".join(
                 f"{r.period} {say.pct(r.value)}" for r in local[~hide].itertuples()) + ". "
             + " ".join(f"{series} (DfE's published figures): " + "; ".join(
                 f"{y} {say.pct(v)}" for y, v in zip(g["year"], g["value"], strict=True)
                 if pd.notna(v)) + "." for series, g in published.groupby("series", sort=False)
                 if g["value"].notna().any())),
        subtitle=subtitle(ctx, "Re-referrals within 12 months as a share of referrals",
                          f"{years[0]} to {years[-1]}"),
        source=ctx.source + "; " + bm.SOURCE_NOTE, table=shown)
    return Block([chart, MethodNote([
        "Above or below England in a year means England's figure lies outside the year's 95% "
        "confidence interval."])], heading=heading)


def rereferrals_against_comparators(ctx: Context) -> Block:
    """DfE's published re-referral rates for the year: the authority, its region, its
    statistical neighbours pooled and England (and this extract's own figure for a year)."""
    heading = "Against England, neighbours and region"
    t = bm.comparator_table(ctx.reference, "rereferral_rate", ctx.year.label, ctx.area_code,
                            ctx.neighbours)
    if t.empty:
        return Block([Note(f"DfE has published no re-referral rates for {ctx.year.label}.")],
                     heading=heading)
    t = t[t["role"] != "Statistical neighbour"].reset_index(drop=True)
    t["area_name"] = np.where(t["role"] == "Authority", t["area_name"] + " (published)",
                              t["area_name"])
    rows = [t]
    x, n = ctx.shown("rereferrals"), ctx.shown("referrals")
    if not ctx.is_quarter and ctx.held("referrals") == "full" and x is not None and n:
        lo, hi = wilson_ci(x, n)
        rows.insert(0, pd.DataFrame([{"role": "This extract", "area_name": "This extract",
                                      "numerator": x, "denominator": n, "value": x / n,
                                      "lower": lo, "upper": hi}]))
    t = pd.concat(rows, ignore_index=True)
    table = t[["area_name", "numerator", "denominator", "value", "lower", "upper"]]
    own = "This extract" in set(t["role"])
    shown = disclose(table, counts=[], percents={c: (None, None) for c in
                                                 ("value", "lower", "upper")},
                     kind="published", labels={"numerator": "Re-referrals",
                                               "denominator": "Referrals"},
                     caption=f"Re-referral rate, {ctx.year.label}: "
                             + ("this extract and " if own else "") + "DfE's published figures")
    for c in ("numerator", "denominator"):
        shown.display[c] = table[c].map(lambda v: f"{int(v):,}" if pd.notna(v) else "x")
    england = t.loc[t["role"] == "England", "value"]
    chart = bar_chart(
        t, "area_name", "value", lower="lower", upper="upper", fmt="percent",
        title=f"Re-referral rate against England, neighbours and region, {ctx.year.label}",
        alt=("Bar chart of re-referral rates with 95% intervals: " + "; ".join(
            f"{a} {say.pct(v)}" for a, v in zip(t["area_name"], t["value"], strict=True))
            + "."),
        subtitle="Re-referrals within 12 months as a share of referrals, with 95% intervals",
        source=bm.SOURCE_NOTE, table=shown,
        reference=float(england.iloc[0]) if len(england) else None,
        reference_label="England", highlight="This extract")
    items: list = [chart]
    if ctx.is_quarter:
        items.append(Note(f"These are DfE's published figures for the whole year "
                          f"{ctx.year.label}; the quarter's own figure is in the headline."))
    return Block(items, heading=heading)


@needs("referrals")
def referrals_xmr(ctx: Context) -> Block:
    """Monthly referrals on a Making Data Count XmR chart; limits recalculated at a recording
    change from the profile (e.g. a MASH opening) only when the data show a step there."""
    heading = "Referrals month by month"
    months = _months_held(ctx)
    values = [ctx.count("referrals", m) for m in months]
    if len(months) < 6:
        return Block([Note(f"{months_held_words(len(months), 'referrals')}: too few for a "
                           "chart of month-by-month variation (6 are needed).")],
                     heading=heading)
    if any(h for _, h, _ in values):
        return Block([Note("Some months hold too few referrals to show, so no month-by-month "
                           "chart is drawn.")], heading=heading)
    counts = np.array([v for v, _, _ in values], dtype=float)
    keys = [k for _, _, k in values]
    event = ctx.profile.event_for("referrals")
    rebase, title = [], "Monthly referrals by month"
    step_note = ""
    step = referral_step(ctx, months)
    if step is not None:
        when = _event_month_words(event)
        if step.verdict != "similar":
            rebase = [step.at]
            word = "up" if step.verdict == "higher" else "down"
            title = f"Monthly referrals stepped {word} when {event.short} in {when}"
            step_note = (f"The limits are recalculated from {when}, when {event.short}, "
                         "because the months after differ from the months before by more "
                         "than the usual month-to-month variation (p below 0.05).")
        else:
            title = f"Monthly referrals did not step up or down when {event.short} in {when}"
            step_note = (f"The months from {when} do not differ from the months before by "
                         "more than the usual month-to-month variation, so the limits are "
                         "not recalculated.")
    chart_data = xmr_data(pd.Series(counts), rebase_at=rebase)
    if not rebase:
        title = title if event is not None and title != "Monthly referrals by month" else (
            "Monthly referrals vary only as much as usual" if not chart_data[
                "special_cause"].any() else "Monthly referrals show unusual variation")
    table = pd.DataFrame({"month": months, "referrals": counts.astype(int),
                          "average": chart_data["mean"].round(1).to_numpy(),
                          "unusual": unusual_words(chart_data)})
    shown = disclose(table, counts=["referrals"], keys=keys_like(table, {"referrals": keys}),
                     plan=ctx.plan, labels={"average": "Average", "unusual": "Unusual?"},
                     caption="Referrals by month, with the average and the months that are "
                             "unusual")
    chart = xmr_chart(
        chart_data.reset_index(drop=True), months, title=title,
        alt=(f"Chart of referrals per month from {month_words(months[0])} to "
             f"{month_words(months[-1])} with the range usually expected; the latest month "
             f"is {say.count_text(int(counts[-1]))}."
             + (f" The range is worked out afresh from {month_words(months[rebase[0]])}."
                if rebase else "")),
        subtitle=subtitle(ctx, "Referrals per month",
                          f"{month_words(months[0])} to {month_words(months[-1])}"),
        source=ctx.source, table=shown)
    return Block([chart, Finding(say.xmr_sentence(chart_data, what="monthly referrals")),
                  MethodNote([say.xmr_method_note(chart_data), step_note])], heading=heading)


@needs("referrals")
def rereferrals_by_group(ctx: Context, by: str, label: str) -> Block:
    """Referrals and re-referrals in the period by district or referral source. By district,
    each district the profile lists against the authority's own re-referral rate on a funnel
    plot (:mod:`.districts`), other values as they are, "Not recorded" apart."""
    heading = f"By {label}"
    if not ctx.has_field("referrals", by):
        # The page's coverage note has said the field is not recorded in this extract.
        return Block([], heading=heading)
    counted = ctx.planned("rereferrals")
    if by == "district" and counted:
        return district_comparison(ctx, DistrictMeasure(
            numerator="rereferrals", denominator="referrals", what="re-referral rate",
            counted="Re-referrals", base="Referrals", value_label="Re-referral rate",
            of_what="referrals", which="were re-referrals", counted_words="re-referrals",
            caption=f"Referrals and re-referrals by district, {ctx.period.label}"), heading)
    groups = _groups(ctx, by)
    rows = []
    for g in groups:
        kx, kn = ctx.key("rereferrals", **{by: g}), ctx.key("referrals", **{by: g})
        n = ctx.plan.value(kn)
        x = ctx.plan.value(kx) if counted else np.nan
        rows.append({by: g, "referrals": int(n), "rereferrals": x,
                     "value": x / n if n else np.nan, "rk": kx if counted else None,
                     "nk": kn})
    t = pd.DataFrame(rows)
    if not counted:
        t["rereferrals"] = t["rereferrals"].astype(float)
    table = t[[by, "referrals", "rereferrals", "value"]]
    shown = disclose(table, counts=["referrals", "rereferrals"],
                     percents={"value": ("rereferrals", "referrals")},
                     keys=keys_like(table, {"referrals": t["nk"], "rereferrals": t["rk"]}),
                     plan=ctx.plan, labels={"value": "Re-referral rate"},
                     caption=f"Referrals and re-referrals by {label}, {ctx.period.label}")
    return Block([shown], heading=heading)


def _groups(ctx: Context, by: str) -> list[str]:
    """The groups the plan holds for ``by`` in the period, in reading order."""
    prefix = ctx.key("referrals") + f"{by}="
    found = [k[len(prefix):] for k in ctx.plan.keys if k.startswith(prefix)]
    from urllib.parse import unquote

    found = [unquote(g) for g in found]
    if by == "referral_source":
        return sorted(found, key=source_order)
    listed = [g for g in ctx.profile.district_names if g in found]
    others = sorted((g for g in found if g not in listed and g != NOT_RECORDED), key=str.lower)
    return listed + others + ([NOT_RECORDED] if NOT_RECORDED in found else [])


__all__ = ["rereferral_headline", "front_door_note", "rereferrals_by_quarter",
           "rereferral_trend", "rereferrals_against_comparators", "referrals_xmr",
           "rereferrals_by_group"]
