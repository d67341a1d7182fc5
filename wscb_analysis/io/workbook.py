"""Excel workbooks, read within a stated budget so a hostile or damaged file cannot exhaust
the machine.

Before the workbook reader (calamine) sees an .xlsx/.xlsm, its zip is checked in bounded time
and memory:

* every XML part is decompressed in 1 MB pieces and measured (never held whole): the parts may
  not expand to more than :data:`MAX_UNCOMPRESSED` bytes in all, nor to more than they
  declare; a part over :data:`RATIO_FROM` bytes may not expand more than :data:`MAX_RATIO`
  times (a "zip bomb" expands thousands of times);
* each sheet's extent is measured from the cell references in its XML (and its declared
  ``<dimension>``, which may be absent or wrong): the reader builds a grid from the first to
  the last cell holding a value, so a sheet whose grid would exceed :data:`MAX_SHEET_CELLS`
  cells is refused (one stray value at XFD1048576 beside data at A1 asks for 17 billion
  cells). Only the sheets read are held to this.

A sheet's data may start anywhere: rows and columns before its first value are not padded, and
row numbers stay those of the sheet.
"""

from __future__ import annotations

import io
import posixpath
import re
import threading
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import ExtractError
from .read import (
    HEADER_SEARCH_ROWS,
    RawFile,
    RawTable,
    Scorer,
    choose_header,
    drop_blank_records,
    title_warning,
    unique_names,
)

#: The grid of a sheet that is read: at most this many cells (rows x columns from the first
#: to the last value). Ten million holds a full-height (1,048,576-row) list of ten columns.
MAX_SHEET_CELLS = 10_000_000
#: The XML parts of a workbook may expand to at most this many bytes in all.
MAX_UNCOMPRESSED = 500 * 2**20
#: A part larger than RATIO_FROM bytes may expand at most MAX_RATIO times its stored size.
MAX_RATIO = 100
RATIO_FROM = 10 * 2**20
#: More parts than this is not a workbook a council system writes.
MAX_MEMBERS = 10_000
_CHUNK = 1 << 20
_FIX = "open it in Excel and save it again as .xlsx, or export the sheet as CSV"


def _refuse(label: str, why: str, fix: str = _FIX) -> ExtractError:
    return ExtractError(f"{label}: {why}; {fix}")


@dataclass
class Extent:
    """A sheet's grid as the reader would build it."""

    rows: int = 0
    cols: int = 0
    first: str = ""
    last: str = ""
    declared: str = ""

    @property
    def cells(self) -> int:
        return self.rows * self.cols


