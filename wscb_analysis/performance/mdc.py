"""Making Data Count's two summary icons for a scorecard: variation and assurance.

From the XmR chart of an indicator's series (:func:`wscb_analysis.stats.xmr`: mean +/- 2.66
times the average moving range, the four special-cause rules), latest segment after any
rebase (METHODS.md, "Summary icons for a scorecard"):

Variation
    "special cause improving" / "special cause concerning" when the latest point is flagged,
    by itself (outside the process limits) or as part of a run, trend or 2-of-3 pattern that
    includes it, and is high or low in the indicator's better or worse direction;
    "special cause neither" for a signal where no direction is better; otherwise "common
    cause". Fewer than 6 points in the latest segment: "too few points" (no icon); fewer than
    12: the limits are trial limits (``trial_limits`` True: say so).
Assurance (against a target in the indicator's better direction)
    "consistently met" when the target lies outside the process limits on the side the
    process already beats (a target of at least T below the lower limit, or of at most T above
    the upper limit); "consistently missed" when it lies outside them on the other side;
    "hit and miss" when it lies between the limits (or on one): either can happen by chance
    alone. "no target" without one; "too few points" where variation has too few.
    Assurance reads the limits as a forecast. Under a special cause the process has changed
    since the limits were set, so the judgement describes the old process:
    ``process_changed`` is True and the page says so beside it, and no summary lists such an
    indicator as consistently meeting or missing its target without saying so.
    ``latest_meet_target`` says whether the latest values (the run of points flagged by the
    rule that flags the latest, or the latest alone under common cause) all meet the target:
    an indicator whose latest values all meet it is never summarised as consistently missing
    it.

Where this departs from NHSRplotthedots: NHSRplotthedots gives no assurance for an indicator
with no better direction ("neutral"); here a target carries its own direction ("at least",
"at most"), so an indicator with no better direction but a target is judged against it.
Icons need 6 points (METHODS.md), with trial limits said below 12; NHSRplotthedots draws them
from any number of points and warns below 12.

Sources: NHS England, Making Data Count (2019) and its SPC tool; NHSRplotthedots
(``ptd_calculate_assurance_type``: strict comparisons with the limits of the last point).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..stats import xmr

VARIATION_STATES = ("common cause", "special cause improving", "special cause concerning",
                    "special cause neither", "too few points")
ASSURANCE_STATES = ("consistently met", "consistently missed", "hit and miss", "no target",
                    "too few points")
#: Assurance states that judge the target against the limits.
ASSURANCE_JUDGED = ("consistently met", "consistently missed", "hit and miss")
#: No icon from fewer points than this (METHODS.md).
MIN_POINTS = 6
#: Fewer points than this give trial limits.
TRIAL_BELOW = 12


def improvement_direction(polarity: str) -> str | None:
    """"increase", "decrease" or None for "higher is better", "lower is better", "neither"."""
    return {"higher is better": "increase", "lower is better": "decrease"}.get(polarity)


@dataclass
class Summary:
    """The scorecard's judgement of one series."""

    variation: str
    assurance: str
    #: "high" / "low" for a special cause, else ""
    direction: str = ""
    #: the xmr rule that flags the latest point, or ""
    rule: str = ""
    #: points in the latest segment (the ones the limits come from)
    points: int = 0
    trial_limits: bool = False
    mean: float = np.nan
    lpl: float = np.nan
    upl: float = np.nan
    #: xmr output (one row per point), None below MIN_POINTS
    chart: pd.DataFrame | None = None
    #: the latest point is a special cause: the limits describe the process before a change
    process_changed: bool = False
    #: the latest values (see the module notes) all meet the target; None without a target
    latest_meet_target: bool | None = None

    @property
    def assurance_qualified(self) -> bool:
        """Assurance judged against limits the process has since left (say so beside it)."""
        return self.process_changed and self.assurance in ASSURANCE_JUDGED


