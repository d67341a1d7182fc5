"""Load an analyst's extract: CSV or XLSX (or an Annex A workbook) -> canonical frames.

Every row read is accounted for: rows in = rows kept + duplicates + rows set aside (see
:mod:`.validate` for the rules). The stages live in their own modules: :mod:`.read` (files,
bytes, encodings, headers), :mod:`.workbook` (workbooks within a budget), :mod:`.validate`
(fields), :mod:`.checks` (across rows), :mod:`.cache` (Arrow files). This module ties them
together and keeps exporting the names other code imports from it.

Row numbers are those a person sees in a spreadsheet: the header's row (1 unless title rows
sit above it), then the records below it. Validated tables are cached as Arrow files under
``data/processed/`` keyed by the SHA-256 of the bytes read, so a notebook loads them
instantly after the first run; ``use_cache=False`` neither reads nor writes that cache.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import ExtractError
from .cache import (
    LOADER_VERSION,
    cache_key,
    flush_cache_writes,
    known_hash,
    read_cache,
    remember_hash,
    write_cache_later,
)
from .read import (
    RawFile,
    file_fingerprint,
    file_hash,
    find_annex_a_workbooks,
    find_source_file,
    read_csv_table,
    read_raw,
    read_text_table,
)
from .result import SET_ASIDE_COLUMNS, SourceResult, empty_frame
from .schemas import SOURCES, all_field_names, header_score, map_headers, normalise_header
from .validate import PLAUSIBLE_FROM, PLAUSIBLE_TO, validate_table
from .workbook import Workbook

#: Marker file that ``wscb synth`` writes into a synthetic extract.
SYNTHETIC_MARKER = "SYNTHETIC.txt"


@dataclass
class Extract:
    """The validated sources of one extract folder."""

    data_dir: Path
    sources: dict[str, SourceResult]
    synthetic: bool = False
    #: The ``--map`` the sources were read with, and whether the cache was used: whatever
    #: else reads this folder for the same pack (the partners' dataset, the scorecard's
    #: computed indicators) reads it the same way.
    column_map: dict[str, str] = field(default_factory=dict)
    use_cache: bool = True

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

    def warnings(self) -> list[str]:
        return [w for r in self.sources.values() for w in r.warnings]

    def input_hashes(self) -> dict[str, str]:
        """File (and sheet) -> SHA-256 of the bytes actually read and parsed."""
        return {r.file: r.input_hash for r in self.sources.values() if r.file and r.input_hash}


def check_column_map(column_map: Mapping[str, str] | None) -> None:
    """Every ``--map`` entry must name a field of some source: else :class:`ExtractError`
    listing the valid fields."""
    fields = all_field_names()
    for header, name in (column_map or {}).items():
        if name not in fields:
            raise ExtractError(
                f"--map \"{header}={name}\": '{name}' is not a field of any source. Fields: "
                f"{', '.join(sorted(fields))} (`wscb fields` shows each with the headers it "
                "recognises)")


def load_source(
    path: Path | str,
    source: str,
    column_map: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    use_cache: bool = True,
    *,
    raw: RawFile | None = None,
    workbook: Workbook | None = None,
) -> SourceResult:
    """Load and validate one file (CSV, or a sheet of a workbook) as ``source``.

    ``column_map`` maps a header in the file to a canonical field name, for headers the
    patterns do not recognise. ``raw`` / ``workbook`` pass bytes (a workbook) already read,
    so the lists of one Annex A workbook share one read. Never raises for bad rows; raises
    :class:`ExtractError` when the file itself cannot be read (or a workbook is over the
    budget of :mod:`.workbook`), or ``column_map`` names a field no source has.
    """
    path = Path(path)
    spec = SOURCES[source]
    check_column_map(column_map)
    label = path.name if sheet is None else f"{path.name} [{sheet}]"
    if raw is None and not path.is_file():
        raise ExtractError(f"{path}: no such file")
    extra = json.dumps({"map": dict(column_map or {}), "sheet": sheet, "label": label},
                       sort_keys=True)
    if use_cache and raw is None:
        # An unchanged file (same path, inode, size, modification and change times, none in
        # the last two seconds) loads from the cache without being read.
        known = known_hash(file_fingerprint(path))
        if known is not None:
            cached = read_cache(cache_key(spec, known, extra), spec)
            if cached is not None:
                return cached
    owned = raw is None
    raw = raw or read_raw(path)
    if use_cache and _cache_has(spec):
        # Hashing first costs a pass over the bytes; only worth it when a cached result may
        # exist (a cold run validates while the hash is computed alongside).
        cached = read_cache(cache_key(spec, raw.sha256, extra), spec)
        if cached is not None:
            remember_hash(raw.fingerprint, raw.sha256)
            return cached
    if not raw.data:
        result = SourceResult(source=source, file=label, input_hash=raw.sha256,
                              data=empty_frame(source))
        result.problems.append(
            f"{label}: the file is empty (0 bytes); export the {spec.description} again")
        return result
    score = header_score(spec, column_map)
    if path.suffix.lower() in (".csv", ".txt"):
        table = read_csv_table(raw, score, label)
    else:
        workbook = workbook or Workbook(raw, path.name)
        table = workbook.read_sheet(0 if sheet is None else sheet, score)
    if owned:
        raw.release()  # the table holds its own copy: free the bytes before validating
    result = validate_table(table, spec, label, column_map=column_map)
    result.input_hash = raw.sha256
    if use_cache and result.usable:
        remember_hash(raw.fingerprint, raw.sha256)
        write_cache_later(cache_key(spec, raw.sha256, extra), result)
    return result


def _cache_has(spec) -> bool:
    try:
        return any(config.PROCESSED_DIR.glob(f"{spec.name}-*/meta.json"))
    except OSError:
        return False


def _match_sheet(sheets: list[str], spec) -> str | None:
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
    Annex A workbook's sheets ("List 3", "List 7", "List 2") stand in, the workbook read once.
    A ``column_map`` entry whose field no source has, or whose header no supplied file of a
    source with that field has, raises :class:`ExtractError`. With ``strict=True`` an
    unusable source raises :class:`ExtractError` listing every problem.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ExtractError(
            f"{data_dir}: no such folder; point --data-dir at the folder holding referrals.csv, "
            "cp_plans.csv, early_help.csv and missing.csv (or run `wscb synth --out DIR`)")
    check_column_map(column_map)
    workbooks: dict[Path, Workbook | str] = {}
    for path in find_annex_a_workbooks(data_dir):
        # Read and checked once, before the sources load in parallel.
        try:
            workbooks[path] = Workbook(read_raw(path), path.name)
        except (ExtractError, OSError) as exc:
            workbooks[path] = str(exc)

    def one(name: str) -> SourceResult:
        spec = SOURCES[name]
        path = find_source_file(data_dir, spec)
        try:
            if path is not None:
                return load_source(path, name, column_map, use_cache=use_cache)
            for wb_path, wb in workbooks.items():
                if isinstance(wb, str):  # a list this source may be in cannot be read
                    raise ExtractError(wb)
                sheet = _match_sheet(wb.sheet_names, spec)
                if sheet is not None:
                    return load_source(wb_path, name, column_map, sheet=sheet,
                                       use_cache=use_cache, raw=wb.raw, workbook=wb)
            return SourceResult(source=name, file=None, data=empty_frame(name))
        except (ExtractError, OSError) as exc:
            where = path.name if path else ", ".join(p.name for p in workbooks)
            return SourceResult(source=name, file=where, data=empty_frame(name),
                                problems=[str(exc)])

    # Arrow's kernels release the GIL, so the sources validate side by side on the cores.
    # Two workers keep the peak memory down: the largest source on one, the rest on the other.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        loaded = dict(zip(SOURCES, pool.map(one, SOURCES), strict=True))
    for wb in workbooks.values():
        if isinstance(wb, Workbook):
            wb.raw.release()
    sources = {name: loaded[name] for name in SOURCES}
    if not any(r.file for r in sources.values()):
        raise ExtractError(
            f"{data_dir}: holds none of referrals.csv, cp_plans.csv, early_help.csv, "
            "missing.csv or an Annex A workbook")
    _check_map_headers(column_map, sources)
    extract = Extract(data_dir=data_dir, sources=sources,
                      synthetic=(data_dir / SYNTHETIC_MARKER).exists(),
                      column_map=dict(column_map or {}), use_cache=use_cache)
    if strict and not extract.usable:
        raise ExtractError("\n".join(extract.problems()))
    return extract


def _check_map_headers(column_map: Mapping[str, str] | None,
                       sources: dict[str, SourceResult]) -> None:
    """A ``--map`` header must be a column of a supplied file of a source having the field."""
    for header, name in (column_map or {}).items():
        holders = [r for r in sources.values()
                   if r.file and name in {f.name for f in SOURCES[r.source].fields}]
        seen = {r.file: [*r.columns_used.values(), *r.columns_ignored] for r in holders}
        if any(header.strip().lower() in {h.strip().lower() for h in hs}
               for hs in seen.values()):
            continue
        if holders and not all(seen.values()):
            continue  # a file that could not be read: its own problem says why
        found = "; ".join(f"{f}: {', '.join(hs)}" for f, hs in seen.items()) or \
            f"no file of a source with the field '{name}' was supplied"
        raise ExtractError(
            f"--map \"{header}={name}\": no supplied file of a source with the field "
            f"'{name}' has a column '{header}'. Headers found: {found}")


def list_sheets(path: Path | str) -> list[str]:
    """The sheet names of a workbook (checked against the workbook budget first)."""
    return Workbook(read_raw(path)).sheet_names


__all__ = [
    "Extract", "ExtractError", "SourceResult", "load_extract", "load_source", "validate_table",
    "map_headers", "empty_frame", "file_hash", "file_fingerprint", "flush_cache_writes",
    "read_text_table", "check_column_map", "list_sheets", "find_source_file",
    "find_annex_a_workbooks", "LOADER_VERSION", "SYNTHETIC_MARKER", "SET_ASIDE_COLUMNS",
    "PLAUSIBLE_FROM", "PLAUSIBLE_TO",
]
