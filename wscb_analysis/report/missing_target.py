"""Page 05's trend and target: the trend in children going missing each month (seasonal
Poisson model, from 24 whole months) and progress towards the partnership profile's reduction
target, from a baseline year the extract holds in full."""

from __future__ import annotations

import pandas as pd

from .. import narrative as say
from ..charts import line_chart
from ..disclosure import disclose
from ..periods import financial_year, financial_years
from ..stats import MIN_TREND_MONTHS, seasonal_trend, target_progress
from .blocks import Block, Finding, MethodNote, Note
from .common import keys_like, month_words, subtitle, whole_months, years_held
from .context import Context, needs


@needs("missing")
def missing_trend_and_target(ctx: Context) -> Block:
    """The trend in children going missing each month (seasonal Poisson model, 24 months or
    more) and progress towards the profile's reduction target."""
    heading = "Trend and the target"
    target = ctx.profile.targets.get("children_missing")
    months = whole_months(ctx, "missing")
    items: list = []
    if target is not None:
        items.append(Note(f"The target: {target.stated or 'a reduction'} "
                          f"({ctx.plain(target.source) or 'the partnership profile'}), read as "
                          f"{say.pct_short(target.reduction)} fewer children going missing in "
                          f"{target.target_year} than in {target.baseline_year}."))
    if len(months) < MIN_TREND_MONTHS:
        held = "one whole month" if len(months) == 1 else f"{len(months)} whole months"
        items.append(Finding(
            f"With {held} held, a trend in children going missing cannot yet be told apart "
            "from the usual ups and downs of the year: that needs "
            f"{MIN_TREND_MONTHS} months, so no trend or target verdict is given."))
        return Block(items, heading=heading)
    monthly = pd.DataFrame({
        "month": [pd.Timestamp(pd.Period(pd.to_datetime(m, format="%b %Y"), "M").start_time)
                  for m in months],
        "children": [int(ctx.plan.value(ctx.key("missing_children", m))) for m in months]})
    trend = seasonal_trend(monthly, count="children")
    notes = [say.trend_method_note(trend)]
    progress = _progress(ctx, trend, target)[0] if target is not None else None
    span = (f"the {len(months)} months from {month_words(months[0])} to "
            f"{month_words(months[-1])}")
    if progress is None or isinstance(progress, str):
        items.append(Finding(say.trend_sentence(trend,
                                                what="children going missing each month",
                                                span=span)))
        if isinstance(progress, str):
            items.append(Note(progress))
    else:
        # The target sentence leads with the trend, so the trend is said once, there.
        items.append(Finding(say.target_sentence(progress, what="children going missing",
                                                 span=span)))
        items.append(Note(_assumptions(ctx, target, months, span)))
        notes.append(say.target_method_note(progress))
        items.insert(0, _target_chart(ctx, progress, target, months))
    items.append(MethodNote(notes))
    return Block(items, heading=heading)


def _after_baseline(target, months: list[str]) -> int:
    """How many of the fitted months fall after the target's baseline year."""
    end = pd.Timestamp(financial_year(target.baseline_year).end)
    return sum(pd.to_datetime(m, format="%b %Y") > end for m in months)


def _assumptions(ctx: Context, target, months: list[str], span: str) -> str:
    """What the projection assumes, in plain words (METHODS.md, "Counts over time")."""
    text = (f"The projection assumes that the trend of {span} carries on unchanged to "
            f"{target.target_year}, and that the number of children going missing in a year "
            "changes at the same rate as the number going missing each month (the trend is "
            "fitted to monthly counts; the target is of the year's count, in which a child "
            "missing in several months counts once).")
    if not _after_baseline(target, months):
        text += (f" None of those months falls after {target.baseline_year}, the target's "
                 "baseline year, so this is a forecast from the years before the target "
                 "applied, not a measure of progress since.")
    return text


def _progress(ctx: Context, trend, target):
    base_year = financial_year(target.baseline_year)
    if ctx.held("missing", base_year) != "full":
        return (f"The target's baseline year, {target.baseline_year}, is not held in full in "
                "this extract, so progress towards the target cannot be measured."), None
    key = ctx.key("missing_children", base_year.label)
    if not ctx.plan.has(key):
        return (f"The target's baseline year, {target.baseline_year}, is not over by the end "
                "of this period, so progress towards the target cannot be measured yet."), None
    base = ctx.plan.value(key)
    if ctx.plan.hidden(key) or not base:
        return ("Too few children went missing in the baseline year to measure progress "
                "towards the target."), None
    return target_progress(trend, base, target.baseline_year, target.target_year,
                           target.reduction), base


def _target_chart(ctx: Context, progress: dict, target, months: list[str]):
    """Children going missing each year held, the path the target needs, and the trend."""
    first = int(target.baseline_year[:4])
    years = years_held(ctx, "missing")
    rows, keys = [], []
    for y in years:
        k = ctx.key("missing_children", y)
        rows.append({"year": y, "children": int(ctx.plan.value(k))})
        keys.append(k)
    held = pd.DataFrame(rows, columns=["year", "children"])
    shown = disclose(held, counts=["children"], keys=keys_like(held, {"children": keys}),
                     plan=ctx.plan, labels={"children": "Children going missing"},
                     caption="Children going missing by year (this extract)")
    base = progress["baseline_count"]
    lines = [{"year": y, "series": "This extract", "value": v}
             for y, v, h in zip(held["year"], held["children"], shown.suppressed["children"],
                                strict=True) if not h]
    for k, y in enumerate(financial_years(target.baseline_year, target.target_year)):
        lines.append({"year": y, "series": "Path to the target",
                      "value": base * progress["required_ratio"] ** k})
        lines.append({"year": y, "series": "If the trend carried on",
                      "value": base * progress["rate_ratio"] ** k})
    lines = pd.DataFrame(lines)
    word = {"ahead": "ahead of", "behind": "behind",
            "inconclusive": "not clearly on"}[progress["verdict"]]
    chart = line_chart(
        lines, "year", "value", series="series", fmt="count",
        title=(f"Children going missing: {word} the path to "
               f"{say.pct_short(progress['reduction'])} fewer by {target.target_year}"
               if _after_baseline(target, months) else
               f"If the trend to {month_words(months[-1])} carried on, children going missing "
               f"would be {word} the path to {say.pct_short(progress['reduction'])} fewer by "
               f"{target.target_year}"),
        alt=(f"Line chart of children going missing each year held, the path from the "
             f"{target.baseline_year} figure to {say.pct_short(progress['reduction'])} fewer "
             f"in {target.target_year}, and where the trend of {month_words(months[0])} to "
             f"{month_words(months[-1])} would lead if it carried on unchanged, which is "
             f"{word} that path."),
        subtitle=subtitle(ctx, "Children going missing per financial year",
                          f"{years[0] if years else first} to {target.target_year}"),
        source=ctx.source, table=shown)
    chart.constants = [say.pct_short(progress["reduction"])]  # the target, from the profile
    return chart


__all__ = ["missing_trend_and_target"]
