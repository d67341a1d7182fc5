"""Titles and sentences about a series of proportions from tests over the whole series, never
from its two end points (METHODS.md, "Words about a series").

Where the partnership profile names a recording change inside the series (the MASH opening,
for referrals), the series is read as two parts: the title says whether the level after the
change differs from the level before (:func:`stats.level_change`), and a sentence describes
each part: its trend where it has enough points (:func:`stats.proportion_trend`), else its
average. Without such a change, the title is the whole series' trend. A period counts as after
the change when at least half of it falls after the change's first day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .. import narrative as say
from ..stats import MIN_SERIES_POINTS, level_change, proportion_trend
from .common import period_of
from .context import Context

#: The fewest points a part of a series needs for its own trend (else its average is given).
MIN_PART_POINTS = 6
#: The fewest points on each side of a recording change for a level change to be tested.
MIN_SIDE_POINTS = 3


@dataclass
class SeriesWords:
    """A title, the sentences under the chart, and the method note, for one series."""

    title: str
    sentences: list[str] = field(default_factory=list)
    method: str = ""


def _years(labels: list[str]) -> list[float]:
    starts = [pd.Timestamp(period_of(label).start) for label in labels]
    return [(s - starts[0]).days / 365.25 for s in starts]


def _after(labels: list[str], month: str) -> list[bool]:
    """Each period is after the change when its middle day is on or after the change's
    first day (at least half the period follows it)."""
    start = pd.Period(month, "M").start_time
    out = []
    for label in labels:
        p = period_of(label)
        middle = pd.Timestamp(p.start) + (pd.Timestamp(p.end) - pd.Timestamp(p.start)) / 2
        out.append(middle >= start)
    return out


def _trend_words(test, what: str, span: str) -> str:
    if test.verdict == "similar":
        return f"{what} showed no clear rise or fall over {span}"
    word = "rose" if test.verdict == "higher" else "fell"
    return (f"{what} {word} over {span}, from about {say.pct(test.fitted_first)} to about "
            f"{say.pct(test.fitted_last)} on the trend fitted to them")


def _part(frame: pd.DataFrame, what: str, unit: str) -> str | None:
    """One part of the series as its trend in words, or None when it is too short for one."""
    labels = list(frame["period"])
    if len(labels) < MIN_PART_POINTS:
        return None
    test = proportion_trend(frame["numerator"], frame["denominator"], _years(labels))
    return _trend_words(test, what, f"the {len(labels)} {unit} from {labels[0]} to "
                                    f"{labels[-1]}")


def series_words(ctx: Context, frame: pd.DataFrame, what: str, unit: str = "quarters",
                 affects: str | None = "referrals") -> SeriesWords:
    """Words for a proportion series (``frame`` as :func:`.common.rate_frame` returns it:
    period, numerator, denominator, hidden). Hidden points are left out of every test.
    ``what`` is the figure's name as a sentence starts it ("The re-referral rate");
    ``affects``: the profile's recording changes that apply to it."""
    shown = frame[~frame["hidden"].astype(bool)].reset_index(drop=True)
    cap = say._cap(what)
    if len(shown) < MIN_SERIES_POINTS:
        return SeriesWords(f"{cap} by {unit[:-1]}", [], "")
    labels = list(shown["period"])
    event = ctx.profile.event_for(affects) if affects else None
    after = _after(labels, event.month) if event else [False] * len(labels)
    n_after = sum(after)
    method = ("Titles and sentences about the series come from tests over the whole series, "
              "never from its first and last points: a logistic model of the counts "
              "(quasi-binomial, with intervals from Student's t, where the points vary more "
              "than chance alone would give), called a rise, fall or change only when its "
              "95% interval excludes no change.")
    if event is not None and n_after >= MIN_SIDE_POINTS and \
            len(labels) - n_after >= MIN_SIDE_POINTS and not after[0]:
        when = pd.Period(event.month, "M").strftime("%B %Y")
        step = level_change(shown["numerator"], shown["denominator"], after)
        if step.verdict == "similar":
            title = f"{cap} did not clearly change when {event.short} in {when}"
        else:
            word = "higher" if step.verdict == "higher" else "lower"
            title = f"{cap} has been {word} since {event.short} in {when}"
        cut = after.index(True)
        before = shown.iloc[:cut]
        since = shown.iloc[cut:]
        level = {"higher": "higher than", "lower": "lower than",
                 "similar": "about the same as"}[step.verdict]
        sentences = []
        first = _part(before, what.lower(), unit)
        if first:
            sentences.append(f"Before {event.short}, {first}.")
        then = _part(since, what.lower(), unit)
        count = f"{len(since)} {unit if len(since) != 1 else unit[:-1]}"
        sentences.append(
            f"From {labels[cut]} ({count}), {what.lower()} averaged "
            f"{say.pct(step.fitted_last)}, {level} the {say.pct(step.fitted_first)} of the "
            f"{len(before)} {unit} before" + (f"; {then}." if then else "."))
        method += (f" The level from {labels[cut]} is set against the level before it (a "
                   f"{unit[:-1]} counts as after {event.short} when at least half of it "
                   f"falls after; odds ratio {step.ratio:.2f}, 95% interval "
                   f"{step.lower:.2f} to {step.upper:.2f}, {say.p_value_text(step.p_value)}); "
                   f"each part's trend is given where it has at least {MIN_PART_POINTS} "
                   f"{unit}, else its average.")
        return SeriesWords(title, sentences, method)
    test = proportion_trend(shown["numerator"], shown["denominator"], _years(labels))
    span = f"the {len(labels)} {unit} from {labels[0]} to {labels[-1]}"
    if test.verdict == "similar":
        title = f"{cap} showed no clear rise or fall over {span}"
        sentences = []
    else:
        title = f"{cap} {'rose' if test.verdict == 'higher' else 'fell'} over {span}"
        sentences = [f"{_trend_words(test, cap, span)}."]
    method += (f" Here the odds ratio a year is {test.ratio:.3f} (95% interval "
               f"{test.lower:.3f} to {test.upper:.3f}; {say.p_value_text(test.p_value)}).")
    return SeriesWords(title, sentences, method)


__all__ = ["SeriesWords", "series_words", "MIN_PART_POINTS", "MIN_SIDE_POINTS"]
