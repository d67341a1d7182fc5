"""Working days and the journey's counts, worked by hand on a calendar."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wscb_analysis.metrics.journey import (
    assessment_timeliness,
    icpc_timeliness,
    journey_figures,
)
from wscb_analysis.periods import financial_year
from wscb_analysis.workdays import bank_holidays, working_days


def test_working_days_skip_weekends_and_englands_bank_holidays():
    got = working_days(
        ["2017-04-03", "2016-12-23", "2017-04-13", "2022-09-16", "2023-05-05", "2017-03-31",
         "2017-04-01", None],
        ["2017-04-03", "2016-12-28", "2017-04-18", "2022-09-20", "2023-05-09", "2017-03-25",
         "2017-04-03", "2017-04-03"])
    # Same day: 0 (the start day is not counted). Fri 23/12/2016 to Wed 28/12/2016: the 26th
    # and 27th were bank holidays (Christmas Day fell on a Sunday), so only the 28th: 1.
    # Thu 13/04/2017 to Tue 18/04/2017: Good Friday and Easter Monday, so only the 18th: 1.
    # Fri 16/09/2022 to Tue 20/09/2022: Mon 19th was the Queen's state funeral: 1.
    # Fri 05/05/2023 to Tue 09/05/2023: Mon 8th was the coronation bank holiday: 1.
    # An end before its start: unknown. Sat 01/04/2017 to Mon 03/04/2017: 1. A blank: unknown.
    assert np.array_equal(got[:5], [0, 1, 1, 1, 1])
    assert np.isnan(got[5]) and got[6] == 1 and np.isnan(got[7])


def test_bank_holidays_come_from_the_holidays_package():
    days = set(bank_holidays(2012, 2012).astype(str))
    # The Diamond Jubilee (5 June 2012) and the Spring bank holiday moved to 4 June.
    assert {"2012-06-04", "2012-06-05", "2012-12-25", "2012-12-26"} <= days


def _assessments(rows):
    return pd.DataFrame({"assessment_start": pd.to_datetime([r[0] for r in rows]),
                         "assessment_authorised": pd.to_datetime([r[1] for r in rows])})


def test_c2_bands_and_the_45_day_limit():
    # Starts on Monday 3 April 2017 (Good Friday 14th and Easter Monday 17th follow), so
    # authorised on 03/04 is 0 working days; 04/04 is 1; 18/04 is 9 (4-7: 4, 10-13: 4,
    # 18: 1); 19/04 is 10; 20/04 is 11; 07/06 is 43 (April 4-28 less the two holidays: 17;
    # May less the 1st and 29th: 21; 1-7 June: 5); 09/06 is 45; 12/06 is 46.
    rows = [("2017-04-03", d) for d in ("2017-04-03", "2017-04-04", "2017-04-18",
                                         "2017-04-19", "2017-04-20", "2017-06-07",
                                         "2017-06-09", "2017-06-12")]
    rows.append(("2017-03-01", "2017-03-01"))  # completed in 2016-17: not counted
    frame = _assessments(rows)
    bands = assessment_timeliness(frame, financial_year("2017-18"))
    assert bands == {"Started and finished the same day": 1, "1-10 days": 3,
                     "11-20 days": 1, "21-30 days": 0, "31-40 days": 0, "41-45 days": 2,
                     "46-50 days": 1, "51-60 days": 0, "61+ days": 0}
    figures = journey_figures({"assessments": frame}, financial_year("2017-18"))
    assert figures["assessments_completed"] == 8
    assert figures["assessments_within_45_working_days"] == 7
    assert figures["assessments_started"] == 8
    # Not supplied: None, never 0.
    assert figures["contacts"] is None and figures["s47_started"] is None


def test_c4_bands_and_the_15_day_limit():
    # Enquiries from Monday 8 January 2018: conference on 29/01 = 15 working days (9-12: 4,
    # 15-19: 5, 22-26: 5, 29: 1), 30/01 = 16, 22/01 = 10, 05/02 = 20, 06/02 = 21.
    s47 = pd.DataFrame({
        "s47_start": pd.to_datetime(["2018-01-08"] * 5 + ["2018-01-10"]),
        "icpc_date": pd.to_datetime(["2018-01-29", "2018-01-30", "2018-01-22", "2018-02-05",
                                     "2018-02-06", None])})
    assert icpc_timeliness(s47, financial_year("2017-18")) == {
        "0-10 days": 1, "11-15 days": 1, "16-20 days": 2, "21+ days": 1}
    figures = journey_figures({"s47": s47}, financial_year("2017-18"))
    assert (figures["s47_started"], figures["icpc_held"],
            figures["icpc_within_15_working_days"]) == (6, 5, 2)
    # Without the conference date's column the conference figures are not held.
    none = journey_figures({"s47": s47}, financial_year("2017-18"), {"s47": {"icpc_date"}})
    assert none["icpc_held"] is None and none["s47_started"] == 6


def test_a_childs_ethnicity_and_disability_from_any_list():
    from wscb_analysis.metrics.journey import child_characteristics

    d = pd.to_datetime
    frames = {
        # List 3 has no disability field; K2's referral gives no ethnicity (NOBT).
        "referrals": pd.DataFrame({"child_id": ["K1", "K2", "K3"],
                                   "ethnicity": ["WBRI", "NOBT", ""],
                                   "referral_date": d(["2017-04-03"] * 3)}),
        # K1 recorded disabled on an assessment and not disabled on a plan: disabled.
        # K2 recorded not disabled: not disabled, and its later record gives APKN.
        "assessments": pd.DataFrame({"child_id": ["K1", "K2"], "ethnicity": ["WBRI", "APKN"],
                                     "disability": pd.array([True, False], dtype="boolean"),
                                     "assessment_start": d(["2017-04-04", "2017-04-05"])}),
        "cp_plans": pd.DataFrame({"child_id": ["K1"], "ethnicity": ["WBRI"],
                                  "disability": pd.array([False], dtype="boolean"),
                                  "start_date": d(["2017-05-01"])}),
        "s47": None,
    }
    got = child_characteristics(frames).set_index("child_id")
    assert got.loc["K1", "disability"] == True  # noqa: E712
    assert got.loc["K2", "disability"] == False  # noqa: E712
    # K3 appears only in List 3: not recorded, never "not disabled"; no ethnicity recorded.
    assert pd.isna(got.loc["K3", "disability"]) and got.loc["K3", "ethnicity"] == ""
    assert got.loc["K2", "ethnicity"] == "APKN"


def test_children_in_need_at_31_march():
    from wscb_analysis.metrics.journey import children_in_need_at

    cin = pd.DataFrame({"child_id": ["A", "A", "B", "C", "D"],
                        "cin_start": pd.to_datetime(["2016-05-01", "2017-01-01", "2017-03-31",
                                                     "2017-02-01", "2017-04-01"]),
                        "cin_closure": pd.to_datetime([None, None, None, "2017-03-31", None])})
    # A (two open episodes, one child), B (referred that day): 2; C closed on the day and D
    # starts the day after.
    assert children_in_need_at(cin, "2017-03-31") == 2
