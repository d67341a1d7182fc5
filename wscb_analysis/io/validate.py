"""Validation: a text table of one source -> canonical columns, and every row accounted for.

Each field kind has one parser (:data:`_PARSERS`) taking the field's text column and returning
the values and the rows to set aside with their reason. Whole columns are handled in Arrow and
numpy and converted to pandas once, so a national-size extract validates in seconds.

* Rows identical in every column are one record read twice: the first is kept, the rest
  counted as duplicates.
* Any other row that cannot be used (a date that is not a real date, text in a date column, a
  blank child id, an end before its start, a start before the date of birth, an episode or
  plan that overlaps another of the same child, an unknown episode type, a line that does not
  split into the header's columns) is set aside with its file, row number, column and reason.
* A source that cannot be used at all (a required column is absent, two columns could be one
  field, no row could be used) gets a problem naming why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .checks import NO_OVERLAP, cross_field, duplicates, overlaps
from .dates import parse_dates
from .messages import header_problems, invisible_warning, none_kept, unknown_codes
from .read import RawTable
from .result import SET_ASIDE_COLUMNS, SourceResult, empty_frame
from .schemas import (
    CODE,
    DATE,
    ID,
    INT,
    NO,
    TEXT,
    UNKNOWN,
    YES,
    YN,
    Field,
    Source,
    _layout,
    match_headers,
)
from .text import characters_in, clean_column, visible

#: Event dates outside this range are not plausible for these returns.
PLAUSIBLE_FROM = np.datetime64("1990-01-01", "D")
PLAUSIBLE_TO = np.datetime64("2100-01-01", "D")
#: The column named for a line that could not be split into columns.
WHOLE_ROW = "(whole row)"

Problem = tuple[np.ndarray, "str | np.ndarray"]


@dataclass
class Parsed:
    """What a parser gives back for one field."""

    values: pa.Array
    #: (row indices, reason): one reason for all, or one per row.
    problems: list[Problem] = field(default_factory=list)
    #: Day dates (datetime64[D], NaT where blank or unreadable), for date fields.
    dates: np.ndarray | None = None
    #: Integer code per distinct child id, for the id field.
    child_key: pa.Array | None = None
    #: Rows kept whose value is outside a coded field's known codes (see Field.unknown_note).
    unknown: np.ndarray | None = None
    #: Rows whose text held invisible characters, removed (:mod:`.text`), and which ones.
    invisible: tuple[np.ndarray, list[str]] | None = None


# --------------------------------------------------------------------------- parsers


def _parse_date(text: pa.Array, blank: np.ndarray, f: Field) -> Parsed:
    """Day-first dates (see :mod:`.dates`); event dates outside 1990-2099 are set aside.
    A date of birth is identifying, so a bad one is never quoted back."""
    values, bad = parse_dates(text)
    problems: list[Problem] = []
    if bad.any():
        idx = np.flatnonzero(bad)
        if f.name == "dob":
            problems.append((idx, "date of birth is not a real date in dd/mm/yyyy form"))
        else:
            problems.append((idx, _quoted(text, idx,
                                          "is not a real date (expected dd/mm/yyyy, day first)")))
    if f.name != "dob":
        idx = np.flatnonzero(~np.isnat(values) & ((values < PLAUSIBLE_FROM)
                                                   | (values >= PLAUSIBLE_TO)))
        if len(idx):
            problems.append((idx, np.array(
                [f"{d} is outside the plausible range 1990-2099" for d in values[idx]],
                dtype=object)))
    return Parsed(pa.array(values.astype("datetime64[s]"), from_pandas=True), problems,
                  dates=values)


def _parse_int(text: pa.Array, blank: np.ndarray, f: Field) -> Parsed:
    """Whole numbers ("3", or "3.0" as a workbook saved to CSV writes them)."""
    digits = pc.match_substring_regex(text, r"^\d+(\.0+)?$")
    bad = ~blank & ~digits.to_numpy(zero_copy_only=False)
    problems: list[Problem] = []
    if bad.any():
        idx = np.flatnonzero(bad)
        problems.append((idx, _quoted(text, idx, "is not a whole number")))
    whole = pc.replace_substring_regex(text, r"\.0+$", "")
    return Parsed(pc.if_else(digits, pc.cast(pc.if_else(digits, whole, "0"), pa.int64()), None),
                  problems)


def _parse_yes_no(text: pa.Array, blank: np.ndarray, f: Field) -> Parsed:
    """Y/N text ("a) Yes", "b) No", "c) Not stated/recorded" too) -> True, False or unknown."""
    yes = pc.equal(text, "Y").to_numpy(zero_copy_only=False)
    no = pc.equal(text, "N").to_numpy(zero_copy_only=False)
    # Most values are a plain Y or N: only the rest are normalised before matching.
    rest = np.flatnonzero(~(yes | no | blank))
    problems: list[Problem] = []
    if len(rest):
        norm = _normalised(pc.utf8_lower(text.take(pa.array(rest))))
        is_yes = pc.is_in(norm, pa.array(sorted(YES))).to_numpy(zero_copy_only=False)
        is_no = pc.is_in(norm, pa.array(sorted(NO))).to_numpy(zero_copy_only=False)
        is_unknown = pc.is_in(norm, pa.array(sorted(UNKNOWN))).to_numpy(zero_copy_only=False)
        yes[rest[is_yes]] = True
        no[rest[is_no]] = True
        bad = rest[~(is_yes | is_no | is_unknown)]
        if len(bad):
            problems.append((bad, _quoted(text, bad, "is not Y, N or unknown")))
    return Parsed(pa.array(yes, mask=~(yes | no)), problems)


#: A code before its description: "8: Other", "3D: Health services", "WBRI - White British".
_CODE_FIRST = r"^([0-9]{1,2}[A-Z]?|[A-Z]{4}|[A-Z])\s*(?::|\s[-\x{2013}]\s)\s*\S.*$"
_CODE_MESSAGES = {
    "missing_type": "is not a missing episode type (M, A, Missing, Away, Absent)",
}


def _parse_code(text: pa.Array, blank: np.ndarray, f: Field) -> Parsed:
    """A code: Annex A's "a) " prefix and a trailing ": description" dropped, upper case where
    the codes are (ethnicity, referral source), and known spellings mapped to their code.
    A code column holds few distinct values, so the work is done once per distinct value."""
    encoded = pc.dictionary_encode(text)
    values = encoded.dictionary
    if f.annex_a:
        values = _annex_prefix_dropped(values)
    if f.upper:
        values = pc.utf8_upper(values)
    if f.annex_a and _any(pc.match_substring_regex(values, r":|\s[-\x{2013}]\s")):
        values = pc.replace_substring_regex(values, _CODE_FIRST, r"\1")
    indices = encoded.indices
    problems: list[Problem] = []
    unknown = None
    if f.codes:
        mapped, known_value = _lookup(values, f.codes)
        known = known_value[indices.to_numpy(zero_copy_only=False)]
        if f.strict:
            bad = np.flatnonzero(~known & ~blank)
            if len(bad):
                why = _CODE_MESSAGES.get(f.name, f"is not a known {f.label}")
                problems.append((bad, _quoted(text, bad, why)))
            return Parsed(pc.if_else(pa.array(known), mapped.take(indices), None), problems)
        values = pc.if_else(pa.array(known_value), mapped, values)
        if f.unknown_note:
            unknown = np.flatnonzero(~known_value[indices.to_numpy(zero_copy_only=False)]
                                     & ~blank)
    return Parsed(pc.if_else(pa.array(blank), None, values.take(indices)), problems,
                  unknown=unknown)


def _parse_text(text: pa.Array, blank: np.ndarray, f: Field) -> Parsed:
    if f.annex_a and _any(pc.match_substring(text, ")")):
        encoded = pc.dictionary_encode(text)
        text = _annex_prefix_dropped(encoded.dictionary).take(encoded.indices)
    return Parsed(pc.if_else(pa.array(blank), None, text))


def _parse_id(text: pa.Array, blank: np.ndarray, f: Field) -> Parsed:
    """The child id as given, and an integer code per child (``child_key``) that duplicates,
    overlaps and every per-child metric reuse."""
    return Parsed(text, child_key=pc.dictionary_encode(text).indices)


_PARSERS: dict[str, Callable[[pa.Array, np.ndarray, Field], Parsed]] = {
    DATE: _parse_date, INT: _parse_int, YN: _parse_yes_no, CODE: _parse_code,
    TEXT: _parse_text, ID: _parse_id,
}


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(pc.fill_null(mask, False)).as_py())


def _annex_prefix_dropped(text: pa.Array) -> pa.Array:
    """'a) WBRI' -> 'WBRI', 's) 8: Other' -> '8: Other' (Annex A's drop-down lists)."""
    if not _any(pc.match_substring(text, ")")):
        return text
    return pc.replace_substring_regex(text, r"^[A-Za-z]{1,2}\)\s*", "")


def _normalised(text: pa.Array) -> pa.Array:
    """Lower-case text with any Annex A prefix dropped and punctuation read as spaces."""
    text = pc.replace_substring_regex(text, r"^\s*[a-z]{1,2}\)\s*", "")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"[^a-z0-9]+", " "))


