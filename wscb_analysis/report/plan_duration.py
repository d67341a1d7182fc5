"""Page 04, how long child protection plans last: plans that ended by length (DfE table D7)
and, apart, plans still open past two years (D5)."""

from __future__ import annotations

from urllib.parse import unquote

import numpy as np
import pandas as pd

from .. import narrative as say
from ..charts import bar_chart, funnel_chart
from ..disclosure import disclose
from ..disclosure.measures import NOT_RECORDED
from ..metrics.cp_plans import DURATION_BANDS
from ..stats import funnel
from .blocks import Block, Finding, MethodNote, Note
from .common import funnel_all_authorities, keys_like, subtitle, why_not
from .context import Context, needs

BAND_WORDS = {
    "3 months or less": "3 months or less",
    "more than 3 months to 6 months": "more than 3 and up to 6 months",
    "more than 6 months to less than 1 year": "more than 6 months and under a year",
    "1 year to less than 2 years": "1 year and under 2 years",
    "2 years and over": "2 years or more",
}


@needs("cp_plans")
def duration_bands(ctx: Context) -> Block:
    """Plans that ended in the period by how long they lasted, in DfE's D7 bands."""
    heading = "Plans that ended, by length"
    if not ctx.has_field("cp_plans", "end_date"):
        return Block([], heading=heading)  # the page's coverage note has said so
    keys = [ctx.key("plans_ended", band=b) for b in DURATION_BANDS] + [ctx.key("plans_ended")]
    values = [int(ctx.plan.value(k)) for k in keys]
    t = pd.DataFrame({"length": [BAND_WORDS[b] for b in DURATION_BANDS] + ["All plans ended"],
                      "plans": values})
    total = values[-1]
    t["share"] = t["plans"] / total if total else np.nan
    shown = disclose(t, counts=["plans"], percents={"share": ("plans", None)},
                     keys=keys_like(t, {"plans": keys}), plan=ctx.plan, total_row=len(t) - 1,
                     labels={"length": "How long the plan lasted", "plans": "Plans ended"},
                     caption=f"Plans that ended in {ctx.period.label}, by how long they lasted")
    # A share of a hidden total would reveal the other bands: hide every share then.
    if shown.suppressed["plans"].iloc[-1]:
        shown.display["share"] = "c"
        shown.suppressed["share"] = True
    if total == 0:
        return Block([Note(f"No plan ended in {ctx.period.label}.")], heading=heading)
    body = t.iloc[:-1].reset_index(drop=True)
    hide = shown.suppressed["plans"].to_numpy()[:-1]
    visible = body[~hide]
    if shown.suppressed["plans"].iloc[-1] or len(visible) < 2 or \
            (visible["plans"] > 0).sum() < 2:
        # A chart of hidden or empty bars says nothing true: the table alone, and why.
        return Block([shown, Note("Too few plans ended in the period to chart them by "
                                  "length.")], heading=heading)
    if not hide.any():
        top = visible.sort_values("plans", ascending=False)
        title = (f"Most plans that ended had lasted {top['length'].iloc[0]}"
                 if top["plans"].iloc[1] < top["plans"].iloc[0]
                 else "Plans that ended, by how long they lasted")
    else:
        title = "Plans that ended, by how long they lasted"
    chart = bar_chart(body, "length", "plans", title=title,
                      alt="Bar chart of plans that ended by how long they lasted: "
                      + "; ".join(f"{d} {say.count_text(v) if not h else 'too few to show'}"
                                  for d, v, h in zip(body["length"], body["plans"], hide,
                                                     strict=True)) + ".",
                      subtitle=subtitle(ctx, "Plans ended, by length"), source=ctx.source,
                      table=shown, suppressed=hide)
    return Block([chart], heading=heading)


@needs("cp_plans")
def two_year_plans(ctx: Context) -> Block:
    """Plans that ended after 2 years or more against England's figure for the same year
    (D7), and plans open 2 years or more at the period's end (D5, a different measure). One
    England figure per measure, of the pack's year."""
    heading = "Two years or more, against England"
    items: list = []
    notes: list[str] = []
    when = ctx.england_when
    kn = ctx.key("plans_ended")
    none_ended = ctx.plan.has(kn) and not ctx.plan.hidden(kn) and ctx.plan.value(kn) == 0
    # "No plan ended" is said once, by the section above.
    if ctx.has_field("cp_plans", "end_date") and not none_ended:
        england = ctx.england("cp_ended_2_years_plus_rate")
        kx = ctx.key("plans_ended_2_years_plus")
        x, n = ctx.say_key(kx), ctx.say_key(kn)
        items.append(Finding(say.proportion_sentence(
            x, n, of_what="plans that ended", which="had lasted 2 years or more",
            period_label=ctx.period.label, benchmark=england, benchmark_when=when,
            missing_reason=why_not(ctx, kx, kn),
            benchmark_missing_reason=f"not published for {ctx.year.label}"),
            [(say.count_text(x), kx), (say.count_text(n), kn)]))
        notes.append(say.proportion_method_note(x, n, benchmark=england))
    ko, kt = ctx.key("plans_open_2_years_plus"), ctx.key("plans_open_at_end")
    if ctx.plan.has(ko):
        o, t = ctx.say_key(ko), ctx.say_key(kt)
        england_open = ctx.england("cp_open_2_years_plus_rate")
        items.append(Finding(say.proportion_sentence(
            o, t, of_what="plans open at the end of the period",
            which="had been open 2 years or more (DfE's D5 measure, "
                  "which is not comparable with plans that ended)",
            period_label=ctx.period.label, benchmark=england_open, benchmark_when=when,
            missing_reason=why_not(ctx, ko, kt),
            benchmark_missing_reason=f"not published for {ctx.year.label}"),
            [(say.count_text(o), ko), (say.count_text(t), kt)]))
        notes.append(say.proportion_method_note(o, t, benchmark=england_open))
    if not items:
        return Block([], heading=heading)  # no end dates: the coverage note has said so
    notes.append("Plans that ended are banded by how long they lasted (DfE table D7); plans "
                 "open at the end of the period by how long they had been open so far (table "
                 "D5). The two measures are never mixed.")
    items.append(MethodNote(notes))
    return Block(items, heading=heading)


