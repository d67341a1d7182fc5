"""Confidence intervals, benchmark comparisons, funnel limits and rounding.

* Wilson score interval for proportions (PHE Fingertips / PHEindicatormethods ``phe_proportion``;
  Newcombe 1998, method 3): (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)).
* Rates from counts: exact Poisson (chi-square) limits below 10 events, Byar's approximation
  from 10 (PHE technical guide "Confidence intervals", appendices 1-2; Breslow & Day 1987).
* Benchmark comparison: significant when the benchmark lies outside the Wilson interval (the
  Fingertips rule). The p-value beside it is the score test's, z = (p - p0) / sqrt(p0(1 - p0)/n)
  with no continuity correction: the Wilson interval is exactly the set of p0 that test does not
  reject, so the verdict and the p-value cannot disagree (an exact binomial p-value can: 18 of
  300 against 3.8% is "higher" by Wilson yet p = 0.07 by the exact test).
* Funnel limits for proportions: the proportion whose Wilson interval just touches the pooled
  average, which is p +/- z sqrt(p(1 - p)/n) (PHEindicatormethods ``phe_funnels``); for rates,
  exact Poisson limits around the expected count (Spiegelhalter 2005).
* ``round_half_up``: 2.5 -> 3, 285 to tens -> 290 (dfeR ``round_five_up``); Python's round()
  rounds half to even.
Proportions are on the 0-1 scale; rates are per ``per`` (10,000 children by default).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from scipy import special

_Z_CACHE: dict[float, float] = {}


def _check_level(level: float) -> float:
    level = float(level)
    if level > 1:  # accept 95 / 99.8 as well as 0.95 / 0.998, as PHEindicatormethods does
        level = level / 100
    if not 0.9 <= level <= 1:
        raise ValueError("confidence level must be between 0.9 and 1 (or 90 and 100)")
    return level


def z_value(level: float = 0.95) -> float:
    """Two-sided normal quantile: 1.959964 for 95%, 3.090232 for 99.8%."""
    level = _check_level(level)
    if level not in _Z_CACHE:
        _Z_CACHE[level] = float(special.ndtri(0.5 + level / 2)) if level < 1 else math.inf
    return _Z_CACHE[level]


def _chi2_ppf(q, df):
    """Chi-square quantile, 2 x the inverse regularised lower incomplete gamma function: the
    same numbers as ``scipy.stats.chi2.ppf`` (NaN at df = 0), without importing scipy.stats
    (half a second) for every page that shows an interval."""
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, 2 * special.gammaincinv(np.maximum(df, 1e-300) / 2, q), np.nan)


def benchmark_verdict(lower, upper, benchmark: float):
    """"higher" / "lower" when the benchmark lies outside [lower, upper], else "similar"."""
    lo, hi = np.asarray(lower), np.asarray(upper)
    out = np.where(lo > benchmark, "higher", np.where(hi < benchmark, "lower", "similar"))
    return str(out) if out.ndim == 0 else out.astype(object)


def _shape(*values):
    arrays = [np.asarray(v, dtype=float) for v in values]
    scalar = all(a.ndim == 0 for a in arrays)
    return np.broadcast_arrays(*arrays), scalar


def _out(a: np.ndarray, scalar: bool):
    return float(a) if scalar else a


def wilson_ci(x, n, level: float = 0.95):
    """Wilson score interval for x events out of n, on the 0-1 scale.

    Scalars or array-likes in, same shape out: ``(lower, upper)``. At confidence 1 the
    interval is (0, 1). Raises ``ValueError`` for x < 0, n <= 0 or x > n.
    """
    (x, n), scalar = _shape(x, n)
    if np.any(x < 0):
        raise ValueError("observed events must all be greater than or equal to zero")
    if np.any(n <= 0):
        raise ValueError("sample sizes must all be greater than zero")
    if np.any(x > n):
        raise ValueError("numerators must be less than or equal to denominators")
    level = _check_level(level)
    if level == 1:
        return _out(np.zeros_like(x), scalar), _out(np.ones_like(x), scalar)
    z = z_value(level)
    centre = 2 * x + z**2
    spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
    denom = 2 * (n + z**2)
    # At x = 0 and x = n the bounds are exactly 0 and 1; say so rather than trust rounding.
    lower = np.where(x == 0, 0.0, np.clip((centre - spread) / denom, 0, 1))
    upper = np.where(x == n, 1.0, np.clip((centre + spread) / denom, 0, 1))
    return _out(lower, scalar), _out(upper, scalar)


def _count_limits(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits for a Poisson count: exact below 10, Byar's from 10."""
    z = z_value(level)
    alpha = 1 - level
    lower = np.empty_like(x)
    upper = np.empty_like(x)
    small = x < 10
    xs = x[small]
    with np.errstate(invalid="ignore"):
        lower[small] = np.where(xs > 0, _chi2_ppf(alpha / 2, 2 * xs) / 2, 0.0)
    upper[small] = _chi2_ppf(1 - alpha / 2, 2 * xs + 2) / 2
    xb = x[~small]
    lower[~small] = xb * (1 - 1 / (9 * xb) - z / (3 * np.sqrt(xb))) ** 3
    x1 = xb + 1
    upper[~small] = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return lower, upper


