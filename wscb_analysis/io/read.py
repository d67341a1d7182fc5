"""Finding an extract's files and reading them as text tables, each file's bytes read once.

A file is read into memory once (:func:`read_raw`); its SHA-256 is computed from those bytes
(alongside parsing, as hashlib releases the GIL) and the table is parsed from the same bytes,
so the hash a manifest records is that of exactly what was loaded, even if the file is
replaced mid-run.

CSV text is decoded in this order: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; UTF-16
without a mark is recognised by its zero bytes; otherwise strict UTF-8; a file with no valid
UTF-8 multi-byte character at all is Windows-1252 (older council systems); a UTF-8 file with
a few invalid bytes is read as UTF-8 with those bytes replaced by U+FFFD and a warning naming
the rows. The header is the row, among the first 20, that best matches the source's fields
(so title rows above it are skipped, with a warning); the delimiter (comma, tab, semicolon or
bar) is the one that makes the best header. Row numbers are those a person sees: the line of
the file, or the row of the sheet.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import ExtractError
from .schemas import SOURCES, Source

CSV_SUFFIXES = (".csv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
#: The header is looked for among this many rows at the top of a file or sheet.
HEADER_SEARCH_ROWS = 20
#: The partners' files (read by :mod:`wscb_analysis.performance`), never an Annex A workbook.
PARTNER_FILES = ("performance", "indicators")
#: A file changed less than this long ago may change again within the resolution of its
#: timestamps, so its fingerprint is not trusted (as git treats "racily clean" files).
RACY_SECONDS = 2.0

Scorer = Callable[[list[str]], tuple[int, ...]]


# --------------------------------------------------------------------------- finding files


def find_source_file(data_dir: Path, source: Source) -> Path | None:
    """``referrals.csv`` / ``Referrals.xlsx`` etc. in ``data_dir`` (case-insensitive).

    Found by name whatever the entry is (a link, a FIFO, a device): reading it is what
    :func:`check_input` refuses, by name, so such an entry is never taken as "not supplied".
    """
    for path in sorted(data_dir.iterdir()):
        if path.stem.lower() == source.filename and path.suffix.lower() in (
            ".csv", *WORKBOOK_SUFFIXES,
        ) and not path.is_dir():
            return path
    return None


def find_annex_a_workbooks(data_dir: Path) -> list[Path]:
    # The partnership's performance dataset and its catalogue are not Annex A workbooks.
    own = {s.filename for s in SOURCES.values()} | set(PARTNER_FILES)
    return [
        p for p in sorted(data_dir.iterdir())
        if not p.is_dir() and p.suffix.lower() in (".xlsx", ".xlsm")
        and p.stem.lower() not in own and not p.name.startswith("~$")
    ]


def find_partner_files(data_dir: Path) -> list[Path]:
    """The partners' files in ``data_dir``: ``performance`` and ``indicators`` as CSV or a
    workbook (read by :mod:`wscb_analysis.performance`; listed here so their hashes reach
    the manifest beside the extract's)."""
    return [p for p in sorted(data_dir.iterdir())
            if not p.is_dir() and p.stem.lower() in PARTNER_FILES
            and p.suffix.lower() in (".csv", *WORKBOOK_SUFFIXES)]


# --------------------------------------------------------------------------- safe inputs

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISDIR, "a folder"))


def check_input(path: Path | str, folder: Path | str | None = None) -> Path:
    """The file to read for ``path``, checked without opening it: a link is followed only to
    a file inside ``folder`` (default: the folder ``path`` is in), and only a regular file is
    read. Anything else (a link out of the folder or to nothing, a FIFO, a device, a socket)
    raises :class:`ExtractError` naming ``path``; nothing of it is read, so nothing of it can
    reach a message or a log."""
    path = Path(path)
    folder = Path(folder if folder is not None else path.parent).resolve()
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise ExtractError(f"{path}: no such file") from None
    target = path
    if stat.S_ISLNK(st.st_mode):
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise ExtractError(f"{path.name}: a link to a file that does not exist; put the "
                               "file itself in the data folder") from None
        if not target.is_relative_to(folder):
            raise ExtractError(
                f"{path.name}: a link to a file outside the data folder, so it was not read; "
                "copy the file itself into the data folder")
        st = os.stat(target)
    for test, kind in _KINDS:
        if test(st.st_mode):
            raise ExtractError(f"{path.name}: {kind}, not a file, so it was not read; put the "
                               "exported file itself in the data folder")
    if not stat.S_ISREG(st.st_mode):
        raise ExtractError(f"{path.name}: not a regular file, so it was not read")
    return target


