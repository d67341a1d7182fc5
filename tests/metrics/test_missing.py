"""Children missing: every key of the contract's block, worked out by hand."""

import pandas as pd
import pytest

from wscb_analysis.io.load import empty_frame, load_source, read_text_table, validate_table
from wscb_analysis.io.schemas import SOURCES
from wscb_analysis.metrics.missing import (
    MEASURES,
    children_by_year,
    figures_by_population,
    missing_figures,
    monthly_counts,
    rhi_rates,
)
from wscb_analysis.periods import financial_year

from ..conftest import SHARED_DATA, needs_shared
from ..helpers import frame

Y2016 = financial_year("2016-17")  # 1 April 2016 to 31 March 2017

# A: two Absent episodes only (one with an RHI recorded)  -> not in children; in absent.
# B: looked after; one Missing (RHI offered, not accepted) and one Away -> in children and
#    children_away, not repeat.
# C: two Missing episodes -> repeat; RHI offered and accepted on the first only.
# D: Missing from 20/03/2017, still open -> in children and missing at the end.
# E: Missing ending on 31/03/2017 -> in children, not missing at the end. RHI offered.
# F: looked after; Missing since 15/02/2016 (before the period), still open -> missing at the
#    end, not in children (its episode did not start in the period).
# G: Missing, looked-after status left blank.
# H: looked after; Away from 30/03/2017, open -> away at the end. RHI recorded (ignored: not
#    a Missing episode).
# I: Missing on 01/04/2017, after the period -> not counted.
EPISODES = """
Child ID,Type,Start,End,Looked After,RHI Offered,RHI Accepted
A,Absent,01/05/2016,01/05/2016,N,Y,Y
A,Absent,01/06/2016,01/06/2016,N,,
B,Missing,10/05/2016,11/05/2016,Y,Y,N
B,Away,12/06/2016,12/06/2016,Y,,
C,Missing,01/07/2016,02/07/2016,N,Y,Y
C,Missing,01/09/2016,03/09/2016,N,N,N
D,Missing,20/03/2017,,N,,
E,Missing,25/03/2017,31/03/2017,N,Y,N
F,Missing,15/02/2016,,Y,,
G,Missing,01/01/2017,02/01/2017,,N,N
H,Away,30/03/2017,,Y,Y,Y
I,Missing,01/04/2017,02/04/2017,N,,
"""


@pytest.fixture
def episodes():
    return frame("missing", EPISODES)


def test_every_key_of_the_block_by_hand(episodes):
    f = missing_figures(episodes, Y2016)
    # Starting in 2016-17: A x2, B x2, C x2, D, E, G, H = 10 (F before, I after).
    assert f["episodes"] == 10
    # Missing: B, C x2, D, E, G = 6; Away: B, H = 2; Absent: A x2 = 2.
    assert (f["missing_episodes"], f["away_episodes"], f["absent_episodes"]) == (6, 2, 2)
    # Children with a Missing episode starting in the period: B, C, D, E, G (not A: Absent
    # only; not F: started before; not I: after).
    assert f["children"] == 5
    assert f["children_repeat"] == 1  # C; B's Missing + Away is not repeat
    assert f["children_away"] == 2  # B (who also went missing) and H
    assert f["children_away_repeat"] == 0
    assert f["children_absent"] == 1  # A
    # Open at the end of 31/03/2017: D (no end), F (started 2016, no end). E ended that day.
    assert f["missing_at_end"] == 2
    assert f["away_at_end"] == 1  # H
    # RHI per Missing episode: offered on B, C (first), E = 3; accepted on C (first) = 1.
    # A's Absent and H's Away episodes have RHIs recorded, which do not count.
    assert (f["rhi_offered"], f["rhi_accepted"]) == (3, 1)