def variation_state(special: bool, direction: str, polarity: str) -> str:
    """The variation word for the latest point of an XmR chart."""
    if not special:
        return "common cause"
    better = {"increase": "high", "decrease": "low"}.get(improvement_direction(polarity) or "")
    if better is None:
        return "special cause neither"
    return "special cause improving" if direction == better else "special cause concerning"


def assurance_state(lpl: float, upl: float, target: float | None,
                    target_direction: str | None) -> str:
    """Where the target lies against the process limits; ``target_direction`` "at least"
    (the target is met by values at or above it) or "at most"."""
    if target is None or target_direction is None or (isinstance(target, float)
                                                      and np.isnan(target)):
        return "no target"
    if target_direction not in ("at least", "at most"):
        raise ValueError("target_direction must be 'at least' or 'at most'")
    if target < lpl:
        return "consistently met" if target_direction == "at least" else "consistently missed"
    if target > upl:
        return "consistently missed" if target_direction == "at least" else "consistently met"
    return "hit and miss"


def meets(value: float, target: float, target_direction: str) -> bool:
    """Whether one value meets a target of at least (or at most) ``target``."""
    return value >= target if target_direction == "at least" else value <= target


def _latest_values(chart: pd.DataFrame) -> np.ndarray:
    """The values of the pattern that flags the latest point: the run of points flagged by
    the same rule, up to and including the latest (the latest alone under common cause)."""
    rules = chart["rule"].to_numpy(object)
    values = chart["value"].to_numpy(float)
    segment = chart["segment"].to_numpy()
    if not rules[-1]:
        return values[-1:]
    start = len(rules) - 1
    while start > 0 and rules[start - 1] == rules[-1] and segment[start - 1] == segment[-1]:
        start -= 1
    return values[start:]


def summarise(values: Sequence[float], polarity: str, target: float | None = None,
              target_direction: str | None = None,
              rebase_at: Sequence[int] | None = None,
              baseline_points: int | None = None) -> Summary:
    """Variation and assurance for a series in time order (``rebase_at``: positions where new
    limits start; only the latest segment is judged; ``baseline_points``: limits from each
    segment's first k points, as NHSRplotthedots' ``fix_after_n_points``)."""
    y = np.asarray(values, dtype=float)
    cuts = sorted(int(c) for c in (rebase_at or []) if 0 < int(c) < len(y))
    latest = len(y) - (cuts[-1] if cuts else 0)
    has_target = target is not None and not (isinstance(target, float) and np.isnan(target))
    if latest < MIN_POINTS:
        return Summary(variation="too few points",
                       assurance="too few points" if has_target else "no target",
                       points=latest, trial_limits=True)
    chart = xmr(y, rebase_at=cuts, baseline_points=baseline_points,
                improvement=improvement_direction(polarity))
    last = chart.iloc[-1]
    special = bool(last["special_cause"])
    latest_meet = (bool(all(meets(v, float(target), target_direction)
                            for v in _latest_values(chart)))
                   if has_target and target_direction in ("at least", "at most") else None)
    return Summary(
        variation=variation_state(special, str(last["direction"]), polarity),
        assurance=assurance_state(float(last["lpl"]), float(last["upl"]),
                                  target if has_target else None, target_direction),
        direction=str(last["direction"]) if special else "",
        rule=str(last["rule"]) if special else "", points=latest,
        # Limits from fewer than 12 points (the segment, or its fixed baseline) are trial limits.
        trial_limits=min(latest, baseline_points or latest) < TRIAL_BELOW,
        mean=float(last["mean"]), lpl=float(last["lpl"]), upl=float(last["upl"]), chart=chart,
        process_changed=special, latest_meet_target=latest_meet)


__all__ = ["ASSURANCE_JUDGED", "ASSURANCE_STATES", "MIN_POINTS", "Summary", "TRIAL_BELOW",
           "VARIATION_STATES", "assurance_state", "improvement_direction", "meets", "summarise",
           "variation_state"]
