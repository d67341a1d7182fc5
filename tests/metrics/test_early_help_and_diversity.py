from wscb_analysis.metrics.diversity import bme_share, diversity_figures, not_recorded_by
from wscb_analysis.metrics.early_help import (
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
