"""Field parsers alone, header matching, --map checks and the rules across rows; every
expected value is worked out by hand in the comments."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from wscb_analysis.io.load import ExtractError, load_extract, load_source
from wscb_analysis.io.quality import quality_report
from wscb_analysis.io.schemas import SOURCES, describe_fields, fields_table
from wscb_analysis.io.validate import _PARSERS
from wscb_analysis.metrics.cp_plans import cp_plan_figures
from wscb_analysis.periods import financial_year


def parse(source: str, field: str, values: list[str]):
    f = SOURCES[source].field(field)
    text = pa.array(values, pa.string())
    blank = np.array([v == "" for v in values])
    return _PARSERS[f.kind](text, blank, f)


def bad_rows(parsed) -> list[int]:
    return sorted(int(i) for idx, _ in parsed.problems for i in idx)


# --------------------------------------------------------------------------- parsers


def test_ethnicity_codes_as_annex_a_and_others_write_them():
    p = parse("referrals", "ethnicity", ["a) WBRI", "s) NOBT", "WBRI - White British", "wbri",
                                         "", "Mixed - White and Asian"])
    # A census description without its code reads as the code (not "MIXED").
    assert p.values.to_pylist() == ["WBRI", "NOBT", "WBRI", "WBRI", None, "MWAS"]
    assert p.problems == []
    # Other spellings: "&" for "and", the group first, words for not recorded (NOBT, as the
    # contract reads "not recorded"); an extended code is kept as given (and warned of).
    p = parse("referrals", "ethnicity", ["Mixed: White & Black Caribbean", "Other White",
                                         "Black or Black British: African", "Not known",
                                         "Unknown", "WENG"])
    assert p.values.to_pylist() == ["MWBC", "WOTH", "BAFR", "NOBT", "NOBT", "WENG"]


def test_referral_source_codes_lose_prefix_and_description():
    p = parse("referrals", "referral_source", ["s) 8: Other", "j) 3D: Health services",
                                               "e) 2A: Schools", "6", "q) 6: Police", "10",
                                               "1a - Individual"])
    assert p.values.to_pylist() == ["8", "3D", "2A", "6", "6", "10", "1A"]


def test_gender_read_as_m_f_u():
    p = parse("referrals", "gender", ["a) Male", "b) Female", "c) Not stated/recorded", "M",
                                      "f", "1", "2", "0", "Female", "", "Other"])
    # Unrecognised values are kept as written, never set aside.
    assert p.values.to_pylist() == ["M", "F", "U", "M", "F", "M", "F", "U", "F", None,
                                    "Other"]
    assert p.problems == []


def test_missing_type_is_strict():
    p = parse("missing", "missing_type", ["M", "A", "a) Missing", "Away from placement",
                                          "absent", "Gone", ""])
    assert p.values.to_pylist() == ["Missing", "Away", "Missing", "Away", "Absent", None, None]
    assert bad_rows(p) == [5]  # a blank is the mandatory-value check's business
    assert "'Gone' is not a missing episode type" in p.problems[0][1][0]


def test_yes_no_with_annex_a_prefixes():
    p = parse("missing", "rhi_offered", ["a) Yes", "b) No", "c) Not stated/recorded", "Y", "N",
                                         "", "maybe", "No"])
    assert p.values.to_pylist() == [True, False, None, True, False, None, None, False]
    assert bad_rows(p) == [6]


def test_whole_numbers():
    p = parse("cp_plans", "previous_plans", ["3", "3.0", "", "two", "1.5"])
    assert p.values.to_pylist() == [3, 3, None, None, None]
    assert bad_rows(p) == [3, 4]


def test_category_of_abuse_loses_annex_a_prefix():
    p = parse("cp_plans", "initial_category", ["a) Neglect", "Physical abuse", ""])
    assert p.values.to_pylist() == ["Neglect", "Physical abuse", None]


# --------------------------------------------------------------------------- headers


def test_an_ethnicity_that_is_no_census_code_is_kept_and_warned_of_by_row(write_file):
    path = write_file("referrals.csv", """
        Child Unique ID,Date of referral,Ethnicity
        A1,01/05/2016,WBRI - White British
        A2,02/05/2016,Martian
        A3,03/05/2016,Chinese
        A4,04/05/2016,
    """)
    r = load_source(path, "referrals")
    assert r.rows_kept == 4
    assert r.data["ethnicity"].fillna("").tolist() == ["WBRI", "MARTIAN", "CHNE", ""]
    assert r.warnings == [
        "referrals.csv: column 'Ethnicity': 1 row holds an ethnicity that is not a CIN census "
        "code: 'Martian' (row 3); kept as recorded; the black and minority ethnic share of "
        "referrals leaves such values out (assumption 15)"]


def test_two_headers_that_read_the_same_are_an_error_naming_both(write_file, tmp_path):
    path = write_file("referrals.csv", """
        Child Unique ID,Date of referral ,Source,Date_of_Referral
        A1,not a date,6,05/06/2016
    """)
    r = load_source(path, "referrals")
    assert not r.usable and r.rows_kept == 0
    assert r.problems == [
        "referrals.csv: 2 columns could be 'Date of referral' (referral_date): column B "
        "'Date of referral' and column D 'Date_of_Referral'. Keep the right one and rename or "
        "delete the other, or choose one with --map \"Date_of_Referral=referral_date\"."]
    chosen = load_source(path, "referrals", column_map={"Date_of_Referral": "referral_date"})
    assert chosen.usable and chosen.data["referral_date"].astype(str).tolist() == ["2016-06-05"]
    with pytest.raises(ExtractError, match="2 columns could be 'Date of referral'"):
        load_extract(tmp_path / "extract", strict=True)


def test_a_column_matching_an_earlier_pattern_is_not_chosen_silently(write_file):
    # "Referral Date" matches a pattern of referral_date as much as "Date of referral" does.
    path = write_file("referrals.csv", """
        Child Unique ID,Referral Date,Date of referral
        A1,,05/06/2016
    """)
    problem = load_source(path, "referrals").problems[0]
    assert "column B 'Referral Date' and column C 'Date of referral'" in problem


def test_identical_headers_must_be_renamed(write_file):
    path = write_file("referrals.csv", """
        Child Unique ID,Date of referral,Date of referral
        A1,05/06/2016,
    """)
    problem = load_source(path, "referrals").problems[0]
    assert "rename one of them (--map cannot tell identical headers apart)" in problem


def test_map_to_a_field_no_source_has(write_file, tmp_path):
    write_file("referrals.csv", "Child Unique ID,Contact In\nA,01/05/2016\n")
    with pytest.raises(ExtractError) as err:
        load_extract(tmp_path / "extract", column_map={"Contact In": "referal_date"})
    message = str(err.value)
    assert message.startswith("--map \"Contact In=referal_date\": 'referal_date' is not a field")
    assert "referral_date" in message and "missing_type" in message


def test_map_of_a_header_no_file_has(write_file, tmp_path):
    write_file("referrals.csv", "Child Unique ID,Contact In\nA,01/05/2016\n")
    with pytest.raises(ExtractError) as err:
        load_extract(tmp_path / "extract", column_map={"Contact Date": "referral_date"})
    assert str(err.value) == (
        "--map \"Contact Date=referral_date\": no supplied file of a source with the field "
        "'referral_date' has a column 'Contact Date'. Headers found: referrals.csv: "
        "Child Unique ID, Contact In")
    extract = load_extract(tmp_path / "extract", column_map={"contact in": "referral_date"})
    assert extract.sources["referrals"].rows_kept == 1  # header names compare case-blind


def test_map_of_a_header_in_a_file_without_that_field(write_file, tmp_path):
    write_file("referrals.csv", "Child Unique ID,Date of referral\nA,01/05/2016\n")
    write_file("missing.csv", "CHILD,MISSING,MIS_START,Gone\nK1,M,01/05/2016,x\n")
    with pytest.raises(ExtractError, match="no supplied file of a source with the field "
                                           "'referral_date' has a column 'Gone'"):
        load_extract(tmp_path / "extract", column_map={"Gone": "referral_date"})


def test_fields_table_and_description():
    rows = fields_table()
    assert len(rows) == sum(len(s.fields) for s in SOURCES.values())
    plans = {r["field"]: r for r in rows if r["source"] == "cp_plans"}
    assert plans["start_date"]["required"] is True and plans["end_date"]["required"] is False
    assert plans["previous_plans"]["kind"] == "whole number"
    text = describe_fields()
    assert "[sum of ]number of previous child protection plans" in text
    for s in SOURCES.values():
        for f in s.fields:
            assert f"  {f.name} " in text


# --------------------------------------------------------------------------- rows


def test_source_whose_rows_are_all_unusable_is_unusable(write_file, tmp_path):
    path = write_file("referrals.csv", """
        Child Unique ID,Date of referral
        A1,2016-99-01
        A2,unknown
        A3,
    """)
    r = load_source(path, "referrals")
    assert not r.usable and r.rows_set_aside == 3 and r.accounts()
    problem = r.problems[0]
    assert problem.startswith("referrals.csv: none of its 3 rows could be used.")
    assert "'Date of referral': a value is not a real date" in problem
    assert "(2 rows)" in problem and "columns used: child_id='Child Unique ID'" in problem
    assert "A2" not in problem and "unknown" not in problem  # no value is echoed
    report = quality_report(load_extract(tmp_path / "extract"))
    assert "rows in 3 = kept 0 + duplicates 0 + set aside 3" in report
    assert "referrals.csv row 4, column 'Date of referral': blank Date of referral" in report


def test_overlapping_plans_from_the_issue(write_file):
    # P1: two plans both starting 01/07/2016 (row 3 is the later row: it overlaps row 2; the
    # categories differ, so the rows are not one record read twice).
    # P2: a plan open from 01/06/2016 (row 4); another from 01/09/2016 (row 5) starts while
    # it is open. Before: started 4, second or subsequent 2, open at end 4.
    path = write_file("cp_plans.csv", """
        Child Unique ID,CP Plan Start Date,Initial Category,CP Plan End Date
        P1,01/07/2016,Neglect,
        P1,01/07/2016,Emotional abuse,
        P2,01/06/2016,Neglect,
        P2,01/09/2016,Neglect,
    """)
    r = load_source(path, "cp_plans")
    assert (r.rows_in, r.rows_kept, r.rows_set_aside) == (4, 2, 2)
    why = r.set_aside.set_index("row")
    assert why.loc[3, "reason"] == "overlaps the plan at row 2 of the same child"
    assert why.loc[5, "reason"] == "overlaps the plan at row 4 of the same child"
    assert (why["column"] == "CP Plan Start Date").all()
    figures = cp_plan_figures(r.data, financial_year("2016-17"))
    # One plan each for P1 and P2, both open at 31/03/2017.
    assert (figures["started"], figures["second_or_subsequent"]) == (2, 0)
    assert figures["open_at_end"] == 2


def test_plan_starting_the_day_the_last_ended_is_allowed(write_file):
    path = write_file("cp_plans.csv", """
        Child Unique ID,Child Protection Plan Start Date,Child Protection Plan End Date
        P3,01/04/2016,30/06/2016
        P3,30/06/2016,
        P4,01/04/2016,01/04/2016
        P4,01/04/2016,05/04/2016
    """)
    r = load_source(path, "cp_plans")
    # P3's second plan starts the day the first ended; P4's first plan started and ended on
    # 01/04/2016, so the second, starting that day, does not overlap it.
    assert (r.rows_kept, r.rows_set_aside) == (4, 0)
    figures = cp_plan_figures(r.data, financial_year("2016-17"))
    assert figures["second_or_subsequent"] == 2  # row 3 (P3) and row 5 (P4)


def test_a_file_that_is_not_a_table_gets_a_short_message(tmp_path):
    folder = tmp_path / "extract"
    folder.mkdir()
    path = folder / "referrals.csv"
    path.write_bytes(b"%PDF-1.4 " + b"x" * 500 + b"," * 100 + b"\n" + b"\x93\x94" * 50 + b"\n")
    r = load_source(path, "referrals")
    assert not r.usable
    # 101 "headers": 40 listed, each cut to 60 characters.
    assert "and 61 more" in r.problems[0] and len(r.problems[0]) < 1500
