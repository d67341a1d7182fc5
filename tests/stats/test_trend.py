"""Seasonal trend GLM and the target test, on series whose answer is known by construction."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wscb_analysis.stats import (
    MIN_TREND_MONTHS,
    TooFewMonths,
    seasonal_trend,
    target_progress,
)

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


def test_errors():
    with pytest.raises(ValueError):
        seasonal_trend(exact_series(1.0), method="magic")
    with pytest.raises(ValueError):
        target_progress(seasonal_trend(exact_series(1.0)), 10, reduction=40)
    with pytest.raises(ValueError, match="baseline count must be above zero"):
        target_progress(seasonal_trend(exact_series(1.0)), 0)


def test_bad_rows_are_named_with_the_fix():
    df = exact_series(1.0)
    bad = df.assign(episodes=df["episodes"].astype(object))
    bad.loc[5, "episodes"] = None
    with pytest.raises(ValueError, match=r"row 6 of the monthly table \(2012-09\), column "
                                         r"'episodes'.*give 0 for a month with none"):
        seasonal_trend(bad)
    with pytest.raises(ValueError, match="more than one row for 2012-04"):
        seasonal_trend(pd.concat([df.iloc[:1], df]))
    with pytest.raises(ValueError, match="no column 'children'"):
        seasonal_trend(df, count="children")
    notdate = df.assign(month=df["month"].astype(str))
    notdate.loc[3, "month"] = "April"
    with pytest.raises(ValueError, match="row 4 of the monthly table, column 'month'"):
        seasonal_trend(notdate)


# ------------------------------------------------------------------ review case 3

# April to March, a purely seasonal pattern: no change from year to year at all.
SEASONAL_ONLY = [16, 18, 22, 26, 26, 22, 18, 16, 14, 14, 14, 14]


def _seasonal_only(years: int) -> pd.DataFrame:
    return pd.DataFrame({"month": pd.date_range("2016-04-01", periods=12 * years, freq="MS"),
                         "children": [4 * v for v in SEASONAL_ONLY] * years})


def test_case3_twelve_seasonal_months_give_no_trend():
    # Twelve months of 64, 72, 88, 104, 104, 88, 72, 64, 56, 56, 56, 56 (x4 of the pattern)
    # used to read as "falling by 38.0% a year": summer high, winter low, nothing else.
    assert MIN_TREND_MONTHS == 24  # callers can check before calling
    with pytest.raises(TooFewMonths) as caught:
        seasonal_trend(_seasonal_only(1), count="children")
    message = str(caught.value)
    assert "only 12 points" in message and "seasonality" in message
    assert "descriptive=True" in message
    assert caught.value.months == 12 and caught.value.needed == 24
    assert isinstance(caught.value, ValueError)  # existing `except ValueError` still works


def test_case3_a_descriptive_fit_is_only_on_request_and_gives_no_target_verdict():
    described = seasonal_trend(_seasonal_only(1), count="children", descriptive=True)
    assert described.descriptive and not described.seasonal and described.months == 12
    with pytest.raises(TooFewMonths, match="24"):
        target_progress(described, 200)
    with pytest.raises(TooFewMonths, match="at least 6"):
        seasonal_trend(_seasonal_only(1).iloc[:5], count="children", descriptive=True)


def test_case3_two_years_of_the_same_pattern_are_flat():
    # With 24 months the month-of-year factor takes the pattern: each calendar month has the
    # same count in both years, so the Poisson fit is exact with no time effect, RR = 1.
    trend = seasonal_trend(_seasonal_only(2), count="children")
    assert trend.seasonal and not trend.descriptive
    assert trend.rate_ratio == pytest.approx(1.0, abs=1e-6)
    assert trend.lower < 1 < trend.upper
    # descriptive=True changes nothing from 24 months on.
    again = seasonal_trend(_seasonal_only(2), count="children", descriptive=True)
    assert again.seasonal and again.rate_ratio == pytest.approx(trend.rate_ratio)


# ------------------------------------------------------------------ review case 4

REVIEW_36 = [20, 27, 30, 29, 27, 29, 24, 31, 19, 14, 14, 17, 21, 22, 15, 36, 27, 24, 13, 16,
             16, 7, 10, 7, 10, 13, 12, 22, 19, 17, 15, 9, 9, 10, 6, 9]


def test_case4_projection_agrees_with_the_verdict():
    m = pd.DataFrame({"month": pd.date_range("2014-04-01", periods=36, freq="MS"),
                      "children": REVIEW_36})
    trend = seasonal_trend(m, count="children")
    # Independent fit with the formula METHODS.md gives (statsmodels' formula interface, its
    # own design matrix): the same annual rate ratio and interval. Pearson chi2/df < 1 here,
    # so plain Poisson.
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    d = m.assign(t_years=np.arange(36) / 12, month_of_year=m["month"].dt.month)
    ref = smf.glm("children ~ t_years + C(month_of_year)", d,
                  family=sm.families.Poisson()).fit()
    assert ref.pearson_chi2 / ref.df_resid < 1 and trend.method == "Poisson"
    lo, hi = np.exp(ref.conf_int().loc["t_years"])
    assert trend.rate_ratio == pytest.approx(math.exp(ref.params["t_years"]), rel=1e-8)
    assert (trend.lower, trend.upper) == pytest.approx((lo, hi), rel=1e-8)
    # The review's figures: RR 0.736 a year, interval 0.668 to 0.811.
    assert round(trend.upper, 3) == 0.811 and round(trend.lower, 3) == 0.668
    progress = target_progress(trend, 200, "2016-17", "2019-20", 0.4)
    # k = 3 years (2016-17 -> 2019-20); required 0.6^(1/3) = 0.8434; 0.811 < 0.8434: ahead.
    assert progress["years"] == 3 and progress["verdict"] == "ahead"
    assert progress["required_ratio"] == pytest.approx(0.8434, abs=1e-4)
    assert progress["target_count"] == pytest.approx(120)  # 200 x 0.6
    # Projection = 200 x RR^3: 200 x 0.73597^3 = 200 x 0.39864 = 79.7 (about 80);
    # interval 200 x 0.66816^3 = 200 x 0.29829 = 59.7 (60) to 200 x 0.81067^3 = 200 x 0.53275
    # = 106.6 (107) -- wholly below the target of 120, as "ahead" says. (It used to read
    # "about 80 (95% CI 53 to 121)" against 120.)
    assert progress["projected"] == pytest.approx(200 * trend.rate_ratio**3)
    assert progress["projected_lower"] == pytest.approx(200 * trend.lower**3)
    assert progress["projected_upper"] == pytest.approx(200 * trend.upper**3)
    assert round(progress["projected"]) == 80
    assert round(progress["projected_lower"]) == 60 and round(progress["projected_upper"]) == 107
    assert progress["projected_upper"] < progress["target_count"]


@pytest.mark.parametrize("ratio,base", [(1.2, 100.0), (0.7, 400.0), (0.85, 3.0), (0.9, 60.0)])
def test_case4_verdict_and_projection_agree_by_construction(ratio, base):
    rng = np.random.default_rng(11)
    series = exact_series(ratio, base=base).iloc[:36]
    series = series.assign(episodes=rng.poisson(series["episodes"]))
    p = target_progress(seasonal_trend(series), 500)
    assert (p["verdict"] == "ahead") == (p["projected_upper"] < p["target_count"])
    assert (p["verdict"] == "behind") == (p["projected_lower"] > p["target_count"])
    assert p["projected_lower"] <= p["projected"] <= p["projected_upper"]


def test_case4_baseline_not_held_still_gives_the_verdict():
    p = target_progress(seasonal_trend(exact_series(0.7, base=400)), None)
    assert p["verdict"] == "ahead"
    assert p["target_count"] is None and p["projected"] is None
    assert p["projected_lower"] is None and p["projected_upper"] is None
