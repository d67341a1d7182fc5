"""Every third-party extract in ../shared/data/external loads as a person reading it would.

Expected counts come from reading the files (row numbers are the file's lines, header = 1)
and, for rule-fixtures-src, from the national validator's verdicts in its expected.csv.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd

from tests.conftest import SHARED_DATA, needs_shared
from wscb_analysis.authorities import find_authority
from wscb_analysis.io.load import load_extract, load_source
from wscb_analysis.metrics.cp_plans import cp_plan_figures
from wscb_analysis.metrics.diversity import not_recorded_flags
from wscb_analysis.periods import financial_year

EXTERNAL = SHARED_DATA / "external"
pytestmark = needs_shared


def set_aside_rows(result) -> list[int]:
    return sorted(result.set_aside["row"].unique().tolist())


# --------------------------------------------------------------------------- 903 rule fixtures

# Rows of 903-rule-fixtures/missing.csv, read one by one (header is row 1):
#   2  574_111 01/06-05/06/2020            kept
#   3  574_111 04/06/2020, open            starts inside row 2's episode -> overlap
#   4  574_222 03/06-04/06                 kept
#   5  574_222 04/06, open                 starts the day row 4 ended -> allowed, kept
#   6  574_222 07/06-09/06                 starts while row 5 is open -> overlap
#   7  574_333 02/06-04/06                 kept
#   8  574_333 03/06-09/06                 starts inside row 7 -> overlap
#   9  574_444 06/06-08/06                 kept
#  10  574_444 10/06-10/06                 by start: row 9 (6 Jun), row 11 (8 Jun, the day
#  11  574_444 08/06-10/08                 row 9 ended: allowed), row 10 (10 Jun) starts inside
#                                          row 11 -> row 10 overlaps row 11; row 11 kept
#  12  574_555 blank start                 blank start -> set aside
#  13  574_555 blank start                 identical to row 12 -> duplicate
#  14  1004_a, 15 1004_b                   kept
#  16  1004_c blank start                  set aside
#  17  1004_d end '13/10/21'               two-digit year read as 2021 (assumption 17) -> kept
#  18  1004_e start '10/24/2021'           month 24: not a real date -> set aside
#  19  567_a, 20 567_b                     kept
#  21  567_c, 22 567_d                     end before start -> set aside
#  23  567_e, 24 586_a                     blank start -> set aside
#  25  586_b                               kept (starts after birth)
#  26  586_c, 28 586_e                     start before date of birth -> set aside
#  27  586_d                               blank start -> set aside
#  29  586_f, 30 586_g (start = birth)     kept (only a start strictly before birth is wrong)
#  31  564_0, 35 564_4                     type M, blank start -> set aside
#  32  564_1, 33 564_2, 36 564_5           kept
#  34  564_3                               blank type and blank start -> set aside
#  37  564_1b                              blank type -> set aside
RULE_KEPT = [2, 4, 5, 7, 9, 11, 14, 15, 17, 19, 20, 25, 29, 30, 32, 33, 36]
RULE_SET_ASIDE = [3, 6, 8, 10, 12, 16, 18, 21, 22, 23, 24, 26, 27, 28, 31, 34, 35, 37]


def test_903_rule_fixtures_row_by_row():
    r = load_source(EXTERNAL / "903-rule-fixtures" / "missing.csv", "missing")
    assert r.usable and r.layout == "SSDA903 Missing"
    assert (r.rows_in, r.rows_kept, r.duplicates, r.rows_set_aside) == (36, 17, 1, 18)
    assert r.accounts()
    assert r.data["row"].tolist() == RULE_KEPT
    assert set_aside_rows(r) == RULE_SET_ASIDE
    why = r.set_aside.groupby("row")["reason"].apply(" | ".join)
    assert "overlaps the episode at row 2 of the same child" in why[3]
    assert "overlaps the episode at row 5" in why[6]
    assert "overlaps the episode at row 7" in why[8]
    assert "overlaps the episode at row 11" in why[10]
    assert "'10/24/2021' is not a real date" in why[18]
    assert "end date 01/06/2020 is before start date 03/06/2020" in why[21]
    assert why[26] == why[28] == "the episode starts before the date of birth"
    assert "blank Type" in why[34] and "blank Start" in why[34]
    assert why[37] == "blank Type: this field is required"
    kept = r.data.set_index("row")
    assert str(kept.loc[17, "end_date"].date()) == "2021-10-13"
    # Types of the kept rows: A on rows 32, 33, 36; M on the other 14.
    assert r.data["missing_type"].value_counts().to_dict() == {"Missing": 14, "Away": 3}


def _validator_verdicts() -> dict[int, str]:
    path = EXTERNAL / "rule-fixtures-src" / "missing_rule_fixtures.expected.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    # A row the validator flags has a note saying so, or naming the rule ("567: ...").
    return {int(r["file_row"]): r["validator_note"] for r in rows
            if "flags" in r["validator_note"] or re.match(r"\d{3,4}: ", r["validator_note"])}


def test_rule_fixtures_against_the_validators_verdicts():
    r = load_source(EXTERNAL / "rule-fixtures-src" / "missing_rule_fixtures.csv", "missing")
    flagged = _validator_verdicts()
    ours = set(set_aside_rows(r))
    kept = set(r.data["row"])
    # The validator flags the earlier-ending episode of an overlapping pair; we set aside the
    # later-starting one (assumption 11). Either way one episode of the pair goes.
    pairs = {2: 3, 11: 10}
    # Deliberate differences: a two-digit year is read (Excel's rule, assumption 17), and an
    # episode starting on the date of birth is allowed (only before birth is impossible).
    differences = {17, 30}
    assert set(flagged) == {2, 6, 8, 11, 16, 17, 18, 21, 22, 26, 28, 30, 31, 35, 37}
    for row in flagged:
        if row in pairs:
            assert row in kept and pairs[row] in ours, row
        elif row in differences:
            assert row in kept, row
        else:
            assert row in ours, (row, flagged[row])
    # Rows we set aside that the validator's rules here do not flag: the overlap partners,
    # and rows with a blank mandatory start or type (the validator checks those elsewhere).
    extra = ours - set(flagged)
    assert extra == {3, 10, 12, 23, 24, 27, 34}
    for row in extra - {3, 10}:
        assert r.set_aside.set_index("row").loc[[row], "reason"].str.contains("blank").all()


# --------------------------------------------------------------------------- csc-903 and d2i


def test_csc_903_missing_has_one_overlap():
    r = load_source(EXTERNAL / "csc-903" / "missing.csv", "missing")
    # 43 episodes of 39 children. Child 366621: row 37 (A, 02/11/2017-22/12/2017) and row 36
    # (M, 20/11/2017-04/12/2017), which starts inside it. Children 26033, 123379 and 784166
    # have two episodes each that do not overlap.
    assert (r.rows_in, r.rows_kept, r.duplicates, r.rows_set_aside) == (43, 42, 0, 1)
    rec = r.set_aside.iloc[0]
    assert (rec["row"], rec["column"]) == (36, "MIS_START")
    assert rec["reason"] == "overlaps the episode at row 37 of the same child"
    # 19 M and 24 A in the file; the set-aside row is an M.
    assert r.data["missing_type"].value_counts().to_dict() == {"Away": 24, "Missing": 18}
    assert r.data["looked_after"].all()
    assert r.columns_ignored == [] and r.warnings == []


def test_d2i_pooled_missing_file():
    path = EXTERNAL / "d2i-missing" / "missing.csv"
    # A file of 19 authorities is no partnership's as it stands (issue 17 item 5).
    whole = load_source(path, "missing")
    assert not whole.usable and "names 19 authorities" in whole.problems[0]
    # Read authority by authority, its rows add up to the file's: 207 rows, 207 different
    # children (the id carries the authority's number), ISO dates, no repeats, no overlaps, no
    # end before start; 9 open episodes; 115 M and 92 A.
    names = sorted({line.split(",")[5] for line in path.read_text().splitlines()[1:]})
    parts = [load_source(path, "missing", la=find_authority(n)) for n in names]
    assert len(parts) == 19 and all(r.accounts() and r.rows_in == 207 for r in parts)
    assert sum(r.rows_kept for r in parts) == 207
    assert sum(r.duplicates + r.rows_set_aside for r in parts) == 0
    r = parts[0]  # Bracknell Forest, whose first row is the file's first
    assert r.layout == "SSDA903 Missing"
    assert r.columns_ignored == ["LA", "YEAR"]
    first = r.data.iloc[0]
    assert (first["child_id"], str(first["dob"].date()), str(first["start_date"].date()),
            str(first["end_date"].date())) == ("876570_867", "2001-06-01", "2019-09-21",
                                               "2019-10-11")
    data = pd.concat([p.data for p in parts])
    # Dates of birth cut to the month arrive as the 1st: every one reads as a real date.
    assert (data["dob"].dt.day == 1).all() and data["dob"].notna().all()
    assert int(data["end_date"].isna().sum()) == 9
    assert data["missing_type"].value_counts().to_dict() == {"Missing": 115, "Away": 92}


def test_903_episodes_table_named_missing_is_refused_with_what_it_is():
    extract = load_extract(EXTERNAL / "csc-903-wrongfile")
    r = extract.sources["missing"]
    assert not r.usable and not extract.usable
    assert len(r.problems) == 1
    problem = r.problems[0]
    assert problem.startswith("missing.csv: this looks like the SSDA903 Episodes table")
    assert "not the missing episodes table" in problem
    assert "DECOM, RNE, LS, CIN, PLACE" in problem  # the columns it found
    assert "MIS_START" in problem  # what to export instead
    assert r.rows_kept == 0


# --------------------------------------------------------------------------- Annex A


def _referrals_expected(r):
    # List 3 of the sample: six referrals on 16/09/2020, sources "s) 8: Other",
    # "j) 3D: Health services", "q) 6: Police", "e) 2A: Schools", "q) 6: Police",
    # "q) 6: Police"; ethnicity a) WBRI x4, s) NOBT, r) OOTH; NFA "No" throughout.
    assert (r.rows_in, r.rows_kept, r.rows_set_aside) == (6, 6, 0)
    d = r.data
    assert d["referral_source"].tolist() == ["8", "3D", "6", "2A", "6", "6"]
    assert d["ethnicity"].tolist() == ["WBRI", "WBRI", "WBRI", "WBRI", "NOBT", "OOTH"]
    assert d["gender"].tolist() == ["M", "M", "M", "F", "F", "M"]
    assert d["nfa"].tolist() == [False] * 6
    assert d["referrals_last_12_months"].tolist() == [0, 2, 1, 0, 2, 0]
    assert (d["referral_date"].astype(str) == "2020-09-16").all()
    # Ethnicity not recorded = blank or NOBT: one of the six (row 6).
    assert int(not_recorded_flags(d)["ethnicity"].sum()) == 1


def _plans_expected(r, previous_header: str):
    # List 7: seven plans of seven children; previous plans 0,1,1,0,0,0,0; two still open.
    assert (r.rows_in, r.rows_kept, r.rows_set_aside) == (7, 7, 0)
    d = r.data
    assert r.columns_used["previous_plans"] == previous_header
    assert d["previous_plans"].tolist() == [0, 1, 1, 0, 0, 0, 0]
    assert int(d["end_date"].isna().sum()) == 2
    assert d["ethnicity"].tolist() == ["NOBT", "OOTH", "APKN", "WBRI", "WBRI", "WBRI", "WBRI"]
    assert d["disability"].tolist() == [False] * 7
    # 2020-21: plans started 23/11/2020, 08/02/2021 (x2), 27/04/2020 (x2) = 5; the two
    # started 08/02/2021 record one previous plan each: 2 second or subsequent.
    figures = cp_plan_figures(d, financial_year("2020-21"))
    assert (figures["started"], figures["second_or_subsequent"]) == (5, 2)


def _early_help_expected(r):
    assert (r.rows_in, r.rows_kept, r.rows_set_aside) == (5, 5, 0)
    # "c) Not stated/recorded" reads as U.
    assert r.data["gender"].tolist() == ["M", "U", "F", "F", "M"]
    assert r.data["organisation"].tolist()[:2] == ["Top Town Academy", "Early Help Locality 2"]


def test_liia_lists_saved_as_csv():
    extract = load_extract(EXTERNAL / "liia-pipeline-csv")
    assert extract.usable and not extract.has("missing")
    _referrals_expected(extract.sources["referrals"])
    _plans_expected(extract.sources["cp_plans"], "Number of Previous Child Protection Plans")
    _early_help_expected(extract.sources["early_help"])


def test_liia_workbook_matches_its_csv_lists():
    wb = load_extract(EXTERNAL / "liia-pipeline-wb")
    assert wb.sources["referrals"].file == "Annex_A_2024_Jan.xlsx [List 3]"
    _referrals_expected(wb.sources["referrals"])
    _plans_expected(wb.sources["cp_plans"], "Number of Previous Child Protection Plans")
    _early_help_expected(wb.sources["early_help"])
    as_csv = load_extract(EXTERNAL / "liia-pipeline-csv")
    for name in ("referrals", "cp_plans", "early_help"):
        # Excel dates and dd/mm/yyyy text give the same days; ids read the same.
        a, b = wb[name].drop(columns="child_key"), as_csv[name].drop(columns="child_key")
        assert a.equals(b), name


def test_older_liia_workbook_with_pivot_header():
    extract = load_extract(EXTERNAL / "liia-tools-Annex_A_7498eca")
    assert extract.usable
    _referrals_expected(extract.sources["referrals"])
    _plans_expected(extract.sources["cp_plans"],
                    "Sum of Number of Previous Child Protection Plans")
    _early_help_expected(extract.sources["early_help"])


def test_combined_folder_loads_every_source():
    extract = load_extract(EXTERNAL / "combined-2020-21")
    assert extract.usable
    assert {n: r.rows_kept for n, r in extract.sources.items()} == {
        "referrals": 6, "cp_plans": 7, "early_help": 5, "missing": 17,
        # The workbook's Lists 1, 4, 5 and 6: five records each.
        "contacts": 5, "assessments": 5, "s47": 5, "children_in_need": 5}
    assert all(r.accounts() for r in extract.sources.values())
    hashes = extract.input_hashes()
    assert set(hashes) == {f"Annex_A_2024_Jan.xlsx [List {n}]" for n in (1, 2, 3, 4, 5, 6, 7)
                           } | {"missing.csv"}
    # The seven lists come from one read of the workbook: one hash.
    assert len({hashes[k] for k in hashes if k.startswith("Annex")}) == 1
    assert np.all(extract["missing"]["row"].to_numpy() == np.array(RULE_KEPT))
