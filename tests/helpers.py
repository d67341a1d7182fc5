"""Build canonical frames from CSV text, through the real loader."""

from __future__ import annotations

import textwrap

import pandas as pd

from wscb_analysis.io.load import read_text_table, validate_table
from wscb_analysis.io.schemas import SOURCES


def frame(source: str, csv_text: str) -> pd.DataFrame:
    table = read_text_table(textwrap.dedent(csv_text).strip() + "\n")
    result = validate_table(table, SOURCES[source], f"{source}.csv")
    assert result.usable, result.problems
    assert result.rows_set_aside == 0, result.set_aside
    return result.data
