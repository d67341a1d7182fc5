import numpy as np
import pyarrow as pa
import pytest

from wscb_analysis.io.dates import parse_dates


@pytest.mark.parametrize("text,expected", [
    ("05/03/2016", "2016-03-05"),          # day first, never month first
    ("5/3/2016", "2016-03-05"),
    ("29/02/2016", "2016-02-29"),          # leap day
    ("05-03-2016", "2016-03-05"),
    ("05.03.2016", "2016-03-05"),
    ("05/03/16", "2016-03-05"),            # two-digit year
    ("12/11/99", "1999-11-12"),
    ("2016-03-05", "2016-03-05"),          # ISO
    ("2016-03-05 00:00:00", "2016-03-05"),
    ("2016-03-05T13:45:00", "2016-03-05"),
    ("05/03/2016 13:45", "2016-03-05"),
    ("05-Mar-2016", "2016-03-05"),
    ("5 March 2016", "2016-03-05"),
    ("42434", "2016-03-05"),               # Excel serial day: 42434 = 5 March 2016
    (" 05/03/2016 ", "2016-03-05"),
])
def test_readable_dates(text, expected):
    dates, bad = parse_dates(pa.array([text]))
    assert str(dates[0]) == expected
    assert not bad[0]


@pytest.mark.parametrize("text", ["31/02/2016", "29/02/2015", "03/13/2016", "00/01/2016",
                                  "not known", "2016-02-30", "32-Jan-2016", "31/04/2016"])
def test_impossible_or_text_dates_are_bad(text):
    dates, bad = parse_dates(pa.array([text]))
    assert np.isnat(dates[0])
    assert bad[0]


def test_blank_is_missing_not_bad():
    dates, bad = parse_dates(pa.array(["", None, "   "]))
    assert np.isnat(dates).all()
    assert not bad.any()
