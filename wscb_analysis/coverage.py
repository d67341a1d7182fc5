"""What an extract holds: per source, whether it was supplied, the dates it spans and the
optional fields it lacks, and how far it covers a reporting period. This module is the one
place that knows it: pages, the scorecard and the headline figures ask it, never the dates of
a frame directly (see "What the pages call" below).

A figure whose source was not supplied, whose field the extract lacks, or whose period the
source does not reach is unknown (None), never 0 (CONTRACT.md). A period the source covers only
in part is computed and named as such, with the dates it covers.

What a source can hold:

* A history (a local extract, several years of a list): records from its first event date
  (``first_date``) to its last date of any kind (``last_date``).
* An inspection list of child protection plans (Annex A List 7) holds the plans open at any
  time in its 12 months, not the plans that started then: a plan that started and ended
  before its window is not in it; so do Lists 6 (children in need, some in need for years)
  and 4 (assessments, some started before the window). It is read as such a list when none
  of its records was closed before the 12 months up to the latest date of the extract's
  lists, and some began before them (``window``); it then holds nothing whole before the
  window starts, so ``first_date`` is the window's first day (``last_date`` its last) and
  earlier periods are "not held", never 0
  (assumption 59). Lists 2 and 3 hold the events of their window, so their first event is
  already inside it.
* Missing episodes with no end date are open; one with no end recorded although the source
  runs :data:`OPEN_LIMIT_DAYS` or more past its start is a likely unrecorded end
  (:meth:`SourceCoverage.likely_unrecorded`), said beside any count of children still
  missing (assumption 60).

Coverage of a period is judged by month: a source covers a period in full when it holds records
from the period's first month (or earlier) to its last month (or later). Day by day would call
a year whose first referral came on 3 April "part", which says more about a quiet Bank Holiday
than about the extract. (docs/assumptions.md 47.) Monthly series are finer: a month is held
whole when the source starts within its first :data:`WHOLE_MONTH_DAYS` days and ends within
its last (:meth:`SourceCoverage.whole_months`).

What the pages call (``cov = ctx.coverage[source]``):

* ``cov.period_covered(period)``: "full", "part" or "none"; ``cov.covered_dates(period)``.
* ``cov.holds(period, lookback_months=0, lookback_from="start")``: the period held whole
  (within :data:`EDGE_DAYS` of each end) and the months before it a figure looks back over
  (re-referrals: 12), for any series of quarters or years, the scorecard's included.
* ``cov.whole_months(until)``: the months a monthly chart may draw.
* ``cov.held_note()``: the sentence a page's note on the data gives when the source's reach
  is a list's window (None for a history).
* ``cov.likely_unrecorded(frame)`` (a mask over the missing frame) and
  ``cov.open_note(period)``: episodes with no end recorded for longer than the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .errors import ExtractError
from .io.schemas import JOURNEY_SOURCES, SOURCES
from .periods import Period

#: The date that places a record of each source in a period.
EVENT_DATE = {"referrals": "referral_date", "cp_plans": "start_date",
              "early_help": "assessment_start", "missing": "start_date",
              "contacts": "contact_date", "assessments": "assessment_start",
              "s47": "s47_start", "children_in_need": "cin_start"}
#: Other dates a source holds: they show how far the extract reaches.
OTHER_DATES = {"referrals": (), "cp_plans": ("end_date",), "early_help": (
    "assessment_completion",), "missing": ("end_date",), "contacts": (),
    "assessments": ("assessment_authorised",), "s47": ("icpc_date",),
    "children_in_need": ("cin_closure",)}
#: Words for each source on a page.
SOURCE_WORDS = {"referrals": "referrals", "cp_plans": "child protection plans",
                "early_help": "early help assessments", "missing": "missing episodes",
                "performance": "the performance dataset", "contacts": "contacts",
                "assessments": "assessments", "s47": "section 47 enquiries",
                "children_in_need": "children in need"}
SOURCE_FILES = {"referrals": "referrals.csv (Annex A List 3)",
                "cp_plans": "cp_plans.csv (Annex A List 7)",
                "early_help": "early_help.csv (Annex A List 2)",
                "missing": "missing.csv (missing episodes)",
                "performance": "performance.csv and indicators.csv",
                "contacts": "contacts.csv (Annex A List 1)",
                "assessments": "assessments.csv (Annex A List 4) or CIN census returns",
                "s47": "s47.csv (Annex A List 5) or CIN census returns",
                "children_in_need": "children_in_need.csv (Annex A List 6) or CIN census "
                                    "returns"}


#: A list of plans read as one inspection return covers this many months (Ofsted's Annex A:
#: the plans open at any time in the 12 months before the list was made).
WINDOW_MONTHS = 12
#: The sources an inspection return's lists come from (the return's latest date is theirs).
LIST_SOURCES = ("referrals", "cp_plans", "early_help", "contacts", "assessments", "s47",
                "children_in_need")
#: Lists that hold the records open at any time in the return's 12 months, not those that
#: began then, with the date that closes a record: plans (List 7), children in need (List 6)
#: and assessments (List 4, whose assessments may have started before the window).
WINDOWED = {"cp_plans": "end_date", "children_in_need": "cin_closure",
            "assessments": "assessment_authorised"}
#: An episode with no end date whose source runs at least this many days past its start is a
#: likely unrecorded end (assumption 60): most children reported missing are back within two
#: days, few after four weeks, while a return or extract runs on for months.
OPEN_LIMIT_DAYS = 28
#: A quarter or year of a series is held whole when the source's records reach within this
#: many days of each end (events are dated by day, and a quiet fortnight at either end of an
#: extract is ordinary).
EDGE_DAYS = 14
#: A month is held whole when the source starts within its first this-many days (and ends
#: within its last): a quiet first weekend or bank holiday is not a missing part of a month.
WHOLE_MONTH_DAYS = 7


class PeriodNotHeldError(ExtractError):
    """No supplied source reaches the period asked for (exit 2: nothing to do)."""


@dataclass(frozen=True)
class SourceCoverage:
    """One source's coverage. Dates are inclusive; None when the source was not supplied or
    holds no dated record. ``first_date`` is the first day from which the source holds its
    records whole (a list's window start, see the module notes); ``window`` is the list's
    (start, end) when it was read as one inspection return. For missing episodes,
    ``open_cutoff`` is the day before which an episode with no end is a likely unrecorded end,
    ``unrecorded`` how many there are and ``unrecorded_from`` the earliest one's start."""

    source: str
    supplied: bool
    first_date: date | None = None
    last_date: date | None = None
    fields_absent: tuple[str, ...] = ()
    records: int = 0
    window: tuple[date, date] | None = None
    open_cutoff: date | None = None
    unrecorded: int = 0
    unrecorded_from: date | None = None

    def period_covered(self, period: Period) -> str:
        """"full", "part" or "none" (judged by month, see the module docstring)."""
        return self._covered(period.start, period.end)

    def _covered(self, start: date, end: date) -> str:
        if not self.supplied or self.first_date is None or self.last_date is None:
            return "none"
        if self.last_date < start or self.first_date > end:
            return "none"
        first_month = (self.first_date.year, self.first_date.month)
        last_month = (self.last_date.year, self.last_date.month)
        if first_month <= (start.year, start.month) and last_month >= (end.year, end.month):
            return "full"
        return "part"

    def holds(self, period: Period, lookback_months: int = 0, lookback_from: str = "start",
              edge_days: int | None = None) -> bool:
        """Whether the source holds ``period`` whole, and the ``lookback_months`` before the
        period's start (``lookback_from="start"``) or end ("end") that its figure looks back
        over (re-referrals: the 12 months before; plans open 2 years or more: the 2 years
        before the end). Whole means records from within ``edge_days`` (default
        :data:`EDGE_DAYS`) of the span's first day to within as many of its last: a series
        of quarters (the scorecard) draws no quarter a source holds only in part."""
        if not self.supplied or self.first_date is None or self.last_date is None:
            return False
        edge = timedelta(days=EDGE_DAYS if edge_days is None else edge_days)
        anchor = period.start if lookback_from == "start" else period.end
        needed = min(period.start,
                     (pd.Timestamp(anchor) - pd.DateOffset(months=lookback_months)).date())
        return self.first_date <= needed + edge and self.last_date >= period.end - edge

    def covered_dates(self, period: Period) -> tuple[date, date] | None:
        """The part of ``period`` the source holds, or None when it holds none of it."""
        if self.period_covered(period) == "none":
            return None
        return max(period.start, self.first_date), min(period.end, self.last_date)

    def whole_months(self, until: date) -> list[pd.Period]:
        """The months a monthly series may draw, from the source's first to ``until``'s month
        (a pack's last day): a month is whole when the source starts within its first
        :data:`WHOLE_MONTH_DAYS` days and ends within its last; a source that reaches into
        ``until``'s month holds it (the pack's own last month, as "held in full" says)."""
        if self.first_date is None or self.last_date is None:
            return []
        first = pd.Timestamp(self.first_date)
        start = first.to_period("M") + (0 if first.day <= WHOLE_MONTH_DAYS else 1)
        last_day, end = pd.Timestamp(self.last_date), pd.Timestamp(until)
        if last_day.to_period("M") >= end.to_period("M"):
            last = end.to_period("M")
        else:
            short = last_day.days_in_month - last_day.day >= WHOLE_MONTH_DAYS
            last = last_day.to_period("M") - (1 if short else 0)
        return [] if start > last else list(pd.period_range(start, last, freq="M"))

    def held_note(self) -> str | None:
        """A sentence for a page's note on the data when the source is a list's window (None
        for a history): what it holds and from when, in words for a board."""
        if self.window is None:
            return None
        a, b = self.window
        what = SOURCE_WORDS.get(self.source, self.source)
        return (f"The list of {what} holds the {what} open at any time in the "
                f"{WINDOW_MONTHS} months to {long_date(b)}, not every one that began "
                f"before then: figures for periods before {long_date(a)} are not held.")

    def likely_unrecorded(self, frame: pd.DataFrame) -> pd.Series:
        """A mask over the source's frame (missing episodes): True for an episode with no end
        date that started before :attr:`open_cutoff` (:data:`OPEN_LIMIT_DAYS` or more before
        the last date the source holds): a likely unrecorded end."""
        if self.open_cutoff is None or "end_date" not in frame or frame.empty:
            return pd.Series(False, index=frame.index)
        return frame["end_date"].isna() & (frame["start_date"]
                                           < pd.Timestamp(self.open_cutoff))

    def open_note(self, period: Period) -> str | None:
        """The caveat beside a count of children still missing at ``period``'s end, when some
        episode open then has had no end recorded for :data:`OPEN_LIMIT_DAYS` days or more
        (None otherwise). Names no count (a count goes through the pack's plan)."""
        if self.unrecorded_from is None or self.unrecorded_from > period.end:
            return None  # no such episode was open at the period's end
        return (f"Some episodes have no end date although the records run to "
                f"{long_date(self.last_date)}, more than {OPEN_LIMIT_DAYS} days after those "
                f"episodes began: most children reported missing are back within days, so "
                f"their ends were probably not recorded, and children counted as still "
                f"missing at {long_date(period.end)} may have returned.")

    def has(self, field: str) -> bool:
        return self.supplied and field not in self.fields_absent

    def as_dict(self, period: Period) -> dict:
        return {"supplied": self.supplied,
                "first_date": self.first_date.isoformat() if self.first_date else None,
                "last_date": self.last_date.isoformat() if self.last_date else None,
                "period_covered": self.period_covered(period),
                "fields_absent": list(self.fields_absent)}


def _dates(frame: pd.DataFrame, columns) -> np.ndarray:
    parts = [frame[c].to_numpy().astype("datetime64[D]") for c in columns if c in frame]
    if not parts:
        return np.array([], dtype="datetime64[D]")
    d = np.concatenate(parts)
    return d[~np.isnat(d)]


def source_coverage(extract, name: str) -> SourceCoverage:
    """Coverage of one source of an :class:`~wscb_analysis.io.load.Extract`."""
    if not extract.has(name):
        return SourceCoverage(name, supplied=False)
    result = extract.sources[name]
    frame = extract[name]
    optional = [f.name for f in SOURCES[name].fields if not f.required]
    absent = tuple(f for f in optional if f not in result.columns_used
                   and not (name == "missing" and f == "looked_after"
                            and result.layout == "SSDA903 Missing"))
    if result.held_from is not None and result.held_to is not None:
        # A CIN census holds exactly its collection years, whatever its records' dates.
        return SourceCoverage(name, True, first_date=result.held_from,
                              last_date=result.held_to, fields_absent=absent,
                              records=len(frame))
    events = _dates(frame, [EVENT_DATE[name]])
    if len(events) == 0:
        return SourceCoverage(name, True, fields_absent=absent, records=len(frame))
    reach = _dates(frame, [EVENT_DATE[name], *OTHER_DATES[name]])
    first = pd.Timestamp(events.min()).date()
    last = pd.Timestamp(reach.max()).date()
    window = (_list_window(extract, frame, first, WINDOWED[name]) if name in WINDOWED
              else None)
    cutoff, unrecorded, unrecorded_from = None, 0, None
    if name == "missing":
        cutoff = last - timedelta(days=OPEN_LIMIT_DAYS)
        starts = frame.loc[frame["end_date"].isna()
                           & (frame["start_date"] < pd.Timestamp(cutoff)), "start_date"]
        unrecorded = len(starts)
        unrecorded_from = pd.Timestamp(starts.min()).date() if unrecorded else None
    return SourceCoverage(
        name, True, first_date=window[0] if window else first,
        last_date=window[1] if window else last,
        fields_absent=absent, records=len(frame), window=window, open_cutoff=cutoff,
        unrecorded=unrecorded, unrecorded_from=unrecorded_from)


def _list_window(extract, frame: pd.DataFrame, first: date, closed_by: str
                 ) -> tuple[date, date] | None:
    """The 12 months of an inspection list of records open in its window (plans, children in
    need, assessments: the module notes), or None when the records are a history: some was
    closed (``closed_by``) before the window, or none began before it."""
    reach = [d.max() for d in (_dates(extract[s], [EVENT_DATE[s], *OTHER_DATES[s]])
                               for s in LIST_SOURCES if extract.has(s)) if len(d)]
    if not reach:
        return None
    end = pd.Timestamp(max(reach)).date()
    start = (pd.Timestamp(end) - pd.DateOffset(months=WINDOW_MONTHS)).date() + timedelta(days=1)
    ended = _dates(frame, [closed_by])
    if first >= start or (len(ended) and pd.Timestamp(ended.min()).date() < start):
        return None
    return start, end


def extract_coverage(extract) -> dict[str, SourceCoverage]:
    """Coverage of every source the suite reads, supplied or not (the journey's Annex A
    lists 1, 4, 5 and 6 only where supplied, so an extract without them reads as before)."""
    return {name: source_coverage(extract, name) for name in SOURCES
            if name not in JOURNEY_SOURCES or extract.has(name)}


def long_date(d: date) -> str:
    """26 November 2026 (no leading zero), the form pages use."""
    return f"{d.day} {d:%B %Y}"


def span_text(cov: SourceCoverage) -> str:
    """"1 April 2011 to 31 March 2018", or a plain reason when there is no span."""
    if not cov.supplied:
        return "not supplied"
    if cov.first_date is None:
        return "no dated records"
    return f"{long_date(cov.first_date)} to {long_date(cov.last_date)}"


def check_period(coverage: dict[str, SourceCoverage], period: Period) -> None:
    """Raise :class:`PeriodNotHeldError` when no supplied source reaches ``period``; the
    message names the period and the span each supplied source holds."""
    supplied = {k: c for k, c in coverage.items() if c.supplied}
    if any(c.period_covered(period) != "none" for c in supplied.values()):
        return
    spans = "; ".join(f"{SOURCE_WORDS[k]} {span_text(c)}" for k, c in supplied.items())
    raise PeriodNotHeldError(
        f"no supplied source reaches {period.label} ({long_date(period.start)} to "
        f"{long_date(period.end)}); the extract holds {spans or 'no dated records'}. "
        "Choose a period inside those dates.")


__all__ = ["SourceCoverage", "PeriodNotHeldError", "source_coverage", "extract_coverage",
           "check_period", "span_text", "long_date", "EVENT_DATE", "SOURCE_WORDS",
           "SOURCE_FILES", "OPEN_LIMIT_DAYS", "WINDOW_MONTHS", "WHOLE_MONTH_DAYS", "EDGE_DAYS"]