def test_looked_after_and_from_home_counted_apart(episodes):
    f = missing_figures(episodes, Y2016)
    # Looked after: B (Missing, Away), H (Away) start in the period; F is open at the end.
    la = {k: f["looked_after_" + k] for k in MEASURES}
    assert la == {
        "episodes": 3, "missing_episodes": 1, "away_episodes": 2, "absent_episodes": 0,
        "children": 1, "children_repeat": 0, "children_away": 2, "children_away_repeat": 0,
        "children_absent": 0, "missing_at_end": 1, "away_at_end": 1,
        "rhi_offered": 1, "rhi_accepted": 0}
    # Not looked after: A x2 (Absent), C x2, D, E (Missing).
    nla = {k: f["not_looked_after_" + k] for k in MEASURES}
    assert nla == {
        "episodes": 6, "missing_episodes": 4, "away_episodes": 0, "absent_episodes": 2,
        "children": 3, "children_repeat": 1, "children_away": 0, "children_away_repeat": 0,
        "children_absent": 1, "missing_at_end": 1, "away_at_end": 0,
        "rhi_offered": 2, "rhi_accepted": 1}
    # G's status is blank: in neither population, counted as not recorded.
    assert f["looked_after_status_not_recorded_episodes"] == 1
    assert f["looked_after_episodes"] + f["not_looked_after_episodes"] + 1 == f["episodes"]


def test_a_child_who_came_into_care_counts_in_both_populations():
    f = missing_figures(frame("missing", """
        Child ID,Type,Start,End,Looked After
        J,Missing,01/05/2016,02/05/2016,N
        J,Missing,01/08/2016,02/08/2016,Y
        """), Y2016)
    assert f["children"] == 1 and f["children_repeat"] == 1
    # One Missing episode in each population: a child in each, repeat in neither.
    assert f["looked_after_children"] == 1 and f["not_looked_after_children"] == 1
    assert f["looked_after_children_repeat"] == 0 and f["not_looked_after_children_repeat"] == 0


def test_tidy_table_by_population(episodes):
    t = figures_by_population(episodes, Y2016)
    assert list(t.columns) == ["population", "measure", "value"]
    assert t["population"].unique().tolist() == [
        "All", "Looked after", "Not looked after", "Not recorded"]
    v = t.set_index(["population", "measure"])["value"]
    assert v["All", "children"] == 5 and v["Looked after", "children"] == 1
    assert v["Not looked after", "children"] == 3 and v["Not recorded", "children"] == 1
    assert v["Not recorded", "missing_episodes"] == 1  # G


def test_extract_without_looked_after_or_rhi_fields_gives_none():
    # A local extract with neither field: the split and RHI cannot be counted.
    df = frame("missing", """
        Child ID,Type,Start,End
        K,Missing,01/05/2016,02/05/2016
        """)
    f = missing_figures(df, Y2016)
    assert f["children"] == 1 and f["rhi_offered"] is None and f["rhi_accepted"] is None
    assert f["looked_after_children"] is None and f["not_looked_after_children"] is None
    assert f["looked_after_status_not_recorded_episodes"] is None
    t = figures_by_population(df, Y2016).set_index(["population", "measure"])["value"]
    assert t["All", "children"] == 1 and pd.isna(t["Looked after", "children"])


def test_rhi_offered_without_an_accepted_field():
    df = frame("missing", """
        Child ID,Type,Start,End,RHI Offered
        K,Missing,01/05/2016,02/05/2016,Y
        K,Absent,01/06/2016,01/06/2016,Y
        """)
    f = missing_figures(df, Y2016)
    # Offered on K's Missing episode (the Absent one does not count); acceptance not held.
    assert f["rhi_offered"] == 1 and f["rhi_accepted"] is None
    out = rhi_rates(df, Y2016)
    assert out["rhi_offered"].tolist() == [1] and out["rhi_accepted"].isna().all()


