"""Day-first date parsing for analysts' extracts: one parser for every loader.

Accepted: dd/mm/yyyy text (also with - or . and an optional time, and dd/mm/yy), ISO
yyyy-mm-dd (with optional time), "03-May-2016" / "3 May 2016", and Excel serial day numbers
(1900 date system, as a workbook saved to CSV can leave them). Never guessed month-first:
"05/03/2016" is 5 March 2016, and "03/13/2016" is an error, not 13 March.

Vectorised with pyarrow so a national-size extract parses in seconds; impossible dates such as
31/02/2016 are errors (the C library's strptime would roll them into March).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DAY_FIRST = r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})" + _TIME + r"$"
_ISO = r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME + r"$"
_NAMED = r"^(?P<d>\d{1,2})[ \-](?P<mon>[A-Za-z]{3,9})[ \-,]*(?P<y>\d{4}|\d{2})$"
_SERIAL = r"^(?P<n>\d{5})(?:\.0+)?$"

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")]
    )
    for name in names
}
#: Excel's 1900 date system counts days from 30 December 1899 (after its leap-year bug).
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
#: Two-digit years: 00-69 are 2000s, 70-99 are 1900s (as Excel reads them).
_PIVOT = 70


def _to_int(arr: pa.Array) -> np.ndarray:
    """Digits (or null) -> int64 with -1 for null."""
    return pc.fill_null(pc.cast(arr, pa.int64()), -1).to_numpy(zero_copy_only=False)


def parse_dates(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Parse text dates day-first.

    Returns ``(dates, bad)``: ``dates`` is a ``datetime64[D]`` array with NaT for blank or
    unreadable values; ``bad`` is a boolean array, True where a non-blank value could not be
    read as a real date (these are the rows to set aside).
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.type != pa.string():
        values = pc.cast(values, pa.string())
    text = pc.ascii_trim_whitespace(values)
    blank = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)

    # Fast path for the common dd/mm/yyyy form. The C library's strptime rolls an impossible
    # day into the next month (31/02 -> 2 or 3 March), so a parsed day of 1-3 is re-read by
    # the strict path below, as are two-digit years and every other form.
    fast = pc.strptime(text, format="%d/%m/%Y", unit="s", error_is_null=True)
    dates = pc.cast(fast, pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    day_of_month = pc.fill_null(pc.day(fast), 0).to_numpy(zero_copy_only=False)
    accepted = (~np.isnat(dates) & (day_of_month > 3)
                & (dates >= np.datetime64("1000-01-01", "D")))
    rest = np.flatnonzero(~accepted & ~blank)
    dates[~accepted] = np.datetime64("NaT")
    if len(rest):
        dates[rest] = _strict(text.take(pa.array(rest)))
    bad = ~blank & np.isnat(dates)
    return dates, bad


def _strict(text: pa.Array) -> np.ndarray:
    """Every accepted form, validated field by field (31/02/2016 -> NaT)."""
    n = len(text)
    year = np.full(n, -1, dtype=np.int64)
    month = np.full(n, -1, dtype=np.int64)
    day = np.full(n, -1, dtype=np.int64)
    serial = np.full(n, -1, dtype=np.int64)

    def fill(pattern: str, names: tuple[str, ...]) -> None:
        todo = (year < 0) & (serial < 0)
        if not todo.any():
            return
        idx = np.flatnonzero(todo)
        matched = pc.extract_regex(text.take(pa.array(idx)), pattern)
        valid = matched.is_valid().to_numpy(zero_copy_only=False)
        if not valid.any():
            return
        rows = idx[valid]
        fields = {name: pc.struct_field(matched, name).filter(pa.array(valid)) for name in names}
        if "n" in fields:
            serial[rows] = _to_int(fields["n"])
            return
        y = _to_int(fields["y"])
        two_digit = y < 100
        y = np.where(two_digit & (y < _PIVOT), 2000 + y, np.where(two_digit, 1900 + y, y))
        year[rows] = y
        day[rows] = _to_int(fields["d"])
        if "mon" in fields:
            names_lower = pc.utf8_lower(fields["mon"]).to_pylist()
            month[rows] = [_MONTHS.get(m, 0) for m in names_lower]
        else:
            month[rows] = _to_int(fields["m"])

    fill(_DAY_FIRST, ("d", "m", "y"))
    fill(_ISO, ("y", "m", "d"))
    fill(_NAMED, ("d", "mon", "y"))
    fill(_SERIAL, ("n",))

    dates = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    have = (year > 0) & (month >= 1) & (month <= 12) & (day >= 1)
    if have.any():
        month_start = ((year[have] - 1970) * 12 + (month[have] - 1)).astype("datetime64[M]")
        days_in_month = (
            (month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")
        ).astype(np.int64)
        ok = day[have] <= days_in_month
        candidate = month_start.astype("datetime64[D]") + (day[have] - 1)
        rows = np.flatnonzero(have)
        dates[rows[ok]] = candidate[ok]
    from_serial = serial > 0
    if from_serial.any():
        dates[from_serial] = _EXCEL_EPOCH + serial[from_serial]
    return dates
