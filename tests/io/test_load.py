"""Loading and validation on tiny hand-made files; every expected count is worked by hand."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_DATA
from wscb_analysis.io.load import ExtractError, flush_cache_writes, load_extract, load_source

REFERRALS_HEADER = ("Child Unique ID,Gender,Ethnicity,Date of Birth,Age of Child (Years),"
                    "Date of referral,Referral Source,Referral NFA?\n")


def test_council_header_variants_load(write_file):
    path = write_file("referrals.csv", """
        CHILD_ID,ethnic group,DOB,Referral Date,Source of referral,NFA
        A1,WBRI,01/02/2010,05/06/2016,6,b) No
        A2,NOBT,01/02/2011,06/06/2016,2A,a) Yes
    """)
    r = load_source(path, "referrals")
    assert r.usable
    assert r.columns_used["child_id"] == "CHILD_ID"
    assert r.columns_used["referral_date"] == "Referral Date"
    assert list(r.data["referral_date"].astype(str)) == ["2016-06-05", "2016-06-06"]
    assert list(r.data["nfa"]) == [False, True]


def test_user_maps_an_unusual_header(write_file):
    path = write_file("referrals.csv", """
        Child Unique ID,Contact Received
        A1,05/06/2016
    """)
    assert not load_source(path, "referrals").usable
    r = load_source(path, "referrals", column_map={"Contact Received": "referral_date"})
    assert r.usable and r.data["referral_date"].astype(str).tolist() == ["2016-06-05"]


def test_rows_identical_in_every_column_are_kept_once(write_file):
    path = write_file("referrals.csv", REFERRALS_HEADER + """\
A1,M,WBRI,01/02/2010,6,05/06/2016,6,N
A1,M,WBRI,01/02/2010,6,05/06/2016,6,N
A1,M,WBRI,01/02/2010,6,05/06/2016,2A,N
A1,M,WBRI,01/02/2010,6,05/06/2016,6,N
""")
    r = load_source(path, "referrals")
    # 4 rows in: rows 2 and 5 repeat row 2 exactly -> 2 duplicates; row 4 differs (source).
    assert (r.rows_in, r.rows_kept, r.duplicates, r.rows_set_aside) == (4, 2, 2, 0)
    assert r.data["row"].tolist() == [2, 4]
    assert r.accounts()


def test_each_bad_row_is_set_aside_with_file_row_column_and_reason(write_file):
    path = write_file("referrals.csv", REFERRALS_HEADER + """\