def read_input_bytes(path: Path | str, folder: Path | str | None = None) -> bytes:
    """A checked input's bytes (:func:`check_input`), opened so that a FIFO or device put in
    its place after the check is refused too, not read (the partners' files use it)."""
    target = check_input(path, folder)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise ExtractError(f"{Path(path).name}: could not be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise ExtractError(f"{Path(path).name}: changed into something other than a file "
                               "while it was being read; it was not read")
        return fh.read()


# --------------------------------------------------------------------------- bytes and hashes


def file_fingerprint(path: Path | str) -> tuple:
    """What makes a cached load of ``path`` still valid: its resolved path, device, inode,
    size, modification time and change time (nanoseconds).

    Any write changes the change time, even one that restores the size and modification time
    (``touch -r``, ``os.utime``), as does replacing the file (a new inode). A file changed in
    the last :data:`RACY_SECONDS` gets a fingerprint that matches nothing, since it could
    change again within one timestamp tick. On Windows the change time is the creation time,
    so the fingerprint there also holds the SHA-256 of the contents.
    """
    path = Path(path)
    st = path.stat()
    fp: tuple = (str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
                 st.st_ctime_ns)
    if os.name == "nt":
        fp += (file_hash(path),)
    if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_SECONDS * 1e9:
        fp += (("racy", time.monotonic_ns(), id(fp)),)
    return fp


def fingerprint_is_stable(fingerprint: tuple) -> bool:
    """False for a fingerprint of a file changed too recently to be trusted."""
    last = fingerprint[-1] if fingerprint else None
    return not (isinstance(last, tuple) and last and last[0] == "racy")


def file_hash(path: Path | str) -> str:
    """SHA-256 (hex) of a file's bytes (hardware-accelerated on current processors)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


_HASHER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wscb-hash")


class RawFile:
    """A file's bytes, read once, with their SHA-256 (computed in the background)."""

    def __init__(self, path: Path, data: bytes, fingerprint: tuple) -> None:
        self.path = path
        self.data: bytes | None = data
        self.fingerprint = fingerprint
        self._digest = _HASHER.submit(lambda: hashlib.sha256(data).hexdigest())

    @property
    def sha256(self) -> str:
        return self._digest.result()

    def release(self) -> None:
        """Drop the bytes (the hash is kept) once parsed, to keep peak memory down."""
        self._digest.result()
        self.data = None


def read_raw(path: Path | str, folder: Path | str | None = None) -> RawFile:
    """Read a file's bytes once, after :func:`check_input` (a link out of ``folder``, a FIFO
    or a device is refused unread). The fingerprint is taken before and after the read; if
    the file changed meanwhile the fingerprint is marked unstable (it will match nothing)."""
    path = Path(path)
    check_input(path, folder)
    before = file_fingerprint(path)
    data = read_input_bytes(path, folder)
    after = file_fingerprint(path)
    if before != after:
        after = after if not fingerprint_is_stable(after) else after + (("racy", 0, 0),)
    return RawFile(path, data, after)


# --------------------------------------------------------------------------- text tables


@dataclass
class RawTable:
    """A file's (or sheet's) records as text, before any field is read."""

    #: Every column as text ("" for blank), named by the header (made unique).
    table: pa.Table
    #: The header cells as written (trimmed), one per column.
    headers: list[str]
    #: The spreadsheet row (file line) of each record.
    row_numbers: np.ndarray
    header_row: int = 1
    #: Index of the sheet column holding the first column (0 = A).
    first_column: int = 0
    warnings: list[str] = field(default_factory=list)
    #: Rows that could not be split into the header's columns: (row, reason).
    invalid_rows: list[tuple[int, str]] = field(default_factory=list)


def unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in header:
        name = h.strip() or "unnamed"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def choose_header(rows: list[list[str]], score: Scorer | None) -> int:
    """Index of the header among the first rows: the best-scoring row (the first of equals),
    or the first non-blank row when no row matches any field."""
    first = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), 0)
    if score is None:
        return first
    best, best_score = first, score(rows[first]) if rows else (0,)
    for i, r in enumerate(rows[:HEADER_SEARCH_ROWS]):
        s = score(r)
        if s > best_score:
            best, best_score = i, s
    return best


def title_warning(label: str, skipped: list[int], header_row: int) -> list[str]:
    if not skipped:
        return []
    if len(skipped) == 1:
        rows = f"row {skipped[0]} above the column names was"
    elif skipped[-1] - skipped[0] == len(skipped) - 1:
        rows = f"rows {skipped[0]} to {skipped[-1]} above the column names were"
    else:
        rows = f"rows {', '.join(map(str, skipped))} above the column names were"
    return [f"{label}: {rows} skipped as a title; the column names were found in row "
            f"{header_row}. If row {header_row} does not hold the column names, delete the "
            f"rows above the real ones (or name the columns with --map)."]