class Workbook:
    """A workbook checked against the budget, its sheets read on demand (thread-safe)."""

    def __init__(self, raw: RawFile, label: str | None = None) -> None:
        self.raw = raw
        self.label = label or raw.path.name
        data = raw.data
        assert data is not None, "Workbook needs the file's bytes"
        self.extents: dict[str, Extent] = {}
        self.members: dict[str, str] = {}
        if data[:4] == b"PK\x03\x04":
            self.extents, self.members = _check_zip(data, self.label)
        elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            if raw.path.suffix.lower() != ".xls":
                raise _refuse(self.label, "the workbook is password-protected (or is an old "
                              ".xls workbook named .xlsx)", "save it without a password as "
                              ".xlsx, or export the sheet as CSV")
            # An .xls (BIFF8) sheet is at most 65,536 x 256 cells: bounded by its format.
        else:
            raise _refuse(self.label, "could not be opened as an Excel workbook (it is not a "
                          "zip file)", "save it again from Excel as .xlsx, or export the sheet "
                          "as CSV")
        try:
            from python_calamine import CalamineWorkbook

            self._book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            self.sheet_names: list[str] = list(self._book.sheet_names)
        except Exception as exc:  # calamine raises its own error types for broken files
            raise _refuse(self.label, f"could not be opened as an Excel workbook "
                          f"({_first_line(exc)})", "save it again from Excel as .xlsx, or "
                          "export the sheet as CSV") from None
        self._lock = threading.Lock()  # calamine's workbook is not for two threads at once

    def extent(self, sheet: str) -> Extent | None:
        member = self.members.get(sheet)
        if member is not None:
            return self.extents.get(member)
        if not self.extents:
            return None
        # Sheet not mapped to its part (an unusual workbook): assume the largest sheet's grid.
        return max(self.extents.values(), key=lambda e: e.cells)

    def read_sheet(self, sheet: str | int = 0, score: Scorer | None = None) -> RawTable:
        """The sheet's records as text columns; the header is the best-scoring of its first
        rows (see :func:`.read.choose_header`)."""
        name = self.sheet_names[sheet] if isinstance(sheet, int) else sheet
        rows, start_row, start_col = self.read_grid(name)
        return _sheet_table(rows, start_row, start_col, f"{self.label} [{name}]", score)

    def read_grid(self, sheet: str | int = 0) -> tuple[list[list], int, int]:
        """The sheet's cells as the reader gives them (values, not text), from its first
        value to its last, checked against the budget first; with the sheet row and column
        (0-based) of the grid's first cell."""
        name = self.sheet_names[sheet] if isinstance(sheet, int) else sheet
        label = f"{self.label} [{name}]"
        ext = self.extent(name)
        if ext is not None and ext.cells > MAX_SHEET_CELLS:
            declared = f" (it declares {ext.declared})" if ext.declared else ""
            raise _refuse(
                label, f"the sheet spans {ext.rows:,} rows x {ext.cols:,} columns from "
                f"{ext.first} to {ext.last}{declared}, {ext.cells:,} cells, more than the "
                f"loader's limit of {MAX_SHEET_CELLS:,}. A value far from the data (at "
                f"{ext.last}?) stretches the sheet",
                "delete the rows and columns beyond the data (or copy the data to a new "
                "sheet) and save, or export the sheet as CSV")
        try:
            with self._lock:
                sh = self._book.get_sheet_by_name(name)
                rows = sh.to_python(skip_empty_area=True)
                start_row, start_col = sh.start if rows else (0, 0)
        except Exception as exc:
            raise _refuse(label, f"could not be read ({_first_line(exc)})") from None
        return rows, start_row, start_col


def _sheet_table(rows: list[list], start_row: int, start_col: int, label: str,
                 score: Scorer | None) -> RawTable:
    head = [[_cell_text(v) for v in r] for r in rows[:HEADER_SEARCH_ROWS]]
    if not any(any(c for c in r) for r in head):
        return RawTable(pa.table({}), [], np.array([], dtype=np.int64))
    h = choose_header(head, score)
    headers = head[h]
    names = unique_names(headers)
    body = rows[h + 1:]
    columns = [[_cell_text(r[i]) if i < len(r) else "" for r in body]
               for i in range(len(names))]
    table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)})
    header_row = start_row + h + 1
    numbers = np.arange(len(body), dtype=np.int64) + header_row + 1
    skipped = [start_row + i + 1 for i in range(h) if any(head[i])]
    return drop_blank_records(RawTable(table, headers, numbers, header_row, start_col,
                                       title_warning(label, skipped, header_row)))



def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would hold (dates ISO, whole numbers plain)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") or len(text) == 10 else text
    return str(value).strip()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --------------------------------------------------------------------------- the zip budget


def _parsed_part(name: str) -> bool:
    """The parts the reader parses: XML and relationships."""
    return name.lower().endswith((".xml", ".rels"))


