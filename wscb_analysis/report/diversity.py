"""Page 06, equality and diversity recording: is ethnicity, first language and religion
recorded on referrals?"""

from __future__ import annotations

import pandas as pd

from .. import narrative as say
from ..charts import line_chart
from ..disclosure import disclose
from ..stats import MIN_SERIES_POINTS, proportion_trend
from .blocks import Block, Finding, MethodNote, Note
from .common import keys_like, quarters_held, source_order, subtitle, why_not
from .context import Context, needs

FIELDS = {"ethnicity": "ethnicity", "first_language": "first language", "religion": "religion"}


@needs("referrals")
def diversity_headline(ctx: Context) -> Block:
    """Referrals in the period that did not record each field; a field the extract lacks is
    said to be not recorded in this extract, never counted as 0."""
    items: list = []
    kn = ctx.key("referrals")
    n = ctx.say_key(kn)
    for field, label in FIELDS.items():
        if not ctx.has_field("referrals", field):
            continue  # the page's coverage note says the field is not recorded in this extract
        kx = ctx.key(f"{field}_not_recorded")
        x = ctx.say_key(kx)
        items.append(Finding(say.proportion_sentence(
            x, n, of_what="referrals", which=f"did not record {label}",
            period_label=ctx.period.label, missing_reason=why_not(ctx, kx, kn)),
            [(say.count_text(x), kx), (say.count_text(n), kn)]))
    if not items:
        return Block([], heading="Headline")
    items.append(MethodNote([
        "Ethnicity counts as not recorded when blank or NOBT (information not yet obtained); "
        "a refusal (REFU) is a recorded answer. First language and religion count as not "
        "recorded when blank. Annex A's drop-down prefixes (\"s) NOBT\") are read as the "
        "codes they precede."]))
    return Block(items, heading="Headline")


@needs("referrals")
def diversity_by_quarter(ctx: Context) -> Block:
    """The share of referrals not recording each field in each quarter of the period's year
    held in full; a change between the first and last quarter is claimed only when a test
    supports it."""
    heading = "By quarter"
    fields = [f for f in FIELDS if ctx.has_field("referrals", f)]
    quarters = quarters_held(ctx, "referrals", ctx.year.label)
    if not fields:
        return Block([], heading=heading)
    if not quarters:
        return Block([Note(f"No quarter of {ctx.year.label} is held in full yet.")],
                     heading=heading)
    rows, keys = [], []
    for q in quarters:
        row, krow = {"quarter": q}, {}
        kn = ctx.key("referrals", q)
        row["referrals"], krow["referrals"] = int(ctx.plan.value(kn)), kn
        for f in fields:
            k = ctx.key(f"{f}_not_recorded", q)
            row[f"{f}_nr"], krow[f"{f}_nr"] = int(ctx.plan.value(k)), k
            row[f] = row[f"{f}_nr"] / row["referrals"] if row["referrals"] else float("nan")
        rows.append(row)
        keys.append(krow)
    t = pd.DataFrame(rows)
    counts = ["referrals", *[f"{f}_nr" for f in fields]]
    shown = disclose(t[["quarter", *counts, *fields]], counts=counts,
                     percents={f: (f"{f}_nr", "referrals") for f in fields},
                     keys=keys_like(t[["quarter", *counts, *fields]],
                                    {c: [k[c] for k in keys] for c in counts}),
                     plan=ctx.plan,
                     labels={**{f"{f}_nr": f"{lab.capitalize()} not recorded"
                                for f, lab in FIELDS.items()},
                             **{f: f"{lab.capitalize()} not recorded (share)"
                                for f, lab in FIELDS.items()}},
                     caption=f"Referrals with each field not recorded, {ctx.year.label}")
    if len(quarters) < 2:
        return Block([shown, Note("Only one quarter is held, so no change between quarters "
                                  "can be shown.")], heading=heading)
    worse, better = [], []
    labels = list(t["quarter"])
    tested = len(labels) >= MIN_SERIES_POINTS
    for f in fields:
        keep = ~shown.suppressed[f].to_numpy()
        if not tested or keep.sum() < MIN_SERIES_POINTS:
            continue
        # A test over every quarter shown, not the first against the last.
        test = proportion_trend(t.loc[keep, f"{f}_nr"], t.loc[keep, "referrals"],
                                [i / 4 for i in range(len(labels)) if keep[i]])
        if test.verdict == "higher":
            worse.append(FIELDS[f])
        elif test.verdict == "lower":
            better.append(FIELDS[f])
    first, last = quarters[0], quarters[-1]
    if worse and not better:
        title = (f"Recording of {_and(worse)} worsened over the {len(labels)} quarters "
                 f"from {first} to {last}")
    elif better and not worse:
        title = (f"Recording of {_and(better)} improved over the {len(labels)} quarters "
                 f"from {first} to {last}")
    else:
        title = f"Referrals not recording each field, {first} to {last}"
    long = pd.concat([
        pd.DataFrame({"quarter": t["quarter"], "field": FIELDS[f].capitalize(), "value": t[f],
                      "hide": shown.suppressed[f]}) for f in fields], ignore_index=True)
    chart = line_chart(long, "quarter", "value", series="field", title=title,
                       alt=("Line chart of the share of referrals not recording "
                            + _and([FIELDS[f] for f in fields]) + f" by quarter, {first} to "
                            f"{last}; in {last}: " + "; ".join(
                                f"{FIELDS[f]} {shown.display[f].iloc[-1]}" for f in fields)
                            + "."),
                       subtitle=subtitle(ctx, "Share of referrals with the field not recorded",
                                         ctx.year.label), source=ctx.source, table=shown,
                       suppressed=long["hide"].to_numpy())
    return Block([chart, MethodNote([
        "A field is said to have worsened or improved only when a test over every quarter "
        "shown supports it (a logistic trend of the counts not recorded, quasi-binomial where "
        "the quarters vary more than chance would give, its 95% interval excluding no "
        f"change); with fewer than {MIN_SERIES_POINTS} quarters no change is claimed."])],
        heading=heading)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@needs("referrals")
