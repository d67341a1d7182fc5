"""Files that hold several authorities: one partnership's pack from one authority's rows.

A regional pooled file (a 903 missing table of 19 authorities with an ``LA`` column, as Data
to Insight's samples are) is not one partnership's records. A source whose authority column
holds more than one authority is refused with a message, or, when the analyst asks for one
authority (``--la CODE``, the notebooks' ``la`` parameter), read for that authority's rows
alone: the others' rows are counted apart ("rows of other authorities") so that the file's
rows still add up, and never reach a figure. The column is found by its header (``LA``, ``LA
code``, ``Local authority`` ...); its values may be DfE's new codes (E10000031), old codes
(937) or names, read against the shipped table of authorities.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..authorities import Authority, find_authority, normalise
from .read import RawTable
from .schemas import normalise_header
from .text import visible

#: Headers of an authority column (normalised, see :func:`normalise_header`).
PATTERNS = (r"las?", r"la (code|name|number|no)", r"(new|old) la code",
            r"local authority( code| name)?", r"authority( code| name)?")


def authority_column(headers: list[str]) -> int | None:
    """The index of the column naming the authority of each row, if the file has one."""
    for i, h in enumerate(headers):
        if any(re.fullmatch(p, normalise_header(h)) for p in PATTERNS):
            return i
    return None


def _listed(values: list[str]) -> str:
    """The authorities the values name, as DfE names them where it knows them ("867" ->
    "Bracknell Forest"), the first five and how many more."""
    names = sorted({a.name if (a := find_authority(v)) else visible(v) for v in values})
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def select_authority(raw: RawTable, label: str, la: Authority | None
                     ) -> tuple[RawTable, int, list[str], list[str]]:
    """(the table for one authority, rows of other authorities, problems, warnings).

    No authority column, or one naming a single authority: the table as it is (with ``la``,
    a single authority that is not ``la`` is a problem). Several authorities: a problem
    without ``la``; with it, only ``la``'s rows (matched by new code, old code or name), the
    rest counted apart and said in a warning."""
    col = authority_column(raw.headers)
    if col is None or raw.table.num_rows == 0:
        return raw, 0, [], []
    header = raw.headers[col]
    values = pc.utf8_trim_whitespace(raw.table.column(col).combine_chunks())
    distinct = [v for v in pc.unique(values).to_pylist() if v]
    # Two spellings of one authority (a code and its name) are one authority.
    authorities = {(find_authority(v) or normalise(v)) for v in distinct}
    blank = bool(pc.any(pc.equal(values, "")).as_py())
    many = len(authorities) > 1 or (blank and bool(authorities))
    if la is None:
        if not many:
            return raw, 0, [], []
        return raw, 0, [
            f"{label}: its column '{visible(header)}' names {len(authorities)} authorities "
            f"({_listed(distinct)})"
            + (", and some rows name none" if blank else "")
            + ": a pack is one partnership's, so it cannot be read as one. Give --la with "
            "your authority's DfE code (the profile's la_code) to read its rows alone, or "
            "export your authority's rows only."], []
    spellings = la.spellings()
    mine = pc.is_in(pc.utf8_lower(values), pa.array(sorted(spellings))).to_numpy(
        zero_copy_only=False)
    if not mine.all():
        # A spelling with other spacing or case ("Bracknell  forest"): normalise the rest.
        rest = np.flatnonzero(~mine)
        mine[rest] = [normalise(v) in spellings for v in values.take(pa.array(rest)).to_pylist()]
    kept = int(mine.sum())
    if kept == 0:
        return raw, 0, [
            f"{label}: no row of its column '{visible(header)}' is {la.name}'s (--la "
            f"{la.code}; {la.name} is also {la.old_code}); it names {_listed(distinct)}. "
            "Check --la against the file, or export your authority's rows."], []
    others = raw.table.num_rows - kept
    if not others:
        return raw, 0, [], []
    raw.table = raw.table.filter(pa.array(mine))
    raw.row_numbers = raw.row_numbers[mine]
    n_other = len({a for a in authorities if a != la})
    return raw, others, [], [
        f"{label}: read for {la.name} alone (--la {la.code}): {kept:,} rows are "
        f"{la.name}'s; {others:,} rows of {n_other} other "
        f"{'authority' if n_other == 1 else 'authorities'}"
        + (" or of none named" if blank else "") + " were left out and are counted apart."]


__all__ = ["authority_column", "select_authority", "PATTERNS"]
