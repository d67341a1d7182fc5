"""Blocks several pages share: periods held, ordered groups, a rate over time from the plan,
titles that claim only what a test supports, and the all-authority funnel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import benchmarks as bm
from .. import narrative as say
from ..charts import funnel_chart
from ..disclosure import disclose
from ..disclosure.measures import NOT_RECORDED
from ..io.schemas import REFERRAL_SOURCE_GROUPS
from ..periods import Period, financial_year, financial_years
from ..stats import proportion_funnel, wilson_ci
from .blocks import Block, Finding, MethodNote, Note
from .context import Context


def subtitle(ctx: Context, measure: str, period: str | None = None) -> str:
    return f"{measure}, {ctx.authority}, {period or ctx.period.label}"


def years_held(ctx: Context, source: str, through: str | None = None) -> list[str]:
    """Financial years the source holds in full, up to ``through`` (default: the pack's year
    when the pack is a year; the year before when it is a quarter, whose year is not over)."""
    cov = ctx.coverage[source]
    if cov.first_date is None:
        return []
    last = through or (ctx.year.label if not ctx.is_quarter else ctx.year.previous().label)
    first = financial_year(_fy_of(cov.first_date)).label
    if first > last:
        return []
    return [y for y in financial_years(first, last)
            if cov.period_covered(financial_year(y)) == "full"]


def _fy_of(d) -> str:
    y = d.year if d.month >= 4 else d.year - 1
    return f"{y}-{(y + 1) % 100:02d}"


def quarters_held(ctx: Context, source: str, year: str | None = None) -> list[str]:
    """Quarters the source holds in full that end by the pack's period end (of one financial
    year when ``year`` is given)."""
    cov = ctx.coverage[source]
    if cov.first_date is None:
        return []
    years = [year] if year else financial_years(_fy_of(cov.first_date), ctx.year.label)
    out = []
    for y in years:
        for q in ("Q1", "Q2", "Q3", "Q4"):
            p = financial_year(y, q)
            if p.end <= ctx.period.end and cov.period_covered(p) == "full":
                out.append(p.label)
    return out


def period_of(label: str) -> Period:
    return financial_year(*label.split(" ")) if " Q" in label else financial_year(label)




def source_order(group: str) -> tuple:
    """Referral source groups in DfE's order (Individual, Schools, ..., Unknown), then
    anything else, then "Not recorded"."""
    if group == NOT_RECORDED:
        return (3, 0, group)
    order = list(REFERRAL_SOURCE_GROUPS)
    return (0, order.index(group), group) if group in order else (2, 0, str(group))


def ordered_groups(values, listed: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(groups the profile lists, in its order; other values as they are, sorted; "Not
    recorded" if present)."""
    values = [str(v) for v in values]
    known = list(listed)
    others = sorted({v for v in values if v not in listed and v != NOT_RECORDED}, key=str.lower)
    nr = [NOT_RECORDED] if NOT_RECORDED in values else []
    return known, others, nr


def shown_pct(ctx: Context, x_key: str, n_key: str) -> float | None:
    """A proportion a page may print: both counts shown (not hidden), n above 0."""
    x, n = ctx.plan.shown(x_key), ctx.plan.shown(n_key)
    if x is None or not n:
        return None
    return x / n


def rate_frame(ctx: Context, num: str, den: str, labels: list[str]) -> pd.DataFrame:
    """A proportion over periods from the plan: period, numerator, denominator (raw), value,
    lower, upper (Wilson), hidden (numerator or denominator hidden), with their keys."""
    rows = []
    for label in labels:
        kx, kn = ctx.key(num, label), ctx.key(den, label)
        if not (ctx.plan.has(kx) and ctx.plan.has(kn)):
            continue
        x, n = ctx.plan.value(kx), ctx.plan.value(kn)
        hidden = ctx.plan.hidden(kx) or ctx.plan.hidden(kn)
        lo, hi = wilson_ci(x, n) if n else (np.nan, np.nan)
        rows.append({"period": label, "numerator": int(x), "denominator": int(n),
                     "value": x / n if n else np.nan, "lower": lo, "upper": hi,
                     "hidden": hidden, "num_key": kx, "den_key": kn})
    return pd.DataFrame(rows, columns=["period", "numerator", "denominator", "value", "lower",
                                       "upper", "hidden", "num_key", "den_key"])