def diversity_by_source(ctx: Context) -> Block:
    """Fields not recorded in the period by referral source."""
    heading = "By referral source"
    fields = [f for f in FIELDS if ctx.has_field("referrals", f)]
    if not fields or not ctx.has_field("referrals", "referral_source"):
        return Block([Note("The extract does not record the referral source.")] if fields
                     else [], heading=heading)
    prefix = ctx.key("referrals") + "referral_source="
    from urllib.parse import unquote

    sources = sorted((unquote(k[len(prefix):]) for k in ctx.plan.keys if k.startswith(prefix)),
                     key=source_order)
    rows, keys = [], []
    for s in sources:
        kn = ctx.key("referrals", referral_source=s)
        row = {"referral_source": s,
               "referrals": int(ctx.plan.value(kn))}
        krow = {"referrals": kn}
        for f in fields:
            k = ctx.key(f"{f}_not_recorded", referral_source=s)
            row[f"{f}_nr"], krow[f"{f}_nr"] = int(ctx.plan.value(k)), k
            row[f] = row[f"{f}_nr"] / row["referrals"] if row["referrals"] else float("nan")
        rows.append(row)
        keys.append(krow)
    t = pd.DataFrame(rows)
    counts = ["referrals", *[f"{f}_nr" for f in fields]]
    order = ["referral_source", "referrals", *[c for f in fields for c in (f"{f}_nr", f)]]
    t = t[order]
    shown = disclose(t, counts=counts, percents={f: (f"{f}_nr", "referrals") for f in fields},
                     keys=keys_like(t, {c: [k[c] for k in keys] for c in counts}),
                     plan=ctx.plan,
                     labels={**{f"{f}_nr": f"{lab.capitalize()} not recorded"
                                for f, lab in FIELDS.items()},
                             **{f: "Share" for f in FIELDS}},
                     caption=f"Fields not recorded by referral source, {ctx.period.label}")
    return Block([shown], heading=heading)


@needs("referrals")
def bme_share(ctx: Context) -> Block:
    """Children referred in the period who are from ethnic minority groups (a census code
    other than White British), of the children referred with a known ethnicity, against the
    school population's share from the profile; counted by child, not by referral, and said
    plainly where the two populations differ."""
    heading = "Children from ethnic minority groups"
    if not ctx.has_field("referrals", "ethnicity"):
        return Block([], heading=heading)
    kx, kn = ctx.key("children_bme"), ctx.key("children_ethnicity_known")
    x, n = ctx.say_key(kx), ctx.say_key(kn)
    p = ctx.profile
    items: list = [Finding(say.proportion_sentence(
        x, n, of_what="children referred with a known ethnicity",
        which="were from ethnic minority groups (any ethnicity other than White British)",
        period_label=ctx.period.label,
        benchmark=p.school_bme_share, benchmark_label="the school population",
        benchmark_when=f"({p.school_bme_as_at})" if p.school_bme_as_at else "",
        missing_reason=why_not(ctx, kx, kn)), [(say.count_text(x), kx), (say.count_text(n), kn)])]
    if p.school_bme_share is None:
        items.append(Note("The partnership profile gives no school population share to "
                          "compare with."))
    else:
        items.append(Note(
            "The two groups are not alike: the school population is pupils of school age "
            "(about 5 to 16), while the children referred are aged 0 to 17 and include "
            "children who are not at school. The comparison is a guide to whether referrals "
            "reach ethnic minority children in proportion, not a like-for-like test."))
    items.append(MethodNote([
        say.proportion_method_note(x, n, benchmark=p.school_bme_share,
                                   benchmark_label="the school population"),
        "Each child referred in the period counts once, however many times they were "
        "referred (the school population counts each pupil once). Ethnic minority groups "
        "means any census ethnicity code other than White British (WBRI), the annual report's "
        "\"black and minority ethnic\" (BME); refusals (REFU), codes not yet obtained (NOBT) "
        "and values that are no census code are left out of both counts. A child recorded "
        "with more than one known ethnicity in the period counts in each."]))
    return Block(items, heading=heading)


__all__ = ["diversity_headline", "diversity_by_quarter", "diversity_by_source", "bme_share"]
