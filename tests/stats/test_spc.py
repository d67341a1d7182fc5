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


# ------------------------------------------------------------------ NHSRplotthedots' examples
#
# Reference: nhs-r-community/NHSRplotthedots (the NHS-R Community's implementation of Making
# Data Count), its own tests. Its defaults: screen_outliers = TRUE, improvement "increase".

# tests/testthat/test-ptd_spc_standard.R: set.seed(123); y = rnorm(20) (R's values, to the 8
# decimals R prints them).
RNORM_123 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499,
             0.46091621, -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383,
             0.40077145, 0.11068272, -0.55584113, 1.78691314, 0.49785048, -1.96661716,
             0.70135590, -0.47279141]


def test_nhsr_rnorm_20_limits_and_common_cause():
    # tests/testthat/_snaps/ptd_spc.md, "it outputs expected content": mean 0.142,
    # lpl -3.01, upl 3.29, n 20, common_cause 20 (printed to 3 significant figures).
    out = xmr(RNORM_123, screen_outliers=True, improvement="increase")
    assert round(out["mean"].iloc[0], 3) == 0.142
    assert (round(out["lpl"].iloc[0], 2), round(out["upl"].iloc[0], 2)) == (-3.01, 3.29)
    assert (out["variation"] == "common cause").sum() == 20


def test_nhsr_rnorm_20_in_two_groups_of_ten():
    # The same snapshot with facet_field: the first ten and the last ten, each its own limits
    # (NHSRplotthedots groups by facet and rebase group alike): 0.0746 (-2.60 to 2.75) and
    # 0.209 (-3.28 to 3.70), all common cause. A rebase at the eleventh point does the same.
    out = xmr(RNORM_123, screen_outliers=True, rebase_at=[10])
    first, second = out.iloc[0], out.iloc[10]
    assert (round(first["mean"], 4), round(first["lpl"], 2), round(first["upl"], 2)) == (
        0.0746, -2.60, 2.75)
    assert (round(second["mean"], 3), round(second["lpl"], 2), round(second["upl"], 2)) == (
        0.209, -3.28, 3.70)
    assert not out["special_cause"].any()


def test_nhsr_two_close_points_on_opposite_sides_are_common_cause():
    # test-ptd_spc_standard.R, "it only reports special cause for 2 of 3 points close to
    # limits when they are on the same side of the mean": 1, -1 repeated 8 times, then the
    # 15th and 16th set to 5.5 and -5.5. By hand: mean 0; moving ranges 2 x 13, 6.5, 11 ->
    # AMR 43.5 / 15 = 2.9; limits -/+ 7.714, 2-sigma lines -/+ 5.143: both points are close
    # to a limit, on opposite sides. Expected: the last two points common_cause.
    values = [1, -1] * 8
    values[14], values[15] = 5.5, -5.5
    out = xmr(values, screen_outliers=True, improvement="increase")
    assert out["upl"].iloc[0] == pytest.approx(2.66 * 32.5 / 14)
    assert out["variation"].tolist()[-2:] == ["common cause", "common cause"]


@pytest.mark.parametrize("values,flagged,direction", [
    # test-ptd_calculate_point_type.R, ptd_seven_point_trend and ptd_part_of_seven_trend:
    # 1:7 is a trend ending at the 7th point, and all 7 are part of it; c(2, 1:7, 3) flags the
    # 2nd to 8th; a tie (1:3, 3:6) breaks it. Here the limits are wide enough (checked below)
    # for the trend rule to be the one that flags them.
    ([2, 1, 2, 3, 4, 5, 6, 7, 3], [1, 2, 3, 4, 5, 6, 7], "high"),
    ([2, 7, 6, 5, 4, 3, 2, 1, 3], [1, 2, 3, 4, 5, 6, 7], "low"),
    ([1, 2, 3, 3, 4, 5, 6, 5, 4], [], ""),
])
def test_nhsr_seven_point_trends(values, flagged, direction):
    out = xmr(values)
    # [2, 1, 2, ..., 7, 3]: mean 33/9 = 3.667, AMR 11/8 = 1.375, limits -0.03 to 7.32; the
    # falling case mirrors it.
    assert not flagged or not (out["rule"] == "outside limits").any()
    assert [i for i, r in enumerate(out["rule"]) if r == "trend"] == flagged
    assert set(out.loc[out["rule"] == "trend", "direction"]) == ({direction} - {""})


