"""Loading and validating the performance dataset: every row accounted for, every row set
aside with its file, row, column and a reason that says what to fix."""

from __future__ import annotations

import pytest

from wscb_analysis.errors import ExtractError
from wscb_analysis.performance import load_performance
from wscb_analysis.periods import financial_year

from .conftest import write

HEADER = "indicator,period,value,numerator,denominator,agency,note\n"


def load(folder, body: str, **kw):
    write(folder, "performance.csv", HEADER + body)
    return load_performance(folder, **kw)


def reasons(result) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list] = {}
    for r in result.set_aside.itertuples():
        assert r.file == "performance.csv" or r.file == "indicators.csv"
        out.setdefault(int(r.row), []).append((r.column, r.reason))
    return out


def test_good_rows_load_with_their_periods(folder):
    data = load(folder, """\
timely,2016-17 Q1,80.0,80,100,LA,
timely,2016-17 Q2,85,85,100,LA,
events,2016-17,26,,,Board,from the report
lac,2016-17 Q4,61.2,690,112662,LA,
days,2016-12,12.5,,,LA,
""")
    perf, cat = data  # unpacks as (performance, catalogue)
    assert cat.rows_in == 5 and cat.rows_kept == 5 and cat.accounts()
    assert perf.rows_in == 5 and perf.rows_kept == 5 and perf.accounts() and perf.usable
    d = perf.data.set_index(["indicator", "period"])
    assert d.loc[("events", "2016-17"), "kind"] == "year"
    assert d.loc[("days", "2016-12"), "kind"] == "month"
    assert d.loc[("timely", "2016-17 Q2"), "value"] == 85
    # Coverage for the pack: 1 April 2016 (first quarter's start) to 31 March 2017.
    assert data.coverage() == {"supplied": True, "first_date": "2016-04-01",
                               "last_date": "2017-03-31"}
    cov = data.coverage(financial_year("2016-17"))
    assert cov["period_covered"] == "full" and cov["fields_absent"] == []
    assert data.coverage(financial_year("2017-18"))["period_covered"] == "none"


def test_unknown_indicator(folder):
    perf = load(folder, "timley,2016-17 Q1,80,,,,\n").performance
    assert reasons(perf) == {2: [("indicator", "indicator 'timley' is not in indicators.csv: "
                                               "add it to the catalogue, or correct the id")]}
    assert perf.rows_in == 1 and perf.rows_set_aside == 1 and perf.accounts()


def test_unparseable_period(folder):
    perf = load(folder, "events,2016-17 Q5,6,,,,\nevents,15/06/2016,6,,,,\n").performance
    r = reasons(perf)
    assert r[2][0][0] == "period" and "not a period" in r[2][0][1] and "2016-17 Q3" in r[2][0][1]
    assert r[3] == [("period", "period '15/06/2016' is a date, not a period: write a quarter "
                               "as 2016-17 Q3, a month as 2016-12 or a financial year as "
                               "2016-17")]


@pytest.mark.parametrize("value,why", [
    ("n/a", "value 'n/a' is not a number"),
    ("c", "value 'c' is not a number (the pack suppresses small numbers itself: give the true "
          "figure)"),
    ("6%", "value '6%' has a % sign but the indicator is not a percentage"),
    ("", "value is blank: give the figure for the period"),
    ("6.5", "count 6.5 is not a whole number"),
    ("-2", "value -2 is negative: a count cannot be"),
])
def test_value_that_is_not_a_usable_number(folder, value, why):
    perf = load(folder, f"events,2016-17 Q1,{value},,,,\n").performance
    assert reasons(perf) == {2: [("value", why)]}


def test_numbers_as_partners_write_them(folder):
    perf = load(folder, 'timely,2016-17 Q1,85.5%,,,,\nevents,2016-17 Q1,"1,234",,,,\n'
                ).performance
    assert perf.rows_set_aside == 0
    assert sorted(perf.data["value"]) == [85.5, 1234.0]


def test_numerator_above_denominator(folder):
    perf = load(folder, "timely,2016-17 Q1,80,120,100,,\nlac,2016-17 Q1,61,700,600,,\n"
                ).performance
    assert reasons(perf) == {
        2: [("numerator", "numerator 120 is above the denominator 100")],
        3: [("numerator", "numerator 700 is above the denominator 600")]}


def test_percentage_outside_0_to_100(folder):
    perf = load(folder, "timely,2016-17 Q1,112,,,,\ntimely,2016-17 Q2,-1,,,,\n").performance
    assert reasons(perf) == {2: [("value", "percentage 112 is outside 0-100")],
                             3: [("value", "percentage -1 is outside 0-100")]}


