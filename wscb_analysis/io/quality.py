"""The data-quality report: what was read, kept, de-duplicated and set aside, and why.

The accounting line "rows in = rows kept + duplicates + rows set aside" is shown for every
source that has rows (usable or not), with its warnings, so nothing is dropped silently.
Nothing here echoes a child's identifier or date of birth; the reasons name the file,
spreadsheet row and column.
"""

from __future__ import annotations

import pandas as pd

from .load import Extract
from .text import visible


def quality_summary(extract: Extract) -> pd.DataFrame:
    """One row per source: file, layout, rows_in, rows_kept, duplicates, rows_set_aside, usable.

    ``rows_in`` counts the rows of the partnership's own authority: the other authorities'
    rows of a pooled file read for one (``--la``) are no part of the partnership's records
    and no part of its pack (:func:`quality_report`, for the analyst, counts them)."""
    rows = []
    for name, r in extract.sources.items():
        rows.append({
            "source": name, "file": r.file or "(not supplied)", "layout": r.layout,
            "rows_in": r.rows_in - r.rows_other_authorities, "rows_kept": r.rows_kept,
            "duplicates": r.duplicates,
            "rows_set_aside": r.rows_set_aside, "usable": r.usable,
            "accounts": r.accounts(),  # the whole file's rows, the others' included
        })
    return pd.DataFrame(rows)


def set_aside_reasons(extract: Extract) -> pd.DataFrame:
    """Rows set aside, counted by source, column and kind of reason (no values shown)."""
    parts = [r.set_aside.assign(source=name) for name, r in extract.sources.items()
             if len(r.set_aside)]
    if not parts:
        return pd.DataFrame(columns=["source", "column", "reason", "rows"])
    df = pd.concat(parts, ignore_index=True)
    # Group reasons by kind, dropping the quoted value so no child's data reaches a summary.
    kind = df["reason"].str.replace(r"'[^']*'", "a value", regex=True)
    kind = kind.str.replace(r"\d{2}/\d{2}/\d{4}", "a date", regex=True)
    kind = kind.str.replace(r"\d{4}-\d{2}-\d{2}", "a date", regex=True)
    kind = kind.str.replace(r"row \d+", "another row", regex=True)
    out = (df.assign(reason=kind).groupby(["source", "column", "reason"], as_index=False)
           .agg(rows=("row", "nunique")))
    return out.sort_values(["source", "rows"], ascending=[True, False]).reset_index(drop=True)


def quality_report(extract: Extract, max_rows: int = 50) -> str:
    """The report ``wscb validate`` prints: a block per source and the rows set aside."""
    lines = [f"Data-quality report for {extract.data_dir}"]
    if extract.synthetic:
        lines.append("(synthetic demo extract)")
    for name, r in extract.sources.items():
        lines.append("")
        if r.file is None:
            lines.append(f"{name}: not supplied")
            continue
        lines.append(f"{name}: {r.file} ({r.layout or 'layout not recognised'})")
        for problem in r.problems:
            lines.append(f"  UNUSABLE: {problem}")
        for warning in r.warnings:
            lines.append(f"  WARNING: {warning}")
        if not r.usable and not r.accounts():
            # The columns could not be matched, so no row was read field by field.
            if r.rows_in:
                lines.append(f"  rows in {r.rows_in:,}: not checked until the problem above "
                             "is fixed")
            continue
        lines.append(
            f"  rows in {r.rows_in:,} = kept {r.rows_kept:,} + duplicates {r.duplicates:,} "
            f"+ set aside {r.rows_set_aside:,}"
            + (f" + other authorities' {r.rows_other_authorities:,}"
               if r.rows_other_authorities else "")
            + ("" if r.accounts() else "  (DOES NOT ADD UP)")
        )
        missing_optional = [f for f in _optional_fields(name) if f not in r.columns_used]
        if missing_optional:
            lines.append(f"  optional columns not found: {', '.join(missing_optional)}")
        if r.columns_ignored:
            lines.append(f"  columns not used: {', '.join(map(visible, r.columns_ignored))}")
        shown = r.set_aside.head(max_rows)
        for rec in shown.itertuples(index=False):
            # A census return's records are named by their element path (and line).
            where = (f"{rec.column}" if str(rec.file).lower().endswith(".xml")
                     else f"row {rec.row}, column '{rec.column}'")
            lines.append(f"  set aside: {rec.file} {where}: {rec.reason}")
        if len(r.set_aside) > max_rows:
            lines.append(f"  ... and {len(r.set_aside) - max_rows:,} more reasons "
                         f"(wscb validate --all lists them)")
    lines.append("")
    lines.append("Usable: yes" if extract.usable else "Usable: NO - fix the problems above")
    return "\n".join(lines)


def _optional_fields(source: str) -> list[str]:
    from .schemas import SOURCES

    return [f.name for f in SOURCES[source].fields if not f.required]
