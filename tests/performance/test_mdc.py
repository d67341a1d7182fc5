"""Variation and assurance (Making Data Count) on hand-worked series for every state, and
against NHSRplotthedots' published test expectations.

Reference values: nhs-r-community/NHSRplotthedots, tests/testthat/_snaps/integration_tests.md
(commit 0c096d8), the serialised ``ptd_spc`` results of its integration tests on NHSRdatasets'
``ae_attendances`` summed over all trusts by month, April 2016 to March 2019:
"ae_all attendances spc", "... with rebase" (rebase at 2017-04-01) and "ae_all performance
spc" (performance = 1 - breaches / attendances, fix_after_n_points = 12, improvement
"increase"). The inputs (y) and the expected mean, lpl, upl and point_type below were decoded
from those snapshots; their own mean and limits reproduce from the inputs to 1e-15, which
checks the decoding. Assurance cases: tests/testthat/test-ptd_calculate_assurance_type.R.
"""

from __future__ import annotations

import pytest

from wscb_analysis.performance.mdc import (
    assurance_state,
    summarise,
    variation_state,
)
from wscb_analysis.stats import xmr

# ae_attendances, all trusts, attendances by month from April 2016 (36 months).
ATT = [1867781, 2070340, 1958802, 2079034, 1932901, 1952464, 2001816, 1907871, 1944567,
       1895272, 1735619, 2015834, 1949762, 2066789, 1994056, 2073944, 1924663, 1925961,
       2044137, 1976971, 2003954, 2000086, 1820012, 2049785, 1984369, 2164458, 2093942,
       2179896, 1997854, 2005695, 2079492, 2037847, 2047518, 2113413, 1954947, 2167550]
# ... and 4-hour performance (1 - breaches / attendances), same months.
PERF = [
    0.9003512724457525, 0.9027555860390081, 0.9055994429248081, 0.9028524786030435,
    0.909763097023593, 0.9064786853944554, 0.8905308979446662, 0.8837903610883545,
    0.8617594559611471, 0.851413411900772, 0.8753090395991286, 0.9000949482943537,
    0.9051525263083392, 0.8970035160821932, 0.9072518525056468, 0.9034785895858326,
    0.9029928875860346, 0.8966609396555797, 0.8994186788850258, 0.8876655246839736,
    0.8498503458662225, 0.8529918213516818, 0.8504476893558943, 0.8462121637147311,
    0.8857248828216929, 0.9039011151983545, 0.9076297242234981, 0.8931949047110505,
    0.8972702710007838, 0.8894368286304747, 0.8900933497219513, 0.8760446687116353,
    0.8644632183941728, 0.843525141560121, 0.8422525009629417, 0.8660427671795345,
]
CC, IMP, CON = "common_cause", "special_cause_improvement", "special_cause_concern"
# Published point_type of "ae_all performance spc".
PERF_TYPES = [CC] * 9 + [CON, CC] + [IMP] * 8 + [CC] + [CON] * 4 + [CC] * 5 + [CON] * 7
OURS = {"common cause": CC, "improvement": IMP, "concern": CON}


# --------------------------------------------------------------------------- published


def test_ae_all_attendances_limits_and_common_cause():
    s = summarise(ATT, "higher is better")
    # Published: mean 2000538.9444444445, lpl 1731844.3644444444, upl 2269233.5244444446,
    # every point common_cause, so the variation icon (the last point's type) is common cause.
    assert s.mean == pytest.approx(2000538.9444444445, rel=1e-12)
    assert s.lpl == pytest.approx(1731844.3644444444, rel=1e-12)
    assert s.upl == pytest.approx(2269233.5244444446, rel=1e-12)
    assert s.variation == "common cause" and s.points == 36 and not s.trial_limits
    assert not s.chart["special_cause"].any()


def test_ae_all_attendances_rebased_april_2017():
    # Rebase at 2017-04-01 = position 12. Published segment limits: first 12 months mean
    # 1946858.4166666667 (1639947.374848485 to 2253769.4584848485), then 2027379.2083333333
    # (1772921.0639855072 to 2281837.3526811595); every point common cause.
    s = summarise(ATT, "higher is better", rebase_at=[12])
    assert (s.mean, s.lpl, s.upl) == pytest.approx(
        (2027379.2083333333, 1772921.0639855072, 2281837.3526811595), rel=1e-12)
    assert s.points == 24 and s.variation == "common cause"
    first = s.chart.iloc[0]
    assert (first["mean"], first["lpl"], first["upl"]) == pytest.approx(
        (1946858.4166666667, 1639947.374848485, 2253769.4584848485), rel=1e-12)


