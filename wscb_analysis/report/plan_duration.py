"""Page 04, how long child protection plans last: plans that ended by length (DfE table D7)
and, apart, plans still open past two years (D5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import narrative as say
from ..charts import bar_chart
from ..disclosure import disclose
from ..metrics.cp_plans import DURATION_BANDS
from .blocks import Block, Finding, MethodNote, Note
from .common import funnel_all_authorities, keys_like, subtitle, why_not
from .context import Context, needs
from .districts import DistrictMeasure, district_comparison

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
        # "Most" only for more than half (METHODS.md); else the largest group.
        if top["plans"].iloc[0] * 2 > total:
            title = f"Most plans that ended had lasted {top['length'].iloc[0]}"
        elif top["plans"].iloc[1] < top["plans"].iloc[0]:
            title = (f"The largest group of plans that ended had lasted "
                     f"{top['length'].iloc[0]}")
        else:
            title = "Plans that ended, by how long they lasted"
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
        items.extend(_published_comparison(ctx, x, n, kx, kn, notes))
    ko, kt = ctx.key("plans_open_2_years_plus"), ctx.key("plans_open_at_end")
    if ctx.plan.has(ko):
        o, t = ctx.say_key(ko), ctx.say_key(kt)
        england_open = ctx.england("cp_open_2_years_plus_rate")
        items.append(Finding(say.proportion_sentence(
            o, t, of_what="plans open at the end of the period",
            which="had been open 2 years or more (a different measure from plans that "
                  "ended, not comparable with it)",
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


#: The profile's name for the measure of plans that ended after 2 years or more.
PUBLISHED_MEASURE = ("ended_2_years_plus_rate", "cp_ended_2_years_plus_rate")


def _published_comparison(ctx: Context, x, n, kx: str, kn: str, notes: list[str]) -> list:
    """The comparison the partnership has published for this measure (its annual report's
    4.8% against England's 3.8%), beside DfE's own figure, with the same test."""
    comparison = next((c for m in PUBLISHED_MEASURE
                       if (c := ctx.profile.comparison_for(m)) is not None), None)
    if comparison is None:
        return []
    described = ctx.plain(comparison.label)
    notes.append(say.proportion_method_note(x, n, benchmark=comparison.value,
                                            benchmark_label="the published comparison"))
    return [Finding(say.published_comparison_sentence(
        x, n, value=comparison.value, described=described,
        missing_reason=why_not(ctx, kx, kn)), [(say.count_text(x), kx),
                                               (say.count_text(n), kn)])]


@needs("cp_plans")
def duration_funnel(ctx: Context) -> Block:
    """Where DfE publishes plans that ended by length for each authority for the year, the
    authority among all of them; otherwise each district against the authority's own share
    (:mod:`.districts`)."""
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
    block = district_comparison(ctx, DistrictMeasure(
        numerator="plans_ended_2_years_plus", denominator="plans_ended",
        what="share of ended plans lasting 2 years or more",
        counted="Ended after 2 years or more", base="Plans ended",
        value_label="Share of ended plans lasting 2 years or more",
        of_what="plans that ended", which="had lasted 2 years or more",
        counted_words="plans that had lasted 2 years or more",
        caption=f"Plans ended after 2 years or more by district, {ctx.period.label}"),
        heading)
    drawn = any(hasattr(i, "png") for i in block.items)
    block.items.insert(1 if drawn else 0, Note(
        f"{unpublished}, so each district is compared with the authority's own figure "
        "instead." if drawn else f"{unpublished}."))
    return block


__all__ = ["duration_bands", "two_year_plans", "duration_funnel", "BAND_WORDS"]