def rate_ci(x, denominator, per: float = 10_000, level: float = 0.95):
    """Interval for a rate x / denominator * per: exact Poisson below 10 events, Byar's from 10.

    Returns ``(lower, upper)`` in the rate's units (per 10,000 by default).
    """
    (x, d), scalar = _shape(x, denominator)
    if np.any(x < 0):
        raise ValueError("observed events must all be greater than or equal to zero")
    if np.any(d <= 0):
        raise ValueError("denominators must all be greater than zero")
    level = _check_level(level)
    if level == 1:
        return _out(np.zeros_like(x), scalar), _out(np.full_like(x, np.inf), scalar)
    lo, hi = _count_limits(x.ravel().copy(), level)
    lo, hi = lo.reshape(x.shape) / d * per, hi.reshape(x.shape) / d * per
    return _out(lo, scalar), _out(hi, scalar)


def funnel_limits(n, average: float, level: float = 0.95):
    """Funnel limits for a proportion at sample size n around the pooled ``average`` (0-1).

    The limit is the proportion whose Wilson interval just touches the average:
    average +/- z sqrt(average (1 - average) / n), clamped to [0, 1].
    """
    (n,), scalar = _shape(n)
    if np.any(n <= 0):
        raise ValueError("sample sizes must all be greater than zero")
    if not 0 <= average <= 1:
        raise ValueError("the average must be a proportion between 0 and 1")
    z = z_value(level)
    half = z * np.sqrt(average * (1 - average) / n)
    return _out(np.clip(average - half, 0, 1), scalar), _out(np.clip(average + half, 0, 1),
                                                             scalar)


def rate_funnel_limits(denominator, average_rate: float, per: float = 10_000,
                       level: float = 0.95):
    """Poisson funnel limits for a rate at a given denominator around ``average_rate``.

    Expected count E = average_rate * denominator / per; limits are the exact Poisson counts
    chi2(alpha/2, 2E)/2 and chi2(1 - alpha/2, 2E + 2)/2, expressed as rates.
    """
    (d,), scalar = _shape(denominator)
    if np.any(d <= 0):
        raise ValueError("denominators must all be greater than zero")
    level = _check_level(level)
    alpha = 1 - level
    expected = average_rate * d / per
    with np.errstate(invalid="ignore"):
        lower = np.where(expected > 0, _chi2_ppf(alpha / 2, 2 * expected) / 2, 0.0)
    upper = _chi2_ppf(1 - alpha / 2, 2 * expected + 2) / 2
    return _out(lower / d * per, scalar), _out(upper / d * per, scalar)


def score_test_p(x, n, p0: float):
    """Two-sided p-value of the score test of x events out of n against a proportion ``p0``.

    z = (x/n - p0) / sqrt(p0 (1 - p0) / n), no continuity correction; p = P(|Z| >= |z|). This
    is the test the Wilson interval inverts: p < 1 - level exactly when ``p0`` lies outside the
    Wilson interval at ``level``. At p0 = 0 or 1 the test has no spread: p = 1 when x/n equals
    p0, else 0 (as the Wilson interval, which reaches 0 only at x = 0 and 1 only at x = n).
    Scalars or array-likes in, same shape out.
    """
    (x, n), scalar = _shape(x, n)
    if not 0 <= p0 <= 1:
        raise ValueError("the benchmark must be a proportion between 0 and 1")
    diff = x / n - p0
    if p0 in (0, 1):
        p = np.where(diff == 0, 1.0, 0.0)
    else:
        z = diff / np.sqrt(p0 * (1 - p0) / n)
        p = special.erfc(np.abs(z) / math.sqrt(2))  # = 2 (1 - Phi(|z|))
    return _out(np.asarray(p, dtype=float), scalar)


def compare_to_benchmark(x, n, benchmark: float, level: float = 0.95) -> dict:
    """Compare x out of n with a benchmark proportion (e.g. England's 0.038).

    Returns ``{value, lower, upper, p_value, verdict}``: ``verdict`` is "higher" or "lower"
    only when the benchmark lies outside the Wilson interval at ``level`` (the Fingertips
    rule), else "similar". ``p_value`` is the two-sided score test's (:func:`score_test_p`),
    the test that interval inverts: ``p_value < 1 - level`` exactly when the verdict is not
    "similar". Array-likes give arrays (verdict an object array).
    """
    if not 0 <= benchmark <= 1:
        raise ValueError("the benchmark must be a proportion between 0 and 1")
    lower, upper = wilson_ci(x, n, level)
    (xa, na), scalar = _shape(x, n)
    value = xa / na
    lo, hi = np.asarray(lower), np.asarray(upper)
    verdict = np.asarray(benchmark_verdict(lo, hi, benchmark))
    p = score_test_p(xa, na, benchmark)
    if scalar:
        return {"value": float(value), "lower": float(lower), "upper": float(upper),
                "p_value": float(p), "verdict": str(verdict)}
    return {"value": value, "lower": lo, "upper": hi, "p_value": np.asarray(p),
            "verdict": verdict.astype(object)}


