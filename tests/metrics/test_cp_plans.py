import numpy as np

from wscb_analysis.metrics.cp_plans import (
    DURATION_BANDS,
    cp_plan_figures,
    duration_band,
    plans_open_at,
)
from wscb_analysis.periods import financial_year

from ..helpers import frame


def test_duration_bands_at_their_edges():
    start = np.array(["2016-01-31"] * 1 + ["2016-04-01"] * 8, dtype="datetime64[D]")
    end = np.array([
        "2016-04-30",  # 31 Jan + 3 months = 30 Apr: "3 months or less"
        "2016-07-01",  # 1 Apr + 3 months = 1 Jul: still 3 months or less
        "2016-07-02",  # a day more: more than 3 months
        "2016-10-01",  # exactly 6 months: more than 3 to 6 months
        "2016-10-02",  # more than 6 months
        "2017-03-31",  # a day under a year
        "2017-04-01",  # exactly 1 year: "1 year to less than 2 years"
        "2018-03-31",  # a day under 2 years
        "2018-04-01",  # exactly 2 years: "2 years and over"
    ], dtype="datetime64[D]")
    b = DURATION_BANDS
    assert list(duration_band(start, end)) == [b[0], b[0], b[1], b[1], b[2], b[2], b[3], b[3],
                                               b[4]]


# Child X: plan 2012-13 ending 01/06/2014, second plan 01/05/2016 (within 2 years of the end),
#          column left blank -> history makes it subsequent.
# Child Y: one plan 2016-17 with "Number of Previous Child Protection Plans" 2 -> third plan.
# Child Z: first plan 01/06/2016, ended 10/06/2016 (3 months or less).
# Child W: plan from 01/03/2015 ended 01/03/2017 (2 years exactly: 2 years and over).
# Child V: plan from 15/03/2015 still open: open at 31/03/2017 for 2 years and 16 days.
# Child U: plan 01/01/2013-01/02/2014, next 01/03/2016 (more than 2 years after the end),
#          column says 1.
PLANS = """
Child Unique ID,CP Plan Start Date,CP Plan End Date,Number of Previous CP Plans,Initial Category
X,01/01/2013,01/06/2014,0,Neglect
X,01/05/2016,,,Neglect
Y,01/07/2016,01/12/2016,2,Emotional abuse
Z,01/06/2016,10/06/2016,0,Physical abuse
W,01/03/2015,01/03/2017,0,Neglect
V,15/03/2015,,0,Neglect
U,01/01/2013,01/02/2014,0,Neglect
U,01/03/2016,20/04/2016,1,Neglect
"""


def test_cp_plan_figures_by_hand():
    f = cp_plan_figures(frame("cp_plans", PLANS), financial_year("2016-17"))
    # Started in 2016-17: X(2nd), Y(3rd), Z(1st) -> 3, of which subsequent 2.
    assert f["started"] == 3
    assert f["second_or_subsequent"] == 2
    assert f["second_or_subsequent_rate"] == 2 / 3
    # Within 2 years of the previous plan ending: X (01/06/2014 -> 01/05/2016). Y's previous
    # plans are not in the extract, so it cannot be judged: 1 of the 1 that can be.
    assert f["second_within_2_years"] == 1
    assert f["second_previous_end_known"] == 1 and f["second_within_2_years_rate"] == 1.0
    assert f["third_or_later"] == 1
    # Ended in 2016-17: Y (5 months), Z (9 days), W (2 years), U (20/04/2016, 7 weeks) = 4.
    assert f["ended"] == 4
    assert f["ended_by_duration"] == {
        "3 months or less": 2, "more than 3 months to 6 months": 1,
        "more than 6 months to less than 1 year": 0, "1 year to less than 2 years": 0,
        "2 years and over": 1}
    assert f["ended_2_years_plus"] == 1 and f["ended_2_years_plus_rate"] == 1 / 4
    # Open at 31/03/2017: X (since 01/05/2016), V (since 15/03/2015: 2 years+) = 2.
    assert f["open_at_end"] == 2 and f["open_2_years_plus"] == 1


