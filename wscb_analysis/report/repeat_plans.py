"""Page 03, repeat child protection plans (DfE table D3): how many children are on a second
or third plan?"""

from __future__ import annotations

from urllib.parse import unquote

import pandas as pd

from .. import narrative as say
from ..charts import bar_chart, line_chart
from ..disclosure import disclose
from ..disclosure.measures import NOT_RECORDED
from ..stats import wilson_ci
from .blocks import Block, Finding, MethodNote, Note
from .common import (
    funnel_all_authorities,
    keys_like,
    plain_missing,
    rate_frame,
    subtitle,
    why_not,
    years_held,
)
from .context import Context, needs


@needs("cp_plans")
def repeat_plans_headline(ctx: Context) -> Block:
    """Second or subsequent plans against England (D3); the local "within 2 years of the
    previous plan ending" measure over the repeat plans it can judge (those whose previous
    plan's end date is in the extract, a denominator named in the sentence); third or later
    plans."""
    # Without Annex A's count of previous plans a repeat is seen only when the earlier plan is
    # in the extract: an undercount, not a figure to set against England's.
    england = (ctx.england("second_or_subsequent_rate")
               if ctx.has_field("cp_plans", "previous_plans") else None)
    ks, kn = ctx.key("plans_second_or_subsequent"), ctx.key("plans_started")
    s, n = ctx.say_key(ks), ctx.say_key(kn)
    items: list = [Finding(say.proportion_sentence(
        s, n, of_what="child protection plans started",
        which="were for a child who had been on a plan before (a second or later plan)",
        period_label=ctx.period.label, benchmark=england, benchmark_when=ctx.england_when,
        missing_reason=why_not(ctx, ks, kn)), [(say.count_text(s), ks), (say.count_text(n), kn)])]
    notes = [say.proportion_method_note(s, n, benchmark=england)]
    kw, kk = ctx.key("plans_second_within_2_years"), ctx.key("plans_previous_end_known")
    raw_k = ctx.plan.value(kk) if ctx.plan.has(kk) else None
    raw_s = ctx.plan.value(ks) if ctx.plan.has(ks) else None
    raw_n = ctx.plan.value(kn) if ctx.plan.has(kn) else None
    if raw_n == 0:  # the sentence above says no plan started: nothing more to say of none
        items.append(MethodNote(notes))
        return Block(items, heading="Headline")
    if raw_s == 0:
        items.append(Note(f"No second or later plan started in {ctx.period.label}."))
    elif raw_k == 0:
        items.append(Note("None of the second or later plans has its previous plan, with an "
                          "end date, in the extract, so how soon they followed it cannot be "
                          "judged."))
    elif raw_k is not None:
        items.append(Finding(_within_two_years(ctx, kw, kk), [
            (say.count_text(ctx.say_key(kw)), kw), (say.count_text(ctx.say_key(kk)), kk)]))
        notes.append(say.proportion_method_note(ctx.say_key(kw), ctx.say_key(kk)))
    kt = ctx.key("plans_third_or_later")
    t = ctx.say_key(kt)
    items.append(Finding(say.proportion_sentence(
        t, n, of_what="plans started", which="were a third or later plan",
        period_label=ctx.period.label, missing_reason=why_not(ctx, kt, kn)),
        [(say.count_text(t), kt)]))
    notes.append("A second or later plan is one for a child who had been on a plan before, "
                 "however long ago (DfE table D3; Annex A's \"Number of Previous Child "
                 "Protection Plans\", or an earlier plan in the extract).")
    items.append(MethodNote(notes))
    return Block(items, heading="Headline")


def _within_two_years(ctx: Context, kw: str, kk: str) -> str:
    """"Of the 57 second or later plans started in 2016-17 whose previous plan's end date is
    in the extract, 18 (31.6%, likely between 21.0% and 44.5%) began within 2 years of it
    ending": the denominator is the plans that can be judged, and it is named."""
    w, k = ctx.say_key(kw), ctx.say_key(kk)
    base = (f"second or later plans started in {ctx.period.label} whose previous plan's end "
            "date is in the extract")
    tail = "began within 2 years of it ending (a local measure with no national figure)"
    if k is None:
        return f"The number of {base} is {why_not(ctx, kk)}, so no percentage can be given."
    if w is None:
        return f"Of the {say.count_text(k)} {base}, the number that {tail} is " \
               f"{why_not(ctx, kw)}."
    if say.is_small(w) or say.is_small(k):
        return (f"Of the {say.count_text(k)} {base}, {say.count_text(w)} {tail}: too few to "
                "publish a percentage.")
    lo, hi = wilson_ci(w, k)
    return (f"Of the {say.count_text(k)} {base}, {say.count_text(w)} ({say.pct(w / k)}, "
            f"likely between {say.pct(lo)} and {say.pct(hi)}) {tail}.")


