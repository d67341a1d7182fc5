"""Reading the performance files: CSV or a workbook sheet -> text cells with spreadsheet row
numbers, and reading a number the way partners write one.

Workbooks are read through the bounded reader the extract's workbooks use
(:class:`wscb_analysis.io.workbook.Workbook`): the same limits on the XML a workbook may
expand to, on how far it may expand, and on the grid a sheet may span, so a stray cell at
XFD1048576 or a zip bomb is refused in seconds with a message naming the file, never read.
Two things the cell values alone do not say are read from the sheet's XML, within the same
budget: a cell formatted as a percentage (typed "45.2%", stored 0.452) reads as 45.2, the
dataset's 0-100 scale; and a formula with no saved value (a HYPERLINK written by a script,
say) is marked, so its row is set aside with that reason rather than read as blank and
dropped. ``.xls`` files (no XML) are read by value alone.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from ..errors import ExtractError
from ..io.read import column_letter, read_input_bytes, read_raw
from ..io.workbook import Workbook

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")
WORKBOOKS = (".xlsx", ".xlsm", ".xls")


@dataclass
class Table:
    """A sheet or CSV as text: header, rows (list of cells) and their spreadsheet row numbers."""

    label: str
    header: list[str]
    rows: list[list[str]]
    rownums: list[int]
    #: (index into ``rows``, its column's header or "column X") -> the formula of a cell with
    #: no saved value
    formulas: dict[tuple[int, str], str] = field(default_factory=dict)

    def formula_reasons(self, i: int) -> list[tuple[str, str]]:
        """(column, reason) for each cell of row ``i`` holding a formula with no saved
        value: the row is set aside, never read as blank."""
        return [(where, f"the cell holds a formula with no saved value (={formula}): open the "
                        "workbook in Excel and save it, so each formula's value is saved, or "
                        "type the value")
                for (row, where), formula in sorted(self.formulas.items()) if row == i]


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


def _finish(label: str, grid: list[list[str]], first_row: int = 1, first_col: int = 0,
            formulas: dict[tuple[int, int], str] | None = None) -> Table:
    """Header = the first non-blank row; blank rows after it are skipped (not records). A row
    whose only content is a formula with no saved value is a record (set aside, with its
    reason, when validated). ``formulas``: (sheet row, sheet column), 1-based -> formula."""
    formulas = formulas or {}
    by_row: dict[int, dict[int, str]] = {}
    for (r, c), f in formulas.items():
        by_row.setdefault(r, {})[c] = f
    start = next((i for i, r in enumerate(grid) if any(c.strip() for c in r)), None)
    if start is None:
        return Table(label, [], [], [])
    header = _unique([c.strip() for c in grid[start]])
    rows, nums, marks = [], [], {}
    for i, r in enumerate(grid[start + 1:], start=start + 1):
        number = first_row + i
        cells = [(r[j].strip() if j < len(r) else "") for j in range(len(header))]
        extra = [c for c in r[len(header):] if c.strip()]
        found = by_row.get(number, {})
        if any(cells) or extra or found:
            for col, formula in found.items():
                j = col - 1 - first_col
                where = header[j] if 0 <= j < len(header) else f"column {column_letter(col - 1)}"
                marks[(len(rows), where)] = formula
                if 0 <= j < len(cells) and not cells[j]:
                    cells[j] = f"={formula}"
            rows.append(cells)
            nums.append(number)
    return Table(label, header, rows, nums, marks)


def _unique(header: list[str]) -> list[str]:
    seen: Counter = Counter()
    out = []
    for h in header:
        name = h or "unnamed"
        out.append(f"{name}.{seen[name]}" if seen[name] else name)
        seen[name] += 1
    return out


def _read_csv(path: Path) -> Table:
    # Checked as every input is (a link out of the data folder, a FIFO or a device is refused
    # by name, unread): nothing of /etc/passwd reaches a message as a "header found".
    raw = read_input_bytes(path)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            grid = list(csv.reader(io.StringIO(raw.decode(encoding), newline="")))
            return _finish(path.name, grid)
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:
            raise ExtractError(f"{path.name}: could not be read as CSV ({exc})") from None
    raise ExtractError(f"{path.name}: could not be decoded as UTF-8 or Windows-1252 text")


def open_workbook(path: Path) -> Workbook:
    """A partners' workbook read once and checked against the bounded reader's budget
    (:class:`~wscb_analysis.io.workbook.Workbook`): ExtractError naming the file when it is
    over it, damaged or not a workbook."""
    try:
        raw = read_raw(path)  # checked as every input is (links out, FIFOs, devices refused)
    except OSError as exc:
        raise ExtractError(f"{path.name}: could not be read ({exc.strerror or exc})") from None
    return Workbook(raw, path.name)


def _sheet_grid(wb: Workbook, name: str) -> Table:
    """One sheet as text, percentage-formatted cells on the 0-100 scale and formulas with
    no saved value marked."""
    rows, start_row, start_col = wb.read_grid(name)
    percent, formulas = _sheet_marks(wb, name)
    grid = []
    for i, r in enumerate(rows):
        row_number = start_row + i + 1
        grid.append([_cell_text(v, (row_number, start_col + j + 1) in percent)
                     for j, v in enumerate(r)])
    return _finish(f"{wb.label} [{name}]", grid, first_row=start_row + 1,
                   first_col=start_col, formulas=formulas)


# --------------------------------------------------------------------------- sheet XML

_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Za-z]{1,3})(\d{1,7})"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v>(.+?)</(?:\w+:)?v>", re.S)
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
#: Excel's built-in percentage formats (0% and 0.00%).
_PERCENT_IDS = {9, 10}
_PIECE = 1 << 20
#: Longest formula a reason quotes.
_FORMULA_CHARS = 80


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _percent_styles(z: zipfile.ZipFile) -> set[int]:
    """Indices of the cell formats (``cellXfs``) that show a number as a percentage."""
    try:
        root = ElementTree.fromstring(z.read("xl/styles.xml"))
    except (KeyError, ElementTree.ParseError):
        return set()
    local = {el: el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    custom = {el.get("numFmtId"): el.get("formatCode", "") for el in root.iter()
              if local[el] == "numFmt"}
    out: set[int] = set()
    for parent in (el for el in root.iter() if local[el] == "cellXfs"):
        for i, xf in enumerate(x for x in parent if local[x] == "xf"):
            fmt = xf.get("numFmtId", "0")
            code = custom.get(fmt, "")
            # A % outside quoted text or an escaped character shows the value times 100.
            bare = re.sub(r'"[^"]*"|\\.', "", code)
            if (fmt.isdigit() and int(fmt) in _PERCENT_IDS) or "%" in bare:
                out.add(i)
    return out


def _sheet_marks(wb: Workbook, name: str
                 ) -> tuple[set[tuple[int, int]], dict[tuple[int, int], str]]:
    """(cells shown as percentages, formulas with no saved value), each keyed by (sheet row,
    sheet column), 1-based, read from the sheet's XML a piece at a time. The workbook has
    passed the budget's checks, so the XML is of a size the reader allows."""
    member = wb.members.get(name)
    if member is None or wb.raw.data is None or wb.raw.data[:4] != b"PK\x03\x04":
        return set(), {}
    percent: set[tuple[int, int]] = set()
    formulas: dict[tuple[int, int], str] = {}
    with zipfile.ZipFile(io.BytesIO(wb.raw.data)) as z:
        styles = _percent_styles(z)
        with z.open(member) as fh:
            tail = b""
            while True:
                piece = fh.read(_PIECE)
                buf = tail + piece
                ends = [m.end() for m in _ROW_END.finditer(buf)]
                cut = ends[-1] if ends and piece else len(buf)
                _scan_cells(buf[:cut], styles, percent, formulas)
                tail = buf[cut:]
                if not piece:
                    break
    return percent, formulas