def _lookup(text: pa.Array, codes: Mapping[str, str]) -> tuple[pa.Array, np.ndarray]:
    """(canonical value, known?) for each value: exact spellings first, the rest normalised."""
    exact: dict[str, str] = {}
    for k, v in codes.items():
        for spelling in (k, k.upper(), k.capitalize(), v, v.upper(), v.lower()):
            exact.setdefault(spelling, v)
    keys = pa.array(list(exact))
    targets = pa.array(list(exact.values()), pa.string())
    pos = pc.index_in(text, keys)
    known = pos.is_valid().to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~known)
    if len(rest):
        norm = _normalised(pc.utf8_lower(text.take(pa.array(rest))))
        found = pc.index_in(norm, pa.array(list(codes)))
        hit = found.is_valid().to_numpy(zero_copy_only=False)
        if hit.any():
            # The position among the exact spellings of each normalised key's canonical value.
            of_key = pa.array([list(exact).index(codes[k]) for k in codes], pa.int32())
            filled = pos.to_numpy(zero_copy_only=False).astype(np.float64)
            filled[rest[hit]] = of_key.take(found.filter(pa.array(hit))).to_numpy()
            pos = pa.array(filled, pa.int32(), mask=np.isnan(filled))
            known[rest[hit]] = True
    return targets.take(pos), known


