"""The shape of a series of proportions: a level change at a named event and a trend, each
tested over the whole series. Expected values by hand (working in the comments)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wscb_analysis.stats import MIN_SERIES_POINTS, TooFewPoints, level_change, proportion_trend


def test_level_change_without_scatter_is_the_woolf_interval():
    # Four quarters of 25 of 100 before, four of 35 of 100 after: every point sits on its
    # segment's level, so the Pearson chi2 is 0 and the plain binomial model holds. The step
    # model's odds ratio is (0.35/0.65) / (0.25/0.75) = 0.538462 / 0.333333 = 1.615385
    # (ln 0.479573); its standard error is Woolf's on the pooled counts 100/400 and 140/400:
    # sqrt(1/100 + 1/300 + 1/140 + 1/260) = sqrt(0.0243223) = 0.155956. 95% interval:
    # exp(0.479573 -/+ 1.959964 x 0.155956) = exp(0.173904), exp(0.785242) = 1.18995, 2.19296.
    x = [25, 25, 25, 25, 35, 35, 35, 35]
    n = [100] * 8
    after = [False] * 4 + [True] * 4
    out = level_change(x, n, after)
    assert out.method == "binomial"
    assert out.ratio == pytest.approx(1.615385, rel=1e-6)
    assert out.lower == pytest.approx(1.18995, rel=1e-4)
    assert out.upper == pytest.approx(2.19296, rel=1e-4)
    assert out.verdict == "higher"
    assert out.fitted_first == pytest.approx(0.25) and out.fitted_last == pytest.approx(0.35)


def test_level_change_with_scatter_is_quasi_binomial_with_t():
    # Before 20/100 and 30/100 (level 0.25), after 30/100 and 40/100 (level 0.35). Pearson
    # chi2: 2 x 25/18.75 + 2 x 25/22.75 = 2.666667 + 2.197802 = 4.864469 on 4 - 2 = 2 df:
    # dispersion 2.432234. Woolf's SE on 50/200 and 70/200: sqrt(1/50 + 1/150 + 1/70 +
    # 1/130) = 0.220555; times sqrt(2.432234) = 1.559562: 0.343969. t with 2 df at 0.975 is
    # 4.302653: exp(0.479573 -/+ 1.479978) = 0.367730, 7.0956. The test statistic
    # 0.479573 / 0.343969 = 1.394234; with 2 df, P(T > t) = (1 - t / sqrt(t^2 + 2)) / 2 =
    # (1 - 1.394234 / 1.985922) / 2 = 0.148970, two-sided 0.297939.
    out = level_change([20, 30, 30, 40], [100] * 4, [False, False, True, True])
    assert out.method == "quasi-binomial"
    assert out.dispersion == pytest.approx(2.432234, rel=1e-5)
    assert out.ratio == pytest.approx(1.615385, rel=1e-6)
    assert out.lower == pytest.approx(0.367730, rel=1e-4)
    assert out.upper == pytest.approx(7.0956, rel=1e-4)
    assert out.p_value == pytest.approx(0.297939, rel=1e-4)
    assert out.verdict == "similar"


def test_trend_recovers_an_exact_logistic_series():
    # p_t = 1 / (1 + exp(-(-1 + 0.2 t))) for t = 0, 0.25, ..., 4.75 years (20 quarters), on
    # 1,000 each: the odds rise by exp(0.2) = 1.221403 a year, exactly.
    t = np.arange(20) / 4
    p = 1 / (1 + np.exp(-(-1 + 0.2 * t)))
    out = proportion_trend(1000 * p, [1000] * 20, t)
    assert out.ratio == pytest.approx(math.exp(0.2), rel=1e-6)
    assert out.verdict == "higher"
    assert out.fitted_first == pytest.approx(p[0], rel=1e-6)
    assert out.fitted_last == pytest.approx(p[-1], rel=1e-6)
    flat = proportion_trend([300] * 8, [1000] * 8, np.arange(8) / 4)
    assert flat.ratio == pytest.approx(1.0) and flat.verdict == "similar"


def test_a_series_that_falls_then_rises_has_no_end_point_trend():
    # 27% falling to 24% and back to 27% over 12 quarters: the two ends are equal, and the
    # whole-series trend is no clear rise or fall, not "rose" or "fell".
    pct = [27, 26, 25, 24, 24, 24, 24, 24, 24, 25, 26, 27]
    out = proportion_trend([10 * v for v in pct], [1000] * 12, np.arange(12) / 4)
    assert out.verdict == "similar"


def test_too_few_points_and_bad_input():
    with pytest.raises(TooFewPoints):
        proportion_trend([1] * (MIN_SERIES_POINTS - 1), [10] * (MIN_SERIES_POINTS - 1),
                         range(MIN_SERIES_POINTS - 1))
    with pytest.raises(TooFewPoints):
        level_change([1, 2, 3, 4], [10] * 4, [True] * 4)
    with pytest.raises(ValueError, match="numerator"):
        proportion_trend([11, 1, 1, 1], [10] * 4, range(4))
