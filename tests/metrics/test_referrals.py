from wscb_analysis.metrics.referrals import (
    child_level_rereferrals,
    flag_rereferrals,
    referral_figures,
    rereferrals_by,
    rereferrals_over_time,
)
from wscb_analysis.periods import financial_year

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
