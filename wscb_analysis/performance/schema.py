"""The two files of the partnership's performance dataset, their headers and vocabularies.

``performance.csv`` (or ``.xlsx``): long form, one row per indicator per period, columns
``indicator, period, value`` and optional ``numerator, denominator, agency, note``.
``indicators.csv``: the catalogue, one row per indicator, columns ``indicator, title, unit,
polarity`` and optional ``agency, target, target_direction, priority, definition, source,
about_children, rebase``. Headers are matched by pattern, case-insensitively, as for the other
sources (CONTRACT.md, "The data folder an analyst fills"); ``--map "Header=field"`` names the rest.

Periods (DEFINITIONS.md: English financial years and financial quarters):
* a quarter "2016-17 Q3" = 1 October to 31 December 2016 (also read: "Q3 2016-17", "2016/17 Q3");
* a month "2016-12" = December 2016 (also read: "Dec 2016", "December 2016", and a date on the
  first of a month such as "2016-12-01" or "01/12/2016", which is how Excel stores a month);
* a year "2016-17" = 1 April 2016 to 31 March 2017 (also read: "2016/17", "2016-2017").
"2011-12" could be the year or December 2011: it takes the frequency of the indicator's other
rows, and is read as the year when there are none.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from ..io.schemas import Field, Source
from ..periods import PeriodError, financial_year

TEXT = "text"
NUMBER = "number"

_INDICATOR = Field("indicator", TEXT, (r"indicator", r"indicator id", r"indicator code",
                                       r"indicator ref", r"kpi", r"kpi id", r"measure id",
                                       r"code", r"id"),
                   required=True, mandatory_value=True, label="indicator")
_AGENCY = Field("agency", TEXT, (r"agency", r"partner", r"organisation", r"lead agency"),
                label="agency")

PERFORMANCE = Source(
    "performance", "performance",
    "Performance dataset: one row per indicator per period",
    (
        _INDICATOR,
        Field("period", TEXT, (r"period", r"reporting period", r"time period", r"quarter",
                               r"month", r"year"),
              required=True, mandatory_value=True, label="period"),
        Field("value", NUMBER, (r"value", r"result", r"actual", r"figure", r"performance"),
              required=True, label="value"),
        Field("numerator", NUMBER, (r"numerator", r"count"), label="numerator"),
        Field("denominator", NUMBER, (r"denominator", r"out of", r"total"),
              label="denominator"),
        _AGENCY,
        Field("note", TEXT, (r"notes?", r"comments?", r"commentary"), label="note"),
    ),
)

CATALOGUE = Source(
    "indicators", "indicators",
    "Performance indicator catalogue: one row per indicator",
    (
        _INDICATOR,
        Field("title", TEXT, (r"title", r"indicator title", r"name", r"indicator name"),
              required=True, mandatory_value=True, label="title"),
        _AGENCY,
        Field("unit", TEXT, (r"unit", r"units", r"measure type", r"unit of measure"),
              required=True, mandatory_value=True, label="unit"),
        Field("polarity", TEXT, (r"polarity", r"direction", r"better", r"good is",
                                 r"improvement direction"),
              required=True, mandatory_value=True, label="polarity"),
        Field("target", NUMBER, (r"target", r"target value"), label="target"),
        Field("target_direction", TEXT, (r"target direction", r"target type",
                                         r"target is"), label="target_direction"),
        Field("priority", TEXT, (r"priority", r"board priority", r"theme",
                                 r"strategic priority"), label="priority"),
        Field("definition", TEXT, (r"definition", r"description"), label="definition"),
        Field("source", TEXT, (r"source", r"data source"), label="source"),
        Field("about_children", TEXT, (r"about children", r"counts children",
                                       r"children", r"suppress"), label="about_children"),
        Field("rebase", TEXT, (r"rebase", r"rebase at", r"recalculate limits from"),
              label="rebase"),
    ),
)

#: Units (CONTRACT.md) and the spellings read for each.
UNITS = {
    "count": {"count", "number", "no", "n", "total"},
    "percentage": {"percentage", "percent", "per cent", "%", "pct", "proportion"},
    "rate per 10,000": {"rate per 10,000", "rate per 10000", "per 10,000", "per 10000",
                        "rate", "rate per 10k"},
    "days": {"days", "day", "average days", "mean days", "median days"},
}
#: Polarities and the spellings read for each.
POLARITIES = {
    "higher is better": {"higher is better", "higher", "high", "up", "increase", "more"},
    "lower is better": {"lower is better", "lower", "low", "down", "decrease", "fewer", "less"},
    "neither": {"neither", "none", "neutral", "no direction", "n/a", "na", "either"},
}
TARGET_DIRECTIONS = {
    "at least": {"at least", ">=", "minimum", "min", "or more", "above"},
    "at most": {"at most", "<=", "maximum", "max", "or fewer", "or less", "below"},
}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).strip().lower())


def canonical(value: str, vocabulary: dict[str, set[str]]) -> str | None:
    """The vocabulary's word for ``value`` ("Higher" -> "higher is better"), or None."""
    text = _norm(value)
    for word, spellings in vocabulary.items():
        if text == word or text in spellings:
            return word
    return None