def test_ssda903_table_is_looked_after_only():
    text = """CHILD,DOB,MISSING,MIS_START,MIS_END
L1,01/01/2005,M,01/05/2016,03/05/2016
L1,01/01/2005,A,10/05/2016,11/05/2016
"""
    result = validate_table(read_text_table(text), SOURCES["missing"], "missing.csv")
    f = missing_figures(result.data, Y2016, set(result.columns_used))
    assert f["looked_after_children"] == 1 and f["looked_after_children_away"] == 1
    # The 903 return holds no child missing from home and no return interview field.
    assert f["not_looked_after_children"] is None and f["not_looked_after_episodes"] is None
    assert f["rhi_offered"] is None and f["looked_after_rhi_offered"] is None


@needs_shared
def test_real_ssda903_sample_counted_by_hand():
    """Data to Insight's fake 903 Missing table (2017-18), recounted by hand from the file."""
    result = load_source(SHARED_DATA / "external" / "csc-903" / "missing.csv", "missing",
                         use_cache=False)
    present = set(result.columns_used)
    f = missing_figures(result.data, financial_year("2017-18"), present)
    # M rows starting 01/04/2017-31/03/2018: 17 children, one each (813046 started
    # 09/03/2017; 366621's M of 20/11/2017 overlaps its A of 02/11/2017 and is set aside).
    assert (f["missing_episodes"], f["children"], f["children_repeat"]) == (17, 17, 0)
    # A rows in the year: 22, of 20 children (26033 and 784166 twice each; 123379's
    # 17/03/2017 and 965311's 11/03/2017 are before it).
    assert (f["away_episodes"], f["children_away"], f["children_away_repeat"]) == (22, 20, 2)
    assert f["episodes"] == 39 and f["absent_episodes"] == 0
    # Every episode had ended by 31/03/2018.
    assert f["missing_at_end"] == 0 and f["away_at_end"] == 0
    assert f["rhi_offered"] is None and f["not_looked_after_children"] is None
    g = missing_figures(result.data, Y2016, present)
    # 2016-17: 813046 (M from 09/03/2017 to 14/04/2017) went missing and was missing at 31
    # March; 123379 and 965311 were away at 31 March.
    assert (g["children"], g["missing_at_end"], g["away_at_end"]) == (1, 1, 2)


@pytest.mark.parametrize("df", [
    empty_frame("missing"),
    # One row outside the period (ended, so not missing at its end either).
    frame("missing", "Child ID,Type,Start,End\nZ,Missing,01/05/2010,02/05/2010\n"),
])
def test_empty_and_out_of_period_give_zeros(df):
    f = missing_figures(df, Y2016)
    assert all(f[k] == 0 for k in MEASURES if k not in ("rhi_offered", "rhi_accepted"))
    t = figures_by_population(df, Y2016)
    assert (t.loc[t["population"] == "All", "value"].fillna(0) == 0).all()
    assert len(rhi_rates(df, Y2016)) == 0


def test_one_row_in_period():
    f = missing_figures(frame("missing", "Child ID,Type,Start\nZ,Missing,01/05/2016\n"), Y2016)
    # Open (no end date) since May: a child who went missing and was still missing at the end.
    assert (f["episodes"], f["children"], f["children_repeat"], f["missing_at_end"]) == (
        1, 1, 0, 1)


def test_monthly_counts_count_children_with_a_missing_episode(episodes):
    out = monthly_counts(episodes, start="2016-04", end="2016-07")
    assert out["month"].dt.strftime("%Y-%m").tolist() == ["2016-04", "2016-05", "2016-06",
                                                          "2016-07"]
    # May: A Absent, B Missing; June: A Absent, B Away; July: C Missing.
    assert out["episodes"].tolist() == [0, 2, 2, 1]
    assert out["children"].tolist() == [0, 1, 0, 1]  # A's and B's June episodes are not Missing
    assert out["children_absent"].tolist() == [0, 1, 1, 0]
    assert out["children_away"].tolist() == [0, 0, 1, 0]


def test_monthly_counts_of_an_empty_frame_cover_the_months_asked():
    out = monthly_counts(empty_frame("missing"), start="2016-04", end="2016-06")
    assert len(out) == 3 and out.drop(columns="month").sum().sum() == 0
    assert monthly_counts(empty_frame("missing"), end="2016-06")["month"].tolist() == [
        pd.Timestamp("2016-06-01")]
    assert len(monthly_counts(empty_frame("missing"))) == 0


