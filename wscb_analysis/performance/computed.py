"""The suite's own figures as quarterly indicators, beside the partners' on the scorecard.

Each quarter's figures come from :func:`wscb_analysis.figures.headline_figures` (CONTRACT.md,
"Headline figures JSON"), so the scorecard and the topic pages count the same way. A quarter
has no value (never 0) when:

* the source was not supplied or is unusable, or the extract lacks a field the figure needs
  (a 903 missing table has no return-home-interview columns);
* the source does not hold the whole quarter, as :mod:`wscb_analysis.coverage` judges it
  (``SourceCoverage.holds``: records from within 14 days of the quarter's start to within 14
  days of its end; an inspection list of plans holds nothing whole before its window);
* the figure needs a look-back the extract does not hold: re-referrals need the 12 months
  before the quarter (DfE C1), plans open 2 years or more need plans that started 2 years
  before its end;
* the figures JSON itself gives None, or a rate has a denominator of 0.

Percentages are 0-100 here (the dataset's scale), with their numerator and denominator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..coverage import SourceCoverage, extract_coverage
from ..periods import Period, financial_year

FRONT_DOOR = "Child protection and the front door"
NEGLECT = "Neglect"
CSE_MISSING = "Child sexual exploitation and children missing"
EARLY_HELP = "Early help"
DIVERSITY = "Equality and diversity"


@dataclass(frozen=True)
class ComputedIndicator:
    """A figure the suite computes each quarter: its catalogue entry and how to read it."""

    indicator: str
    title: str
    agency: str
    unit: str
    polarity: str
    priority: str
    definition: str
    source: str
    #: (figures block, source name in the extract)
    block: str
    extract_source: str
    #: fields of that source the figure needs (besides the event date)
    fields: tuple[str, ...]
    #: figures dict -> (value, numerator, denominator); None where unknown
    read: Callable[[dict], tuple[float | None, float | None, float | None]]
    lookback_months: int = 0
    #: the look-back runs back from the quarter's "start" (events) or "end" (open at end)
    lookback_from: str = "start"


def _count(block: str, key: str):
    def read(f: dict):
        v = (f.get(block) or {}).get(key)
        return (None if v is None else float(v)), None, None
    return read


def _share(block: str, num: str, den: str, den_block: str | None = None):
    def read(f: dict):
        x = (f.get(block) or {}).get(num)
        n = (f.get(den_block or block) or {}).get(den)
        if x is None or n is None or n == 0:
            return None, None, None
        return 100.0 * x / n, float(x), float(n)
    return read


EXTRACT_NOTE = "Computed by the suite from the extract"

COMPUTED: tuple[ComputedIndicator, ...] = (
    ComputedIndicator(
        "referrals", "Referrals to children's social care", "Children's social care", "count",
        "neither", FRONT_DOOR,
        "Referrals whose date falls in the quarter; a child referred twice counts twice "
        "(DfE CIN table C1).", f"{EXTRACT_NOTE} (Annex A List 3)", "referrals", "referrals",
        (), _count("referrals", "referrals")),
    ComputedIndicator(
        "rereferral_rate", "Re-referrals within 12 months", "Children's social care",
        "percentage", "lower is better", FRONT_DOOR,
        "Referrals within 12 months of a previous referral of the same child, as a share of "
        "the quarter's referrals (DfE CIN table C1, referral level).",
        f"{EXTRACT_NOTE} (Annex A List 3)", "referrals", "referrals", (),
        _share("referrals", "rereferrals", "referrals"), lookback_months=12),
    ComputedIndicator(
        "cp_plans_started", "Child protection plans started", "Children's social care",
        "count", "neither", FRONT_DOOR,
        "Child protection plans whose start date falls in the quarter (DfE CIN table D3).",
        f"{EXTRACT_NOTE} (Annex A List 7)", "cp_plans", "cp_plans", (),
        _count("cp_plans", "started")),
    ComputedIndicator(
        "second_or_subsequent_rate", "Second or subsequent child protection plans",
        "Children's social care", "percentage", "lower is better", NEGLECT,
        "Plans started in the quarter for a child who had a plan before, however long ago, "
        "as a share of plans started (DfE CIN table D3).", f"{EXTRACT_NOTE} (Annex A List 7)",
        "cp_plans", "cp_plans", ("previous_plans",),
        _share("cp_plans", "second_or_subsequent", "started")),
    ComputedIndicator(
        "cp_open_2_years_plus_rate", "Child protection plans open 2 years or more",
        "Children's social care", "percentage", "lower is better", NEGLECT,
        "Plans open at the quarter's last day that had lasted 2 years or more, as a share of "
        "plans open then (the DfE D5 measure, at each quarter end).",
        f"{EXTRACT_NOTE} (Annex A List 7)", "cp_plans", "cp_plans", (),
        _share("cp_plans", "open_2_years_plus", "open_at_end"), lookback_months=24,
        lookback_from="end"),
    ComputedIndicator(
        "children_missing", "Children going missing", "Local authority and police", "count",
        "lower is better", CSE_MISSING,
        "Children with at least one Missing episode starting in the quarter (the board's "
        "'children going missing'; Away and Absent episodes are not included).",
        f"{EXTRACT_NOTE} (missing episodes)", "missing", "missing", ("missing_type",),
        _count("missing", "children")),
    ComputedIndicator(
        "rhi_take_up", "Return home interviews taken up", "Local authority", "percentage",
        "higher is better", CSE_MISSING,
        "Episodes starting in the quarter whose return home interview was accepted, as a "
        "share of episodes where one was offered.", f"{EXTRACT_NOTE} (missing episodes)",
        "missing", "missing", ("rhi_offered", "rhi_accepted"),
        _share("missing", "rhi_accepted", "rhi_offered")),
    ComputedIndicator(
        "early_help_assessments", "Early help assessments started", "All partners", "count",
        "neither", EARLY_HELP,
        "Early help assessments whose start date falls in the quarter, whoever completed "
        "them (Annex A List 2).", f"{EXTRACT_NOTE} (Annex A List 2)", "early_help",
        "early_help", (), _count("early_help", "assessments")),
    ComputedIndicator(
        "ethnicity_not_recorded_rate", "Referrals with ethnicity not recorded",
        "Children's social care", "percentage", "lower is better", DIVERSITY,
        "Referrals in the quarter whose ethnicity is blank or NOBT (information not yet "
        "obtained), as a share of referrals; REFU (refused) counts as recorded.",
        f"{EXTRACT_NOTE} (Annex A List 3)", "diversity", "referrals", ("ethnicity",),
        _share("diversity", "ethnicity_not_recorded", "referrals")),
)
COMPUTED_IDS = tuple(c.indicator for c in COMPUTED)


def computed_catalogue() -> pd.DataFrame:
    """The computed indicators in the catalogue's columns (``origin`` "computed")."""
    rows = [{"indicator": c.indicator, "title": c.title, "agency": c.agency, "unit": c.unit,
             "polarity": c.polarity, "target": np.nan, "target_direction": None,
             "priority": c.priority, "definition": c.definition, "source": c.source,
             "about_children": True, "rebase": "", "row": 0, "origin": "computed"}
            for c in COMPUTED]
    return pd.DataFrame(rows)


