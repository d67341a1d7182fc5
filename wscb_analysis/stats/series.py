"""The shape of a series of proportions (a rate by quarter), from tests over the whole
series, never from its two end points (METHODS.md, "Words about a series").

* ``proportion_trend``: a logistic regression of the numerators out of the denominators on
  time, logit(p_t) = a + b t (t in years), binomial, or quasi-binomial when the points vary
  more than a binomial allows (Pearson chi2 / df above 1; McCullagh and Nelder 1989,
  section 4.5). With the dispersion estimated, the interval for b uses Student's t on the
  residual degrees of freedom, not the normal (a short series' dispersion is itself
  uncertain). The trend is "rising" or "falling" only when the interval for the odds ratio a
  year, exp(b), excludes 1. Fitted values at the first and last points describe its size.
* ``level_change``: the same model with a step, logit(p_t) = a + c [t after the change],
  for a change the partnership can name (a profile event such as the MASH opening): the
  average level after against before, "higher" or "lower" only when the interval for exp(c)
  excludes 1 (quasi-binomial as above).
Fewer than ``MIN_SERIES_POINTS`` points give no trend (:class:`TooFewPoints`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special

from .intervals import _check_level

#: The fewest points a trend or a level change is tested on.
MIN_SERIES_POINTS = 4


class TooFewPoints(ValueError):
    """A series too short to test."""


@dataclass(frozen=True)
class SeriesTest:
    """One coefficient of a logistic model of a proportion series.

    ``ratio`` is the odds ratio (a year for a trend; after against before for a level
    change) with its interval ``lower``-``upper`` at ``level``; ``verdict`` "higher" /
    "lower" when the interval excludes 1, else "similar"; ``fitted_first`` /
    ``fitted_last`` the model's proportions at the first and last points (for a level
    change: before and after); ``method`` "binomial" or "quasi-binomial"; ``dispersion``
    Pearson chi2 / df; ``points`` the number of points.
    """

    ratio: float
    lower: float
    upper: float
    p_value: float
    verdict: str
    fitted_first: float
    fitted_last: float
    method: str
    dispersion: float
    points: int
    level: float


def _checked(x, n) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    if x.shape != n.shape or x.ndim != 1:
        raise ValueError("give one numerator and one denominator for each point")
    if np.any(~np.isfinite(x)) or np.any(~np.isfinite(n)) or np.any(n <= 0) or \
            np.any(x < 0) or np.any(x > n):
        raise ValueError("each point needs 0 <= numerator <= denominator and a denominator "
                         "above 0")
    if len(x) < MIN_SERIES_POINTS:
        raise TooFewPoints(f"the series has {len(x)} points: a test over it needs at least "
                           f"{MIN_SERIES_POINTS}")
    return x, n


def _fit(x: np.ndarray, n: np.ndarray, design: np.ndarray, level: float) -> tuple:
    """Binomial GLM, quasi-binomial when overdispersed: (beta, se, df, method, dispersion,
    fitted). Intervals use t on df residual degrees of freedom when the scale is estimated."""
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    endog = np.column_stack([x, n - x])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = GLM(endog, design, family=Binomial()).fit()
    df = int(res.df_resid)
    dispersion = float(res.pearson_chi2 / df) if df > 0 else 1.0
    beta = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov_params(), dtype=float)
    method = "binomial"
    if dispersion > 1:
        cov = cov * dispersion
        method = "quasi-binomial"
    se = np.sqrt(np.diag(cov))
    return beta, se, df, method, dispersion, np.asarray(res.fittedvalues, dtype=float)


def _test(beta: float, se: float, df: int, quasi: bool, level: float) -> tuple:
    """(ratio, lower, upper, p): exp of a coefficient, its interval and two-sided p-value,
    by Student's t on ``df`` when the scale was estimated, else the normal."""
    stat = beta / se if se > 0 else np.inf
    if quasi and df > 0:
        q = float(special.stdtrit(df, 0.5 + level / 2))
        p = float(2 * special.stdtr(df, -abs(stat)))
    else:
        q = float(special.ndtri(0.5 + level / 2))
        p = float(2 * special.ndtr(-abs(stat)))
    # A share of 0 (or 1) on one side drives the coefficient and its error very large (no
    # finite estimate): the interval then runs to 0 or infinity and no change is claimed.
    with np.errstate(over="ignore"):
        return (float(np.exp(beta)), float(np.exp(beta - q * se)),
                float(np.exp(beta + q * se)), p)


def _verdict(lower: float, upper: float) -> str:
    return "higher" if lower > 1 else "lower" if upper < 1 else "similar"


def proportion_trend(x, n, t_years, level: float = 0.95) -> SeriesTest:
    """The trend of x / n over time ``t_years`` (years from any origin): the odds ratio a
    year with its interval; "higher" means rising, "lower" falling, "similar" no clear
    trend."""
    level = _check_level(level)
    x, n = _checked(x, n)
    t = np.asarray(t_years, dtype=float)
    if t.shape != x.shape:
        raise ValueError("give one time for each point")
    design = np.column_stack([np.ones_like(t), t - t[0]])
    beta, se, df, method, disp, fitted = _fit(x, n, design, level)
    ratio, lo, hi, p = _test(beta[1], se[1], df, method == "quasi-binomial", level)
    return SeriesTest(ratio, lo, hi, p, _verdict(lo, hi), float(fitted[0]),
                      float(fitted[-1]), method, disp, len(x), level)


def level_change(x, n, after, level: float = 0.95) -> SeriesTest:
    """The average level of x / n after a change against before it (``after``: one flag per
    point, True from the change on): the odds ratio after / before with its interval;
    ``fitted_first`` is the level before, ``fitted_last`` after."""
    level = _check_level(level)
    x, n = _checked(x, n)
    a = np.asarray(after, dtype=bool)
    if a.shape != x.shape:
        raise ValueError("give one before/after flag for each point")
    if a.all() or not a.any():
        raise TooFewPoints("a level change needs points both before and after the change")
    design = np.column_stack([np.ones(len(x)), a.astype(float)])
    beta, se, df, method, disp, fitted = _fit(x, n, design, level)
    ratio, lo, hi, p = _test(beta[1], se[1], df, method == "quasi-binomial", level)
    before = float(fitted[~a][0])
    after_level = float(fitted[a][0])
    return SeriesTest(ratio, lo, hi, p, _verdict(lo, hi), before, after_level, method, disp,
                      len(x), level)


__all__ = ["proportion_trend", "level_change", "SeriesTest", "TooFewPoints",
           "MIN_SERIES_POINTS"]
