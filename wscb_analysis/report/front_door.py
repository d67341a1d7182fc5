"""Page 02's front door: a recording change the partnership profile names (e.g. a MASH
opening), whether monthly referrals stepped there (worked out from the data, never assumed),
and the share of referrals ending in no further action (from the data)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import narrative as say
from .blocks import Block, Finding, MethodNote, Note
from .common import whole_months, why_not
from .context import Context, needs


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _months_held(ctx: Context) -> list[str]:
    """Whole months the referrals hold, up to the period's last month."""
    return whole_months(ctx, "referrals")


@dataclass(frozen=True)
class Step:
    """Whether monthly referrals changed at a recording change (e.g. a MASH opening)."""

    at: int            # index of the event's month among the months tested
    month: str         # "May 2016"
    verdict: str       # "higher", "lower" or "similar"
    ratio: float       # mean a month after / mean a month before
    p_value: float
    before: int        # months before
    after: int         # months from the event's month


def referral_step(ctx: Context, months: list[str] | None = None) -> Step | None:
    """The step in monthly referrals at the profile's recording change, tested on the whole
    months held up to the period's end: None when the profile names no such change, its month
    is not among those months, or fewer than 3 months lie on either side of it.

    The test is a quasi-Poisson comparison of the monthly means before and from the event's
    month: the usual month-to-month variation (the Pearson dispersion within the two
    segments, at least the Poisson's) widens the interval, so a slow drift or a seasonal swing
    in a large series is not called a step. A step is claimed when p < 0.05."""
    event = ctx.profile.event_for("referrals")
    months = _months_held(ctx) if months is None else months
    if event is None:
        return None
    label = pd.Period(event.month, "M").strftime("%b %Y")
    if label not in months:
        return None
    i = months.index(label)
    if i < 3 or len(months) - i < 3:
        return None
    counts = np.array([ctx.plan.value(ctx.key("referrals", m)) for m in months], dtype=float)
    return Step(i, label, *_step_test(counts[:i], counts[i:]), before=i,
                after=len(months) - i)


def _step_test(before: np.ndarray, after: np.ndarray) -> tuple[str, float, float]:
    """(verdict, ratio of monthly means, p) for a change in level between two runs of
    monthly counts (quasi-Poisson, dispersion from both runs, never below 1)."""
    from scipy.special import ndtr  # the normal CDF, without loading scipy.stats

    m1, m2 = before.mean(), after.mean()
    if m1 == 0 and m2 == 0:
        return "similar", float("nan"), 1.0
    if m1 == 0 or m2 == 0:
        # No referrals at all on one side and some on the other: a step by any test.
        return ("higher" if m2 > m1 else "lower"), (float("inf") if m1 == 0 else 0.0), 0.0
    resid = np.concatenate([(before - m1) ** 2 / m1, (after - m2) ** 2 / m2])
    dof = len(before) + len(after) - 2
    phi = max(1.0, float(resid.sum()) / dof) if dof > 0 else 1.0
    se = np.sqrt(phi * (1 / before.sum() + 1 / after.sum()))
    z = np.log(m2 / m1) / se
    p = float(2 * ndtr(-abs(z)))
    verdict = "similar" if p >= 0.05 else ("higher" if m2 > m1 else "lower")
    return verdict, float(m2 / m1), p


def _event_month_words(event) -> str:
    return pd.Period(event.month, "M").strftime("%B %Y")


@needs("referrals")
def front_door_note(ctx: Context) -> Block:
    """A change in front-door recording from the profile (e.g. a MASH opening), with whether
    the data show a step in monthly referrals there (computed, never assumed), and the share
    of referrals ending in no further action, computed from the extract."""
    event = ctx.profile.event_for("referrals")
    items: list = []
    method: list[str] = []
    cov = ctx.coverage["referrals"]
    if event is not None:
        month = pd.Period(event.month, "M")
        first = pd.Timestamp(cov.first_date).to_period("M")
        if first <= month <= pd.Timestamp(ctx.period.end).to_period("M"):
            when = _event_month_words(event)
            step = referral_step(ctx)
            said = f"{_cap(event.name)} in {when}."
            if step is None:
                items.append(Note(
                    f"{said} The extract holds too few whole months of referrals on one side "
                    "of it (3 are needed on each side) to tell whether monthly referrals "
                    "changed then."))
            elif step.verdict == "similar":
                items.append(Finding(
                    f"{said} Monthly referrals did not step up or down then: the "
                    f"{step.after} months from {when} held about as many referrals a month "
                    f"as the {step.before} months before."))
            else:
                word, more = (("up", "more") if step.verdict == "higher" else
                              ("down", "fewer"))
                items.append(Finding(
                    f"{said} Monthly referrals stepped {word} then: the {step.after} months "
                    f"from {when} held {more} referrals a month than the {step.before} months "
                    "before, by more than the usual ups and downs would explain."))
                if event.note:
                    items.append(Note(f"The partnership's account of the change: "
                                      f"{event.note}"))
            if step is not None:
                method.append(
                    f"The months before and from {when} are compared by their average "
                    "referrals a month, allowing for the usual month-to-month variation "
                    f"(a quasi-Poisson test; {say.p_value_text(step.p_value)}); a step is "
                    "claimed only when p is below 0.05.")
    kx, kn = ctx.key("referrals_nfa"), ctx.key("referrals_nfa_known")
    if ctx.plan.has(kx) and ctx.plan.has(kn) and ctx.plan.value(kn):
        x, n = ctx.say_key(kx), ctx.say_key(kn)
        items.append(Finding(say.proportion_sentence(
            x, n, of_what="referrals with an outcome recorded",
            which="ended in no further action", period_label=ctx.period.label,
            missing_reason=why_not(ctx, kx, kn)), [(say.count_text(x), kx),
                                                   (say.count_text(n), kn)]))
    if method:
        items.append(MethodNote(method))
    heading = ("Changes at the front door" if any(not isinstance(i, Finding) or
                                                  "no further action" not in i.text
                                                  for i in items)
               else "Referrals ending in no further action")
    return Block(items, heading=heading if items else None)


__all__ = ["Step", "referral_step", "front_door_note"]
