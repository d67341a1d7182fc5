"""Annex A Lists 1, 4, 5 and 6 as sources: the Ofsted sample workbook's lists, CSV files with
council header variants, and `wscb fields`."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_DATA
from wscb_analysis.cli import main
from wscb_analysis.figures import headline_figures
from wscb_analysis.io.load import load_extract
from wscb_analysis.periods import financial_year

SAMPLE = SHARED_DATA / "external" / "liia-pipeline-wb"


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="../shared/data/external/liia-pipeline-wb absent")
def test_the_sample_workbooks_journey_lists():
    extract = load_extract(SAMPLE, use_cache=False)
    # Each of Lists 1, 4, 5 and 6 has 5 records under its header; none is unusable.
    for name, sheet in (("contacts", "List 1"), ("assessments", "List 4"), ("s47", "List 5"),
                        ("children_in_need", "List 6")):
        r = extract.sources[name]
        assert r.file == f"Annex_A_2024_Jan.xlsx [{sheet}]"
        assert (r.rows_in, r.rows_kept) == (5, 5)
    journey = headline_figures(extract, financial_year("2020-21"))["journey"]
    # Read from the sheets: five contacts on 16/09/2020; List 4's five assessments started in
    # 2019-20 (16/05/2019 to 26/02/2020) and were authorised between 11/11/2020 and 08/02/2021,
    # each many months on; List 5's five enquiries began on Wed 16/09/2020, three with a
    # conference: 05/10/2020 twice (17-18 Sep 2, 21-25 Sep 5, 28-30 Sep 3, 1-2 Oct 2, 5 Oct 1:
    # 13 working days) and 01/10/2020 (11): all within 15.
    assert journey["contacts"] == 5
    assert (journey["assessments_started"], journey["assessments_completed"],
            journey["assessments_within_45_working_days"]) == (0, 5, 0)
    assert (journey["s47_started"], journey["icpc_held"],
            journey["icpc_within_15_working_days"]) == (5, 3, 3)
    # List 5's first record is a disabled child ("a) Yes").
    assert extract["s47"]["disability"].tolist()[0] == True  # noqa: E712


def test_council_header_variants(write_file, tmp_path):
    write_file("assessments.csv", """
        Child ID,Assessment Start Date,Date of Authorisation,Disability
        A1,03/04/2017,03/04/2017,N
        A2,04/04/2017,,Y
        """)
    write_file("s47.csv", """
        Child ID,S47 Start Date,ICPC Date,ICPC Not Required
        A1,05/04/2017,,Y
        """)
    write_file("contacts.csv", """
        Child ID,Contact Date,Source of Contact
        A1,02/04/2017,6
        """)
    extract = load_extract(tmp_path / "extract", use_cache=False)
    assert extract.sources["assessments"].columns_used == {
        "child_id": "Child ID", "assessment_start": "Assessment Start Date",
        "assessment_authorised": "Date of Authorisation", "disability": "Disability"}
    journey = headline_figures(extract, financial_year("2017-18"))["journey"]
    # The folder holds no referrals or plans: those stages are not held (None), never 0.
    assert journey == {"contacts": 1, "referrals": None, "referrals_nfa": None,
                       "assessments_started": 2, "assessments_completed": 1,
                       "assessments_within_45_working_days": 1, "s47_started": 1,
                       "icpc_held": 0, "icpc_within_15_working_days": 0,
                       "cp_plans_started": None}


def test_an_extract_without_the_journey_lists_reads_as_before(write_file, tmp_path):
    write_file("referrals.csv", """
        Child Unique ID,Date of Referral
        R1,03/04/2017
        """)
    extract = load_extract(tmp_path / "extract", use_cache=False)
    # The journey's lists are not reported as "not supplied" sources of an older extract.
    assert set(extract.sources) == {"referrals", "cp_plans", "early_help", "missing"}


def test_fields_lists_the_journey_sources(capsys):
    assert main(["fields"]) == 0
    out = capsys.readouterr().out
    for line in ("contacts: contacts.csv", "assessments: assessments.csv", "s47: s47.csv",
                 "children_in_need: children_in_need.csv"):
        assert line in out
    assert "continuous assessment date of authorisation" in out
