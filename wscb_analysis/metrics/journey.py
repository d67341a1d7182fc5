"""The child's journey: contacts, referrals, assessments, section 47 enquiries, initial child
protection conferences and plans in a period (DfE "Characteristics of children in need"
tables A1, A2, C1, C2, C4; Annex A Lists 1, 3, 4, 5, 7; the CIN census).

Counting rules (CONTRACT.md, DEFINITIONS.md):

* a contact, referral, section 47 enquiry or plan belongs to the period its start date falls
  in; a referral ends in no further action when its NFA field is true;
* an assessment is started in the period of its start date and completed in the period of its
  authorisation date; its duration is in working days (:mod:`wscb_analysis.workdays`: the
  days after the start day up to and including the authorisation day, skipping weekends and
  England's bank holidays), in DfE's table C2 bands; "within 45 working days" counts completed
  assessments of at most 45 (Working Together's maximum);
* an initial child protection conference is held in the period of its date; "within 15
  working days" counts those held at most 15 working days after the section 47 enquiry
  started (DfE table C4). Conferences for children transferred in from another authority
  (the census' ``CINdetails/DateOfInitialCPC`` without a section 47 enquiry) are not counted
  here: the journey follows this authority's own enquiries.

A stage whose source the extract does not hold for the period, or whose field it lacks, is
None (never 0). Counts are whole numbers of records (not children).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..periods import Period, in_period
from ..workdays import working_days

#: DfE table C2's bands of completed assessments by working days, with each band's largest
#: number of working days (the last band has none).
C2_BANDS = (("Started and finished the same day", 0), ("1-10 days", 10), ("11-20 days", 20),
            ("21-30 days", 30), ("31-40 days", 40), ("41-45 days", 45), ("46-50 days", 50),
            ("51-60 days", 60), ("61+ days", None))
#: DfE table C4's bands of working days from a section 47 enquiry's start to its conference.
C4_BANDS = (("0-10 days", 10), ("11-15 days", 15), ("16-20 days", 20), ("21+ days", None))
#: Working Together's limits (working days).
ASSESSMENT_LIMIT = 45
ICPC_LIMIT = 15

JOURNEY_KEYS = ("contacts", "referrals", "referrals_nfa", "assessments_started",
                "assessments_completed", "assessments_within_45_working_days", "s47_started",
                "icpc_held", "icpc_within_15_working_days", "cp_plans_started")


def _count(frame: pd.DataFrame | None, column: str, period: Period) -> int | None:
    if frame is None or column not in frame:
        return None
    return int(in_period(frame[column], period).sum())


def _bands(days: np.ndarray, bands) -> dict[str, int]:
    out, lower = {}, -1
    for name, upper in bands:
        hit = days > lower if upper is None else (days > lower) & (days <= upper)
        out[name] = int(hit.sum())
        lower = upper if upper is not None else lower
    return out


def completed_assessment_days(assessments: pd.DataFrame, period: Period) -> np.ndarray:
    """Working days each assessment authorised in the period took (NaN where unknown)."""
    done = assessments.loc[in_period(assessments["assessment_authorised"], period)]
    return working_days(done["assessment_start"], done["assessment_authorised"])


def icpc_days(s47: pd.DataFrame, period: Period) -> np.ndarray:
    """Working days from each section 47 enquiry's start to its conference, for conferences
    held in the period (NaN where unknown)."""
    held = s47.loc[in_period(s47["icpc_date"], period)]
    return working_days(held["s47_start"], held["icpc_date"])


def assessment_timeliness(assessments: pd.DataFrame, period: Period) -> dict[str, int]:
    """Assessments completed in the period by working days, in DfE table C2's bands."""
    days = completed_assessment_days(assessments, period)
    return _bands(days[~np.isnan(days)], C2_BANDS)


def icpc_timeliness(s47: pd.DataFrame, period: Period) -> dict[str, int]:
    """Conferences held in the period by working days since the enquiry began (DfE C4)."""
    days = icpc_days(s47, period)
    return _bands(days[~np.isnan(days)], C4_BANDS)


