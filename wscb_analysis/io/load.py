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

import difflib
import hashlib
import json
import os
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import config
from ..authorities import Authority, find_authority
from ..errors import ExtractError
from .authority import select_authority
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
    check_input,
    file_fingerprint,
    file_hash,
    find_annex_a_workbooks,
    find_partner_files,
    find_source_file,
    read_csv_table,
    read_input_bytes,
    read_raw,
    read_text_table,
)
from .result import SET_ASIDE_COLUMNS, SourceResult, empty_frame
from .schemas import (
    JOURNEY_SOURCES,
    SOURCES,
    all_field_names,
    header_score,
    map_headers,
    normalise_header,
)
from .validate import PLAUSIBLE_FROM, PLAUSIBLE_TO, validate_table
from .workbook import Workbook

#: Marker file that ``wscb synth`` writes into a synthetic extract.
SYNTHETIC_MARKER = "SYNTHETIC.txt"


class SourceNotHeld(KeyError):
    """A name that is no source of the extract; the message says which names are (a KeyError
    for ``e[name]``, an AttributeError for ``e.name``)."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class NoSuchSource(SourceNotHeld, AttributeError):
    pass


@dataclass(repr=False)
class Extract:
    r"""The validated sources of one extract folder (:func:`load_extract`).

    Each source (``referrals``, ``cp_plans``, ``early_help``, ``missing``) is a pandas frame
    with the canonical columns of :data:`~wscb_analysis.io.schemas.SOURCES` (``wscb fields``
    lists them): dates as datetime64, Y/N fields as boolean, ``child_key`` an integer per
    child and ``row`` the spreadsheet row it came from. ``e["missing"]`` and ``e.missing`` are
    the same frame; a source the folder does not hold is an empty frame with those columns
    (``e.has("missing")`` says whether it was supplied), so a count from it is "not
    supplied", never 0. ``e.sources[name]`` is the :class:`SourceResult`: the file, the row
    accounting (rows in = kept + duplicates + set aside), the rows set aside with their
    reasons, the warnings. The partners' performance dataset is not a source of the extract:
    ``wscb_analysis.performance.load_performance(e.data_dir)`` reads it.

    A worked example, as an analyst would meet it in JupyterLab:

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "referrals.csv").write_text(
    ...     "Child Unique ID,Date of referral,District\n"
    ...     "A1,05/06/2016,Rugby\nA2,31/02/2017,Rugby\nA3,07/09/2016,Warwick\n")
    >>> e = load_extract(folder, use_cache=False)
    >>> e                                   # doctest: +ELLIPSIS
    Extract(.../ referrals.csv: 2 of 3 rows kept, 1 set aside; ...: not supplied)
    >>> e.referrals[["child_id", "referral_date", "district"]]
      child_id referral_date district
    0       A1    2016-06-05    Rugby
    1       A3    2016-09-07  Warwick
    >>> print(e.sources["referrals"].set_aside["reason"].iloc[0])
    '31/02/2017' is not a real date (expected dd/mm/yyyy, day first)
    >>> e.has("missing"), len(e.missing)
    (False, 0)
    >>> e["performance"]
    Traceback (most recent call last):
    ...
    wscb_analysis.io.load.SourceNotHeld: 'performance' is not a source of the extract: the
    partners' performance dataset is read by
    wscb_analysis.performance.load_performance(e.data_dir). The extract's sources are
    referrals, cp_plans, early_help, missing, contacts, assessments, s47, children_in_need
    (this one holds referrals).
    >>> e.misssing
    Traceback (most recent call last):
    ...
    wscb_analysis.io.load.NoSuchSource: 'misssing' is not a source of the extract: did you
    mean 'missing'? The extract's sources are referrals, cp_plans, early_help, missing,
    contacts, assessments, s47, children_in_need (this one holds referrals).
    """

    data_dir: Path
    sources: dict[str, SourceResult]
    synthetic: bool = False
    #: The partners' files in the folder (performance.csv, indicators.csv, performance.xlsx)
    #: -> SHA-256 of their bytes when the extract was loaded, for the manifest; the files
    #: themselves are read by :mod:`wscb_analysis.performance`.
    partner_hashes: dict[str, str] = field(default_factory=dict)
    #: The ``--map`` the sources were read with, and whether the cache was used: whatever
    #: else reads this folder for the same pack (the partners' dataset, the scorecard's
    #: computed indicators) reads it the same way.
    column_map: dict[str, str] = field(default_factory=dict)
    use_cache: bool = True

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in SOURCES:
            raise SourceNotHeld(self._not_a_source(name, f"e[{name!r}]"))
        result = self.sources.get(name)
        if result is None or not result.usable:
            return empty_frame(name)
        return result.data

    def __getattr__(self, name: str) -> pd.DataFrame:
        # Only called for names that are not attributes; a private name (pickle, copy and
        # IPython probe for them) is an ordinary AttributeError.
        if name.startswith("_") or "sources" not in self.__dict__:
            raise AttributeError(name)
        if name in SOURCES:
            return self[name]
        raise NoSuchSource(self._not_a_source(name, f"e.{name}"))

    def _not_a_source(self, name: str, asked: str) -> str:
        held = [n for n in SOURCES if self.has(n)]
        holds = f" (this one holds {', '.join(held)})" if held else " (this one holds none)"
        if name in ("performance", "indicators"):
            why = ("the partners' performance dataset is read by "
                   "wscb_analysis.performance.load_performance(e.data_dir).")
        else:
            near = difflib.get_close_matches(name, list(SOURCES), n=1)
            why = f"did you mean {near[0]!r}?" if near else f"{asked} names no source."
        return (f"{name!r} is not a source of the extract: {why} The extract's sources are "
                f"{', '.join(SOURCES)}{holds}.")

    def __repr__(self) -> str:
        parts, absent = [], []
        for name, r in self.sources.items():
            if r.file is None:
                absent.append(name)
            elif not r.usable:
                parts.append(f"{r.file}: unusable")
            else:
                parts.append(f"{r.file}: {r.rows_kept:,} of {r.rows_in:,} rows kept"
                             + (f", {r.duplicates:,} repeated" if r.duplicates else "")
                             + (f", {r.rows_set_aside:,} set aside" if r.rows_set_aside else ""))
        if absent:
            parts.append(f"{', '.join(absent)}: not supplied")
        return f"Extract({self.data_dir}/ {'; '.join(parts)})"

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
        """File (and sheet) -> SHA-256 of every input: the bytes of each source actually read
        and parsed, and the partners' files (:attr:`partner_hashes`)."""
        out = {r.file: r.input_hash for r in self.sources.values() if r.file and r.input_hash}
        return {**out, **self.partner_hashes}


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
    folder: Path | str | None = None,
    la: Authority | None = None,
) -> SourceResult:
    """Load and validate one file (CSV, or a sheet of a workbook) as ``source``.

    ``column_map`` maps a header in the file to a canonical field name, for headers the
    patterns do not recognise. ``raw`` / ``workbook`` pass bytes (a workbook) already read,
    so the lists of one Annex A workbook share one read. ``folder`` is the data folder (by
    default the file's own): a link to a file outside it, a FIFO or a device is refused
    unread (:func:`.read.check_input`). ``la``: read a file that names several authorities
    for this one's rows alone (:mod:`.authority`); without it such a file is a problem.
    Never raises for bad rows; raises
    :class:`ExtractError` when the file itself cannot be read (or a workbook is over the
    budget of :mod:`.workbook`), or ``column_map`` names a field no source has.
    """
    path = Path(path)
    spec = SOURCES[source]
    check_column_map(column_map)
    label = path.name if sheet is None else f"{path.name} [{sheet}]"
    if raw is None:
        check_input(path, folder)  # before anything, the cache included, looks at it
    extra = json.dumps({"map": dict(column_map or {}), "sheet": sheet, "label": label,
                        "la": la.code if la else None}, sort_keys=True)
    if use_cache and raw is None:
        # An unchanged file (same path, inode, size, modification and change times, none in
        # the last two seconds) loads from the cache without being read.
        known = known_hash(file_fingerprint(path))
        if known is not None:
            cached = read_cache(cache_key(spec, known, extra), spec)
            if cached is not None:
                return cached
    owned = raw is None
    raw = raw or read_raw(path, folder)
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
    table, elsewhere, problems, notes = select_authority(table, label, la)
    if problems:
        return SourceResult(source=source, file=label, input_hash=raw.sha256,
                            rows_in=table.table.num_rows + len(table.invalid_rows),
                            data=empty_frame(source), problems=problems)
    result = validate_table(table, spec, label, column_map=column_map)
    result.input_hash = raw.sha256
    result.rows_in += elsewhere
    result.rows_other_authorities = elsewhere
    result.warnings += notes
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
    la: str | None = None,
) -> Extract:
    """Load every source found in an extract folder.

    Files named after a source (``referrals.csv``, ``cp_plans.xlsx``, ...) win; otherwise an
    Annex A workbook's sheets ("List 3", "List 7", "List 2") stand in, the workbook read once.
    A ``column_map`` entry whose field no source has, or whose header no supplied file of a
    source with that field has, raises :class:`ExtractError`. With ``strict=True`` an
    unusable source raises :class:`ExtractError` listing every problem. ``la`` (a DfE code,
    new or old, or a name): read a file whose authority column names several authorities for
    this one's rows alone; without it such a file is an unusable source (:mod:`.authority`).
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ExtractError(
            f"{data_dir}: no such folder; point --data-dir at the folder holding referrals.csv, "
            "cp_plans.csv, early_help.csv and missing.csv (or run `wscb synth --out DIR`)")
    check_column_map(column_map)
    authority = None
    if la:
        authority = find_authority(la)
        if authority is None:
            raise ExtractError(f"--la {la}: not a local authority in DfE's tables; give the "
                               "authority's DfE code (e.g. E10000031)")
    census, census_files = _census(data_dir)
    workbooks: dict[Path, Workbook | str] = {}
    for path in find_annex_a_workbooks(data_dir):
        # Read and checked once, before the sources load in parallel.
        try:
            workbooks[path] = Workbook(read_raw(path, data_dir), path.name)
        except (ExtractError, OSError) as exc:
            workbooks[path] = str(exc)

    def one(name: str) -> SourceResult:
        spec = SOURCES[name]
        path = find_source_file(data_dir, spec)
        if census_files and name in census_sources():
            return _from_census(name, census, census_files, path, workbooks)
        try:
            if path is not None:
                return load_source(path, name, column_map, use_cache=use_cache,
                                   folder=data_dir, la=authority)
            for wb_path, wb in workbooks.items():
                if isinstance(wb, str):  # a list this source may be in cannot be read
                    raise ExtractError(wb)
                sheet = _match_sheet(wb.sheet_names, spec)
                if sheet is not None:
                    return load_source(wb_path, name, column_map, sheet=sheet,
                                       use_cache=use_cache, raw=wb.raw, workbook=wb,
                                       la=authority)
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
    # The journey's lists are reported only where supplied, so other extracts read as before.
    sources = {name: loaded[name] for name in SOURCES
               if name not in JOURNEY_SOURCES or loaded[name].file}
    if not any(r.file for r in sources.values()):
        from .cin import find_census_returns

        notes = "".join(f"; {n}" for n in find_census_returns(data_dir)[1])
        raise ExtractError(
            f"{data_dir}: holds none of referrals.csv, cp_plans.csv, early_help.csv, "
            "missing.csv, contacts.csv, assessments.csv, s47.csv, an Annex A workbook or a "
            f"CIN census return (.xml){notes}")
    _check_map_headers(column_map, sources)
    extract = Extract(data_dir=data_dir, sources=sources,
                      synthetic=(data_dir / SYNTHETIC_MARKER).exists(),
                      partner_hashes=_partner_hashes(data_dir),
                      column_map=dict(column_map or {}), use_cache=use_cache)
    if strict and not extract.usable:
        raise ExtractError("\n".join(extract.problems()))
    return extract


def census_sources() -> tuple[str, ...]:
    from .cin_load import CENSUS_SOURCES

    return CENSUS_SOURCES


def _census(data_dir: Path) -> tuple[dict[str, SourceResult] | str, str]:
    """The folder's CIN census returns, read and merged (:mod:`.cin_load`), or the message
    saying why they could not be; and the files' names ("" when there are none)."""
    from .cin import find_census_returns

    paths, notes = find_census_returns(data_dir)
    if not paths:
        return {}, ""
    from .cin_load import load_census

    files = ", ".join(p.name for p in paths)
    try:
        return load_census(paths, notes), files
    except (ExtractError, OSError) as exc:
        return str(exc), files