# A baseline that fixes wide limits, so only the points after it are judged: 0, 10 x 6 ->
# mean 5, AMR 10, process limits 5 -/+ 26.6 (-21.6 to 31.6), 2-sigma lines 5 -/+ 17.733
# (-12.733 to 22.733).
BASE = [0, 10] * 6


def test_two_of_three_counts_only_points_between_the_two_sigma_line_and_the_limit():
    # NHSRplotthedots (R/ptd_spc_standard.R): close_to_limits = !outside_limits & beyond the
    # 2-sigma line. 25 and 24 are close (above 22.733, below 31.6), with 6 above the mean: a
    # 2-of-3 pattern, and only the close points are flagged.
    two = xmr(BASE + [25, 6, 24], baseline_points=12)
    assert two["rule"].tolist()[12:] == ["two of three", "", "two of three"]
    assert two["direction"].tolist()[12:] == ["high", "", "high"]
    # 35 is beyond the limit (outside limits), so it is not "close": with one close point
    # (25) there is no 2-of-3, and 25 stays common cause.
    one = xmr(BASE + [35, 25, 6], baseline_points=12)
    assert one["rule"].tolist()[12:] == ["outside limits", "", ""]
    # Two close points with the third on the other side of the mean: no pattern.
    split = xmr(BASE + [25, 4, 24], baseline_points=12)
    assert split["rule"].tolist()[12:] == ["", "", ""]


def test_a_trend_is_judged_by_its_direction_even_across_the_mean():
    # NHSRplotthedots since 0.2 (issue #171, pull request #180, as NHS England's spreadsheet):
    # a point of a 7-point trend is improvement or concern by the trend's direction, not by
    # the side of the mean it lies on. Seven points rising from 1 to 7 all lie below the mean
    # 5 (and inside the limits): each is "high" (rising), so an improvement where higher is
    # better, a concern where lower is.
    rising = BASE + [1, 2, 3, 4, 5, 6, 7]
    up = xmr(rising, baseline_points=12, improvement="increase")
    assert up["rule"].tolist()[12:] == ["trend"] * 7
    assert up["direction"].tolist()[12:] == ["high"] * 7
    assert up["variation"].tolist()[12:] == ["improvement"] * 7
    down = xmr(rising, baseline_points=12, improvement="decrease")
    assert down["variation"].tolist()[12:] == ["concern"] * 7
    # Crossing the mean (3 to 9 around 5) changes nothing: rising is rising.
    across = xmr(BASE + [3, 4, 5, 6, 7, 8, 9], baseline_points=12, improvement="increase")
    assert across["variation"].tolist()[12:] == ["improvement"] * 7


def test_where_a_falling_run_meets_a_rising_one_the_point_takes_the_run_to_its_right():
    # 9 down to 3 (7 falling) then 3 up to 9 (7 rising): the 3 belongs to both runs, and
    # NHSRplotthedots gives it the direction of the step to its right (rising).
    values = BASE + [9, 8, 7, 6, 5, 4, 3, 4, 5, 6, 7, 8, 9]
    out = xmr(values, baseline_points=12)
    assert out["rule"].tolist()[12:] == ["trend"] * 13
    assert out["direction"].tolist()[12:] == ["low"] * 6 + ["high"] * 7


def test_shift_and_outside_limits_by_the_side_of_the_mean():
    # Seven points at 6 (above the mean 5) then 40 (beyond 31.6): shift "high" and outside
    # limits "high"; seven at 4 then -30 (below -21.6): "low" for both.
    high = xmr(BASE + [6] * 7 + [40], baseline_points=12)
    assert high["rule"].tolist()[12:] == ["shift"] * 7 + ["outside limits"]
    assert set(high["direction"].iloc[12:]) == {"high"}
    low = xmr(BASE + [4] * 7 + [-30], baseline_points=12)
    assert set(low["direction"].iloc[12:]) == {"low"}
