"""Funnel plots beyond the plain proportion funnel: rates per population around a given
average, and proportions whose spread between areas is wider than chance allows.

* ``rate_funnel``: each area's count against the exact Poisson limits of the count expected
  at the average rate (PHEindicatormethods' rate funnels; Spiegelhalter 2005, section 3),
  at 95% and 99.8%. An area is "High (99.8%)" when its count lies above the upper 99.8% limit
  of its expected count, and so on (:data:`~.intervals.FUNNEL_LABELS`). The average is given
  by the caller (a district against its authority's own rate), or pooled.
* ``overdispersion``: Spiegelhalter's additive random-effects adjustment for a proportion
  funnel (Spiegelhalter 2005, "Funnel plots for comparing institutional performance",
  Statistics in Medicine 24:1185-1202, section 5.3; "Handling over-dispersion of performance
  indicators", Quality and Safety in Health Care 14:347-351, appendix). With target p0 (the
  pooled average), each area's z-score is z_i = (y_i - p0) / s_i, s_i = sqrt(p0 (1 - p0) / n_i);
  the z-scores are winsorised at 10% each tail (set to the 10th and 90th percentiles); the
  dispersion phi = (1/I) sum z_w^2; and, when I phi > I - 1, the between-area variance
  tau^2 = (I phi - (I - 1)) / (sum w_i - sum w_i^2 / sum w_i), w_i = 1 / s_i^2 (else 0). The
  adjusted limits are p0 +/- z sqrt(s^2 + tau^2). FunnelPlotR (NHS-R community) implements the
  same winsorising and estimates (``winsorisation``, ``phi_func``, ``tau_func``).
* When to adjust (METHODS.md: "when many more authorities than chance allows lie outside the
  99.8% limits"): the number of areas outside the plain 99.8% limits is tested against
  Binomial(I, 0.002) (one-sided); the adjustment is made when that chance is below 0.001 and
  tau^2 > 0. The threshold is this suite's choice (docs/assumptions.md).
Proportions are on the 0-1 scale; rates are per ``per`` (10,000 children by default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from .intervals import _check_level, _chi2_ppf, funnel, z_value

#: Chance of an area lying outside the 99.8% limits when the plain (binomial) model holds.
OUTSIDE_998 = 0.002
#: The adjustment is made when the count outside the 99.8% limits would arise by chance less
#: often than this (a one-sided binomial test).
OVERDISPERSION_P = 0.001
#: Winsorised at 10% each tail (Spiegelhalter 2005).
WINSORISE = 0.1


def _poisson_limits(expected: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits (counts) around an expected count: chi2(a/2, 2E)/2 and
    chi2(1 - a/2, 2E + 2)/2 (lower 0 where E = 0)."""
    alpha = 1 - _check_level(level)
    with np.errstate(invalid="ignore"):
        lower = np.where(expected > 0, _chi2_ppf(alpha / 2, 2 * expected) / 2, 0.0)
    upper = _chi2_ppf(1 - alpha / 2, 2 * expected + 2) / 2
    return lower, upper