# --------------------------------------------------------------------------- periods

QUARTER, MONTH, YEAR = "quarter", "month", "year"


@dataclass(frozen=True)
class PerfPeriod:
    """One reporting period of the dataset: a financial quarter, a month or a financial year."""

    label: str
    kind: str
    start: date
    end: date

    def year_before(self) -> str:
        """The label of the same period one year earlier ("2015-16 Q3", "2015-12", "2015-16")."""
        if self.kind == MONTH:
            return f"{self.start.year - 1}-{self.start.month:02d}"
        first = int(self.label[:4]) - 1
        year = f"{first}-{(first + 1) % 100:02d}"
        return f"{year} {self.label[-2:]}" if self.kind == QUARTER else year


_FY = r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})"
_YEAR_RE = re.compile(rf"^{_FY}$")
_QUARTER_RES = (re.compile(rf"^{_FY}\s*[- ]?\s*q([1-4])$"),
                re.compile(rf"^q([1-4])\s*[- ]?\s*{_FY}$"))
_MONTH_RE = re.compile(r"^(\d{4})\s*-\s*(\d{1,2})$")
_ISO_DAY_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]00:00(?::00)?)?$")
_DMY_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_NAMED_RE = re.compile(r"^([a-z]{3,9})\.?\s*[- ]?\s*(\d{4}|\d{2})$")
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
_MONTHS["sept"] = 9

PERIOD_HELP = ("write a quarter as 2016-17 Q3, a month as 2016-12 or a financial year as "
               "2016-17")


def _fy(first: str, second: str) -> str:
    """"2016-17" from ("2016", "17") or ("2016", "2017"); PeriodError if not consecutive."""
    return financial_year(f"{first}-{second}").year_label


def _month(year: int, month: int) -> PerfPeriod:
    if not 1 <= month <= 12 or not 1900 <= year <= 2200:
        raise PeriodError("no such month")
    last = calendar.monthrange(year, month)[1]
    return PerfPeriod(f"{year}-{month:02d}", MONTH, date(year, month, 1), date(year, month, last))


def _year(label: str) -> PerfPeriod:
    p = financial_year(label)
    return PerfPeriod(p.label, YEAR, p.start, p.end)


def _quarter(year_label: str, q: str) -> PerfPeriod:
    p = financial_year(year_label, f"Q{q}")
    return PerfPeriod(p.label, QUARTER, p.start, p.end)


def period_candidates(text: str) -> list[PerfPeriod]:
    """Every reading of a period label: none (unreadable), one, or two ("2011-12": the year
    or December 2011)."""
    t = _norm(text)
    out: list[PerfPeriod] = []
    for pattern in _QUARTER_RES:
        m = pattern.match(t)
        if m:
            groups = m.groups()
            q, first, second = (groups[2], groups[0], groups[1]) if pattern is _QUARTER_RES[0] \
                else groups
            try:
                return [_quarter(_fy(first, second), q)]
            except PeriodError:
                return []
    m = _YEAR_RE.match(t)
    if m:
        try:
            out.append(_year(_fy(*m.groups())))
        except PeriodError:
            pass
    m = _MONTH_RE.match(t)
    if m:
        try:
            out.append(_month(int(m.group(1)), int(m.group(2))))
        except PeriodError:
            pass
    if out:
        return out
    m = _ISO_DAY_RE.match(t)
    dmy = _DMY_RE.match(t)
    if m or dmy:
        y, mo, d = (m.group(1), m.group(2), m.group(3)) if m else \
            (dmy.group(3), dmy.group(2), dmy.group(1))
        try:
            date(int(y), int(mo), int(d))
        except ValueError:
            return []
        return [_month(int(y), int(mo))] if int(d) == 1 else []
    m = _NAMED_RE.match(t)
    if m and m.group(1) in _MONTHS:
        year = int(m.group(2))
        year = year + 2000 if year < 100 else year
        return [_month(year, _MONTHS[m.group(1)])]
    return []


def parse_period(text: str, prefer: str | None = None) -> PerfPeriod:
    """Read one period label; ``prefer`` ("quarter", "month", "year") settles "2011-12".

    Raises :class:`~wscb_analysis.periods.PeriodError` saying what is expected.
    """
    options = period_candidates(text)
    if not options:
        t = _norm(text)
        if _ISO_DAY_RE.match(t) or _DMY_RE.match(t):
            raise PeriodError(f"{str(text).strip()!r} is a date, not a period: {PERIOD_HELP}")
        raise PeriodError(f"{str(text).strip()!r} is not a period: {PERIOD_HELP}")
    if len(options) > 1:
        chosen = [p for p in options if p.kind == prefer]
        return chosen[0] if chosen else next(p for p in options if p.kind == YEAR)
    return options[0]