@needs("cp_plans")
def repeat_plans_by_category(ctx: Context) -> Block:
    """Plans started in the period by initial category of abuse, with the second or later
    plans of each."""
    heading = "By category of abuse"
    if not ctx.has_field("cp_plans", "initial_category"):
        return Block([], heading=heading)  # the page's coverage note has said so
    prefix = ctx.key("plans_started") + "category="
    cats = [unquote(k[len(prefix):]) for k in ctx.plan.keys if k.startswith(prefix)]
    cats = sorted((c for c in cats if c != NOT_RECORDED), key=str.lower) + (
        [NOT_RECORDED] if NOT_RECORDED in cats else [])
    if not cats:  # no plan started: the headline has said so
        return Block([], heading=heading)
    rows, keys = [], []
    for c in [*cats, None]:
        dims = {"category": c} if c else {}
        ks, kr = ctx.key("plans_started", **dims), ctx.key("plans_second_or_subsequent", **dims)
        rows.append({"category": c or "All categories", "started": int(ctx.plan.value(ks)),
                     "repeat": int(ctx.plan.value(kr))})
        keys.append({"started": ks, "repeat": kr})
    t = pd.DataFrame(rows)
    t["share"] = t["repeat"] / t["started"].where(t["started"] > 0)
    shown = disclose(t, counts=["started", "repeat"], percents={"share": ("repeat", "started")},
                     keys=keys_like(t, {c: [k[c] for k in keys] for c in ("started", "repeat")}),
                     plan=ctx.plan, total_row=len(t) - 1,
                     labels={"category": "Initial category of abuse",
                             "started": "Plans started", "repeat": "Second or later plans",
                             "share": "Share second or later"},
                     caption=f"Plans started by initial category of abuse, {ctx.period.label}")
    body = t.iloc[:-1]
    hide = shown.suppressed["repeat"].to_numpy()[:-1]
    data = body[~hide & (body["category"] != NOT_RECORDED).to_numpy()]
    if len(data) < 2 or data["repeat"].sum() == 0:
        return Block([shown], heading=heading)
    data = data.sort_values("repeat", ascending=False)
    top = data.iloc[0]
    unique_top = data["repeat"].iloc[1] < top["repeat"]
    title = (f"{top['category']} is the largest group of second or later plans"
             if unique_top and not hide.any() else
             "Second or later plans started, by category of abuse")
    chart = bar_chart(data, "category", "repeat", title=title,
                      alt="Bar chart of second or later plans started by category of abuse: "
                      + "; ".join(f"{c} {say.count_text(v)}" for c, v in
                                  zip(data["category"], data["repeat"], strict=True)) + ".",
                      subtitle=subtitle(ctx, "Second or later plans started, by category"),
                      source=ctx.source, table=shown)
    items: list = [chart]
    if hide.any():
        items.append(Note("Categories with too few second or later plans to show are left out "
                          "of the chart."))
    return Block(items, heading=heading)


@needs("cp_plans")
def cp_trend(ctx: Context) -> Block:
    """The share of second or later plans each year held in full, against England."""
    heading = "Over the years"
    years = years_held(ctx, "cp_plans")
    if not years:
        return Block([Note("No financial year of plans is held in full yet.")],
                     heading=heading)
    f = rate_frame(ctx, "plans_second_or_subsequent", "plans_started", years)
    table = f[["period", "denominator", "numerator", "value"]].rename(columns={
        "period": "year", "denominator": "started", "numerator": "second_or_later"})
    table["england"] = [ctx.england("second_or_subsequent_rate", y) for y in years]
    table["england"] = table["england"].astype(float)
    shown = disclose(table, counts=["started", "second_or_later"],
                     percents={"value": ("second_or_later", "started"),
                               "england": (None, None)},
                     keys=keys_like(table, {"started": f["den_key"],
                                            "second_or_later": f["num_key"]}),
                     plan=ctx.plan, labels={"started": "Plans started",
                                            "second_or_later": "Second or later",
                                            "value": "This extract", "england": "England"},
                     caption="Second or later plans by year")
    plain_missing(shown, ["england"], "not published")
    if len(years) < 2:
        return Block([shown, Note("Only one year is held in full, too few for a chart.")],
                     heading=heading)
    hide = shown.suppressed["value"].to_numpy()
    if hide.sum() > len(hide) - 2:
        return Block([shown, Note("Too few years of this extract can be shown for a chart.")],
                     heading=heading)
    lines = pd.concat([
        pd.DataFrame({"year": f["period"], "value": f["value"],
                      "series": "This extract"})[~hide],
        pd.DataFrame({"year": table["year"], "value": table["england"],
                      "series": "England"}).dropna()], ignore_index=True)
    chart = line_chart(
        lines, "year", "value", series="series",
        title="The share of second or later plans, this extract against England",
        alt="Line chart of the share of plans that were second or later, by year. This "
            "extract: " + "; ".join(f"{y} {say.pct(v)}" for y, v in
                                    zip(f["period"][~hide], f["value"][~hide], strict=True))
            + ". England (DfE's published figures): " + "; ".join(
                f"{y} {say.pct(v)}" for y, v in zip(table["year"], table["england"],
                                                    strict=True) if pd.notna(v)) + ".",
        subtitle=subtitle(ctx, "Second or later plans as a share of plans started",
                          f"{years[0]} to {years[-1]}"),
        source=ctx.source, table=shown)
    return Block([chart], heading=heading)


def repeat_plans_funnel(ctx: Context) -> Block:
    return funnel_all_authorities(ctx, "second_or_subsequent_rate",
                                  "share of second or later plans")


__all__ = ["repeat_plans_headline", "repeat_plans_by_category", "cp_trend",
           "repeat_plans_funnel"]
