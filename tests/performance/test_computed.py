"""The suite's own figures as quarterly indicators: values where the extract holds the
quarter (and its look-back), no value (never 0) where it does not."""

from __future__ import annotations

from datetime import date

import pytest

from wscb_analysis.io.load import load_extract
from wscb_analysis.performance.computed import COMPUTED, computed_rows, held, quarters_to
from wscb_analysis.periods import financial_year

from .conftest import write

# Referrals (child, date). 2015-16 Q1: F, A, A = 3; Q2: B = 1; Q3: C = 1; Q4: D, D = 2;
# 2016-17 Q1: A = 1 (a re-referral: A's previous referral, 20/06/2015, is within 12 months);
# Q2: B, E = 2 (B's previous, 01/07/2015, is 13 months before: not a re-referral).
REFERRALS = """\
Child Unique ID,Date of referral
F,01/04/2015
A,10/04/2015
A,20/06/2015
B,01/07/2015
C,15/10/2015
D,20/01/2016
D,10/02/2016
A,05/05/2016
B,01/08/2016
E,30/09/2016
"""
# SSDA903 missing table (no return-home-interview columns). Children with a Missing
# episode: 2015-16 Q1 X, Y (Y twice) = 2; Q2 none = 0; Q3 X = 1; Q4 Z = 1.
MISSING = """\
CHILD,DOB,MISSING,MIS_START,MIS_END
X,01/01/2005,M,01/04/2015,02/04/2015
Y,01/01/2004,M,01/05/2015,02/05/2015
Y,01/01/2004,M,20/05/2015,21/05/2015
X,01/01/2005,M,11/11/2015,12/11/2015
Z,01/01/2003,M,31/03/2016,
"""


@pytest.fixture
def extract(tmp_path):
    folder = tmp_path / "extract"
    write(folder, "referrals.csv", REFERRALS)
    write(folder, "missing.csv", MISSING)
    return load_extract(folder, use_cache=False)


def table(rows, indicator):
    r = rows[rows["indicator"] == indicator]
    return dict(zip(r["period"], r["value"], strict=True))


def test_counts_per_quarter_held(extract):
    rows = computed_rows(extract, date(2017, 3, 31))
    assert (rows["origin"] == "computed").all() and (rows["kind"] == "quarter").all()
    # Referrals run 01/04/2015 to 30/09/2016: six quarters held, none after.
    assert table(rows, "referrals") == {"2015-16 Q1": 3, "2015-16 Q2": 1, "2015-16 Q3": 1,
                                        "2015-16 Q4": 2, "2016-17 Q1": 1, "2016-17 Q2": 2}
    # Missing runs 01/04/2015 to 31/03/2016; Q2 holds no episode, a real 0.
    assert table(rows, "children_missing") == {"2015-16 Q1": 2, "2015-16 Q2": 0,
                                               "2015-16 Q3": 1, "2015-16 Q4": 1}


def test_rereferrals_need_twelve_months_before_the_quarter(extract):
    rows = computed_rows(extract, date(2017, 3, 31))
    # Only quarters starting 12 months after the first referral: 1 of 1, then 0 of 2.
    assert table(rows, "rereferral_rate") == {"2016-17 Q1": 100.0, "2016-17 Q2": 0.0}
    r = rows[(rows["indicator"] == "rereferral_rate") & (rows["period"] == "2016-17 Q2")]
    assert (r["numerator"].iloc[0], r["denominator"].iloc[0]) == (0, 2)


def test_no_value_where_a_source_or_field_is_missing(extract):
    rows = computed_rows(extract, date(2017, 3, 31))
    # No CP plans or early help supplied; no ethnicity column; a 903 table has no RHI fields.
    for absent in ("cp_plans_started", "second_or_subsequent_rate",
                   "cp_open_2_years_plus_rate", "early_help_assessments",
                   "ethnicity_not_recorded_rate", "rhi_take_up"):
        assert absent not in set(rows["indicator"]), absent


def test_stops_at_the_period_asked(extract):
    rows = computed_rows(extract, date(2015, 12, 31))
    assert max(rows["period"]) == "2015-16 Q3"


def test_none_from_the_figures_is_no_value_and_a_zero_denominator_too(extract):
    def figures(q):
        return {"referrals": {"referrals": None, "rereferrals": 0}, "missing": {"children": 0},
                "diversity": {}, "cp_plans": {}, "early_help": {}}
    rows = computed_rows(extract, date(2017, 3, 31), figures_for=figures)
    assert "referrals" not in set(rows["indicator"])   # None -> no row
    assert "rereferral_rate" not in set(rows["indicator"])  # 0 of None -> no row
    assert set(table(rows, "children_missing").values()) == {0}


@pytest.mark.parametrize("first,last,expected", [
    (date(2015, 4, 1), date(2015, 6, 30), True),
    (date(2015, 4, 15), date(2015, 6, 16), True),    # 14 days in from each end
    (date(2015, 4, 16), date(2015, 6, 30), False),   # 15 days after the start
    (date(2015, 4, 1), date(2015, 6, 15), False),    # 15 days before the end
])
def test_held_by_hand(first, last, expected):
    assert held((first, last), financial_year("2015-16", "Q1")) is expected
    assert held(None, financial_year("2015-16", "Q1")) is False


def test_held_with_look_backs():
    q = financial_year("2016-17", "Q1")  # 1 April to 30 June 2016
    span = (date(2015, 4, 10), date(2016, 7, 1))
    assert held(span, q, 12)                       # needs 1 April 2015 (+14 days)
    assert not held((date(2015, 4, 20), span[1]), q, 12)
    # Open at the end 2+ years: needs plans from 30 June 2014.
    assert held((date(2014, 7, 1), span[1]), q, 24, "end")
    assert not held((date(2014, 7, 20), span[1]), q, 24, "end")


def test_quarters_to():
    qs = quarters_to(date(2016, 3, 31), date(2015, 2, 10))
    assert [q.label for q in qs] == ["2014-15 Q4", "2015-16 Q1", "2015-16 Q2", "2015-16 Q3",
                                     "2015-16 Q4"]


def test_every_computed_indicator_is_described():
    for c in COMPUTED:
        assert c.title and c.definition and c.unit in ("count", "percentage")
        assert c.polarity in ("higher is better", "lower is better", "neither")


def test_only_the_latest_quarters_when_asked(extract):
    rows = computed_rows(extract, date(2016, 9, 30), max_quarters=2)
    # Quarters from 2015-16 Q1 (the first event) to 2016-17 Q2: the latest two only.
    assert set(rows["period"]) == {"2016-17 Q1", "2016-17 Q2"}


def test_each_quarter_works_out_only_the_blocks_its_indicators_read(extract, monkeypatch):
    # The same rows as from the whole figures JSON of each quarter; a quarter is asked only
    # for the blocks of the indicators it holds (here referrals, diversity and missing).
    import wscb_analysis.figures as figures_module

    real = figures_module.headline_figures
    end = date(2016, 9, 30)
    whole = computed_rows(extract, end, figures_for=lambda q: real(extract, q))
    asked: list[set] = []

    def counting(e, q, **kwargs):
        asked.append(set(kwargs["blocks"]))
        return real(e, q, **kwargs)

    monkeypatch.setattr(figures_module, "headline_figures", counting)
    some = computed_rows(extract, end)
    assert some.equals(whole) and len(some) > 0
    assert asked and set().union(*asked) <= {"referrals", "diversity", "missing"}
