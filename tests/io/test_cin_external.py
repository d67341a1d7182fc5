"""Every CIN census return in ../shared/data/external (Data to Insight's validator fixtures and
Social Finance's sample) is read or refused with a message, never a traceback, and its planted
faults are set-aside rows. Expected rows were worked out by reading each file.
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import SHARED_DATA
from wscb_analysis.cli import main
from wscb_analysis.io.load import load_extract

EXTERNAL = SHARED_DATA / "external"
pytestmark = pytest.mark.skipif(not (EXTERNAL / "d2i-cin").is_dir(),
                                reason="../shared/data/external (the CIN samples) is absent")


def _alone(tmp_path, folder: str, name: str):
    out = tmp_path / name.removesuffix(".xml")
    out.mkdir()
    shutil.copy(EXTERNAL / folder / name, out / name)
    return load_extract(out, use_cache=False)


def _accounts(extract) -> dict[str, tuple[int, int, int, int]]:
    return {n: (r.rows_in, r.rows_kept, r.duplicates, r.rows_set_aside)
            for n, r in extract.sources.items() if r.file}


def _reasons(extract, source: str) -> list[tuple[str, str]]:
    sa = extract.sources[source].set_aside
    return sorted(zip(sa["column"], sa["reason"], strict=True))


# CIN_Census_2024.xml: ReferenceDate 2024-03-31, so its collection year is 01/04/2023 to
# 31/03/2024.
#   Child 1: referred 2022-10-06 (before the year: its referral is set aside, its episode,
#     closed 2023-02-27, kept among the children in need); an assessment "started" 2028-04-28
#     and authorised 2020-09-19 (set aside: rule 8608); section 47 2022-06-02, conference
#     2022-06-17 (kept); a plan 2022-02-17 to 2023-03-14 with 10 previous plans (kept: rule
#     8730 asks only for a number). Stray text "PersonBirthDate" sits between two elements:
#     it is no element's value and changes nothing.
#   Child 2 ("child_fails_assessments", <Sex>M</Sex>): referred 2024-10-24, after the
#     reference date (referral and episode set aside); its assessment 2023-12-25 to
#     2024-01-27 is inside the year (kept).
def test_cin_census_2024(tmp_path):
    extract = _alone(tmp_path, "d2i-cin", "CIN_Census_2024.xml")
    assert _accounts(extract) == {
        "referrals": (2, 0, 0, 2), "children_in_need": (2, 1, 0, 1),
        "assessments": (2, 1, 0, 1), "s47": (1, 1, 0, 0), "cp_plans": (1, 1, 0, 0)}
    referrals = _reasons(extract, "referrals")
    assert referrals[0][0] == "Child[1]/CINdetails[1]/CINreferralDate"
    assert "before the first collection year held (from 01/04/2023)" in referrals[0][1]
    assert referrals[1][0] == "Child[2]/CINdetails[1]/CINreferralDate"
    assert "24/10/2024 is after the return's reference date 31/03/2024" in referrals[1][1]
    (column, reason), = _reasons(extract, "assessments")
    assert column == "Child[1]/CINdetails[1]/Assessments[1]/AssessmentAuthorisationDate"
    assert "authorised on 19/09/2020, before the assessment started on 28/04/2028" in reason
    assert extract["cp_plans"]["previous_plans"].tolist() == [10]
    assert extract["assessments"]["child_id"].tolist() == ["child_fails_assessments"]
    # With no referral usable the extract is not usable, and says why.
    assert "none of the 2 referrals" in extract.sources["referrals"].problems[0]


@pytest.mark.parametrize(("folder", "name"), [("d2i-cin", "CIN_Census_2021.xml"),
                                               ("liia-cin", "cin-2022.xml")])
def test_returns_dated_1970_set_every_record_aside(tmp_path, folder, name):
    # One child whose every date is in 1965-1971 (born 1965/66, referred 1970-10-06, plan
    # 1970-02-17 ...): outside the plausible 1990-2099, so each record is set aside.
    extract = _alone(tmp_path, folder, name)
    assert _accounts(extract) == {s: (1, 0, 0, 1) for s in (
        "referrals", "cp_plans", "assessments", "s47", "children_in_need")}
    column, reason = _reasons(extract, "referrals")[0]
    assert column == "Child[1]/CINdetails[1]/CINreferralDate"
    assert "1970-10-06 is outside the plausible range 1990-2099" in reason


@pytest.mark.parametrize(("name", "plans"), [("CIN2rows.xml", (2, 1, 1, 0)),
                                              ("CIN_Census_2021_no_assessment_factors.xml",
                                               (1, 1, 0, 0))])
def test_two_rows_and_no_factors(tmp_path, name, plans):
    # ReferenceDate 2024-03-31; one child referred 2022-10-06 (before the year: referral set
    # aside, episode kept); an assessment from 2023-01-24, not authorised (kept); section 47
    # 2022-06-02 (kept). CIN2rows.xml repeats its plan element exactly: one record read twice.
    extract = _alone(tmp_path, "d2i-cin", name)
    assert _accounts(extract) == {
        "referrals": (1, 0, 0, 1), "children_in_need": (1, 1, 0, 0),
        "assessments": (1, 1, 0, 0), "s47": (1, 1, 0, 0), "cp_plans": plans}


def test_fake_cin_data(tmp_path):
    # 332 children and 402 episodes (grep -c), no assessments, enquiries or plans;
    # ReferenceDate 2022-07-21, so the year held is 22/07/2021 to 21/07/2022. Child 92's second
    # episode (its Child element opens on line 1947) is referred 2025-02-08, after the
    # reference date.
    extract = _alone(tmp_path, "d2i-cin", "fake_CIN_data.xml")
    r = extract.sources["referrals"]
    assert r.rows_in == 402 and r.accounts()
    assert extract.sources["cp_plans"].rows_in == 0
    assert ("Child[92]/CINdetails[2]/CINreferralDate",
            "08/02/2025 is after the return's reference date 21/07/2022, the last day its "
            "collection year covers (the child starts on line 1947)") in _reasons(extract,
                                                                              "referrals")
    assert "332 children, 402 episodes" in extract.sources["children_in_need"].warnings[0]
    # Every referral kept falls in the year held.
    d = r.data["referral_date"]
    assert d.min() >= __import__("pandas").Timestamp("2021-07-22")
    assert d.max() <= __import__("pandas").Timestamp("2022-07-21")


def test_validate_prints_a_report_not_a_traceback(tmp_path, capsys):
    for folder, name in (("d2i-cin", "CIN_Census_2024.xml"), ("liia-cin", "cin-2022.xml")):
        out = tmp_path / name
        out.mkdir()
        shutil.copy(EXTERNAL / folder / name, out / name)
        code = main(["validate", "--data-dir", str(out), "--no-cache"])
        text = capsys.readouterr()
        assert code == 1 and "Traceback" not in text.out + text.err
        assert f"set aside: {name} Child[1]/CINdetails[1]/CINreferralDate" in text.out
