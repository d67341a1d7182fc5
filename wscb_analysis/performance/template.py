"""The workbook partners fill in (``wscb template --out FILE.xlsx``).

Sheets: **Instructions** (short, plain), **Submissions** (the performance dataset's columns,
with drop-down lists of indicator ids and periods, numbers checked as they are typed, and the
period column stored as text so Excel does not turn "2016-12" into a date), **Indicators**
(the catalogue) and a hidden **Lists** sheet behind the period drop-down. Saved into the data
folder as ``performance.xlsx``, the filled workbook loads with no mapping: the loader reads the
Submissions sheet, and the Indicators sheet stands in for ``indicators.csv``.

The catalogue the template lists is the partnership's own (``indicators.csv`` of a data
folder) or the starter catalogue, cut to a chosen set of indicators when one is given
(``wscb template --indicators FILE``): a partner who reports six indicators gets a workbook of
six, not the whole catalogue. FILE is a list of indicator ids (one a line, or a column headed
``indicator``), or a catalogue in ``indicators.csv``'s columns, which is then the catalogue.
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


def _rows_of(catalogue) -> list[dict]:
    """A validated catalogue's rows in the template's columns."""
    rows = []
    for rec in catalogue.data.to_dict("records"):
        rec = dict(rec)
        rec["target"] = "" if rec["target"] != rec["target"] else f"{rec['target']:g}"
        rec["target_direction"] = rec["target_direction"] or ""
        rec["about_children"] = "yes" if rec["about_children"] else "no"
        rows.append(rec)
    return rows


def _catalogue_rows(data_dir: str | Path | None) -> list[dict]:
    """The partnership's own catalogue when a data folder has one, else the starter
    catalogue (the demo's indicators, without values)."""
    if data_dir is not None:
        from .load import load_performance

        cat = load_performance(data_dir).catalogue
        if cat.file is not None and len(cat.data):
            return _rows_of(cat)
    return starter_catalogue()


def chosen_indicators(path: str | Path, catalogue: list[dict]) -> list[dict]:
    """The rows of ``catalogue`` that the file at ``path`` chooses, in the file's order; or,
    when the file is itself a catalogue (it has ``title``, ``unit`` and ``polarity``
    columns), its own rows. Raises ValueError naming the file for an id the catalogue does
    not have, a catalogue row that cannot be used, or a file that chooses nothing."""
    from ..errors import ExtractError
    from ..io.schemas import normalise_header
    from .computed import COMPUTED_IDS
    from .read import read_table
    from .schema import CATALOGUE
    from .validate import validate_catalogue

    path = Path(path)
    try:
        table = read_table(path, (r"indicators?", r"catalogue"))
    except (ExtractError, OSError) as exc:
        raise ValueError(f"--indicators {path}: {exc}") from None
    if table is None or not table.header:
        raise ValueError(f"--indicators {path}: the file is empty: list the indicator ids, "
                         "one a line")
    names = {f.name for f in CATALOGUE.fields
             if any(f.matches(normalise_header(h)) for h in table.header)}
    if {"indicator", "title", "unit", "polarity"} <= names:
        cat = validate_catalogue(table, path, reserved=set(COMPUTED_IDS))
        problems = cat.problems + [f"row {r.row}, column '{r.column}': {r.reason}"
                                   for r in cat.set_aside.itertuples(index=False)]
        if problems:
            raise ValueError(f"--indicators {path}: " + "; ".join(problems[:5]))
        return _rows_of(cat)
    first = table.header[0].strip()
    ids = [] if CATALOGUE.fields[0].matches(normalise_header(first)) else [first]
    ids += [row[0].strip() for row in table.rows if row and row[0].strip()]
    ids = list(dict.fromkeys(i for i in ids if not i.startswith("#")))
    if not ids:
        raise ValueError(f"--indicators {path}: no indicator id is listed: give one a line")
    known = {r["indicator"]: r for r in catalogue}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(f"--indicators {path}: not in the catalogue: "
                         f"{', '.join(unknown[:10])}"
                         + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
                         + " (the ids the template can list are those of the catalogue's "
                           "Indicators sheet)")
    return [known[i] for i in ids]


def write_template(path: str | Path, data_dir: str | Path | None = None,
                   first_period: str = "2012-13", last_period: str | None = None,
                   indicators: str | Path | None = None) -> Path:
    """Write the partners' workbook to ``path`` (``.xlsx``). ``data_dir``: take the
    catalogue from that folder's ``indicators.csv`` (default: the starter catalogue);
    ``indicators``: a file choosing the indicators to list (:func:`chosen_indicators`).
    Periods run from ``first_period`` to ``last_period`` (financial years)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path}: the template is an Excel workbook: give a name ending .xlsx")
    catalogue = _catalogue_rows(data_dir)
    if indicators is not None:
        catalogue = chosen_indicators(indicators, catalogue)
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


__all__ = ["chosen_indicators", "template_periods", "write_template"]
