"""Sentences generated from the figures, never typed by hand: plain words for the board, and
a separate short "How this was worked out" note for the method.

Rules every helper keeps:
* Verdict words follow the test. "higher"/"lower" against a benchmark only when the benchmark
  lies outside the figure's 95% Wilson interval (the Fingertips rule, whose score test gives
  the p-value in the note); "rose"/"fell" between two counts only when the conditional binomial
  test says so (:func:`stats.count_change_test`), else "about the same"; a trend only from 24
  months or more, named "rising"/"falling" only when its interval excludes no change.
* Plain words in the sentences: a range reads "likely between 3.3% and 6.9%"; the terms
  (confidence interval, p-value, rate ratio, Poisson, process limits) are kept for the
  ``*_method_note`` companions, which :func:`how_worked_out` gathers under one heading.
* A count from 1 to 5 is written "fewer than 6" and no proportion is stated on it.
  Percentages are rounded half up to 1 decimal place (more only where a limit and the
  benchmark would otherwise print alike). A change that rounds to nothing is "no change".
* An unknown figure is None, never 0: every sentence helper takes ``missing_reason`` and says
  it plainly, e.g. :data:`NOT_SUPPLIED` ("not supplied": the source was not given),
  :data:`NOT_RECORDED` ("not recorded in this extract": the field is empty),
  :data:`NOT_HELD` ("not held for this period"), :data:`NOT_SHOWN` (hidden to protect a
  small number elsewhere). Without a reason, "not known".
"""

from __future__ import annotations

import math
from types import SimpleNamespace

from .disclosure import format_count, format_percent, format_rate, is_small  # noqa: F401
from .stats.compare import count_change_test
from .stats.intervals import benchmark_verdict, round_half_up, score_test_p, wilson_ci
from .stats.spc import MIN_POINTS as MIN_XMR_POINTS
from .stats.trend import MIN_TREND_MONTHS

NOT_SUPPLIED = "not supplied"
NOT_RECORDED = "not recorded in this extract"
NOT_HELD = "not held for this period"
NOT_KNOWN = "not known"
#: A figure the pack's disclosure plan hides although it is not itself 1 to 5: showing it
#: would let a small number elsewhere be worked out.
NOT_SHOWN = "not shown (it would let a small number elsewhere be worked out)"
METHOD_HEADING = "How this was worked out"

_SINGULAR = ("the number", "the rate", "the share", "the proportion", "the percentage",
             "the count", "the total", "number", "rate", "share", "proportion", "percentage")


def count_text(n, missing_reason: str | None = None) -> str:
    """A count for a sentence: "fewer than 6" for 1 to 5, else with thousands separators;
    None gives ``missing_reason`` (default "not known")."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return missing_reason or NOT_KNOWN
    return "fewer than 6" if is_small(n) else format_count(n)


def pct(fraction, digits: int = 1) -> str:
    return format_percent(fraction, digits)


def pct_short(fraction) -> str:
    """A target-style percentage: 0.4 -> "40%", 0.157 -> "15.7%"."""
    text = pct(fraction)
    return text[:-3] + "%" if text.endswith(".0%") else text


def _pct_plain(fraction, digits: int = 1) -> str:
    """Like :func:`pct`, but a small positive value reads "less than 0.1%", not "low"."""
    text = pct(fraction, digits)
    return f"less than {10.0 ** -digits:.{digits}f}%" if text == "low" else text


def _change(ratio: float) -> str:
    """An annual or period ratio as words: "a rise of 2.0%", "a fall of 3.1%", "no change"."""
    if ratio == 1 or round_half_up(100 * abs(ratio - 1), 1) == 0:
        return "no change"
    return f"a {'rise' if ratio > 1 else 'fall'} of {_pct_plain(abs(ratio - 1))}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plural(what: str, plural: bool | None) -> bool:
    """Counted things ("referrals", "children going missing") are plural; "the number of ..."
    or "the rate of ..." is singular. ``plural`` overrides."""
    return plural if plural is not None else not what.lower().startswith(_SINGULAR)


def p_value_text(p: float | None) -> str:
    """"p < 0.001", else two significant figures ("p = 0.046", "p = 0.83"), with a third
    where two would print 0.05 for a p-value on either side of it."""
    if p is None or math.isnan(p):
        return ""
    if p < 0.001:
        return "p < 0.001"
    digits = 1 - math.floor(math.log10(p))
    text = f"{round_half_up(p, digits):.{digits}f}"
    while float(text) == 0.05 and p != 0.05 and digits < 5:
        digits += 1
        text = f"{round_half_up(p, digits):.{digits}f}"
    return f"p = {text}"


def verdict_phrase(verdict: str, benchmark: float, benchmark_label: str = "England",
                   benchmark_when: str = "", digits: int = 1) -> str:
    """"higher than England's 21.9%" / "similar to England's 3.8% in 2015-16" / "lower than
    ..."."""
    if verdict not in ("higher", "lower", "similar"):
        raise ValueError(f"unknown verdict {verdict!r}")
    joiner = "to" if verdict == "similar" else "than"
    when = f" {benchmark_when}" if benchmark_when else ""
    return f"{verdict} {joiner} {benchmark_label}'s {pct(benchmark, digits)}{when}"


