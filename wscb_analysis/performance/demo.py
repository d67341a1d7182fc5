"""Synthetic ``indicators.csv`` and ``performance.csv`` for the demo extract (``wscb synth``).

About 25 partners' indicators across police, health, education, the local authority and the
board, quarterly from 2012-13 Q1 to 2017-18 Q4 (one monthly, three yearly), deterministic for
the seed. Where the board's 2016-17 annual report gives a figure the demo uses it:

* 26 multi-agency training events and 405 delegates in 2016-17 (section 6.3);
* 56 children at a sexual-exploitation (MASE) meeting from April to October 2016 and 132 from
  November 2016 to March 2017 (8 a month, then 26.4 a month: quarters 24, 24, 61, 79);
* 65 children open to the CSE team on 31 March 2017;
* 113 CSE-related crimes, 250 criminal investigations and 23 prosecutions in 2016-17;
* 5 cases referred for a serious case review decision and 2 reviews started in 2016-17
  (section 6.4); schools' safeguarding audit first used in summer 2016 with fewer than 10
  schools not returning it (section 6.2).
Everything else is invented, shaped so that the 2016-17 scorecard shows every variation and
assurance state. The values are the same at every ``--scale``: they stand for a partnership's
returns, not for the extract. A few rows are as messy as real returns (a row sent twice, an
id mistyped, a suppressed value), so the data-quality report has something to say.

Nothing here is real: every value is generated, and every note says so.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..profile import load_profile
from .computed import CSE_MISSING, DIVERSITY, EARLY_HELP, FRONT_DOOR, NEGLECT

#: Children aged 0-17 in the shipped profile's authority (the demo's calibration).
POPULATION_0_17_TOTAL = load_profile().population_0_17

GOVERNANCE = "Resources and governance"
FIRST_YEAR = 2012
QUARTERS = [f"{y}-{(y + 1) % 100:02d} Q{q}" for y in range(FIRST_YEAR, 2018) for q in (1, 2, 3, 4)]
YEARS = [f"{y}-{(y + 1) % 100:02d}" for y in range(FIRST_YEAR, 2018)]
MONTHS = [f"{y + (m < 4)}-{m:02d}" for y in range(FIRST_YEAR, 2018)
          for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
#: Position of 2016-17 Q4 (the demo pack's latest quarter) in QUARTERS.
Q_2016_17_Q4 = QUARTERS.index("2016-17 Q4")
NOTE = "SYNTHETIC demo value"
CATALOGUE_HEADER = ["indicator", "title", "agency", "unit", "polarity", "target",
                    "target_direction", "priority", "definition", "source", "about_children"]
PERFORMANCE_HEADER = ["indicator", "period", "value", "numerator", "denominator", "agency",
                      "note"]


def starter_catalogue() -> list[dict]:
    """The demo catalogue; ``about_children`` "no" only for events and audits."""
    def ind(indicator, title, agency, unit, polarity, priority, definition, source,
            target="", direction="", children="yes"):
        return {"indicator": indicator, "title": title, "agency": agency, "unit": unit,
                "polarity": polarity, "target": target, "target_direction": direction,
                "priority": priority, "definition": definition, "source": source,
                "about_children": children}

    la, police, health = "Local authority", "Police", "Health"
    return [
        ind("la_assessments_45_days", "Assessments completed within 45 working days", la,
            "percentage", "higher is better", FRONT_DOOR,
            "Child and family assessments completed in the quarter within 45 working days of "
            "the referral, of all completed.", "Children's social care case system", 85,
            "at least"),
        ind("la_icpc_15_days", "Initial conferences within 15 working days", la, "percentage",
            "higher is better", FRONT_DOOR,
            "Initial child protection conferences held within 15 working days of the strategy "
            "discussion, of all held in the quarter.", "Children's social care case system",
            80, "at least"),
        ind("la_cp_reviews_on_time", "Child protection reviews held on time", la,
            "percentage", "higher is better", FRONT_DOOR,
            "Review conferences held within timescale, of all held in the quarter.",
            "Safeguarding review unit", 90, "at least"),
        ind("la_strategy_to_icpc_days", "Days from strategy discussion to initial conference",
            la, "days", "lower is better", FRONT_DOOR,
            "Mean calendar days from strategy discussion to initial conference, conferences "
            "held in the quarter.", "Children's social care case system", 15, "at most"),
        ind("police_strategy_attendance", "Strategy discussions with police taking part",
            police, "percentage", "higher is better", FRONT_DOOR,
            "Strategy discussions in the quarter with a police officer taking part.",
            "Police public protection unit", 95, "at least"),
        ind("la_looked_after_rate", "Children looked after per 10,000 children", la,
            "rate per 10,000", "neither", FRONT_DOOR,
            "Children looked after at the quarter's end per 10,000 children aged 0-17 (ONS "
            "2015 mid-year estimate).", "Children's social care case system"),
        ind("police_domestic_abuse_children", "Domestic abuse incidents with children present",
            police, "count", "neither", NEGLECT,
            "Domestic abuse incidents recorded in the quarter where a child was present.",
            "Police crime and incident system"),
        ind("health_new_birth_visits", "New birth visits within 14 days", health,
            "percentage", "higher is better", NEGLECT,
            "Health visitor new birth visits within 14 days of birth, of births in the "
            "quarter.", "Health visiting service", 90, "at least"),
        ind("health_was_not_brought", "'Was not brought' appointments followed up", health,
            "percentage", "higher is better", NEGLECT,
            "Children not brought to a health appointment whose case was followed up within "
            "10 working days (recorded since 2015-16).", "Community health trust", 90,
            "at least"),
        ind("la_neglect_toolkit", "Cases assessed with the neglect toolkit", la, "count",
            "higher is better", NEGLECT,
            "Cases assessed with the neglect toolkit in the quarter (in use since 2016-17).",
            "Children's social care case system"),
        ind("health_ae_safeguarding_checks", "Under-18 A&E attendances with a safeguarding "
            "check", health, "percentage", "higher is better", NEGLECT,
            "A&E attendances of children with the safeguarding questions completed.",
            "Acute trusts", 95, "at least"),
        ind("cse_mase_children", "Children discussed at a sexual-exploitation meeting",
            "Local authority and police", "count", "neither", CSE_MISSING,
            "Children subject to a Multi-Agency Sexual Exploitation (MASE) meeting in the "
            "quarter.", "CSE team"),
        ind("cse_open_cases", "Children open to the CSE team at quarter end", la, "count",
            "neither", CSE_MISSING, "Children open to the CSE team on the quarter's last day.",
            "CSE team"),
        ind("cse_crimes", "CSE-related crimes recorded", police, "count", "neither",
            CSE_MISSING, "Crimes recorded in the quarter with a CSE flag.",
            "Police crime system"),
        ind("cse_investigations", "CSE criminal investigations", police, "count", "neither",
            CSE_MISSING, "Criminal investigations opened in the quarter with a CSE flag.",
            "Police crime system"),
        ind("cse_prosecutions", "CSE-related prosecutions", "Police and CPS", "count",
            "neither", CSE_MISSING, "Prosecutions started in the quarter for CSE-related "
            "crimes.", "Police and Crown Prosecution Service"),
        ind("police_missing_reports", "Police reports of children missing", police, "count",
            "lower is better", CSE_MISSING,
            "Missing-person reports for children recorded in the month (monthly return).",
            "Police missing persons system"),
        ind("rhi_within_72_hours", "Return home interviews within 72 hours", la,
            "percentage", "higher is better", CSE_MISSING,
            "Return home interviews held within 72 hours of the child's return, of interviews "
            "held in the quarter.", "Missing children team", 80, "at least"),
        ind("eh_plans_reviewed", "Early help plans reviewed within 12 weeks", "All partners",
            "percentage", "higher is better", EARLY_HELP,
            "Early help plans reviewed within 12 weeks of starting, of plans due a review.",
            "Early help module", 75, "at least"),
        ind("health_ethnicity_recorded", "Health safeguarding referrals with ethnicity "
            "recorded", health, "percentage", "higher is better", DIVERSITY,
            "Safeguarding referrals made by health staff with the child's ethnicity recorded.",
            "Health trusts", 95, "at least"),
        ind("training_events", "Multi-agency training events", "Safeguarding board", "count",
            "higher is better", GOVERNANCE,
            "Multi-agency training events the board delivered in the quarter.",
            "Board training records", children="no"),
        ind("training_delegates", "Delegates at multi-agency training", "Safeguarding board",
            "count", "higher is better", GOVERNANCE,
            "Delegates attending the board's multi-agency training in the quarter.",
            "Board training records", children="no"),
        ind("training_rated_good", "Delegates rating training good or better",
            "Safeguarding board", "percentage", "higher is better", GOVERNANCE,
            "Evaluation forms rating the course good or excellent, of forms returned.",
            "Board training records", 85, "at least", children="no"),
        ind("scr_referrals", "Cases referred for a serious case review decision",
            "Safeguarding board", "count", "neither", GOVERNANCE,
            "Cases referred to the Special Cases subcommittee in the year (yearly).",
            "Board case review log"),
        ind("scr_started", "Serious case reviews started", "Safeguarding board", "count",
            "neither", GOVERNANCE, "Serious case reviews the board decided to hold in the "
            "year (yearly).", "Board case review log"),
        ind("schools_audit_returned", "Schools returning the safeguarding audit", "Education",
            "percentage", "higher is better", GOVERNANCE,
            "Schools that returned the annual safeguarding audit (section 175/157), of "
            "schools asked (yearly, from 2016-17).", "Education safeguarding team", 95,
            "at least", children="no"),
        ind("lado_allegations", "Allegations against people who work with children",
            la, "count", "neither", GOVERNANCE,
            "Allegations referred to the Local Authority Designated Officer in the quarter.",
            "LADO service"),
    ]


def _series(rng: np.random.Generator) -> dict[str, list[tuple[str, float, float | None,
                                                              float | None]]]:
    """indicator -> [(period, value, numerator, denominator)] in time order."""
    n = len(QUARTERS)
    t = np.arange(n)
    out: dict[str, list] = {}

    def noise(sd: float, size: int = n) -> np.ndarray:
        return rng.normal(0, sd, size)

    def pct_rows(name: str, shares: np.ndarray, base: float, periods=QUARTERS,
                 spread: float = 0.08) -> None:
        """Percentages with numerator and denominator (denominators vary a little)."""
        dens = np.round(base * (1 + rng.uniform(-spread, spread, len(shares)))).astype(int)
        nums = np.round(np.clip(shares, 0, 100) / 100 * dens).astype(int)
        out[name] = [(p, round(100 * x / d, 1), float(x), float(d))
                     for p, x, d in zip(periods, nums, dens, strict=True)]

    def values(name: str, v: np.ndarray, periods=QUARTERS, digits: int = 1,
               counts: bool = False, pct: bool = False) -> None:
        v = np.clip(v, 0, 100 if pct else None)
        out[name] = [(p, float(round(x)) if counts else round(float(x), digits), None, None)
                     for p, x in zip(periods, v, strict=True)]

    # Front door: improving since 2015-16 Q2 (a steady rise: a trend of 7 quarters).
    rise = np.where(t >= 13, (t - 12) * 1.6, 0.0)
    pct_rows("la_assessments_45_days", 76 + rise + noise(1.2), 1100)
    # Conferences on time: steady, then a sharp fall in the latest quarter: concern.
    icpc = 88 + noise(2.0)
    icpc[Q_2016_17_Q4] = 63
    pct_rows("la_icpc_15_days", icpc, 120, spread=0.15)
    values("la_cp_reviews_on_time", 97.6 + noise(0.6), pct=True)
    values("la_strategy_to_icpc_days", 11.2 + noise(0.7))
    pct_rows("police_strategy_attendance", 82 + noise(2.2), 300)
    looked_after = np.round(690 + noise(12)).astype(int)
    out["la_looked_after_rate"] = [
        (p, round(x / POPULATION_0_17_TOTAL * 10_000, 1), float(x), float(POPULATION_0_17_TOTAL))
        for p, x in zip(QUARTERS, looked_after, strict=True)]
    values("police_domestic_abuse_children", 610 + noise(35), counts=True)
    values("health_new_birth_visits", 89 + noise(2.5), pct=True)
    # Recorded since 2015-16: 8 quarters by 2016-17 (trial limits).
    since = QUARTERS.index("2015-16 Q1")
    pct_rows("health_was_not_brought", 82 + noise(2.5, n - since), 160,
             periods=QUARTERS[since:])
    since = QUARTERS.index("2016-17 Q1")
    values("la_neglect_toolkit", 40 + 12 * np.arange(n - since) + noise(4, n - since),
           periods=QUARTERS[since:], counts=True)
    values("health_ae_safeguarding_checks", 93 + noise(1.8), pct=True)
    # MASE: about 20 a quarter, then the report's 24, 24, 61, 79 and a new normal.
    mase = np.round(20 + noise(3)).astype(float)
    mase[QUARTERS.index("2016-17 Q1"):Q_2016_17_Q4 + 1] = [24, 24, 61, 79]
    mase[Q_2016_17_Q4 + 1:] = np.round(76 + noise(5, n - Q_2016_17_Q4 - 1))
    values("cse_mase_children", mase, counts=True)
    cse_open = np.round(57 + noise(4)).astype(float)
    cse_open[Q_2016_17_Q4] = 65
    values("cse_open_cases", cse_open, counts=True)
    # Crimes, investigations, prosecutions: the report's 2016-17 totals, fewer before.
    yearly = {"cse_crimes": ([14, 17, 21, 24], [26, 28, 29, 30]),
              "cse_investigations": ([40, 44, 50, 55], [60, 62, 63, 65]),
              "cse_prosecutions": ([3, 4, 4, 5], [5, 6, 6, 6])}
    for name, (levels, last_year) in yearly.items():
        v = np.concatenate([np.round(lv + noise(lv * 0.08, 4)) for lv in levels]
                           + [np.array(last_year, float)]
                           + [np.round(np.array(last_year) * 1.05 + noise(2, 4))])
        values(name, np.maximum(v, 0), counts=True)
    # Police missing reports, monthly: rising from 2015-16 (more awareness): concern.
    m = np.arange(len(MONTHS))
    values("police_missing_reports", 150 + np.where(m >= 36, (m - 35) * 4.5, 0)
           + rng.normal(0, 9, len(MONTHS)), periods=MONTHS, counts=True)
    # Return home interviews: extra resource in 2016-17 lifts timeliness: improvement.
    rhi = 62 + noise(2.5)
    rhi[QUARTERS.index("2016-17 Q1"):] += 17
    pct_rows("rhi_within_72_hours", rhi, 250)
    values("eh_plans_reviewed", 74 + noise(2.5), pct=True)
    values("health_ethnicity_recorded", 80 + noise(1.5), pct=True)
    events = np.round(6.5 + noise(0.8)).astype(float)
    events[QUARTERS.index("2016-17 Q1"):Q_2016_17_Q4 + 1] = [6, 7, 6, 7]
    values("training_events", events, counts=True)
    delegates = np.round(100 + noise(9)).astype(float)
    delegates[QUARTERS.index("2016-17 Q1"):Q_2016_17_Q4 + 1] = [95, 110, 98, 102]
    values("training_delegates", delegates, counts=True)
    values("training_rated_good", 94 + noise(1.2), pct=True)
    values("scr_referrals", np.array([3, 4, 2, 6, 5, 4.0]), periods=YEARS, counts=True)
    values("scr_started", np.array([1, 2, 1, 2, 2, 1.0]), periods=YEARS, counts=True)
    out["schools_audit_returned"] = [("2016-17", round(100 * 238 / 245, 1), 238.0, 245.0),
                                     ("2017-18", round(100 * 242 / 245, 1), 242.0, 245.0)]
    values("lado_allegations", 45 + noise(6), counts=True)
    return out


def _messy(rows: list[dict], rng: np.random.Generator) -> list[dict]:
    """A row sent twice, an id mistyped and a value suppressed by the sender."""
    out = list(rows)
    out.append(dict(rows[int(rng.integers(len(rows)))]))
    typo = next(r for r in rows if r["indicator"] == "cse_crimes" and r["period"] ==
                "2017-18 Q4")
    out.append({**typo, "indicator": "cse_crime"})
    small = next(r for r in rows if r["indicator"] == "lado_allegations" and r["period"] ==
                 "2017-18 Q4")
    small["value"] = "c"
    return out


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def write_performance_demo(out: Path | str, seed: int = 2017,
                           write: Callable[[Path, list[str], list[dict]], None] | None = None
                           ) -> dict[str, int]:
    """Write ``indicators.csv`` and ``performance.csv`` to ``out``; returns rows written per
    file (as :class:`~wscb_analysis.synth.SynthSummary` counts them)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2016_17]))
    catalogue = [{**c, "source": f"{c['source']} (SYNTHETIC demo)"} for c in starter_catalogue()]
    agency = {c["indicator"]: c["agency"] for c in catalogue}
    series = _series(rng)
    rows = [{"indicator": name, "period": p, "value": _fmt(v), "numerator": _fmt(x),
             "denominator": _fmt(d), "agency": agency[name], "note": NOTE}
            for c in catalogue for name in [c["indicator"]] for p, v, x, d in series[name]]
    rows = _messy(rows, rng)
    write = write or _write_csv
    write(out / "indicators.csv", CATALOGUE_HEADER, catalogue)
    write(out / "performance.csv", PERFORMANCE_HEADER, rows)
    return {"indicators": len(catalogue), "performance": len(rows)}


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, quoting=csv.QUOTE_MINIMAL)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})


__all__ = ["starter_catalogue", "write_performance_demo"]
