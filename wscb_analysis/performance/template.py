"""The workbook partners fill in (``wscb template --out FILE.xlsx``).

Sheets: **Instructions** (short, plain), **Submissions** (the performance dataset's columns,
with drop-down lists of indicator ids and periods, numbers checked as they are typed, and the
period column stored as text so Excel does not turn "2016-12" into a date), **Indicators**
(the catalogue) and a hidden **Lists** sheet behind the period drop-down. Saved into the data
folder as ``performance.xlsx``, the filled workbook loads with no mapping: the loader reads the
Submissions sheet, and the Indicators sheet stands in for ``indicators.csv``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..periods import financial_year, financial_years, year_of
from .demo import CATALOGUE_HEADER, PERFORMANCE_HEADER, starter_catalogue

#: Rows of the Submissions sheet given drop-downs and checks.
ROWS = 5000

INSTRUCTIONS = [
    "Performance dataset: how to fill in this workbook",
    "",
    "1. On the Submissions sheet, give one row per indicator per period: choose the "
    "indicator id and the period from the drop-down lists, then type the value.",
    "2. Periods: a quarter as 2016-17 Q3 (October to December 2016), a month as 2016-12, a "
    "financial year as 2016-17. Use one frequency for each indicator.",
    "3. Values: percentages as numbers from 0 to 100 (45.2 for 45.2%), rates per 10,000 "
    "children, counts as whole numbers, days as a number.",
    "4. Where the indicator is a percentage or a rate, also give the numerator and the "
    "denominator: they are checked against the value.",
    "5. Give the true figure even when it is small: the published pack hides counts from 1 to "
    "5 itself. Leave no value blank and give one value per indicator and period.",
    "6. The Indicators sheet describes each indicator (title, unit, polarity, target, ...). "
    "Ask the insight team to add a new indicator there before you report it.",
    "7. Do not rename the sheets or the column headings. Save the workbook as "
    "performance.xlsx in the extract folder; no separate indicators.csv is needed.",
    "Rows that cannot be used are listed by `wscb validate` with their row, column and what "
    "to fix.",
]


def template_periods(first: str = "2012-13", last: str | None = None) -> list[str]:
    """Period labels for the drop-down: each financial year, its quarters and its months,
    from ``first`` to ``last`` (default: the year after today's)."""
    if last is None:
        this = int(year_of(date.today())[:4]) + 1
        last = f"{this}-{(this + 1) % 100:02d}"
    out = []
    for year in financial_years(first, last):
        out.append(year)
        out.extend(f"{year} Q{q}" for q in (1, 2, 3, 4))
        start = financial_year(year).start
        for k in range(12):
            m = (start.month - 1 + k) % 12 + 1
            y = start.year + (start.month - 1 + k) // 12
            out.append(f"{y}-{m:02d}")
    return out


def _catalogue_rows(data_dir: str | Path | None) -> list[dict]:
    """The partnership's own catalogue when a data folder has one, else the starter
    catalogue (the demo's indicators, without values)."""
    if data_dir is not None:
        from .load import load_performance

        cat = load_performance(data_dir).catalogue
        if cat.file is not None and len(cat.data):
            rows = []
            for r in cat.data.to_dict("records"):
                r = dict(r)
                r["target"] = "" if r["target"] != r["target"] else f"{r['target']:g}"
                r["target_direction"] = r["target_direction"] or ""
                r["about_children"] = "yes" if r["about_children"] else "no"
                rows.append(r)
            return rows
    return starter_catalogue()


def write_template(path: str | Path, data_dir: str | Path | None = None,
                   first_period: str = "2012-13", last_period: str | None = None) -> Path:
    """Write the partners' workbook to ``path`` (``.xlsx``). ``data_dir``: take the
    catalogue from that folder's ``indicators.csv`` (default: the starter catalogue).
    Periods run from ``first_period`` to ``last_period`` (financial years)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path}: the template is an Excel workbook: give a name ending .xlsx")
    catalogue = _catalogue_rows(data_dir)
    periods = template_periods(first_period, last_period)
    wb = Workbook()
    info = wb.active
    info.title = "Instructions"
    for i, line in enumerate(INSTRUCTIONS, start=1):
        cell = info.cell(row=i, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if i == 1:
            cell.font = Font(bold=True, size=14)
    info.column_dimensions["A"].width = 110

    sub = wb.create_sheet("Submissions")
    sub.append(PERFORMANCE_HEADER)
    for cell in sub[1]:
        cell.font = Font(bold=True)
    sub.freeze_panes = "A2"
    for col, width in zip("ABCDEFG", (32, 14, 12, 12, 14, 24, 40), strict=True):
        sub.column_dimensions[col].width = width
    for row in range(2, ROWS + 2):
        sub.cell(row=row, column=2).number_format = "@"  # "2016-12" stays text
    lists = wb.create_sheet("Lists")
    lists.append(["period"])
    for p in periods:
        lists.append([p])
    for r in range(2, len(periods) + 2):
        lists.cell(row=r, column=1).number_format = "@"
    lists.sheet_state = "hidden"

    cat = wb.create_sheet("Indicators")
    cat.append(CATALOGUE_HEADER)
    for cell in cat[1]:
        cell.font = Font(bold=True)
    for rec in catalogue:
        cat.append([rec.get(c, "") for c in CATALOGUE_HEADER])
    cat.freeze_panes = "B2"
    for col, width in zip("ABCDEFGHIJK", (30, 45, 22, 16, 18, 8, 14, 34, 60, 30, 14),
                          strict=True):
        cat.column_dimensions[col].width = width

    last = ROWS + 1
    ids = DataValidation(type="list", formula1=f"=Indicators!$A$2:$A${len(catalogue) + 1}",
                         allow_blank=True, showErrorMessage=True, errorTitle="Indicator",
                         error="Choose an indicator id from the list (the Indicators sheet).")
    when = DataValidation(type="list", formula1=f"=Lists!$A$2:$A${len(periods) + 1}",
                          allow_blank=True, showErrorMessage=True, errorTitle="Period",
                          error="Choose a period from the list: 2016-17 Q3, 2016-12 or 2016-17.")
    number = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            allow_blank=True, showErrorMessage=True, errorTitle="Number",
                            error="Type a number of at least 0; give the true figure even "
                                  "when it is small (the pack suppresses small counts).")
    for dv, cols in ((ids, "A"), (when, "B"), (number, "CDE")):
        sub.add_data_validation(dv)
        for col in cols:
            dv.add(f"{col}2:{col}{last}")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


__all__ = ["template_periods", "write_template"]
