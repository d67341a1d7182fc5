"""Reading CSV files as analysts' systems write them: encodings, title rows, blank and broken
lines, other delimiters. Every expected value is worked out by hand from the bytes written."""

from __future__ import annotations

import openpyxl
import pytest

from wscb_analysis.io.load import ExtractError, load_source

HEADER = "Child Unique ID,Date of referral,First Language,Religion"


def write_bytes(tmp_path, name: str, data: bytes):
    folder = tmp_path / "extract"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def test_utf8_with_byte_order_mark(tmp_path):
    path = write_bytes(tmp_path, "referrals.csv",
                       ("\ufeff" + HEADER + "\nA1,05/06/2016,Français,\n").encode("utf-8"))
    r = load_source(path, "referrals")
    assert r.columns_used["child_id"] == "Child Unique ID"
    assert r.data["first_language"].tolist() == ["Français"]
    assert r.warnings == []


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                          ("utf-16-le", b"")])
def test_utf16_files_are_read_and_say_what_to_do(tmp_path, encoding, bom):
    # Excel's "Unicode Text" is UTF-16 with tabs between values.
    text = HEADER.replace(",", "\t") + "\r\nA1\t05/06/2016\tPolski\tChristian\r\n" \
        "A2\t31/02/2016\t\t\r\n"
    path = write_bytes(tmp_path, "referrals.csv", bom + text.encode(encoding))
    r = load_source(path, "referrals")
    assert r.usable and (r.rows_in, r.rows_kept, r.rows_set_aside) == (2, 1, 1)
    assert r.data["first_language"].tolist() == ["Polski"]
    assert r.set_aside["row"].tolist() == [3]
    assert len(r.warnings) == 1
    assert "UTF-16" in r.warnings[0] and "CSV UTF-8" in r.warnings[0]


def test_windows_1252_file_is_read_as_such(tmp_path):
    # No valid UTF-8 multi-byte character anywhere: the whole file is Windows-1252.
    data = (HEADER + "\nA1,05/06/2016,Français,\nA2,06/06/2016,Português,\n").encode("cp1252")
    r = load_source(write_bytes(tmp_path, "referrals.csv", data), "referrals")
    assert r.data["first_language"].tolist() == ["Français", "Português"]
    assert len(r.warnings) == 1 and "Windows-1252" in r.warnings[0]


def test_utf8_file_with_one_windows_byte_is_not_garbled(tmp_path):
    # Rows 2 and 3 are UTF-8 ("Zoë", "Français"); row 4 holds one Windows-1252 byte (0xE7).
    data = (HEADER + "\nA1,05/06/2016,Zoë,\nA2,06/06/2016,Français,\n").encode("utf-8") + \
        b"A3,07/06/2016,Fran\xe7ais,\n"
    r = load_source(write_bytes(tmp_path, "referrals.csv", data), "referrals")
    assert r.rows_kept == 3
    assert r.data["first_language"].tolist() == ["Zoë", "Français", "Fran\ufffdais"]
    assert len(r.warnings) == 1
    warning = r.warnings[0]
    assert warning.startswith("referrals.csv: row(s) 4 hold bytes that are not valid UTF-8")
    assert "(1 in all)" in warning and "CSV UTF-8" in warning


def test_bytes_windows_1252_leaves_undefined_are_named(tmp_path):
    # 0x81 has no character in Windows-1252: row 3 is named.
    data = (HEADER + "\nA1,05/06/2016,Français,\n").encode("cp1252") + \
        b"A2,06/06/2016,X\x81Y,\n"
    r = load_source(write_bytes(tmp_path, "referrals.csv", data), "referrals")
    assert r.data["first_language"].tolist() == ["Français", "X\ufffdY"]
    assert any("row(s) 3 hold bytes that are not valid Windows-1252" in w for w in r.warnings)


def test_title_rows_above_the_header(tmp_path, write_file):
    path = write_file("referrals.csv", """
        Referrals to children's social care,,,
        Warwickshire 2016-17,,,
        ,,,
        Child Unique ID,Date of referral,First Language,Religion
        A1,05/06/2016,English,
        A2,31/02/2016,English,
    """)
    r = load_source(path, "referrals")
    assert r.usable and (r.rows_in, r.rows_kept, r.rows_set_aside) == (2, 1, 1)
    # Line 4 is the header, so the records are lines 5 and 6 as a person sees them.
    assert r.data["row"].tolist() == [5]
    assert r.set_aside["row"].tolist() == [6]
    assert r.warnings == [
        "referrals.csv: rows 1 to 2 above the column names were skipped as a title; the column "
        "names were found in row 4. If row 4 does not hold the column names, delete the rows "
        "above the real ones (or name the columns with --map)."]


def test_blank_lines_keep_row_numbers_right(tmp_path, write_file):
    path = write_file("referrals.csv", "Child Unique ID,Date of referral\nA1,05/06/2016\n\n"
                      "A2,31/02/2016\n\r\nA3,07/06/2016\n")
    r = load_source(path, "referrals")
    # Lines: 1 header, 2 A1, 3 blank, 4 A2 (bad date), 5 blank, 6 A3.
    assert r.rows_in == 3 and r.data["row"].tolist() == [2, 6]
    assert r.set_aside["row"].tolist() == [4]


