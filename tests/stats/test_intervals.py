"""Intervals against published reference values, not the code's own output.

* Wilson: Newcombe (1998) "Two-sided confidence intervals for the single proportion",
  Statistics in Medicine 17:857-872, Table II, method 3 (score interval without continuity
  correction), to 4 decimal places.
* Exact Poisson: standard tables of 95% limits for a Poisson count (e.g. Documenta Geigy;
  Garwood 1936): 0 -> (0, 3.689), 1 -> (0.0253, 5.572), 5 -> (1.623, 11.668),
  9 -> (4.115, 17.085), 10 -> (4.795, 18.390).
* Byar's: PHE "Technical guide: confidence intervals" says Byar's is within 0.2% of the exact
  value for 10 or more events at 95%; and hand-worked values below.
* Funnel limits: PHEindicatormethods' test data testdata_funnel_prop_outputs.csv (average
  80.642448%).
* Rounding: dfeR's round_five_up tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wscb_analysis.stats import (
    compare_to_benchmark,
    funnel,
    funnel_limits,
    proportion_table,
    rate_ci,
    rate_table,
    round_half_up,
    score_test_p,
    wilson_ci,
    z_value,
)


@pytest.mark.parametrize("x,n,lower,upper", [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe_1998(x, n, lower, upper):
    lo, hi = wilson_ci(x, n)
    assert round(lo, 4) == lower and round(hi, 4) == upper


def test_wilson_vectorised_and_levels():
    lo, hi = wilson_ci([81, 15], [263, 148])
    assert np.allclose(np.round(lo, 4), [0.2553, 0.0624])
    assert wilson_ci(5, 10, level=1) == (0.0, 1.0)
    lo95, hi95 = wilson_ci(65, 100, 0.95)
    lo998, hi998 = wilson_ci(65, 100, 99.8)  # 99.8 read as 99.8%
    assert lo998 < lo95 < 0.65 < hi95 < hi998


def test_z_values():
    assert round(z_value(0.95), 6) == 1.959964
    assert round(z_value(0.998), 6) == 3.090232


@pytest.mark.parametrize("x,n,message", [
    (-1, 10, "greater than or equal to zero"),
    (1, 0, "greater than zero"),
    (11, 10, "less than or equal"),
])
def test_wilson_errors(x, n, message):
    with pytest.raises(ValueError, match=message):
        wilson_ci(x, n)


def test_bad_confidence_level():
    with pytest.raises(ValueError, match="confidence level"):
        wilson_ci(1, 10, level=0.5)


@pytest.mark.parametrize("x,lower,upper", [
    (0, 0.0, 3.689), (1, 0.0253, 5.572), (5, 1.623, 11.668), (9, 4.115, 17.085),
])
def test_exact_poisson_below_10_matches_tables(x, lower, upper):
    lo, hi = rate_ci(x, 10_000)  # per 10,000 with a denominator of 10,000 = the count
    assert lo == pytest.approx(lower, abs=6e-4) and hi == pytest.approx(upper, abs=6e-4)


def test_byars_from_10_by_hand_and_close_to_exact():
    # x = 10, z = 1.959964: lower = 10 (1 - 1/90 - z/(3 sqrt 10))^3 = 10 x 0.78229^3 = 4.7874
    # upper = 11 (1 - 1/99 + z/(3 sqrt 11))^3 = 11 x 1.18689^3 = 18.3915
    lo, hi = rate_ci(10, 10_000)
    assert lo == pytest.approx(4.7874, abs=1e-3) and hi == pytest.approx(18.3915, abs=1e-3)
    # ... within 0.2% of the exact limits 4.795 and 18.390 (PHE technical guide).
    assert abs(lo / 4.7954 - 1) < 0.002 and abs(hi / 18.3904 - 1) < 0.002


def test_rate_per_10000_scales_with_denominator():
    lo, hi = rate_ci(65, 112_662)  # per 10,000 children
    assert lo < 65 / 112_662 * 10_000 < hi
    assert rate_table.__doc__ and "Byar" in rate_table.__doc__


# PHEindicatormethods testdata_funnel_prop_outputs.csv: population, lower 95%, upper 95%,
# lower 99.8%, upper 99.8% (percent), around 80.642448%.
PHE_FUNNEL = [
    (1, 3.204264, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]


@pytest.mark.parametrize("n,l95,u95,l998,u998", PHE_FUNNEL)
def test_funnel_limits_match_phe_test_data(n, l95, u95, l998, u998):
    lo, hi = funnel_limits(n, 0.80642448, 0.95)
    assert 100 * lo == pytest.approx(l95, abs=1e-5) and 100 * hi == pytest.approx(u95, abs=1e-5)
    lo, hi = funnel_limits(n, 0.80642448, 0.998)
    assert 100 * lo == pytest.approx(l998, abs=1e-5)
    assert 100 * hi == pytest.approx(u998, abs=1e-5)


def test_funnel_uses_pooled_average_and_labels():
    import pandas as pd

    areas = pd.DataFrame({"area": ["A", "B", "C"], "x": [10, 50, 300], "n": [100, 100, 1000]})
    limits, out, average = funnel(areas, "x", "n")
    assert average == pytest.approx(360 / 1200)  # pooled, not the mean of 0.1, 0.5, 0.3
    labels = dict(zip(out["area"], out["significance"], strict=True))
    # A: 10/100, Wilson 99.8% upper about 0.22 < 0.3 -> Low (99.8%).
    # B: 50/100, 99.8% lower about 0.35 > 0.3 -> High (99.8%). C: 0.3 exactly -> not sig.
    assert labels == {"A": "Low (99.8%)", "B": "High (99.8%)", "C": "Not significant"}
    assert (limits["lower_998"] <= limits["lower_95"]).all()


def test_compare_to_benchmark_verdicts():
    # The annual report's 4.8% of plans lasting 2+ years (26 of 546) against England's 3.8%:
    # the Wilson interval (3.3%, 6.9%) contains 3.8%, so "similar", not "a little high".
    out = compare_to_benchmark(26, 546, 0.038)
    assert out["verdict"] == "similar"
    assert out["lower"] < 0.038 < out["upper"]
    assert 0.05 < out["p_value"] < 1
    # Warwickshire's 2016-17 re-referrals (3,715 of 11,330 = 32.8%) against England's 21.9%.
    high = compare_to_benchmark(3715, 11330, 0.219)
    assert high["verdict"] == "higher" and high["p_value"] < 1e-10
    low = compare_to_benchmark(10, 1000, 0.05)
    assert low["verdict"] == "lower"
    vec = compare_to_benchmark([26, 3715], [546, 11330], 0.038)
    assert list(vec["verdict"]) == ["similar", "higher"]


@pytest.mark.parametrize("value,digits,expected", [
    (285, -1, 290), (2.85, 1, 2.9), (283, -1, 280), (2.87, 1, 2.9),  # dfeR round_five_up
    (2.5, 0, 3), (0.5, 0, 1), (1.005, 2, 1.01), (-2.5, 0, -3), (3.45, 1, 3.5),
])
def test_round_half_up_matches_dfer(value, digits, expected):
    assert round_half_up(value, digits) == expected


def test_round_half_up_keeps_missing_and_arrays():
    assert math.isnan(round_half_up(float("nan")))
    assert list(round_half_up([2.5, 3.5, 4.45], 1)) == [2.5, 3.5, 4.5]


def test_proportion_table_is_tidy():
    import pandas as pd

    df = pd.DataFrame({"area": ["A", "B"], "x": [81, 0], "n": [263, 0]})
    out = proportion_table(df, "x", "n")
    assert list(out.columns) == ["area", "x", "n", "value", "lower", "upper", "confidence",
                                 "method"]
    assert round(out.loc[0, "lower"], 4) == 0.2553
    assert math.isnan(out.loc[1, "value"])  # no denominator: missing, not 0
    assert set(out["method"]) == {"Wilson"} and set(out["confidence"]) == {"95%"}


@given(st.integers(0, 5000), st.integers(1, 5000))
def test_wilson_contains_the_value_and_widens(x, n):
    x = min(x, n)
    lo95, hi95 = wilson_ci(x, n, 0.95)
    lo998, hi998 = wilson_ci(x, n, 0.998)
    assert 0 <= lo998 <= lo95 <= x / n <= hi95 <= hi998 <= 1


@given(st.integers(0, 10_000), st.integers(1, 10**7))
def test_rate_interval_contains_the_rate_and_widens(x, d):
    lo95, hi95 = rate_ci(x, d)
    lo998, hi998 = rate_ci(x, d, level=0.998)
    rate = x / d * 10_000
    assert 0 <= lo998 <= lo95 <= rate + 1e-9 and rate <= hi95 <= hi998


def test_rate_funnel_limits_are_exact_poisson_around_the_expected_count():
    from wscb_analysis.stats import rate_funnel_limits

    # Average 10 per 10,000 at a denominator of 10,000: expected count E = 10, so the limits
    # are the exact Poisson limits for 10 (tables: 4.795 and 18.390), per 10,000.
    lo, hi = rate_funnel_limits(10_000, 10.0)
    assert lo == pytest.approx(4.795, abs=1e-3) and hi == pytest.approx(18.390, abs=1e-3)
    # Twice the denominator halves the spread in rate terms, roughly: limits narrow.
    lo2, hi2 = rate_funnel_limits(20_000, 10.0)
    assert lo < lo2 < 10 < hi2 < hi
    lo998, hi998 = rate_funnel_limits(10_000, 10.0, level=0.998)
    assert lo998 < lo and hi998 > hi


def test_chi_square_quantiles_match_scipy_stats():
    # The exact Poisson limits use chi2 quantiles via the incomplete gamma function; they must
    # be scipy.stats.chi2.ppf's numbers (an independent implementation).
    from scipy.stats import chi2

    from wscb_analysis.stats.intervals import _chi2_ppf

    for q in (0.001, 0.025, 0.5, 0.975, 0.999):
        for df in (1, 2, 7, 20, 55.5):
            assert _chi2_ppf(q, df) == pytest.approx(chi2.ppf(q, df), rel=1e-10)
    assert np.isnan(_chi2_ppf(0.5, 0))  # like chi2.ppf(q, 0)


# ------------------------------------------------------------------ review case 2


def test_case2_two_year_plans_p_value_is_the_score_test_and_agrees_with_the_verdict():
    # 18 of 300 plans that ended had lasted 2+ years (6.0%) against England's 3.8%.
    # Score test by hand: p0 (1 - p0) / n = 0.038 x 0.962 / 300 = 0.036556 / 300 = 0.00012185,
    # sqrt = 0.011039; z = (0.060 - 0.038) / 0.011039 = 1.9930; two-sided
    # p = 2 (1 - Phi(1.9930)) = 2 x 0.02313 = 0.0463 (normal table: 1 - Phi(1.99) = 0.02330,
    # 1 - Phi(2.00) = 0.02275). Wilson lower limit 0.0383 > 0.038: "higher", and p < 0.05.
    # (The exact binomial test gave p = 0.07 beside the same "higher": two tests, two answers.)
    out = compare_to_benchmark(18, 300, 0.038)
    assert out["verdict"] == "higher"
    assert out["p_value"] == pytest.approx(0.0463, abs=2e-4)
    assert out["p_value"] < 0.05
    # 14 of 213 (6.6%): p0 (1 - p0) / n = 0.036556 / 213 = 0.00017162, sqrt = 0.013101;
    # z = (0.065728 - 0.038) / 0.013101 = 2.1165; p = 2 (1 - Phi(2.1165)) = 2 x 0.01715 = 0.0343.
    out = compare_to_benchmark(14, 213, 0.038)
    assert out["verdict"] == "higher"
    assert out["p_value"] == pytest.approx(0.0343, abs=2e-4)


def test_case2_score_test_by_hand_at_the_edges():
    # x = 0 of 20 against 0.1: z = (0 - 0.1) / sqrt(0.1 x 0.9 / 20) = -0.1 / 0.067082 = -1.4907;
    # p = 2 (1 - Phi(1.4907)) = 2 x 0.06802 = 0.1360. Wilson (0, 0.1611) holds 0.1: similar.
    out = compare_to_benchmark(0, 20, 0.1)
    assert out["p_value"] == pytest.approx(0.1360, abs=2e-4) and out["verdict"] == "similar"
    # x = n = 20 against 0.9: the mirror image, z = +1.4907, same p.
    out = compare_to_benchmark(20, 20, 0.9)
    assert out["p_value"] == pytest.approx(0.1360, abs=2e-4) and out["verdict"] == "similar"
    # Benchmarks of exactly 0 or 1: no spread under the null, so any departure is certain.
    assert score_test_p(0, 20, 0.0) == 1.0 and score_test_p(1, 20, 0.0) == 0.0
    assert score_test_p(20, 20, 1.0) == 1.0 and score_test_p(19, 20, 1.0) == 0.0
    assert compare_to_benchmark(1, 20, 0.0)["verdict"] == "higher"
    assert compare_to_benchmark(19, 20, 1.0)["verdict"] == "lower"


P0_GRID = [0.0, 0.001, 0.01, 0.038, 0.1, 0.219, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0]


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_case2_p_below_alpha_exactly_when_the_benchmark_is_outside_wilson(level):
    checked = 0
    for n in (1, 2, 3, 5, 10, 29, 100, 213, 300, 1000):
        for x in range(n + 1):
            for p0 in P0_GRID:
                out = compare_to_benchmark(x, n, p0, level)
                outside = p0 < out["lower"] or p0 > out["upper"]
                assert (out["p_value"] < 1 - level) == outside, (x, n, p0)
                assert (out["verdict"] != "similar") == outside, (x, n, p0)
                checked += 1
    assert checked == 13 * sum(n + 1 for n in (1, 2, 3, 5, 10, 29, 100, 213, 300, 1000))


@given(st.integers(0, 3000), st.integers(1, 3000), st.floats(0.0005, 0.9995))
def test_case2_score_test_and_wilson_never_disagree(x, n, p0):
    x = min(x, n)
    out = compare_to_benchmark(x, n, p0)
    if out["verdict"] == "similar":
        assert out["p_value"] >= 0.05
    else:
        assert out["p_value"] < 0.05
        assert (out["verdict"] == "higher") == (x / n > p0)


def test_case2_vectorised_p_values():
    vec = compare_to_benchmark([18, 14], [300, 213], 0.038)
    assert np.allclose(vec["p_value"], [0.0463, 0.0343], atol=2e-4)
    assert list(vec["verdict"]) == ["higher", "higher"]
