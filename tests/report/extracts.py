"""Tiny hand-made extracts, written as an analyst's CSV files, for the report tests.

Each writer takes plain rows (dates as ``date`` objects) and the columns to leave out, so a
test says exactly what the extract holds and every expected figure can be counted by hand.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

REFERRAL_COLUMNS = ("Child Unique ID", "Ethnicity", "Date of Referral", "Referral Source",
                    "Referral NFA?", "District", "First Language", "Religion")
PLAN_COLUMNS = ("Child Unique ID", "Child Protection Plan Start Date",
                "Initial Category of Abuse", "Child Protection Plan End Date",
                "Number of Previous Child Protection Plans", "District")
HELP_COLUMNS = ("Child Unique ID", "Assessment start date", "Assessment completion date",
                "Organisation completing assessment", "Lead Professional Agency")
MISSING_COLUMNS = ("Child ID", "Start", "End", "Type", "Looked After", "RHI Offered",
                   "RHI Accepted", "District")


def dmy(d: date | None) -> str:
    return "" if d is None else d.strftime("%d/%m/%Y")


def write_csv(folder: Path, name: str, columns: Sequence[str], rows: Iterable[dict],
              drop: Sequence[str] = ()) -> Path:
    """Write ``rows`` (dicts keyed by column) with the columns not in ``drop`` (and any
    column a row adds, such as "Number of Referrals in Last 12 Months")."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = list(rows)
    extra = [k for r in rows for k in r if k not in columns]
    keep = [c for c in [*columns, *dict.fromkeys(extra)] if c not in drop]
    path = folder / name
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(keep)
        for row in rows:
            w.writerow([dmy(row.get(c)) if isinstance(row.get(c), date) else row.get(c, "")
                        for c in keep])
    return path


def referral(child: str, when: date, ethnicity: str = "WBRI", source: str = "2A",
             nfa: str = "N", district: str = "Rugby", language: str = "English",
             religion: str = "None stated", last12: int | None = None) -> dict:
    row = {"Child Unique ID": child, "Ethnicity": ethnicity, "Date of Referral": when,
           "Referral Source": source, "Referral NFA?": nfa, "District": district,
           "First Language": language, "Religion": religion}
    if last12 is not None:
        row["Number of Referrals in Last 12 Months"] = last12
    return row


def plan(child: str, start: date, end: date | None = None, category: str = "Neglect",
         previous: int = 0, district: str = "Rugby") -> dict:
    return {"Child Unique ID": child, "Child Protection Plan Start Date": start,
            "Initial Category of Abuse": category, "Child Protection Plan End Date": end,
            "Number of Previous Child Protection Plans": previous, "District": district}


def assessment(child: str, start: date, organisation: str = "Primary school",
               lead: str = "Primary school") -> dict:
    return {"Child Unique ID": child, "Assessment start date": start,
            "Assessment completion date": start + timedelta(days=14),
            "Organisation completing assessment": organisation,
            "Lead Professional Agency": lead}


def episode(child: str, start: date, end: date | None = None, kind: str = "Missing",
            looked_after: str = "N", offered: str = "Y", accepted: str = "N",
            district: str = "Rugby") -> dict:
    return {"Child ID": child, "Start": start, "End": end, "Type": kind,
            "Looked After": looked_after, "RHI Offered": offered, "RHI Accepted": accepted,
            "District": district}


def months(first: date, last: date) -> list[date]:
    """The first day of each month from ``first``'s month to ``last``'s."""
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
