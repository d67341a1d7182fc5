"""XmR charts on hand-worked examples (Making Data Count's formulas and rules)."""

from __future__ import annotations

import pytest

from wscb_analysis.stats import xmr


def test_limits_and_outside_and_shift_by_hand():
    values = [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 30]
    out = xmr(values)
    # mean = 157/12 = 13.0833; moving ranges 2,1,2,1,1,1,2,1,2,1,18 -> AMR = 32/11 = 2.9091
    # UPL = 13.0833 + 2.66 x 2.9091 = 20.8215; LPL = 5.3452; 2-sigma = 13.0833 -/+ 5.1588
    assert out["mean"].iloc[0] == pytest.approx(157 / 12)
    assert out["upl"].iloc[0] == pytest.approx(157 / 12 + 2.66 * 32 / 11)
    assert out["lpl"].iloc[0] == pytest.approx(157 / 12 - 2.66 * 32 / 11)
    assert out["upper_2sigma"].iloc[0] == pytest.approx(157 / 12 + 2 / 3 * 2.66 * 32 / 11)
    # The 30 is above the UPL; the 11 points before it all sit below the mean: a shift.
    assert out["rule"].tolist() == ["shift"] * 11 + ["outside limits"]
    assert out["direction"].tolist() == ["low"] * 11 + ["high"]
    assert not out["trial_limits"].any()  # 12 points


def test_screening_moving_ranges():
    values = [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 30]
    out = xmr(values, screen_outliers=True)
    # MR 18 >= 3.267 x 2.9091 = 9.504 is dropped: AMR = 14/10 = 1.4.
    assert out["upl"].iloc[0] == pytest.approx(157 / 12 + 2.66 * 1.4)


def test_trend_rule_and_priority():
    values = [5, 6, 7, 8, 9, 10, 11, 5, 6, 5, 6, 5]
    out = xmr(values)
    # mean 83/12 = 6.9167, AMR 16/11 = 1.4545, UPL 10.786: the 11 is outside the limits,
    # which outranks the trend it ends; the six points before it are the trend.
    assert out["rule"].tolist()[:7] == ["trend"] * 6 + ["outside limits"]
    assert out["special_cause"].tolist()[7:] == [False] * 5


def test_a_tie_breaks_a_trend():
    out = xmr([1, 2, 3, 3, 4, 5, 6, 7, 1, 1, 2, 1])
    assert "trend" not in out["rule"].tolist()


def test_two_of_three_beyond_two_sigma():
    values = [9, 11] * 5 + [14, 11, 14]
    out = xmr(values, baseline_points=10)
    # Baseline mean 10, AMR 2: UPL 15.32, upper 2-sigma 13.547. 14, 11, 14 all above the
    # mean with two beyond the 2-sigma line: those two are flagged.
    assert out["upl"].iloc[0] == pytest.approx(15.32)
    assert out["rule"].tolist()[10:] == ["two of three", "", "two of three"]


def test_a_point_on_the_mean_breaks_a_shift():
    # Baseline 0, 10, 0, 10, ...: mean 5, AMR 10, so the limits are wide and only the run
    # rules can fire on the points after it.
    baseline = [0, 10] * 6
    broken = xmr(baseline + [4, 4, 4, 4, 4, 4, 5, 4], baseline_points=12)
    assert broken["mean"].iloc[0] == 5 and broken["upl"].iloc[0] == pytest.approx(31.6)
    assert broken["rule"].tolist()[12:] == [""] * 8  # 6 below, one on the mean, one below
    shifted = xmr(baseline + [4] * 8, baseline_points=12)
    assert shifted["rule"].tolist()[12:] == ["shift"] * 8
    assert shifted["direction"].tolist()[12:] == ["low"] * 8


def test_rebase_and_trial_limits_and_improvement():
    values = [20, 22, 21, 23, 22, 21, 10, 11, 9, 10, 11, 10]
    out = xmr(values, rebase_at=[6], improvement="decrease")
    assert out["segment"].tolist() == [0] * 6 + [1] * 6
    assert out["mean"].iloc[0] == pytest.approx(129 / 6)
    assert out["mean"].iloc[-1] == pytest.approx(61 / 6)
    assert out["trial_limits"].all()  # 6 points per segment: trial limits
    whole = xmr(values, improvement="decrease")
    # Without the rebase the fall shows as special cause, and lower is improvement.
    assert (whole.loc[whole["direction"] == "low", "variation"] == "improvement").all()
    assert (whole.loc[whole["direction"] == "high", "variation"] == "concern").all()


def test_errors():
    with pytest.raises(ValueError):
        xmr([])
    with pytest.raises(ValueError):
        xmr([1, float("nan"), 2])
    with pytest.raises(ValueError):
        xmr([1, 2, 3], improvement="up")


# ------------------------------------------------------------------ review case 11


def test_case11_a_short_baseline_gives_trial_limits_and_says_why():
    out = xmr(list(range(20)), baseline_points=6)
    # Limits from 0..5 only: mean 15/6 = 2.5, five moving ranges of 1 -> AMR 1,
    # UPL = 2.5 + 2.66 = 5.16, LPL = 2.5 - 2.66 = -0.16. Six points, not 12: trial limits,
    # however long the series (20 points) they are drawn across.
    assert out["upl"].iloc[0] == pytest.approx(5.16) and out["lpl"].iloc[0] == pytest.approx(-0.16)
    assert out["trial_limits"].all()
    assert (out["baseline_n"] == 6).all()
    reason = out["trial_reason"].iloc[-1]
    assert "first 6 points" in reason and "12" in reason
    # The Making Data Count rules still apply: 6..19 lie above the UPL (outside limits
    # outranks the trend); 0..5 belong to a run of 20 strictly rising points (trend).
    assert out["rule"].tolist() == ["trend"] * 6 + ["outside limits"] * 14


def test_case11_firm_limits_from_twelve_points_and_reasons_per_segment():
    values = [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 11] * 2
    firm = xmr(values, baseline_points=12)
    assert not firm["trial_limits"].any() and (firm["trial_reason"] == "").all()
    # A baseline longer than its segment uses the segment: 12 points here, so firm limits.
    assert not xmr(values[:12], baseline_points=15)["trial_limits"].any()
    # Rebased after 16 points: the first segment (16 points) is firm, the second (8) trial.
    split = xmr(values, rebase_at=[16])
    assert split["trial_limits"].tolist() == [False] * 16 + [True] * 8
    assert split["baseline_n"].tolist() == [16] * 16 + [8] * 8
    assert "only 8 points" in split["trial_reason"].iloc[-1]


def test_case11_baseline_needs_a_moving_range():
    with pytest.raises(ValueError, match="baseline_points must be 2 or more"):
        xmr([1, 2, 3, 4], baseline_points=1)
