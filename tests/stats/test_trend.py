"""Seasonal trend GLM and the target test, on series whose answer is known by construction."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wscb_analysis.stats import seasonal_trend, target_progress

MONTHS = pd.date_range("2012-04-01", periods=72, freq="MS")
SEASON = {m: 1 + 0.25 * math.sin(2 * math.pi * m / 12) for m in range(1, 13)}


def exact_series(annual_ratio: float, base: float = 100.0) -> pd.DataFrame:
    t = np.arange(72) / 12
    season = np.array([SEASON[m] for m in MONTHS.month])
    return pd.DataFrame({"month": MONTHS, "episodes": base * annual_ratio**t * season})


def test_recovers_an_exact_annual_ratio_and_projects_by_formula():
    trend = seasonal_trend(exact_series(1.2))
    assert trend.seasonal and trend.method == "Poisson"
    assert trend.rate_ratio == pytest.approx(1.2, rel=1e-6)
    assert trend.lower < 1.2 < trend.upper
    # The 2019-20 total from the generating formula: months 84..95 after April 2012.
    target = pd.date_range("2019-04-01", periods=12, freq="MS")
    expected = sum(100 * 1.2 ** ((84 + i) / 12) * SEASON[m] for i, m in enumerate(target.month))
    assert trend.project_total(target)["value"] == pytest.approx(expected, rel=1e-5)
    # The target's own count (e.g. 1,000 children in 2016-17) is carried forward by the
    # fitted change over the 3 years: 1,000 x 1.2^3 = 1,728.
    progress = target_progress(trend, baseline_count=1000)
    assert progress["projected"] == pytest.approx(1728, rel=1e-5)
    assert progress["projected_lower"] < progress["projected"] < progress["projected_upper"]


def test_target_verdicts():
    # 40% fewer over 3 years (2016-17 -> 2019-20) needs 0.6^(1/3) = 0.8434 a year.
    rising = target_progress(seasonal_trend(exact_series(1.2)), 1000)
    assert rising["required_ratio"] == pytest.approx(0.6 ** (1 / 3))
    assert rising["verdict"] == "behind" and rising["target_count"] == 600
    falling = target_progress(seasonal_trend(exact_series(0.7, base=400)), 1000)
    assert falling["verdict"] == "ahead"
    rng = np.random.default_rng(7)
    noisy = exact_series(0.85, base=3.0).iloc[48:]  # two years of small counts near the line
    noisy = noisy.assign(episodes=rng.poisson(noisy["episodes"]))
    assert target_progress(seasonal_trend(noisy), 30)["verdict"] == "inconclusive"


def test_overdispersion_switches_to_quasi_poisson():
    rng = np.random.default_rng(3)
    mean = exact_series(1.1)["episodes"].to_numpy()
    counts = rng.negative_binomial(n=5, p=5 / (5 + mean))  # variance mean + mean^2/5
    df = pd.DataFrame({"month": MONTHS, "episodes": counts})
    quasi = seasonal_trend(df)
    plain = seasonal_trend(df, method="poisson")
    assert quasi.dispersion > 2 and quasi.method == "quasi-Poisson"
    # Quasi-Poisson widens the log-scale interval by sqrt(dispersion), same estimate.
    assert quasi.rate_ratio == pytest.approx(plain.rate_ratio)
    width = math.log(quasi.upper / quasi.lower) / math.log(plain.upper / plain.lower)
    assert width == pytest.approx(math.sqrt(quasi.dispersion), rel=1e-6)
    nb = seasonal_trend(df, method="negative binomial")
    assert nb.method == "negative binomial" and nb.alpha > 0.05
    assert nb.lower < 1.1 < nb.upper


def test_short_series_fits_without_seasonality_and_errors():
    short = exact_series(1.0).iloc[:18]
    assert not seasonal_trend(short).seasonal
    with pytest.raises(ValueError):
        seasonal_trend(exact_series(1.0).iloc[:4])
    with pytest.raises(ValueError):
        seasonal_trend(exact_series(1.0), method="magic")
    with pytest.raises(ValueError):
        target_progress(seasonal_trend(exact_series(1.0)), 10, reduction=40)