def test_a_line_that_does_not_split_into_the_columns_is_set_aside(tmp_path, write_file):
    path = write_file("referrals.csv", "Child Unique ID,Date of referral,Religion\n"
                      "A1,05/06/2016,\nA2,06/06/2016,Church of England, Wales\nA3,07/06/2016,\n")
    r = load_source(path, "referrals")
    assert (r.rows_in, r.rows_kept, r.rows_set_aside) == (3, 2, 1) and r.accounts()
    assert r.data["row"].tolist() == [2, 4]
    rec = r.set_aside.iloc[0]
    assert (rec["row"], rec["column"]) == (3, "(whole row)")
    assert rec["reason"].startswith("has 4 values where the header has 3 columns")


def test_rows_with_every_cell_blank_are_not_records(tmp_path, write_file):
    # Excel exports a formatted but empty row as ",,"; it is not a referral.
    path = write_file("referrals.csv", "Child Unique ID,Date of referral\nA1,05/06/2016\n,\n,\n")
    r = load_source(path, "referrals")
    assert (r.rows_in, r.rows_kept, r.rows_set_aside) == (1, 1, 0)


def test_semicolon_delimited_file(tmp_path, write_file):
    path = write_file("referrals.csv", "Child Unique ID;Date of referral\nA1;05/06/2016\n")
    r = load_source(path, "referrals")
    assert r.usable and r.data["referral_date"].astype(str).tolist() == ["2016-06-05"]


def test_workbook_saved_with_a_csv_name(tmp_path):
    path = write_bytes(tmp_path, "referrals.csv", b"PK\x03\x04rest of a zip")
    with pytest.raises(ExtractError, match="referrals.csv: this is an Excel workbook with a "
                                           ".csv name; rename it to referrals.xlsx"):
        load_source(path, "referrals")


def test_old_mac_line_ends(tmp_path):
    path = write_bytes(tmp_path, "referrals.csv",
                       b"Child Unique ID,Date of referral\rA1,05/06/2016\rA2,06/06/2016\r")
    r = load_source(path, "referrals")
    assert r.data["row"].tolist() == [2, 3]


def test_title_rows_in_a_workbook_and_data_far_from_a1(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Child protection plans, Warwickshire"
    # Header on row 3 from column C; records on rows 4 and 5.
    for col, value in zip("CDE", ["Child Unique ID", "Child Protection Plan Start Date",
                                  "Child Protection Plan End Date"], strict=True):
        ws[f"{col}3"] = value
    ws["C4"], ws["D4"] = "C1", "01/05/2016"
    ws["C5"], ws["D5"], ws["E5"] = "C2", "01/05/2016", "01/04/2016"
    folder = tmp_path / "extract"
    folder.mkdir()
    wb.save(folder / "cp_plans.xlsx")
    r = load_source(folder / "cp_plans.xlsx", "cp_plans")
    assert r.data["row"].tolist() == [4]
    assert r.set_aside[["row", "column"]].values.tolist() == [
        [5, "Child Protection Plan End Date"]]
    assert "row 1 above the column names was skipped as a title" in r.warnings[0]


def test_quality_report_shows_warnings(tmp_path):
    from wscb_analysis.io.load import load_extract
    from wscb_analysis.io.quality import quality_report

    path = write_bytes(tmp_path, "referrals.csv",
                       (HEADER + "\nA1,05/06/2016,Fran").encode() + b"\xe7ais,\n"
                       + "A2,06/06/2016,Zoë,\n".encode())
    extract = load_extract(path.parent)
    assert extract.warnings() == extract.sources["referrals"].warnings != []
    report = quality_report(extract)
    assert "  WARNING: referrals.csv: row(s) 2 hold bytes that are not valid UTF-8" in report
    assert "rows in 2 = kept 2 + duplicates 0 + set aside 0" in report


def test_line_of_spaces_is_not_a_record(tmp_path, write_file):
    path = write_file("referrals.csv", "Child Unique ID,Date of referral\nA1,05/06/2016\n   \n"
                      "A2,31/02/2016\n")
    r = load_source(path, "referrals")
    # Line 3 holds spaces only: not a record, but it still counts as a line.
    assert (r.rows_in, r.rows_kept, r.rows_set_aside) == (2, 1, 1)
    assert r.set_aside["row"].tolist() == [4]


def test_windows_1252_file_with_old_mac_line_ends(tmp_path):
    path = write_bytes(tmp_path, "referrals.csv",
                       "Child Unique ID,Date of referral,Religion\rA1,05/06/2016,Protestant\r"
                       "A2,06/06/2016,Église\r".encode("cp1252"))
    r = load_source(path, "referrals")
    assert r.data["religion"].tolist() == ["Protestant", "Église"]
    assert r.data["row"].tolist() == [2, 3]
