"""Coverage that knows what an extract cannot hold (issue 17 item 5).

* An inspection list of plans (Annex A List 7) holds the plans open in its 12 months, so
  periods before them are "not held", never 0 (the liia sample's scorecard plotted plans
  started as 0 in 2019-20 Q2-Q4).
* Episodes with no end recorded long after they began are likely unrecorded ends (the rule
  fixtures' blank end dates from June 2020 became "6 were still missing at its end (31 March
  2021)" with no caveat).
* ``holds`` and ``whole_months`` are the one statement of what a series may draw.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.conftest import SHARED_DATA
from wscb_analysis.coverage import OPEN_LIMIT_DAYS, SourceCoverage, extract_coverage
from wscb_analysis.figures import headline_figures
from wscb_analysis.io.load import load_extract
from wscb_analysis.performance.computed import COMPUTED, computed_rows
from wscb_analysis.periods import financial_year

EXTERNAL = SHARED_DATA / "external"
needs_shared = pytest.mark.skipif(not EXTERNAL.is_dir(),
                                  reason=f"the third-party samples are not at {EXTERNAL}")

PLANS = "Child Unique ID,Child Protection Plan Start Date,Child Protection Plan End Date\n"


def plans(folder, rows: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cp_plans.csv").write_text(PLANS + rows)
    return extract_coverage(load_extract(folder, use_cache=False))["cp_plans"]


def test_a_list_of_plans_open_in_12_months_holds_nothing_before_them(tmp_path):
    # The latest date is 31/12/2016, so the 12 months are 1 January to 31 December 2016. No
    # plan ended before them (B ended 01/09/2016) and A started before them (10/01/2015): a
    # list of the plans open in the window, not of every plan started since 2015.
    cov = plans(tmp_path / "list", "A,10/01/2015,\nB,01/06/2016,01/09/2016\n"
                                   "C,01/10/2016,31/12/2016\n")
    assert cov.window == (date(2016, 1, 1), date(2016, 12, 31))
    assert cov.first_date == date(2016, 1, 1)
    assert cov.period_covered(financial_year("2015-16", "Q3")) == "none"  # not 0 plans
    assert cov.period_covered(financial_year("2015-16", "Q4")) == "full"  # from 1 January
    assert cov.period_covered(financial_year("2015-16")) == "part"
    assert "12 months to 31 December 2016" in cov.held_note()
    assert "before 1 January 2016 are not held" in cov.held_note()


def test_a_history_of_plans_is_held_from_its_first_plan(tmp_path):
    # The same plans and one that ended on 01/06/2015, before any 12-month window: a list of
    # every plan, so held from the first start, 10/01/2015.
    cov = plans(tmp_path / "history", "A,10/01/2015,\nD,01/02/2015,01/06/2015\n"
                                      "B,01/06/2016,01/09/2016\nC,01/10/2016,31/12/2016\n")
    assert cov.window is None and cov.held_note() is None
    assert cov.first_date == date(2015, 1, 10)
    # Starting within the window is no list either: nothing started before it.
    cov = plans(tmp_path / "short", "B,01/06/2016,01/09/2016\nC,01/10/2016,31/12/2016\n")
    assert cov.window is None and cov.first_date == date(2016, 6, 1)


@needs_shared
def test_the_liia_sample_as_written(tmp_path):
    extract = load_extract(EXTERNAL / "liia-pipeline-wb", use_cache=False)
    cov = extract_coverage(extract)["cp_plans"]
    # The lists' latest date is List 7's end date 16/02/2021: the 12 months from 17/02/2020.
    assert cov.window == (date(2020, 2, 17), date(2021, 2, 16))
    for q in ("Q2", "Q3"):
        period = financial_year("2019-20", q)
        assert cov.period_covered(period) == "none"
        assert headline_figures(extract, period)["cp_plans"]["started"] is None  # not 0
    # The scorecard draws no plan figure for a quarter the list does not hold whole.
    rows = computed_rows(extract, date(2021, 3, 31))
    plan_ids = {c.indicator for c in COMPUTED if c.extract_source == "cp_plans"}
    drawn = rows[rows["indicator"].isin(plan_ids)]
    assert not drawn.empty and (drawn["start"] >= pd.Timestamp("2020-04-01")).all()


def missing(folder, rows: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "missing.csv").write_text("CHILD,MISSING,MIS_START,MIS_END\n" + rows)
    extract = load_extract(folder, use_cache=False)
    return extract, extract_coverage(extract)["missing"]


def test_an_episode_open_far_past_its_start_is_a_likely_unrecorded_end(tmp_path):
    # The last date held is 31/03/2017, so the cut-off is 28 days before: 03/03/2017. K1
    # (from 01/05/2016, no end) is past it; K2 (from 20/03/2017, no end) is not; K3 ended.
    extract, cov = missing(tmp_path / "x", "K1,M,01/05/2016,\nK2,M,20/03/2017,\n"
                                           "K3,M,01/04/2016,31/03/2017\n")
    assert OPEN_LIMIT_DAYS == 28
    assert cov.open_cutoff == date(2017, 3, 3) and cov.unrecorded == 1
    flagged = cov.likely_unrecorded(extract["missing"])
    assert extract["missing"].loc[flagged, "child_id"].tolist() == ["K1"]
    note = cov.open_note(financial_year("2016-17"))
    assert "run to 31 March 2017, more than 28 days after" in note
    assert "31 March 2017 may have returned" in note
    # K1 began in 2016-17: it was not open at the end of 2015-16, so no caveat there.
    assert cov.open_note(financial_year("2015-16")) is None


@needs_shared
def test_the_rule_fixtures_blank_ends_as_written():
    extract = load_extract(EXTERNAL / "903-rule-fixtures", use_cache=False)
    cov = extract_coverage(extract)["missing"]
    frame = extract["missing"]
    end = pd.Timestamp("2021-03-31")
    open_at_end = (frame["missing_type"] == "Missing") & (frame["start_date"] <= end) & (
        frame["end_date"].isna() | (frame["end_date"] > end))
    # By hand from the file: Missing episodes kept with no end, starting 07/02, 10/02 and
    # 13/02/2020 and 02/06, 04/06 and 22/06/2020 - the "6 still missing" at 31 March 2021 -
    # all more than 28 days before the file's last date, 13/10/2021.
    assert sorted(frame.loc[open_at_end, "start_date"].dt.strftime("%d/%m").tolist()) == [
        "02/06", "04/06", "07/02", "10/02", "13/02", "22/06"]
    assert cov.likely_unrecorded(frame)[open_at_end].all()
    assert cov.open_note(financial_year("2020-21")) is not None


def test_holds_with_look_backs_and_whole_months():
    cov = SourceCoverage("referrals", True, date(2015, 4, 10), date(2016, 7, 1))
    q = financial_year("2016-17", "Q1")  # 1 April to 30 June 2016
    assert cov.holds(q) and cov.holds(q, 12)  # needs 1 April 2015 (+14 days: 15 April)
    assert not SourceCoverage("referrals", True, date(2015, 4, 20), date(2016, 7, 1)).holds(
        q, 12)
    assert not SourceCoverage("referrals", False).holds(q)
    # From 8 April 2016 (past the first 7 days: April is not whole) to 10 June 2016 (21 days
    # before June's end: June is not whole either), for a pack ending 31 March 2017.
    months = SourceCoverage("referrals", True, date(2016, 4, 8), date(2016, 6, 10)).whole_months(
        date(2017, 3, 31))
    assert [str(m) for m in months] == ["2016-05"]


def test_a_list_of_children_in_need_holds_nothing_before_its_window(tmp_path):
    # Annex A List 6 holds the children in need at any time in its 12 months: a child in need
    # since 2006 is in a list made in 2016, and the list holds no earlier year (read as a
    # history, a 2016 list "reached" 2006-07, and a pack for it published empty pages).
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "children_in_need.csv").write_text(
        "Child Unique ID,CIN Start Date,CIN Closure Date\n"
        "A,23/11/2006,\nB,01/06/2016,01/09/2016\nC,01/10/2016,31/12/2016\n")
    cov = extract_coverage(load_extract(folder, use_cache=False))["children_in_need"]
    assert cov.window == (date(2016, 1, 1), date(2016, 12, 31))
    assert (cov.first_date, cov.last_date) == (date(2016, 1, 1), date(2016, 12, 31))
    assert cov.period_covered(financial_year("2006-07")) == "none"
    assert cov.held_note().startswith("The list of children in need holds the children in "
                                      "need open at any time in the 12 months to 31 December")
