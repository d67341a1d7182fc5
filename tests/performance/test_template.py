"""The partners' workbook: drop-downs, the catalogue, and a filled copy that loads back as
performance.xlsx with the same values and no mapping."""

from __future__ import annotations

import math

import openpyxl
import pytest

from wscb_analysis.io.load import load_extract
from wscb_analysis.performance import load_performance
from wscb_analysis.performance.demo import PERFORMANCE_HEADER, starter_catalogue
from wscb_analysis.performance.template import template_periods, write_template

from .conftest import write

# What a partner types: (indicator, period, value, numerator, denominator, agency, note).
FILLED = [
    ("training_events", "2016-17 Q1", 6, None, None, "Safeguarding board", "from the log"),
    ("training_events", "2016-17 Q2", 7, None, None, "Safeguarding board", None),
    ("la_icpc_15_days", "2016-17 Q1", 87.6, 92, 105, "Local authority", None),
    ("police_missing_reports", "2016-12", 214, None, None, "Police", None),
    ("scr_referrals", "2016-17", 5, None, None, "Safeguarding board", None),
    ("la_strategy_to_icpc_days", "2016-17 Q1", 11.4, None, None, "Local authority", None),
]


@pytest.fixture
def template(tmp_path):
    return write_template(tmp_path / "template.xlsx", last_period="2017-18")