def round_half_up(value, digits: int = 0):
    """Round half away from zero, as published statistics do: 2.5 -> 3, 0.125 -> 0.13 (2 dp),
    285 -> 290 (digits=-1). Works on the shortest decimal form of a float, so 2.85 -> 2.9.
    NaN and None stay as they are. Array-likes give arrays."""
    def one(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return v
        q = Decimal(1).scaleb(-digits)
        r = Decimal(repr(float(v))).quantize(q, rounding=ROUND_HALF_UP) if digits >= 0 else (
            Decimal(repr(float(v))).scaleb(digits).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            .scaleb(-digits))
        return int(r) if digits <= 0 else float(r)

    if np.ndim(value) == 0:
        return one(value if not isinstance(value, np.generic) else value.item())
    return np.array([one(v) for v in np.asarray(value, dtype=object).ravel()],
                    dtype=object).reshape(np.shape(value))


# --------------------------------------------------------------------------- tidy frames


def _level_label(level: float) -> str:
    level = _check_level(level)
    return f"{level * 100:g}%"


def proportion_table(df: pd.DataFrame, numerator: str, denominator: str,
                     level: float = 0.95) -> pd.DataFrame:
    """Add ``value`` (fraction), ``lower``, ``upper``, ``confidence`` and ``method`` (Wilson)
    to a frame of areas or periods with numerator and denominator columns. Rows with a zero or
    missing denominator get missing values."""
    out = df.copy()
    x = out[numerator].astype(float).to_numpy()
    n = out[denominator].astype(float).to_numpy()
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0) & (x >= 0) & (x <= n)
    value = np.full(len(out), np.nan)
    lower = np.full(len(out), np.nan)
    upper = np.full(len(out), np.nan)
    if ok.any():
        value[ok] = x[ok] / n[ok]
        lower[ok], upper[ok] = wilson_ci(x[ok], n[ok], level)
    out["value"], out["lower"], out["upper"] = value, lower, upper
    out["confidence"] = _level_label(level)
    out["method"] = "Wilson"
    return out


def rate_table(df: pd.DataFrame, numerator: str, denominator: str, per: float = 10_000,
               level: float = 0.95) -> pd.DataFrame:
    """Add ``value`` (per ``per``), ``lower``, ``upper``, ``confidence`` and ``method``
    ("Exact Poisson" below 10 events, "Byar's" from 10)."""
    out = df.copy()
    x = out[numerator].astype(float).to_numpy()
    d = out[denominator].astype(float).to_numpy()
    ok = np.isfinite(x) & np.isfinite(d) & (d > 0) & (x >= 0)
    value = np.full(len(out), np.nan)
    lower = np.full(len(out), np.nan)
    upper = np.full(len(out), np.nan)
    if ok.any():
        value[ok] = x[ok] / d[ok] * per
        lower[ok], upper[ok] = rate_ci(x[ok], d[ok], per, level)
    out["value"], out["lower"], out["upper"] = value, lower, upper
    out["confidence"] = _level_label(level)
    out["method"] = np.where(x < 10, "Exact Poisson", "Byar's")
    return out


FUNNEL_LABELS = ["High (99.8%)", "High (95%)", "Not significant", "Low (95%)", "Low (99.8%)"]


def funnel(df: pd.DataFrame, numerator: str, denominator: str, average: float | None = None,
           points: int = 200) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Funnel plot data for proportions.

    Returns ``(limits, areas, average)``: ``limits`` has ``n`` and ``lower_95``, ``upper_95``,
    ``lower_998``, ``upper_998`` for drawing; ``areas`` is ``df`` with ``value``, Wilson
    intervals at 95% and 99.8%, and ``significance`` (one of :data:`FUNNEL_LABELS`).
    ``average`` defaults to the pooled sum of numerators / sum of denominators (not the mean of
    the areas' values).
    """
    x = df[numerator].astype(float)
    n = df[denominator].astype(float)
    if average is None:
        average = float(x.sum() / n.sum())
    areas = df.copy()
    areas["value"] = x / n
    areas["lower_95"], areas["upper_95"] = wilson_ci(x, n, 0.95)
    areas["lower_998"], areas["upper_998"] = wilson_ci(x, n, 0.998)
    areas["significance"] = np.select(
        [areas["lower_998"] > average, areas["lower_95"] > average,
         areas["upper_998"] < average, areas["upper_95"] < average],
        ["High (99.8%)", "High (95%)", "Low (99.8%)", "Low (95%)"], default="Not significant")
    lo_n, hi_n = max(1.0, float(n.min()) * 0.5), float(n.max()) * 1.1
    grid = np.unique(np.round(np.geomspace(lo_n, hi_n, points)).astype(int).clip(1))
    l95, u95 = funnel_limits(grid, average, 0.95)
    l998, u998 = funnel_limits(grid, average, 0.998)
    limits = pd.DataFrame({"n": grid, "lower_95": l95, "upper_95": u95, "lower_998": l998,
                           "upper_998": u998})
    return limits, areas, average
