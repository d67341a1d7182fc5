"""Early help assessments (Annex A List 2), by the organisation that completed them.

An assessment belongs to the period its start date falls in. Early-years settings are
organisations whose name says nursery, pre-school, children's centre or health visitor (the
annual report's "agencies providing services to preschool children").
"""

from __future__ import annotations

import re

import pandas as pd

from ..periods import Period, in_period, period_labels

EARLY_YEARS_PATTERN = re.compile(
    r"nurser|pre-?school|playgroup|child(?:ren)?'?s'? cent(?:re|er)|health visit|early years|"
    r"childminder", re.IGNORECASE)


def assessments_in(early_help: pd.DataFrame, period: Period) -> pd.DataFrame:
    return early_help.loc[in_period(early_help["assessment_start"], period)].reset_index(drop=True)


def early_help_figures(early_help: pd.DataFrame, period: Period) -> dict:
    """The contract's ``early_help`` block: assessments and counts by agency."""
    ah = assessments_in(early_help, period)
    by_agency = ah["organisation"].fillna("Not recorded").value_counts()
    return {"assessments": len(ah),
            "by_agency": {str(k): int(v) for k, v in by_agency.sort_index().items()}}


def is_early_years(organisation: pd.Series) -> pd.Series:
    return organisation.fillna("").str.contains(EARLY_YEARS_PATTERN)


def by_agency_and_year(early_help: pd.DataFrame) -> pd.DataFrame:
    """Assessments per financial year and organisation. Columns: year, organisation,
    assessments."""
    df = early_help.assign(year=period_labels(early_help["assessment_start"]).to_numpy(),
                           organisation=early_help["organisation"].fillna("Not recorded"))
    return (df.groupby(["year", "organisation"], as_index=False).size()
            .rename(columns={"size": "assessments"}))


def early_years_share(early_help: pd.DataFrame, period: Period) -> dict:
    """Assessments started by early-years settings, of all in the period."""
    ah = assessments_in(early_help, period)
    x = int(is_early_years(ah["organisation"]).sum())
    return {"early_years": x, "assessments": len(ah), "rate": x / len(ah) if len(ah) else None}


def lead_professional_retention(early_help: pd.DataFrame, period: Period) -> dict:
    """How often the organisation that completed the assessment holds the lead professional
    role, of assessments where the lead professional agency is recorded."""
    ah = assessments_in(early_help, period)
    known = ah["lead_professional_agency"].notna()
    same = (ah.loc[known, "lead_professional_agency"].str.strip().str.lower()
            == ah.loc[known, "organisation"].fillna("").str.strip().str.lower())
    n = int(known.sum())
    return {"same_agency": int(same.sum()), "recorded": n, "rate": int(same.sum()) / n if n
            else None}
