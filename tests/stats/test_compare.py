"""A change between two counts, against hand-worked values and R's published poisson.test
output.

R reference (stats::poisson.test, two counts; its documentation example and a worked
example of the same function):
* poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)): rate ratio 1.971488, 95 percent
  confidence interval 0.8584264 to 4.2772659 (p-value 0.07967 by R's "minimum likelihood"
  two-sided rule).
* poisson.test(c(10, 2), c(20000, 17887)): rate ratio 4.47175, interval 0.9529548 to
  41.9743814, p-value 0.0421 -- below 0.05 with an interval that holds 1, the disagreement the
  doubled-tail p-value used here cannot produce.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wscb_analysis.stats import count_change_test

# ------------------------------------------------------------------ review case 5


def test_case5_104_against_100_is_not_a_rise():
    # Given the total 204, "no change" makes the current count Binomial(204, 1/2): mean 102,
    # variance 204/4 = 51, sd 7.1414. P(X >= 104) ~ P(Z >= (103.5 - 102)/7.1414 = 0.2100)
    # = 0.4168 (continuity-corrected normal), so two-sided p = 2 x 0.4168 = 0.834: nowhere
    # near 0.05. The rate ratio is 104/100 = 1.04.
    out = count_change_test(104, 100)
    assert out["p_value"] == pytest.approx(0.834, abs=1e-3)
    assert out["rate_ratio"] == pytest.approx(1.04)
    assert out["lower"] < 1 < out["upper"] and out["verdict"] == "similar"
    assert out["expected"] == pytest.approx(102)


def test_case5_exact_interval_matches_r_poisson_test():
    out = count_change_test(11, 6 + 8 + 7, 800, 1083 + 1050 + 878)
    assert out["rate_ratio"] == pytest.approx(1.971488, abs=1e-6)
    assert out["lower"] == pytest.approx(0.8584264, abs=1e-7)
    assert out["upper"] == pytest.approx(4.2772659, abs=1e-7)
    assert out["verdict"] == "similar" and out["p_value"] >= 0.05
    out = count_change_test(10, 2, 20000, 17887)
    assert out["rate_ratio"] == pytest.approx(4.47175, abs=1e-5)
    assert (out["lower"], out["upper"]) == pytest.approx((0.9529548, 41.9743814), abs=1e-6)
    # Doubled upper tail: share s = 20000/37887 = 0.527885, 1 - s = 0.472115, s^10 = 0.0016803;
    # P(X >= 10 | 12, s) = 66 s^10 (1-s)^2 + 12 s^11 (1-s) + s^12
    # = 66 x 0.0016803 x 0.222893 + 12 x 0.00088702 x 0.472115 + 0.00046825
    # = 0.024719 + 0.005025 + 0.000468 = 0.030213, so p = 0.0604: not below 0.05, as the
    # interval (which holds 1) says.
    assert out["p_value"] == pytest.approx(0.0604, abs=2e-4)
    assert out["verdict"] == "similar"


def test_case5_counts_against_nothing():
    # 10 against 0: under "no change" all 10 in one period has probability 0.5^10 = 1/1024,
    # so p = 2/1024 = 0.001953. Clopper-Pearson lower limit for 10 of 10 is 0.025^(1/10)
    # = 0.69150, so the rate ratio's lower limit is 0.69150/0.30850 = 2.2415.
    up = count_change_test(10, 0)
    assert up["p_value"] == pytest.approx(2 / 1024)
    assert up["lower"] == pytest.approx(2.2415, abs=1e-4) and math.isinf(up["upper"])
    assert up["verdict"] == "higher"
    down = count_change_test(0, 10)
    assert down["verdict"] == "lower" and down["rate_ratio"] == 0
    none = count_change_test(0, 0)
    assert none["p_value"] == 1 and math.isnan(none["rate_ratio"])


def test_case5_exposure_share():
    # Twice the exposure now: 20 against 10 is the same rate, so no change at all.
    out = count_change_test(20, 10, current_exposure=2, previous_exposure=1)
    assert out["rate_ratio"] == pytest.approx(1.0)
    assert out["expected"] == pytest.approx(20)  # 30 x 2/3
    assert out["verdict"] == "similar" and out["p_value"] == pytest.approx(1.0)


@pytest.mark.parametrize("current,previous,message", [
    (None, 10, "current count is missing"),
    (10, -1, "whole number of zero or more"),
    (2.5, 10, "whole number"),
])
def test_case5_bad_counts(current, previous, message):
    with pytest.raises(ValueError, match=message):
        count_change_test(current, previous)
    with pytest.raises(ValueError, match="exposure must be a number above zero"):
        count_change_test(10, 10, current_exposure=0)


@given(st.integers(0, 400), st.integers(0, 400), st.sampled_from([0.95, 0.998]))
def test_case5_p_value_and_interval_never_disagree(x, y, level):
    out = count_change_test(x, y, level=level)
    assert (out["p_value"] < 1 - level) == (out["verdict"] != "similar")
