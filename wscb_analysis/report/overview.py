"""Page 01, overview: what the extract holds, the headline figures against England, the
authority's children and districts, and the quality of the extract."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import narrative as say
from ..coverage import SOURCE_WORDS
from ..disclosure import disclose
from ..io.quality import quality_summary, set_aside_reasons
from ..metrics.referrals import lookback_held
from ..stats import benchmark_verdict, wilson_ci
from .blocks import Block, DataNote, Finding, MethodNote, Note, RowsFinding
from .common import keys_like, plain_missing
from .context import FIELD_WORDS, Context, dates_words

#: The headline proportions: label, numerator and denominator measures, DfE indicator,
#: source, and the words of the sentence.
HEADLINE = [
    ("Re-referrals within 12 months", "rereferrals", "referrals", "rereferral_rate",
     "referrals", "referrals", "were re-referrals within 12 months of a previous referral"),
    ("Second or later child protection plans", "plans_second_or_subsequent", "plans_started",
     "second_or_subsequent_rate", "cp_plans", "child protection plans started",
     "were for a child who had been on a plan before"),
    ("Child protection plans that ended after 2 years or more", "plans_ended_2_years_plus",
     "plans_ended", "cp_ended_2_years_plus_rate", "cp_plans",
     "child protection plans that ended", "had lasted 2 years or more"),
    ("Child protection plans open 2 years or more at the period's end",
     "plans_open_2_years_plus", "plans_open_at_end", "cp_open_2_years_plus_rate", "cp_plans",
     "child protection plans open at the end of the period", "had been open 2 years or more"),
]


def extract_summary(ctx: Context) -> Block:
    """What the extract holds, source by source: supplied or not, the dates it spans, how
    much of the period it covers, and the optional fields it lacks."""
    rows = []
    for source, cov in ctx.coverage.items():
        held = cov.period_covered(ctx.period)
        if not cov.supplied:
            period_text = "not supplied"
        elif held == "full":
            period_text = "held in full"
        elif held == "part":
            a, b = cov.covered_dates(ctx.period)
            period_text = f"only in part: {dates_words(a, b).removeprefix('only ')}"
        else:
            period_text = "not held for this period"
        file = ctx.extract.sources[source].file if cov.supplied else "not supplied"
        absent = ", ".join(FIELD_WORDS.get(f, f.replace("_", " ")) for f in cov.fields_absent)
        if not cov.supplied:
            dates, absent = "not supplied", "not supplied"
        elif cov.first_date is None:
            dates = "no dated records"
        else:
            dates = dates_words(cov.first_date, cov.last_date)
        rows.append({"source": SOURCE_WORDS[source].capitalize(), "file": file,
                     "dates held": dates, f"{ctx.period.label}": period_text,
                     "not recorded in this extract": absent or "none"})
    table = disclose(pd.DataFrame(rows), counts=[], caption="What this extract holds")
    return Block([table], heading="What this extract holds",
                 intro="Every page says what it cannot show because a source, a field or a "
                       "period is not in the extract; nothing missing is counted as zero.")


def say_date(d) -> str:
    from ..coverage import long_date

    return long_date(d)


def headline(ctx: Context) -> Block:
    """The period's headline proportions against England, each with its 95% interval and a
    verdict only where the interval supports one and the counts are shown. A measure whose
    source is not supplied or not held for the period is left out of the table and said so
    once; no interval or verdict is given for a hidden count or an undercounted one."""
    rows, keys, items, notes = [], [], [], []
    left_out: dict[str, list[str]] = {}
    for label, num, den, indicator, source, of_what, which in HEADLINE:
        england = ctx.england(indicator)
        held = ctx.held(source)
        kx, kn = ctx.key(num), ctx.key(den)
        planned = ctx.plan.has(kx) and ctx.plan.has(kn)
        if held == "none" or not planned:
            cov = ctx.coverage[source]
            reason = (f"{_cap(SOURCE_WORDS[source])} are not supplied in this extract"
                      if not cov.supplied else f"{_cap(SOURCE_WORDS[source])} are not held "
                      f"for {ctx.period.label} in this extract")
            left_out.setdefault(reason, []).append(label.lower())
            continue
        x, n = ctx.plan.value(kx), ctx.plan.value(kn)
        hidden = ctx.plan.hidden(kx) or ctx.plan.hidden(kn)
        row = {"measure": label, "count": x, "of": n, "value": np.nan, "lower": np.nan,
               "upper": np.nan, "england": england, "verdict": ""}
        if not n:
            row["verdict"] = "none in the period"
        elif hidden:
            small = any(ctx.plan.hidden(k) and ctx.plan.small(k) for k in (kx, kn))
            row["verdict"] = "too few to compare" if small else \
                "not shown (protects a small number)"
        elif num == "rereferrals" and lookback_held(ctx.extract["referrals"],
                                                    ctx.period) is not True:
            row["verdict"] = "undercounted: no look-back year"
        elif num == "plans_second_or_subsequent" and not ctx.has_field("cp_plans",
                                                                       "previous_plans"):
            row["verdict"] = "undercounted: no count of previous plans"
        else:
            lo, hi = wilson_ci(x, n)
            row.update(value=x / n, lower=lo, upper=hi)
            row["verdict"] = (benchmark_verdict(lo, hi, england) + " than England"
                              if england is not None else "no England figure")
            row["verdict"] = row["verdict"].replace("similar than", "similar to")
            sx, sn = ctx.say_key(kx), ctx.say_key(kn)
            items.append(Finding(say.proportion_sentence(
                sx, sn, of_what=of_what, which=which, period_label=ctx.period.label,
                benchmark=england, benchmark_when=ctx.england_when),
                [(say.count_text(sx), kx), (say.count_text(sn), kn)]))
            notes.append(say.proportion_method_note(sx, sn, benchmark=england))
        rows.append(row)
        keys.append({"count": kx, "of": kn})
    out: list = []
    if rows:
        table = pd.DataFrame(rows)
        key_frame = keys_like(table, {"count": [k["count"] for k in keys],
                                      "of": [k["of"] for k in keys]})
        shown = disclose(table, counts=["count", "of"],
                         percents={"value": ("count", "of"), "lower": ("count", "of"),
                                   "upper": ("count", "of"), "england": (None, None)},
                         keys=key_frame, plan=ctx.plan,
                         labels={"value": "Share", "england": "England" + (
                             f" (whole year {ctx.year.label})" if ctx.is_quarter else ""),
                             "verdict": "Against England"},
                         caption=f"Headline figures, {ctx.period.label}, with 95% intervals")
        # A share shown for a hidden count would reveal it: the table hides both. Where no
        # share is worked out (none in the period, undercounted) the cells say so in words.
        plain_missing(shown, ["value", "lower", "upper"], "not worked out")
        plain_missing(shown, ["england"], "not published")
        out += [shown, *items]
    for reason, labels in left_out.items():
        listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + \
            labels[-1]
        one = len(labels) == 1
        out.append(Note(f"{reason}, so the headline figure{'' if one else 's'} for {listed} "
                        f"{'is' if one else 'are'} left out."))
    if ctx.is_quarter and rows:
        out.append(Note(f"England's figures are for the whole year {ctx.year.label}: DfE "
                        "publishes no quarterly figures."))
    if not rows:
        return Block(out, heading="Headline figures")
    out.append(MethodNote([*notes, "A figure is called higher or lower than England only "
                           "when England's figure lies outside its 95% confidence interval."]))
    return Block(out, heading="Headline figures",
                 intro="Each share comes with the range it is likely to lie in; it is called "
                       "higher or lower than England only where that range leaves England's "
                       "figure out.")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def local_context_table(ctx: Context) -> Block:
    """The profile's districts: children aged 0-17, deprivation rank and child poverty."""
    p = ctx.profile
    if not p.districts:
        text = (f"The partnership profile lists no districts for {p.authority}"
                + (f"; it has {say.count_text(p.population_0_17)} children aged 0-17"
                   f" ({p.population_source})." if p.population_0_17 else "."))
        return Block([Note(text)], heading="Children and districts")
    t = pd.DataFrame([{"district": d.name, "children_0_17": d.population_0_17,
                       "imd_rank": d.imd_rank, "low_income": d.low_income}
                      for d in p.districts])
    t = t.dropna(axis=1, how="all")
    labels = {"imd_rank": f"Deprivation rank (of {p.imd_areas}; 1 = most deprived)"
              if p.imd_areas else "Deprivation rank (1 = most deprived)"}
    # Published ONS populations and deprivation figures: not counts of children in the
    # extract, so nothing to suppress (formatting only).
    shown = disclose(t, counts=[], percents={"low_income": (None, None)}
                     if "low_income" in t else {}, labels=labels, kind="published",
                     caption=f"Districts of {p.authority}")
    shown.display["children_0_17"] = t["children_0_17"].map(
        lambda v: f"{int(v):,}" if pd.notna(v) else "x") if "children_0_17" in t else None
    items: list = [shown]
    total = p.population_0_17 or (int(t["children_0_17"].sum()) if "children_0_17" in t
                                  else None)
    sentence = (f"{p.authority} has {total:,} children aged 0-17." if total else "")
    if "imd_rank" in t and t["imd_rank"].notna().any():
        top = t.loc[t["imd_rank"].idxmin()]
        sentence += (f" {top['district']} is the most deprived district (rank "
                     f"{int(top['imd_rank'])}" + (f" of {p.imd_areas}" if p.imd_areas else "")
                     + ").")
    if "low_income" in t and t["low_income"].notna().any():
        poor = t.loc[t["low_income"].idxmax()]
        compare = []
        if p.low_income_authority is not None:
            compare.append(f"{say.pct(p.low_income_authority)} for {p.authority}")
        if p.low_income_england is not None:
            compare.append(f"{say.pct(p.low_income_england)} for England")
        sentence += (f" {poor['district']} has the highest share of children in low-income "
                     f"families ({say.pct(poor['low_income'])}"
                     + (f", against {' and '.join(compare)}" if compare else "") + ").")
    if sentence:
        items.append(Finding(sentence.strip()))
    sources = "; ".join(ctx.plain(s) for s in (p.population_source, p.deprivation_source)
                        if s)
    if sources:
        items.append(Note(f"Source: {sources}."))
    return Block(items, heading="Children and districts")