def how_worked_out(*notes: str) -> str:
    """One "How this was worked out" paragraph from method notes (repeats and blanks left
    out), for the foot of a section."""
    kept = list(dict.fromkeys(n.strip() for n in notes if n and n.strip()))
    return f"{METHOD_HEADING}: " + " ".join(kept) if kept else ""


# --------------------------------------------------------------------------- proportions


def proportion_sentence(
    x: int | None,
    n: int | None,
    *,
    of_what: str,
    which: str,
    period_label: str,
    benchmark: float | None = None,
    benchmark_label: str = "England",
    benchmark_when: str = "",
    level: float = 0.95,
    missing_reason: str | None = None,
    benchmark_missing_reason: str | None = None,
) -> str:
    """E.g. "3,715 of 11,330 referrals in 2016-17 (32.8%, likely between 31.9% and 33.7%)
    were re-referrals, higher than England's 21.9%."

    ``of_what`` names the denominator ("referrals"), ``which`` the numerator's predicate
    ("were re-referrals"). ``x`` or ``n`` None: says the figure is ``missing_reason``.
    ``benchmark`` None: no comparison, unless ``benchmark_missing_reason`` says why there is
    none ("England's figure is not held for this period").
    """
    reason = missing_reason or NOT_KNOWN
    if n is None:
        return (f"The number of {of_what} in {period_label} is {reason}, so no percentage "
                "can be given.")
    if x is None:
        return (f"Of {count_text(n)} {of_what} in {period_label}, the number that {which} is "
                f"{reason}.")
    if not n:
        return f"There were no {of_what} in {period_label}."
    if is_small(x) or is_small(n):
        return (f"{_cap(count_text(x))} of {count_text(n)} {of_what} in {period_label} "
                f"{which}: too few to publish a percentage or compare it.")
    lower, upper = wilson_ci(x, n, level)
    verdict = None if benchmark is None else benchmark_verdict(lower, upper, benchmark)
    digits = 1
    # "likely between 3.8% and 9.3% ... higher than England's 3.8%" reads as a contradiction:
    # where the limit and the benchmark would print alike, show another decimal place.
    limit = {"higher": lower, "lower": upper}.get(verdict)
    while limit is not None and digits < 3 and pct(limit, digits) == pct(benchmark, digits):
        digits += 1
    sentence = (f"{count_text(x)} of {count_text(n)} {of_what} in {period_label} "
                f"({pct(x / n)}, likely between {_pct_plain(lower, digits)} and "
                f"{_pct_plain(upper, digits)}) {which}")
    if benchmark is None:
        if benchmark_missing_reason:
            sentence += f"; {benchmark_label}'s figure is {benchmark_missing_reason}"
        return sentence + "."
    sentence += ", " + verdict_phrase(verdict, benchmark, benchmark_label, benchmark_when,
                                      digits)
    if verdict == "similar":
        sentence += ": the difference is within what chance alone could produce"
    return sentence + "."


def proportion_method_note(x, n, *, benchmark: float | None = None,
                           benchmark_label: str = "England", level: float = 0.95) -> str:
    """The method behind :func:`proportion_sentence`: the interval and, with a benchmark, the
    score test's p-value (the test the interval inverts, so it always agrees with the
    verdict). Empty when the sentence gave no percentage."""
    if x is None or not n or is_small(x) or is_small(n):
        return ""
    lvl = f"{round_half_up(level * 100, 1):g}%"
    note = f"The range is a {lvl} confidence interval (Wilson score method)."
    if benchmark is None:
        return note
    lower, upper = wilson_ci(x, n, level)
    inside = lower <= benchmark <= upper
    p = p_value_text(score_test_p(x, n, benchmark))
    return (note + f" {_cap(benchmark_label)}'s {pct(benchmark)} lies "
            f"{'inside' if inside else 'outside'} it; the matching score test gives {p} "
            f"({'not ' if inside else ''}below {1 - level:g}).")