def _scan_cells(xml: bytes, styles: set[int], percent: set, formulas: dict) -> None:
    for m in _CELL.finditer(xml):
        attrs, inner = m.group(1), m.group(2) or b""
        ref = _REF.search(attrs)
        if ref is None:
            continue
        at = (int(ref.group(2)), _column_number(ref.group(1)))
        style = _STYLE.search(attrs)
        if style is not None and int(style.group(1)) in styles:
            percent.add(at)
        f = _FORMULA.search(inner)
        if f is not None and _VALUE.search(inner) is None:
            text = (f.group(1) or b"").decode("utf-8", "replace")
            text = (text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
                    .replace("&amp;", "&").strip())
            if len(text) > _FORMULA_CHARS:
                text = text[:_FORMULA_CHARS - 3] + "..."
            formulas[at] = text or "(a shared formula)"


def _pick_sheet(names: list[str], patterns: tuple[str, ...]) -> str | None:
    for pattern in patterns:
        for name in names:
            if re.fullmatch(pattern, re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()):
                return name
    return None


def read_table(path: Path, sheet_patterns: tuple[str, ...], first_if_none: bool = True,
               workbook: Workbook | None = None) -> Table | None:
    """A CSV (any file not named as a workbook), or the sheet of a workbook whose name
    matches ``sheet_patterns`` (else its first sheet, with ``first_if_none``; else None).
    ``workbook``: the file already opened (one workbook serves both its sheets)."""
    if path.suffix.lower() not in WORKBOOKS:  # .csv, or a plain list (.txt)
        return _read_csv(path)
    wb = workbook or open_workbook(path)
    name = _pick_sheet(wb.sheet_names, sheet_patterns)
    if name is None:
        if not first_if_none or not wb.sheet_names:
            return None
        name = wb.sheet_names[0]
    return _sheet_grid(wb, name)


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