def _quoted(text: pa.Array, idx: np.ndarray, message: str) -> np.ndarray:
    values = text.take(pa.array(idx)).to_pylist()
    return np.array([f"'{visible(v)}' {message}" for v in values], dtype=object)


def _text_column(table: pa.Table, header: str) -> pa.Array:
    col = table.column(header)
    text = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    # ASCII trimming is ten times faster than UTF-8 trimming and catches the spaces, tabs and
    # line ends that exports leave; a non-breaking space is kept (it reads as a value). Most
    # columns have nothing to trim: that is seen from each value's first and last byte.
    return pc.ascii_trim_whitespace(text) if _may_need_trim(text) else text


def _may_need_trim(text: pa.Array) -> bool:
    """False only when no value of a string column starts or ends with ASCII whitespace."""
    if text.type != pa.string() or text.null_count or len(text) == 0:
        return True
    _, offsets_buf, data_buf = text.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[text.offset:text.offset + len(text) + 1]
    if data_buf is None or offsets[-1] == offsets[0]:
        return False
    data = np.frombuffer(data_buf, dtype=np.uint8)
    filled = offsets[1:] > offsets[:-1]
    edges = np.concatenate([data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]])
    # space, tab, line feed, vertical tab, form feed, carriage return
    return bool(((edges == 32) | ((edges >= 9) & (edges <= 13))).any())


def _absent(kind: str, n: int) -> pa.Array:
    types = {DATE: pa.timestamp("s"), INT: pa.int64(), YN: pa.bool_()}
    return pa.nulls(n, types.get(kind, pa.string()))


# --------------------------------------------------------------------------- reasons


class _Reasons:
    """Collects (row index, column, reason) for rows to set aside."""

    def __init__(self) -> None:
        self.index: list[np.ndarray] = []
        self.column: list[str] = []
        self.reason: list[np.ndarray | str] = []

    def add(self, idx: np.ndarray, column: str, reason: np.ndarray | str) -> None:
        if len(idx):
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


# --------------------------------------------------------------------------- the table


