"""Reading the performance files: CSV or a workbook sheet -> text cells with spreadsheet row
numbers, and reading a number the way partners write one.

Workbooks are read with openpyxl so a cell formatted as a percentage (typed "45.2%", stored
0.452) reads as 45.2, the dataset's 0-100 scale; ``.xls`` files are read with calamine.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ExtractError

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")


@dataclass
class Table:
    """A sheet or CSV as text: header, rows (list of cells) and their spreadsheet row numbers."""

    label: str
    header: list[str]
    rows: list[list[str]]
    rownums: list[int]


def _cell_text(value: object, percent_format: bool = False) -> str:
    """A workbook cell as a CSV would hold it: whole numbers plain, dates ISO, a cell shown
    as a percentage (45.2%, stored 0.452) as 45.2."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and np.isnan(value):
            return ""
        number = float(value) * (100 if percent_format else 1)
        number = round(number, 10)  # 0.452 * 100 = 45.199999999999996 in binary
        return str(int(number)) if number.is_integer() else repr(number)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if len(text) == 10 or text.endswith("T00:00:00") else text
    return str(value).strip()


def _finish(label: str, grid: list[list[str]], first_row: int = 1) -> Table:
    """Header = the first non-blank row; blank rows after it are skipped (not records)."""
    start = next((i for i, r in enumerate(grid) if any(c.strip() for c in r)), None)
    if start is None:
        return Table(label, [], [], [])
    header = _unique([c.strip() for c in grid[start]])
    rows, nums = [], []
    for i, r in enumerate(grid[start + 1:], start=start + 1):
        cells = [(r[j].strip() if j < len(r) else "") for j in range(len(header))]
        extra = [c for c in r[len(header):] if c.strip()]
        if any(cells) or extra:
            rows.append(cells)
            nums.append(first_row + i)
    return Table(label, header, rows, nums)


def _unique(header: list[str]) -> list[str]:
    seen: Counter = Counter()
    out = []
    for h in header:
        name = h or "unnamed"
        out.append(f"{name}.{seen[name]}" if seen[name] else name)
        seen[name] += 1
    return out


def _read_csv(path: Path) -> Table:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                grid = list(csv.reader(fh))
            return _finish(path.name, grid)
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:
            raise ExtractError(f"{path.name}: could not be read as CSV ({exc})") from None
    raise ExtractError(f"{path.name}: could not be decoded as UTF-8 or Windows-1252 text")


def _workbook_sheets(path: Path, names_only: bool = False):
    """(sheet name, grid of text) for each sheet; the grid is None with ``names_only``."""
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            from openpyxl import load_workbook

            # Not read-only: number formats tell a percentage cell (0.452 shown as 45.2%).
            wb = load_workbook(path, data_only=True)
            out = []
            for ws in wb.worksheets:
                if names_only:
                    out.append((ws.title, None))
                    continue
                grid = [[_cell_text(c.value, "%" in str(c.number_format)) for c in row]
                        for row in ws.iter_rows()]
                out.append((ws.title, grid))
            return out
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        return [(name, None if names_only else
                 [[_cell_text(v) for v in r] for r in
                  wb.get_sheet_by_name(name).to_python(skip_empty_area=False)])
                for name in wb.sheet_names]
    except Exception as exc:  # openpyxl and calamine raise their own types for broken files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExtractError(
            f"{path.name}: could not be opened as an Excel workbook ({first}); save it again "
            "from Excel as .xlsx, or export the sheet as CSV") from None


def _pick_sheet(names: list[str], patterns: tuple[str, ...]) -> str | None:
    for pattern in patterns:
        for name in names:
            if re.fullmatch(pattern, re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()):
                return name
    return None


def read_table(path: Path, sheet_patterns: tuple[str, ...], first_if_none: bool = True
          ) -> Table | None:
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    sheets = dict(_workbook_sheets(path))
    name = _pick_sheet(list(sheets), sheet_patterns)
    if name is None:
        if not first_if_none or not sheets:
            return None
        name = next(iter(sheets))
    return _finish(f"{path.name} [{name}]", sheets[name])


def find_file(data_dir: Path, stem: str) -> Path | None:
    """``performance.csv`` / ``Performance.xlsx`` ... in ``data_dir`` (case-insensitive)."""
    for path in sorted(Path(data_dir).iterdir()):
        if path.is_file() and path.stem.lower() == stem and path.suffix.lower() in SUFFIXES \
                and not path.name.startswith("~$"):
            return path
    return None


# --------------------------------------------------------------------------- values


_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")


def read_number(text: str, allow_percent: bool = False) -> tuple[float | None, str | None]:
    """(number, None), (None, None) for blank, or (None, reason) for text that is not a
    number. "1,234" reads as 1234; "45.2%" only where ``allow_percent``."""
    t = text.strip()
    if t == "":
        return None, None
    if t.endswith("%"):
        if not allow_percent:
            return None, f"'{t}' has a % sign but the indicator is not a percentage"
        t = t[:-1].strip()
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    try:
        value = float(t)
    except ValueError:
        hint = (" (the pack suppresses small numbers itself: give the true figure)"
                if t.lower() in ("c", "*", "<6", "<5", "supp", "suppressed") else "")
        return None, f"'{text.strip()}' is not a number{hint}"
    if not np.isfinite(value):
        return None, f"'{text.strip()}' is not a number"
    return value, None


