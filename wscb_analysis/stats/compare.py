"""Is a change between two counts real?

* ``count_change_test``: the conditional binomial test for two Poisson counts (Przyborowski &
  Wilenski 1940; Breslow & Day 1987, section 2.5; R ``poisson.test`` with two counts). Given
  their sum N, the current count is Binomial(N, s) under "no change", s = current exposure /
  total exposure. The two-sided p-value is twice the smaller tail (capped at 1), the test the
  exact (Clopper-Pearson) interval inverts, so "rose"/"fell" is said exactly when the rate
  ratio's interval excludes 1. (R's default two-sided p-value sums the outcomes no more likely
  than the one seen; it can fall below 0.05 while the interval holds 1, e.g. 10 against 2:
  p = 0.042 with interval 0.95 to 42. Fay 2010, "Two-sided exact tests and matching confidence
  intervals for discrete data", R Journal 2(1), explains the mismatch.) The rate ratio's
  interval is the Clopper-Pearson interval for s, mapped by s / (1 - s) x previous exposure /
  current exposure.
Areas are never ranked by overlapping intervals (METHODS.md): districts are compared with
their authority on a funnel plot (:mod:`.funnels`).
"""

from __future__ import annotations

import math

from scipy import special

from .intervals import _check_level


def _whole(value, what: str) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"the {what} count is missing: a change needs both counts")
    v = float(value)
    if v < 0 or v != int(v):
        raise ValueError(f"the {what} count must be a whole number of zero or more (got {value})")
    return int(v)


def count_change_test(current, previous, current_exposure: float = 1,
                      previous_exposure: float = 1, level: float = 0.95) -> dict:
    """Test a change between two counts (e.g. children going missing this year and last).

    ``current_exposure`` / ``previous_exposure``: the time or population each count comes
    from (months, children aged 0-17), 1 and 1 for two periods alike. Returns a dict:
    ``p_value`` (two-sided conditional binomial test of "no change in the rate"),
    ``rate_ratio`` (current rate / previous rate; the count ratio when exposures are equal),
    ``lower`` and ``upper`` (its exact interval at ``level``), ``verdict`` ("higher" /
    "lower" when the interval excludes 1, which is exactly when p < 1 - level, else
    "similar"), ``expected`` (the current count "no change" predicts: total x exposure
    share), ``current``, ``previous`` and ``level``. Two zero counts give p = 1 and a rate
    ratio that is not defined (NaN, interval 0 to infinity).
    """
    x = _whole(current, "current")
    y = _whole(previous, "previous")
    for e, what in ((current_exposure, "current"), (previous_exposure, "previous")):
        if e is None or not (math.isfinite(float(e)) and float(e) > 0):
            raise ValueError(f"the {what} exposure must be a number above zero (got {e})")
    level = _check_level(level)
    ce, pe = float(current_exposure), float(previous_exposure)
    n = x + y
    share = ce / (ce + pe)
    out = {"current": x, "previous": y, "expected": n * share, "level": level}
    if n == 0:
        return out | {"p_value": 1.0, "rate_ratio": math.nan, "lower": 0.0,
                      "upper": math.inf, "verdict": "similar"}
    # P(X <= x) and P(X >= x) for X ~ Binomial(n, share).
    below = float(special.bdtr(x, n, share))
    above = 1.0 if x == 0 else float(special.bdtrc(x - 1, n, share))
    p = min(1.0, 2 * min(below, above))
    alpha = 1 - level
    s_lo = 0.0 if x == 0 else float(special.betaincinv(x, n - x + 1, alpha / 2))
    s_hi = 1.0 if x == n else float(special.betaincinv(x + 1, n - x, 1 - alpha / 2))

    def ratio(s: float) -> float:
        return math.inf if s >= 1 else s / (1 - s) * pe / ce

    lower, upper = ratio(s_lo), ratio(s_hi)
    rr = math.inf if y == 0 else (x / ce) / (y / pe)
    verdict = "higher" if lower > 1 else "lower" if upper < 1 else "similar"
    return out | {"p_value": p, "rate_ratio": rr, "lower": lower, "upper": upper,
                  "verdict": verdict}
