"""Validate the performance dataset and its catalogue, accounting for every row.

As for the other sources (:mod:`wscb_analysis.io.load`): rows identical in every column are one
record read twice (the first is kept, the rest counted as ``duplicates``); any other row that
cannot be used is set aside with its file, spreadsheet row (header = row 1), column and a
reason that says what to fix; rows in = rows kept + duplicates + rows set aside. Blank lines
are not records and are not counted.

Catalogue rows (``indicators.csv``) are set aside for: a blank id or title, an unknown unit,
polarity, target direction or about-children answer, a target that is not a number (or a
percentage outside 0-100), a target direction that contradicts the polarity, a target with no
direction where the polarity gives none, an unreadable rebase period, an id reserved for a
figure the suite computes itself, and two different rows for one id.

Partners' text is read as :mod:`.text` says: invisible and text-direction characters are
removed from every cell (each removal reported, with the rows and column, as a warning), and a
row whose indicator id holds such a character, or any character outside plain ASCII (a look-alike
of another id's), is set aside. A workbook cell holding a formula with no saved value sets its
row aside with that reason (:meth:`.read.Table.formula_reasons`).

Performance rows are set aside for: an indicator not in the catalogue, a period that cannot be
read, a value (or numerator, denominator) that is not a number, a percentage outside 0-100, a
negative or fractional count, a numerator above its denominator (percentages and rates), a
value that disagrees with its numerator and denominator, a period of another frequency than
the indicator's other rows, and two different values for one indicator and period (every row
of the clash is set aside: the figure to believe cannot be told).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.load import SET_ASIDE_COLUMNS, SourceResult, file_hash, map_headers
from ..io.schemas import Source
from ..periods import PeriodError
from .read import Table, read_number
from .schema import (
    CATALOGUE,
    NO,
    PERFORMANCE,
    PERIOD_HELP,
    POLARITIES,
    QUARTER,
    TARGET_DIRECTIONS,
    UNITS,
    YES,
    PerfPeriod,
    canonical,
    parse_period,
    period_candidates,
)
from .text import clean, key_problem

PERF_COLUMNS = ["indicator", "period", "kind", "start", "end", "value", "numerator",
                "denominator", "agency", "note", "row"]
CAT_COLUMNS = ["indicator", "title", "agency", "unit", "polarity", "target", "target_direction",
               "priority", "definition", "source", "about_children", "rebase", "row", "origin"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


class _Reasons:
    def __init__(self, label: str) -> None:
        self.label = label
        self.items: list[tuple[int, str, str]] = []

    def add(self, row: int, column: str, reason: str) -> None:
        self.items.append((row, column, reason))

    def frame(self) -> pd.DataFrame:
        if not self.items:
            return pd.DataFrame(columns=SET_ASIDE_COLUMNS)
        df = pd.DataFrame([{"file": self.label, "row": r, "column": c, "reason": why}
                           for r, c, why in self.items])
        return df.sort_values(["row", "column"], kind="stable").reset_index(drop=True)


def _start(source: Source, path: Path | None, table: Table | None,
           column_map: Mapping[str, str] | None) -> tuple[SourceResult, dict, list[int]]:
    """The result shell, header mapping and the indices of the first copy of each row."""
    result = SourceResult(source=source.name, file=table.label if table else None,
                          layout=source.description.split(":")[0])
    if path is not None:
        result.input_hash = file_hash(path)
    if table is None:
        return result, {}, []
    result.rows_in = len(table.rows)
    mapping = map_headers(table.header, source, column_map)
    result.columns_used = dict(mapping)
    result.columns_ignored = [h for h in table.header if h not in mapping.values()]
    missing = [f for f in source.fields if f.required and f.name not in mapping]
    if not table.header:
        result.problems.append(f"{table.label}: the file is empty; export the "
                               f"{source.description.split(':')[0].lower()} again")
    elif missing:
        names = ", ".join(f.name for f in missing)
        result.problems.append(
            f"{table.label}: no column for {names} (headers found: {', '.join(table.header)}). "
            f"Rename the column, or map it with --map \"Your header={missing[0].name}\"")
    seen: set[tuple] = set()
    firsts = []
    for i, row in enumerate(table.rows):
        key = tuple(row)
        if key in seen:
            result.duplicates += 1
        else:
            seen.add(key)
            firsts.append(i)
    return result, mapping, firsts


def _get(table: Table, mapping: dict, i: int, name: str) -> str:
    header = mapping.get(name)
    return table.rows[i][table.header.index(header)] if header else ""


class _Cleaner:
    """Cells cleaned of hidden characters (:func:`.text.clean`), each removal remembered by
    column and characters for one warning naming the rows."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.removed: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)

    def row(self, get: dict[str, str], row: int, col: dict[str, str]) -> dict[str, str]:
        out = {}
        for name, value in get.items():
            cleaned, removed = clean(value)
            if removed:
                self.removed[(col[name], tuple(removed))].append(row)
            out[name] = cleaned
        return out

    def warnings(self) -> list[str]:
        out = []
        for (column, chars), rows in self.removed.items():
            shown = ", ".join(str(r) for r in rows[:10]) + (" and others" if len(rows) > 10
                                                           else "")
            out.append(f"{self.label}: column '{column}', row{'s' if len(rows) > 1 else ''} "
                       f"{shown}: invisible or text-direction characters removed "
                       f"({', '.join(chars)}); check the text reads as the partner meant")
        return out


