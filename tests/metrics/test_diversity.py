import pytest

from wscb_analysis.io.load import empty_frame
from wscb_analysis.metrics.diversity import bme_share, diversity_figures, not_recorded_by
from wscb_analysis.periods import financial_year

from ..helpers import frame

REFERRALS = """
Child Unique ID,Date of referral,Ethnicity,First Language,Religion
R1,01/05/2016,WBRI,English,Christian
R2,01/05/2016,NOBT,English,
R3,01/08/2016,,,
R4,01/08/2016,REFU,,
R5,01/08/2016,APKN,Urdu,Muslim
"""


def test_diversity_not_recorded_follows_the_contract():
    f = diversity_figures(frame("referrals", REFERRALS), financial_year("2016-17"))
    # Ethnicity: NOBT and blank are not recorded (2); REFU is recorded as refused.
    assert f == {"referrals": 5, "ethnicity_not_recorded": 2,
                 "first_language_not_recorded": 2, "religion_not_recorded": 3}


def test_missing_field_is_none_not_zero():
    f = diversity_figures(frame("referrals", REFERRALS), financial_year("2016-17"),
                          columns_present={"ethnicity"})
    assert f["first_language_not_recorded"] is None and f["religion_not_recorded"] is None


def test_not_recorded_by_quarter():
    out = not_recorded_by(frame("referrals", REFERRALS), by="quarter")
    rel = out[out["field"] == "religion"].set_index("quarter")
    assert rel.loc["2016-17 Q1", "value"] == 1 / 2
    assert rel.loc["2016-17 Q2", "value"] == 2 / 3


def test_bme_share_excludes_refused_and_not_recorded():
    # Known: WBRI, APKN (REFU, NOBT and blank excluded) -> BME 1 of 2.
    assert bme_share(frame("referrals", REFERRALS), financial_year("2016-17")) == {
        "bme": 1, "known": 2, "rate": 0.5}


@pytest.mark.parametrize("df", [
    empty_frame("referrals"),
    frame("referrals", "Child Unique ID,Date of referral,Ethnicity\nZ,01/05/2010,APKN\n"),
])
def test_empty_and_out_of_period(df):
    p = financial_year("2016-17")
    assert diversity_figures(df, p) == {"referrals": 0, "ethnicity_not_recorded": 0,
                                        "first_language_not_recorded": 0,
                                        "religion_not_recorded": 0}
    assert bme_share(df, p) == {"bme": 0, "known": 0, "rate": None}
    for by in ("quarter", "district"):
        out = not_recorded_by(df, by=by, period=p)
        assert len(out) == 0 and list(out.columns) == [by, "field", "referrals",
                                                       "not_recorded", "value"]


def test_one_row():
    df = frame("referrals", "Child Unique ID,Date of referral,Ethnicity,District\n"
                            "Z,01/05/2016,APKN,Rugby\n")
    p = financial_year("2016-17")
    # First language and religion blank: not recorded; ethnicity APKN recorded and BME.
    assert diversity_figures(df, p) == {"referrals": 1, "ethnicity_not_recorded": 0,
                                        "first_language_not_recorded": 1,
                                        "religion_not_recorded": 1}
    assert bme_share(df, p) == {"bme": 1, "known": 1, "rate": 1.0}
    out = not_recorded_by(df, by="district", period=p).set_index("field")
    assert out.loc["ethnicity", ["district", "referrals", "not_recorded", "value"]].tolist() == [
        "Rugby", 1, 0, 0.0]


def test_bme_share_reads_census_descriptions_and_leaves_out_values_that_are_no_code():
    # By hand: "White British" and "wbri" are WBRI, "Mixed - White and Asian" is MWAS and
    # "Information not yet obtained" is NOBT (not recorded); "Martian" is no census code, so
    # it is recorded but tells nothing: known = WBRI, WBRI, MWAS -> BME 1 of 3.
    df = frame("referrals", """
        Child Unique ID,Date of referral,Ethnicity
        R1,01/05/2016,White British
        R2,01/05/2016,wbri
        R3,01/05/2016,Mixed - White and Asian
        R4,01/05/2016,Information not yet obtained
        R5,01/05/2016,Martian
    """)
    p = financial_year("2016-17")
    assert bme_share(df, p) == {"bme": 1, "known": 3, "rate": 1 / 3}
    assert diversity_figures(df, p)["ethnicity_not_recorded"] == 1
