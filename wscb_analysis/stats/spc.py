"""XmR charts as NHS England's "Making Data Count" draws them, the rules counted as
NHSRplotthedots (the NHS-R Community's R package) counts them.

    mean = mean of the baseline points;  MR_i = |y_i - y_(i-1)|;  AMR = mean(MR)
    process limits = mean +/- 2.66 AMR;  2-sigma lines = mean +/- (2/3) 2.66 AMR

The baseline is every point of the segment (all points since the last rebase), or its first
``baseline_points`` (NHSRplotthedots' ``fix_after_n_points``): never a rolling window.

Special causes, in priority order (a point takes the first rule that flags it):
1. "outside limits": a point above the upper or below the lower process limit (strictly);
2. "trend": a run of 7 or more points each strictly higher (or lower) than the one before
   (a tie breaks the run); every point of the run is flagged;
3. "two of three": 2 of 3 consecutive points "close to" the same limit, with all 3 strictly
   on that side of the mean; a point is close to a limit when it lies beyond the 2-sigma line
   but not beyond the process limit (a point beyond the limit is flagged by rule 1, and is
   not counted here). Only the close points are flagged;
4. "shift": 7 or more consecutive points on one side of the mean (a point on the mean breaks
   it); every point of the run is flagged.

Direction of a special cause (``direction``: "high" or "low"), as NHSRplotthedots since
version 0.2 (its issue #171, pull request #180, matching NHS England's own spreadsheet):
a point outside the limits, in a 2-of-3 pattern or in a shift is high or low by the side of
the mean it lies on; a point of a trend is high when the trend rises and low when it falls,
whichever side of the mean it lies (a rising run below the mean is rising). A point where a
falling run meets a rising one takes the direction of the run to its right.

Limits set from fewer than 12 points are trial limits: a segment shorter than 12, or a
baseline (``baseline_points``) of fewer than 12 however long the segment. Limits may be
recalculated from a stated point (a rebase, e.g. when the MASH opened); each segment has its
own mean and limits and its own rules (no run crosses a rebase).
Moving-range screening (optional; Making Data Count's own spreadsheet does not screen, and
NHSRplotthedots does by default) drops moving ranges of 3.267 AMR or more and recomputes AMR
once.

Where this module departs from NHSRplotthedots: none in the limits or the four rules. Its
``short_group_warning`` marks a segment of fewer than 12 points; here the limits are also
trial limits when a fixed baseline holds fewer than 12 (however long the segment).

Sources: NHS England / Making Data Count, "Making data count" (2019) and its SPC tool;
nhs-r-community/NHSRplotthedots, R/ptd_spc_standard.R and R/ptd_calculate_point_type.R.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

LIMIT = 2.66
NEAR = 2 / 3 * LIMIT
SCREEN = 3.267
MIN_POINTS = 12
RUN = 7


def _segment_limits(y: np.ndarray, baseline: int | None, screen: bool) -> tuple[float, float]:
    base = y if baseline is None else y[:baseline]
    mean = float(np.mean(base))
    mr = np.abs(np.diff(base))
    if len(mr) == 0:
        return mean, float("nan")
    amr = float(np.mean(mr))
    if screen:
        # NHSRplotthedots keeps a moving range only when it is below 3.267 AMR.
        kept = mr[mr < SCREEN * amr]
        if len(kept):
            amr = float(np.mean(kept))
    return mean, amr


def _runs(flags: np.ndarray, length: int) -> np.ndarray:
    """Mark every element of a run of ``length`` or more consecutive True values."""
    out = np.zeros(len(flags), dtype=bool)
    i = 0
    n = len(flags)
    while i < n:
        if not flags[i]:
            i += 1
            continue
        j = i
        while j < n and flags[j]:
            j += 1
        if j - i >= length:
            out[i:j] = True
        i = j
    return out


def _trend(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(points in a trend, each trend point's direction: +1 rising, -1 falling, 0 none).

    A point is in a trend when it belongs to 7 or more strictly rising (or falling) points.
    Its direction is that of the step to its right when the next point is in a trend too,
    else of the step from its left (NHSRplotthedots' rule for a point where runs meet)."""
    n = len(y)
    part = np.zeros(n, dtype=bool)
    sign = np.zeros(n, dtype=int)
    if n < RUN:
        return part, sign
    steps = np.sign(np.diff(y)).astype(int)   # step i -> i+1
    for s in (1, -1):
        run = _runs(steps == s, RUN - 1)      # 7 points = 6 consecutive steps
        part[1:] |= run
        part[:-1] |= run
    right = np.append(steps, 0)               # the step to each point's right
    left = np.insert(steps, 0, 0)             # the step from its left
    next_part = np.append(part[1:], False)
    sign = np.where(part, np.where(next_part, right, left), 0)
    return part, sign


