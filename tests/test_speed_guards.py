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
import pytest

from tests.conftest import SHARED_DATA, external_folders
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


def _same_results(cold, warm) -> None:
    import pandas as pd

    assert set(cold.sources) == set(warm.sources)
    for name, a in cold.sources.items():
        b = warm.sources[name]
        if a.file is None or not a.usable:  # only usable sources are cached
            assert not b.from_cache, name
            continue
        assert not a.from_cache and b.from_cache, name
        pd.testing.assert_frame_equal(b.data, a.data, check_exact=True)
        assert b.data.dtypes.tolist() == a.data.dtypes.tolist(), name
        pd.testing.assert_frame_equal(b.set_aside, a.set_aside, check_exact=True,
                                      check_dtype=False)
        assert b.set_aside.astype(str).equals(a.set_aside.astype(str)), name
        for attr in ("file", "layout", "rows_in", "duplicates", "columns_used",
                     "columns_ignored", "warnings", "input_hash"):
            assert getattr(b, attr) == getattr(a, attr), (name, attr)


def test_cached_sources_are_the_validated_frames(tmp_path, monkeypatch):
    # A synthetic extract with rows to set aside and repeated rows in every source: the frame
    # and the rows set aside come back from the cache value for value and dtype for dtype.
    from wscb_analysis.io import read
    from wscb_analysis.io.load import flush_cache_writes, load_extract
    from wscb_analysis.synth import write_synthetic_extract

    monkeypatch.setattr(read, "RACY_SECONDS", 0)
    folder = tmp_path / "extract"
    write_synthetic_extract(folder, scale=0.2, seed=5)
    for name in ("referrals.csv", "cp_plans.csv", "early_help.csv", "missing.csv"):
        path = folder / name
        lines = path.read_text().splitlines(keepends=True)
        # a row read twice, and a row with a blank child id (set aside)
        blank_id = '""' + lines[2][lines[2].index(","):]
        path.write_text("".join([*lines, lines[2], blank_id]))
    cold = load_extract(folder)
    assert all(r.duplicates >= 1 and len(r.set_aside) >= 1
               for r in cold.sources.values() if r.file)
    flush_cache_writes()
    _same_results(cold, load_extract(folder))


@pytest.mark.parametrize("folder", external_folders())
def test_cached_sources_of_real_extracts_are_the_validated_frames(folder, tmp_path,
                                                                   monkeypatch):
    # Third-party extracts (CSV, Annex A workbooks, SSDA903): the same round trip.
    import shutil

    from wscb_analysis.io import read
    from wscb_analysis.io.load import flush_cache_writes, load_extract

    monkeypatch.setattr(read, "RACY_SECONDS", 0)
    copy = tmp_path / folder
    shutil.copytree(SHARED_DATA / "external" / folder, copy)
    try:
        cold = load_extract(copy)
    except Exception:  # noqa: BLE001 - a folder that is not an extract has nothing cached
        return
    flush_cache_writes()
    _same_results(cold, load_extract(copy))


def test_text_columns_are_trimmed_exactly_when_a_value_has_edge_whitespace():
    # The trim is skipped when no value starts or ends with ASCII whitespace; the column
    # must then equal the trimmed one all the same, whatever the chunking or slicing.
    import pyarrow.compute as pc

    from wscb_analysis.io.validate import _text_column

    cases = [
        ["A1", "B2", "", "C 3"],                       # inner space only: nothing to trim
        ["A1", " B2", "C3"], ["A1", "B2\t"], ["\r"], ["A1", "B2\n", ""],
        ["\x0bX", "Y\x0c"], ["\u00a0A1"],              # a non-breaking space is a value
        [""], [],
    ]
    for values in cases:
        whole = pa.array(values, pa.string())
        for table in (pa.table({"c": whole}),
                      pa.table({"c": pa.chunked_array([whole[:1], whole[1:]], pa.string())}),
                      pa.table({"c": pa.array(["  pad  ", *values], pa.string())[1:]})):
            got = _text_column(table, "c")
            want = pc.ascii_trim_whitespace(table.column("c").combine_chunks())
            assert got.to_pylist() == want.to_pylist(), values


def test_saved_computed_rows_are_the_computed_rows_worked_out_once(tmp_path, monkeypatch):
    # The scorecard's computed rows are saved for the next process that asks: the same rows,
    # never recomputed for the same files, recomputed when a file changes, and worked out
    # once when several threads (the tile and the page) ask at the same moment.
    import threading
    from datetime import date

    import pandas as pd

    from wscb_analysis.io import read
    from wscb_analysis.io.load import load_extract
    from wscb_analysis.performance import computed
    from wscb_analysis.synth import write_synthetic_extract

    monkeypatch.setattr(read, "RACY_SECONDS", 0)
    folder = tmp_path / "extract"
    write_synthetic_extract(folder, scale=0.2, seed=3)
    extract = load_extract(folder)
    end = date(2017, 3, 31)
    expected = computed.computed_rows(extract, end, max_quarters=8)
    assert len(expected) > 20  # several indicators over eight quarters

    calls = []
    real = computed.computed_rows

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(computed, "computed_rows", counting)
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        computed.saved_computed_rows(extract, end, max_quarters=8))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 3
    for rows in results:
        pd.testing.assert_frame_equal(rows, expected)
    pd.testing.assert_frame_equal(computed.saved_computed_rows(extract, end, max_quarters=8),
                                  expected)
    assert len(calls) == 1  # read back, not worked out again
    # Another number of quarters, or another extract, is worked out afresh.
    computed.saved_computed_rows(extract, end, max_quarters=4)
    assert len(calls) == 2
    lines = (folder / "referrals.csv").read_text().splitlines(keepends=True)
    (folder / "referrals.csv").write_text("".join(lines[:-200]))
    changed = load_extract(folder)
    rows = computed.saved_computed_rows(changed, end, max_quarters=8)
    assert len(calls) == 3
    pd.testing.assert_frame_equal(rows, real(changed, end, max_quarters=8))
