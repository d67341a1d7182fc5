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
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .. import config
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


class ExtractError(Exception):
    """A problem with the analyst's files that stops a run; the message says what to fix."""


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
    h = hashlib.blake2b(digest_size=20)
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

    def add(self, idx: np.ndarray, column: str, reason: np.ndarray | str) -> None:
        if len(idx):
            self.index.append(np.asarray(idx))
            self.column.append(column)
            self.reason.append(reason)

    def frame(self, file: str, rownums: np.ndarray) -> pd.DataFrame:
        if not self.index:
            return pd.DataFrame(columns=SET_ASIDE_COLUMNS)
        parts = []
        for idx, col, why in zip(self.index, self.column, self.reason, strict=True):
            parts.append(pd.DataFrame({
                "file": file, "row": rownums[idx], "column": col,
                "reason": why if isinstance(why, str) else np.asarray(why, dtype=object),
            }))
        out = pd.concat(parts, ignore_index=True)
        return out.sort_values(["row", "column"], kind="stable").reset_index(drop=True)

    def rows(self) -> np.ndarray:
        return np.unique(np.concatenate(self.index)) if self.index else np.array([], dtype=int)


def _text_column(table: pa.Table, header: str | None) -> pa.Array:
    if header is None:
        return pa.nulls(table.num_rows, pa.string())
    col = table.column(header)
    return pc.utf8_trim_whitespace(col.combine_chunks() if col.num_chunks != 1 else col.chunk(0))


