"""Find and load the performance dataset and its catalogue in a data folder.

``performance.csv`` (or ``.xlsx``, such as the partners' template saved as
``performance.xlsx``) and ``indicators.csv`` (or the template's Indicators sheet) are read
(:mod:`.read`) and validated (:mod:`.validate`): rows in = rows kept + duplicates + rows set
aside, each row set aside with its file, row, column and what to fix. Neither file present:
both are "not supplied". A file that cannot be read at all is a problem of its result
(unusable), never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from ..errors import ExtractError
from ..io.load import SourceResult
from ..periods import Period
from .read import find_file, open_workbook, read_table
from .schema import CATALOGUE, PERFORMANCE
from .validate import CAT_COLUMNS, PERF_COLUMNS, validate_catalogue, validate_performance

#: Sheets of a workbook that hold submissions (the template's) and the catalogue.
SUBMISSION_SHEETS = (r"submissions?", r"performance", r"data")
CATALOGUE_SHEETS = (r"indicators?", r"catalogue")


# --------------------------------------------------------------------------- results


@dataclass
class PerformanceData:
    """The validated performance rows and catalogue (``perf, cat = load_performance(...)``)."""

    performance: SourceResult
    catalogue: SourceResult
    data_dir: Path | None = None

    def __iter__(self):
        yield self.performance
        yield self.catalogue

    @property
    def supplied(self) -> bool:
        return self.performance.file is not None

    @property
    def usable(self) -> bool:
        return self.performance.usable and self.catalogue.usable

    @property
    def first_date(self) -> date | None:
        d = self.performance.data
        return None if d.empty else pd.Timestamp(d["start"].min()).date()

    @property
    def last_date(self) -> date | None:
        d = self.performance.data
        return None if d.empty else pd.Timestamp(d["end"].max()).date()

    def coverage(self, period: Period | None = None) -> dict:
        """The pack's coverage entry: supplied, first_date, last_date (ISO), and with a period
        ``period_covered`` ("full", "part", "none") and ``fields_absent``."""
        first, last = self.first_date, self.last_date
        out = {"supplied": self.supplied,
               "first_date": first.isoformat() if first else None,
               "last_date": last.isoformat() if last else None}
        if period is not None:
            if first is None or last < period.start or first > period.end:
                covered = "none"
            elif first <= period.start and last >= period.end:
                covered = "full"
            else:
                covered = "part"
            out["period_covered"] = covered
            optional = [f.name for f in PERFORMANCE.fields if not f.required]
            out["fields_absent"] = [f for f in optional
                                    if self.supplied and f not in self.performance.columns_used]
        return out

    def quality(self) -> pd.DataFrame:
        """One row per file: source, file, rows_in, rows_kept, duplicates, rows_set_aside,
        usable (the data-quality table's columns)."""
        rows = []
        for r in (self.catalogue, self.performance):
            rows.append({"source": r.source, "file": r.file or "(not supplied)",
                         "rows_in": r.rows_in, "rows_kept": r.rows_kept,
                         "duplicates": r.duplicates, "rows_set_aside": r.rows_set_aside,
                         "usable": r.usable})
        return pd.DataFrame(rows)


    def report_lines(self, max_rows: int = 50) -> list[str]:
        """The data-quality report's lines for both files, as ``wscb validate`` prints the
        other sources (rows in = kept + duplicates + set aside, then each row set aside)."""
        lines = []
        for r in (self.catalogue, self.performance):
            lines.append("")
            if r.file is None:
                lines.append(f"{r.source}: not supplied")
                continue
            lines.append(f"{r.source}: {r.file} ({r.layout})")
            lines.extend(f"  UNUSABLE: {p}" for p in r.problems)
            if not r.usable:
                continue
            lines.extend(f"  warning: {w}" for w in r.warnings)
            lines.append(f"  rows in {r.rows_in:,} = kept {r.rows_kept:,} + duplicates "
                         f"{r.duplicates:,} + set aside {r.rows_set_aside:,}"
                         + ("" if r.accounts() else "  (DOES NOT ADD UP)"))
            for rec in r.set_aside.head(max_rows).itertuples(index=False):
                lines.append(f"  set aside: {rec.file} row {rec.row}, column '{rec.column}': "
                             f"{rec.reason}")
            if len(r.set_aside) > max_rows:
                lines.append(f"  ... and {len(r.set_aside) - max_rows:,} more reasons")
        return lines


# --------------------------------------------------------------------------- public API


def load_performance(data_dir: Path | str, column_map: Mapping[str, str] | None = None,
                     reserved: set[str] | None = None) -> PerformanceData:
    """Find, read and validate ``performance.csv|xlsx`` and ``indicators.csv|xlsx`` in
    ``data_dir``. A template workbook (``performance.xlsx`` with Submissions and Indicators
    sheets) is enough on its own. Neither file present: both results have ``file`` None ("not
    supplied"). A file that cannot be read at all is a ``problem`` of its result (unusable),
    never an exception. ``reserved`` defaults to the ids of the computed indicators."""
    if reserved is None:
        from .computed import COMPUTED_IDS

        reserved = set(COMPUTED_IDS)
    folder = Path(data_dir)
    if not folder.is_dir():
        raise ExtractError(f"{folder}: no such folder")
    perf_path = find_file(folder, "performance")
    cat_path = find_file(folder, "indicators")
    books: dict = {}  # a workbook is read and checked once, whichever sheets are read

    def read(path, patterns, source, first_if_none=True):
        if path is None:
            return None, None
        try:
            if path.suffix.lower() != ".csv" and path not in books:
                books[path] = open_workbook(path)
            return read_table(path, patterns, first_if_none, books.get(path)), None
        except ExtractError as exc:
            return None, SourceResult(source=source.name, file=path.name,
                                      problems=[str(exc)], data=_empty_frame(
                                          CAT_COLUMNS if source is CATALOGUE else PERF_COLUMNS))

    cat_table, cat_failed = read(cat_path, CATALOGUE_SHEETS, CATALOGUE)
    cat_file = cat_path
    if cat_path is None and perf_path is not None and perf_path.suffix.lower() != ".csv":
        cat_table, cat_failed = read(perf_path, CATALOGUE_SHEETS, CATALOGUE,
                                     first_if_none=False)
        cat_file = perf_path if cat_table is not None else None
    catalogue = cat_failed or validate_catalogue(cat_table, cat_file, column_map, reserved)
    perf_table, perf_failed = read(perf_path, SUBMISSION_SHEETS, PERFORMANCE)
    performance = perf_failed or validate_performance(perf_table, catalogue, perf_path,
                                                      column_map)
    return PerformanceData(performance=performance, catalogue=catalogue, data_dir=folder)


def performance_coverage(data_dir: Path | str, period: Period,
                         column_map: Mapping[str, str] | None = None) -> dict:
    """The partners' dataset's entry of the figures JSON's ``coverage`` block (CONTRACT.md):
    ``supplied, first_date, last_date, period_covered, fields_absent``, read with the same
    column map as the extract. A folder that cannot be listed gives ``problem`` (a broken
    dataset must not stop the figures; the scorecard page says what is wrong)."""
    try:
        return load_performance(data_dir, column_map).coverage(period)
    except (ExtractError, OSError) as exc:
        return {"supplied": True, "first_date": None, "last_date": None,
                "period_covered": "none", "fields_absent": [], "problem": str(exc)}


def _empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


__all__ = ["PerformanceData", "load_performance", "performance_coverage", "validate_catalogue",
           "validate_performance", "find_file"]