def _check_zip(data: bytes, label: str) -> tuple[dict[str, Extent], dict[str, str]]:
    """Measure every XML part and each sheet's extent; refuse beyond the budget."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(label, f"could not be opened as an Excel workbook ({_first_line(exc)})",
                      "save it again from Excel as .xlsx, or export the sheet as CSV") from None
    if len(infos) > MAX_MEMBERS:
        raise _refuse(label, f"holds {len(infos):,} parts, more than a workbook has")
    parts = [i for i in infos if _parsed_part(i.filename)]
    declared = sum(i.file_size for i in parts)
    if declared > MAX_UNCOMPRESSED:
        big = max(parts, key=lambda i: i.file_size)
        raise _refuse(label, f"its parts would expand to {declared / 2**20:,.0f} MB (the "
                      f"largest, '{big.filename}', to {big.file_size / 2**20:,.0f} MB), more "
                      f"than the loader's limit of {MAX_UNCOMPRESSED // 2**20} MB",
                      "export the lists as CSV files instead")
    for i in parts:
        if i.flag_bits & 0x1:
            raise _refuse(label, "the workbook is password-protected",
                          "save it without a password")
        _check_ratio(label, i.filename, i.file_size, i.compress_size)
    extents: dict[str, Extent] = {}
    budget = MAX_UNCOMPRESSED
    for i in parts:
        scan = _ExtentScan() if _is_sheet(i.filename) else None
        size = _measure(z, data, i, budget, label, scan)
        _check_ratio(label, i.filename, size, i.compress_size)
        budget -= size
        if scan is not None and scan.unreferenced_cells:
            scan = _ExtentScan(detailed=True)  # rare: count the cells of each row
            _measure(z, data, i, size, label, scan)
        if scan is not None:
            extents[i.filename] = scan.extent()
    return extents, _sheet_members(z, label)


def _check_ratio(label: str, name: str, size: int, stored: int) -> None:
    if size > RATIO_FROM and size > MAX_RATIO * max(stored, 1):
        raise _refuse(label, f"the part '{name}' expands from {stored:,} bytes to "
                      f"{size / 2**20:,.0f} MB ({size / max(stored, 1):,.0f} times; the "
                      f"loader allows {MAX_RATIO} times for parts over "
                      f"{RATIO_FROM // 2**20} MB): the file is damaged or built to exhaust "
                      f"memory")


def _is_sheet(name: str) -> bool:
    return name.lower().startswith("xl/worksheets/") and name.lower().endswith(".xml")


def _measure(z: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo, budget: int, label: str,
             scan: _ExtentScan | None) -> int:
    """The true expanded size of a part, read in pieces and never beyond what it declares
    (or the budget left)."""
    limit = min(info.file_size, budget)
    total = 0

    def take(piece: bytes) -> None:
        nonlocal total
        total += len(piece)
        if total > limit:
            over = ("holds more than it declares" if total > info.file_size else
                    f"takes the workbook past the loader's limit of "
                    f"{MAX_UNCOMPRESSED // 2**20} MB of XML")
            raise _refuse(label, f"the part '{info.filename}' {over}: the file is damaged or "
                          "built to exhaust memory")
        if scan is not None:
            scan.feed(piece)

    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        offset = info.header_offset
        name_len = int.from_bytes(data[offset + 26:offset + 28], "little")
        extra_len = int.from_bytes(data[offset + 28:offset + 30], "little")
        begin = offset + 30 + name_len + extra_len
        stored = memoryview(data)[begin:begin + info.compress_size]
        if info.compress_type == zipfile.ZIP_STORED:
            for pos in range(0, len(stored), _CHUNK):
                take(bytes(stored[pos:pos + _CHUNK]))
        else:
            d = zlib.decompressobj(-15)
            for pos in range(0, len(stored), _CHUNK):
                pending = bytes(stored[pos:pos + _CHUNK])
                while pending:
                    take(d.decompress(pending, _CHUNK))
                    pending = d.unconsumed_tail
            take(d.flush())
    else:  # other methods: Python's reader stops at the declared size
        with z.open(info) as fh:
            for piece in iter(lambda: fh.read(_CHUNK), b""):
                take(piece)
    if scan is not None:
        scan.finish()
    return total


def _sheet_members(z: zipfile.ZipFile, label: str) -> dict[str, str]:
    """Sheet name -> its part, from xl/workbook.xml and its relationships."""
    try:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if r.get("Id")}
    names = {n.lower(): n for n in z.namelist()}
    out = {}
    for el in book.iter():
        if not el.tag.endswith("}sheet") and el.tag != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        member = names.get(path.lower())
        if el.get("name") and member:
            out[el.get("name")] = member
    return out


# --------------------------------------------------------------------------- sheet extents

_A, _Z, _a, _z, _0, _9 = 65, 90, 97, 122, 48, 57
_DELIM = np.zeros(256, dtype=bool)
_DELIM[[32, 9, 10, 13, 47, 62]] = True  # what may end a tag name: space, tab, line ends, / >
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[32, 9, 10, 13]] = True
_BIG = 10**9  # a reference beyond Excel's grid: counted as enormous


class _ExtentScan:
    """Measures, from a sheet's XML fed in pieces, the grid the reader would build: the
    first and last row and column of cells holding a value (``<c r="B7">...</c>``, not the
    self-closing ``<c r="B7" s="1"/>`` of a formatted empty cell).

    Excel and most writers give every cell its reference; the scan then looks only at the
    ``r="..."`` attributes. A sheet with cells placed one after another (no reference) is
    scanned again with ``detailed=True``, counting cells per row, for a conservative bound.
    """

    def __init__(self, detailed: bool = False) -> None:
        self.detailed = detailed
        self.tail = b""
        self.declared = ""
        self.head_done = False
        self.prefixed = False
        self.row_lo = self.col_lo = _BIG
        self.row_hi = self.col_hi = 0
        self.cell_tags = self.referenced_cells = 0
        self.row_tags = self.row_refs = 0
        self.row_tag_hi = 0
        self.cells_in_open_row = 0
        self.most_cells_in_a_row = 0

    @property
    def unreferenced_cells(self) -> int:
        return self.cell_tags - self.referenced_cells

    def feed(self, piece: bytes) -> None:
        buf = self.tail + piece
        if not self.head_done:
            head = buf[:1 << 16]
            m = re.search(rb"<(?:\w+:)?dimension\s+ref=[\"']([A-Za-z0-9:$]+)[\"']", head)
            if m:
                self.declared = m.group(1).decode("ascii")
            # Tags written with a namespace prefix ("<x:c") show it on the root element.
            self.prefixed = self.prefixed or re.search(rb"<\w+:worksheet\b", head) is not None
            if m or len(buf) > 1 << 16 or b"sheetData" in buf:
                self.head_done = True
        cut = buf.rfind(b"<")  # a tag is scanned whole, in the piece where it ends
        if cut <= 0:
            self.tail = buf if cut == 0 else b""
            return
        self.tail = buf[cut:]
        self._scan(buf[:cut])

    def finish(self) -> None:
        if self.tail:
            self._scan(self.tail + b" ")
            self.tail = b""

    def _scan(self, seg: bytes) -> None:
        arr = np.frombuffer(seg, np.uint8)
        pad = np.concatenate([arr, np.zeros(16, np.uint8)])
        gt = np.flatnonzero(arr == 62)
        if not len(gt) or len(arr) < 4:
            return
        if self.detailed or self.prefixed:
            # Every tag classified (a namespace prefix such as "x:c" allowed).
            lt = np.flatnonzero(arr == 60)
            tag = lt + 1 + np.where(pad[lt + 2] == 58, 2, 0)
            c_tags = (pad[tag] == 99) & _DELIM[pad[tag + 1]]
            row_tags = (pad[tag] == 114) & (pad[tag + 1] == 111) & (pad[tag + 2] == 119) \
                & _DELIM[pad[tag + 3]]
            c_pos, row_pos = lt[c_tags], lt[row_tags]
        else:
            # The usual case, and four times quicker: only "<c" and "<row" are looked at.
            c_pos = np.flatnonzero((arr[:-1] == 60) & (arr[1:] == 99))
            c_pos = c_pos[_DELIM[pad[c_pos + 2]]]
            row_pos = np.flatnonzero((arr[:-1] == 60) & (arr[1:] == 114))
            row_pos = row_pos[(pad[row_pos + 2] == 111) & (pad[row_pos + 3] == 119)
                              & _DELIM[pad[row_pos + 4]]]
            lt = np.sort(np.concatenate([c_pos, row_pos]))
        self.cell_tags += len(c_pos)
        self.row_tags += len(row_pos)
        if not len(lt):
            return
        # Reference attributes: whitespace, 'r', '=', a quote; in the tag that holds them.
        at = np.flatnonzero((arr[:-2] == 114) & (arr[1:-1] == 61)) if len(arr) > 2 else lt[:0]
        at = at[(at > 0) & ((pad[at + 2] == 34) | (pad[at + 2] == 39))]
        at = at[_SPACE[pad[at - 1]]]
        owner = lt[np.maximum(np.searchsorted(lt, at) - 1, 0)]
        end = gt[np.minimum(np.searchsorted(gt, owner), len(gt) - 1)]
        inside = (owner < at) & (at < end)
        at, owner, end = at[inside], owner[inside], end[inside]
        name = owner + 1 + np.where(pad[owner + 2] == 58, 2, 0)  # skip a one-letter prefix
        is_c = (pad[name] == 99) & _DELIM[pad[name + 1]]
        is_row = (pad[name] == 114) & (pad[name + 1] == 111) & (pad[name + 2] == 119) \
            & _DELIM[pad[name + 3]]
        cols, rows = _parse_refs(pad, at + 3)
        self.referenced_cells += int(is_c.sum())
        valued = is_c & (pad[np.maximum(end - 1, 0)] != 47)  # not <c r=".." s="1"/>
        if valued.any():
            self.row_lo = min(self.row_lo, int(rows[valued].min()))
            self.row_hi = max(self.row_hi, int(rows[valued].max()))
            self.col_lo = min(self.col_lo, int(cols[valued].min()))
            self.col_hi = max(self.col_hi, int(cols[valued].max()))
        if is_row.any():
            self.row_refs += int(is_row.sum())
            self.row_tag_hi = max(self.row_tag_hi, int(rows[is_row].max()))
        if self.detailed:
            self._count_cells_per_row(c_pos, row_pos)

    def _count_cells_per_row(self, c_pos: np.ndarray, row_pos: np.ndarray) -> None:
        if len(row_pos):
            counts = np.diff(np.concatenate([[0], np.searchsorted(c_pos, row_pos),
                                             [len(c_pos)]]))
            self.cells_in_open_row += int(counts[0])
            self.most_cells_in_a_row = max(self.most_cells_in_a_row, self.cells_in_open_row,
                                           int(counts[1:-1].max()) if len(counts) > 2 else 0)
            self.cells_in_open_row = int(counts[-1])
        else:
            self.cells_in_open_row += len(c_pos)
        self.most_cells_in_a_row = max(self.most_cells_in_a_row, self.cells_in_open_row)

    def extent(self) -> Extent:
        if self.unreferenced_cells:
            # Cells placed one after another: bound the grid from A1.
            rows = max(self.row_hi, self.row_tag_hi) + (self.row_tags - self.row_refs)
            cols = self.col_hi + self.most_cells_in_a_row
            return Extent(rows, cols, "A1", _ref(rows, cols), self.declared)
        if not self.row_hi:
            return Extent(0, 0, "", "", self.declared)
        return Extent(self.row_hi - self.row_lo + 1, self.col_hi - self.col_lo + 1,
                      _ref(self.row_lo, self.col_lo), _ref(self.row_hi, self.col_hi),
                      self.declared)


def _parse_refs(pad: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column number (1 = A; 0 for none) and row number of the references starting at ``at``
    (just after the quote); a part too long for Excel's grid reads as enormous."""
    col = np.zeros(len(at), dtype=np.int64)
    row = np.zeros(len(at), dtype=np.int64)
    pos = at.copy()
    alive = np.ones(len(at), dtype=bool)
    for _ in range(4):  # up to four letters (Excel's last column, XFD, has three)
        ch = pad[pos] & 0xDF  # upper case
        letter = alive & (ch >= _A) & (ch <= _Z)
        col = np.where(letter, col * 26 + (ch.astype(np.int64) - _A + 1), col)
        pos += letter
        alive &= letter
    ch = pad[pos] & 0xDF
    col[alive & (ch >= _A) & (ch <= _Z)] = _BIG
    alive = np.ones(len(at), dtype=bool)
    for _ in range(8):  # up to eight digits (Excel's last row, 1048576, has seven)
        ch = pad[pos]
        digit = alive & (ch >= _0) & (ch <= _9)
        row = np.where(digit, row * 10 + (ch.astype(np.int64) - _0), row)
        pos += digit
        alive &= digit
    ch = pad[pos]
    row[alive & (ch >= _0) & (ch <= _9)] = _BIG
    return col, row


def _ref(row: int, col: int) -> str:
    if row >= _BIG or col >= _BIG:
        return "beyond the last cell of a sheet"
    from .read import column_letter

    return f"{column_letter(col - 1)}{row}" if col else f"row {row}"