def test_value_must_match_its_numerator_and_denominator(folder):
    # 0.8 with 80 of 100: a fraction where 0-100 is expected (80 / 100 x 100 = 80.0).
    perf = load(folder, "timely,2016-17 Q1,0.8,80,100,,\ntimely,2016-17 Q2,80.4,80,100,,\n"
                ).performance
    assert reasons(perf) == {2: [("value", "value 0.8 does not match numerator / denominator "
                                           "(80.0) (percentages are written 0 to 100: 45 for "
                                           "45%)")]}
    assert perf.rows_kept == 1  # 80.4 is within rounding of 80.0


def test_blank_value_worked_out_from_its_parts(folder):
    perf = load(folder, "timely,2016-17 Q1,,17,20,,\n").performance
    assert perf.rows_kept == 1 and perf.data["value"].iloc[0] == pytest.approx(85.0)


def test_two_different_values_for_one_indicator_and_period(folder):
    perf = load(folder, """\
events,2016-17 Q1,6,,,Board,
events,2016-17 Q2,7,,,Board,
events,2016-17 Q1,5,,,Board,revised
""").performance
    why = "indicator 'events' has different values for 2016-17 Q1 in rows 2, 4: keep the right one"
    assert reasons(perf) == {2: [("value", why)], 4: [("value", why)]}
    assert list(perf.data["period"]) == ["2016-17 Q2"]
    assert perf.rows_in == 3 == perf.rows_kept + perf.duplicates + perf.rows_set_aside


def test_identical_rows_keep_one_and_count_the_rest(folder):
    perf = load(folder, """\
events,2016-17 Q1,6,,,Board,
events,2016-17 Q1,6,,,Board,
events,2016-17 Q1,6,,,Board,
events,2016-17 Q1,6,,,Board,second copy
""").performance
    # Rows 2-4 are one record read three times; row 5 says the same with another note.
    assert perf.rows_in == 4 and perf.rows_kept == 1 and perf.duplicates == 2
    assert reasons(perf) == {5: [("value", "repeats row 2 (indicator 'events', 2016-17 Q1, "
                                           "same value; other columns differ): keep one row")]}
    assert perf.accounts()


def test_one_frequency_per_indicator(folder):
    perf = load(folder, """\
events,2016-17 Q1,6,,,,
events,2016-17 Q2,7,,,,
events,2016-17,26,,,,
""").performance
    assert reasons(perf) == {4: [("period", "indicator 'events' is reported by quarter; this "
                                            "row gives a year (2016-17): use one frequency per "
                                            "indicator (give the other figure its own "
                                            "indicator id)")]}


def test_2011_12_follows_the_indicator_frequency(folder):
    perf = load(folder, "days,2011-11,12,,,,\ndays,2011-12,13,,,,\nevents,2011-12,20,,,,\n"
                ).performance
    d = perf.data.set_index("indicator")
    assert list(perf.data.loc[perf.data["indicator"] == "days", "kind"]) == ["month", "month"]
    assert d.loc["events", "kind"] == "year"


def test_blank_lines_are_not_records(folder):
    perf = load(folder, "events,2016-17 Q1,6,,,,\n\n,,,,,,\nevents,2016-17 Q2,7,,,,\n"
                ).performance
    assert perf.rows_in == 2 and perf.rows_kept == 2


def test_headers_matched_by_pattern_and_by_map(folder):
    write(folder, "performance.csv", "KPI ID,Reporting Period,Result,Comments\n"
                                     "events,2016-17 Q1,6,ok\n")
    perf = load_performance(folder).performance
    assert perf.rows_kept == 1 and perf.columns_used["value"] == "Result"
    write(folder, "performance.csv", "Measure,When,Figure\nevents,2016-17 Q1,6\n")
    perf = load_performance(folder).performance
    assert not perf.usable
    assert "no column for indicator" in perf.problems[0] and "--map" in perf.problems[0]
    perf = load_performance(folder, column_map={"Measure": "indicator", "When": "period"}
                            ).performance
    assert perf.usable and perf.rows_kept == 1


def test_performance_needs_its_catalogue(tmp_path):
    folder = tmp_path / "x"
    write(folder, "performance.csv", HEADER + "events,2016-17 Q1,6,,,,\n")
    data = load_performance(folder)
    assert not data.performance.usable and data.catalogue.file is None
    assert "indicators.csv" in data.performance.problems[0]