def test_u_is_subsequent_but_not_within_2_years():
    df = frame("cp_plans", PLANS)
    f = cp_plan_figures(df, financial_year("2015-16"))
    # Started in 2015-16: W (01/03/2015 is 2014-15, no), U second (01/03/2016) -> 1 started.
    assert f["started"] == 1 and f["second_or_subsequent"] == 1
    assert f["second_within_2_years"] == 0


def test_open_at_counts_a_plan_ending_that_day_as_closed():
    df = frame("cp_plans", PLANS)
    open_then = plans_open_at(df, "2017-03-01")
    assert "W" not in open_then["child_id"].tolist()  # ended 01/03/2017


# Repeat plans started in 2016-17 and whether "within 2 years of the previous plan ending"
# can be judged:
# X: previous plan in the extract ended 01/06/2014; next starts 01/06/2016, exactly 24
#    months later -> judged, within (on or before end + 24 months).
# T: previous ended 01/02/2014; next starts 15/02/2017, three years later -> judged, not within.
# Y: "Number of Previous CP Plans" 1, no earlier plan in the extract -> repeat, cannot be judged.
# Z: a first plan -> not a repeat.
# W: plans 2015 (ended 01/07/2015) and 02/07/2015-01/02/2016, third from 01/10/2016: judged
#    against the second plan's end (8 months) -> within; a third plan.
REPEATS = """
Child Unique ID,CP Plan Start Date,CP Plan End Date,Number of Previous CP Plans
X,01/01/2013,01/06/2014,0
X,01/06/2016,,
T,01/01/2012,01/02/2014,0
T,15/02/2017,,1
Y,01/07/2016,,1
Z,01/05/2016,,0
W,01/04/2015,01/07/2015,0
W,02/07/2015,01/02/2016,1
W,01/10/2016,,2
"""


def test_within_2_years_is_out_of_the_repeat_plans_that_can_be_judged():
    f = cp_plan_figures(frame("cp_plans", REPEATS), financial_year("2016-17"))
    # Started: X, T, Y, Z, W(3rd) = 5; repeat: X, T, Y, W = 4.
    assert f["started"] == 5 and f["second_or_subsequent"] == 4
    # Previous end known in the extract: X, T, W = 3 (not Y); within 2 years: X, W = 2.
    assert f["second_previous_end_known"] == 3
    assert f["second_within_2_years"] == 2
    assert f["second_within_2_years_rate"] == 2 / 3
    assert f["third_or_later"] == 1


def test_within_2_years_rate_is_none_when_nothing_can_be_judged():
    # Y alone: a repeat plan by the column, no earlier plan in the extract.
    f = cp_plan_figures(frame("cp_plans", REPEATS), financial_year("2016-17", "Q2"))
    assert (f["started"], f["second_or_subsequent"]) == (1, 1)
    assert f["second_previous_end_known"] == 0 and f["second_within_2_years"] == 0
    assert f["second_within_2_years_rate"] is None


def test_plans_on_empty_one_row_and_out_of_period_frames():
    from wscb_analysis.io.load import empty_frame
    from wscb_analysis.metrics.cp_plans import started_by_category

    p = financial_year("2016-17")
    one_in = frame("cp_plans", "Child Unique ID,CP Plan Start Date\nQ,01/05/2016\n")
    one_out = frame("cp_plans", "Child Unique ID,CP Plan Start Date,CP Plan End Date\n"
                                "Q,01/05/2010,01/06/2010\n")
    for df in (empty_frame("cp_plans"), one_out):
        f = cp_plan_figures(df, p)
        assert f["started"] == f["ended"] == f["open_at_end"] == 0
        assert f["second_or_subsequent_rate"] is None and f["ended_2_years_plus_rate"] is None
        assert f["second_within_2_years_rate"] is None and f["second_previous_end_known"] == 0
        assert len(started_by_category(df, p)) == 0
    f = cp_plan_figures(one_in, p)
    # One first plan from 01/05/2016, still open at 31/03/2017 (11 months: under 2 years).
    assert (f["started"], f["second_or_subsequent"], f["open_at_end"],
            f["open_2_years_plus"]) == (1, 0, 1, 0)
    assert started_by_category(one_in, p).to_dict("records") == [
        {"category": "Not recorded", "plan": "First", "plans": 1}]
