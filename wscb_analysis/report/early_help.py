"""Page 07, who starts early help: the organisations that complete early help assessments,
how many start in early-years settings, and whether the agency that starts early help keeps
the lead professional role."""

from __future__ import annotations

from urllib.parse import unquote

import pandas as pd

from .. import narrative as say
from ..charts import bar_chart
from ..coverage import long_date
from ..disclosure import disclose
from ..disclosure.measures import NOT_RECORDED
from ..periods import financial_year
from .blocks import Block, Finding, MethodNote, Note
from .common import keys_like, subtitle, why_not
from .context import Context, needs


def _labels(ctx: Context) -> list[str]:
    """Every financial year the extract touches up to the pack's period (years only partly
    held included and named so), and the quarter itself for a quarter pack."""
    prefix = "assessments|"
    held = {k.split("|")[1] for k in ctx.plan.keys if k.startswith(prefix)
            and k.endswith("|") and " Q" not in k.split("|")[1]
            and not _is_month(k.split("|")[1])}
    years = sorted(y for y in held if financial_year(y).end <= ctx.period.end)
    return years + ([ctx.period.label] if ctx.is_quarter else [])


def _is_month(label: str) -> bool:
    return len(label) == 8 and label[3] == " "


def _column(ctx: Context, label: str) -> str:
    p = financial_year(*label.split(" ")) if " Q" in label else financial_year(label)
    held = ctx.held("early_help", p)
    if held == "part":
        a, b = ctx.coverage["early_help"].covered_dates(p)
        return f"{label} (part: {long_date(a)} to {long_date(b)})"
    return label


@needs("early_help")
def early_help_by_agency(ctx: Context) -> Block:
    """Assessments by the organisation that completed them, each year held (a year held only
    in part is named so), with totals."""
    heading = "By organisation"
    labels = _labels(ctx)
    if not labels:
        return Block([Note("No early help assessment falls in a year the extract holds up to "
                           "this period.")], heading=heading)
    orgs: list[str] = []
    for label in labels:
        prefix = ctx.key("assessments", label) + "organisation="
        orgs += [unquote(k[len(prefix):]) for k in ctx.plan.keys if k.startswith(prefix)]
    orgs = sorted(set(orgs) - {NOT_RECORDED}, key=str.lower) + (
        [NOT_RECORDED] if NOT_RECORDED in orgs else [])
    rows, keys = [], []
    for o in [*orgs, None]:
        row, krow = {"organisation": o or "All organisations"}, {}
        for label in labels:
            k = ctx.key("assessments", label, **({"organisation": o} if o else {}))
            row[label] = int(ctx.plan.value(k)) if ctx.plan.has(k) else 0
            krow[label] = k if ctx.plan.has(k) else None
        rows.append(row)
        keys.append(krow)
    t = pd.DataFrame(rows)
    shown = disclose(t, counts=labels, keys=keys_like(t, {c: [k[c] for k in keys]
                                                          for c in labels}),
                     plan=ctx.plan, total_row=len(t) - 1,
                     labels={c: _column(ctx, c) for c in labels},
                     caption="Early help assessments by the organisation that completed them")
    current = ctx.period.label
    if current not in labels:
        return Block([shown], heading=heading)
    body = t.iloc[:-1][["organisation", current]].rename(columns={current: "assessments"})
    hide = shown.suppressed[current].iloc[:-1].to_numpy()
    data = body[~hide & (body["assessments"] > 0).to_numpy()]
    data = data[data["organisation"] != NOT_RECORDED].sort_values("assessments",
                                                                  ascending=False)
    if len(data) < 2:
        return Block([shown], heading=heading)
    top = data.iloc[0]
    unique = data["assessments"].iloc[1] < top["assessments"]
    title = (f"{top['organisation']} completed more early help assessments than any other "
             "organisation shown"
             if unique and not hide.any() else f"Early help assessments by organisation, "
             f"{current}")
    chart = bar_chart(data, "organisation", "assessments", title=title,
                      alt=f"Bar chart of early help assessments by organisation in {current}: "
                      + "; ".join(f"{o} {say.count_text(v)}" for o, v in
                                  zip(data["organisation"], data["assessments"], strict=True))
                      + ".",
                      subtitle=subtitle(ctx, "Early help assessments started"),
                      source=ctx.source, table=shown)
    items: list = [chart]
    if hide.any():
        items.append(Note("Organisations with too few assessments to show are left out of the "
                          "chart."))
    return Block(items, heading=heading)


@needs("early_help")
def early_help_findings(ctx: Context) -> Block:
    """The share of assessments started by early-years settings, and how often the agency
    that completed the assessment holds the lead professional role (where recorded)."""
    heading = "Early years and the lead professional"
    kx, kn = ctx.key("assessments_early_years"), ctx.key("assessments")
    x, n = ctx.say_key(kx), ctx.say_key(kn)
    items: list = [Finding(say.proportion_sentence(
        x, n, of_what="early help assessments",
        which="were started by early-years settings (nurseries, pre-schools, children's "
              "centres, health visitors)", period_label=ctx.period.label,
        missing_reason=why_not(ctx, kx, kn)), [(say.count_text(x), kx), (say.count_text(n), kn)])]
    if ctx.has_field("early_help", "lead_professional_agency"):
        ks, kr = ctx.key("lead_professional_same"), ctx.key("lead_professional_recorded")
        s, r = ctx.say_key(ks), ctx.say_key(kr)
        items.append(Finding(say.proportion_sentence(
            s, r, of_what="assessments with a lead professional recorded",
            which="kept the lead professional role with the agency that completed the "
                  "assessment", period_label=ctx.period.label,
            missing_reason=why_not(ctx, ks, kr)), [(say.count_text(s), ks),
                                                   (say.count_text(r), kr)]))
    # Else the page's coverage note says the lead professional's agency is not recorded.
    items.append(MethodNote([
        "Early-years settings are organisations whose name says nursery, pre-school, "
        "playgroup, children's centre, health visitor, early years or childminder."]))
    return Block(items, heading=heading)


__all__ = ["early_help_by_agency", "early_help_findings"]