# --------------------------------------------------------------------------- catalogue


def validate_catalogue(table: Table | None, path: Path | None = None,
                       column_map: Mapping[str, str] | None = None,
                       reserved: set[str] | None = None) -> SourceResult:
    """Validate the catalogue; ``reserved``: ids the suite computes itself."""
    result, mapping, firsts = _start(CATALOGUE, path, table, column_map)
    if table is None or result.problems:
        result.data = _empty(CAT_COLUMNS)
        return result
    reserved = reserved or set()
    why = _Reasons(table.label)
    col = {f.name: mapping.get(f.name, f.name) for f in CATALOGUE.fields}
    records = []
    aside_ids: set[str] = set()
    cleaner = _Cleaner(table.label)
    for i in firsts:
        row = table.rownums[i]
        get = {f.name: _get(table, mapping, i, f.name) for f in CATALOGUE.fields}
        formulas = table.formula_reasons(i)
        if formulas:
            for where, reason in formulas:
                why.add(row, where, reason)
            continue
        bad_key = key_problem(get["indicator"])
        if bad_key:
            why.add(row, col["indicator"], bad_key)
            continue
        record, reasons = _catalogue_row(cleaner.row(get, row, col), reserved)
        for name, reason in reasons:
            why.add(row, col[name], reason)
        if reasons and get["indicator"]:
            aside_ids.add(get["indicator"])
        if not reasons:
            records.append({**record, "row": row, "origin": "partner"})
    # One id, two different rows: neither can be trusted.
    by_id = defaultdict(list)
    for rec in records:
        by_id[rec["indicator"]].append(rec)
    kept = []
    for ident, recs in by_id.items():
        if len(recs) == 1:
            kept.append(recs[0])
            continue
        rows = ", ".join(str(r["row"]) for r in recs)
        aside_ids.add(ident)
        for r in recs:
            why.add(r["row"], col["indicator"], f"indicator '{ident}' is described in rows "
                                                f"{rows}: keep one row per indicator")
    result.set_aside = why.frame()
    result.warnings.extend(cleaner.warnings())
    result.data = pd.DataFrame(kept, columns=CAT_COLUMNS) if kept else _empty(CAT_COLUMNS)
    # Performance rows of these ids are told their catalogue row was set aside.
    result.data.attrs["set_aside_ids"] = sorted(aside_ids - {r["indicator"] for r in kept})
    return result