def _from_census(name: str, census: dict[str, SourceResult] | str, files: str,
                 path: Path | None, workbooks: dict) -> SourceResult:
    """A source the census returns hold. A list of the same source in the folder (its own
    file or a workbook's sheet) is refused beside them: the two cannot be told apart record
    by record, and adding them would count every child twice (docs/assumptions.md)."""
    spec = SOURCES[name]
    listed = path.name if path is not None else next(
        (f"{p.name} [{_match_sheet(wb.sheet_names, spec)}]" for p, wb in workbooks.items()
         if isinstance(wb, Workbook) and _match_sheet(wb.sheet_names, spec)), None)
    if listed is not None:
        return SourceResult(source=name, file=f"{listed}; {files}", data=empty_frame(name),
                            problems=[f"{listed} and the CIN census returns ({files}) both hold "
                                      f"{spec.noun.removeprefix('the ')}: a folder holds one or "
                                      "the other for a source, never both (each child would "
                                      "count twice). Move one of them to another folder."])
    if isinstance(census, str):
        return SourceResult(source=name, file=files, data=empty_frame(name),
                            problems=[census])
    return census[name]


def _partner_hashes(data_dir: Path) -> dict[str, str]:
    """SHA-256 of each partners' file the folder holds; one that is not a file of the folder
    (a link out of it, a FIFO) is left to the partners' loader to refuse, unread here."""
    out = {}
    for path in find_partner_files(data_dir):
        try:
            out[path.name] = hashlib.sha256(read_input_bytes(path, data_dir)).hexdigest()
        except (ExtractError, OSError):
            continue
    return out


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
