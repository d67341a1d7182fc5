"""Partners' files as an attacker or a careless script writes them (issue "Nothing escapes
across packs", items 3 and 7): the workbook read through the extract's bounded reader, every
row accounted for, and text that cannot lie about its order or pass for another id."""

from __future__ import annotations

import time
import zipfile

import pytest
from openpyxl import Workbook

from wscb_analysis import report as r
from wscb_analysis.cli import main
from wscb_analysis.performance import page
from wscb_analysis.performance.load import load_performance
from wscb_analysis.performance.template import write_template

from .conftest import CATALOGUE, write

#: Seconds a refusal may take: the budget is checked before any grid is built.
QUICK = 5.0


def _template(folder, rows):
    """The partners' template saved as performance.xlsx, its Submissions sheet given ``rows``
    (lists of cells, from row 2); returns the workbook to change further before saving."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "performance.xlsx"
    write_template(path)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    sub = wb["Submissions"]
    for i, cells in enumerate(rows, start=2):
        for j, value in enumerate(cells, start=1):
            sub.cell(row=i, column=j, value=value)
    return wb, path


GOOD = [["training_events", "2016-17 Q1", 6], ["training_events", "2016-17 Q2", 7]]


def test_a_stray_cell_at_xfd1048576_is_refused_in_seconds_naming_the_file(tmp_path, capsys):
    folder = tmp_path / "stray"
    wb, path = _template(folder, GOOD)
    wb["Submissions"]["XFD1048576"] = "x"
    wb.save(path)
    started = time.monotonic()
    perf = load_performance(folder)
    assert time.monotonic() - started < QUICK
    assert not perf.performance.usable
    problem = perf.performance.problems[0]
    assert problem.startswith("performance.xlsx [Submissions]:") and "XFD1048576" in problem
    # wscb validate says so and fails, as quickly.
    write(folder, "referrals.csv", "Child Unique ID,Date of referral\n1,01/04/2016\n")
    started = time.monotonic()
    assert main(["validate", "--data-dir", str(folder)]) == 1
    assert time.monotonic() - started < QUICK
    assert "UNUSABLE: performance.xlsx [Submissions]" in capsys.readouterr().out


def test_a_small_workbook_that_expands_hugely_is_refused_in_seconds(tmp_path):
    folder = tmp_path / "bomb"
    wb, path = _template(folder, GOOD)
    wb.save(path)
    # Rewrite the Submissions sheet's XML as 60 MB of blanks inside the sheet: about 60 KB
    # stored, a thousand times smaller than it expands.
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet2.xml":
                with dst.open(info.filename, "w", force_zip64=True) as fh:
                    fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.'
                             b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                    for _ in range(60):
                        fh.write(b" " * (1 << 20))
                    fh.write(b"</sheetData></worksheet>")
            else:
                dst.writestr(info, src.read(info.filename))
    assert bomb.stat().st_size < 1 << 20
    bomb.replace(path)
    started = time.monotonic()
    perf = load_performance(folder)
    assert time.monotonic() - started < QUICK
    problem = perf.performance.problems[0]
    assert problem.startswith("performance.xlsx:") and "expands" in problem


def test_a_formula_with_no_saved_value_is_a_row_set_aside_not_dropped(tmp_path):
    folder = tmp_path / "formulas"
    link = '=HYPERLINK("https://example.org/return","our return")'
    wb, path = _template(folder, GOOD + [
        [None, None, None, None, None, None, link],              # row 4: only the link
        [link, "2016-17 Q3", 8],                                  # row 5: the id a link
    ])
    wb.save(path)  # openpyxl saves formulas without their values, as a script would
    perf = load_performance(folder).performance
    # Rows in: 2 good + 2 with formulas = 4; both formula rows set aside with the reason.
    assert (perf.rows_in, perf.rows_kept, perf.rows_set_aside) == (4, 2, 2)
    assert perf.accounts()
    reasons = perf.set_aside.set_index("row")
    assert set(reasons.index) == {4, 5}
    assert reasons.loc[4, "column"] == "note" and reasons.loc[5, "column"] == "indicator"
    assert all("formula with no saved value (=HYPERLINK(" in x for x in reasons["reason"])


def test_a_cell_shown_as_a_percentage_reads_on_the_0_to_100_scale(tmp_path):
    folder = tmp_path / "percent"
    write(folder, "indicators.csv", CATALOGUE)
    wb = Workbook()
    ws = wb.active
    ws.title = "Submissions"
    ws.append(["indicator", "period", "value"])
    ws.append(["timely", "2016-17 Q1", 0.452])
    ws["C2"].number_format = "0.0%"
    ws.append(["timely", "2016-17 Q2", 46.1])
    wb.save(folder / "performance.xlsx")
    data = load_performance(folder).performance.data
    assert data["value"].tolist() == [45.2, 46.1]


# --------------------------------------------------------------------------- text

RLO, ZWSP, CYRILLIC_A = "\u202e", "\u200b", "\u0430"


def test_invisible_characters_are_removed_from_text_and_reported(folder):
    write(folder, "indicators.csv", CATALOGUE.replace(
        "Training events,", f"Training{ZWSP} ev{RLO}stneve,"))
    cat = load_performance(folder).catalogue
    title = cat.data.set_index("indicator").loc["events", "title"]
    assert title == "Training evstneve"  # the reversal is gone; what was typed is visible
    assert any("U+202E RIGHT-TO-LEFT OVERRIDE" in w and "U+200B ZERO WIDTH SPACE" in w
               and "column 'title', row 3" in w for w in cat.warnings)


@pytest.mark.parametrize("ident,why", [
    (f"tim{RLO}ely", "invisible character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
    (f"timel{ZWSP}y", "invisible character (U+200B ZERO WIDTH SPACE)"),
    (f"m{CYRILLIC_A}se", "U+0430 CYRILLIC SMALL LETTER A"),
])
def test_an_id_that_could_pass_for_another_is_set_aside(folder, ident, why):
    # A catalogue row whose id hides a character, or looks like "mase" in Cyrillic, is set
    # aside, never cleaned into a second "timely" or "mase".
    write(folder, "indicators.csv", CATALOGUE + f"{ident},Look-alike,Police,count,neither,,,"
                                                "CSE,x,y,yes\n")
    cat = load_performance(folder).catalogue
    assert len(cat.data) == 5 and cat.rows_set_aside == 1
    reason = cat.set_aside["reason"].iloc[0]
    assert why in reason and RLO not in reason and ZWSP not in reason
    # In the performance file, the look-alike id is not read as the real one.
    write(folder, "performance.csv", f"indicator,period,value\n{ident},2016-17 Q1,5\n"
                                     "mase,2016-17 Q1,6\n")
    perf = load_performance(folder).performance
    assert perf.rows_kept == 1 and perf.data["value"].tolist() == [6]
    assert why in perf.set_aside["reason"].iloc[0]


def test_a_ten_thousand_character_title_is_printed_once_in_full(folder):
    long_title = "Children seen " + "and heard " * 999  # 10,004 characters
    write(folder, "indicators.csv", CATALOGUE.replace("Children at MASE", long_title))
    quarters = [f"{y}-{(y + 1) % 100:02d} Q{q}" for y in (2014, 2015, 2016) for q in (1, 2, 3, 4)]
    write(folder, "performance.csv", "indicator,period,value\n" + "".join(
        f"mase,{q},{v}\n" for q, v in zip(quarters, [10, 12, 11, 13, 12, 11, 10, 12, 11, 13,
                                                     12, 30], strict=True)))
    write(folder, "referrals.csv", "Child Unique ID,Date of referral\n1,01/04/2016\n")
    ctx = r.context(str(folder), "2016-17")
    shown = "".join(b._repr_html_() for b in (page.summary(ctx), page.by_priority(ctx),
                                              page.flagged(ctx), page.about_the_data(ctx)))
    full = long_title.strip()
    # Flagged (the 30 is outside its limits): the title is in the summary, the table, the
    # chart's heading, title, alt text and sentence, the sparkline's alt text and the trend
    # data, each cut; the whole title is printed once, in the data table of titles cut.
    assert shown.count(full) == 1
    assert shown.count(full[:100]) > 10
    assert shown.index(full) > shown.index("Titles cut on this page, in full")


def test_a_partners_file_linked_to_a_file_outside_the_folder_is_refused_unread(tmp_path):
    # The extract's own files were already refused so; the partners' CSV printed the first
    # line of /etc/passwd as "headers found" (issue 18 item 7).
    from wscb_analysis.performance.load import load_performance

    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "performance.csv").symlink_to("/etc/passwd")
    perf, _ = load_performance(folder)
    said = " ".join(perf.problems)
    assert not perf.usable and "outside the data folder" in said
    assert "root:" not in said and "root:" not in repr(perf)