def published_comparison_sentence(x: int | None, n: int | None, *, value: float,
                                  described: str, level: float = 0.95,
                                  missing_reason: str | None = None) -> str:
    """A proportion against a benchmark the partnership has itself published (its annual
    report's "England's 3.8%"), with the same test as every benchmark: "Against 3.8%,
    England's 2015-16 figure, which the annual report used, 4.8% is similar: the difference
    is within what chance alone could produce." ``described`` is the profile's label of the
    comparison (it starts with the value); "higher" or "lower" only when the value lies
    outside the figure's Wilson interval."""
    if x is None or n is None:
        return (f"The figure to set against {described} is {missing_reason or NOT_KNOWN}, "
                "so no comparison is made.")
    if not n or is_small(x) or is_small(n):
        return f"Too few to set against {described}."
    lower, upper = wilson_ci(x, n, level)
    verdict = benchmark_verdict(lower, upper, value)
    digits = 1
    limit = {"higher": lower, "lower": upper}.get(verdict)
    while limit is not None and digits < 3 and pct(limit, digits) == pct(value, digits):
        digits += 1
    words = {"higher": "higher than it, by more than chance would explain",
             "lower": "lower than it, by more than chance would explain",
             "similar": "similar to it: the difference is within what chance alone could "
                        "produce"}[verdict]
    return f"Against {described}, {pct(x / n, digits)} is {words}."


# --------------------------------------------------------------------------- changes


def change_sentence(current, previous, *, what: str, current_label: str,
                    previous_label: str, current_exposure: float = 1,
                    previous_exposure: float = 1, missing_reason: str | None = None,
                    plural: bool | None = None) -> str:
    """E.g. "Referrals rose from 5,975 in 2015-16 to 11,330 in 2016-17 (up 89.6%)." only when
    the conditional binomial test supports a change (p < 0.05); otherwise "Referrals were about
    the same (104 in 2016-17 against 100 in 2015-16)."

    ``current_exposure``/``previous_exposure``: the time or population behind each count (a
    part year against a whole one); the percentage is then the change in the rate. A count of
    None is ``missing_reason`` (default "not known") and nothing is compared.
    """
    were = "were" if _plural(what, plural) else "was"
    if current is None or previous is None:
        reason = missing_reason or NOT_KNOWN
        absent = [label for value, label in ((previous, previous_label),
                                              (current, current_label)) if value is None]
        return (f"{_cap(what)} cannot be compared between {previous_label} and "
                f"{current_label}: the figure for {' and '.join(absent)} is {reason}.")
    if is_small(current) or is_small(previous):
        return (f"{_cap(what)}: {count_text(current)} in {current_label} against "
                f"{count_text(previous)} in {previous_label}.")
    if current == previous == 0:
        return f"There were no {what} in {previous_label} or {current_label}."
    if current == previous and current_exposure == previous_exposure:
        return f"{_cap(what)} {were} unchanged at {count_text(current)} in {current_label}."
    test = count_change_test(current, previous, current_exposure, previous_exposure)
    if test["verdict"] == "similar":
        return (f"{_cap(what)} {were} about the same ({count_text(current)} in {current_label} "
                f"against {count_text(previous)} in {previous_label}).")
    direction = "rose" if test["verdict"] == "higher" else "fell"
    rr = test["rate_ratio"]
    size = "" if math.isinf(rr) else (
        f" ({'up' if rr > 1 else 'down'} {_pct_plain(abs(rr - 1))})")
    return (f"{_cap(what)} {direction} from {count_text(previous)} in {previous_label} "
            f"to {count_text(current)} in {current_label}{size}.")


def change_method_note(current, previous, *, current_exposure: float = 1,
                       previous_exposure: float = 1) -> str:
    """The test behind :func:`change_sentence` (empty when it gave no comparison)."""
    if (current is None or previous is None or is_small(current) or is_small(previous)
            or current == previous == 0):
        return ""
    t = count_change_test(current, previous, current_exposure, previous_exposure)
    return ("A change between two counts is called a rise or fall only when a conditional "
            "binomial test of one count given their sum finds it (p below 0.05); here "
            f"{p_value_text(t['p_value'])}.")


# --------------------------------------------------------------------------- trends


def _too_short(trend) -> bool:
    return bool(getattr(trend, "descriptive", False)) or len(trend.data) < MIN_TREND_MONTHS


def _clear(trend) -> bool:
    """A rise or fall the interval supports, and big enough to print."""
    return not (trend.lower <= 1 <= trend.upper) and _change(trend.rate_ratio) != "no change"


