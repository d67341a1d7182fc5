"""The validation report's words: what a source's problems and warnings say, naming the file,
row and column and what to do, never a child's identifier or date of birth.

Kept apart from :mod:`.validate` (which decides what is set aside) so the rules and their
messages can each be read whole.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .read import RawTable, column_letter
from .result import SourceResult
from .schemas import Field, Source, recognise_table
from .text import visible


def unknown_codes(t: pa.Table, header: str, idx: np.ndarray, rownums: np.ndarray, f: Field,
                  file_label: str) -> str:
    """The warning for values of a coded field outside its codes: how many rows, the first
    few values with their rows, and what such a value means (``f.unknown_note``)."""
    values = t.column(header).take(pa.array(idx[:3])).to_pylist()
    first = ", ".join(f"'{visible(v)}' (row {rownums[i]})"
                      for v, i in zip(values, idx[:3], strict=True))
    more = f" and {len(idx) - 3:,} more" if len(idx) > 3 else ""
    what = f.label.lower()
    return (f"{file_label}: column '{header}': {len(idx):,} "
            f"{'row holds' if len(idx) == 1 else 'rows hold'} "
            f"{'an' if what[:1] in 'aeiou' else 'a'} {what} that is not "
            f"a CIN census code: {first}{more}; {f.unknown_note}")


def invisible_warning(file_label: str, header: str, idx: np.ndarray, chars: list[str],
                      rownums: np.ndarray) -> str:
    """The warning for invisible characters removed from a text field (:mod:`.text`)."""
    rows = ", ".join(str(r) for r in rownums[idx[:5]]) + (
        f" and {len(idx) - 5:,} more" if len(idx) > 5 else "")
    return (f"{file_label}: column '{visible(header)}': {len(idx):,} "
            f"{'row holds' if len(idx) == 1 else 'rows hold'} characters that are not seen "
            f"but change how text reads or compares ({'; '.join(chars[:4])}); they were "
            f"removed (row {rows}). Check the system the file came from.")


def header_problems(raw: RawTable, source: Source, label: str,
                    ambiguous: dict[str, list[str]], mapping: dict[str, str]) -> list[str]:
    """Why the columns cannot be read: two columns that could be one field, a required field
    with no column, or another known table where this source was expected."""
    headers = raw.table.column_names
    originals = dict(zip(headers, raw.headers, strict=True))
    problems = []
    for name, hits in ambiguous.items():
        f = source.field(name)
        where = " and ".join(
            f"column {column_letter(headers.index(h) + raw.first_column)} "
            f"'{visible(originals[h])}'"
            for h in hits)
        same = len({originals[h].strip().lower() for h in hits}) == 1
        choose = ("rename one of them (--map cannot tell identical headers apart)" if same
                  else f"or choose one with --map \"{originals[hits[-1]]}={name}\"")
        problems.append(f"{label}: {len(hits)} columns could be '{f.label}' ({name}): {where}. "
                        f"Keep the right one and rename or delete the other, {choose}.")
    absent = [f for f in source.fields if f.required and f.name not in mapping
              and f.name not in ambiguous]
    if absent:
        known = recognise_table(list(raw.headers), source)
        if known is not None:
            name, shown = known
            return problems + [
                f"{label}: this looks like {name} (it has the columns {listed(shown)}), "
                f"not {source.noun}. Columns found: {listed(raw.headers)}. Export "
                f"{source.noun} as {source.filename}.csv."]
    for f in absent:
        problems.append(
            f"{label}: no column for '{f.label}' ({source.description}), which is "
            f"required. Headers found: {listed(headers)}. Rename the column, or map it "
            f"with --map \"<your header>={f.name}\".")
    return problems


def listed(headers: list[str], most: int = 40) -> str:
    """Headers for a message: at most ``most``, each cut to 60 characters (a file that is not
    a table at all can have a 'header' of any length)."""
    shown = [visible(h if len(h) <= 60 else h[:57] + "...") for h in headers[:most]]
    more = f" and {len(headers) - most} more" if len(headers) > most else ""
    return ", ".join(shown) + more


def none_kept(result: SourceResult, source: Source) -> str:
    """Why a source with rows kept none: the commonest reasons, without any value."""
    sa = result.set_aside
    kinds = sa["reason"].str.replace(r"'[^']*'", "a value", regex=True) \
        .str.replace(r"row \d+", "another row", regex=True) \
        .str.replace(r"\d{2}/\d{2}/\d{4}", "a date", regex=True)
    top = (sa.assign(kind=kinds).groupby(["column", "kind"])["row"].nunique()
           .sort_values(ascending=False).head(3))
    why = "; ".join(f"'{col}': {kind} ({rows:,} rows)" for (col, kind), rows in top.items())
    used = ", ".join(f"{k}='{v}'" for k, v in result.columns_used.items())
    also = f" ({result.duplicates:,} repeated)" if result.duplicates else ""
    return (f"{result.file}: none of its {result.rows_in:,} rows could be used{also}. "
            f"Commonest reasons: {why or 'every row repeats another'}. Check that each column "
            f"holds what its header says (columns used: {used}) and fix the rows listed.")


__all__ = ["unknown_codes", "invisible_warning", "header_problems", "listed", "none_kept"]
