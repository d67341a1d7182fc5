import pytest

from wscb_analysis.metrics.referrals import (
    child_level_rereferrals,
    flag_rereferrals,
    referral_figures,
    rereferrals_by,
    rereferrals_over_time,
)
from wscb_analysis.periods import financial_year

from ..conftest import needs_shared
from ..helpers import frame

# Child A: June 2015, April 2016 (10 months later: re-referral, look-back before the period),
#          then April 2017 (12 months less 2 weeks: re-referral, but outside 2016-17).
# Child B: 1 May 2015, then 1 May 2016: exactly 12 months -> counts as within 12 months.
# Child C: 1 May 2015, then 2 May 2016: 12 months and a day -> not a re-referral.
# Child D: two referrals on the same day in 2016-17: the second is a re-referral (zero days).
# Child E: one referral in 2016-17.
REFERRALS = """
Child Unique ID,Date of referral,District,Referral Source
A,15/06/2015,Rugby,6
A,01/04/2016,Rugby,6
A,18/03/2017,Rugby,2A
B,01/05/2015,Warwick,6
B,01/05/2016,Warwick,6
C,01/05/2015,Warwick,6
C,02/05/2016,Warwick,2A
D,10/10/2016,Rugby,6
D,10/10/2016,Rugby,2A
E,11/11/2016,,6
"""


def test_rereferral_flags_by_hand():
    flagged = flag_rereferrals(frame("referrals", REFERRALS))
    assert flagged["rereferral"].tolist() == [
        False, True, True, False, True, False, False, False, True, False]


def test_referral_figures_2016_17():
    # In 2016-17: A x2 (01/04/2016, 18/03/2017), B, C, D x2, E = 7 referrals.
    # Re-referrals: A 01/04/2016 (prev June 2015), A 18/03/2017 (prev April 2016),
    # B (exactly 12 months), D second = 4.  Rate 4/7.
    f = referral_figures(frame("referrals", REFERRALS), financial_year("2016-17"))
    assert f == {"referrals": 7, "rereferrals": 4, "rereferral_rate": 4 / 7}


def test_quarter_and_empty_period():
    df = frame("referrals", REFERRALS)
    q3 = referral_figures(df, financial_year("2016-17", "Q3"))
    assert q3 == {"referrals": 3, "rereferrals": 1, "rereferral_rate": 1 / 3}
    none = referral_figures(df, financial_year("2019-20"))
    assert none == {"referrals": 0, "rereferrals": 0, "rereferral_rate": None}


def test_child_level_rate():
    # Children referred in 2016-17: A, B, C, D, E = 5; with a re-referral: A, B, D = 3.
    out = child_level_rereferrals(frame("referrals", REFERRALS), financial_year("2016-17"))
    assert out == {"children": 5, "children_rereferred": 3, "rate": 3 / 5}


def test_by_district_with_not_recorded():
    out = rereferrals_by(frame("referrals", REFERRALS), financial_year("2016-17"), "district")
    rows = {r.district: (r.referrals, r.rereferrals) for r in out.itertuples()}
    # Rugby: A x2 (both re), D x2 (one re); Warwick: B (re), C; E blank.
    assert rows == {"Rugby": (4, 3), "Warwick": (2, 1), "Not recorded": (1, 0)}


def test_over_time_by_year():
    out = rereferrals_over_time(frame("referrals", REFERRALS), by="year")
    assert out["period"].tolist() == ["2015-16", "2016-17"]
    assert out["referrals"].tolist() == [3, 7]
    assert out["rereferrals"].tolist() == [0, 4]


def test_lookback_window_keeps_exactly_what_can_decide():
    from wscb_analysis.metrics.referrals import lookback_window

    df = frame("referrals", REFERRALS)
    kept = lookback_window(df, financial_year("2016-17"))
    # From 01/04/2015 (12 months before 01/04/2016) to 31/03/2017: every row of the fixture.
    assert len(kept) == len(df)
    kept_q3 = lookback_window(df, financial_year("2016-17", "Q3"))
    # From 01/10/2015 to 31/12/2016: A 01/04/2016, B 01/05/2016, C 02/05/2016, D x2, E.
    assert kept_q3["child_id"].tolist() == ["A", "B", "C", "D", "D", "E"]


