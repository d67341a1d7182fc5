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

    # Fast path for the common dd/mm/yyyy form, read straight from the text's bytes and
    # checked field by field (31/02/2016 is not a date); every other value, and any year
    # before 1000, is read by the strict path below.
    dates, accepted = _fixed_day_first(text)
    rest = np.flatnonzero(~accepted & ~blank)
    if len(rest):
        dates[rest] = _strict(text.take(pa.array(rest)))
    bad = ~blank & np.isnat(dates)
    return dates, bad


#: For each month from January of year 0 to December 9999 (index ``year * 12 + month - 1``):
#: its first day as days since 1970-01-01, and its length in days (proleptic Gregorian).
_MONTHS_FROM = (np.arange(-1970 * 12, (10000 - 1970) * 12 + 1).astype("datetime64[M]")
                .astype("datetime64[D]").astype(np.int64))
_MONTH_START = _MONTHS_FROM[:-1]
_MONTH_LENGTH = np.diff(_MONTHS_FROM).astype(np.int16)
_NAT = np.datetime64("NaT", "D").astype(np.int64)


def _calendar_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(``datetime64[D]`` dates, valid) from whole-number fields: a year 1-9999, a month 1-12
    and a day within that month's length (29 February only in a leap year)."""
    year, month, day = (np.asarray(x).astype(np.int32, copy=False) for x in (year, month, day))
    valid = (year >= 1) & (year <= 9999) & (month >= 1) & (month <= 12) & (day >= 1)
    index = year * 12 + month - 1
    np.putmask(index, ~valid, 0)
    valid &= day <= _MONTH_LENGTH[index]
    days = _MONTH_START[index] + (day - 1)
    np.putmask(days, ~valid, _NAT)
    return days.view("datetime64[D]"), valid


def _pair_table() -> np.ndarray:
    """Value of two ASCII digits read as one native 16-bit number; -1 where either is not a
    digit."""
    table = np.full(1 << 16, -1, dtype=np.int16)
    digits = np.arange(10)
    first, second = np.meshgrid(digits, digits, indexing="ij")
    code = np.array([(ord("0") + first) , (ord("0") + second)], dtype=np.uint8)
    as_pairs = np.ascontiguousarray(np.stack([code[0].ravel(), code[1].ravel()], axis=1))
    table[as_pairs.view(np.uint16)[:, 0]] = (first * 10 + second).ravel()
    return table


_PAIRS = _pair_table()


def _fixed_day_first(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(dates, accepted) for values exactly ``dd/mm/yyyy`` with a real date and a year from
    1000; dates are NaT elsewhere. Reads the ten bytes of each such value as digits (no
    strptime), which is several times faster than parsing text and never rolls 31/02 over."""
    n = len(text)
    dates = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    accepted = np.zeros(n, dtype=bool)
    if n == 0:
        return dates, accepted
    text = text if text.type == pa.string() else pc.cast(text, pa.string())
    validity, offsets_buf, data_buf = text.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[text.offset:text.offset + n + 1]
    ten = np.diff(offsets) == 10
    if validity is not None:
        ten &= text.is_valid().to_numpy(zero_copy_only=False)
    if not ten.any() or data_buf is None:
        return dates, accepted
    if not ten.all():
        # Every value ten bytes long, the others as a placeholder that is not a date, so
        # the values sit one after another in one block (Arrow copies strings quickly).
        text = pc.if_else(pa.array(ten), text, "..........")
        _, offsets_buf, data_buf = text.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int32)[text.offset:text.offset + n + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)
    block = data[offsets[0]:offsets[0] + 10 * n].reshape(n, 10)
    # The day and the year's two halves sit at even offsets: each read as one 16-bit number
    # and looked up in a table (its value if both characters are digits, else -1); the
    # month's two digits one by one.
    pairs = block.view(np.uint16)
    day, century, year = _PAIRS[pairs[:, 0]], _PAIRS[pairs[:, 3]], _PAIRS[pairs[:, 4]]
    tens, units = block[:, 3] - np.uint8(ord("0")), block[:, 4] - np.uint8(ord("0"))
    shape_ok = ((block[:, 2] == ord("/")) & (block[:, 5] == ord("/")) & (tens <= 9)
                & (units <= 9) & (day >= 0) & (century >= 0) & (year >= 0))
    month = tens.astype(np.int16) * 10 + units
    year = century.astype(np.int32) * 100 + year
    parsed, valid = _calendar_dates(year, month, day)
    accepted = shape_ok & valid & (year >= 1000)
    np.putmask(parsed, ~accepted, np.datetime64("NaT"))
    return parsed, accepted


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

    dates, _ = _calendar_dates(year, month, day)
    from_serial = serial > 0
    if from_serial.any():
        dates[from_serial] = _EXCEL_EPOCH + serial[from_serial]
    return dates
