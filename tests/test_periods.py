from datetime import date

import numpy as np
import pytest

from wscb_analysis.periods import (
    PeriodError,
    add_months,
    financial_year,
    in_period,
    year_from_dfe,
    year_of,
)


def test_financial_year_is_april_to_march_inclusive():
    p = financial_year("2016-17")
    assert (p.start, p.end) == (date(2016, 4, 1), date(2017, 3, 31))
    assert p.label == "2016-17" and p.days == 365


@pytest.mark.parametrize("q,start,end", [
    ("Q1", date(2016, 4, 1), date(2016, 6, 30)),
    ("Q2", date(2016, 7, 1), date(2016, 9, 30)),
    ("Q3", date(2016, 10, 1), date(2016, 12, 31)),
    ("Q4", date(2017, 1, 1), date(2017, 3, 31)),
])
def test_quarters_are_financial_quarters(q, start, end):
    p = financial_year("2016-17", q)
    assert (p.start, p.end) == (start, end)
    assert p.label == f"2016-17 {q}"


def test_previous_period_of_same_length():
    assert financial_year("2016-17").previous().label == "2015-16"
    assert financial_year("2016-17", "Q1").previous().label == "2015-16 Q4"
    assert financial_year("2016-17", "Q3").previous().label == "2016-17 Q2"


@pytest.mark.parametrize("bad", ["2016-99", "2016", "16-17", "2016-18", "last year"])
def test_unknown_period_is_a_clear_error(bad):
    with pytest.raises(PeriodError, match="financial year"):
        financial_year(bad)


def test_unknown_quarter_is_a_clear_error():
    with pytest.raises(PeriodError, match="Q1, Q2, Q3, Q4"):
        financial_year("2016-17", "Q5")


def test_dfe_year_labels():
    assert year_from_dfe(2017) == "2016-17"
    assert year_from_dfe("201617") == "2016-17"
    assert year_of(date(2017, 3, 31)) == "2016-17"
    assert year_of(date(2017, 4, 1)) == "2017-18"


def test_add_months_clamps_to_month_end():
    d = np.array(["2016-01-31", "2016-02-29", "2015-06-15", "NaT"], dtype="datetime64[D]")
    assert list(add_months(d, 1)[:3].astype(str)) == ["2016-02-29", "2016-03-29", "2015-07-15"]
    assert list(add_months(d, -12)[:3].astype(str)) == ["2015-01-31", "2015-02-28",
                                                        "2014-06-15"]
    assert np.isnat(add_months(d, 3)[3])


def test_in_period_is_inclusive_and_ignores_nat():
    d = np.array(["2016-03-31", "2016-04-01", "2017-03-31", "2017-04-01", "NaT"],
                 dtype="datetime64[D]")
    assert list(in_period(d, financial_year("2016-17"))) == [False, True, True, False, False]


def test_period_labels_for_tables():
    import pandas as pd

    from wscb_analysis.periods import period_labels

    d = pd.Series(pd.to_datetime(["2016-03-31", "2016-04-01", "2016-12-31", "2017-01-01"]))
    assert period_labels(d).tolist() == ["2015-16", "2016-17", "2016-17", "2016-17"]
    assert period_labels(d, "quarter").tolist() == ["2015-16 Q4", "2016-17 Q1", "2016-17 Q3",
                                                    "2016-17 Q4"]
    assert period_labels(d, "month").tolist() == ["2016-03", "2016-04", "2016-12", "2017-01"]
    with pytest.raises(ValueError):
        period_labels(d, "week")