def test_sheets_lists_and_checks(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == ["Instructions", "Submissions", "Lists", "Indicators"]
    assert wb["Lists"].sheet_state == "hidden"
    sub = wb["Submissions"]
    assert [c.value for c in sub[1]] == PERFORMANCE_HEADER
    assert sub["B2"].number_format == "@"  # a period typed as 2016-12 stays text
    rules = {str(dv.sqref): dv for dv in sub.data_validations.dataValidation}
    n = len(starter_catalogue())
    assert rules["A2:A5001"].type == "list"
    assert rules["A2:A5001"].formula1 == f"=Indicators!$A$2:$A${n + 1}"
    periods = template_periods("2012-13", "2017-18")
    assert rules["B2:B5001"].formula1 == f"=Lists!$A$2:$A${len(periods) + 1}"
    assert rules["C2:C5001 D2:D5001 E2:E5001"].type == "decimal"
    listed = [c.value for c in wb["Lists"]["A"][1:]]
    assert listed == periods and {"2016-17", "2016-17 Q3", "2016-12"} <= set(listed)
    cat = wb["Indicators"]
    assert cat.max_row == n + 1 and cat["A2"].value == starter_catalogue()[0]["indicator"]
    assert "performance.xlsx" in " ".join(str(c.value) for c in wb["Instructions"]["A"])


def test_periods_per_year():
    # Each year: the year, its 4 quarters and its 12 months, April first.
    p = template_periods("2016-17", "2016-17")
    assert p[:6] == ["2016-17", "2016-17 Q1", "2016-17 Q2", "2016-17 Q3", "2016-17 Q4",
                     "2016-04"]
    assert p[-1] == "2017-03" and len(p) == 17


def test_a_filled_template_loads_back_unmapped(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    sub = wb["Submissions"]
    for i, row in enumerate(FILLED, start=2):
        for j, value in enumerate(row, start=1):
            sub.cell(row=i, column=j, value=value)
    # Typed as 87.6% in Excel: stored 0.876 with a percentage format.
    sub["C4"] = 0.876
    sub["C4"].number_format = "0.0%"
    folder = tmp_path / "extract"
    folder.mkdir()
    wb.save(folder / "performance.xlsx")
    data = load_performance(folder)
    perf, cat = data
    assert cat.file == "performance.xlsx [Indicators]" and cat.rows_kept == len(
        starter_catalogue())
    assert perf.file == "performance.xlsx [Submissions]"
    assert perf.rows_in == len(FILLED) and perf.rows_kept == len(FILLED) and perf.accounts()
    got = {(r.indicator, r.period): (r.value, r.numerator, r.denominator, r.agency, r.note)
           for r in perf.data.itertuples()}
    for ind, period, value, num, den, agency, note in FILLED:
        v, x, d, a, n = got[(ind, period)]
        assert v == pytest.approx(value) and a == agency and n == (note or "")
        assert (x, d) == (num, den) if num else (math.isnan(x) and math.isnan(d))
    kinds = dict(zip(perf.data["indicator"], perf.data["kind"], strict=False))
    assert kinds["police_missing_reports"] == "month" and kinds["scr_referrals"] == "year"


def test_rows_set_aside_name_the_sheet_and_row(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    sub = wb["Submissions"]
    sub["A2"], sub["B2"], sub["C2"] = "training_events", "2016-17 Q1", "c"
    folder = tmp_path / "extract"
    folder.mkdir()
    wb.save(folder / "performance.xlsx")
    perf = load_performance(folder).performance
    assert list(perf.set_aside[["file", "row", "column"]].itertuples(index=False, name=None)) \
        == [("performance.xlsx [Submissions]", 2, "value")]


def test_catalogue_from_a_data_folder(folder, tmp_path):
    path = write_template(tmp_path / "ours.xlsx", data_dir=folder, last_period="2017-18")
    cat = openpyxl.load_workbook(path)["Indicators"]
    ids = [c.value for c in cat["A"][1:]]
    assert ids == ["timely", "events", "mase", "lac", "days"]
    row = {h.value: c.value for h, c in zip(cat[1], cat[2], strict=True)}
    assert (row["target"], row["target_direction"], row["about_children"]) == ("85", "at least",
                                                                               "yes")


def test_the_workbook_is_not_taken_for_an_annex_a_list(template, tmp_path):
    folder = tmp_path / "extract"
    write(folder, "referrals.csv", "Child Unique ID,Date of referral\n1,01/04/2016\n")
    (folder / "performance.xlsx").write_bytes(template.read_bytes())
    extract = load_extract(folder, use_cache=False)
    assert extract.usable and extract.has("referrals")
    assert not any(extract.has(s) for s in ("cp_plans", "early_help", "missing"))


def test_only_xlsx(tmp_path):
    with pytest.raises(ValueError, match=".xlsx"):
        write_template(tmp_path / "t.csv")


# --------------------------------------------------------------------------- a chosen set


def _listed(path):
    return [c.value for c in openpyxl.load_workbook(path)["Indicators"]["A"][1:]]


def test_the_template_for_a_chosen_set_of_indicators(tmp_path, capsys):
    from wscb_analysis.cli import main

    chosen = write(tmp_path, "mine.txt", "cse_crimes\ntraining_events\n\ncse_crimes\n")
    out = tmp_path / "six.xlsx"
    assert main(["template", "--out", str(out), "--indicators", str(chosen)]) == 0
    # The file's order, each once; the drop-down lists exactly those.
    assert _listed(out) == ["cse_crimes", "training_events"]
    sub = openpyxl.load_workbook(out)["Submissions"]
    rule = {str(dv.sqref): dv for dv in sub.data_validations.dataValidation}["A2:A5001"]
    assert rule.formula1 == "=Indicators!$A$2:$A$3"
    # A column headed "indicator" works too; an id the catalogue lacks is a usage error.
    column = write(tmp_path, "col.csv", "Indicator\nscr_started\n")
    assert main(["template", "--out", str(tmp_path / "c.xlsx"), "--indicators",
                 str(column)]) == 0
    assert _listed(tmp_path / "c.xlsx") == ["scr_started"]
    capsys.readouterr()
    wrong = write(tmp_path, "wrong.txt", "cse_crimes\nno_such_thing\n")
    assert main(["template", "--out", str(tmp_path / "w.xlsx"), "--indicators",
                 str(wrong)]) == 2
    err = capsys.readouterr().err
    assert "wrong.txt: not in the catalogue: no_such_thing" in err
    assert not (tmp_path / "w.xlsx").exists()


def test_a_catalogue_file_is_the_catalogue_the_template_lists(tmp_path):
    from .conftest import CATALOGUE

    cat = write(tmp_path, "ours.csv", CATALOGUE)
    out = write_template(tmp_path / "ours.xlsx", indicators=cat)
    assert _listed(out) == ["timely", "events", "mase", "lac", "days"]
    # Filled in and saved as performance.xlsx, it loads with its own catalogue.
    wb = openpyxl.load_workbook(out)
    wb["Submissions"].append(["events", "2016-17 Q1", 6])
    folder = tmp_path / "data"
    folder.mkdir()
    wb.save(folder / "performance.xlsx")
    perf = load_performance(folder)
    assert perf.usable and perf.performance.data["indicator"].tolist() == ["events"]