@needs("cp_plans")
def duration_funnel(ctx: Context) -> Block:
    """Where DfE publishes D7 by authority for the year, the authority among all of them;
    otherwise the districts of the extract against its own average."""
    heading = "Compared fairly"
    la = ctx.reference[(ctx.reference["indicator"] == "cp_ended_2_years_plus_rate")
                       & (ctx.reference["year"] == ctx.year.label)
                       & (ctx.reference["level"] == "Local authority")]
    if len(la) > 20:
        return funnel_all_authorities(ctx, "cp_ended_2_years_plus_rate",
                                      "share of ended plans lasting 2 years or more",
                                      heading=heading)
    if not ctx.has_field("cp_plans", "end_date"):
        return Block([], heading=heading)  # the page's coverage note has said so
    unpublished = (f"DfE has published no figures of plans that ended by length for each "
                   f"authority for {ctx.year.label}")
    if not ctx.has_field("cp_plans", "district"):
        # The page's coverage note has said no district is recorded.
        return Block([Note(f"{unpublished}, so no fair comparison can be drawn here.")],
                     heading=heading)
    # Every district value the plan holds (a table lists the whole breakdown, so its rows
    # add up to the total shown elsewhere); only the profile's districts go in the plot.
    prefix = ctx.key("plans_ended") + "district="
    found = [unquote(k[len(prefix):]) for k in ctx.plan.keys if k.startswith(prefix)]
    listed = [d for d in ctx.profile.district_names if d in found]
    order = listed + sorted((d for d in found if d not in listed and d != NOT_RECORDED),
                            key=str.lower) + ([NOT_RECORDED] if NOT_RECORDED in found else [])
    rows = []
    for d in order:
        kx, kn = (ctx.key("plans_ended_2_years_plus", district=d),
                  ctx.key("plans_ended", district=d))
        rows.append({"district": d, "numerator": int(ctx.plan.value(kx)),
                     "denominator": int(ctx.plan.value(kn)), "kx": kx, "kn": kn})
    g = pd.DataFrame(rows, columns=["district", "numerator", "denominator", "kx", "kn"])
    if g.empty or (g["denominator"] > 0).sum() < 2:
        return Block([Note("Too few districts have plans that ended to compare.")],
                     heading=heading)
    table = g[["district", "numerator", "denominator"]].copy()
    table["value"] = table["numerator"] / table["denominator"].where(table["denominator"] > 0)
    shown = disclose(table, counts=["numerator", "denominator"],
                     percents={"value": ("numerator", "denominator")},
                     keys=keys_like(table, {"numerator": g["kx"], "denominator": g["kn"]}),
                     plan=ctx.plan, labels={"numerator": "Ended after 2 years or more",
                                            "denominator": "Plans ended",
                                            "value": "Share"},
                     caption=f"Plans ended after 2 years or more by district, "
                             f"{ctx.period.label}")
    ok = (~shown.suppressed["value"].to_numpy() & (table["denominator"] > 0).to_numpy()
          & table["district"].isin(listed).to_numpy())
    if ok.sum() < 2:
        return Block([shown, Note("Too few districts can be shown for a funnel plot.")],
                     heading=heading)
    limits, areas, average = funnel(table[ok], "numerator", "denominator")
    areas["area_name"] = areas["district"]
    areas["highlight"] = areas["significance"] != "Not significant"
    out = int(areas["highlight"].sum())
    chart = funnel_chart(
        limits, areas, average,
        title=("No district differs from the authority's average beyond chance" if not out
               else f"{out} district(s) differ from the authority's average beyond chance"),
        alt=(f"Funnel plot of the share of ended plans lasting 2 years or more by district "
             f"around the average of the districts shown, {say.pct(average)}; " + "; ".join(
                 f"{d}: {s}" for d, s in zip(areas["district"], areas["significance"],
                                             strict=True)) + "."),
        subtitle=subtitle(ctx, "Share of ended plans that lasted 2 years or more, by district"),
        source=ctx.source, table=shown)
    chart.constants = [say.pct(average)]  # the average of the shown districts
    items: list = [chart, Note(f"{unpublished}, so the districts are compared with each "
                               "other here.")]
    if (~ok & table["district"].isin(listed).to_numpy()).any():
        items.append(Note("Districts with too few plans to show are left out of the plot."))
    if (~table["district"].isin(listed)).any():
        items.append(Note("Plans whose district is not recorded, or is not one the partnership "
                          "profile lists, are in the table but not the plot."))
    return Block(items, heading=heading)


__all__ = ["duration_bands", "two_year_plans", "duration_funnel", "BAND_WORDS"]