def _trend_words(trend, what: str, plural: bool | None, span: str = "") -> str:
    """"Children going missing are falling by 26.4% a year" or "... show no clear rise or
    fall"; with ``span`` ("the 60 months from April 2012 to March 2017") the fitted months
    are named and the verb is past: "Over ..., children going missing were rising by ..."."""
    many = _plural(what, plural)
    lead = f"Over {span}, {what}" if span else _cap(what)
    if not _clear(trend):
        verb = ("showed" if span else "show" if many else "shows")
        return f"{lead} {verb} no clear rise or fall"
    direction = "rising" if trend.rate_ratio > 1 else "falling"
    verb = ("were" if many else "was") if span else ("are" if many else "is")
    return f"{lead} {verb} {direction} by {_pct_plain(abs(trend.rate_ratio - 1))} a year"


def trend_sentence(trend, *, what: str, missing_reason: str | None = None,
                   plural: bool | None = None, span: str = "") -> str:
    """The fitted annual change in words, e.g. "Children going missing each month are
    falling by 26.4% a year (likely between 18.9% and 33.2%)."; "show no clear rise or fall"
    when the interval holds no change; no trend at all from fewer than 24 months or a
    descriptive fit. ``trend`` None: the monthly figures are ``missing_reason``. ``span``
    names the months fitted ("the 57 months from April 2012 to December 2016")."""
    if trend is None:
        return (f"No trend in {what} can be given: the monthly figures are "
                f"{missing_reason or NOT_KNOWN}.")
    if _too_short(trend):
        return (f"With {len(trend.data)} months held, a trend in {what} cannot yet be told "
                f"apart from the usual ups and downs of the year: that needs "
                f"{MIN_TREND_MONTHS} months.")
    words = _trend_words(trend, what, plural, span)
    if not _clear(trend):
        return (f"{words}: the figures fit anything from {_change(trend.lower)} to "
                f"{_change(trend.upper)} a year.")
    a, b = sorted((abs(trend.lower - 1), abs(trend.upper - 1)))
    return f"{words} (likely between {_pct_plain(a)} and {_pct_plain(b)})."


def trend_method_note(trend) -> str:
    """The model behind :func:`trend_sentence`: method, rate ratio and interval."""
    if trend is None:
        return ""
    lvl = f"{round_half_up(trend.level * 100, 1):g}%"
    ratio = (f"annual rate ratio {trend.rate_ratio:.3f} ({lvl} confidence interval "
             f"{trend.lower:.3f} to {trend.upper:.3f}; 1 means no change)")
    if _too_short(trend):
        return (f"A {trend.method} model without seasonality, fitted to only "
                f"{len(trend.data)} months for description, gives an {ratio}; no trend is "
                f"reported from fewer than {MIN_TREND_MONTHS} months.")
    extra = ""
    if trend.method == "quasi-Poisson":
        extra = (f" Quasi-Poisson because the counts vary more than a Poisson model allows "
                 f"(dispersion {trend.dispersion:.2f}).")
    return (f"The trend is the {ratio} of a {trend.method} model of the monthly counts with a "
            f"term for each calendar month (seasonality).{extra}")


def target_sentence(progress: dict | None, *, what: str, missing_reason: str | None = None,
                    plural: bool | None = None, span: str = "") -> str:
    """Where the trend leaves a reduction target, direction first: "Children going missing
    are falling by 26.4% a year, against the fall of 15.7% a year the target needs: ahead of
    the path to the target. The target is 40% fewer in 2019-20 than the 200 in 2016-17, which
    is 120; on this trend 2019-20 would see about 80 (likely between 60 and 107)."

    ``progress`` is :func:`stats.target_progress`'s dict, or None when no verdict can be
    given (``missing_reason`` says why, e.g. "fewer than 24 months are held"). A baseline
    count of None: the starting point is ``missing_reason`` and no projection is given.
    """
    if progress is None:
        return (f"Progress towards the target for {what} cannot be judged: "
                f"{missing_reason or NOT_KNOWN}.")
    need = 1 - progress["required_ratio"]
    trend = SimpleNamespace(rate_ratio=progress["rate_ratio"], lower=progress["lower"],
                            upper=progress["upper"])
    verdict = {
        "ahead": "ahead of the path to the target",
        "behind": "behind the path to the target",
        "inconclusive": "not clearly ahead of or behind the path to the target",
    }[progress["verdict"]]
    first = (f"{_trend_words(trend, what, plural, span)}, against the fall of "
             f"{_pct_plain(need)} a year the target needs: {verdict}.")
    aim = (f"The target is {pct_short(progress['reduction'])} fewer in "
           f"{progress['target_year']} than")
    if progress.get("baseline_count") is None:
        return (f"{first} {aim} in {progress['baseline_year']}, whose count is "
                f"{missing_reason or NOT_KNOWN}, so no projection is given.")

    def whole(v) -> str:
        return count_text(round_half_up(v))

    return (f"{first} {aim} the {whole(progress['baseline_count'])} in "
            f"{progress['baseline_year']}, which is {whole(progress['target_count'])}; "
            f"{'if that trend carried on unchanged, ' if span else 'on this trend '}"
            f"{progress['target_year']} would see about "
            f"{whole(progress['projected'])} (likely between "
            f"{whole(progress['projected_lower'])} and {whole(progress['projected_upper'])}).")


