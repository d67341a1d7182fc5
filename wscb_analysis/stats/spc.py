"""XmR charts as NHS England's "Making Data Count" draws them.

    mean = mean of the baseline points;  MR_i = |y_i - y_(i-1)|;  AMR = mean(MR)
    process limits = mean +/- 2.66 AMR;  2-sigma lines = mean +/- (2/3) 2.66 AMR

Special causes, in priority order (a point takes the first rule that flags it):
1. "outside limits": a point above the upper or below the lower process limit;
2. "trend": a run of 7 or more points each strictly higher (or lower) than the one before
   (a tie breaks the run); every point of the run is flagged;
3. "two of three": 2 of 3 consecutive points beyond the same 2-sigma line with all 3 on that
   side of the mean; the points beyond the line are flagged;
4. "shift": 7 or more consecutive points on one side of the mean (a point on the mean breaks
   it); every point of the run is flagged.
Limits set from fewer than 12 points are trial limits: a segment shorter than 12, or a
baseline (``baseline_points``) of fewer than 12 however long the segment. Limits may be
recalculated from a stated point (a rebase, e.g. when the MASH opened); each segment has its
own mean and limits.
Moving-range screening (optional; Making Data Count's own spreadsheet does not screen) drops
moving ranges above 3.267 AMR and recomputes AMR once.
Sources: NHS England / Making Data Count, "Making data count" (2019) and its SPC tool;
NHSRplotthedots.
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
        kept = mr[mr <= SCREEN * amr]
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
    """Points in a run of 7+ strictly rising, and 7+ strictly falling, points."""
    n = len(y)
    up = np.zeros(n, dtype=bool)
    down = np.zeros(n, dtype=bool)
    if n < RUN:
        return up, down
    rising = np.diff(y) > 0   # step i -> i+1
    falling = np.diff(y) < 0
    # 7 points = 6 consecutive steps; mark the steps' end points too.
    for steps, out in ((rising, up), (falling, down)):
        run_steps = _runs(steps, RUN - 1)
        out[1:] |= run_steps
        out[:-1] |= run_steps
    return up, down


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
    ("high"/"low"/""), ``variation`` ("common cause", "improvement", "concern", or
    "special cause" without a direction), ``segment``, ``baseline_n`` (how many points the
    segment's limits were computed from), ``trial_limits`` (bool: ``baseline_n`` below 12)
    and ``trial_reason`` (why the limits are trial limits, in words, or "").
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
    special = np.zeros(n, dtype=bool)
    rule = np.full(n, "", dtype=object)
    direction = np.full(n, "", dtype=object)
    segment = np.empty(n, dtype=int)
    trial = np.empty(n, dtype=bool)
    base_n = np.empty(n, dtype=int)
    reason = np.full(n, "", dtype=object)
    for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        seg = y[a:b]
        mean, amr = _segment_limits(seg, baseline_points, screen_outliers)
        cols["mean"][a:b] = mean
        cols["upl"][a:b] = mean + LIMIT * amr
        cols["lpl"][a:b] = mean - LIMIT * amr
        cols["upper_2sigma"][a:b] = mean + NEAR * amr
        cols["lower_2sigma"][a:b] = mean - NEAR * amr
        segment[a:b] = k
        used = (b - a) if baseline_points is None else min(int(baseline_points), b - a)
        base_n[a:b] = used
        trial[a:b] = used < MIN_POINTS
        reason[a:b] = _trial_reason(used, b - a, baseline_points is not None, k > 0)
        above_upl = seg > mean + LIMIT * amr
        below_lpl = seg < mean - LIMIT * amr
        up, down = _trend(seg)
        above_mean, below_mean = seg > mean, seg < mean
        beyond_hi = seg > mean + NEAR * amr
        beyond_lo = seg < mean - NEAR * amr
        two_hi = np.zeros(len(seg), dtype=bool)
        two_lo = np.zeros(len(seg), dtype=bool)
        for i in range(len(seg) - 2):
            w = slice(i, i + 3)
            if above_mean[w].all() and beyond_hi[w].sum() >= 2:
                two_hi[w] |= beyond_hi[w]
            if below_mean[w].all() and beyond_lo[w].sum() >= 2:
                two_lo[w] |= beyond_lo[w]
        shift_hi = _runs(above_mean, RUN)
        shift_lo = _runs(below_mean, RUN)
        seg_rule = np.full(len(seg), "", dtype=object)
        seg_dir = np.full(len(seg), "", dtype=object)
        # Lowest priority first, so higher-priority rules overwrite.
        for name, hi, lo in (("shift", shift_hi, shift_lo), ("two of three", two_hi, two_lo),
                             ("trend", up, down), ("outside limits", above_upl, below_lpl)):
            seg_rule[hi | lo] = name
            seg_dir[hi] = "high"
            seg_dir[lo] = "low"
        rule[a:b] = seg_rule
        direction[a:b] = seg_dir
        special[a:b] = seg_rule != ""
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

