"""The fast paths give exactly what the slow, plain ones give.

Each speed-up of issue 10 ("Speed, with margin") replaced a general routine with a quicker one
for the common case; these tests hold each quick one to an independent reference (Python's own
calendar, a plain pandas or Python computation) on inputs chosen to hit its edges.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pyarrow as pa

from wscb_analysis.io.dates import parse_dates


def test_every_day_first_date_matches_the_calendar():
    # Every day/month pair 00-32 / 00-13 in leap, common and century years, as dd/mm/yyyy
    # (the fixed-width fast path) and as d/m/yyyy (the strict path): a real date exactly when
    # Python's calendar has that day in that month.
    years = [1000, 1900, 1999, 2000, 2015, 2016, 2100, 9999]
    texts, expected = [], []
    for year in years:
        for month in range(14):
            for day in range(33):
                real = 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]
                want = np.datetime64(dt.date(year, month, day), "D") if real else None
                for text in (f"{day:02d}/{month:02d}/{year:04d}", f"{day}/{month}/{year}"):
                    texts.append(text)
                    expected.append(want)
    dates, bad = parse_dates(pa.array(texts))
    for text, want, got, is_bad in zip(texts, expected, dates, bad, strict=True):
        if want is None:
            assert np.isnat(got) and is_bad, text
        else:
            assert got == want and not is_bad, text


def test_fast_path_leaves_every_other_form_to_the_strict_path():
    # Ten characters that are not dd/mm/yyyy, mixed with ones that are, in one column (the
    # fast path reads the rest by position, so a neighbour must not shift them).
    texts = ["05/03/2016", "2016-03-05", "05-03-2016", "05.03.2016", "5/3/2016  ",
             "05/03/0999", "0a/03/2016", "05/03/16", "", "31/02/2016", "05/03/2016"]
    dates, bad = parse_dates(pa.array(texts))
    assert [str(d) for d in dates] == [
        "2016-03-05", "2016-03-05", "2016-03-05", "2016-03-05", "2016-03-05",
        "0999-03-05", "NaT", "2016-03-05", "NaT", "NaT", "2016-03-05"]
    assert bad.tolist() == [False, False, False, False, False,
                            False, True, False, False, True, False]
    # A slice (an offset into the text's buffers) reads the same.
    sliced, _ = parse_dates(pa.array(texts).slice(1, 4))
    assert [str(d) for d in sliced] == ["2016-03-05"] * 4
