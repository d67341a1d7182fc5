import pytest

from wscb_analysis.io.load import empty_frame
from wscb_analysis.metrics.early_help import (
    by_agency_and_year,
    early_help_figures,
    early_years_share,
    lead_professional_retention,
)
from wscb_analysis.periods import financial_year

from ..helpers import frame

EARLY_HELP = """
Child Unique ID,Assessment start date,Organisation completing assessment,Lead Professional Agency
E1,01/05/2016,Primary school,Primary school
E2,02/05/2016,Primary school,Family support worker
E3,03/05/2016,Nursery,Nursery
E4,04/05/2016,Pre-school,
E5,05/05/2016,Health visitor,Health Visitor
E6,05/05/2015,Nursery,Nursery
"""


def test_early_help_by_agency():
    f = early_help_figures(frame("early_help", EARLY_HELP), financial_year("2016-17"))
    assert f == {"assessments": 5, "by_agency": {
        "Health visitor": 1, "Nursery": 1, "Pre-school": 1, "Primary school": 2}}


def test_early_years_share_and_lead_professional():
    df = frame("early_help", EARLY_HELP)
    p = financial_year("2016-17")
    # Nursery, pre-school and health visitor are early-years settings: 3 of 5.
    assert early_years_share(df, p) == {"early_years": 3, "assessments": 5, "rate": 3 / 5}
    # Lead recorded on 4; same agency on 3 (E1, E3, E5 - case ignored).
    assert lead_professional_retention(df, p) == {"same_agency": 3, "recorded": 4,
                                                   "rate": 3 / 4}


def test_by_agency_and_year():
    out = by_agency_and_year(frame("early_help", EARLY_HELP))
    rows = {(r.year, r.organisation): r.assessments for r in out.itertuples()}
    # E6 (Nursery, 05/05/2015) is in 2015-16; the rest in 2016-17, Primary school twice.
    assert rows == {("2015-16", "Nursery"): 1, ("2016-17", "Health visitor"): 1,
                    ("2016-17", "Nursery"): 1, ("2016-17", "Pre-school"): 1,
                    ("2016-17", "Primary school"): 2}


@pytest.mark.parametrize("df", [
    empty_frame("early_help"),
    frame("early_help", "Child Unique ID,Assessment start date,"
                        "Organisation completing assessment,Lead Professional Agency\n"
                        "Z,01/05/2010,Nursery,Nursery\n"),
])
def test_empty_and_out_of_period(df):
    p = financial_year("2016-17")
    assert early_help_figures(df, p) == {"assessments": 0, "by_agency": {}}
    assert early_years_share(df, p) == {"early_years": 0, "assessments": 0, "rate": None}
    assert lead_professional_retention(df, p) == {"same_agency": 0, "recorded": 0,
                                                   "rate": None}
    out = by_agency_and_year(df)
    assert list(out.columns) == ["year", "organisation", "assessments"]
    assert out["assessments"].sum() == (0 if len(df) == 0 else 1)


def test_one_row_in_period():
    df = frame("early_help", "Child Unique ID,Assessment start date,"
                             "Organisation completing assessment\nZ,01/05/2016,\n")
    p = financial_year("2016-17")
    # Organisation blank: counted as "Not recorded", not an early-years setting; no lead
    # professional recorded, so retention has no denominator.
    assert early_help_figures(df, p) == {"assessments": 1, "by_agency": {"Not recorded": 1}}
    assert early_years_share(df, p) == {"early_years": 0, "assessments": 1, "rate": 0.0}
    assert lead_professional_retention(df, p) == {"same_agency": 0, "recorded": 0,
                                                   "rate": None}
    assert by_agency_and_year(df).to_dict("records") == [
        {"year": "2016-17", "organisation": "Not recorded", "assessments": 1}]