def _catalogue_row(get: dict[str, str], reserved: set[str]
                   ) -> tuple[dict, list[tuple[str, str]]]:
    """One catalogue row read: (record, reasons to set it aside as (field, reason))."""
    bad: list[tuple[str, str]] = []
    ident = get["indicator"]
    if not ident:
        bad.append(("indicator", "the indicator id is blank: give each indicator a short id"))
    elif ident in reserved:
        bad.append(("indicator", f"'{ident}' is the id of a figure the suite computes from the "
                                 "extract: give the partner's indicator another id"))
    if not get["title"]:
        bad.append(("title", "the title is blank: give the indicator a title a board member "
                             "can read"))
    unit = canonical(get["unit"], UNITS)
    if unit is None:
        bad.append(("unit", f"unit '{get['unit']}' is not one of count, percentage, "
                            "rate per 10,000, days"))
    polarity = canonical(get["polarity"], POLARITIES)
    if polarity is None:
        bad.append(("polarity", f"polarity '{get['polarity']}' is not one of higher is "
                                "better, lower is better, neither"))
    target, problem = read_number(get["target"], allow_percent=unit == "percentage")
    if problem:
        bad.append(("target", f"target {problem}"))
    elif target is not None and unit == "percentage" and not 0 <= target <= 100:
        bad.append(("target", f"target {target:g} is outside 0-100: percentages are written "
                              "0 to 100 (45 for 45%)"))
    direction = canonical(get["target_direction"], TARGET_DIRECTIONS) \
        if get["target_direction"] else None
    if get["target_direction"] and direction is None:
        bad.append(("target_direction", f"target direction '{get['target_direction']}' is "
                                        "not 'at least' or 'at most'"))
    elif target is not None and direction is None and polarity is not None:
        # No direction written: the polarity's better direction.
        direction = {"higher is better": "at least", "lower is better": "at most"}.get(polarity)
        if direction is None:
            bad.append(("target_direction", "a target needs a direction (at least / at most) "
                                            "when the polarity is neither"))
    if direction and (direction, polarity) in (("at least", "lower is better"),
                                               ("at most", "higher is better")):
        bad.append(("target_direction", f"target direction '{direction}' contradicts "
                                        f"polarity '{polarity}'"))
    about = get["about_children"].strip().lower()
    if about and about not in YES | NO:
        bad.append(("about_children", f"about_children '{get['about_children']}' is not yes "
                                      "or no"))
    rebase = []
    for part in filter(None, (p.strip() for p in re.split(r"[;,]", get["rebase"]))):
        try:
            rebase.append(parse_period(part).label)
        except PeriodError as exc:
            bad.append(("rebase", f"rebase {exc}"))
    record = {
        "indicator": ident, "title": get["title"], "agency": get["agency"], "unit": unit,
        "polarity": polarity, "target": np.nan if target is None else target,
        "target_direction": direction if target is not None else None,
        "priority": get["priority"] or "No board priority given",
        "definition": get["definition"], "source": get["source"],
        # Blank means yes: suppress small counts unless told they are not about children.
        "about_children": about not in NO, "rebase": ";".join(rebase)}
    return record, bad


# --------------------------------------------------------------------------- performance