# ------------------------------------------------------------------ look-back held

def test_lookback_held_and_first_complete_day():
    from datetime import date

    from wscb_analysis.metrics.referrals import first_complete_day, lookback_held
    from wscb_analysis.periods import Period

    df = frame("referrals", REFERRALS)
    # Earliest referral 01/05/2015: a referral's 12 months are held from 01/05/2016.
    assert first_complete_day(df) == date(2016, 5, 1)
    # 2016-17 needs the year from 01/04/2015: not held; the page can say from when it is.
    assert lookback_held(df, financial_year("2016-17")) == date(2016, 5, 1)
    assert lookback_held(df, financial_year("2016-17", "Q2")) is True
    # Exactly 12 months before the start is enough.
    may = Period("May 2016", date(2016, 5, 1), date(2016, 5, 31), "2016-17")
    assert lookback_held(df, may) is True


def test_lookback_from_29_february_and_of_nothing():
    from datetime import date

    from wscb_analysis.io.load import empty_frame
    from wscb_analysis.metrics.referrals import first_complete_day, lookback_held

    leap = frame("referrals", "Child Unique ID,Date of referral\nA,29/02/2016\n")
    # 28/02/2017 looks back to 28/02/2016, a day the extract does not hold; 01/03/2017
    # looks back to 01/03/2016, which it does.
    assert first_complete_day(leap) == date(2017, 3, 1)
    assert first_complete_day(empty_frame("referrals")) is None
    assert lookback_held(empty_frame("referrals"), financial_year("2016-17")) is False


# ------------------------------------------------------------------ over time, short extracts

def test_over_time_drops_whole_periods_before_the_look_back_is_complete():
    from wscb_analysis.metrics.referrals import first_complete_day

    df = frame("referrals", REFERRALS)
    out = rereferrals_over_time(df, by="quarter", first_complete=first_complete_day(df))
    # Complete from 01/05/2016, so 2016-17 Q1 (from 01/04/2016) goes whole, with B and C.
    # Q3: D x2 (one re-referral), E; Q4: A 18/03/2017 (re-referral).
    assert out["period"].tolist() == ["2016-17 Q3", "2016-17 Q4"]
    assert out["referrals"].tolist() == [3, 1]
    assert out["rereferrals"].tolist() == [1, 1]


def test_over_time_on_a_few_months_and_on_nothing():
    from wscb_analysis.io.load import empty_frame
    from wscb_analysis.metrics.referrals import first_complete_day

    short = frame("referrals", "Child Unique ID,Date of referral\nA,01/05/2016\nA,01/06/2016\n")
    for by in ("year", "quarter", "month"):
        out = rereferrals_over_time(short, by=by, first_complete=first_complete_day(short))
        assert len(out) == 0
        assert list(out.columns) == ["period", "referrals", "rereferrals", "value"]
    assert len(rereferrals_over_time(empty_frame("referrals"), first_complete="2016-04-01")) == 0
    # Without first_complete the months are shown, the June referral a re-referral.
    by_month = rereferrals_over_time(short, by="month")
    assert by_month["rereferrals"].tolist() == [0, 1]
    with pytest.raises(ValueError, match="not a date"):
        rereferrals_over_time(short, first_complete="next spring")


@pytest.mark.parametrize("text", [
    None,  # empty frame
    "Child Unique ID,Date of referral,Referral NFA?,District\nZ,01/05/2010,Y,Rugby\n",
])
def test_referral_measures_on_empty_and_out_of_period(text):
    from wscb_analysis.io.load import empty_frame
    from wscb_analysis.metrics.referrals import nfa_share, recorded_rereferrals

    df = empty_frame("referrals") if text is None else frame("referrals", text)
    p = financial_year("2016-17")
    assert referral_figures(df, p) == {"referrals": 0, "rereferrals": 0,
                                       "rereferral_rate": None}
    assert child_level_rereferrals(df, p) == {"children": 0, "children_rereferred": 0,
                                              "rate": None}
    assert nfa_share(df, p) == {"nfa": 0, "known": 0, "rate": None}
    assert len(rereferrals_by(df, p, "district")) == 0
    # The return's own count: zeros for an empty frame; None where the column is absent.
    recorded = recorded_rereferrals(df, p)
    assert recorded is None if text else recorded == {
        "referrals": 0, "recorded": 0, "rereferrals": 0, "rate": None, "both": 0,
        "recorded_only": 0, "computed_only": 0, "recorded_zero": 0}


