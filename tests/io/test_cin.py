"""CIN census returns: two overlapping years read together, the same children as an Annex A
workbook giving the same journey figures, a census beside lists of the same source refused.

The children, their dates and the working days between them are in tests/io/cin_returns.py.
"""

from __future__ import annotations

import pytest

from tests.io.cin_returns import RETURN_2018, write_returns, write_workbook
from wscb_analysis.figures import headline_figures
from wscb_analysis.io.load import load_extract
from wscb_analysis.periods import financial_year

# Worked by hand from the children in cin_returns.py (working days: the days after the start
# day up to and including the end day, skipping weekends and England's bank holidays).
JOURNEY_2016_17 = {
    "referrals": 3,                # C1 01/06/2016, C2 01/03/2017, C6 10/02/2017
    "referrals_nfa": 1,            # C6
    "assessments_started": 2,      # C1 01/06/2016, C2 02/03/2017
    "assessments_completed": 1,    # C1, authorised 03/08/2016
    # C1: 2-3 June (2), 6-30 June (19), 1-29 July (21), 1-3 August (3) = 45: within 45.
    "assessments_within_45_working_days": 1,
    "s47_started": 1,              # C2 20/03/2017
    "icpc_held": 0, "icpc_within_15_working_days": 0, "cp_plans_started": 0,
}
JOURNEY_2017_18 = {
    "referrals": 5,                # C3, C4, C5, C6 (12/06/2017), C7
    "referrals_nfa": 2,            # C3, C6
    # C4 20/12/2017, C5 03/04/2017; C7 is set aside (starts after it was authorised).
    "assessments_started": 2,
    # C2 28/04/2017, C4 27/02/2018, C5 03/04/2017.
    "assessments_completed": 3,
    # C2: 3-31 March (21) + 3-28 April less Good Friday 14th and Easter Monday 17th (18) = 39;
    # C4: 21-22 Dec (2), 27-29 Dec (3; 25th, 26th bank holidays), 2-31 Jan (22; 1st a bank
    # holiday), 1-27 Feb (19) = 46: not within 45; C5: the same day, 0.
    "assessments_within_45_working_days": 2,
    "s47_started": 2,              # C4 08/01/2018, C5 05/04/2017
    "icpc_held": 2,                # C2 10/04/2017, C4 30/01/2018
    # C2: 21-24 March (4), 27-31 March (5), 3-7 April (5), 10 April (1) = 15: within 15;
    # C4: 9-12 Jan (4), 15-19 (5), 22-26 (5), 29-30 (2) = 16: not within.
    "icpc_within_15_working_days": 1,
    "cp_plans_started": 2,         # C2 10/04/2017, C4 30/01/2018
}


def _journey(folder, period):
    return headline_figures(load_extract(folder, use_cache=False),
                            financial_year(period))["journey"]


@pytest.mark.parametrize(("period", "expected", "contacts"), [
    ("2016-17", JOURNEY_2016_17, 3),   # List 1: C1, C2, C6
    ("2017-18", JOURNEY_2017_18, 7),   # C3, C4, C5, C6, C7 and two contacts (X1, X2) alone
])
def test_returns_and_workbook_give_the_same_journey(tmp_path, period, expected, contacts):
    census = _journey(write_returns(tmp_path / "census"), period)
    workbook = _journey(write_workbook(tmp_path / "lists").parent, period)
    assert {k: v for k, v in census.items() if k != "contacts"} == expected
    if period == "2016-17":
        # List 7's first plan starts on 10/04/2017: the lists do not reach 2016-17 for plans,
        # so that stage is not held (None), where the 2016-17 return says none started (0).
        expected = {**expected, "cp_plans_started": None}
    assert {k: v for k, v in workbook.items() if k != "contacts"} == expected
    # The census holds no contacts: not supplied, never 0.
    assert census["contacts"] is None
    assert workbook["contacts"] == contacts


def test_rereferral_across_the_two_returns(tmp_path):
    # C6 was referred on 10/02/2017 (the 2016-17 return) and again on 12/06/2017 (the 2017-18
    # return): one re-referral of the five referrals in 2017-18.
    figures = headline_figures(load_extract(write_returns(tmp_path / "c"), use_cache=False),
                               financial_year("2017-18"))
    assert figures["referrals"] == {"referrals": 5, "rereferrals": 1, "rereferral_rate": 0.2}


