"""The pack's front page: headline tiles, links to the topic pages, what the extract holds,
data quality and provenance; and the glossary page every page links to.

Every figure on a tile comes from the pack's disclosure plan (so it is hidden or shown as on
the pages), and every text from the extract (file and sheet names) is escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..coverage import SOURCE_WORDS, long_date, span_text
from ..disclosure import format_percent
from ..disclosure.measures import make_key
from ..disclosure.plan import PackPlan
from ..narrative import count_text, verdict_phrase
from ..periods import Period
from ..stats import benchmark_verdict, count_change_test, wilson_ci

e = html.escape


@dataclass(frozen=True)
class Tile:
    label: str
    source: str
    numerator: str
    denominator: str | None
    indicator: str | None
    page: str
    #: "lower" where the board wants fewer (repeat plans, children missing); None: neutral.
    better: str | None
    what: str


TILES = [
    Tile("Re-referral rate", "referrals", "rereferrals", "referrals", "rereferral_rate",
         "02_rereferrals.html", "lower", "referrals were re-referrals"),
    Tile("Second or later child protection plans", "cp_plans", "plans_second_or_subsequent",
         "plans_started", "second_or_subsequent_rate", "03_repeat_plans.html", "lower",
         "plans started were second or later plans"),
    Tile("Plans that ended after 2 years or more", "cp_plans", "plans_ended_2_years_plus",
         "plans_ended", "cp_ended_2_years_plus_rate", "04_plan_duration.html", "lower",
         "plans that ended had lasted 2 years or more"),
    Tile("Children going missing", "missing", "missing_children", None, None,
         "05_missing.html", "lower", "children had a Missing episode"),
    Tile("Early help assessments", "early_help", "assessments", None, None,
         "07_early_help.html", None, "assessments started"),
]


def _shown(plan: PackPlan, key: str):
    return plan.shown(key) if plan.has(key) else None


def _count_words(plan: PackPlan, key: str) -> str:
    if not plan.has(key):
        return "not known"
    if not plan.hidden(key):
        return count_text(plan.value(key))
    return "fewer than 6" if plan.small(key) else "not shown"


def _change(tile: Tile, plan: PackPlan, period: Period, previous: Period, held_prev: bool
            ) -> str:
    """The change since the previous period, claimed only when a test supports it."""
    if not held_prev:
        return f"{previous.label} is not held in full: no change given"
    x1 = _shown(plan, make_key(tile.numerator, period.label))
    x0 = _shown(plan, make_key(tile.numerator, previous.label))
    if tile.denominator:
        n1 = _shown(plan, make_key(tile.denominator, period.label))
        n0 = _shown(plan, make_key(tile.denominator, previous.label))
    else:
        n1, n0 = period.days, previous.days
    if None in (x1, x0, n1, n0) or not n1 or not n0:
        return f"too few to compare with {previous.label}"
    if x1 == x0 == 0:
        return f"none in {previous.label} either"
    test = count_change_test(x1, x0, n1, n0)
    before = format_percent(x0 / n0) if tile.denominator else count_text(x0)
    if test["verdict"] == "similar":
        return f"about the same as {previous.label} ({before})"
    word = "up" if test["verdict"] == "higher" else "down"
    judged = ""
    if tile.better:
        good = (test["verdict"] == "lower") == (tile.better == "lower")
        judged = ": better" if good else ": worse"
    return f"{word} on {previous.label} ({before}){judged}"


def tiles_html(plan: PackPlan, coverage: dict, period: Period, england: dict,
               extra: list[str] = (), lookback_short: dict[str, str] | None = None) -> str:
    """One tile per headline measure; ``england`` maps indicator -> England's figure for the
    period's year (or None); ``extra``: tiles made elsewhere (the scorecard's);
    ``lookback_short``: measures the extract undercounts, each with why."""
    lookback_short = lookback_short or {}
    out = []
    previous = period.previous()
    for t in TILES:
        cov = coverage[t.source]
        held = cov.period_covered(period)
        head = f'<h3><a href="{e(t.page)}">{e(t.label)}</a></h3>'
        direction = ('<div class="direction">Lower is better</div>' if t.better == "lower"
                     else '<div class="direction">No better direction</div>')
        if not cov.supplied or held == "none":
            why = "not supplied" if not cov.supplied else "not held for this period"
            out.append(f'<div class="tile">{head}<div class="value">{why}</div>'
                       f'<div>{e(SOURCE_WORDS[t.source].capitalize())}: {e(why)}.</div></div>')
            continue
        kx = make_key(t.numerator, period.label)
        lines = []
        if not plan.has(kx):
            out.append(f'<div class="tile">{head}<div class="value">not held</div><div>'
                       "cannot be counted from this extract</div></div>")
            continue
        floor = t.numerator in lookback_short
        if t.denominator:
            kn = make_key(t.denominator, period.label)
            x, n = _shown(plan, kx), _shown(plan, kn)
            if x is None or not n:
                kn_ = make_key(t.denominator, period.label)
                small = any(plan.has(k) and plan.small(k) for k in (kx, kn_))
                value = ("none in the period" if n == 0 else "too few to show" if small
                         else "not shown")
                if value == "not shown":
                    lines.append("hidden so that a small number elsewhere cannot be worked "
                                 "out")
            elif floor:
                # A floor, not a rate: no share, interval or England verdict.
                value = "undercounted"
                lines.append(f"{count_text(x)} of {count_text(n)} {t.what} as far as the "
                             f"extract shows, but "
                             f"{lookback_short[t.numerator]}, so some are missed and the "
                             "rate is not given or compared")
            else:
                lo, hi = wilson_ci(x, n)
                value = format_percent(x / n)
                lines.append(f"{count_text(x)} of {count_text(n)} {t.what}")
                lines.append(f"likely between {format_percent(lo)} and {format_percent(hi)}")
                eng = england.get(t.indicator)
                if eng is not None:
                    when = f" for {period.year_label} (whole year)" if period.quarter else ""
                    lines.append(verdict_phrase(benchmark_verdict(lo, hi, eng), eng,
                                                benchmark_when=when.strip()))
                else:
                    lines.append("no England figure for this year")
        else:
            value = _count_words(plan, kx)
            # Said whose period it is: the scorecard beside it shows quarters' counts.
            lines.append(f"{t.what} in {period.label}"
                         + ("" if period.quarter else " (the whole year)"))
        held_prev = coverage[t.source].period_covered(previous) == "full"
        if held == "part":
            lines.append("only part of the period is held: no change given")
        elif not floor:
            lines.append(_change(t, plan, period, previous, held_prev))
        if held == "part":
            a, b = cov.covered_dates(period)
            lines.append(f"covers only {long_date(a)}" if a == b else
                         f"covers {long_date(a)} to {long_date(b)} only")
        body = "".join(f"<div>{e(line)}</div>" for line in lines)
        out.append(f'<div class="tile">{head}<div class="value">{e(value)}</div>{body}'
                   f"{direction}</div>")
    out += list(extra)
    return '<section class="tiles" aria-label="Headline figures">' + "\n".join(out) + \
        "</section>"


def coverage_html(coverage: dict, extract, period: Period) -> str:
    rows = []
    for source, cov in coverage.items():
        held = cov.period_covered(period)
        if not cov.supplied:
            state = "not supplied"
        elif held == "part":
            a, b = cov.covered_dates(period)
            state = f"only in part: {long_date(a)} to {long_date(b)}"
        else:
            state = {"full": "held in full", "none": "not held for this period"}[held]
        file = extract.sources[source].file if cov.supplied else "not supplied"
        rows.append(f'<tr><th scope="row" class="text">{e(SOURCE_WORDS[source].capitalize())}'
                    f'</th><td class="text">{e(file or "")}</td><td class="text">'
                    f'{e(span_text(cov))}</td><td class="text">{e(state)}</td></tr>')
    return ('<div class="table-scroll" role="region" tabindex="0" aria-label="What this '
            'extract holds"><table class="wscb-table" data-counts="none"><caption>What this '
            'extract holds</caption><thead><tr><th scope="col" class="text">Source</th>'
            '<th scope="col" class="text">File</th><th scope="col" class="text">Dates held'
            f'</th><th scope="col" class="text">{e(period.label)}</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")


def quality_html(quality) -> str:
    rows = []
    for r in quality.itertuples():
        if r.file == "(not supplied)":
            continue
        rows.append('<tr><th scope="row" class="text">'
                    f'{e(SOURCE_WORDS.get(r.source, r.source).capitalize())}</th>'
                    f'<td>{r.rows_in:,}</td><td>{r.rows_kept:,}</td>'
                    f'<td>{r.duplicates:,}</td><td>{r.rows_set_aside:,}</td>'
                    f'<td class="text">{"yes" if r.usable else "no"}</td></tr>')
    return ('<div class="table-scroll" role="region" tabindex="0" aria-label="Data quality">'
            '<table class="wscb-table" data-counts="rows"><caption>Rows read = rows kept + '
            'repeated rows + rows set aside (rows of the files, not children: shown in full)'
            '</caption><thead><tr><th scope="col" class="text">Source</th><th scope="col">'
            'Rows read</th><th scope="col">Rows kept</th><th scope="col">Repeated rows</th>'
            '<th scope="col">Rows set aside</th><th scope="col" class="text">Usable</th></tr>'
            "</thead><tbody>" + "".join(rows) + "</tbody></table></div>")


def index_body(*, partnership: str, period: Period, tiles: str, pages: list[tuple[str, str]],
               coverage: str, quality: str, provenance: str, synthetic: bool) -> str:
    links = "\n".join(f'<li><a href="{e(f)}">{e(t)}</a></li>' for f, t in pages)
    return (
        f"<h1>{e(partnership)}: board pack, {e(period.label)}</h1>\n"
        f"<p class=\"intro\">{e(long_date(period.start))} to {e(long_date(period.end))}. "
        "Each figure comes with the range it is likely to lie in. A figure is called higher "
        "or lower than England only when England's figure lies outside that range, and a "
        "change is called a rise or fall only when a test supports it. Counts from 1 to 5 "
        "are shown as c (and some others hidden so they cannot be worked out).</p>\n"
        f"<h2>Headline figures</h2>\n{tiles}\n"
        f'<h2>Topic pages</h2>\n<nav class="pages" aria-label="Topic pages"><ul>{links}'
        '<li><a href="glossary.html">Glossary of terms</a></li></ul></nav>\n'
        f"<h2>What this extract holds</h2>\n{coverage}\n"
        f"<h2>Data quality</h2>\n{quality}\n"
        f"<h2>About this pack</h2>\n<p>{e(provenance)}</p>\n"
        '<p>Files: <a href="figures.json">figures.json</a> (the headline figures as '
        'published here, with small counts shown as "c"), <a href="manifest.json">'
        'manifest.json</a> (what produced the pack), <a href="run.log">run.log</a>, and the '
        "executed notebooks in the notebooks folder.</p>")


GLOSSARY = [
    ("Absent", "Police term (2013): a child not where they should be, with no apparent risk. "
     "Counted beside children missing, never inside."),
    ("Annex A", "Ofsted's lists of the records a council keeps about each child, which "
     "inspectors ask for (List 2 early help, List 3 referrals, List 7 child protection "
     "plans). The partnership's extract follows their layout; the pages name them only in "
     "their notes on the data."),
    ("Assurance", "On the scorecard: whether an indicator's target is likely to be met, read "
     "from its process limits (consistently met, hit and miss, or consistently missed)."),
    ("Authority's average", "On a district funnel plot: the authority's own figure, from all "
     "its records (every district's, and those with no district recorded). Each district is "
     "compared with it, never ranked against the others."),
    ("Away from placement", "A looked-after child away from their placement without "
     "permission whose whereabouts are known (SSDA903 type A). Counted beside children "
     "missing, never inside."),
    ("BME", "Black and minority ethnic: the annual report's term for any census ethnicity "
     "other than White British. The pages say \"ethnic minority groups\"."),
    ("c", "In a table: a count from 1 to 5, or a figure hidden so that one cannot be worked "
     "out from the others."),
    ("Child protection (CP) plan", "A plan for a child judged at a child protection "
     "conference to be at continuing risk of significant harm."),
    ("Common cause variation", "The usual ups and downs of a process, which an XmR chart "
     "expects: no point outside the process limits and no unusual run."),
    ("Confidence interval", "The range a figure is likely to lie in, given the numbers it "
     "rests on: 95 times in 100 such a range holds the true value. Shown as \"likely between "
     "... and ...\". Shares use the Wilson score method; counts and rates exact Poisson "
     "limits below 10 events and Byar's approximation from 10."),
    ("DfE", "The Department for Education, which publishes each authority's and England's "
     "figures (children in need, child protection plans, looked-after children) in numbered "
     "tables such as C1, D3, D5 and D7."),
    ("Ethnic minority groups", "Children of any recorded ethnicity other than White British."),
    ("Funnel plot", "Each area's figure against its size, with limits that narrow as numbers "
     "grow: 95% of areas would lie inside the inner (dashed) limits and 99.8% inside the "
     "outer (dotted) ones by chance alone. A point beyond the outer limits differs from the "
     "average by more than chance would explain."),
    ("Inner and outer limits", "A funnel plot's 95% (inner, dashed) and 99.8% (outer, "
     "dotted) limits."),
    ("low", "In a table: a figure that rounds to zero but is not zero."),
    ("MASH", "Multi-Agency Safeguarding Hub: where referrals from partner agencies are "
     "received and assessed together."),
    ("Missing", "A child whose whereabouts are not known (SSDA903 type M; police \"missing\"). "
     "Children going missing are children with at least one Missing episode in the period."),
    ("NFA", "No further action: a referral closed without services from children's social "
     "care."),
    ("Odds ratio", "How the odds of something change: 1.40 means odds 40% higher (used for a "
     "share's trend or its change at an event)."),
    ("p-value", "How often a difference at least this large would arise by chance alone if "
     "there were no real difference; below 0.05 is taken as a real difference. The score "
     "test's p-value matches the Wilson interval; a change between two counts uses a "
     "conditional binomial test."),
    ("Poisson model", "A model for counts (here, children going missing each month) used to "
     "estimate the yearly trend with a term for each calendar month (seasonality). "
     "Quasi-Poisson (and quasi-binomial, for shares) allows the counts to vary more than "
     "chance alone would give, and widens the interval to match."),
    ("Process limits", "On an XmR chart, the range a stable process stays within: the "
     "average plus or minus 2.66 times the average moving range. Trial limits are set from "
     "fewer than 12 points and are provisional."),
    ("Rate ratio", "The yearly change as a multiplier: 0.85 means 15% fewer each year."),
    ("Re-referral", "A referral within 12 months of the same child's previous referral (DfE "
     "table C1)."),
    ("RHI", "Return home interview: offered to a child after they have been missing."),
    ("Second or later plan", "A child protection plan for a child who had been on a plan "
     "before, however long ago (DfE table D3)."),
    ("Special cause variation", "On an XmR chart, a point or run the usual ups and downs "
     "would rarely give (outside the process limits, 7 in a row rising or falling or on one "
     "side of the average, or 2 of 3 near a limit): worth looking into. Improving or "
     "concerning where the indicator has a better direction."),
    ("SSDA903", "The looked-after children return each council sends to DfE; its missing "
     "table records each missing or away episode of a looked-after child."),
    ("Statistical neighbours", "The authorities DfE judges most similar to this one."),
    ("Widened limits", "Where authorities differ from each other by far more than chance "
     "allows, a funnel plot's limits are widened for those real differences, as Public "
     "Health England's funnel plots do (Spiegelhalter's method: an extra between-authority "
     "variation estimated from the authorities' scores with the most extreme 10% at each "
     "end pulled in). A figure outside them is further from the average than authorities "
     "usually differ."),
    ("x", "In a table: not available (not held, or not published)."),
    ("XmR chart", "A statistical process control chart (NHS England's Making Data Count): "
     "points outside the process limits, or in unusual runs, are special causes worth "
     "looking into; the rest is common cause variation."),
    ("z", "In a table: not applicable."),
]


def glossary_body() -> str:
    items = "\n".join(f"<dt>{e(term)}</dt><dd>{e(text)}</dd>" for term, text in GLOSSARY)
    return ("<h1>Glossary of terms</h1>\n<p class=\"intro\">The words the pages use for their "
            "methods and measures.</p>\n<dl class=\"glossary\">" + items + "</dl>")


__all__ = ["TILES", "Tile", "tiles_html", "coverage_html", "quality_html", "index_body",
           "glossary_body", "GLOSSARY"]
