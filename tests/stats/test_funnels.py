"""Rate funnels around a given average, and Spiegelhalter's overdispersion adjustment.

Expected values are worked by hand (the working is in the comments) from:
* chi-square tables for the exact Poisson limits (chi2 at 0.001 with 20 df = 5.921; at 0.999
  with 22 df = 48.268; at 0.025 with 20 df = 9.591; at 0.975 with 22 df = 36.781);
* Spiegelhalter 2005, "Funnel plots for comparing institutional performance", Statistics in
  Medicine 24:1185-1202, section 5.3, and "Handling over-dispersion of performance
  indicators", Quality and Safety in Health Care 14:347-351, appendix: z-scores winsorised at
  10% each tail, phi = mean of their squares, tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 /
  sum w), w = 1/s^2, limits p0 +/- z sqrt(s^2 + tau^2). (PHEindicatormethods has no
  overdispersion function; FunnelPlotR's tests, which implement the same estimates, check only
  the shape of its output, so no published numbers exist to copy: the example is by hand.)
* issue 17's hand check of the demo: Nuneaton and Bedworth, 145.6 children expected, upper
  99.8% limit 186.9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wscb_analysis.stats import overdispersion, proportion_funnel, rate_funnel
from wscb_analysis.stats.funnels import adjusted_limits, winsorise


def test_rate_funnel_labels_counts_against_exact_poisson_limits():
    # Five areas of 10,000 children against an average of 10 per 10,000: each expects
    # E = 10 children. Exact limits around 10 (counts): 95% chi2(0.025, 20)/2 = 9.591/2 =
    # 4.795 and chi2(0.975, 22)/2 = 36.781/2 = 18.390; 99.8% chi2(0.001, 20)/2 = 5.921/2 =
    # 2.961 and chi2(0.999, 22)/2 = 48.268/2 = 24.134.
    # 25 > 24.134: High (99.8%); 19 in (18.390, 24.134]: High (95%); 10: inside;
    # 4 in [2.961, 4.795): Low (95%); 2 < 2.961: Low (99.8%).
    df = pd.DataFrame({"area": list("ABCDE"), "x": [25, 19, 10, 4, 2],
                       "pop": [10_000] * 5})
    limits, areas, average = rate_funnel(df, "x", "pop", average=10.0)
    assert average == 10.0
    assert list(areas["significance"]) == ["High (99.8%)", "High (95%)", "Not significant",
                                           "Low (95%)", "Low (99.8%)"]
    assert areas["expected"].tolist() == pytest.approx([10.0] * 5)
    assert areas["count_lower_95"].iloc[0] == pytest.approx(4.795, abs=1e-3)
    assert areas["count_upper_95"].iloc[0] == pytest.approx(18.390, abs=1e-3)
    assert areas["count_lower_998"].iloc[0] == pytest.approx(2.961, abs=1e-3)
    assert areas["count_upper_998"].iloc[0] == pytest.approx(24.134, abs=1e-3)
    assert areas["value"].tolist() == pytest.approx([25, 19, 10, 4, 2])  # per 10,000
    # The drawn limits at 10,000 are the same numbers as rates per 10,000.
    at = limits.iloc[(limits["n"] - 10_000).abs().argmin()]
    assert at["n"] == pytest.approx(10_000, rel=0.01)


def test_rate_funnel_pools_when_no_average_is_given():
    df = pd.DataFrame({"x": [30, 10], "pop": [10_000, 30_000]})
    _, areas, average = rate_funnel(df, "x", "pop")
    assert average == pytest.approx(40 / 40_000 * 10_000)  # 10 per 10,000, not the mean of 30
    # and 3.3
    assert areas["expected"].tolist() == pytest.approx([10, 30])


def test_rate_funnel_matches_issue_17_hand_check():
    # Issue 17: around the authority's rate from 603 children of 112,662, Nuneaton and
    # Bedworth (27,203 children) expects 603 x 27,203 / 112,662 = 145.6 and its upper 99.8%
    # limit is 186.9; its 220 children lie above it.
    rate = 603 / 112_662 * 10_000
    df = pd.DataFrame({"x": [220], "pop": [27_203]})
    _, areas, _ = rate_funnel(df, "x", "pop", average=rate)
    assert areas["expected"].iloc[0] == pytest.approx(145.6, abs=0.05)
    assert areas["count_upper_998"].iloc[0] == pytest.approx(186.9, abs=0.05)
    assert areas["significance"].iloc[0] == "High (99.8%)"


def test_rate_funnel_refuses_bad_input():
    with pytest.raises(ValueError, match="populations"):
        rate_funnel(pd.DataFrame({"x": [1], "pop": [0]}), "x", "pop")
    with pytest.raises(ValueError, match="counts"):
        rate_funnel(pd.DataFrame({"x": [-1], "pop": [10]}), "x", "pop")


def test_winsorise_uses_the_10th_and_90th_percentiles():
    # Ten values -2.5, -2, -1.5, -1, 0, 0, 1, 1.5, 2, 2.5: the 10th percentile (R's type 7,
    # position 0.9 between the 1st and 2nd) is -2.5 + 0.9 x 0.5 = -2.05; the 90th is 2.05.
    z = np.array([-2.5, -2, -1.5, -1, 0, 0, 1, 1.5, 2, 2.5])
    assert winsorise(z).tolist() == pytest.approx([-2.05, -2, -1.5, -1, 0, 0, 1, 1.5, 2,
                                                   2.05])


#: Ten areas of 10,000 with proportions 0.10 ... 0.30, pooled 2,000 of 100,000 = 0.2.
SPREAD = pd.DataFrame({"area": list("ABCDEFGHIJ"),
                       "x": [1000, 1200, 1400, 1600, 2000, 2000, 2400, 2600, 2800, 3000],
                       "n": [10_000] * 10})


def test_overdispersion_by_hand():
    # p0 = 0.2; s = sqrt(0.2 x 0.8 / 10,000) = 0.004; z = (y - 0.2) / 0.004 =
    # -25, -20, -15, -10, 0, 0, 10, 15, 20, 25. Winsorised (as above, x 10): -20.5, -20,
    # -15, -10, 0, 0, 10, 15, 20, 20.5; squares 420.25 + 400 + 225 + 100 + 0 + 0 + 100 +
    # 225 + 400 + 420.25 = 2,290.5, so phi = 229.05.
    # w = 1/s^2 = 62,500 each: sum w = 625,000, sum w^2 / sum w = 62,500, difference 562,500.
    # tau^2 = (10 x 229.05 - 9) / 562,500 = 2,281.5 / 562,500 = 0.004056.
    # Outside the plain 99.8% limits (|z| > 3.090): 8 of 10; chance of 8 or more out of 10
    # at 0.002 each is about 45 x 0.002^8, far below 0.001: adjusted.
    od = overdispersion(SPREAD["x"], SPREAD["n"])
    assert od.average == pytest.approx(0.2)
    assert od.phi == pytest.approx(229.05)
    assert od.tau2 == pytest.approx(2281.5 / 562_500)
    assert od.outside == 8 and od.expected_outside == pytest.approx(0.02)
    assert od.p_outside < 1e-15 and od.adjusted


def test_adjusted_limits_by_hand():
    # At n = 10,000: sqrt(0.000016 + 0.004056) = sqrt(0.004072) = 0.063812; 99.8%:
    # 0.2 +/- 3.090232 x 0.063812 = 0.2 +/- 0.197195; 95%: 0.2 +/- 1.959964 x 0.063812 =
    # 0.2 +/- 0.125070.
    tau2 = 2281.5 / 562_500
    lo, hi = adjusted_limits(10_000, 0.2, tau2, 0.998)
    assert (lo, hi) == pytest.approx((0.2 - 0.197195, 0.2 + 0.197195), abs=2e-6)
    lo, hi = adjusted_limits(10_000, 0.2, tau2, 0.95)
    assert (lo, hi) == pytest.approx((0.2 - 0.125070, 0.2 + 0.125070), abs=2e-6)
    # With no between-area variance, the plain limits: 0.2 +/- 1.959964 x 0.004.
    assert adjusted_limits(10_000, 0.2, 0.0, 0.95) == pytest.approx((0.192160, 0.207840),
                                                                    abs=1e-6)


def test_proportion_funnel_words_follow_the_widened_limits():
    limits, areas, average, od = proportion_funnel(SPREAD, "x", "n")
    assert od.adjusted
    # Plain limits put 8 of 10 outside 99.8% (all but the two at 0.2); against the widened
    # ones (0.0749 to 0.3251 at 95%, 0.0028 to 0.3972 at 99.8%) every area, 0.10 to 0.30,
    # lies inside: the spread is what authorities usually show.
    plain = dict(zip(areas["area"], areas["plain_significance"], strict=True))
    assert plain["A"] == "Low (99.8%)" and plain["J"] == "High (99.8%)"
    assert sum(v.endswith("(99.8%)") for v in plain.values()) == 8
    assert (areas["significance"] == "Not significant").all()
    at = limits.iloc[(limits["n"] - 10_000).abs().argmin()]
    expected = adjusted_limits(at["n"], 0.2, od.tau2, 0.998)
    assert (at["lower_998"], at["upper_998"]) == pytest.approx(expected)


def test_no_adjustment_when_the_spread_is_what_chance_gives():
    # The same proportions on 100 each: z = -2.5 ... 2.5, none beyond 3.090: nothing to
    # widen (phi = 22.905 / 10 = 2.29, but the count outside is what chance gives).
    small = SPREAD.assign(x=SPREAD["x"] // 100, n=100)
    od = overdispersion(small["x"], small["n"])
    assert od.outside == 0 and od.p_outside == 1.0 and not od.adjusted
    assert od.phi == pytest.approx(2.2905)
    _, areas, _, _ = proportion_funnel(small, "x", "n")
    assert (areas["significance"] == areas["plain_significance"]).all()


def test_tau2_is_zero_when_phi_is_small():
    # Every area exactly on the average: z = 0, phi = 0 < (I - 1) / I: tau^2 = 0.
    same = pd.DataFrame({"x": [20, 40, 60], "n": [100, 200, 300]})
    od = overdispersion(same["x"], same["n"])
    assert od.phi == 0 and od.tau2 == 0 and not od.adjusted


def test_overdispersion_refuses_bad_input():
    with pytest.raises(ValueError, match="two or more"):
        overdispersion([1], [10])
    with pytest.raises(ValueError, match="numerator"):
        overdispersion([11, 1], [10, 10])