def keys_like(table: pd.DataFrame, columns: dict[str, pd.Series | list]) -> pd.DataFrame:
    """A frame of plan keys shaped like ``table`` (other columns None)."""
    out = pd.DataFrame(None, index=table.index, columns=table.columns, dtype=object)
    for c, keys in columns.items():
        out[c] = list(keys)
    return out


#: Where an authority falls in a funnel plot, in plain words (the limits are named in the
#: "How this was worked out" note, not in the title or the table).
FUNNEL_WORDS = {
    "High (99.8%)": "well above the average of English authorities, by more than chance "
                    "would explain",
    "High (95%)": "above the average of English authorities, by more than chance would "
                  "explain",
    "Not significant": "within the range chance alone would give around the average of "
                       "English authorities",
    "Low (95%)": "below the average of English authorities, by more than chance would "
                 "explain",
    "Low (99.8%)": "well below the average of English authorities, by more than chance "
                   "would explain"}
#: The same against limits widened for real differences between authorities (overdispersion):
#: the limits then say how far authorities usually differ, not what chance alone gives.
FUNNEL_WORDS_WIDENED = {
    "High (99.8%)": "well above the average of English authorities, further than "
                    "authorities usually differ",
    "High (95%)": "above the average of English authorities, towards the edge of how far "
                  "authorities usually differ",
    "Not significant": "within the usual range of English authorities",
    "Low (95%)": "below the average of English authorities, towards the edge of how far "
                 "authorities usually differ",
    "Low (99.8%)": "well below the average of English authorities, further than "
                   "authorities usually differ"}
FUNNEL_ROWS = {"High (99.8%)": "Well above average", "High (95%)": "Above average",
               "Not significant": "Within the range chance would give",
               "Low (95%)": "Below average", "Low (99.8%)": "Well below average"}
FUNNEL_ROWS_WIDENED = {**FUNNEL_ROWS, "Not significant": "Within the usual range"}


def funnel_words(label: str, widened: bool = False) -> str:
    return (FUNNEL_WORDS_WIDENED if widened else FUNNEL_WORDS).get(label, label)


#: A month at either end of a source counts as whole when its records start within this many
#: days of the month's first day (or end within this many days of its last): a quiet first
#: weekend or bank holiday is not a missing part of the month, but a file that starts on the
#: 15th holds half a month, which a chart would show as a fall that never happened.
WHOLE_MONTH_DAYS = 7


def whole_months(ctx: Context, source: str) -> list[str]:
    """The months ("Apr 2016") a source holds whole, from its first to the pack's last month
    (see :data:`WHOLE_MONTH_DAYS`). A source that reaches into the pack's last month holds
    it, as the coverage note says ("held in full" is judged by month)."""
    cov = ctx.coverage[source]
    if cov.first_date is None:
        return []
    first = pd.Timestamp(cov.first_date)
    start = first.to_period("M") + (0 if first.day <= WHOLE_MONTH_DAYS else 1)
    last_day = pd.Timestamp(cov.last_date)
    period_end = pd.Timestamp(ctx.period.end)
    if last_day.to_period("M") >= period_end.to_period("M"):
        last = period_end.to_period("M")
    else:
        short = last_day.days_in_month - last_day.day >= WHOLE_MONTH_DAYS
        last = last_day.to_period("M") - (1 if short else 0)
    if start > last:
        return []
    return [m.strftime("%b %Y") for m in pd.period_range(start, last, freq="M")]


def months_held_words(n: int, what: str) -> str:
    """"No whole month of referrals is held", "Only one whole month ...", "Only 4 whole
    months of referrals are held"."""
    return {0: f"No whole month of {what} is held",
            1: f"Only one whole month of {what} is held"}.get(
        n, f"Only {n} whole months of {what} are held")


def month_words(label: str) -> str:
    """A month label as a page writes it in a sentence: "Apr 2011" -> "April 2011"."""
    try:
        return pd.Period(pd.to_datetime(label, format="%b %Y"), "M").strftime("%B %Y")
    except (ValueError, TypeError):
        return label


