"""What an extract holds: per source, whether it was supplied, the dates it spans and the
optional fields it lacks, and how far it covers a reporting period.

A figure whose source was not supplied, whose field the extract lacks, or whose period the
source does not reach is unknown (None), never 0 (CONTRACT.md). A period the source covers only
in part is computed and named as such, with the dates it covers.

Coverage is judged by month: a source covers a period in full when it holds records from the
period's first month (or earlier) to its last month (or later). Day by day would call a year
whose first referral came on 3 April "part", which says more about a quiet Bank Holiday than
about the extract. (docs/assumptions.md)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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


class PeriodNotHeldError(ExtractError):
    """No supplied source reaches the period asked for (exit 2: nothing to do)."""


@dataclass(frozen=True)
class SourceCoverage:
    """One source's coverage. Dates are inclusive; None when the source was not supplied or
    holds no dated record."""

    source: str
    supplied: bool
    first_date: date | None = None
    last_date: date | None = None
    fields_absent: tuple[str, ...] = ()
    records: int = 0

    def period_covered(self, period: Period) -> str:
        """"full", "part" or "none" (judged by month, see the module docstring)."""
        if not self.supplied or self.first_date is None or self.last_date is None:
            return "none"
        if self.last_date < period.start or self.first_date > period.end:
            return "none"
        first_month = (self.first_date.year, self.first_date.month)
        last_month = (self.last_date.year, self.last_date.month)
        if first_month <= (period.start.year, period.start.month) and \
                last_month >= (period.end.year, period.end.month):
            return "full"
        return "part"

    def covered_dates(self, period: Period) -> tuple[date, date] | None:
        """The part of ``period`` the source holds, or None when it holds none of it."""
        if self.period_covered(period) == "none":
            return None
        return max(period.start, self.first_date), min(period.end, self.last_date)

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
    return SourceCoverage(
        name, True, first_date=pd.Timestamp(events.min()).date(),
        last_date=pd.Timestamp(reach.max()).date(), fields_absent=absent, records=len(frame))


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
           "SOURCE_FILES"]