def validate_performance(table: Table | None, catalogue: SourceResult,
                         path: Path | None = None,
                         column_map: Mapping[str, str] | None = None) -> SourceResult:
    """Validate performance rows against the (validated) catalogue."""
    result, mapping, firsts = _start(PERFORMANCE, path, table, column_map)
    if table is None or result.problems:
        result.data = _empty(PERF_COLUMNS)
        return result
    if catalogue.file is None:
        result.problems.append(
            f"{table.label}: the performance rows need their catalogue: add indicators.csv "
            "(one row per indicator: title, unit, polarity, ...), or the Indicators sheet of "
            "the template (wscb template --out FILE.xlsx)")
        result.data = _empty(PERF_COLUMNS)
        return result
    if not catalogue.usable:
        result.problems.append(f"{table.label}: its catalogue {catalogue.file} cannot be used "
                               "(see the problem reported for it): fix the catalogue first")
        result.data = _empty(PERF_COLUMNS)
        return result
    why = _Reasons(table.label)
    col = {f.name: mapping.get(f.name, f.name) for f in PERFORMANCE.fields}
    # Ids are unique in a usable catalogue (a repeated id is set aside there).
    units = dict(zip(catalogue.data["indicator"], catalogue.data["unit"], strict=True))
    readings: dict[str, list[PerfPeriod]] = {}  # a label's readings, worked out once
    at = {f.name: table.header.index(mapping[f.name]) for f in PERFORMANCE.fields
          if mapping.get(f.name)}
    aside_ids = set(catalogue.data.attrs.get("set_aside_ids", ()))
    cat_label = catalogue.file or "indicators.csv"
    candidates: dict[int, list[PerfPeriod]] = {}
    good: list[dict] = []
    cleaner = _Cleaner(table.label)
    for i in firsts:
        row = table.rownums[i]
        values = table.rows[i]
        get = {f.name: values[at[f.name]] if f.name in at else "" for f in PERFORMANCE.fields}
        formulas = table.formula_reasons(i)
        if formulas:
            for where, reason in formulas:
                why.add(row, where, reason)
            continue
        bad_key = key_problem(get["indicator"])
        if bad_key:
            why.add(row, col["indicator"], bad_key)
            continue
        get = cleaner.row(get, row, col)
        reasons: list[tuple[str, str]] = []
        ident = get["indicator"]
        unit = None
        if not ident:
            reasons.append(("indicator", "the indicator id is blank"))
        elif ident not in units:
            if ident in aside_ids:
                reasons.append(("indicator", f"indicator '{ident}' has no usable row in "
                                             f"{cat_label} (its row there was set aside)"))
            else:
                reasons.append(("indicator", f"indicator '{ident}' is not in {cat_label}: add "
                                             "it to the catalogue, or correct the id"))
        else:
            unit = units[ident]
        options = readings.get(get["period"])
        if options is None:
            options = readings[get["period"]] = period_candidates(get["period"])
        if not get["period"]:
            reasons.append(("period", f"the period is blank: {PERIOD_HELP}"))
        elif not options:
            try:
                parse_period(get["period"])
            except PeriodError as exc:
                reasons.append(("period", f"period {exc}"))
        is_pct = unit == "percentage"
        value, problem = read_number(get["value"], allow_percent=is_pct)
        if problem:
            reasons.append(("value", f"value {problem}"))
        num, p_num = read_number(get["numerator"])
        den, p_den = read_number(get["denominator"])
        if p_num:
            reasons.append(("numerator", f"numerator {p_num}"))
        if p_den:
            reasons.append(("denominator", f"denominator {p_den}"))
        scale = {"percentage": 100.0, "rate per 10,000": 10_000.0}.get(unit or "")
        if value is None and not problem:
            if scale and num is not None and den:
                value = num / den * scale  # blank value, its parts given: work it out
            else:
                reasons.append(("value", "value is blank: give the figure for the period"))
        if unit is not None and value is not None:
            reasons.extend(_check_value(unit, value, num, den, scale))
        if reasons:
            for name, reason in reasons:
                why.add(row, col[name], reason)
            continue
        candidates[row] = options
        good.append({"indicator": ident, "value": value,
                     "numerator": np.nan if num is None else num,
                     "denominator": np.nan if den is None else den,
                     "agency": get["agency"], "note": get["note"], "row": row})
    kept = _periods_and_clashes(good, candidates, why, col)
    result.set_aside = why.frame()
    result.warnings.extend(cleaner.warnings())
    result.data = (pd.DataFrame(kept, columns=PERF_COLUMNS) if kept else _empty(PERF_COLUMNS))
    if kept:
        result.data["start"] = pd.to_datetime(result.data["start"])
        result.data["end"] = pd.to_datetime(result.data["end"])
        result.data = result.data.sort_values(["indicator", "start"], kind="stable"
                                              ).reset_index(drop=True)
    return result