#: An XmR chart's rules in plain words, for the "Unusual?" column of its table.
RULE_WORDS = {"outside limits": "outside the expected range",
              "trend": "part of a run of 7 rising or falling",
              "two of three": "near the edge of the range (2 of 3 in a row)",
              "shift": "part of a run of 7 on one side of the average"}


def unusual_words(chart: pd.DataFrame) -> np.ndarray:
    """Each point of an XmR chart (:func:`stats.xmr`) as a reader's words: why it is
    unusual, or "no"."""
    return chart["rule"].map(lambda r: RULE_WORDS.get(r, r) if r else "no").to_numpy()


def why_not(ctx: Context, *keys: str) -> str:
    """Why a sentence cannot give a planned figure (for ``missing_reason``): "not held for
    this period" when the plan does not hold it; "not shown" when the plan hides it to protect
    a small number elsewhere (a count of 1 to 5 itself is written "fewer than 6")."""
    for key in keys:
        if not ctx.plan.has(key):
            return say.NOT_HELD
        if ctx.plan.hidden(key) and not ctx.plan.small(key):
            return say.NOT_SHOWN
    return say.NOT_KNOWN


def plain_missing(shown, columns, words: str) -> None:
    """Cells a table shows as "x" (nothing to show) in ``columns`` written in words."""
    from ..disclosure.formats import NOT_AVAILABLE

    for c in columns:
        if c in shown.display:
            shown.display[c] = shown.display[c].replace(NOT_AVAILABLE, words)


#: What each indicator's funnel counts along its axis.
SIZE_LABELS = {"rereferral_rate": "Referrals", "second_or_subsequent_rate": "Plans started",
               "cp_ended_2_years_plus_rate": "Plans that ended"}


def funnel_all_authorities(ctx: Context, indicator: str, what: str,
                           heading: str = "Among all English authorities") -> Block:
    """The profile's authority among every English authority in a funnel plot of DfE's
    published figures for the year (a quarter pack shows the year's published figures).
    Where many more authorities lie outside the 99.8% limits than chance allows, the limits
    are widened for real differences between authorities (Spiegelhalter 2005,
    :func:`stats.proportion_funnel`), the page says so, and the words follow the limits
    drawn."""
    try:
        _, plain, _ = bm.la_funnel(ctx.reference, indicator, ctx.year.label, ctx.area_code)
    except (ValueError, KeyError):
        plain = pd.DataFrame()
    if plain.empty:
        return Block([Note(f"DfE has published no {what} by authority for "
                           f"{ctx.year.label}.")], heading=heading)
    left_out = plain.attrs.get("left_out", 0)
    limits, areas, average, od = proportion_funnel(plain, "numerator", "denominator")
    widened = od.adjusted
    rows = FUNNEL_ROWS_WIDENED if widened else FUNNEL_ROWS
    mine = areas[areas["highlight"]]
    counts = areas["significance"].value_counts()
    order = ["High (99.8%)", "High (95%)", "Not significant", "Low (95%)", "Low (99.8%)"]
    table = pd.DataFrame({"significance": [rows[s] for s in order],
                          "authorities": [int(counts.get(s, 0)) for s in order]})
    # Counts of authorities, from DfE's published figures: nothing about a child to suppress.
    shown = disclose(table, counts=[], kind="published",
                     caption=f"English authorities by where they fall, "
                     f"{what}, {ctx.year.label}" + (" (against the widened limits)"
                                                   if widened else ""),
                     labels={"significance": "Where they fall", "authorities": "Authorities"})
    label = mine["significance"].iloc[0] if len(mine) else None
    name = ctx.authority
    where = funnel_words(label, widened) if label else ""
    title = (f"{name}'s published {what} is {where}" if label
             else f"{what.capitalize()} among English authorities ({name}'s is not "
             "published)")
    limits_words = "widened for real differences between authorities" if widened else ""
    chart = funnel_chart(
        limits, areas, average, title=title,
        alt=(f"Funnel plot of DfE's published {what} for {len(areas)} English authorities in "
             f"{ctx.year.label} around their pooled average of {say.pct(average)}, with "
             + ("limits widened for real differences between authorities" if widened else
                "the limits chance alone would give")
             + "; " + (f"DfE's published figure for {name} is {say.pct(mine['value'].iloc[0])}"
                       f": {where}." if len(mine) else f"{name}'s figure is not published.")),
        subtitle=f"{what.capitalize()} by size, {ctx.year.label}, published DfE figures"
                 + ("; limits widened for real differences between authorities"
                    if widened else ""),
        source=bm.SOURCE_NOTE, table=shown, limits_label=limits_words,
        size_label=SIZE_LABELS.get(indicator, "Number of cases"),
        others_label="Other authorities")
    items: list = [chart]
    if left_out:
        noun = "authority" if left_out == 1 else "authorities"
        items.append(Note(f"{left_out} {noun} whose counts DfE suppressed are left out."))
    if ctx.is_quarter:
        items.append(Note(f"These are DfE's published figures for the whole year "
                          f"{ctx.year.label}, not for the quarter."))
    if widened:
        plain_label = mine["plain_significance"].iloc[0] if len(mine) else None
        items.append(Note(
            f"Authorities differ from each other by far more than chance alone would give "
            f"({od.outside} of {od.areas} lie outside the plain outer limits, where chance "
            f"alone would put {_about(od.expected_outside)}), so the limits drawn are "
            "widened to allow for the real differences between them."
            + (f" Against the plain limits, {name} would be "
               f"{funnel_words(plain_label)}." if plain_label and plain_label != label
               else "")))
    note = ("A funnel plot sets each authority's figure against the pooled average of all "
            "authorities, with limits that narrow as the number of cases grows: 95% of "
            "authorities would fall inside the dashed lines, and 99.8% inside the dotted ones, "
            "by chance alone. \"Above average\" means beyond the 95% limits, \"well above\" "
            "beyond the 99.8% limits (and likewise below).")
    if widened:
        note += (f" Here {od.outside} of {od.areas} authorities lie outside the plain 99.8% "
                 f"limits, where chance alone would put about {od.expected_outside:.1f} "
                 f"(a binomial test gives {say.p_value_text(od.p_outside)}): the spread is "
                 "overdispersed. As Public Health England's funnel-plot guidance does, the "
                 "limits drawn are widened by an additive random-effects term (Spiegelhalter "
                 "2005): z-scores winsorised at 10% at each end give a dispersion of "
                 f"{od.phi:.1f} and a between-authority variance of {od.tau2:.5f} (on the "
                 "proportion scale), added to each authority's own. Against the widened "
                 "limits, \"above average\" means further from the average than authorities "
                 "usually differ, not merely more than chance.")
    items.append(MethodNote([note]))
    return Block(items, heading=heading)


