"""Invisible characters in an extract's text fields are removed when read (issue 18 item 7).

A right-to-left override (U+202E) shows "Rugby" followed by anything reversed; a zero-width
space (U+200B) makes "War<ZWSP>wick" a sixth district that looks like Warwick. Both, and
their kin, are removed from text and coded fields as they are read, the report says which
rows held them, and a message quoting a header or a value shows them as <U+202E>.
"""

from __future__ import annotations

import pyarrow as pa

from wscb_analysis.io.load import load_extract, load_source
from wscb_analysis.io.quality import quality_report
from wscb_analysis.io.text import clean_column, visible

RLO, ZWSP, LRI, PDI, WJ = "\u202e", "\u200b", "\u2066", "\u2069", "\u2060"

REFERRALS = (
    "Child Unique ID,Date of referral,Referral Source,District,Religion\n"
    "A1,05/06/2016,6,Rugby,None\n"
    f"A2,06/06/2016,6{ZWSP},Rug{RLO}by,None\n"
    f"A3,07/06/2016,{WJ}2A,War{ZWSP}wick,Chris{LRI}tian{PDI}\n"
    "A4,08/06/2016,2A,Warwick,Christian\n"
)


def test_invisible_characters_are_removed_from_text_and_codes(write_file):
    path = write_file("referrals.csv", REFERRALS)
    r = load_source(path, "referrals", use_cache=False)
    data = r.data.sort_values("row")
    # Rows 2-5 of the file, as written above without their invisible characters.
    assert data["district"].tolist() == ["Rugby", "Rugby", "Warwick", "Warwick"]
    assert data["referral_source"].tolist() == ["6", "6", "2A", "2A"]
    assert data["religion"].tolist() == ["None", "None", "Christian", "Christian"]
    assert data.groupby("district").size().to_dict() == {"Rugby": 2, "Warwick": 2}
    district = next(w for w in r.warnings if "column 'District'" in w)
    assert "2 rows hold" in district and "row 3, 4" in district
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in district and "U+200B ZERO WIDTH SPACE" in district
    assert RLO not in " ".join(r.warnings)


def test_the_report_shows_them_and_never_prints_them(write_file):
    write_file("referrals.csv", REFERRALS)
    folder = write_file("cp_plans.csv", (
        f"Child Unique ID,Child Protection Plan Start Date,Note{RLO}\n"
        "B1,01/05/2016,x\n")).parent
    report = quality_report(load_extract(folder, use_cache=False))
    assert "Note<U+202E>" in report  # a column not used, shown as the file holds it
    for ch in (RLO, ZWSP, LRI, PDI, WJ):
        assert ch not in report


def test_a_header_or_value_quoted_in_a_message_is_made_visible(write_file):
    path = write_file("referrals.csv", f"Child Unique ID,Date of refe{RLO}rral\nA1,05/06/2016\n")
    problem = load_source(path, "referrals", use_cache=False).problems[0]
    assert "Date of refe<U+202E>rral" in problem and RLO not in problem
    path = write_file("referrals.csv", f"Child Unique ID,Date of referral\nA1,05/06/20{RLO}16\n")
    reason = load_source(path, "referrals", use_cache=False).set_aside["reason"].iloc[0]
    assert "'05/06/20<U+202E>16' is not a real date" in reason


def test_clean_column_leaves_ordinary_text_alone_and_spaces_line_breaks():
    plain = pa.array(["Rugby", "Nuneaton and Bedworth", "café", None])
    cleaned, idx = clean_column(plain)
    assert cleaned is plain and len(idx) == 0  # no copy when nothing is there
    cleaned, idx = clean_column(pa.array(["North\nWarwickshire", "Strat\u00adford", "a\u2028b"]))
    assert cleaned.to_pylist() == ["North Warwickshire", "Stratford", "a b"]
    assert idx.tolist() == [0, 1, 2]
    assert visible(f"Rug{RLO}by") == "Rug<U+202E>by"
