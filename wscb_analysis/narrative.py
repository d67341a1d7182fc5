"""Sentences generated from the figures, never typed by hand.

Verdict words follow the interval: "higher"/"lower" only when the benchmark lies outside the
local figure's confidence interval (Fingertips rule, :func:`stats.benchmark_verdict`),
otherwise "similar". A count from 1 to 5 is written "fewer than 6", and no proportion is
stated on such a count. Percentages are rounded half up to 1 decimal place.
"""

from __future__ import annotations

from .disclosure import format_count, format_percent, is_small
from .stats.intervals import benchmark_verdict, round_half_up, wilson_ci


def count_text(n) -> str:
    """A count for a sentence: "fewer than 6" for 1 to 5, else with thousands separators."""
    if n is None:
        return "not known"
    return "fewer than 6" if is_small(n) else format_count(n)


def pct(fraction) -> str:
    return format_percent(fraction)


def pct_short(fraction) -> str:
    """A target-style percentage: 0.4 -> "40%", 0.157 -> "15.7%"."""
    text = pct(fraction)
    return text[:-3] + "%" if text.endswith(".0%") else text


def verdict_phrase(verdict: str, benchmark: float, benchmark_label: str = "England",
                   benchmark_when: str = "") -> str:
    """"higher than England's 21.9%" / "similar to England's 3.8% in 2015-16" / "lower than
    ..."."""
    if verdict not in ("higher", "lower", "similar"):
        raise ValueError(f"unknown verdict {verdict!r}")
    joiner = "to" if verdict == "similar" else "than"
    when = f" {benchmark_when}" if benchmark_when else ""
    return f"{verdict} {joiner} {benchmark_label}'s {pct(benchmark)}{when}"


def proportion_sentence(
    x: int,
    n: int,
    *,
    of_what: str,
    which: str,
    period_label: str,
    benchmark: float | None = None,
    benchmark_label: str = "England",
    benchmark_when: str = "",
    level: float = 0.95,
) -> str:
    """E.g. "3,715 of 11,330 referrals in 2016-17 (32.8%, 95% CI 31.9% to 33.7%) were
    re-referrals, higher than England's 21.9%."

    ``of_what`` names the denominator ("referrals"), ``which`` the numerator's predicate
    ("were re-referrals").
    """
    if not n:
        return f"There were no {of_what} in {period_label}."
    if is_small(x) or is_small(n):
        return (f"{count_text(x).capitalize()} of {count_text(n)} {of_what} in {period_label} "
                f"{which}: too few to publish a percentage or compare it.")
    lower, upper = wilson_ci(x, n, level)
    cmp = {"lower": lower, "upper": upper, "verdict": benchmark_verdict(
        lower, upper, benchmark) if benchmark is not None else None}
    ci = f"{round_half_up(level * 100, 1):g}% CI {pct(cmp['lower'])} to {pct(cmp['upper'])}"
    sentence = (f"{count_text(x)} of {count_text(n)} {of_what} in {period_label} "
                f"({pct(x / n)}, {ci}) {which}")
    if benchmark is None:
        return sentence + "."
    sentence += ", " + verdict_phrase(cmp["verdict"], benchmark, benchmark_label, benchmark_when)
    if cmp["verdict"] == "similar":
        sentence += ": the difference is within what chance alone could produce"
    return sentence + "."


def change_sentence(current, previous, *, what: str, current_label: str,
                    previous_label: str) -> str:
    """E.g. "Referrals rose from 5,975 in 2015-16 to 11,330 in 2016-17 (up 89.6%)."."""
    if current is None or previous is None:
        return f"{what.capitalize()} cannot be compared with {previous_label}."
    if is_small(current) or is_small(previous):
        return (f"{what.capitalize()}: {count_text(current)} in {current_label} against "
                f"{count_text(previous)} in {previous_label}.")
    if previous == current:
        return f"{what.capitalize()} were unchanged at {count_text(current)} in {current_label}."
    direction = "rose" if current > previous else "fell"
    change = "" if not previous else (
        f" ({'up' if current > previous else 'down'} {pct(abs(current - previous) / previous)})")
    return (f"{what.capitalize()} {direction} from {count_text(previous)} in {previous_label} "
            f"to {count_text(current)} in {current_label}{change}.")


def trend_sentence(trend, *, what: str) -> str:
    """The fitted annual change with its interval, in words."""
    rr, lo, hi = trend.rate_ratio, trend.lower, trend.upper
    level = f"{round_half_up(trend.level * 100, 1):g}%"
    model = f"{trend.method} model" + (" with seasonality" if trend.seasonal else "")
    if lo <= 1 <= hi:
        return (f"There is no clear trend in {what}: the estimated change is "
                f"{_signed(rr - 1)} a year ({level} CI {_signed(lo - 1)} to {_signed(hi - 1)}; "
                f"{model}).")
    direction = "rising" if rr > 1 else "falling"
    return (f"{what.capitalize()} {'are' if what.endswith('s') else 'is'} {direction} by "
            f"{pct(abs(rr - 1))} a year ({level} CI {_signed(lo - 1)} to {_signed(hi - 1)}; "
            f"{model}).")


def _signed(change: float) -> str:
    """-15.7% for a fall; no minus sign on a change that rounds to nothing."""
    text = pct(abs(change))
    return f"-{text}" if change < 0 and text not in ("0.0%", "low") else text


def target_sentence(progress: dict, *, what: str) -> str:
    """Where the trend leaves a reduction target ("40% fewer by 2019-20 from 2016-17")."""
    need = 1 - progress["required_ratio"]
    verdict = {
        "ahead": "ahead of the path to the target",
        "behind": "behind the path to the target",
        "inconclusive": "not clearly ahead of or behind the path to the target",
    }[progress["verdict"]]
    parts = [
        f"To reach {pct_short(progress['reduction'])} fewer {what} in "
        f"{progress['target_year']} than in {progress['baseline_year']} (from "
        f"{count_text(progress['baseline_count'])} to "
        f"{count_text(round_half_up(progress['target_count']))}), the number must fall by "
        f"{pct(need)} a year.",
        f"The fitted trend is {_signed(progress['rate_ratio'] - 1)} a year (95% CI "
        f"{_signed(progress['lower'] - 1)} to {_signed(progress['upper'] - 1)}): {verdict}.",
        f"On this trend {progress['target_year']} would see about "
        f"{count_text(round_half_up(progress['projected']))} (95% CI "
        f"{count_text(round_half_up(progress['projected_lower']))} to "
        f"{count_text(round_half_up(progress['projected_upper']))}).",
    ]
    return " ".join(parts)


def xmr_sentence(chart, *, what: str, period_word: str = "month") -> str:
    """What an XmR chart shows, in the words Making Data Count uses."""
    special = chart[chart["special_cause"]]
    trial = bool(chart["trial_limits"].iloc[-1])
    last = chart.iloc[-1]
    if special.empty:
        text = (f"{what.capitalize()} show only common cause variation: no {period_word} falls "
                "outside the process limits or forms a run.")
    else:
        rules = special["rule"].value_counts()
        listed = ", ".join(f"{rule} ({n} {period_word}{'s' if n > 1 else ''})"
                           for rule, n in rules.items())
        kinds = set(special["variation"])
        kind = (" of improvement" if kinds == {"improvement"} else
                " of concern" if kinds == {"concern"} else "")
        text = f"{what.capitalize()} show special cause variation{kind}: {listed}."
        if last["special_cause"]:
            text += f" The latest {period_word} is itself a special cause ({last['rule']})."
    if trial:
        text += " Fewer than 12 points: these are trial limits."
    return text