def _two_of_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Points close to a limit (``close``) in a window of 3 consecutive points holding 2 or
    more close points, with all 3 strictly on one side of the mean (``side`` is -1, 0, +1)."""
    n = len(close)
    hit = np.zeros(n, dtype=bool)
    for i in range(n - 2):
        w = slice(i, i + 3)
        if close[w].sum() >= 2 and abs(int(side[w].sum())) == 3:
            hit[w] = True
    return hit & close


def xmr(
    values: Sequence[float] | pd.Series | np.ndarray,
    screen_outliers: bool = False,
    rebase_at: Sequence[int] | None = None,
    baseline_points: int | None = None,
    improvement: str | None = None,
) -> pd.DataFrame:
    """An XmR (individuals) chart with Making Data Count's special-cause rules.

    ``values`` in time order (a Series keeps its index). ``rebase_at``: positions where new
    limits start (e.g. the first month after the MASH opened). ``baseline_points``: compute
    each segment's limits from its first k points only. ``improvement``: "increase" or
    "decrease" (fewer missing episodes is improvement) to label each special cause.

    Returns one row per point: ``value, mean, lpl, upl, lower_2sigma, upper_2sigma,
    special_cause`` (bool), ``rule`` (the first rule that flags it, or ""), ``direction``
    ("high"/"low"/"", see the module notes), ``variation`` ("common cause", "improvement",
    "concern", or "special cause" without a direction), ``segment``, ``baseline_n`` (how many
    points the segment's limits were computed from), ``trial_limits`` (bool: ``baseline_n``
    below 12) and ``trial_reason`` (why the limits are trial limits, in words, or "").
    """
    index = values.index if isinstance(values, pd.Series) else None
    y = np.asarray(values, dtype=float)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError("xmr needs a one-dimensional sequence of at least one value")
    if np.isnan(y).any():
        raise ValueError("xmr values must not contain missing values")
    if improvement not in (None, "increase", "decrease"):
        raise ValueError("improvement must be 'increase', 'decrease' or None")
    if baseline_points is not None and int(baseline_points) < 2:
        raise ValueError("baseline_points must be 2 or more: limits need at least one moving "
                         f"range (got {baseline_points})")
    n = len(y)
    cuts = sorted({int(c) for c in (rebase_at or []) if 0 < int(c) < n})
    bounds = [0, *cuts, n]
    out = pd.DataFrame({"value": y}, index=index)
    cols = {k: np.empty(n) for k in ("mean", "lpl", "upl", "lower_2sigma", "upper_2sigma")}
    rule = np.full(n, "", dtype=object)
    direction = np.full(n, "", dtype=object)
    segment = np.empty(n, dtype=int)
    trial = np.empty(n, dtype=bool)
    base_n = np.empty(n, dtype=int)
    reason = np.full(n, "", dtype=object)
    for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        seg = y[a:b]
        mean, amr = _segment_limits(seg, baseline_points, screen_outliers)
        upl, lpl = mean + LIMIT * amr, mean - LIMIT * amr
        cols["mean"][a:b] = mean
        cols["upl"][a:b] = upl
        cols["lpl"][a:b] = lpl
        cols["upper_2sigma"][a:b] = mean + NEAR * amr
        cols["lower_2sigma"][a:b] = mean - NEAR * amr
        segment[a:b] = k
        used = (b - a) if baseline_points is None else min(int(baseline_points), b - a)
        base_n[a:b] = used
        trial[a:b] = used < MIN_POINTS
        reason[a:b] = _trial_reason(used, b - a, baseline_points is not None, k > 0)
        side = np.sign(seg - mean).astype(int)
        outside = (seg > upl) | (seg < lpl)
        close = ~outside & ((seg > mean + NEAR * amr) | (seg < mean - NEAR * amr))
        in_trend, trend_sign = _trend(seg)
        two = _two_of_three(close, side)
        shift = _runs(side > 0, RUN) | _runs(side < 0, RUN)
        seg_rule = np.select([outside, in_trend, two, shift],
                             ["outside limits", "trend", "two of three", "shift"], "")
        # Trend points by the trend's direction; every other rule by the side of the mean.
        sign = np.where(in_trend & ~outside, trend_sign, side)
        rule[a:b] = seg_rule
        direction[a:b] = np.where(seg_rule == "", "",
                                  np.where(sign > 0, "high", np.where(sign < 0, "low", "")))
    special = rule != ""
    for k, v in cols.items():
        out[k] = v
    out["special_cause"] = special
    out["rule"] = rule
    out["direction"] = direction
    good = {"increase": "high", "decrease": "low"}.get(improvement or "")
    out["variation"] = np.where(
        ~special, "common cause",
        np.where(good is None, "special cause",
                 np.where(direction == good, "improvement", "concern")))
    out["segment"] = segment
    out["baseline_n"] = base_n
    out["trial_limits"] = trial
    out["trial_reason"] = reason
    return out


def _trial_reason(used: int, length: int, baseline: bool, rebased: bool) -> str:
    """Why a segment's limits are trial limits ("" when they are not)."""
    if used >= MIN_POINTS:
        return ""
    where = "since the limits were last recalculated" if rebased else "of the series"
    if baseline and used < length:
        return (f"limits set from the first {used} points {where}; {MIN_POINTS} are needed "
                "for firm limits")
    return f"limits set from only {used} points {where}; {MIN_POINTS} are needed for firm limits"