def test_referral_measures_on_one_row_in_period():
    from wscb_analysis.metrics.referrals import nfa_share

    df = frame("referrals", "Child Unique ID,Date of referral,Referral NFA?\nZ,01/05/2016,Y\n")
    p = financial_year("2016-17")
    assert referral_figures(df, p) == {"referrals": 1, "rereferrals": 0, "rereferral_rate": 0.0}
    assert nfa_share(df, p) == {"nfa": 1, "known": 1, "rate": 1.0}
    assert rereferrals_over_time(df, by="year").to_dict("records") == [
        {"period": "2016-17", "referrals": 1, "rereferrals": 0, "value": 0.0}]


# ------------------------------------------------------------------ the return's own count

# "Number of Referrals in Last 12 Months": the child's earlier referrals in the 12 months
# before this one, not counting it.
# M: first (0), then 01/09/2016 (1): a re-referral by the return and by the dates.
# N: 2 earlier referrals before the extract starts: a re-referral by the return only.
# O: 01/07/2016 then 01/08/2016, both recorded 0: a re-referral by the dates only.
# P: number left blank. Q: 2015, outside the period.
RECORDED = """
Child Unique ID,Date of referral,Number of Referrals in Last 12 Months
Q,01/05/2015,1
M,01/05/2016,0
M,01/09/2016,1
N,01/06/2016,2
O,01/07/2016,0
O,01/08/2016,0
P,01/10/2016,
"""


def test_recorded_rereferrals_beside_the_computed_ones():
    from wscb_analysis.metrics.referrals import recorded_rereferrals

    df = frame("referrals", RECORDED)
    out = recorded_rereferrals(df, financial_year("2016-17"))
    # In 2016-17: M x2, N, O x2, P = 6; recorded on 5 (not P); 1 or more: M's second, N.
    assert out == {"referrals": 6, "recorded": 5, "rereferrals": 2, "rate": 2 / 5,
                   "both": 1, "recorded_only": 1, "computed_only": 1, "recorded_zero": 3}
    # A system whose number counts the referral itself: 2 or more -> N only.
    inc = recorded_rereferrals(df, financial_year("2016-17"), includes_current=True)
    assert (inc["rereferrals"], inc["both"], inc["recorded_only"], inc["computed_only"]) == (
        1, 0, 1, 2)


def test_recorded_rereferrals_is_none_without_the_column():
    from wscb_analysis.metrics.referrals import recorded_rereferrals

    df = frame("referrals", REFERRALS)
    assert recorded_rereferrals(df, financial_year("2016-17")) is None
    assert recorded_rereferrals(frame("referrals", RECORDED), financial_year("2016-17"),
                                columns_present={"child_id", "referral_date"}) is None


@needs_shared
def test_recorded_rereferrals_on_social_finance_sample():
    """Lists 3 of Social Finance's Annex A sample (six referrals on 16/09/2020, numbers
    0, 2, 1, 0, 2, 0): three re-referrals by the return, none visible in the extract's dates,
    whose look-back is not held (from 16/09/2021 only)."""
    from datetime import date

    from wscb_analysis.io.load import load_source
    from wscb_analysis.metrics.referrals import lookback_held, recorded_rereferrals

    from ..conftest import SHARED_DATA

    result = load_source(SHARED_DATA / "external" / "liia-pipeline-csv" / "referrals.csv",
                         "referrals", use_cache=False)
    p = financial_year("2020-21")
    out = recorded_rereferrals(result.data, p, columns_present=set(result.columns_used))
    assert out == {"referrals": 6, "recorded": 6, "rereferrals": 3, "rate": 0.5, "both": 0,
                   "recorded_only": 3, "computed_only": 0, "recorded_zero": 3}
    assert referral_figures(result.data, p)["rereferrals"] == 0
    assert lookback_held(result.data, p) == date(2021, 9, 16)