def test_ae_all_performance_fixed_after_12_points():
    s = summarise(PERF, "higher is better", baseline_points=12)
    # Published: mean 0.8908915564349236, lpl 0.8614049789074258, upl 0.9203781339624213;
    # the last point is special_cause_concern, so the variation icon is concern.
    assert (s.mean, s.lpl, s.upl) == pytest.approx(
        (0.8908915564349236, 0.8614049789074258, 0.9203781339624213), rel=1e-12)
    assert s.variation == "special cause concerning" and s.direction == "low"
    # The same with the indicator's polarity reversed reads as improvement, and with no
    # better direction as "neither" (NHSRplotthedots: special_cause_neutral_low).
    assert summarise(PERF, "lower is better", baseline_points=12).variation == \
        "special cause improving"
    assert summarise(PERF, "neither", baseline_points=12).variation == "special cause neither"


@pytest.mark.parametrize("screen", [True, False])
def test_ae_all_performance_point_by_point(screen):
    # Every point's type as NHSRplotthedots published it, with its default screening of
    # moving ranges and without (no moving range of the first 12 reaches 3.267 AMR). Point 8
    # (0.8618, beyond the lower 2-sigma line 0.8712) is common cause: its neighbour 9 is below
    # the lower limit, which NHSRplotthedots does not count as "close to" it, so there is no
    # 2-of-3 pattern; 9 itself is outside the limits.
    chart = xmr(PERF, baseline_points=12, improvement="increase", screen_outliers=screen)
    assert [OURS[v] for v in chart["variation"]] == PERF_TYPES
    assert chart["rule"].iloc[8] == "" and chart["rule"].iloc[9] == "outside limits"


@pytest.mark.parametrize("lpl,upl,increase,decrease", [
    (1, 3, "consistently missed", "consistently met"),   # case a: target 4 above upl 3
    (5, 7, "consistently met", "consistently missed"),   # case b: target 4 below lpl 5
    (1, 5, "hit and miss", "hit and miss"),              # case c: target 4 between
])
def test_assurance_matches_nhsrplotthedots(lpl, upl, increase, decrease):
    # test-ptd_calculate_assurance_type.R: target 4; improvement "increase" gives
    # consistent_fail, consistent_pass, inconsistent; "decrease" the reverse.
    assert assurance_state(lpl, upl, 4, "at least") == increase
    assert assurance_state(lpl, upl, 4, "at most") == decrease


# --------------------------------------------------------------------------- by hand

# mean = 138 / 12 = 11.5; moving ranges 2,1,2,1,1,1,2,1,2,1,1 -> AMR = 15 / 11 = 1.3636;
# limits 11.5 -/+ 2.66 x 1.3636 = 7.873 to 15.127; 2-sigma lines 9.082 and 13.918, none
# beyond; no run of 7 on one side or 7 rising/falling.
STEADY = [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 11]
# The same shape ending at 30: mean 157 / 12 = 13.083, AMR 32 / 11 = 2.909, UPL 20.82, so the
# last point is outside the limits, high.
JUMP = [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 30]


def test_common_cause_by_hand():
    s = summarise(STEADY, "higher is better")
    assert s.variation == "common cause" and s.direction == "" and s.rule == ""
    assert s.mean == pytest.approx(11.5)
    assert (s.lpl, s.upl) == pytest.approx((11.5 - 2.66 * 15 / 11, 11.5 + 2.66 * 15 / 11))


@pytest.mark.parametrize("polarity,state", [
    ("higher is better", "special cause improving"),
    ("lower is better", "special cause concerning"),
    ("neither", "special cause neither"),
])
def test_special_cause_states_by_hand(polarity, state):
    s = summarise(JUMP, polarity)
    assert s.variation == state and s.direction == "high" and s.rule == "outside limits"
    assert s.upl == pytest.approx(157 / 12 + 2.66 * 32 / 11)


def test_a_run_that_includes_the_latest_point_flags_it():
    # 20,22 x3 then 10,11,10,11,10,11,10: mean 199 / 13 = 15.31; moving ranges 2 x5, 12, 1 x6
    # -> AMR 28 / 12 = 2.333; limits 9.10 to 21.52; lower 2-sigma line 15.31 - 4.14 = 11.17.
    # The last seven points are all below the mean (a shift) and beyond the 2-sigma line
    # (2 of 3, which outranks the shift); none is outside the limits. Lower is better here.
    values = [20, 22, 20, 22, 20, 22, 10, 11, 10, 11, 10, 11, 10]
    s = summarise(values, "lower is better")
    assert s.lpl == pytest.approx(199 / 13 - 2.66 * 28 / 12)
    assert s.variation == "special cause improving" and s.direction == "low"
    assert s.rule == "two of three"
    assert summarise(values, "higher is better").variation == "special cause concerning"


