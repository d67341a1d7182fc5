"""Reporting periods: English financial years and financial quarters.

"2016-17" is 1 April 2016 to 31 March 2017 inclusive. Quarters are financial quarters:
Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar, so "2016-17 Q3" is 1 Oct to 31 Dec 2016.
DfE files label a year by its end (``time_period`` 2017 = "2016-17").
Source: DfE "Characteristics of children in need" release notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_YEAR_RE = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$")
_QUARTER_RE = re.compile(r"^\s*[Qq]([1-4])\s*$")


class PeriodError(ValueError):
    """A period or quarter label that cannot be read."""


@dataclass(frozen=True)
class Period:
    """An inclusive date range with the label used on every page."""

    label: str
    start: date
    end: date
    year_label: str
    quarter: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}

    def previous(self) -> Period:
        """The period of the same length immediately before this one."""
        first_year = int(self.year_label[:4])
        if self.quarter is None:
            return financial_year(_year_label(first_year - 1))
        q = int(self.quarter[1])
        if q == 1:
            return financial_year(_year_label(first_year - 1), "Q4")
        return financial_year(self.year_label, f"Q{q - 1}")


def _year_label(first_year: int) -> str:
    return f"{first_year}-{(first_year + 1) % 100:02d}"


def financial_year(period: str, quarter: str | None = None) -> Period:
    """Read "2016-17" (optionally with "Q1".."Q4") into an inclusive :class:`Period`.

    Raises :class:`PeriodError` with a message saying what was expected.
    """
    match = _YEAR_RE.match(str(period))
    if not match:
        raise PeriodError(
            f"period {period!r} is not a financial year: write it like 2016-17 "
            "(1 April 2016 to 31 March 2017)"
        )
    first = int(match.group(1))
    second = match.group(2)
    expected = (first + 1) % 100 if len(second) == 2 else first + 1
    if int(second) != expected:
        raise PeriodError(
            f"period {period!r} is not a financial year: the part after the dash must be the "
            f"year after {first}, as in {_year_label(first)}"
        )
    label = _year_label(first)
    start, end = date(first, 4, 1), date(first + 1, 3, 31)
    if quarter is None or str(quarter).strip() == "" or str(quarter).lower() == "none":
        return Period(label, start, end, label)
    qmatch = _QUARTER_RE.match(str(quarter))
    if not qmatch:
        raise PeriodError(f"quarter {quarter!r} is not one of Q1, Q2, Q3, Q4 (Q1 = April to June)")
    q = int(qmatch.group(1))
    month = 4 + 3 * (q - 1)
    year = first if month <= 12 else first + 1
    month = month if month <= 12 else month - 12
    q_start = date(year, month, 1)
    next_month = month + 3
    q_end = (
        date(year + 1, next_month - 12, 1) if next_month > 12 else date(year, next_month, 1)
    ) - timedelta(days=1)
    return Period(f"{label} Q{q}", q_start, q_end, label, f"Q{q}")


# --------------------------------------------------------------------------- period labels
# The labels every count of a pack is keyed by: a month "Oct 2016", a quarter "2016-17 Q3",
# a financial year "2016-17". Parsed here and nowhere else.

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_LABEL = re.compile(r"^([A-Z][a-z]{2}) (\d{4})$")


def month_label(d: date) -> str:
    """"Oct 2016" for any day of October 2016 (English month abbreviations, whatever the
    locale)."""
    return f"{_MONTHS[d.month - 1]} {d.year}"


def grain(label: str) -> str:
    """"month", "quarter" or "year": what a period label names. Raises :class:`PeriodError`
    for anything else."""
    if _MONTH_LABEL.match(label) and label[:3] in _MONTHS:
        return "month"
    if " Q" in label:
        financial_year(*label.split(" ", 1))
        return "quarter"
    financial_year(label)
    return "year"


def label_period(label: str) -> Period:
    """The :class:`Period` a label names: a month, a quarter or a financial year."""
    g = grain(label)
    if g == "year":
        return financial_year(label)
    if g == "quarter":
        return financial_year(*label.split(" ", 1))
    month, year = _MONTHS.index(label[:3]) + 1, int(label[4:])
    start = date(year, month, 1)
    end = (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)
    return Period(label, start, end, year_of(start))


def label_children(label: str) -> list[str]:
    """The labels that make up a period: a quarter's three months, a year's four quarters, a
    month's none."""
    g = grain(label)
    if g == "year":
        return [f"{label} Q{i}" for i in range(1, 5)]
    if g == "quarter":
        p = label_period(label)
        first = p.start.month
        return [month_label(date(p.start.year + (first + i - 1) // 12, (first + i - 1) % 12 + 1,
                                 1)) for i in range(3)]
    return []


