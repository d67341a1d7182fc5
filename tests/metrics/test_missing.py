from wscb_analysis.metrics.missing import children_by_year, missing_figures, monthly_counts
from wscb_analysis.periods import financial_year

from ..helpers import frame

EPISODES = """
Child ID,Type,Start,End,Looked After,RHI Offered,RHI Accepted
P1,Missing,01/05/2016,02/05/2016,N,Y,Y
P1,Absent,10/05/2016,10/05/2016,N,Y,N
P1,Missing,20/07/2016,21/07/2016,N,N,N
P2,Away,03/06/2016,04/06/2016,Y,Y,Y
P3,Missing,03/06/2016,,N,,
P4,Missing,30/03/2016,01/04/2016,N,Y,N
"""


def test_missing_figures_by_hand():
    f = missing_figures(frame("missing", EPISODES), financial_year("2016-17"))
    # P4's episode started in 2015-16, so 5 episodes in 2016-17: 3 Missing, 1 Away, 1 Absent.
    assert f["episodes"] == 5
    assert (f["missing_episodes"], f["away_episodes"], f["absent_episodes"]) == (3, 1, 1)
    # Children P1, P2, P3; only P1 has 2 or more episodes.
    assert f["children"] == 3 and f["children_repeat"] == 1
    # RHI offered on 3 episodes (P1 twice, P2), accepted on 2 (P1 first, P2).
    assert f["rhi_offered"] == 3 and f["rhi_accepted"] == 2
    assert f["looked_after_episodes"] == 1


def test_monthly_counts_fill_empty_months():
    out = monthly_counts(frame("missing", EPISODES), start="2016-04", end="2016-08")
    assert out["episodes"].tolist() == [0, 2, 2, 1, 0]
    assert out["children"].tolist() == [0, 1, 2, 1, 0]


def test_children_by_year():
    out = children_by_year(frame("missing", EPISODES)).set_index("year")
    assert out.loc["2016-17", "children"] == 3 and out.loc["2015-16", "children"] == 1
    assert out.loc["2016-17", "children_repeat"] == 1