def test_too_few_points_and_trial_limits():
    five = summarise(STEADY[:5], "higher is better", target=12, target_direction="at least")
    assert (five.variation, five.assurance, five.points) == ("too few points",
                                                             "too few points", 5)
    assert summarise(STEADY[:5], "neither").assurance == "no target"
    six = summarise(STEADY[:6], "higher is better")
    assert six.variation == "common cause" and six.trial_limits and six.points == 6
    assert not summarise(STEADY, "higher is better").trial_limits  # 12 points
    # A rebase leaves 5 points in the latest segment: too few again.
    assert summarise(STEADY + [11, 12, 11, 12, 11], "higher is better",
                     rebase_at=[12]).variation == "too few points"


@pytest.mark.parametrize("target,direction,state", [
    (7, "at least", "consistently met"),        # 7 < LPL 7.873: every value beats it
    (16, "at least", "consistently missed"),    # 16 > UPL 15.127: none reaches it
    (12, "at least", "hit and miss"),           # between the limits
    (16, "at most", "consistently met"),
    (7, "at most", "consistently missed"),
    (12, "at most", "hit and miss"),
    (None, None, "no target"),
])
def test_assurance_states_by_hand(target, direction, state):
    s = summarise(STEADY, "higher is better" if direction != "at most" else "lower is better",
                  target=target, target_direction=direction)
    assert s.assurance == state


def test_a_target_on_a_limit_is_hit_and_miss():
    # NHSRplotthedots compares strictly: a target equal to a limit can be met by chance.
    assert assurance_state(5.0, 9.0, 5.0, "at least") == "hit and miss"
    assert assurance_state(5.0, 9.0, 9.0, "at most") == "hit and miss"


def test_variation_state_words():
    assert variation_state(False, "", "higher is better") == "common cause"
    assert variation_state(True, "low", "higher is better") == "special cause concerning"
    assert variation_state(True, "low", "lower is better") == "special cause improving"
    assert variation_state(True, "low", "neither") == "special cause neither"
    with pytest.raises(ValueError, match="at least"):
        assurance_state(1, 2, 3, "above")


# --------------------------------------------------------------------------- the process changed

# Twelve steady values (STEADY: limits 7.873 to 15.127), then four above the upper limit.
RISEN = STEADY + [16, 17, 18, 19]


def test_assurance_under_special_cause_is_qualified_and_never_missing_when_latest_meet():
    # Limits from all 16 points: mean (138 + 70) / 16 = 13; moving ranges 2,1,2,1,1,1,2,1,2,1,
    # 1 (15), 5, 1, 1, 1 (8) -> AMR 23 / 15 = 1.5333; limits 13 -/+ 4.0787 = 8.921 to 17.079.
    # The last two (18, 19) are above the upper limit. A target of at least 17.5 lies above
    # the upper limit too, so the limits call it "consistently missed" (the case:
    # 89.0% against at least 85%); but the latest values (18, 19: the run flagged "outside
    # limits") all meet it, so the judgement is qualified and says so.
    s = summarise(RISEN, "higher is better", target=17.5, target_direction="at least")
    assert (s.lpl, s.upl) == pytest.approx((13 - 2.66 * 23 / 15, 13 + 2.66 * 23 / 15))
    assert s.variation == "special cause improving" and s.rule == "outside limits"
    assert s.assurance == "consistently missed"
    assert s.process_changed and s.assurance_qualified and s.latest_meet_target is True
    # A target of at least 20 lies above the upper limit: "consistently missed" from limits the
    # process has left (qualified); the latest values, 18 and 19, do not all meet it.
    high = summarise(RISEN, "higher is better", target=20, target_direction="at least")
    assert high.assurance == "consistently missed" and high.assurance_qualified
    assert high.latest_meet_target is False
    # Common cause: nothing to qualify.
    steady = summarise(STEADY, "higher is better", target=16, target_direction="at least")
    assert steady.assurance == "consistently missed" and not steady.assurance_qualified
    assert steady.latest_meet_target is False  # the latest, 11, is below 16