_REASONS = [
    (r"end date .* is before start date", "end date before start date"),
    (r"overlaps the (episode|plan) at row", "overlaps another {0} of the same child"),
    (r"starts before the date of birth", "starts before the date of birth"),
    (r"is not a real date", "not a real date (dates are read day first)"),
    (r"date of birth is not a real date", "date of birth not a real date"),
    (r"outside the plausible range", "date outside 1990 to 2099"),
    (r"^blank", "required value left blank"),
    (r"is not a whole number", "not a whole number"),
    (r"is not Y, N or unknown", "not yes, no or unknown"),
    (r"is not a missing episode type", "not a missing episode type (Missing, Away, Absent)"),
]


def reason_sentence(reason: str) -> str:
    """A set-aside reason as a short sentence with no value in it ("end date before start
    date"), for the board's data-quality table."""
    for pattern, words in _REASONS:
        m = re.search(pattern, reason)
        if m:
            return words.format(m.group(1)) if "{0}" in words else words
    text = re.sub(r"'[^']*'", "a value", reason)
    text = re.sub(r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}", "a date", text)
    return re.sub(r"row \d+", "another row", text)


def data_quality(ctx: Context) -> Block:
    """Rows read, kept, repeated and set aside for each source, and why. These counts are about
    the extract's rows, not about children, so they are shown in full."""
    summary = quality_summary(ctx.extract)
    summary = summary[summary["file"] != "(not supplied)"].drop(columns=["accounts"])
    summary["source"] = summary["source"].map(lambda s: SOURCE_WORDS.get(s, s).capitalize())
    summary["usable"] = summary["usable"].map({True: "yes", False: "no"})
    items: list = []
    table = _plain_counts(summary, ["rows_in", "rows_kept", "duplicates", "rows_set_aside"],
                          "Rows read = rows kept + repeated rows + rows set aside")
    items.append(table)
    reasons = set_aside_reasons(ctx.extract)
    if len(reasons):
        reasons = reasons.assign(reason=reasons["reason"].map(reason_sentence),
                                 source=reasons["source"].map(
                                     lambda s: SOURCE_WORDS.get(s, s).capitalize()))
        reasons = reasons.groupby(["source", "column", "reason"], as_index=False)["rows"].sum()
        items.append(_plain_counts(reasons, ["rows"], "Why rows were set aside"))
    n_in, rep = int(summary["rows_in"].sum()), int(summary["duplicates"].sum())
    aside = int(summary["rows_set_aside"].sum())
    repeated = ("no row was repeated" if rep == 0 else
                f"{_rows(rep, 'repeated row')} from overlapping extracts "
                f"{'was' if rep == 1 else 'were'} counted once")
    aside_words = ("no row had to be set aside" if aside == 0 else
                   f"{_rows(aside)} that could not be used {'was' if aside == 1 else 'were'} "
                   "set aside (the data team can list each one, with its file, row and "
                   "reason)")
    items.append(RowsFinding(
        f"{_rows(n_in)} {'was' if n_in == 1 else 'were'} read; {repeated}, and "
        f"{aside_words}."))
    items.append(Note("These counts are of rows in the files, not of children, so they are "
                      "shown in full."))
    items.append(DataNote(["The suite's data-quality report (the command wscb validate, run on "
                           "the extract's folder) lists every row set aside, with its file, "
                           "row, column and reason."]))
    return Block(items, heading="Data quality",
                 intro="Every row read is accounted for: kept, counted once as a repeat, or "
                       "set aside with a reason.")


def _rows(n: int, noun: str = "row") -> str:
    """"1 row", "1,142 rows": counts of rows of the files, shown in full."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _plain_counts(table: pd.DataFrame, counts: list[str], caption: str):
    """A table of row counts shown in full (not about children), marked so for the leak
    guard and the disclosure audit."""
    shown = disclose(table, counts=[], caption=caption, kind="rows")
    for c in counts:
        shown.display[c] = table[c].map(lambda v: f"{int(v):,}")
    return shown


__all__ = ["extract_summary", "headline", "local_context_table", "data_quality",
           "reason_sentence", "HEADLINE"]
