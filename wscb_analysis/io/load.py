"""Load an analyst's extract: CSV or XLSX (or an Annex A workbook) -> canonical frames.

Every row read is accounted for: rows in = rows kept + duplicates + rows set aside.

* Rows identical in every column are one record read twice (overlapping extracts): the first
  is kept and the rest counted as duplicates.
* Any other row that cannot be used (a date that is not a real date, text in a date column, a
  blank child id, an end before its start, a start before the date of birth, an episode that
  overlaps another of the same child, an unknown code) is set aside with its file, row number,
  column and reason. The good rows of the same file still count.
* A source that cannot be used at all (a required column is absent, the file is empty or
  unreadable) raises :class:`ExtractError` from :func:`load_extract` with ``strict=True``, or is
  reported as unusable in the data-quality report.

Row numbers are those a person sees in a spreadsheet: the header is row 1, the first record
row 2. Validated tables are cached as Parquet under ``data/processed/`` keyed by a hash of the
input file, so a notebook loads them instantly after the first run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .. import config
from ..errors import ExtractError
from .dates import parse_dates
from .schemas import (
    CODE,
    DATE,
    ID,
    INT,
    MISSING_TYPES,
    NO,
    SOURCES,
    TEXT,
    UNKNOWN,
    YES,
    YN,
    Source,
    normalise_header,
)

#: Bump when loading rules change, so cached Parquet from older rules is not reused.
LOADER_VERSION = "1"
#: Marker file that ``wscb synth`` writes into a synthetic extract.
SYNTHETIC_MARKER = "SYNTHETIC.txt"
#: Event dates outside this range are not plausible for these returns.
PLAUSIBLE_FROM = np.datetime64("1990-01-01", "D")
PLAUSIBLE_TO = np.datetime64("2100-01-01", "D")
SET_ASIDE_COLUMNS = ["file", "row", "column", "reason"]


@dataclass
class SourceResult:
    """One source of an extract after validation."""

    source: str
    file: str | None
    layout: str = ""
    rows_in: int = 0
    duplicates: int = 0
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: One row per reason a row was set aside: file, row, column, reason.
    set_aside: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SET_ASIDE_COLUMNS))
    columns_used: dict[str, str] = field(default_factory=dict)
    columns_ignored: list[str] = field(default_factory=list)
    #: Problems that make the whole source unusable.
    problems: list[str] = field(default_factory=list)
    input_hash: str | None = None
    from_cache: bool = False

    @property
    def usable(self) -> bool:
        return not self.problems

    @property
    def rows_set_aside(self) -> int:
        return int(self.set_aside["row"].nunique()) if len(self.set_aside) else 0

    @property
    def rows_kept(self) -> int:
        return len(self.data)

    def accounts(self) -> bool:
        """rows in = rows kept + duplicates + rows set aside."""
        return self.rows_in == self.rows_kept + self.duplicates + self.rows_set_aside


@dataclass
class Extract:
    """The validated sources of one extract folder."""

    data_dir: Path
    sources: dict[str, SourceResult]
    synthetic: bool = False

    def __getitem__(self, name: str) -> pd.DataFrame:
        result = self.sources.get(name)
        if result is None or not result.usable:
            return empty_frame(name)
        return result.data

    def has(self, name: str) -> bool:
        result = self.sources.get(name)
        return result is not None and result.usable and result.file is not None

    @property
    def usable(self) -> bool:
        return all(r.usable for r in self.sources.values())

    def problems(self) -> list[str]:
        return [p for r in self.sources.values() for p in r.problems]

    def input_hashes(self) -> dict[str, str]:
        return {r.file: r.input_hash for r in self.sources.values() if r.file and r.input_hash}


def empty_frame(source: str) -> pd.DataFrame:
    """A canonical frame with no rows, for a source the extract does not hold."""
    spec = SOURCES[source]
    cols = {}
    for f in spec.fields:
        if f.kind == DATE:
            cols[f.name] = pd.Series(dtype="datetime64[s]")
        elif f.kind == INT:
            cols[f.name] = pd.Series(dtype="Int64")
        elif f.kind == YN:
            cols[f.name] = pd.Series(dtype="boolean")
        else:
            cols[f.name] = pd.Series(dtype="str")
    cols["child_key"] = pd.Series(dtype="int32")
    cols["row"] = pd.Series(dtype="int64")
    return pd.DataFrame(cols)


# --------------------------------------------------------------------------- finding files


def find_source_file(data_dir: Path, source: Source) -> Path | None:
    """``referrals.csv`` / ``Referrals.xlsx`` etc. in ``data_dir`` (case-insensitive)."""
    for path in sorted(data_dir.iterdir()):
        if path.is_file() and path.stem.lower() == source.filename and path.suffix.lower() in (
            ".csv", ".xlsx", ".xlsm", ".xls",
        ):
            return path
    return None


def find_annex_a_workbooks(data_dir: Path) -> list[Path]:
    own = {s.filename for s in SOURCES.values()}
    return [
        p for p in sorted(data_dir.iterdir())
        if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm") and p.stem.lower() not in own
        and not p.name.startswith("~$")
    ]


# --------------------------------------------------------------------------- raw reading


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (hardware-accelerated on current processors)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_csv_text(path: Path) -> pa.Table:
    """Every column as text, blanks as "", in file order."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                header = next(csv.reader(fh), None)
            if header is None:
                return pa.table({})
            names = _unique_names(header)
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(
                    encoding="utf8" if encoding == "utf-8-sig" else encoding,
                    column_names=names, skip_rows=1, block_size=1 << 24,
                ),
                parse_options=pacsv.ParseOptions(newlines_in_values=False),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=False, quoted_strings_can_be_null=False,
                ),
            )
            return table
        except UnicodeDecodeError:
            continue
        except pa.ArrowInvalid as exc:
            if "utf8" in str(exc).lower() and encoding == "utf-8-sig":
                continue  # not UTF-8: try Windows-1252, which older council systems export
            raise ExtractError(
                f"{path.name}: could not be read as CSV: {_first_line(exc)}") from None
    raise ExtractError(f"{path.name}: could not be decoded as UTF-8 or Windows-1252 text")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _unique_names(header: list[str]) -> list[str]:
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


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would hold (dates ISO, whole numbers plain)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") or len(text) == 10 else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def list_sheets(path: Path) -> list[str]:
    try:
        from python_calamine import CalamineWorkbook

        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise ExtractError(
            f"{path.name}: could not be opened as an Excel workbook ({_first_line(exc)}); "
            "save it again from Excel as .xlsx, or export the sheet as CSV"
        ) from None


