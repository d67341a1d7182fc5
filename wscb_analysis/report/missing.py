"""Page 05, children missing from home and care: are fewer children going missing, and is
the partnership on course for its target?

"Children going missing" counts children with a Missing episode (whereabouts not known).
Away-from-placement (SSDA903 A, whereabouts known) and police Absent (no apparent risk)
episodes are reported beside it, never inside it; looked-after (SSDA903) and from-home
(police) children are labelled, never added together unlabelled (DEFINITIONS.md).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .. import benchmarks as bm
from .. import narrative as say
from ..charts import line_chart, xmr_chart
from ..coverage import long_date
from ..disclosure import disclose
from ..disclosure.measures import POPULATIONS, TYPES
from ..stats import xmr as xmr_data
from .blocks import Block, Finding, MethodNote, Note
from .common import (
    count_words,
    finding_of,
    keys_like,
    month_words,
    months_held_words,
    plain_missing,
    subtitle,
    unusual_words,
    whole_months,
    why_not,
    years_held,
)
from .context import Context, needs
from .districts import DistrictMeasure, district_comparison
from .missing_target import missing_trend_and_target

LA, NLA = POPULATIONS[0], POPULATIONS[1]


def _split(ctx: Context) -> bool:
    """The extract says which episodes are of looked-after children and which are not."""
    return "looked_after" in ctx.extract.sources["missing"].columns_used


def _only_looked_after(ctx: Context) -> bool:
    return ctx.extract.sources["missing"].layout == "SSDA903 Missing" and not _split(ctx)


def _none_or(ctx: Context, key: str, none: str) -> str:
    """:func:`count_words`, with a shown 0 as a word ("none")."""
    if ctx.plan.has(key) and not ctx.plan.hidden(key) and ctx.plan.value(key) == 0:
        return none
    return count_words(ctx, key)


@needs("missing")
def missing_headline(ctx: Context) -> Block:
    """Children going missing (a Missing episode), repeat missing, missing at the period's
    end, away and absent beside; the change since the previous period when it is held in
    full; return home interviews where the extract records them."""
    k = ctx.key
    kc = k("missing_children")
    items: list = []
    notes: list[str] = []
    none_missing = ctx.plan.has(kc) and not ctx.plan.hidden(kc) and ctx.plan.value(kc) == 0
    if none_missing:
        items.append(Finding(f"No child had a Missing episode (whereabouts not known) in "
                             f"{ctx.period.label}." + (
                                 " The extract is the looked-after children return, which "
                                 "covers no one else." if _only_looked_after(ctx)
                                 else "")))
    else:
        said = [kc, k("missing_episodes")]
        text = (f"{_cap(_counted_or_bare(ctx, kc, 'children'))} went missing (whereabouts "
                f"not known) in {ctx.period.label}, in "
                f"{_counted_or_bare(ctx, said[1], 'missing episodes')}")
        if _split(ctx):
            said += [k("missing_children", population=LA), k("missing_children", population=NLA)]
            text += (f": {_counted(ctx, said[2], 'looked-after children')} and "
                     f"{_counted(ctx, said[3], 'children missing from home')} (a child can "
                     "be both in a year).")
        elif _only_looked_after(ctx):
            text += (". All are looked-after children: the looked-after children return "
                     "covers no one else.")
        else:
            text += "."  # the coverage note says the extract does not say who was looked after
        items.append(finding_of(text, ctx, *said))
        repeat = _none_or(ctx, k("missing_children_repeat"), "none")
        still = _none_or(ctx, k("missing_at_end"), "none")
        items.append(finding_of(
            f"{_cap(repeat)} went missing more than once in the period, and {still} "
            f"{'was' if still in ('none', '1') else 'were'} still missing at its end "
            f"({long_date(ctx.period.end)}).", ctx,
            k("missing_children_repeat"), k("missing_at_end")))
    beside, said = [], []
    for kind, who, what in (("Away", "missing_children_away", "were away from placement "
                             "without permission (whereabouts known)"),
                            ("Absent", "missing_children_absent", "were recorded absent by "
                             "the police (no apparent risk)")):
        ke = k("episodes", type=kind)
        if ctx.plan.has(ke) and ctx.plan.value(ke):
            said += [k(who), ke]
            beside.append(f"{_counted_or_bare(ctx, k(who), 'children')} {what} in "
                          f"{_counted_or_bare(ctx, ke, 'episodes')}")
    if beside:
        items.append(finding_of(("Beside them, not counted in them: " if not none_missing else
                                 "Not counted as missing: ") + "; ".join(beside) + ".",
                                ctx, *said))
    change, note = _change(ctx)
    items.extend(change)
    notes.append(note)
    items.extend(_rhi(ctx, notes))
    notes.append("Children going missing are children with at least one Missing episode "
                 "starting in the period; away-from-placement and absent episodes are counted "
                 "apart. An episode belongs to the period its start date falls in.")
    items.append(MethodNote(notes))
    return Block(items, heading="Headline")


def _counted(ctx: Context, key: str, noun: str) -> str:
    """"71 looked-after children", or "looked-after children, whose number is not shown"
    where the plan hides the count to protect another."""
    words = count_words(ctx, key)
    return (f"{noun}, whose number is not shown" if words == "a number not shown" else
            f"{words} {noun}")


def _counted_or_bare(ctx: Context, key: str, noun: str) -> str:
    """"7 children", "fewer than 6 children", or "children (number not shown)" where the
    plan hides the count to protect another ("a number not shown children" is no English)."""
    words = count_words(ctx, key)
    return f"{noun} (number not shown)" if words == "a number not shown" else f"{words} {noun}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _change(ctx: Context) -> tuple[list, str]:
    prev = ctx.period.previous()
    what = "children going missing"
    if ctx.held("missing", prev) != "full":
        return [Note(f"The previous period ({prev.label}) is not held in full, so no change "
                     "since then is given.")], ""
    if ctx.held("missing") != "full":
        # Part of a period against the whole of the one before would read as a fall.
        return [Note(f"{ctx.period.label} is only partly held, so no change since "
                     f"{prev.label} is given.")], ""
    now_k, prev_k = ctx.key("missing_children"), ctx.key("missing_children", prev.label)
    now, before = ctx.say_key(now_k), ctx.say_key(prev_k)
    if now is None or before is None:
        return [Note(f"{what.capitalize()} in {prev.label} or {ctx.period.label} are "
                     f"{why_not(ctx, now_k, prev_k)}, so no change is given.")], ""
    return [Finding(say.change_sentence(now, before, what=what, current_label=ctx.period.label,
                                        previous_label=prev.label,
                                        current_exposure=ctx.period.days,
                                        previous_exposure=prev.days))], \
        say.change_method_note(now, before, current_exposure=ctx.period.days,
                               previous_exposure=prev.days)


def _rhi(ctx: Context, notes: list[str]) -> list:
    if not ctx.has_field("missing", "rhi_offered"):
        return []  # the page's coverage note says return home interviews are not recorded
    ko, km = ctx.key("rhi_offered"), ctx.key("missing_episodes")
    o, m = ctx.say_key(ko), ctx.say_key(km)
    if ctx.plan.has(km) and ctx.plan.value(km) == 0:
        return []  # no missing episode: nothing to follow up
    out = [Finding(say.proportion_sentence(
        o, m, of_what="missing episodes", which="were followed by an offer of a return home "
        "interview", period_label=ctx.period.label, missing_reason=why_not(ctx, ko, km)),
        [(say.count_text(o), ko), (say.count_text(m), km)])]
    notes.append(say.proportion_method_note(o, m))
    if ctx.has_field("missing", "rhi_accepted") and o:
        ka = ctx.key("rhi_accepted")
        a = ctx.say_key(ka)
        out.append(Finding(say.proportion_sentence(
            a, o, of_what="return home interviews offered", which="were accepted",
            period_label=ctx.period.label, missing_reason=why_not(ctx, ka, ko)),
            [(say.count_text(a), ka)]))
    return out


def _months(ctx: Context) -> list[str]:
    return whole_months(ctx, "missing")


def _months_words(n: int) -> str:
    return months_held_words(n, "episodes")


@needs("missing")
def missing_monthly(ctx: Context) -> Block:
    """Children going missing and missing episodes per whole month held, to the period's
    end."""
    heading = "Month by month"
    months = _months(ctx)
    if len(months) < 3:
        return Block([Note(f"{_months_words(len(months))}: too few for a month-by-month "
                           "chart.")], heading=heading)
    kc = [ctx.key("missing_children", m) for m in months]
    ke = [ctx.key("missing_episodes", m) for m in months]
    t = pd.DataFrame({"month": months,
                      "children": [int(ctx.plan.value(x)) for x in kc],
                      "missing_episodes": [int(ctx.plan.value(x)) for x in ke]})
    shown = disclose(t, counts=["children", "missing_episodes"],
                     keys=keys_like(t, {"children": kc, "missing_episodes": ke}), plan=ctx.plan,
                     labels={"children": "Children going missing",
                             "missing_episodes": "Missing episodes"},
                     caption="Children going missing and missing episodes by month")
    if (~shown.suppressed["children"]).sum() < max(3, len(months) / 2):
        return Block([shown, Note("Too few months hold enough children going missing to "
                                  "show for a chart: the table marks the others c.")],
                     heading=heading)
    long = pd.concat([
        pd.DataFrame({"month": months, "series": "Children going missing",
                      "count": t["children"], "hide": shown.suppressed["children"]}),
        pd.DataFrame({"month": months, "series": "Missing episodes",
                      "count": t["missing_episodes"],
                      "hide": shown.suppressed["missing_episodes"]})], ignore_index=True)
    chart = line_chart(long, "month", "count", series="series", fmt="count",
                       title="Children going missing and missing episodes each month",
                       alt=(f"Line chart of children going missing and missing episodes per "
                            f"month from {month_words(months[0])} to "
                            f"{month_words(months[-1])}; in {month_words(months[-1])}, "
                            f"{shown.display['children'].iloc[-1]} children and "
                            f"{shown.display['missing_episodes'].iloc[-1]} episodes."),
                       subtitle=subtitle(ctx, "Children going missing and missing episodes "
                                         "per month", f"{month_words(months[0])} to "
                                         f"{month_words(months[-1])}"),
                       source=ctx.source, table=shown, suppressed=long["hide"].to_numpy())
    items: list = [chart]
    if long["hide"].any():
        items.append(Note("Months with too few to show are left out of the lines (marked c "
                          "in the table)."))
    return Block(items, heading=heading)


@needs("missing")
def missing_by_group(ctx: Context) -> Block:
    """Episodes by type and by looked-after status (where the extract says), with totals, and
    return home interviews by status."""
    heading = ("Who goes missing, and return home interviews"
               if ctx.has_field("missing", "rhi_offered") else "Who goes missing")
    groups = [g for g in POPULATIONS
              if ctx.plan.has(ctx.key("episodes", population=g, type="Missing"))]
    rows, keys = [], []
    for g in [*groups, None]:
        dims = {"population": g} if g else {}
        row = {"group": g or "All episodes"}
        krow = {}
        for t in TYPES:
            k = ctx.key("episodes", **dims, type=t)
            row[t], krow[t] = int(ctx.plan.value(k)), k
        k = ctx.key("episodes", **dims)
        row["Total"], krow["Total"] = int(ctx.plan.value(k)), k
        rows.append(row)
        keys.append(krow)
    t = pd.DataFrame(rows)
    cols = [*TYPES, "Total"]
    shown = disclose(t, counts=cols, keys=keys_like(t, {c: [k[c] for k in keys] for c in cols}),
                     plan=ctx.plan, row_total="Total", total_row=len(t) - 1,
                     labels={"group": "Children", "Away": "Away from placement"},
                     caption=f"Episodes by type and whether the child was looked after, "
                             f"{ctx.period.label}")
    items: list = [shown]
    if ctx.has_field("missing", "rhi_offered") and groups:
        rrows, rkeys = [], []
        for g in [*groups, None]:
            dims = {"population": g} if g else {}
            kk = {c: ctx.key(m, **dims) if m != "missing_episodes" else
                  ctx.key("episodes", **dims, type="Missing")
                  for c, m in (("missing_episodes", "missing_episodes"),
                               ("rhi_offered", "rhi_offered"), ("rhi_accepted", "rhi_accepted"))}
            if not all(ctx.plan.has(v) for v in kk.values()):
                continue
            r = {"group": g or "All", **{c: int(ctx.plan.value(v)) for c, v in kk.items()}}
            rrows.append(r)
            rkeys.append(kk)
        if rrows:
            r = pd.DataFrame(rrows)
            r["offered_share"] = r["rhi_offered"] / r["missing_episodes"].where(
                r["missing_episodes"] > 0)
            r["accepted_share"] = r["rhi_accepted"] / r["rhi_offered"].where(r["rhi_offered"] > 0)
            counts = ["missing_episodes", "rhi_offered", "rhi_accepted"]
            items.append(disclose(
                r, counts=counts, keys=keys_like(r, {c: [k[c] for k in rkeys] for c in counts}),
                plan=ctx.plan, percents={"offered_share": ("rhi_offered", "missing_episodes"),
                                         "accepted_share": ("rhi_accepted", "rhi_offered")},
                labels={"group": "Children", "missing_episodes": "Missing episodes"},
                caption="Return home interviews offered and accepted, per missing episode"))
    if _split(ctx):  # (an SSDA903 table: the headline says all are looked after)
        items.append(Note("Looked-after children (from the looked-after children return) "
                          "and children missing from home (from police records) are different "
                          "groups: they are shown apart and never added together without a "
                          "label."))
    return Block(items, heading=heading)


@needs("missing")
def missing_xmr(ctx: Context) -> Block:
    """Missing episodes per month on a Making Data Count XmR chart (fewer is better)."""
    heading = "Month by month, where fewer is better"
    months = _months(ctx)
    if len(months) < 6:
        return Block([Note(f"{_months_words(len(months))}: too few for a chart of "
                           "month-by-month variation (6 are needed).")], heading=heading)
    cells = [ctx.count("missing_episodes", m) for m in months]
    if any(h for _, h, _ in cells):
        return Block([Note("Some months hold too few missing episodes to show, so no "
                           "month-by-month variation chart is drawn.")], heading=heading)
    values = pd.Series([v for v, _, _ in cells], dtype=float)
    data = xmr_data(values, improvement="decrease")
    t = pd.DataFrame({"month": months, "missing_episodes": values.astype(int),
                      "unusual": unusual_words(data)})
    shown = disclose(t, counts=["missing_episodes"],
                     keys=keys_like(t, {"missing_episodes": [k for _, _, k in cells]}),
                     plan=ctx.plan, labels={"missing_episodes": "Missing episodes",
                                            "unusual": "Unusual?"},
                     caption="Missing episodes by month, and the months that are unusual")
    concern = int((data["variation"] == "concern").sum())
    better = int((data["variation"] == "improvement").sum())
    title = ("Missing episodes show unusual variation of concern" if concern and not better
             else "Missing episodes show unusual variation, a sign of improvement"
             if better and not concern else "Missing episodes show unusual variation"
             if concern or better else "Missing episodes vary only as much as usual")
    chart = xmr_chart(data.reset_index(drop=True), months, title=title,
                      alt=(f"Chart of missing episodes per month from {month_words(months[0])}"
                           f" to {month_words(months[-1])} with the range usually expected, "
                           f"where fewer is better: {concern} month(s) of concern and "
                           f"{better} of improvement."),
                      subtitle=subtitle(ctx, "Missing episodes per month (fewer is better)",
                                        f"{month_words(months[0])} to "
                                        f"{month_words(months[-1])}"),
                      source=ctx.source, table=shown)
    chart.constants = [str(concern), str(better)]  # numbers of months, not of children
    return Block([chart, Finding(say.xmr_sentence(data, what="monthly missing episodes")),
                  MethodNote([say.xmr_method_note(data)])], heading=heading)


MISSING_BY_DISTRICT = DistrictMeasure(
    numerator="missing_children", denominator=None, what="rate of children going missing",
    counted="Children going missing", base="Children aged 0-17",
    value_label="Children going missing per 10,000 aged 0-17",
    of_what="children going missing", counted_words="children going missing",
    caption="Children going missing by district")


@needs("missing")
def missing_by_district(ctx: Context) -> Block:
    """Children going missing per 10,000 children aged 0-17 in each district the profile
    lists, against the authority's own rate on a funnel plot (:mod:`.districts`); other
    district values shown as counts; "Not recorded" apart."""
    heading = "By district"
    if not ctx.has_field("missing", "district"):
        return Block([], heading=heading)  # the page's coverage note has said so
    m = MISSING_BY_DISTRICT
    return district_comparison(ctx, replace(m, caption=f"{m.caption}, {ctx.period.label}"),
                               heading)


@needs("missing")
def missing_looked_after_against_dfe(ctx: Context) -> Block:
    """Looked-after children with a Missing episode and their missing incidents, beside
    DfE's published SSDA903 figures for the authority and England, for years held in full."""
    heading = "Looked-after children against DfE's published figures"
    if not (_split(ctx) or _only_looked_after(ctx)):
        return Block([], heading=heading)  # the page's coverage note has said so
    years = years_held(ctx, "missing")
    if not years:
        return Block([Note("No financial year of missing episodes is held in full.")],
                     heading=heading)
    rows, kc, ki = [], [], []
    for y in years:
        c = ctx.key("missing_children", y, population=LA)
        i = ctx.key("episodes", y, population=LA, type="Missing")
        rec = {"year": y, "children": ctx.plan.value(c) if ctx.plan.has(c) else np.nan,
               "incidents": ctx.plan.value(i) if ctx.plan.has(i) else np.nan}
        kc.append(c if ctx.plan.has(c) else None)
        ki.append(i if ctx.plan.has(i) else None)
        for code, label in ((ctx.area_code, "published"), (bm.ENGLAND, "england")):
            for ind, col in (("cla_missing_children", "children"),
                             ("cla_missing_incidents", "incidents")):
                r = ctx.reference[(ctx.reference["indicator"] == ind)
                                  & (ctx.reference["year"] == y)
                                  & (ctx.reference["area_code"] == code)]
                rec[f"{label}_{col}"] = r["value"].iloc[0] if len(r) else np.nan
        rows.append(rec)
    t = pd.DataFrame(rows)
    shown = disclose(t, counts=["children", "incidents"],
                     keys=keys_like(t, {"children": kc, "incidents": ki}), plan=ctx.plan,
                     labels={"children": "Children (this extract)",
                             "incidents": "Missing incidents (this extract)",
                             "published_children": f"Children ({ctx.authority}, DfE)",
                             "published_incidents": f"Incidents ({ctx.authority}, DfE)",
                             "england_children": "Children (England, DfE)",
                             "england_incidents": "Incidents (England, DfE)"},
                     caption="Looked-after children who went missing: this extract and DfE's "
                             "published figures")
    for c in ("published_children", "published_incidents", "england_children",
              "england_incidents"):
        shown.display[c] = t[c].map(lambda v: f"{int(v):,}" if pd.notna(v) else
                                    "not published")
    plain_missing(shown, ["children", "incidents"], "not held")
    note = ("DfE counts looked-after children with a missing incident, from the "
            "looked-after children return.")
    if any(y <= "2016-17" for y in years):
        note += (" It says its figures up to 2016-17 are experimental and not comparable "
                 "with each other.")
    return Block([shown, Note(note)], heading=heading)


__all__ = ["missing_headline", "missing_monthly", "missing_by_group", "missing_xmr",
           "missing_trend_and_target", "missing_by_district", "missing_looked_after_against_dfe"]