def _check_value(unit: str, value: float, num: float | None, den: float | None,
                 scale: float | None) -> list[tuple[str, str]]:
    out = []
    if unit == "percentage" and not 0 <= value <= 100:
        out.append(("value", f"percentage {value:g} is outside 0-100"))
    if unit in ("count", "rate per 10,000", "days") and value < 0:
        out.append(("value", f"value {value:g} is negative: a {unit} cannot be"))
    if unit == "count" and not float(value).is_integer():
        out.append(("value", f"count {value:g} is not a whole number"))
    for name, part in (("numerator", num), ("denominator", den)):
        if part is not None and (part < 0 or not float(part).is_integer()):
            out.append((name, f"{name} {part:g} is not a whole number of at least 0"))
    if scale and num is not None and den is not None and not out:
        if num > den:
            out.append(("numerator", f"numerator {num:g} is above the denominator {den:g}"))
        elif den == 0:
            out.append(("denominator", "denominator is 0: no figure can be worked out"))
        else:
            expected = num / den * scale
            # Half a unit of the last place shown (0.05) plus a little for rounding by hand.
            if abs(expected - value) > max(0.5, 0.005 * expected):
                hint = (" (percentages are written 0 to 100: 45 for 45%)"
                        if unit == "percentage" and value <= 1 < expected else "")
                out.append(("value", f"value {value:g} does not match numerator / "
                                     f"denominator ({expected:.1f}){hint}"))
    return out


def _periods_and_clashes(good: list[dict], candidates: dict[int, list[PerfPeriod]],
                         why: _Reasons, col: dict) -> list[dict]:
    """Settle each row's period (by the indicator's frequency), set aside rows of another
    frequency and clashes; return the kept records with their periods."""
    freq: dict[str, str] = {}
    by_ind = defaultdict(list)
    for rec in good:
        by_ind[rec["indicator"]].append(rec)
    for ident, recs in by_ind.items():
        kinds = Counter(candidates[r["row"]][0].kind for r in recs
                        if len(candidates[r["row"]]) == 1)
        # The most common frequency; a tie goes to quarters, the dataset's own rhythm.
        if kinds:
            top = max(kinds.values())
            freq[ident] = QUARTER if kinds.get(QUARTER) == top else kinds.most_common(1)[0][0]
    placed = []
    for rec in good:
        options = candidates[rec["row"]]
        want = freq.get(rec["indicator"])
        if len(options) == 1:
            period = options[0]
        else:  # "2011-12": the indicator's frequency, else the year
            period = next((p for p in options if p.kind == want),
                          next(p for p in options if p.kind == "year"))
        if want is not None and period.kind != want:
            why.add(rec["row"], col["period"],
                    f"indicator '{rec['indicator']}' is reported by {want}; this row gives a "
                    f"{period.kind} ({period.label}): use one frequency per indicator (give "
                    "the other figure its own indicator id)")
            continue
        placed.append({**rec, "period": period.label, "kind": period.kind,
                       "start": period.start, "end": period.end})
    groups = defaultdict(list)
    for rec in placed:
        groups[(rec["indicator"], rec["period"])].append(rec)
    kept = []
    for (ident, label), recs in groups.items():
        if len(recs) == 1:
            kept.append(recs[0])
            continue
        values = {(r["value"], _nan_key(r["numerator"]), _nan_key(r["denominator"]))
                  for r in recs}
        rows = ", ".join(str(r["row"]) for r in recs)
        if len(values) == 1:
            kept.append(recs[0])
            for r in recs[1:]:
                why.add(r["row"], col["value"],
                        f"repeats row {recs[0]['row']} (indicator '{ident}', {label}, same "
                        "value; other columns differ): keep one row")
            continue
        for r in recs:
            why.add(r["row"], col["value"],
                    f"indicator '{ident}' has different values for {label} in rows {rows}: "
                    "keep the right one")
    return kept


def _nan_key(v: float) -> float | None:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


__all__ = ["CAT_COLUMNS", "PERF_COLUMNS", "validate_catalogue", "validate_performance"]
