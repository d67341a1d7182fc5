"""disclose: the edges of a table (review of the column-by-column rewrite)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wscb_analysis.disclosure import disclose, format_text


def test_a_column_named_twice_is_refused_by_name():
    table = pd.DataFrame([[12, "Rugby", "North"]], columns=["referrals", "area", "area"])
    with pytest.raises(ValueError, match="names a column twice: area"):
        disclose(table, counts=["referrals"])


@pytest.mark.parametrize("missing", [None, np.nan, np.float32("nan"), pd.NA, pd.NaT,
                                     np.datetime64("NaT")],
                         ids=["None", "nan", "float32_nan", "NA", "NaT", "datetime64_NaT"])
def test_every_missing_value_reads_as_not_available(missing):
    assert format_text(missing) == "x"


def test_an_empty_table_gives_text_columns():
    table = pd.DataFrame({"referrals": pd.Series([], dtype="Int64"),
                          "area": pd.Series([], dtype=str)})
    shown = disclose(table, counts=["referrals"])
    assert shown.display.shape == (0, 2)
    assert all(pd.api.types.is_string_dtype(t) for t in shown.display.dtypes)
    assert shown.suppressed.dtypes.eq(bool).all()


def test_text_numbers_and_gaps_as_before():
    # 3 is from 1 to 5: "c"; 12 is shown with its separator rules; a missing area is "x".
    table = pd.DataFrame({"area": ["Rugby", None], "referrals": pd.array([3, 1200], "Int64")},
                         index=[10, 10])  # a repeated label, as a filtered frame can have
    shown = disclose(table, counts=["referrals"])
    assert shown.display.values.tolist() == [["Rugby", "c"], ["x", "1,200"]]
    assert shown.suppressed["referrals"].tolist() == [True, False]
    assert list(shown.display.index) == [10, 10]