def test_children_by_year(episodes):
    out = children_by_year(episodes).set_index("year")
    assert out.index.tolist() == ["2015-16", "2016-17", "2017-18"]
    # 2016-17 as in the block above.
    assert out.loc["2016-17", ["episodes", "children", "children_repeat", "children_away",
                               "children_absent", "missing_at_end"]].tolist() == [
        10, 5, 1, 2, 1, 2]
    # 2015-16: F from 15/02/2016, open at 31/03/2016. 2017-18: I (ended), D and F still open.
    assert out.loc["2015-16", ["children", "missing_at_end"]].tolist() == [1, 1]
    assert out.loc["2017-18", ["children", "missing_at_end"]].tolist() == [1, 2]
    asked = children_by_year(episodes, years=["2014-15", "2016-17"])
    assert asked["year"].tolist() == ["2014-15", "2016-17"]
    assert asked["children"].tolist() == [0, 5]
    assert len(children_by_year(empty_frame("missing"))) == 0


def test_rhi_rates_per_missing_episode(episodes):
    out = rhi_rates(episodes, Y2016).set_index("group")
    assert out.loc["Looked after"].tolist() == [1, 1, 0]  # B
    assert out.loc["Not looked after"].tolist() == [4, 2, 1]  # C x2, D, E
    assert out.loc["Not recorded"].tolist() == [1, 0, 0]  # G


# ------------------------------------------------------------------ invariants

def _episodes_text(children: list[list[tuple[str, int, int | None, str]]]) -> str:
    """CSV of episodes: per child, (type, days after 01/01/2016 the episode starts, length in
    days or None for open, looked-after flag), laid end to end so none overlap."""
    rows = ["Child ID,Type,Start,End,Looked After,RHI Offered,RHI Accepted"]
    base = pd.Timestamp("2016-01-01")
    for i, episodes in enumerate(children):
        day = 0
        for kind, gap, length, la in episodes:
            start = base + pd.Timedelta(days=day + gap)
            end = "" if length is None else (start + pd.Timedelta(days=length)).strftime(
                "%d/%m/%Y")
            rows.append(f"C{i},{kind},{start:%d/%m/%Y},{end},{la},Y,N")
            if length is None:
                break  # an open episode is the child's last
            day += gap + length
    return "\n".join(rows) + "\n"


def test_counts_agree_across_functions_and_never_contradict():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    episode = st.tuples(st.sampled_from(["Missing", "Away", "Absent"]),
                        st.integers(0, 200), st.one_of(st.none(), st.integers(0, 60)),
                        st.sampled_from(["Y", "N", ""]))

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.lists(episode, min_size=1, max_size=4), min_size=1, max_size=6))
    def check(children):
        df = frame("missing", _episodes_text(children))
        f = missing_figures(df, Y2016)
        assert f["episodes"] == (f["missing_episodes"] + f["away_episodes"]
                                 + f["absent_episodes"])
        assert f["children_repeat"] <= f["children"] <= f["missing_episodes"]
        # Every episode records an offer: only the Missing ones count.
        assert f["rhi_accepted"] == 0 and f["rhi_offered"] == f["missing_episodes"]
        if f["looked_after_episodes"] is not None:  # None when every flag is blank
            assert (f["looked_after_episodes"] + f["not_looked_after_episodes"]
                    + f["looked_after_status_not_recorded_episodes"]) == f["episodes"]
        # The yearly and monthly tables count the same episodes and children.
        year = children_by_year(df, ["2016-17"]).iloc[0]
        for key in ("episodes", "missing_episodes", "children", "children_repeat",
                    "children_away", "children_absent", "missing_at_end"):
            assert year[key] == f[key], key
        months = monthly_counts(df, start="2016-04", end="2017-03")
        assert months["episodes"].sum() == f["episodes"]
        assert months["children"].sum() >= f["children"]  # a child may go missing in 2 months

    check()
