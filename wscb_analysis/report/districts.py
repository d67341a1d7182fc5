"""Districts against the authority's own figure, on a funnel plot (METHODS.md, "Districts
within the authority, authorities within England").

Each district the partnership profile lists is set against the authority's figure, worked
out from the authority's published total (every district's records, hidden ones included, and
those with no district): Wilson limits for a proportion (re-referrals of referrals, plans
ended after 2 years of plans ended), exact Poisson limits for a rate per 10,000 children, at
95% and 99.8%. A district beyond the 99.8% limits is "above (or below) the authority's
average by more than chance would explain", and every such district is named; "no district
stands out" only when every district lies inside the 95% limits. Districts are never ranked
against each other.

Disclosure: the centre comes from totals the pack shows (a hidden total draws no funnel); a
district whose count (or base) the plan hides is listed as "not shown" and has no point, no
position and no verdict, so nothing about its count can be read from the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

import numpy as np
import pandas as pd

from .. import narrative as say
from ..charts import funnel_chart
from ..disclosure import disclose
from ..disclosure.measures import NOT_RECORDED
from ..stats import funnel, rate_funnel
from .blocks import Block, MethodNote, Note
from .common import count_words, finding_of, keys_like, plain_missing, subtitle
from .context import Context

#: Where a district falls against the authority, in a reader's words.
POSITION = {
    "High (99.8%)": "above the authority's average by more than chance would explain",
    "Low (99.8%)": "below the authority's average by more than chance would explain",
    "High (95%)": "a little above the authority's average, but not by enough to rule out "
                  "chance",
    "Low (95%)": "a little below the authority's average, but not by enough to rule out "
                 "chance",
    "Not significant": "within the range chance alone would give around the authority's "
                       "average",
}
#: The same, short, for the table.
POSITION_ROWS = {"High (99.8%)": "Above, beyond chance", "Low (99.8%)": "Below, beyond chance",
                 "High (95%)": "A little above (could be chance)",
                 "Low (95%)": "A little below (could be chance)",
                 "Not significant": "Within the range chance would give"}


@dataclass(frozen=True)
class DistrictMeasure:
    """What a page compares by district.

    ``numerator`` and ``denominator`` are plan measures (``denominator`` None: a rate per
    10,000 children aged 0-17, from the profile's populations). ``what`` names the figure
    ("re-referral rate"); ``counted`` and ``base`` are the table's headings for the
    numerator and the denominator; ``value_label`` the figure's heading; ``of_what`` the
    records a district's figure is of, for sentences ("referrals", "plans that ended",
    "children going missing"); ``counted_words`` the numerator's noun ("re-referrals")."""

    numerator: str
    denominator: str | None
    what: str
    counted: str
    base: str
    value_label: str
    of_what: str
    counted_words: str
    caption: str
    #: For a proportion, what the numerator's records did ("were re-referrals").
    which: str = ""


def _found(ctx: Context, measure: str) -> list[str]:
    prefix = ctx.key(measure) + "district="
    return [unquote(k[len(prefix):]) for k in ctx.plan.keys if k.startswith(prefix)]