def drop_blank_records(raw: RawTable) -> RawTable:
    """A row whose every cell is blank is not a record (an export's trailing ',,,,' lines)."""
    t = raw.table
    if t.num_rows == 0 or t.num_columns == 0:
        return raw
    # Only rows whose first cell is blank can be blank throughout: check those alone.
    first_blank = pc.fill_null(pc.equal(t.column(0), ""), True)
    candidates = np.flatnonzero(first_blank.to_numpy(zero_copy_only=False))
    if not len(candidates):
        return raw
    sub = t.filter(first_blank)
    blank = np.ones(len(candidates), dtype=bool)
    for col in sub.columns[1:]:
        blank &= pc.fill_null(pc.equal(col, ""), True).to_numpy(zero_copy_only=False)
    if blank.any():
        keep = np.ones(t.num_rows, dtype=bool)
        keep[candidates[blank]] = False
        raw.table = t.filter(pa.array(keep))
        raw.row_numbers = raw.row_numbers[keep]
    return raw


# --------------------------------------------------------------------------- CSV


class _NotUtf8(Exception):
    pass


_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))
_SAVE_AS = "save the file again from Excel as 'CSV UTF-8 (Comma delimited)'"


def read_csv_table(raw: RawFile, score: Scorer | None = None, label: str | None = None
                   ) -> RawTable:
    """A CSV file's records as text columns (see the module notes on encodings and headers)."""
    label = label or raw.path.name
    data = raw.data
    assert data is not None, "read_csv_table needs the file's bytes"
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ExtractError(
            f"{label}: this is an Excel workbook with a .csv name; rename it to "
            f"{raw.path.stem}.xlsx, or open it in Excel and save it as 'CSV UTF-8'")
    warnings: list[str] = []
    start = 0
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            data, warnings = _decode(data[len(bom):], encoding, label)
            break
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            start = 3
        elif _looks_utf16(data):
            encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
            data, warnings = _decode(data, encoding, label)
    try:
        return _parse_csv(_line_ends(data, start), start, label, score, warnings)
    except _NotUtf8:
        text, more = _decode_fallback(raw.data[start:], label)
        return _parse_csv(_line_ends(text, 0), 0, label, score, warnings + more)


def _line_ends(data: bytes, start: int) -> bytes:
    """Old Mac files end each line with a carriage return alone: read those as line ends."""
    head = data[start:start + (1 << 16)]
    return data.replace(b"\r", b"\n") if b"\n" not in head and b"\r" in head else data


def _looks_utf16(data: bytes) -> bool:
    head = data[:1000]
    return len(head) >= 4 and head.count(0) > len(head) // 3 and (
        head[1::2].count(0) > len(head) // 3 or head[0::2].count(0) > len(head) // 3)


def _decode(data: bytes, encoding: str, label: str) -> tuple[bytes, list[str]]:
    """Decode with replacement (U+FFFD) and re-encode as UTF-8; warn where bytes were bad."""
    text = data.decode(encoding, errors="replace")
    warnings = [f"{label}: read as {encoding.upper()} text (Excel's 'Unicode Text'); it loaded, "
                f"but to make it smaller and quicker to read, {_SAVE_AS}"] \
        if encoding.startswith("utf-") else []
    return text.encode("utf-8"), warnings + _replaced_rows(text, encoding, label)


def _replaced_rows(text: str, encoding: str, label: str) -> list[str]:
    rows: list[int] = []
    pos, line, last = text.find("\ufffd"), 1, 0
    total = text.count("\ufffd")
    while pos >= 0 and len(rows) < 10:
        line += text.count("\n", last, pos)
        last = pos
        if not rows or rows[-1] != line:
            rows.append(line)
        pos = text.find("\ufffd", pos + 1)
    if not total:
        return []
    shown = ", ".join(str(r) for r in rows) + (" and others" if total > len(rows) else "")
    return [f"{label}: row(s) {shown} hold bytes that are not valid {encoding} text; they were "
            f"read as '\ufffd' ({total:,} in all). To keep those characters, {_SAVE_AS}."]


