"""What loading one source gives back: :class:`SourceResult`, and empty canonical frames.

Kept apart from :mod:`.load` so the validation stage (:mod:`.validate`) can build results
without importing the loader that calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from .schemas import DATE, INT, SOURCES, YN

SET_ASIDE_COLUMNS = ["file", "row", "column", "reason"]


@dataclass
class SourceResult:
    """One source of an extract after validation.

    Row accounting: ``rows_in = rows_kept + duplicates + rows_set_aside +
    rows_other_authorities`` (see :meth:`accounts`). Rows are those of the file below its
    header; a row whose every cell is blank is not a record and is not counted. Rows of other
    authorities are those of a pooled file read for one authority (:mod:`.authority`).
    """

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
    #: Things the analyst should know that do not stop the source being used (bytes read
    #: with replacement, title rows skipped, ...), each saying what to do.
    warnings: list[str] = field(default_factory=list)
    #: SHA-256 (hex) of the bytes read and parsed.
    input_hash: str | None = None
    from_cache: bool = False
    #: The first day the source holds every record of (None: judged from its records). A
    #: CIN census return holds the cases still open when its year began, so the records
    #: before the first year held are not all of them (see :mod:`.cin`).
    held_from: date | None = None
    #: The last day it holds (a census: the latest return's reference date).
    held_to: date | None = None
    #: Rows of a pooled file that name another authority than the one asked for (``--la``).
    rows_other_authorities: int = 0

    @property
    def usable(self) -> bool:
        return not self.problems

    @property
    def rows_set_aside(self) -> int:
        if not len(self.set_aside):
            return 0
        # Rows of several files (the CIN census returns of several years) share numbers.
        return len(self.set_aside[["file", "row"]].drop_duplicates())

    @property
    def rows_kept(self) -> int:
        return len(self.data)

    def accounts(self) -> bool:
        """rows in = rows kept + duplicates + rows set aside + rows of other authorities."""
        return self.rows_in == (self.rows_kept + self.duplicates + self.rows_set_aside
                                + self.rows_other_authorities)


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