def target_method_note(progress: dict | None) -> str:
    """How :func:`target_sentence`'s verdict and projection were worked out."""
    if progress is None:
        return ""
    k, req = progress["years"], progress["required_ratio"]
    lvl = f"{round_half_up(progress.get('level', 0.95) * 100, 1):g}%"
    return (f"{pct_short(progress['reduction'])} fewer over {k} years needs an annual rate "
            f"ratio of {req:.3f} ({1 - progress['reduction']:g} to the power 1/{k}). The "
            f"fitted ratio is {progress['rate_ratio']:.3f} ({lvl} confidence interval "
            f"{progress['lower']:.3f} to {progress['upper']:.3f}): ahead when the whole "
            f"interval is below {req:.3f}, behind when it is wholly above. The projection is "
            f"the {progress['baseline_year']} count carried forward by the ratio for each of "
            f"the {k} years, and its range by the interval's ends in the same way, so it agrees "
            "with the verdict.")


# --------------------------------------------------------------------------- SPC charts

_RULE_WORDS = {
    "outside limits": "outside the expected range",
    "trend": "in a run of 7 or more rising or falling",
    "two of three": "close to the edge of the range (2 of 3 in a row)",
    "shift": "in a run of 7 or more on one side of the average",
}


def xmr_sentence(chart, *, what: str, period_word: str = "month",
                 plural: bool | None = None) -> str:
    """What an XmR chart (:func:`stats.xmr`) shows, in plain words: usual variation, or
    unusual variation with how many points each rule flagged, and whether the limits are
    provisional (trial limits from fewer than 12 points)."""
    many = _plural(what, plural)
    special = chart[chart["special_cause"]]
    last = chart.iloc[-1]

    def points(n: int) -> str:
        return f"{n} {period_word}{'s' if n != 1 else ''}"

    if special.empty:
        text = (f"{_cap(what)} {'vary' if many else 'varies'} only as much as usual: no "
                f"{period_word} falls outside the expected range or forms an unusual run.")
    else:
        listed = ", ".join(f"{points(n)} {_RULE_WORDS.get(rule, rule)}"
                           for rule, n in special["rule"].value_counts().items())
        kinds = set(special["variation"])
        kind = (", a sign of improvement" if kinds == {"improvement"} else
                ", a cause for concern" if kinds == {"concern"} else "")
        text = f"{_cap(what)} {'show' if many else 'shows'} unusual variation{kind}: {listed}."
        if last["special_cause"]:
            text += (f" The latest {period_word} is itself unusual "
                     f"({_RULE_WORDS.get(last['rule'], last['rule'])}).")
    if bool(last["trial_limits"]):
        used = int(last["baseline_n"]) if "baseline_n" in chart else int(
            (chart["segment"] == last["segment"]).sum())
        text += (f" The expected range is provisional: it rests on only {points(used)} "
                 f"({MIN_XMR_POINTS} are needed).")
    return text


def xmr_method_note(chart) -> str:
    """The method behind :func:`xmr_sentence` (Making Data Count's rules)."""
    rebased = chart["segment"].nunique() > 1 if "segment" in chart else False
    note = ("The expected range is the process limits of an XmR chart (NHS England's Making "
            "Data Count): the mean plus or minus 2.66 times the average moving range. A point "
            "is unusual (a special cause) when it lies outside the limits, or is part of 7 "
            "rising or falling, 7 on one side of the mean, or 2 of 3 more than two-thirds of "
            "the way to the same limit but not beyond it.")
    if rebased:
        note += " The limits were recalculated where the process changed."
    if bool(chart["trial_limits"].iloc[-1]):
        reason = chart["trial_reason"].iloc[-1] if "trial_reason" in chart else ""
        note += (f" These are trial limits ({reason})." if reason else
                 " These are trial limits (fewer than 12 points).")
    return note