def _decode_fallback(data: bytes, label: str) -> tuple[bytes, list[str]]:
    """Not valid UTF-8: Windows-1252 when no multi-byte UTF-8 character is valid, else UTF-8
    with the invalid bytes replaced."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    if non_ascii - bad == 0:
        text = data.decode("cp1252", errors="replace")
        note = [f"{label}: read as Windows-1252 text (the file is not UTF-8). If names or "
                f"places show odd characters, {_SAVE_AS}."]
        return text.encode("utf-8"), note + _replaced_rows(text, "Windows-1252", label)
    return text.encode("utf-8"), _replaced_rows(text, "UTF-8", label)


def _head_lines(data: bytes, start: int) -> list[bytes]:
    """The first lines of the file (up to HEADER_SEARCH_ROWS + 1), each without its line end."""
    lines: list[bytes] = []
    pos = start
    while len(lines) <= HEADER_SEARCH_ROWS and pos < len(data):
        end = data.find(b"\n", pos, pos + (1 << 20))
        if end < 0:
            end = min(len(data), pos + (1 << 20))
            lines.append(data[pos:end])
            break
        lines.append(data[pos:end])
        pos = end + 1
    return lines


def _parse_csv(data: bytes, start: int, label: str, score: Scorer | None,
               warnings: list[str]) -> RawTable:
    lines = _head_lines(data, start)
    try:
        text_lines = [ln.rstrip(b"\r").decode("utf-8") for ln in lines]
    except UnicodeDecodeError:
        raise _NotUtf8 from None
    if not any(t.strip() for t in text_lines):
        return RawTable(pa.table({}), [], np.array([], dtype=np.int64))
    delimiter, rows, h = ",", [], 0
    best: tuple | None = None
    for d in (",", "\t", ";", "|"):
        parsed = [next(csv.reader([t], delimiter=d), []) for t in text_lines]
        i = choose_header(parsed, score)
        s = (score(parsed[i]) if score else (0,), len(parsed[i]) > 1)
        if best is None or s > best:
            best, delimiter, rows, h = s, d, parsed, i
    headers = [c.strip() for c in rows[h]]
    names = unique_names(headers)
    header_row = h + 1
    skipped = [i + 1 for i in range(h) if any(c.strip() for c in rows[i])]
    warnings = warnings + title_warning(label, skipped, header_row)
    offset = start + sum(len(ln) + 1 for ln in lines[:h + 1])
    invalid: list[tuple[int, int, str]] = []

    def on_invalid(row) -> str:
        invalid.append((row.expected_columns, row.actual_columns, row.text))
        return "skip"

    if not data[offset:offset + 4096].strip() and not data[offset:].strip():
        empty = pa.table({n: pa.array([], pa.string()) for n in names})
        return RawTable(empty, headers, np.array([], dtype=np.int64), header_row, 0, warnings)
    body = pa.py_buffer(data).slice(min(offset, len(data)))
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            # Empty lines are kept as rows of blanks (dropped below as not records), so every
            # line after the header is a row and row numbers need no count of lines.
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False,
                                             ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "utf8" in message.lower() or "utf-8" in message.lower():
            raise _NotUtf8 from None
        # Arrow quotes the offending row; keep only the kind of error (no child's data).
        kind = message.strip().splitlines()[0].split(": ")[0] if message.strip() else "error"
        raise ExtractError(
            f"{label}: could not be read as CSV ({kind}); a quote left open or a damaged line "
            f"is the usual cause: open the file in Excel and {_SAVE_AS}") from None
    located = _locate_invalid(data, offset, invalid)
    row_numbers = _record_lines(table.num_rows, header_row, [r for r, _ in located])
    # A line of spaces alone is not a record; any other line that would not split is.
    invalid_rows = [(r, why) for r, why in located if why]
    return drop_blank_records(RawTable(table, headers, row_numbers, header_row, 0, warnings,
                                       invalid_rows))


def _locate_invalid(data: bytes, offset: int, invalid: list[tuple[int, int, str]]
                    ) -> list[tuple[int, str]]:
    """The line of each row Arrow could not split (found by its text, in file order), with
    the reason to set it aside ("" for a line of spaces, which is not a record)."""
    out: list[tuple[int, str]] = []
    search_from: dict[bytes, int] = {}
    for expected, actual, text in invalid:
        needle = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        pos = max(search_from.get(needle, offset - 1), offset - 1)
        while True:
            hit = data.find(b"\n" + needle, pos)
            after = hit + 1 + len(needle)
            if hit < 0 or after >= len(data) or data[after:after + 1] in (b"\r", b"\n"):
                break
            pos = hit + 1
        if hit < 0:
            continue
        search_from[needle] = hit + 1
        line = data.count(b"\n", 0, hit + 1) + 1
        out.append((line, "" if not needle.strip() else
                    f"has {actual} values where the header has {expected} columns; a value "
                    f"holding a comma or a line break needs quotes around it"))
    return sorted(out)


def _record_lines(n: int, header_row: int, skipped: list[int]) -> np.ndarray:
    """The line of each of ``n`` records that follow the header, given the lines skipped."""
    rows = np.arange(n, dtype=np.int64) + header_row + 1
    if skipped:
        s = np.asarray(skipped, dtype=np.int64)
        before = s - (header_row + 1) - np.arange(len(s))  # records before each skipped line
        rows += np.searchsorted(before, np.arange(n), side="right")
    return rows


def read_text_table(text: str) -> pa.Table:
    """A CSV given as a string (tests and examples), every column as text."""
    reader = csv.reader(io.StringIO(text))
    header = unique_names(next(reader))
    rows = list(reader)
    return pa.table({h: pa.array([r[i] if i < len(r) else "" for r in rows], pa.string())
                     for i, h in enumerate(header)})


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