def quarters_to(end: date, first: date) -> list[Period]:
    """Financial quarters from the one holding ``first`` to the last one ending by ``end``."""
    year = first.year if first.month >= 4 else first.year - 1
    q = (first.month - 4) % 12 // 3 + 1
    out = []
    while True:
        p = financial_year(f"{year}-{(year + 1) % 100:02d}", f"Q{q}")
        if p.end > end:
            return out
        out.append(p)
        q += 1
        if q == 5:
            year, q = year + 1, 1


def held(span: tuple[date, date] | None, quarter: Period, lookback_months: int = 0,
         lookback_from: str = "start") -> bool:
    """Whether a source whose records run from ``span[0]`` to ``span[1]`` holds the quarter,
    and the ``lookback_months`` before its start (or end) that the figure needs (the rule is
    :meth:`wscb_analysis.coverage.SourceCoverage.holds`)."""
    if span is None:
        return False
    return SourceCoverage("", True, *span).holds(quarter, lookback_months, lookback_from)


def computed_rows(extract, end: date, figures_for=None, max_quarters: int | None = None
                  ) -> pd.DataFrame:
    """One row per computed indicator per quarter held, up to the quarter ending by ``end``
    (only the latest ``max_quarters`` quarters when given: the scorecard uses no more).

    Columns as the validated performance data (``indicator, period, kind, start, end, value,
    numerator, denominator, agency, note, row``) plus ``origin`` = "computed". A quarter whose
    figure is unknown has no row (the scorecard shows no value, never 0). ``figures_for``
    (for tests) replaces :func:`~wscb_analysis.figures.headline_figures`.
    """
    from ..figures import headline_figures

    def figures(q: Period, blocks: set[str]) -> dict:
        # Only the blocks the quarter's indicators read: a quarter held by one source (plans
        # from years before the other lists begin) costs that source's figures alone.
        if figures_for is not None:
            return figures_for(q)
        return headline_figures(extract, q, blocks=blocks)

    # What each source holds is coverage's to say (an inspection list of plans holds nothing
    # whole before its window, though its plans started earlier).
    coverage = extract_coverage(extract)
    firsts = [c.first_date for c in coverage.values() if c.first_date is not None]
    columns = ["indicator", "period", "kind", "start", "end", "value", "numerator",
               "denominator", "agency", "note", "row", "origin"]
    if not firsts:
        return pd.DataFrame(columns=columns)
    rows = []
    quarters = quarters_to(end, min(firsts))
    for q in quarters[-max_quarters:] if max_quarters else quarters:
        wanted = [c for c in COMPUTED
                  if coverage[c.extract_source].holds(q, c.lookback_months, c.lookback_from)
                  and set(c.fields) <= set(extract.sources[c.extract_source].columns_used)]
        if not wanted:
            continue
        held_figures = figures(q, {c.block for c in wanted})
        for c in wanted:
            value, num, den = c.read(held_figures)
            if value is None:
                continue
            rows.append({"indicator": c.indicator, "period": q.label, "kind": "quarter",
                         "start": pd.Timestamp(q.start), "end": pd.Timestamp(q.end),
                         "value": value, "numerator": np.nan if num is None else num,
                         "denominator": np.nan if den is None else den, "agency": c.agency,
                         "note": "", "row": 0, "origin": "computed"})
    return pd.DataFrame(rows, columns=columns)