def _read_sheet_text(path: Path, sheet: str | int = 0) -> tuple[pa.Table, int]:
    """A sheet as text columns; returns the table and the spreadsheet row of its header."""
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        name = wb.sheet_names[sheet] if isinstance(sheet, int) else sheet
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:
        raise ExtractError(
            f"{path.name}: could not be opened as an Excel workbook ({_first_line(exc)}); "
            "save it again from Excel as .xlsx, or export the sheet as CSV"
        ) from None
    header_index = next((i for i, r in enumerate(rows) if any(_cell_text(v) for v in r)), None)
    if header_index is None:
        return pa.table({}), 1
    names = _unique_names([_cell_text(v) for v in rows[header_index]])
    body = rows[header_index + 1:]
    while body and not any(_cell_text(v) for v in body[-1]):
        body.pop()
    columns = {n: [] for n in names}
    for r in body:
        for i, n in enumerate(names):
            columns[n].append(_cell_text(r[i]) if i < len(r) else "")
    return pa.table({n: pa.array(v, pa.string()) for n, v in columns.items()}), header_index + 1


# --------------------------------------------------------------------------- header mapping


def map_headers(
    headers: list[str], source: Source, column_map: Mapping[str, str] | None = None
) -> dict[str, str]:
    """canonical field -> header in the file. User mappings (header -> field) win."""
    mapping: dict[str, str] = {}
    claimed: set[str] = set()
    if column_map:
        lookup = {h.strip().lower(): h for h in headers}
        for header, fname in column_map.items():
            if fname in {f.name for f in source.fields} and header.strip().lower() in lookup:
                mapping[fname] = lookup[header.strip().lower()]
                claimed.add(mapping[fname])
    normalised = [(h, normalise_header(h)) for h in headers]
    for f in source.fields:
        if f.name in mapping:
            continue
        for pattern in f.patterns:
            hit = next(
                (h for h, n in normalised if h not in claimed and re.fullmatch(pattern, n)), None
            )
            if hit is not None:
                mapping[f.name] = hit
                claimed.add(hit)
                break
    return mapping