def rate_funnel(df: pd.DataFrame, numerator: str, denominator: str,
                average: float | None = None, per: float = 10_000, points: int = 200
                ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Funnel plot data for rates per ``per`` of a population.

    Returns ``(limits, areas, average)``. ``limits`` has ``n`` (population) and
    ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998`` as rates. ``areas`` is ``df``
    with ``value`` (the rate), ``expected`` (the count expected at the average rate),
    the count limits ``count_lower_95`` ... ``count_upper_998`` at its own population, and
    ``significance`` (High / Low at 99.8% or 95%, else "Not significant"): a count above the
    upper limit is high, below the lower limit low. ``average`` (per ``per``) defaults to
    the pooled sum of counts over the sum of populations.
    """
    x = df[numerator].astype(float).to_numpy()
    d = df[denominator].astype(float).to_numpy()
    if np.any(d <= 0) or np.any(~np.isfinite(d)):
        raise ValueError("populations must all be numbers above zero")
    if np.any(x < 0) or np.any(~np.isfinite(x)):
        raise ValueError("counts must all be zero or more")
    if average is None:
        average = float(x.sum() / d.sum() * per)
    if not average >= 0:
        raise ValueError("the average rate must be zero or more")
    areas = df.copy()
    areas["value"] = x / d * per
    expected = average * d / per
    areas["expected"] = expected
    lo95, hi95 = _poisson_limits(expected, 0.95)
    lo998, hi998 = _poisson_limits(expected, 0.998)
    areas["count_lower_95"], areas["count_upper_95"] = lo95, hi95
    areas["count_lower_998"], areas["count_upper_998"] = lo998, hi998
    areas["significance"] = np.select(
        [x > hi998, x > hi95, x < lo998, x < lo95],
        ["High (99.8%)", "High (95%)", "Low (99.8%)", "Low (95%)"], default="Not significant")
    grid = np.unique(np.geomspace(max(1.0, d.min() * 0.5), d.max() * 1.1, points))
    e = average * grid / per
    l95, u95 = _poisson_limits(e, 0.95)
    l998, u998 = _poisson_limits(e, 0.998)
    limits = pd.DataFrame({"n": grid, "lower_95": l95 / grid * per, "upper_95": u95 / grid * per,
                           "lower_998": l998 / grid * per, "upper_998": u998 / grid * per})
    return limits, areas, average


@dataclass(frozen=True)
class Overdispersion:
    """Spiegelhalter's estimates for a proportion funnel, and whether to adjust.

    ``areas``: I; ``phi``: the dispersion from winsorised z-scores; ``tau2``: the
    between-area variance on the proportion scale (0 when I phi <= I - 1); ``outside``: areas
    outside the plain 99.8% limits; ``expected_outside``: I x 0.002; ``p_outside``: the
    chance of at least ``outside`` areas out by chance alone (Binomial(I, 0.002));
    ``adjusted``: True when ``p_outside`` < 0.001 and tau2 > 0 (the limits are widened).
    """

    areas: int
    average: float
    phi: float
    tau2: float
    outside: int
    expected_outside: float
    p_outside: float
    adjusted: bool


def winsorise(z: np.ndarray, trim: float = WINSORISE) -> np.ndarray:
    """Values below the ``trim`` quantile set to it, and above the 1 - ``trim`` quantile set
    to that (quantiles by linear interpolation, R's default type 7)."""
    z = np.asarray(z, dtype=float)
    lo, hi = np.quantile(z, [trim, 1 - trim])
    return np.clip(z, lo, hi)


def overdispersion(x, n, average: float | None = None, trim: float = WINSORISE
                   ) -> Overdispersion:
    """Spiegelhalter's dispersion phi and between-area variance tau^2 for proportions x / n
    around ``average`` (default pooled), with the decision to adjust (module docstring)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    if x.shape != n.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError("give two or more areas, one numerator and denominator each")
    if np.any(n <= 0) or np.any(x < 0) or np.any(x > n):
        raise ValueError("each area needs 0 <= numerator <= denominator and a denominator "
                         "above 0")
    p0 = float(x.sum() / n.sum()) if average is None else float(average)
    if not 0 < p0 < 1:
        # No spread at all is possible around 0 or 1: nothing to widen.
        return Overdispersion(len(x), p0, 1.0, 0.0, 0, len(x) * OUTSIDE_998, 1.0, False)
    s2 = p0 * (1 - p0) / n
    z = (x / n - p0) / np.sqrt(s2)
    zw = winsorise(z, trim)
    areas = len(x)
    phi = float(np.mean(zw ** 2))
    w = 1 / s2
    if areas * phi > areas - 1:
        tau2 = float((areas * phi - (areas - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    else:
        tau2 = 0.0
    limit = z_value(0.998)
    outside = int((np.abs(z) > limit).sum())
    # P(X >= outside) for X ~ Binomial(areas, 0.002).
    p_out = 1.0 if outside == 0 else float(special.bdtrc(outside - 1, areas, OUTSIDE_998))
    return Overdispersion(areas, p0, phi, tau2, outside, areas * OUTSIDE_998, p_out,
                          p_out < OVERDISPERSION_P and tau2 > 0)


def adjusted_limits(n, average: float, tau2: float, level: float = 0.95):
    """Limits p0 +/- z sqrt(p0 (1 - p0) / n + tau^2), clamped to [0, 1]: with tau^2 = 0 the
    plain funnel limits (:func:`~.intervals.funnel_limits`)."""
    n = np.asarray(n, dtype=float)
    half = z_value(level) * np.sqrt(average * (1 - average) / n + tau2)
    return np.clip(average - half, 0, 1), np.clip(average + half, 0, 1)


def proportion_funnel(df: pd.DataFrame, numerator: str, denominator: str,
                      points: int = 200) -> tuple[pd.DataFrame, pd.DataFrame, float,
                                                  Overdispersion]:
    """A proportion funnel of many areas (England's authorities), widened for overdispersion
    when the spread calls for it.

    Returns ``(limits, areas, average, od)`` as :func:`~.intervals.funnel` does, plus the
    :class:`Overdispersion` estimates. When ``od.adjusted``, ``limits`` are the widened ones
    and each area's ``significance`` follows them (its value against the widened limits at
    its own size); ``plain_significance`` keeps the unadjusted label either way.
    """
    limits, areas, average = funnel(df, numerator, denominator, points=points)
    od = overdispersion(areas[numerator], areas[denominator], average)
    areas["plain_significance"] = areas["significance"]
    if od.adjusted:
        n = areas[denominator].astype(float).to_numpy()
        v = areas["value"].to_numpy()
        l95, u95 = adjusted_limits(n, average, od.tau2, 0.95)
        l998, u998 = adjusted_limits(n, average, od.tau2, 0.998)
        areas["significance"] = np.select(
            [v > u998, v > u95, v < l998, v < l95],
            ["High (99.8%)", "High (95%)", "Low (99.8%)", "Low (95%)"],
            default="Not significant")
        grid = limits["n"].to_numpy()
        limits["lower_95"], limits["upper_95"] = adjusted_limits(grid, average, od.tau2, 0.95)
        limits["lower_998"], limits["upper_998"] = adjusted_limits(grid, average, od.tau2,
                                                                   0.998)
    return limits, areas, average, od


__all__ = ["rate_funnel", "overdispersion", "Overdispersion", "adjusted_limits",
           "proportion_funnel", "winsorise", "OVERDISPERSION_P", "OUTSIDE_998", "WINSORISE"]