#: Bump when the way computed rows are worked out changes in a way the code digest of the
#: store (every module this one imports) cannot see.
ROWS_VERSION = "1"


def saved_computed_rows(extract, end: date, max_quarters: int | None = None) -> pd.DataFrame:
    """:func:`computed_rows`, worked out once for the same extract (its files' SHA-256 and
    the columns used), quarter end and number of quarters, and the same code, and kept in
    the one store of derived results (:mod:`wscb_analysis.cache`): the pack's index tile (in
    the publishing process) and the scorecard page (in a notebook's kernel) ask for the same
    rows at the same moment, and a second publish of an extract asks again; one process works
    them out while the others wait. The rows hold counts of children: they stay in the
    analyst's processed folder, never in a pack."""
    from .. import cache
    from ..io.cache import LOADER_VERSION

    hashes = extract.input_hashes()
    # Not from files (nothing to key the rows by), or read with --no-cache: worked out afresh.
    if not hashes or not getattr(extract, "use_cache", True):
        return computed_rows(extract, end, max_quarters=max_quarters)
    inputs = (ROWS_VERSION, LOADER_VERSION, str(end), max_quarters, tuple(sorted(hashes.items())),
              tuple((name, r.usable, tuple(sorted(r.columns_used.items())))
                    for name, r in sorted(extract.sources.items())))
    return cache.cached("scorecard", __name__, inputs,
                        lambda: computed_rows(extract, end, max_quarters=max_quarters),
                        accept=lambda v: isinstance(v, pd.DataFrame), exclusive=True)


__all__ = ["COMPUTED", "COMPUTED_IDS", "ComputedIndicator", "computed_catalogue",
           "computed_rows", "held", "quarters_to", "saved_computed_rows"]