def _layout(source: Source, mapping: dict[str, str]) -> str:
    if source.name == "missing":
        ssda = {normalise_header(mapping.get(k, "")) for k in ("child_id", "start_date")}
        return "SSDA903 Missing" if ssda == {"child", "mis start"} else "local missing extract"
    return source.description.split(":")[0]


# --------------------------------------------------------------------------- validation


class _Reasons:
    """Collects (row index, column, reason) for rows to set aside."""

    def __init__(self) -> None:
        self.index: list[np.ndarray] = []
        self.column: list[str | np.ndarray] = []
        self.reason: list[np.ndarray | str] = []
        self._lock = threading.Lock()  # fields are checked in parallel threads

    def add(self, idx: np.ndarray, column: str, reason: np.ndarray | str) -> None:
        if len(idx):
            with self._lock:
                self.index.append(np.asarray(idx))
                self.column.append(column)
                self.reason.append(reason)

    def frame(self, file: str, rownums: np.ndarray, keep: np.ndarray | None = None
              ) -> pd.DataFrame:
        """The reasons as a frame; rows where ``keep`` is False (duplicates) are left out."""
        if not self.index:
            return pd.DataFrame(columns=SET_ASIDE_COLUMNS)
        parts = []
        for idx, col, why in zip(self.index, self.column, self.reason, strict=True):
            if keep is not None:
                mask = keep[idx]
                idx = idx[mask]
                why = why if isinstance(why, str) else np.asarray(why, dtype=object)[mask]
            parts.append(pd.DataFrame({
                "file": file, "row": rownums[idx], "column": col,
                "reason": why if isinstance(why, str) else np.asarray(why, dtype=object),
            }))
        out = pd.concat(parts, ignore_index=True)
        return out.sort_values(["row", "column"], kind="stable").reset_index(drop=True)

    def rows(self) -> np.ndarray:
        if not self.index:
            return np.array([], dtype=np.int64)
        return np.unique(np.concatenate(self.index)).astype(np.int64)


def _text_column(table: pa.Table, header: str | None) -> pa.Array:
    if header is None:
        return pa.nulls(table.num_rows, pa.string())
    col = table.column(header)
    # ASCII trimming is ten times faster than UTF-8 trimming and catches the spaces, tabs and
    # line ends that exports leave; a non-breaking space is kept (it reads as a value).
    return pc.ascii_trim_whitespace(col.combine_chunks() if col.num_chunks != 1 else col.chunk(0))