def validate_table(
    table: pa.Table | RawTable,
    source: Source,
    file_label: str,
    first_row: int = 2,
    column_map: Mapping[str, str] | None = None,
) -> SourceResult:
    """Validate a text table of one source into a :class:`SourceResult`.

    ``table`` is a :class:`.read.RawTable` (row numbers, header cells and warnings from the
    reader) or a bare Arrow table of text columns whose first record is spreadsheet row
    ``first_row``. ``column_map`` maps a header to a field, for headers the patterns miss.
    """
    raw = table if isinstance(table, RawTable) else RawTable(
        table, list(table.column_names),
        np.arange(first_row, first_row + table.num_rows, dtype=np.int64), first_row - 1)
    t = raw.table
    n = t.num_rows
    result = SourceResult(source=source.name, file=file_label,
                          rows_in=n + len(raw.invalid_rows), warnings=list(raw.warnings))
    result.data = empty_frame(source.name)
    headers = t.column_names
    if not headers:
        result.problems.append(
            f"{file_label}: the file is empty (no header row); export the "
            f"{source.description} again with its headers")
        return result
    match = match_headers(headers, source, column_map, raw.headers)
    mapping = match.mapping
    result.columns_used = mapping
    result.columns_ignored = [h for h in headers if h not in set(mapping.values())]
    result.layout = _layout(source, mapping)
    result.problems += header_problems(raw, source, file_label, match.ambiguous, mapping)
    if result.problems:
        return result

    rownums = raw.row_numbers
    reasons = _Reasons()

    def parse(f: Field) -> Parsed:
        header = mapping.get(f.name)
        if header is None:
            dates = np.full(n, np.datetime64("NaT"), "datetime64[D]") if f.kind == DATE else None
            return Parsed(_absent(f.kind, n), dates=dates)
        text = _text_column(t, header)
        invisible = None
        if f.kind in (TEXT, CODE):
            text, idx = clean_column(text)
            if len(idx):
                invisible = (idx, characters_in(t.column(header).take(pa.array(idx[:1000]))
                                                .to_pylist()))
        blank = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
        parsed = _PARSERS[f.kind](text, blank, f)
        parsed.invisible = invisible
        if f.mandatory_value and blank.any():
            parsed.problems.insert(0, (np.flatnonzero(blank),
                                       f"blank {f.label}: this field is required"))
        return parsed

    # Arrow's kernels release the GIL: two threads keep both cores busy on a large file.
    if n > 200_000:
        with ThreadPoolExecutor(max_workers=2) as pool:
            parsed = dict(zip([f.name for f in source.fields], pool.map(parse, source.fields),
                              strict=True))
    else:
        parsed = {f.name: parse(f) for f in source.fields}
    for f in source.fields:
        for idx, why in parsed[f.name].problems:
            reasons.add(idx, mapping.get(f.name, f.label), why)
        if parsed[f.name].invisible is not None:
            result.warnings.append(invisible_warning(file_label, mapping[f.name],
                                                      *parsed[f.name].invisible, rownums))
        unknown = parsed[f.name].unknown
        if unknown is not None and len(unknown):
            result.warnings.append(unknown_codes(t, mapping[f.name], unknown, rownums, f,
                                                  file_label))
    arrays = {name: p.values for name, p in parsed.items()}
    arrays["child_key"] = parsed["child_id"].child_key
    dates = {name: p.dates for name, p in parsed.items() if p.dates is not None}
    for idx, column, why in cross_field(dates, source, mapping):
        reasons.add(idx, column, why)
    set_aside = np.zeros(n, dtype=bool)
    set_aside[reasons.rows()] = True

    # Rows identical in every column (of the file, not just the columns used) are one record
    # read twice: the first is kept, the rest counted. Only rows sharing the child and the
    # parsed dates can be identical, so the exact comparison runs on those few.
    dup = duplicates(t, arrays["child_key"], list(dates.values()))
    result.duplicates = int(dup.sum())
    # A repeated row is counted once, as a duplicate, even when it is also unusable.
    set_aside &= ~dup
    if source.name in NO_OVERLAP:
        word = NO_OVERLAP[source.name]
        pairs = overlaps(arrays["child_key"], dates["start_date"], dates["end_date"],
                         ~(dup | set_aside))
        if pairs:
            # One part for every overlap (a frame per row is slow at national volumes).
            idx = np.array([i for i, _ in pairs], dtype=np.int64)
            reasons.add(idx, mapping.get("start_date", "start_date"), np.array(
                [f"overlaps the {word} at row {rownums[j]} of the same child" for _, j in pairs],
                dtype=object))
            set_aside[idx] = True
    result.set_aside = _with_invalid_rows(reasons.frame(file_label, rownums, keep=~dup),
                                          raw.invalid_rows, file_label)
    keep = ~(dup | set_aside)
    if source.name == "missing" and result.layout == "SSDA903 Missing" \
            and "looked_after" not in mapping:
        # The SSDA903 return covers looked-after children only.
        arrays["looked_after"] = pa.array(np.ones(n, dtype=bool))
    arrays["row"] = pa.array(rownums)
    kept = pa.table(arrays)
    if not keep.all():  # a clean extract keeps every row: no copy
        kept = kept.filter(pa.array(keep))
    result.data = _to_frame(kept, source)
    if result.rows_in and not result.rows_kept:
        result.problems.append(none_kept(result, source))
    return result


def _with_invalid_rows(frame: pd.DataFrame, invalid: list[tuple[int, str]], label: str
                       ) -> pd.DataFrame:
    if not invalid:
        return frame
    extra = pd.DataFrame({"file": label, "row": [r for r, _ in invalid], "column": WHOLE_ROW,
                          "reason": [why for _, why in invalid]})
    parts = [p for p in (frame, extra) if len(p)]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["row", "column"], kind="stable").reset_index(drop=True)


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