def test_row_accounting_across_the_two_returns(tmp_path):
    extract = load_extract(write_returns(tmp_path / "c"), use_cache=False)
    got = {name: (r.rows_in, r.rows_kept, r.duplicates, r.rows_set_aside)
           for name, r in extract.sources.items() if r.file}
    assert got == {
        # Episodes: 3 in 2016-17 (C1, C2, C6) + 6 in 2017-18 (C2 again, C3-C7); C2's is one
        # episode read twice, the later version kept.
        "referrals": (9, 8, 1, 0),
        "children_in_need": (9, 8, 1, 0),
        # C1, C2 + C2 again, C4, C5, C7; C7 set aside (authorised before it started).
        "assessments": (6, 4, 1, 1),
        "s47": (4, 3, 1, 0),            # C2 + C2 again, C4, C5
        "cp_plans": (2, 2, 0, 0),       # C2, C4 (2017-18 only)
    }
    assert all(r.accounts() for r in extract.sources.values())
    aside = extract.sources["assessments"].set_aside.iloc[0]
    # C7 is the sixth child of the 2017-18 return, on the file's line 8 (one child a line).
    assert aside["file"] == "cin_2017_18.xml"
    assert aside["column"] == "Child[6]/CINdetails[1]/Assessments[1]/AssessmentAuthorisationDate"
    assert "rule 8608" in aside["reason"] and "line 8" in aside["reason"]


def test_the_later_return_wins(tmp_path):
    # C2's assessment has no authorisation in 2016-17 and one (28/04/2017) in 2017-18.
    extract = load_extract(write_returns(tmp_path / "c"), use_cache=False)
    a = extract["assessments"]
    c2 = a.loc[a["child_id"] == "C2"]
    assert len(c2) == 1 and str(c2["assessment_authorised"].iloc[0].date()) == "2017-04-28"


def test_disability_from_the_census_and_not_recorded_when_absent(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    # C4 has HAND (disabled); C5's Disabilities element is removed: not recorded, never No.
    (folder / "r.xml").write_text(RETURN_2018.replace(
        "<Ethnicity>WBRI</Ethnicity><Disabilities><Disability>NONE</Disability></Disabilities>"
        "</ChildCharacteristics><CINdetails><CINreferralDate>2017-04-03",
        "<Ethnicity>WBRI</Ethnicity></ChildCharacteristics><CINdetails><CINreferralDate>"
        "2017-04-03"))
    cin = load_extract(folder, use_cache=False)["children_in_need"].set_index("child_id")
    assert cin.loc["C4", "disability"] == True  # noqa: E712 - a nullable boolean
    assert cin.loc["C3", "disability"] == False  # noqa: E712 - NONE is recorded as not disabled
    assert cin["disability"].isna().sum() == 1  # C5's element was removed above


def test_census_beside_a_list_of_the_same_source_is_refused(tmp_path):
    folder = write_returns(tmp_path / "c")
    (folder / "referrals.csv").write_text("Child Unique ID,Date of Referral\nC1,01/06/2016\n")
    extract = load_extract(folder, use_cache=False)
    problem = extract.sources["referrals"].problems[0]
    assert "referrals.csv and the CIN census returns" in problem and "both hold" in problem
    assert not extract.usable
    # Sources the census does not hold (contacts) may sit beside it.
    (folder / "referrals.csv").unlink()
    (folder / "contacts.csv").write_text("Child Unique ID,Date of Contact\nC1,01/06/2016\n")
    assert load_extract(folder, use_cache=False).usable


def test_returns_from_two_authorities_are_refused(tmp_path):
    folder = write_returns(tmp_path / "c")
    other = (folder / "cin_2017_18.xml").read_text().replace("<LEA>999</LEA>", "<LEA>937</LEA>")
    (folder / "cin_2017_18.xml").write_text(other)
    problems = load_extract(folder, use_cache=False).problems()
    assert any("2 different authorities" in p for p in problems)


def test_sex_from_2026_is_read_as_gender_current(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "r.xml").write_text(RETURN_2018.replace(
        "<GenderCurrent>1</GenderCurrent>", "<Sex>F</Sex>"))
    referrals = load_extract(folder, use_cache=False)["referrals"]
    assert set(referrals["gender"]) == {"F"}