def _fmt(m: DistrictMeasure, value: float) -> str:
    return say.pct(value) if m.denominator else f"{say.format_rate(value)} per 10,000"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def district_comparison(ctx: Context, m: DistrictMeasure, heading: str) -> Block:
    """The districts' table and, where the authority's figure is shown, the funnel plot
    against it with the sentences it supports (module docstring)."""
    rate = m.denominator is None
    found = _found(ctx, m.numerator)
    pops = ctx.profile.populations()
    listed = [d for d in ctx.profile.district_names if d in found]
    others = sorted((d for d in found if d not in listed and d != NOT_RECORDED), key=str.lower)
    # The profile's districts are planned with a 0 where the period has none; when no record
    # names any of them and the file holds other values (a regional file's authorities), the
    # profile's names are not the file's: listing them at 0 would say something false.
    unlisted_only = bool(others) and not any(
        ctx.plan.value(ctx.key(m.numerator, district=d)) for d in listed) and not (
        not rate and any(ctx.plan.value(ctx.key(m.denominator, district=d)) for d in listed))
    if unlisted_only:
        listed = []
    order = listed + others + ([NOT_RECORDED] if NOT_RECORDED in found else [])
    rows = []
    for d in order:
        kx = ctx.key(m.numerator, district=d)
        kn = ctx.key(m.denominator, district=d) if not rate else None
        x = int(ctx.plan.value(kx))
        n = int(ctx.plan.value(kn)) if kn else pops.get(d)
        rows.append({"district": d, "x": x, "n": n, "kx": kx, "kn": kn})
    t = pd.DataFrame(rows, columns=["district", "x", "n", "kx", "kn"])
    # The table's own column names (the counts, the base and the figure), in plain words.
    cx, cn, cv = ("children", "population", "rate") if rate else ("count", "base", "share")
    table = pd.DataFrame({"district": t["district"], cx: t["x"], cn: t["n"].astype(float)})
    with np.errstate(invalid="ignore", divide="ignore"):
        table[cv] = (table[cx] / table[cn].where(table[cn] > 0)) * (10_000 if rate else 1)
    table["where"] = ""
    labels = {"district": "District", cx: m.counted, cn: m.base, cv: m.value_label,
              "where": "Against the authority's average"}
    if rate:
        shown = disclose(table, counts=[cx], rates={cv: (cx, None)},
                         keys=keys_like(table, {cx: t["kx"]}), plan=ctx.plan, labels=labels,
                         caption=m.caption)
        shown.display[cn] = [f"{int(v):,}" if pd.notna(v) else "not a district"
                             if d == NOT_RECORDED else "not in the profile"
                             for d, v in zip(t["district"], t["n"], strict=True)]
        plain_missing(shown, [cv], "no rate")
    else:
        shown = disclose(table, counts=[cx, cn], percents={cv: (cx, cn)},
                         keys=keys_like(table, {cx: t["kx"], cn: t["kn"]}), plan=ctx.plan,
                         labels=labels, caption=m.caption)
    hidden = shown.suppressed[cv].to_numpy() | shown.suppressed[cx].to_numpy()
    is_listed = t["district"].isin(listed).to_numpy()
    items: list = []
    notes: list = []
    method: list[str] = []

    # The authority's own figure, from its shown totals.
    kx_all = ctx.key(m.numerator)
    total_x = ctx.plan.shown(kx_all) if ctx.plan.has(kx_all) else None
    if rate:
        base_all = ctx.profile.population_0_17 or (
            sum(pops[d] for d in listed) if listed and all(d in pops for d in listed) else None)
        kn_all = None
    else:
        kn_all = ctx.key(m.denominator)
        base_all = ctx.plan.shown(kn_all) if ctx.plan.has(kn_all) else None
    centre = None
    why_none = None
    if not listed:
        why_none = ("none of the district values in the extract is one of the partnership "
                    "profile's districts" if others else "no district is recorded")
    elif total_x is None or not base_all:
        small = ctx.plan.has(kx_all) and ctx.plan.small(kx_all)
        why_none = ("the authority's own figure is "
                    + ("too few to publish" if small else "not shown") if base_all else
                    f"the authority's number of {m.of_what} is not shown")
    elif total_x == 0:
        why_none = f"there were no {m.counted_words} in {ctx.period.label}"
    else:
        centre = total_x / base_all * (10_000 if rate else 1)

    where = np.array([""] * len(t), dtype=object)
    for i, d in enumerate(t["district"]):
        if d == NOT_RECORDED:
            where[i] = "Not a district"
        elif not is_listed[i]:
            where[i] = "Not in the profile" if not unlisted_only else "Not compared"
        elif hidden[i]:
            where[i] = "Not shown"
    plot = is_listed & ~hidden & (t["n"].fillna(0).to_numpy(dtype=float) > 0)
    no_base = is_listed & ~hidden & ~plot
    for i in np.flatnonzero(no_base):
        where[i] = f"No {m.of_what}"
    out = pd.DataFrame()
    if centre is not None and plot.any():
        data = t[plot].reset_index(drop=True)
        if rate:
            limits, out, _ = rate_funnel(data, "x", "n", average=centre)
        else:
            limits, out, _ = funnel(data, "x", "n", average=centre)
        for d, s in zip(out["district"], out["significance"], strict=True):
            where[int(np.flatnonzero(t["district"].to_numpy() == d)[0])] = POSITION_ROWS[s]
    shown.display["where"] = where
    if unlisted_only:
        notes.append(Note("None of the district values in the extract is one of the "
                          "partnership profile's districts: they are shown as they are"
                          + (", as counts with no rate," if rate else "")
                          + " and never ranked or compared."))
    elif others:
        notes.append(Note("Values the partnership profile does not list as districts ("
                          + ", ".join(others) + ") are shown as they are"
                          + (", as counts with no rate," if rate else "")
                          + " and not compared."))
    if NOT_RECORDED in found:
        notes.append(Note(f"{m.of_what.capitalize()} with no district recorded are shown "
                          "apart: they count in the authority's average but in no "
                          "district's" + ("; so each district's rate is a little lower "
                                          "than it would be if every child's district were "
                                          "known." if rate else ".")))
    if centre is None:
        items.append(shown)
        if why_none and listed:
            items.append(Note(f"The districts are not compared with the authority's average: "
                              f"{why_none}."))
        return Block(items + notes, heading=heading)

    names_hidden = [d for d, h, lst in zip(t["district"], hidden, is_listed, strict=True)
                    if h and lst]
    names_none = [d for d, nb in zip(t["district"], no_base, strict=True) if nb]
    if out.empty:
        items.append(shown)
        items.append(Note(f"No district's figure can be shown, so none is compared with the "
                          f"authority's average ({_fmt(m, centre)})."))
        return Block(items + notes, heading=heading)
    label = out["significance"]
    beyond = out[label.isin(["High (99.8%)", "Low (99.8%)"])]
    near = out[label.isin(["High (95%)", "Low (95%)"])]
    above = list(beyond.loc[beyond["significance"] == "High (99.8%)", "district"])
    below = list(beyond.loc[beyond["significance"] == "Low (99.8%)", "district"])
    what = m.what
    if above or below:
        parts = []
        if above:
            parts.append(f"{_and(above)} {'is' if len(above) == 1 else 'are'} above the "
                         f"authority's average {what}")
        if below:
            parts.append(f"{_and(below)} {'is' if len(below) == 1 else 'are'} below "
                         + ("it" if above else f"the authority's average {what}"))
        title = "; ".join(parts)
        title = title[0].upper() + title[1:]
    elif not near.empty:
        title = f"No district's {what} is clearly above or below the authority's average"
    elif names_hidden or names_none:
        title = f"No district shown stands out from the authority's average {what}"
    else:
        title = f"No district stands out from the authority's average {what}"
    centre_words = _fmt(m, centre)
    for _, row in beyond.iterrows():
        items.append(_district_finding(ctx, m, row, centre_words, t))
    if not near.empty:
        named = [f"{d} ({_fmt(m, v)})" for d, v in zip(near["district"], near["value"],
                                                        strict=True)]
        sides = set(near["significance"])
        side = ("above" if sides == {"High (95%)"} else "below" if sides == {"Low (95%)"}
                else "above or below")
        items.append(finding_of(
            f"{_and(named)} {'lies' if len(named) == 1 else 'lie'} between the inner and "
            f"outer limits: a little {side} the authority's {centre_words}, but not by enough "
            "to rule out chance.", ctx))
    if beyond.empty and near.empty:
        every = "Every district shown" if names_hidden or names_none else "Every district"
        items.append(finding_of(
            f"{every} lies within the range chance alone would give around the authority's "
            f"average {what} of {centre_words}.", ctx))
    small = [d for d in names_hidden if ctx.plan.small(ctx.key(m.numerator, district=d))]
    protecting = [d for d in names_hidden if d not in small]
    for names, why in ((small, "too few to publish"),
                       (protecting, "not shown (showing it would let a small number elsewhere "
                                    "be worked out)")):
        if names:
            one = len(names) == 1
            items.append(Note(f"The figure{'' if one else 's'} for {_and(names)} "
                              f"{'is' if one else 'are'} {why}, so "
                              f"{'it is' if one else 'they are'} not compared."))
    for d in names_none:
        items.append(Note(f"{d} had no {m.of_what} in {ctx.period.label}, so it is not "
                          "compared."))
    out = out.assign(area_name=out["district"])
    size_label = m.base if not rate else "Children aged 0-17"
    placed = {d: (v, sig) for d, v, sig in zip(out["district"], out["value"],
                                                 out["significance"], strict=True)}
    # Every district in the profile's order; a hidden one is named with no figure beside it
    # (its name is followed by words, never by a number or a stop).
    parts = []
    for d in listed:
        if d in placed:
            v, sig = placed[d]
            parts.append(f"{d} {_fmt(m, v)}, {POSITION_ROWS[sig].lower()}")
        elif d in names_hidden:
            parts.append(f"{d} (not shown)")
        else:
            parts.append(f"{d} (no {m.of_what})")
    alt = (f"Funnel plot of {what} by district around the authority's average of "
           f"{centre_words}, with limits chance alone would give: " + "; ".join(parts) + ".")
    chart = funnel_chart(
        limits, out, centre, title=title, alt=alt, label="area_name", label_all=True,
        fmt="rate" if rate else "percent", size="n", size_label=size_label,
        average_label="Authority's average", not_shown=names_hidden,
        subtitle=subtitle(ctx, f"{m.value_label} by district"),
        source=ctx.source + ("; " + (ctx.profile.population_source or "partnership profile")
                             if rate else ""),
        table=shown)
    # The centre is the authority's shown figure; an expected count is worked out from it and
    # a public population, never from a hidden count.
    chart.constants = [say.pct(centre) if not rate else say.format_rate(centre)]
    method.append(
        "Each district is set against the authority's own figure, worked out from all the "
        "authority's records (every district's, hidden ones included, and those with no "
        "district recorded), on a funnel plot: 95% of districts would lie inside the inner "
        "(dashed) limits and 99.8% inside the outer (dotted) ones by chance alone. A district "
        "beyond the outer limits is above or below the authority's average by more than chance "
        "would explain. "
        + ("The limits are exact Poisson limits for the number of children expected in a "
           "district of that size at the authority's rate (per 10,000 children aged 0-17, "
           "from the partnership profile's populations)." if rate else
           "The limits are Wilson score limits for a share of that many around the "
           "authority's share.")
        + " Districts are compared with the authority, not ranked against each other.")
    return Block([chart, *items, *notes, MethodNote(method)], heading=heading)


def _district_finding(ctx: Context, m: DistrictMeasure, row, centre_words: str,
                      t: pd.DataFrame):
    """One sentence for a district beyond the outer limits, with its counts tagged."""
    d = row["district"]
    kx = t.loc[t["district"] == d, "kx"].iloc[0]
    kn = t.loc[t["district"] == d, "kn"].iloc[0]
    where = POSITION[row["significance"]]
    if m.denominator is None:
        x = count_words(ctx, kx)
        text = (f"{d}: {x} {m.counted_words} ({say.format_rate(row['value'])} per 10,000 "
                f"children aged 0-17), against about {say.count_text(round(row['expected']))} "
                f"expected at the authority's rate of {centre_words}: {where}.")
        return finding_of(text, ctx, kx)
    x, n = count_words(ctx, kx), count_words(ctx, kn)
    text = (f"{d}: {x} of {n} {m.of_what} {m.which} ({say.pct(row['value'])}), against the "
            f"authority's {centre_words}: {where}.")
    return finding_of(text, ctx, kx, kn)


__all__ = ["DistrictMeasure", "district_comparison", "POSITION", "POSITION_ROWS"]