def label_parent(label: str) -> str | None:
    """The period a label is part of: a month's quarter, a quarter's year; None for a year."""
    g = grain(label)
    if g == "quarter":
        return label.split(" ", 1)[0]
    if g == "month":
        p = label_period(label)
        q = (p.start.month - 4) % 12 // 3 + 1
        return f"{p.year_label} Q{q}"
    return None


def year_of(d: date) -> str:
    """The financial year label a date falls in."""
    return _year_label(d.year if d.month >= 4 else d.year - 1)


def dfe_time_period(year_label: str) -> int:
    """DfE's ``time_period`` for a financial year: 2017 for "2016-17"."""
    return financial_year(year_label).end.year


def year_from_dfe(time_period: int | str) -> str:
    """"2016-17" for DfE's ``time_period`` 2017 (or "201617")."""
    text = str(time_period).strip()
    end_year = int(text[-4:]) if len(text) == 4 else int(text[:4]) + 1
    return _year_label(end_year - 1)


def financial_years(first: str, last: str) -> list[str]:
    """Every financial year label from ``first`` to ``last`` inclusive."""
    a, b = int(financial_year(first).year_label[:4]), int(financial_year(last).year_label[:4])
    return [_year_label(y) for y in range(a, b + 1)]


def add_months(dates, months: int):
    """Calendar arithmetic on a ``datetime64[D]`` array: 31 Jan + 1 month = 28/29 Feb.

    Used for "within 12 months" and the DfE duration bands (3 and 6 months, 1 and 2 years).
    NaT stays NaT.
    """
    import numpy as np

    d = np.asarray(dates).astype("datetime64[D]")
    nat = np.isnat(d)
    safe = np.where(nat, np.datetime64("2000-01-01", "D"), d)
    month = safe.astype("datetime64[M]")
    day = (safe - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months
    last_day = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64) - 1
    out = target.astype("datetime64[D]") + np.minimum(day, last_day)
    out[nat] = np.datetime64("NaT")
    return out


def in_period(dates, period: Period):
    """Boolean mask: the date falls in the period (inclusive); NaT is never in a period."""
    import numpy as np

    d = np.asarray(dates).astype("datetime64[D]")
    return (d >= np.datetime64(period.start, "D")) & (d <= np.datetime64(period.end, "D"))


def period_labels(dates, by: str = "year"):
    """Financial-year ("2016-17"), quarter ("2016-17 Q3") or month ("2016-10") label for each
    date of a pandas Series: one rule for every table and chart that groups by period."""
    import pandas as pd

    d = pd.to_datetime(pd.Series(dates))
    first = d.dt.year - (d.dt.month < 4).astype(int)
    year = first.astype(str) + "-" + ((first + 1) % 100).astype(str).str.zfill(2)
    if by == "year":
        return year
    if by == "quarter":
        return year + " Q" + (((d.dt.month - 4) % 12) // 3 + 1).astype(str)
    if by == "month":
        return d.dt.to_period("M").astype(str)
    raise ValueError(f"by must be 'year', 'quarter' or 'month', not {by!r}")
