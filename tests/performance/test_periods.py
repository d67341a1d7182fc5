"""Period labels of the performance dataset (DEFINITIONS.md: financial years and quarters)."""

from __future__ import annotations

from datetime import date

import pytest

from wscb_analysis.performance.schema import parse_period, period_candidates
from wscb_analysis.periods import PeriodError


@pytest.mark.parametrize("text,label,kind,start,end", [
    ("2016-17 Q3", "2016-17 Q3", "quarter", date(2016, 10, 1), date(2016, 12, 31)),
    ("Q3 2016-17", "2016-17 Q3", "quarter", date(2016, 10, 1), date(2016, 12, 31)),
    ("2016/17 q4", "2016-17 Q4", "quarter", date(2017, 1, 1), date(2017, 3, 31)),
    ("2016-12", "2016-12", "month", date(2016, 12, 1), date(2016, 12, 31)),
    ("Feb 2016", "2016-02", "month", date(2016, 2, 1), date(2016, 2, 29)),  # leap year
    ("December 2016", "2016-12", "month", date(2016, 12, 1), date(2016, 12, 31)),
    # Excel keeps a typed month as a date on the 1st.
    ("2016-12-01", "2016-12", "month", date(2016, 12, 1), date(2016, 12, 31)),
    ("01/12/2016", "2016-12", "month", date(2016, 12, 1), date(2016, 12, 31)),
    ("2016-17", "2016-17", "year", date(2016, 4, 1), date(2017, 3, 31)),
    ("2016/2017", "2016-17", "year", date(2016, 4, 1), date(2017, 3, 31)),
])
def test_periods_read(text, label, kind, start, end):
    p = parse_period(text)
    assert (p.label, p.kind, p.start, p.end) == (label, kind, start, end)


@pytest.mark.parametrize("text", ["2016-13", "2016-18", "Q5 2016-17", "c", "", "15/12/2016",
                                  "31/02/2016", "2016-17 Q"])
def test_unreadable_periods(text):
    assert period_candidates(text) == []
    with pytest.raises(PeriodError, match="2016-17 Q3"):
        parse_period(text)


def test_a_date_is_told_it_is_not_a_period():
    with pytest.raises(PeriodError, match="is a date, not a period"):
        parse_period("15/12/2016")


def test_2011_12_is_a_year_unless_the_indicator_is_monthly():
    assert [p.kind for p in period_candidates("2011-12")] == ["year", "month"]
    assert parse_period("2011-12").kind == "year"
    assert parse_period("2011-12", prefer="month").start == date(2011, 12, 1)


@pytest.mark.parametrize("text,before", [("2016-17 Q1", "2015-16 Q1"), ("2017-01", "2016-01"),
                                         ("2016-17", "2015-16"), ("2000-01 Q4", "1999-00 Q4")])
def test_year_before(text, before):
    assert parse_period(text).year_before() == before