def _about(expected: float) -> str:
    """An expected number of authorities in words: "fewer than one", "about 2"."""
    return "fewer than one" if expected < 1 else f"about {expected:.0f}"


def finding_of(text: str, ctx: Context, *keys: str | None, **numbers: str | None) -> Finding:
    """A finding whose planned figures are tagged with their plan keys, so the disclosure
    audit reads the sentence as an attacker would: a printed number as that figure, "fewer
    than 6" as at most 5. Give the keys in the order the sentence says them (``keys``), or by
    name (``numbers``); a key the sentence does not print is left out."""
    pairs = [(count_words(ctx, key), key) for key in (*keys, *numbers.values())
             if key and ctx.plan.has(key)]
    return Finding(text, pairs)


__all__ = ["subtitle", "years_held", "quarters_held", "period_of", "source_order",
           "ordered_groups", "shown_pct", "rate_frame", "keys_like",
           "funnel_words", "funnel_all_authorities", "finding_of", "count_words", "why_not",
           "month_words", "plain_missing", "whole_months", "months_held_words",
           "FUNNEL_WORDS", "FUNNEL_WORDS_WIDENED", "FUNNEL_ROWS", "unusual_words",
           "RULE_WORDS"]


def count_words(ctx: Context, key: str) -> str:
    """A planned count for a sentence: the number when shown; "fewer than 6" when hidden for
    being 1 to 5; "a number not shown" when hidden to protect another figure (saying more
    would narrow it down)."""
    if not ctx.plan.has(key):
        return "not known"
    if not ctx.plan.hidden(key):
        return say.count_text(ctx.plan.value(key))
    return "fewer than 6" if ctx.plan.small(key) else "a number not shown"