def test_nothing_supplied(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    data = load_performance(folder)
    assert not data.supplied and data.performance.file is None and data.catalogue.file is None
    assert data.coverage() == {"supplied": False, "first_date": None, "last_date": None}
    with pytest.raises(ExtractError, match="no such folder"):
        load_performance(tmp_path / "missing")


def test_an_empty_file_is_unusable_not_an_error(folder):
    (folder / "performance.csv").write_text("")
    perf = load_performance(folder).performance
    assert not perf.usable and "empty" in perf.problems[0]


CAT_HEADER = ("indicator,title,agency,unit,polarity,target,target_direction,priority,"
              "definition,source,about_children\n")


@pytest.mark.parametrize("row,column,why", [
    (",Title,LA,count,neither,,,P,,,yes", "indicator",
     "the indicator id is blank: give each indicator a short id"),
    ("x,,LA,count,neither,,,P,,,yes", "title",
     "the title is blank: give the indicator a title a board member can read"),
    ("x,T,LA,ratio,neither,,,P,,,yes", "unit",
     "unit 'ratio' is not one of count, percentage, rate per 10,000, days"),
    ("x,T,LA,count,sideways,,,P,,,yes", "polarity",
     "polarity 'sideways' is not one of higher is better, lower is better, neither"),
    ("x,T,LA,count,higher,lots,,P,,,yes", "target", "target 'lots' is not a number"),
    ("x,T,LA,percentage,higher,120,,P,,,yes", "target",
     "target 120 is outside 0-100: percentages are written 0 to 100 (45 for 45%)"),
    ("x,T,LA,count,neither,10,,P,,,yes", "target_direction",
     "a target needs a direction (at least / at most) when the polarity is neither"),
    ("x,T,LA,count,higher is better,10,at most,P,,,yes", "target_direction",
     "target direction 'at most' contradicts polarity 'higher is better'"),
    ("x,T,LA,count,higher,10,roughly,P,,,yes", "target_direction",
     "target direction 'roughly' is not 'at least' or 'at most'"),
    ("x,T,LA,count,neither,,,P,,,maybe", "about_children",
     "about_children 'maybe' is not yes or no"),
    ("referrals,T,LA,count,neither,,,P,,,yes", "indicator",
     "'referrals' is the id of a figure the suite computes from the extract: give the "
     "partner's indicator another id"),
])
def test_catalogue_rows_set_aside(tmp_path, row, column, why):
    folder = tmp_path / "c"
    write(folder, "indicators.csv", CAT_HEADER + row + "\n")
    cat = load_performance(folder).catalogue
    assert cat.rows_in == 1 and cat.rows_set_aside == 1 and cat.accounts()
    assert [(r.column, r.reason) for r in cat.set_aside.itertuples()] == [(column, why)]


def test_catalogue_defaults_and_clashes(tmp_path):
    folder = tmp_path / "c"
    write(folder, "indicators.csv", CAT_HEADER + """\
a,Alpha,LA,%,lower,10,,P,,,
b,Beta,LA,count,neither,,,,,,no
c,Gamma,LA,count,neither,,,P,,,yes
c,Gamma again,LA,count,neither,,,P,,,yes
""")
    write(folder, "performance.csv", HEADER + "c,2016-17 Q1,6,,,,\n")
    data = load_performance(folder)
    cat = data.catalogue.data.set_index("indicator")
    # No direction written: the polarity's (lower is better: at most). Blank about_children
    # means yes (suppress); blank priority is named as such.
    assert cat.loc["a", "target_direction"] == "at most" and cat.loc["a", "unit"] == "percentage"
    assert cat.loc["a", "about_children"] and not cat.loc["b", "about_children"]
    assert cat.loc["b", "priority"] == "No board priority given"
    assert "c" not in cat.index
    clash = "indicator 'c' is described in rows 4, 5: keep one row per indicator"
    assert list(data.catalogue.set_aside["reason"]) == [clash, clash]
    # The performance row of the set-aside indicator says why, not "not in the catalogue".
    assert list(data.performance.set_aside["reason"]) == [
        "indicator 'c' has no usable row in indicators.csv (its row there was set aside)"]


def test_report_lines_for_wscb_validate(folder):
    data = load(folder, "events,2016-17 Q1,6,,,,\nevents,2016-17 Q1,6,,,,\nx,2016-17 Q1,1,,,,\n")
    lines = data.report_lines()
    assert "indicators: indicators.csv (Performance indicator catalogue)" in lines
    assert "  rows in 3 = kept 1 + duplicates 1 + set aside 1" in lines
    assert ("  set aside: performance.csv row 4, column 'indicator': indicator 'x' is not in "
            "indicators.csv: add it to the catalogue, or correct the id") in lines


def test_blank_period_and_an_unusable_catalogue(folder, tmp_path):
    perf = load(folder, "events,,6,,,,\n").performance
    assert reasons(perf) == {2: [("period", "the period is blank: write a quarter as 2016-17 "
                                            "Q3, a month as 2016-12 or a financial year as "
                                            "2016-17")]}
    bad = tmp_path / "bad"
    write(bad, "indicators.csv", "indicator,unit,polarity\nevents,count,higher\n")
    write(bad, "performance.csv", HEADER + "events,2016-17 Q1,6,,,,\n")
    data = load_performance(bad)
    assert "no column for title" in data.catalogue.problems[0]
    assert not data.performance.usable and "fix the catalogue first" in \
        data.performance.problems[0]