A1,M,WBRI,01/02/2010,6,31/02/2016,6,N
A2,M,WBRI,01/02/2010,6,unknown,6,N
,F,WBRI,01/02/2010,6,05/06/2016,6,N
A4,F,WBRI,01/02/2010,6,05/06/2016,6,N
A5,F,WBRI,01/02/2010,6,,6,N
""")
    r = load_source(path, "referrals")
    assert (r.rows_in, r.rows_kept, r.duplicates, r.rows_set_aside) == (5, 1, 0, 4)
    assert r.accounts()
    sa = r.set_aside.set_index("row")
    assert sa.loc[2, "column"] == "Date of referral"
    assert "'31/02/2016' is not a real date" in sa.loc[2, "reason"]
    assert "'unknown' is not a real date" in sa.loc[3, "reason"]
    assert sa.loc[4, "column"] == "Child Unique ID" and "blank" in sa.loc[4, "reason"]
    assert "blank Date of referral" in sa.loc[6, "reason"]
    assert (sa["file"] == "referrals.csv").all()
    assert r.data["child_id"].tolist() == ["A4"]


def test_end_before_start_is_set_aside(write_file):
    path = write_file("cp_plans.csv", """
        Child Unique ID,Child Protection Plan Start Date,Child Protection Plan End Date
        C1,01/05/2016,01/04/2016
        C2,01/05/2016,01/06/2016
        C3,01/05/2016,
    """)
    r = load_source(path, "cp_plans")
    assert r.rows_kept == 2 and r.rows_set_aside == 1
    rec = r.set_aside.iloc[0]
    assert (rec["row"], rec["column"]) == (2, "Child Protection Plan End Date")
    assert "before start date 01/05/2016" in rec["reason"]


def test_overlapping_missing_episodes_of_one_child(write_file):
    path = write_file("missing.csv", """
        CHILD,DOB,MISSING,MIS_START,MIS_END
        K1,01/01/2003,M,01/05/2016,05/05/2016
        K1,01/01/2003,A,03/05/2016,04/05/2016
        K1,01/01/2003,M,05/05/2016,06/05/2016
        K2,01/01/2004,M,02/05/2016,
        K2,01/01/2004,M,09/05/2016,10/05/2016
    """)
    r = load_source(path, "missing")
    assert r.layout == "SSDA903 Missing"
    # Row 3 starts (3 May) inside row 2's episode (1-5 May): overlap. Row 4 starts the day
    # row 2 ended: allowed. Row 6 starts while row 5 is still open (no end): overlap.
    assert sorted(r.set_aside["row"]) == [3, 6]
    assert "overlaps the episode at row 2" in r.set_aside.set_index("row").loc[3, "reason"]
    assert r.rows_kept == 3 and r.accounts()
    assert set(r.data["missing_type"]) == {"Missing"}
    assert r.data["looked_after"].all()  # SSDA903: looked-after children only


def test_missing_required_column_names_file_and_column(tmp_path, write_file):
    write_file("referrals.csv", """
        Child Unique ID,Gender
        A1,M
    """)
    extract = load_extract(tmp_path / "extract")
    assert not extract.usable
    problem = extract.problems()[0]
    assert "referrals.csv" in problem and "Date of referral" in problem
    with pytest.raises(ExtractError, match="referrals.csv.*Date of referral"):
        load_extract(tmp_path / "extract", strict=True)


def test_empty_file_is_unusable_with_a_message(write_file):
    path = write_file("early_help.csv", "")
    r = load_source(path, "early_help")
    assert not r.usable and "empty" in r.problems[0] and "early_help.csv" in r.problems[0]


def test_header_only_file_is_usable_with_no_rows(write_file):
    path = write_file("early_help.csv", "Child Unique ID,Assessment start date,Organisation\n")
    r = load_source(path, "early_help")
    assert r.usable and r.rows_in == 0 and r.rows_kept == 0


def test_unreadable_workbook_is_a_clear_problem(tmp_path):
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "cp_plans.xlsx").write_bytes(b"this is not a zip file")
    extract = load_extract(folder)
    assert not extract.usable
    assert "cp_plans.xlsx" in extract.problems()[0]
    assert "Excel workbook" in extract.problems()[0]


def test_xlsx_with_excel_dates_loads(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from datetime import datetime

    folder = tmp_path / "extract"
    folder.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Child Unique ID", "Date of referral", "Referral Source"])
    ws.append([1001, datetime(2016, 6, 5), "6"])
    ws.append([1002, "06/06/2016", "2A"])
    wb.save(folder / "referrals.xlsx")
    r = load_extract(folder).sources["referrals"]
    assert r.usable and r.rows_kept == 2
    assert r.data["child_id"].tolist() == ["1001", "1002"]
    assert r.data["referral_date"].astype(str).tolist() == ["2016-06-05", "2016-06-06"]


def test_annex_a_workbook_stands_in_for_the_lists(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    folder = tmp_path / "extract"
    folder.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "List 1 Contacts"
    ws.append(["Child Unique ID", "Date of contact"])
    l3 = wb.create_sheet("List 3 Referrals")
    l3.append(["Child Unique ID", "Date of referral"])
    l3.append(["A1", "05/06/2016"])
    l3.append(["A1", "31/02/2016"])
    l7 = wb.create_sheet("List 7 Child Protection")
    l7.append(["Child Unique ID", "Child Protection Plan Start Date",
               "Child Protection Plan End Date"])
    l7.append(["C1", "01/05/2016", ""])
    wb.save(folder / "AnnexA_2017.xlsx")
    extract = load_extract(folder)
    ref = extract.sources["referrals"]
    assert ref.file == "AnnexA_2017.xlsx [List 3 Referrals]"
    assert ref.rows_kept == 1 and ref.rows_set_aside == 1
    assert ref.set_aside["row"].tolist() == [3]  # header is spreadsheet row 1
    assert extract.sources["cp_plans"].rows_kept == 1
    assert extract.sources["missing"].file is None


def test_local_missing_layout_with_flags(write_file):
    path = write_file("missing.csv", """
        Child ID,Type,Start,End,Looked After,RHI Offered,RHI Accepted,District
        P1,Absent,01/05/2016,01/05/2016,N,Y,N,Rugby
        P2,Missing,02/05/2016,03/05/2016,a) Yes,Y,Y,Warwick
        P3,Gone,02/05/2016,03/05/2016,N,Y,Y,Warwick
    """)
    r = load_source(path, "missing")
    assert r.layout == "local missing extract"
    assert r.data["missing_type"].tolist() == ["Absent", "Missing"]
    assert r.data["looked_after"].tolist() == [False, True]
    assert "'Gone' is not a missing episode type" in r.set_aside["reason"].iloc[0]


def test_cache_is_reused_and_keyed_by_content(write_file):
    path = write_file("referrals.csv", "Child Unique ID,Date of referral\nA1,05/06/2016\n")
    first = load_source(path, "referrals")
    flush_cache_writes()
    again = load_source(path, "referrals")
    assert not first.from_cache and again.from_cache
    assert again.data.equals(first.data)
    path.write_text("Child Unique ID,Date of referral\nA1,05/06/2016\nA2,07/06/2016\n")
    changed = load_source(path, "referrals")
    assert not changed.from_cache and changed.rows_kept == 2


@pytest.mark.skipif(not (SHARED_DATA / "ssda903").exists(),
                    reason="../shared/data/ssda903 is not beside the project")
def test_real_ssda903_fixture_loads():
    r = load_source(SHARED_DATA / "ssda903" / "fake903_missing.csv", "missing")
    assert r.usable and r.layout == "SSDA903 Missing"
    assert r.accounts()
    assert set(r.data["missing_type"].dropna()) <= {"Missing", "Away"}
    assert r.data["looked_after"].all()  # the 903 return is of looked-after children


def test_unreadable_annex_a_workbook_is_reported_not_ignored(tmp_path):
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "AnnexA.xlsx").write_bytes(b"PK\x03\x04 truncated")
    extract = load_extract(folder)
    assert not extract.usable
    assert all("AnnexA.xlsx" in p for p in extract.problems())