def _yes_no(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y/N text ("a) Yes", "b) No", "c) Unknown" too) -> masks (yes, no, unreadable)."""
    norm = pc.utf8_trim_whitespace(
        pc.replace_substring_regex(pc.utf8_lower(pc.fill_null(arr, "")), r"[^a-z0-9]+", " ")
    )
    yes = pc.is_in(norm, pa.array(sorted(YES))).to_numpy(zero_copy_only=False)
    no = pc.is_in(norm, pa.array(sorted(NO))).to_numpy(zero_copy_only=False)
    unknown = pc.is_in(norm, pa.array(sorted(UNKNOWN))).to_numpy(zero_copy_only=False)
    bad = ~(yes | no | unknown)
    return yes, no, bad


def validate_table(
    table: pa.Table,
    source: Source,
    file_label: str,
    first_row: int = 2,
    column_map: Mapping[str, str] | None = None,
) -> SourceResult:
    """Validate a text table of one source into a :class:`SourceResult`."""
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

    # Duplicates: identical in every column of the file (not just the columns we use).
    keep = np.ones(n, dtype=bool)
    if n:
        joined = pc.binary_join_element_wise(
            *[pc.fill_null(table.column(h), "") for h in headers], "\x1f"
        )
        dup = pd.Series(joined.to_numpy(zero_copy_only=False), copy=False).duplicated().to_numpy()
        result.duplicates = int(dup.sum())
        keep = ~dup
    if result.duplicates:
        table = table.filter(pa.array(keep))
        rownums = rownums[keep]
        n = table.num_rows

    reasons = _Reasons()
    cols: dict[str, object] = {}
    for f in source.fields:
        header = mapping.get(f.name)
        text = _text_column(table, header)
        label = header or f.label
        blank = (
            pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
            if header else np.ones(n, dtype=bool)
        )
        if f.mandatory_value and header:
            reasons.add(np.flatnonzero(blank), label, f"blank {f.label}: this field is required")
        if f.kind == DATE:
            dates, bad = parse_dates(text) if header else (
                np.full(n, np.datetime64("NaT"), "datetime64[D]"), np.zeros(n, bool))
            if bad.any():
                idx = np.flatnonzero(bad)
                if f.name == "dob":  # a date of birth is identifying: never echo it
                    why: object = "date of birth is not a real date in dd/mm/yyyy form"
                else:
                    vals = text.take(pa.array(idx)).to_pylist()
                    why = np.array(
                        [f"'{v}' is not a real date (expected dd/mm/yyyy, day first)"
                         for v in vals], dtype=object)
                reasons.add(idx, label, why)
            if f.name != "dob":
                implausible = ~np.isnat(dates) & (
                    (dates < PLAUSIBLE_FROM) | (dates >= PLAUSIBLE_TO))
                idx = np.flatnonzero(implausible)
                if len(idx):
                    reasons.add(idx, label, np.array(
                        [f"{str(d)} is outside the plausible range 1990-2099"
                         for d in dates[idx]], dtype=object))
            cols[f.name] = pd.array(dates.astype("datetime64[s]"))
        elif f.kind == INT:
            ok_digits = pc.match_substring_regex(text, r"^\d+(\.0+)?$").to_numpy(
                zero_copy_only=False) if header else np.zeros(n, bool)
            bad = ~blank & ~ok_digits
            if bad.any():
                idx = np.flatnonzero(bad)
                vals = text.take(pa.array(idx)).to_pylist()
                reasons.add(idx, label, np.array(
                    [f"'{v}' is not a whole number" for v in vals], dtype=object))
            values = np.zeros(n, dtype=np.int64)
            if ok_digits.any():
                values[ok_digits] = np.asarray(
                    [int(float(v)) for v in text.filter(pa.array(ok_digits)).to_pylist()])
            ints = pd.array(values, dtype="Int64")
            ints[~ok_digits] = pd.NA
            cols[f.name] = ints
        elif f.kind == YN:
            if header:
                yes, no, bad = _yes_no(text)
                if bad.any():
                    idx = np.flatnonzero(bad)
                    vals = text.take(pa.array(idx)).to_pylist()
                    reasons.add(idx, label, np.array(
                        [f"'{v}' is not Y, N or unknown" for v in vals], dtype=object))
                values = pd.array(yes, dtype="boolean")
                values[~(yes | no)] = pd.NA
            else:
                values = pd.array(np.zeros(n, bool), dtype="boolean")
                values[:] = pd.NA
            cols[f.name] = values
        elif f.name == "missing_type":
            norm = pc.utf8_lower(text)
            keys = pa.array(list(MISSING_TYPES))
            pos = pc.fill_null(pc.index_in(norm, keys), -1).to_numpy(zero_copy_only=False)
            known = pos >= 0
            bad = ~known & ~blank
            if bad.any():
                idx = np.flatnonzero(bad)
                vals = text.take(pa.array(idx)).to_pylist()
                reasons.add(idx, label, np.array(
                    [f"'{v}' is not a missing episode type (M, A, Missing, Away, Absent)"
                     for v in vals], dtype=object))
            labels = np.array(list(MISSING_TYPES.values()), dtype=object)
            values = np.where(known, labels[np.clip(pos, 0, None)], None)
            cols[f.name] = pd.array(values, dtype="str")
        elif f.kind in (ID, TEXT, CODE):
            if header:
                if f.name == "ethnicity":
                    text = pc.utf8_upper(text)
                values = pd.array(text.to_numpy(zero_copy_only=False), dtype="str")
                if f.kind != ID:
                    values[blank] = pd.NA
            else:
                values = pd.array([pd.NA] * n, dtype="str")
            cols[f.name] = values
        else:  # pragma: no cover - a schema with an unknown kind is a programming error
            raise ValueError(f"unknown field kind {f.kind}")
    frame = pd.DataFrame(cols)
    frame["row"] = rownums

    _cross_checks(frame, source, mapping, reasons)

    set_aside_idx = reasons.rows()
    result.set_aside = reasons.frame(file_label, rownums)
    if len(set_aside_idx):
        keep_rows = np.ones(n, dtype=bool)
        keep_rows[set_aside_idx] = False
        frame = frame.loc[keep_rows]
    result.data = frame.reset_index(drop=True)
    if source.name == "missing":
        result = _set_aside_overlaps(result, mapping)
    return result


def _cross_checks(
    frame: pd.DataFrame, source: Source, mapping: dict[str, str], reasons: _Reasons
) -> None:
    """Checks across fields, borrowed from the national validators."""
    pairs = {
        "cp_plans": ("start_date", "end_date"),
        "missing": ("start_date", "end_date"),
        "early_help": ("assessment_start", "assessment_completion"),
    }
    if source.name in pairs:
        start, end = pairs[source.name]
        s, e = frame[start].to_numpy(), frame[end].to_numpy()
        bad = ~np.isnat(s) & ~np.isnat(e) & (e < s)
        idx = np.flatnonzero(bad)
        if len(idx):
            reasons.add(idx, mapping.get(end, end), np.array(
                [f"end date {_dmy(e[i])} is before start date {_dmy(s[i])}" for i in idx],
                dtype=object))
    event = {"referrals": "referral_date", "cp_plans": "start_date", "missing": "start_date",
             "early_help": "assessment_start"}[source.name]
    if "dob" in mapping:
        dob, ev = frame["dob"].to_numpy(), frame[event].to_numpy()
        # Referrals may be made before birth (unborn children), so only the others are checked.
        if source.name != "referrals" and source.name != "cp_plans":
            idx = np.flatnonzero(~np.isnat(dob) & ~np.isnat(ev) & (ev < dob))
            reasons.add(idx, mapping.get(event, event),
                        "the episode starts before the date of birth")


def _dmy(d: np.datetime64) -> str:
    return pd.Timestamp(d).strftime("%d/%m/%Y")


def _set_aside_overlaps(result: SourceResult, mapping: dict[str, str]) -> SourceResult:
    """Set aside a missing episode that starts while an earlier one of the same child is open.

    Episodes are day-dated, so one may start on the day the last ended (returned in the
    morning, missing again at night); only a start strictly before an earlier end, or after
    an earlier episode with no end, overlaps.
    """
    df = result.data
    if df.empty:
        return result
    child = pd.factorize(df["child_id"])[0]
    start = df["start_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    end_raw = df["end_date"].to_numpy().astype("datetime64[D]")
    open_end = np.iinfo(np.int64).max
    end = np.where(np.isnat(end_raw), open_end, end_raw.astype(np.int64))
    order = np.lexsort((df["row"].to_numpy(), start, child))
    c, s, e = child[order], start[order], end[order]
    # Running maximum end of earlier episodes of the same child.
    prev_max = np.empty(len(order), dtype=np.int64)
    prev_row = np.empty(len(order), dtype=np.int64)
    rows_sorted = df["row"].to_numpy()[order]
    current_max, current_row = np.iinfo(np.int64).min, -1
    # A loop in numpy terms would need a segmented cummax; plain iteration over the episodes
    # is fast enough for national volumes (about a second per million).
    for i in range(len(order)):
        if i == 0 or c[i] != c[i - 1]:
            current_max, current_row = np.iinfo(np.int64).min, -1
        prev_max[i], prev_row[i] = current_max, current_row
        if e[i] > current_max:
            current_max, current_row = e[i], rows_sorted[i]
    overlap_sorted = s < prev_max
    # An overlapping episode is set aside and does not extend the child's open window.
    if not overlap_sorted.any():
        return result
    idx = order[overlap_sorted]
    label = mapping.get("start_date", "start_date")
    extra = pd.DataFrame({
        "file": result.file, "row": df["row"].to_numpy()[idx], "column": label,
        "reason": [f"overlaps the episode at row {r} of the same child" for r in
                   prev_row[overlap_sorted]],
    })
    result.set_aside = pd.concat([result.set_aside, extra], ignore_index=True).sort_values(
        ["row", "column"], kind="stable").reset_index(drop=True)
    keep = np.ones(len(df), dtype=bool)
    keep[idx] = False
    result.data = df.loc[keep].reset_index(drop=True)
    return result


# --------------------------------------------------------------------------- cache


def _cache_dir(key: str) -> Path:
    return config.PROCESSED_DIR / key


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
    input_hash = file_hash(path)
    key = _cache_key(spec, input_hash, json.dumps(
        {"map": dict(column_map or {}), "sheet": sheet, "label": label}, sort_keys=True))
    if use_cache:
        cached = _read_cache(key, spec)
        if cached is not None:
            return cached
    if path.stat().st_size == 0:
        result = SourceResult(source=source, file=label, input_hash=input_hash,
                              data=empty_frame(source))
        result.problems.append(
            f"{label}: the file is empty (0 bytes); export the {spec.description} again")
        return result
    if path.suffix.lower() == ".csv":
        table, header_row = _read_csv_text(path), 1
    else:
        table, header_row = _read_sheet_text(path, 0 if sheet is None else sheet)
    result = validate_table(table, spec, label, first_row=header_row + 1, column_map=column_map)
    result.input_hash = input_hash
    if use_cache and result.usable:
        _write_cache(key, result)
    return result


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
    sources: dict[str, SourceResult] = {}
    workbooks = find_annex_a_workbooks(data_dir)
    workbook_sheets = {wb: None for wb in workbooks}
    for name, spec in SOURCES.items():
        path = find_source_file(data_dir, spec)
        try:
            if path is not None:
                sources[name] = load_source(path, name, column_map, use_cache=use_cache)
                continue
            for wb in workbooks:
                if workbook_sheets[wb] is None:
                    workbook_sheets[wb] = list_sheets(wb)
                sheet = _match_sheet(workbook_sheets[wb], spec)
                if sheet is not None:
                    sources[name] = load_source(wb, name, column_map, sheet=sheet,
                                                use_cache=use_cache)
                    break
            else:
                sources[name] = SourceResult(source=name, file=None, data=empty_frame(name))
        except ExtractError as exc:
            sources[name] = SourceResult(source=name, file=str(path or workbooks),
                                         data=empty_frame(name), problems=[str(exc)])
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