def journey_figures(frames: Mapping[str, pd.DataFrame | None], period: Period,
                    absent: Mapping[str, set[str]] | None = None) -> dict:
    """The figures JSON's ``journey`` block for ``period`` (CONTRACT.md).

    ``frames`` maps ``contacts``, ``referrals``, ``assessments``, ``s47`` and ``cp_plans`` to
    their canonical frames, or to None where the extract does not hold that source for the
    period; ``absent`` names, per source, the optional fields the extract lacks (their
    figures are None)."""
    absent = absent or {}

    def frame(name: str, *needs: str) -> pd.DataFrame | None:
        f = frames.get(name)
        if f is None or any(n in absent.get(name, set()) for n in needs):
            return None
        return f

    out = dict.fromkeys(JOURNEY_KEYS)
    out["contacts"] = _count(frame("contacts"), "contact_date", period)
    out["referrals"] = _count(frame("referrals"), "referral_date", period)
    ref = frame("referrals", "nfa")
    if ref is not None:
        in_p = ref.loc[in_period(ref["referral_date"], period), "nfa"]
        out["referrals_nfa"] = int(in_p.fillna(False).astype(bool).sum())
    out["assessments_started"] = _count(frame("assessments"), "assessment_start", period)
    done = frame("assessments", "assessment_authorised")
    if done is not None:
        days = completed_assessment_days(done, period)
        out["assessments_completed"] = len(days)
        out["assessments_within_45_working_days"] = int((days <= ASSESSMENT_LIMIT).sum())
    out["s47_started"] = _count(frame("s47"), "s47_start", period)
    icpc = frame("s47", "icpc_date")
    if icpc is not None:
        days = icpc_days(icpc, period)
        out["icpc_held"] = len(days)
        out["icpc_within_15_working_days"] = int((days <= ICPC_LIMIT).sum())
    out["cp_plans_started"] = _count(frame("cp_plans"), "start_date", period)
    return out


#: The date that places a record of each source in time (for a child's latest ethnicity).
_EVENT = {"contacts": "contact_date", "referrals": "referral_date",
          "children_in_need": "cin_start", "assessments": "assessment_start",
          "s47": "s47_start", "cp_plans": "start_date", "early_help": "assessment_start"}


def child_characteristics(frames: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Each child's ethnicity and disability from every list or return that records them
    (DEFINITIONS.md): one row per ``child_id`` with ``ethnicity`` (the code of the child's
    latest record that gives one; blank and NOBT give none, REFU is recorded as refused; "" when
    no record gives one) and ``disability`` (True when any record says disabled, False when
    some record says not and none says disabled, <NA> "not recorded" when none says either:
    never read as not disabled). Lists 1 and 3 carry no disability field."""
    parts = []
    for name, frame in frames.items():
        if frame is None or not len(frame) or name not in _EVENT:
            continue
        parts.append(pd.DataFrame({
            "child_id": frame["child_id"].astype(str).to_numpy(),
            "date": frame[_EVENT[name]].to_numpy(),
            "ethnicity": frame["ethnicity"].astype(object).to_numpy() if "ethnicity" in frame
            else None,
            "disability": frame["disability"].astype("boolean").to_numpy()
            if "disability" in frame else pd.array([pd.NA] * len(frame), dtype="boolean")}))
    if not parts:
        return pd.DataFrame({"child_id": pd.Series(dtype=str), "ethnicity": pd.Series(dtype=str),
                             "disability": pd.Series(dtype="boolean")})
    all_ = pd.concat(parts, ignore_index=True)
    children = pd.Index(all_["child_id"].unique(), name="child_id")
    eth = all_.loc[all_["ethnicity"].notna() & ~all_["ethnicity"].isin(["", "NOBT"])]
    eth = eth.sort_values("date", kind="stable").groupby("child_id")["ethnicity"].last()
    dis = all_["disability"]
    yes = all_.loc[dis.fillna(False).astype(bool), "child_id"].unique()
    no = all_.loc[(dis == False).fillna(False).astype(bool), "child_id"].unique()  # noqa: E712
    disability = pd.Series(pd.NA, index=children, dtype="boolean")
    disability[disability.index.isin(no)] = False
    disability[disability.index.isin(yes)] = True
    return pd.DataFrame({"ethnicity": eth.reindex(children).fillna("").to_numpy(),
                         "disability": disability.to_numpy()},
                        index=children).reset_index()


def children_in_need_at(cin: pd.DataFrame, day) -> int:
    """Children (distinct) in need on ``day`` (31 March for DfE's "at 31 March"): an episode
    started on or before it and not closed by it (a closure that day has ended it)."""
    d = np.datetime64(pd.Timestamp(day).date(), "D")
    start = cin["cin_start"].to_numpy().astype("datetime64[D]")
    end = cin["cin_closure"].to_numpy().astype("datetime64[D]")
    open_ = (start <= d) & (np.isnat(end) | (end > d))
    return int(cin.loc[open_, "child_id"].nunique())


__all__ = ["C2_BANDS", "C4_BANDS", "JOURNEY_KEYS", "assessment_timeliness",
           "child_characteristics", "children_in_need_at", "completed_assessment_days",
           "icpc_days", "icpc_timeliness", "journey_figures"]