def _yes_no(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y/N text ("a) Yes", "b) No", "c) Unknown" too) -> masks (yes, no, unreadable)."""
    text = pc.fill_null(arr, "")
    # Most values are a plain Y or N: only the rest are normalised (lower case, punctuation
    # to spaces) before matching.
    yes = pc.equal(text, "Y").to_numpy(zero_copy_only=False)
    no = pc.equal(text, "N").to_numpy(zero_copy_only=False)
    blank = pc.equal(text, "").to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~(yes | no | blank))
    bad = np.zeros(len(text), dtype=bool)
    if len(rest):
        norm = pc.utf8_trim_whitespace(pc.replace_substring_regex(
            pc.utf8_lower(text.take(pa.array(rest))), r"[^a-z0-9]+", " "))
        is_yes = pc.is_in(norm, pa.array(sorted(YES))).to_numpy(zero_copy_only=False)
        is_no = pc.is_in(norm, pa.array(sorted(NO))).to_numpy(zero_copy_only=False)
        is_unknown = pc.is_in(norm, pa.array(sorted(UNKNOWN))).to_numpy(zero_copy_only=False)
        yes[rest[is_yes]] = True
        no[rest[is_no]] = True
        bad[rest[~(is_yes | is_no | is_unknown)]] = True
    return yes, no, bad


def validate_table(
    table: pa.Table,
    source: Source,
    file_label: str,
    first_row: int = 2,
    column_map: Mapping[str, str] | None = None,
) -> SourceResult:
    """Validate a text table of one source into a :class:`SourceResult`.

    Works column by column in Arrow and numpy and converts to pandas once, so a national-size
    extract validates in seconds.
    """
    result = SourceResult(source=source.name, file=file_label, rows_in=table.num_rows)
    headers = table.column_names
    if not headers:
        result.problems.append(
            f"{file_label}: the file is empty (no header row); export the "
            f"{source.description} again with its headers"
        )
        result.data = empty_frame(source.name)
        return result
    mapping = map_headers(headers, source, column_map)
    result.columns_used = mapping
    result.columns_ignored = [h for h in headers if h not in set(mapping.values())]
    result.layout = _layout(source, mapping)
    for f in source.fields:
        if f.required and f.name not in mapping:
            result.problems.append(
                f"{file_label}: no column for '{f.label}' ({source.description}), which is "
                f"required. Headers found: {', '.join(headers)}. Rename the column, or map it "
                f"with --map \"<your header>={f.name}\"."
            )
    if result.problems:
        result.data = empty_frame(source.name)
        return result

    n = table.num_rows
    rownums = np.arange(first_row, first_row + n, dtype=np.int64)
    reasons = _Reasons()
    arrays: dict[str, pa.Array] = {}
    dates: dict[str, np.ndarray] = {}

    def field(f) -> None:
        """Read and check one column; fields are independent, so they run side by side."""
        header = mapping.get(f.name)
        label = header or f.label
        if header is None:
            arrays[f.name] = _absent(f.kind, n)
            if f.kind == DATE:
                dates[f.name] = np.full(n, np.datetime64("NaT"), "datetime64[D]")
            return
        text = _text_column(table, header)
        blank = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
        if f.mandatory_value:
            reasons.add(np.flatnonzero(blank), label, f"blank {f.label}: this field is required")
        if f.kind == DATE:
            values, bad = parse_dates(text)
            if bad.any():
                idx = np.flatnonzero(bad)
                if f.name == "dob":  # a date of birth is identifying: never echo it
                    why: object = "date of birth is not a real date in dd/mm/yyyy form"
                else:
                    why = _quoted(text, idx, "is not a real date (expected dd/mm/yyyy, day first)")
                reasons.add(idx, label, why)
            if f.name != "dob":
                idx = np.flatnonzero(~np.isnat(values) & (
                    (values < PLAUSIBLE_FROM) | (values >= PLAUSIBLE_TO)))
                if len(idx):
                    reasons.add(idx, label, np.array(
                        [f"{d} is outside the plausible range 1990-2099" for d in values[idx]],
                        dtype=object))
            dates[f.name] = values
            arrays[f.name] = pa.array(values.astype("datetime64[s]"), from_pandas=True)
        elif f.kind == INT:
            digits = pc.match_substring_regex(text, r"^\d+(\.0+)?$")
            ok = digits.to_numpy(zero_copy_only=False)
            bad = ~blank & ~ok
            if bad.any():
                idx = np.flatnonzero(bad)
                reasons.add(idx, label, _quoted(text, idx, "is not a whole number"))
            whole = pc.replace_substring_regex(text, r"\.0+$", "")
            arrays[f.name] = pc.if_else(digits, pc.cast(pc.if_else(digits, whole, "0"),
                                                         pa.int64()), None)
        elif f.kind == YN:
            yes, no, bad = _yes_no(text)
            if bad.any():
                idx = np.flatnonzero(bad)
                reasons.add(idx, label, _quoted(text, idx, "is not Y, N or unknown"))
            arrays[f.name] = pa.array(yes, mask=~(yes | no))
        elif f.name == "missing_type":
            keys = pa.array(list(MISSING_TYPES))
            pos = pc.fill_null(pc.index_in(pc.utf8_lower(text), keys), -1).to_numpy(
                zero_copy_only=False)
            known = pos >= 0
            bad = ~known & ~blank
            if bad.any():
                idx = np.flatnonzero(bad)
                reasons.add(idx, label, _quoted(
                    text, idx, "is not a missing episode type (M, A, Missing, Away, Absent)"))
            labels = np.array(list(MISSING_TYPES.values()), dtype=object)
            arrays[f.name] = pa.array(labels[np.clip(pos, 0, None)], pa.string(), mask=~known)
        elif f.kind in (ID, TEXT, CODE):
            if f.name == "ethnicity":
                text = pc.utf8_upper(text)
            if f.kind == ID:
                # Encoded once here: duplicates, overlaps and every per-child metric reuse the
                # codes, kept beside the id as ``child_key``.
                encoded = pc.dictionary_encode(text)
                arrays[f.name] = text
                arrays["child_key"] = encoded.indices
            else:
                arrays[f.name] = pc.if_else(pa.array(blank), None, text)
        else:  # pragma: no cover - a schema with an unknown kind is a programming error
            raise ValueError(f"unknown field kind {f.kind}")


    # Arrow's kernels release the GIL: two threads keep both cores busy on a large file.
    if n > 200_000:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(field, source.fields))
    else:
        for f in source.fields:
            field(f)
    # Field order, whichever thread finished first.
    arrays = {k: arrays[k] for k in [f.name for f in source.fields] + ["child_key"]
              if k in arrays}
    dates = {f.name: dates[f.name] for f in source.fields if f.name in dates}
    _cross_checks(dates, source, mapping, reasons)
    set_aside = np.zeros(n, dtype=bool)
    set_aside[reasons.rows()] = True

    # Rows identical in every column (of the file, not just the columns used) are one record
    # read twice: the first is kept, the rest counted. Only rows sharing the child and the
    # parsed dates can be identical, so the exact comparison runs on those few.
    dup = _duplicates(table, arrays["child_key"], [dates[k] for k in dates])
    result.duplicates = int(dup.sum())
    # A repeated row is counted once, as a duplicate, even when it is also unusable.
    set_aside &= ~dup
    if source.name == "missing":
        overlap_rows = _overlaps(arrays["child_key"], dates["start_date"], dates["end_date"],
                                 ~(dup | set_aside))
        for i, j in overlap_rows:
            reasons.add(np.array([i]), mapping.get("start_date", "start_date"),
                        f"overlaps the episode at row {rownums[j]} of the same child")
            set_aside[i] = True
    result.set_aside = reasons.frame(file_label, rownums, keep=~dup)
    keep = ~(dup | set_aside)
    if source.name == "missing" and result.layout == "SSDA903 Missing" \
            and "looked_after" not in mapping:
        # The SSDA903 return covers looked-after children only.
        arrays["looked_after"] = pa.array(np.ones(n, dtype=bool))
    arrays["row"] = pa.array(rownums)
    kept = pa.table(arrays).filter(pa.array(keep))
    result.data = _to_frame(kept, source)
    return result


def _absent(kind: str, n: int) -> pa.Array:
    types = {DATE: pa.timestamp("s"), INT: pa.int64(), YN: pa.bool_()}
    return pa.nulls(n, types.get(kind, pa.string()))


def _quoted(text: pa.Array, idx: np.ndarray, message: str) -> np.ndarray:
    values = text.take(pa.array(idx)).to_pylist()
    return np.array([f"'{v}' {message}" for v in values], dtype=object)


def _to_frame(table: pa.Table, source: Source) -> pd.DataFrame:
    """Arrow -> pandas once: text as pandas strings, dates as datetime64[s], Y/N as boolean,
    whole numbers as Int64."""
    cols = {}
    kinds = {f.name: f.kind for f in source.fields}
    for name in table.column_names:
        col = table.column(name)
        kind = kinds.get(name)
        if kind == YN:
            cols[name] = col.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
        elif kind == INT:
            cols[name] = col.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        else:
            cols[name] = col.to_pandas()
    return pd.DataFrame(cols)


def _duplicates(table: pa.Table, child: pa.Array, dates: list[np.ndarray]) -> np.ndarray:
    """True for each row identical in every column to an earlier row.

    Identical rows share the child and the parsed dates, so a cheap integer key finds the few
    candidates; only those are compared in full, as whole-row text.
    """
    n = table.num_rows
    if n < 2:
        return np.zeros(n, dtype=bool)
    key = child.to_numpy(zero_copy_only=False).astype(np.int64)
    for d in dates[:2]:
        days = np.where(np.isnat(d), -1, d.astype(np.int64)) & 0xFFFF
        key = (key << 16) | (days + 1)
    # Keys seen more than once, by sorting (a hash table over millions of distinct integers
    # is several times slower).
    order = np.argsort(key)
    ordered = key[order]
    same_as_next = np.zeros(n, dtype=bool)
    same_as_next[:-1] = ordered[1:] == ordered[:-1]
    shared_sorted = same_as_next.copy()
    shared_sorted[1:] |= same_as_next[:-1]
    candidates = np.sort(order[shared_sorted])
    dup = np.zeros(n, dtype=bool)
    if len(candidates):
        sub = table.take(pa.array(candidates)).combine_chunks()
        whole_row = pc.binary_join_element_wise(
            *[pc.fill_null(c.chunk(0) if c.num_chunks else pa.array([], pa.string()), "")
              for c in sub.columns], "\x1f")
        first_seen = pc.dictionary_encode(whole_row).indices.to_numpy(zero_copy_only=False)
        # dictionary_encode numbers values in order of first appearance, so a row repeats an
        # earlier one exactly when its code is not larger than every code before it.
        before = np.maximum.accumulate(np.concatenate([[-1], first_seen[:-1]]))
        dup[candidates[first_seen <= before]] = True
    return dup


def _overlaps(child: pa.Array, start: np.ndarray, end: np.ndarray, usable: np.ndarray
              ) -> list[tuple[int, int]]:
    """(row index, index of the episode it overlaps) for missing episodes of one child that
    start strictly before an earlier-starting episode of the same child has ended (or while it
    has no end). Episodes are day-dated, so starting on the day the last ended is allowed."""
    idx_all = np.flatnonzero(usable & ~np.isnat(start))
    if len(idx_all) < 2:
        return []
    codes = child.to_numpy(zero_copy_only=False).astype(np.int64)[idx_all]
    s = start[idx_all].astype(np.int64)
    e_raw = end[idx_all]
    open_end = 1 << 20  # later than any real date in days since 1970
    e = np.where(np.isnat(e_raw), open_end, e_raw.astype(np.int64) + (1 << 19))
    s = s + (1 << 19)  # shift so every day is positive
    order = np.lexsort((idx_all, s, codes))
    c, ss, ee = codes[order], s[order], e[order]
    # Running maximum end within each child: offset by child so maxima never cross children.
    key = c * (1 << 21) + ee
    running = np.maximum.accumulate(key)
    at = np.maximum.accumulate(np.where(key == running, np.arange(len(key)), 0))
    prev_key = np.empty_like(running)
    prev_key[0] = -1
    prev_key[1:] = running[:-1]
    same_child = np.zeros(len(key), dtype=bool)
    same_child[1:] = (prev_key[1:] >> 21) == c[1:]
    prev_end = prev_key - c * (1 << 21)
    hit = same_child & (ss < prev_end)
    prev_at = np.empty_like(at)
    prev_at[0] = 0
    prev_at[1:] = at[:-1]
    rows = idx_all[order]
    return [(int(rows[i]), int(rows[prev_at[i]])) for i in np.flatnonzero(hit)]


def _cross_checks(
    dates: dict[str, np.ndarray], source: Source, mapping: dict[str, str], reasons: _Reasons
) -> None:
    """Checks across fields, borrowed from the national validators."""
    pairs = {
        "cp_plans": ("start_date", "end_date"),
        "missing": ("start_date", "end_date"),
        "early_help": ("assessment_start", "assessment_completion"),
    }
    if source.name in pairs:
        start, end = pairs[source.name]
        s, e = dates[start], dates[end]
        idx = np.flatnonzero(~np.isnat(s) & ~np.isnat(e) & (e < s))
        if len(idx):
            reasons.add(idx, mapping.get(end, end), np.array(
                [f"end date {_dmy(e[i])} is before start date {_dmy(s[i])}" for i in idx],
                dtype=object))
    event = {"referrals": "referral_date", "cp_plans": "start_date", "missing": "start_date",
             "early_help": "assessment_start"}[source.name]
    # Referrals and plans may come before birth (unborn children); episodes and early help
    # assessments may not.
    if "dob" in mapping and source.name in ("missing", "early_help"):
        dob, ev = dates["dob"], dates[event]
        idx = np.flatnonzero(~np.isnat(dob) & ~np.isnat(ev) & (ev < dob))
        reasons.add(idx, mapping.get(event, event), "the episode starts before the date of birth")


def _dmy(d: np.datetime64) -> str:
    return pd.Timestamp(d).strftime("%d/%m/%Y")


# --------------------------------------------------------------------------- cache


def _cache_dir(key: str) -> Path:
    return config.PROCESSED_DIR / key


def _stat_pointer(path: Path) -> Path:
    st = path.stat()
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    return config.PROCESSED_DIR / "hashes" / h.hexdigest()


def _known_hash(path: Path) -> str | None:
    try:
        return _stat_pointer(path).read_text().strip() or None
    except OSError:
        return None


def _remember_hash(path: Path, digest: str) -> None:
    try:
        pointer = _stat_pointer(path)
        pointer.parent.mkdir(parents=True, exist_ok=True)
        pointer.write_text(digest)
    except OSError:
        pass  # the pointer only saves time


def _cache_key(source: Source, input_hash: str, extra: str) -> str:
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{LOADER_VERSION}|{source.name}|{input_hash}|{extra}".encode())
    return f"{source.name}-{h.hexdigest()}"


def _read_cache(key: str, source: Source) -> SourceResult | None:
    folder = _cache_dir(key)
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        data = pd.read_parquet(folder / "data.parquet")
        # Parquet has no second resolution: give back the frame exactly as validated.
        for name in data.columns:
            if str(data[name].dtype).startswith("datetime64"):
                data[name] = data[name].astype("datetime64[s]")
        set_aside = pd.read_parquet(folder / "set_aside.parquet")
    except Exception:  # a broken cache is disposable: validate again
        return None
    result = SourceResult(source=source.name, file=meta["file"], layout=meta["layout"],
                          rows_in=meta["rows_in"], duplicates=meta["duplicates"], data=data,
                          set_aside=set_aside, columns_used=meta["columns_used"],
                          columns_ignored=meta["columns_ignored"], input_hash=meta["input_hash"],
                          from_cache=True)
    return result


def _write_cache(key: str, result: SourceResult) -> None:
    folder = _cache_dir(key)
    try:
        tmp = folder.with_name(folder.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        result.data.to_parquet(tmp / "data.parquet", index=False)
        result.set_aside.astype({"row": "int64"}).to_parquet(tmp / "set_aside.parquet",
                                                              index=False)
        (tmp / "meta.json").write_text(json.dumps({
            "file": result.file, "layout": result.layout, "rows_in": result.rows_in,
            "duplicates": result.duplicates, "columns_used": result.columns_used,
            "columns_ignored": result.columns_ignored, "input_hash": result.input_hash,
        }))
        if folder.exists():
            import shutil

            shutil.rmtree(folder)
        tmp.rename(folder)
    except OSError:
        pass  # the cache only saves time; a read-only disk must not stop a run


# --------------------------------------------------------------------------- public API


def load_source(
    path: Path | str,
    source: str,
    column_map: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    use_cache: bool = True,
) -> SourceResult:
    """Load and validate one file (CSV, or a sheet of a workbook) as ``source``.

    ``column_map`` maps a header in the file to a canonical field name, for headers the
    patterns do not recognise. Never raises for bad rows; raises :class:`ExtractError` only
    when the file itself cannot be read.
    """
    path = Path(path)
    spec = SOURCES[source]
    label = path.name if sheet is None else f"{path.name} [{sheet}]"
    if not path.exists():
        raise ExtractError(f"{path}: no such file")
    extra = json.dumps({"map": dict(column_map or {}), "sheet": sheet, "label": label},
                       sort_keys=True)
    if use_cache:
        # A pointer from the file's path, size and modification time to its content hash
        # saves hashing an unchanged file again; the cache itself is keyed by the hash. A new
        # or touched file is validated afresh (its hash computed alongside), so a cold run
        # pays no separate hashing pass.
        known = _known_hash(path)
        if known is not None:
            cached = _read_cache(_cache_key(spec, known, extra), spec)
            if cached is not None:
                return cached
    # Hashing overlaps with parsing (hashlib releases the GIL).
    pool = ThreadPoolExecutor(max_workers=1)
    hashing = pool.submit(file_hash, path)
    pool.shutdown(wait=False)
    if path.stat().st_size == 0:
        result = SourceResult(source=source, file=label, input_hash=file_hash(path),
                              data=empty_frame(source))
        result.problems.append(
            f"{label}: the file is empty (0 bytes); export the {spec.description} again")
        return result
    if path.suffix.lower() == ".csv":
        table, header_row = _read_csv_text(path), 1
    else:
        table, header_row = _read_sheet_text(path, 0 if sheet is None else sheet)
    result = validate_table(table, spec, label, first_row=header_row + 1, column_map=column_map)
    result.input_hash = hashing.result()
    if use_cache and result.usable:
        _remember_hash(path, result.input_hash)
        key = _cache_key(spec, result.input_hash, extra)
        # Written in the background while the caller computes; the interpreter waits for it
        # before exiting, so the cache is complete when a command returns.
        _CACHE_WRITER.submit(_write_cache, key, result)
    return result


_CACHE_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wscb-cache")


def flush_cache_writes() -> None:
    """Wait for cache writes started by :func:`load_source` (tests and benchmarks)."""
    _CACHE_WRITER.submit(lambda: None).result()


def _match_sheet(sheets: list[str], spec: Source) -> str | None:
    for pattern in spec.sheet_patterns:
        for name in sheets:
            if re.search(pattern, normalise_header(name)):
                return name
    return None


def load_extract(
    data_dir: Path | str,
    column_map: Mapping[str, str] | None = None,
    use_cache: bool = True,
    strict: bool = False,
) -> Extract:
    """Load every source found in an extract folder.

    Files named after a source (``referrals.csv``, ``cp_plans.xlsx``, ...) win; otherwise an
    Annex A workbook's sheets ("List 3", "List 7", "List 2") stand in. With ``strict=True`` an
    unusable source raises :class:`ExtractError` listing every problem.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ExtractError(
            f"{data_dir}: no such folder; point --data-dir at the folder holding referrals.csv, "
            "cp_plans.csv, early_help.csv and missing.csv (or run `wscb synth --out DIR`)")
    workbooks = find_annex_a_workbooks(data_dir)
    workbook_sheets: dict[Path, list[str] | None] = {wb: None for wb in workbooks}

    def one(name: str) -> SourceResult:
        spec = SOURCES[name]
        path = find_source_file(data_dir, spec)
        try:
            if path is not None:
                return load_source(path, name, column_map, use_cache=use_cache)
            for wb in workbooks:
                if wb in workbook_errors:  # a list this source may be in cannot be read
                    raise ExtractError(workbook_errors[wb])
                sheet = _match_sheet(workbook_sheets[wb] or [], spec)
                if sheet is not None:
                    return load_source(wb, name, column_map, sheet=sheet, use_cache=use_cache)
            return SourceResult(source=name, file=None, data=empty_frame(name))
        except ExtractError as exc:
            where = path.name if path else ", ".join(wb.name for wb in workbooks)
            return SourceResult(source=name, file=where, data=empty_frame(name),
                                problems=[str(exc)])

    workbook_errors: dict[Path, str] = {}
    for wb in workbooks:  # read the sheet names once, before the sources load in parallel
        try:
            workbook_sheets[wb] = list_sheets(wb)
        except ExtractError as exc:
            workbook_errors[wb] = str(exc)
    # Arrow's kernels release the GIL, so the sources validate side by side on the cores.
    # Two workers keep the peak memory down: the largest source on one, the rest on the other.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        loaded = dict(zip(SOURCES, pool.map(one, SOURCES), strict=True))
    sources = {name: loaded[name] for name in SOURCES}
    if not any(r.file for r in sources.values()):
        raise ExtractError(
            f"{data_dir}: holds none of referrals.csv, cp_plans.csv, early_help.csv, "
            "missing.csv or an Annex A workbook")
    extract = Extract(data_dir=data_dir, sources=sources,
                      synthetic=(data_dir / SYNTHETIC_MARKER).exists())
    if strict and not extract.usable:
        raise ExtractError("\n".join(extract.problems()))
    return extract


def read_text_table(text: str) -> pa.Table:
    """A CSV given as a string (tests and examples), every column as text."""
    reader = csv.reader(io.StringIO(text))
    header = _unique_names(next(reader))
    rows = list(reader)
    return pa.table({h: pa.array([r[i] if i < len(r) else "" for r in rows], pa.string())
                     for i, h in enumerate(header)})


__all__ = [
    "Extract", "ExtractError", "SourceResult", "load_extract", "load_source", "validate_table",
    "map_headers", "empty_frame", "file_hash",
]
