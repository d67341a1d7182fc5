"""The scorecard table on a hand-made folder: latest period, a year before, the points the
limits come from (every point of the latest segment), rebases (the catalogue's and the
profile's events), indicators with no values, computed indicators beside partners', and the
column map reaching the computed indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wscb_analysis.errors import ExtractError
from wscb_analysis.performance import scorecard
from wscb_analysis.performance.scorecard import authority_name, load_scorecard
from wscb_analysis.profile import ProfileError

from .conftest import CATALOGUE, write

QUARTERS = [f"{y}-{(y + 1) % 100:02d} Q{q}" for y in range(2011, 2018) for q in (1, 2, 3, 4)]
# 2014-15 Q1 to 2016-17 Q4: mean 81.5, limits 81.5 -/+ 2.66 x 15/11 = 77.873 to 85.127
# (the STEADY series of test_mdc plus 70): common cause; the target 85 lies between the
# limits, so hit and miss.
TIMELY = [80, 82, 81, 83, 82, 81, 80, 82, 81, 83, 82, 81]
# Children at MASE, same quarters: ends far above its limits (UPL 20.82), no better direction.
MASE = [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 30]


def performance_csv() -> str:
    lines = ["indicator,period,value,numerator,denominator,agency,note"]
    start = QUARTERS.index("2014-15 Q1")
    for i, (t, m) in enumerate(zip(TIMELY, MASE, strict=True)):
        lines.append(f"timely,{QUARTERS[start + i]},{t},,,,")
        lines.append(f"mase,{QUARTERS[start + i]},{m},,,,")
    # Training events every quarter 2011-12 Q1 to 2017-18 Q4 (28): 6, 7, 8, 7, ...
    for i, q in enumerate(QUARTERS):
        lines.append(f"events,{q},{[6, 7, 8, 7][i % 4]},,,,")
    # Days to conference stopped after 2015-16 Q4; looked-after rate has no rows at all.
    for q in QUARTERS[QUARTERS.index("2014-15 Q1"):QUARTERS.index("2015-16 Q4") + 1]:
        lines.append(f"days,{q},12,,,,")
    return "\n".join(lines) + "\n"


@pytest.fixture
def table(folder):
    write(folder, "performance.csv", performance_csv())
    return scorecard(folder, "2016-17").set_index("indicator")


def test_latest_and_a_year_before(table):
    t = table.loc["timely"]
    assert (t["period"], t["value"]) == ("2016-17 Q4", 81)
    assert (t["previous_year_period"], t["previous_year_value"]) == ("2015-16 Q4", 82)
    assert t["up_to_date"] and t["points"] == 12 and not t["trial_limits"]
    assert (t["variation"], t["assurance"]) == ("common cause", "hit and miss")
    assert (t["lpl"], t["upl"]) == pytest.approx((81.5 - 2.66 * 15 / 11, 81.5 + 2.66 * 15 / 11))
    assert t["origin"] == "partner" and t["chart"] == "XmR"


def test_special_cause_without_a_better_direction(table):
    m = table.loc["mase"]
    assert (m["variation"], m["direction"], m["rule"]) == ("special cause neither", "high",
                                                           "outside limits")
    assert m["assurance"] == "no target"


def test_limits_from_every_point_of_the_segment(table):
    e = table.loc["events"]
    # 24 quarters held up to 2016-17 Q4 (28 in all), no rebase: all 24 give the limits (never
    # a rolling window of the latest few). 6, 7, 8, 7 repeating: mean 7, every moving range
    # 1, limits 7 -/+ 2.66.
    assert e["points"] == 24 and e["period"] == "2016-17 Q4" and e["limits_from"] == ""
    assert (e["mean"], e["lpl"], e["upl"]) == pytest.approx((7, 4.34, 9.66))


def test_not_updated_and_never_supplied(table):
    d = table.loc["days"]
    assert d["period"] == "2015-16 Q4" and not d["up_to_date"]
    assert d["variation"] == "common cause" and d["assurance"] == "consistently met"
    lac = table.loc["lac"]
    assert pd.isna(lac["period"]) and np.isnan(lac["value"]) and lac["points"] == 0
    assert lac["variation"] == "too few points"


def test_a_quarter_asked(folder):
    write(folder, "performance.csv", performance_csv())
    t = scorecard(folder, "2016-17", "Q2").set_index("indicator").loc["timely"]
    # 2016-17 Q2 is the tenth quarter from 2014-15 Q1 (value 83): 10 points, trial limits.
    assert (t["period"], t["value"], t["points"], t["trial_limits"]) == ("2016-17 Q2", 83,
                                                                         10, True)
    assert t["previous_year_value"] == 81  # 2015-16 Q2, the sixth quarter


def test_a_rebase_in_the_catalogue(tmp_path):
    folder = tmp_path / "r"
    write(folder, "indicators.csv", CATALOGUE.replace(
        "about_children\n", "about_children,rebase\n").replace(
        "Children discussed,CSE team,yes", "Children discussed,CSE team,yes,2016-17 Q1"))
    write(folder, "performance.csv", performance_csv())
    m = scorecard(folder, "2016-17").set_index("indicator").loc["mase"]
    # New limits from 2016-17 Q1: four points since, too few to judge.
    assert (m["variation"], m["points"]) == ("too few points", 4)
    assert m["limits_from"] == "2016-17 Q1" and "2016-17 Q1" in m["rebase_why"]


def test_computed_indicators_beside_partners(folder):
    write(folder, "performance.csv", performance_csv())
    write(folder, "referrals.csv", "Child Unique ID,Date of referral\n" + "".join(
        f"{i},{d:02d}/{m:02d}/2016\n" for i, (d, m) in enumerate(
            [(1, 4), (20, 5), (30, 6), (1, 7), (15, 8), (30, 9)])))
    data = load_scorecard(folder, "2016-17")
    t = data.table.set_index("indicator")
    assert t.loc["referrals", "origin"] == "computed"
    # Referrals 1 April to 30 September 2016: 3 in Q1, 3 in Q2; Q3 and Q4 are not held.
    assert (t.loc["referrals", "period"], t.loc["referrals", "value"]) == ("2016-17 Q2", 3)
    assert not t.loc["referrals", "up_to_date"]
    # Priorities in the catalogue's order, computed ones after.
    assert list(dict.fromkeys(data.table["priority"]))[:3] == ["Front door", "Governance", "CSE"]


def test_a_folder_with_no_extract_says_so(table, folder):
    data = load_scorecard(folder, "2016-17")
    assert data.notes and "No indicator could be computed" in data.notes[0]
    assert set(data.table["origin"]) == {"partner", "computed"}
    assert data.table.loc[data.table["origin"] == "computed", "period"].isna().all()


def test_authority_from_the_profile(tmp_path):
    assert authority_name(None) == "Warwickshire"
    profile = write(tmp_path, "p.toml", '[partnership]\nname = "X Board"\nauthority = "Rutland"'
                    '\nla_code = "E06000017"\n')
    assert authority_name(profile) == "Rutland"
    bad = write(tmp_path, "b.toml", '[partnership]\nname = "X"\nla_code = "E06000017"\n')
    with pytest.raises(ProfileError, match="authority"):
        authority_name(bad)


# Referrals per quarter, 2014-15 Q1 to 2017-18 Q4: eight quarters around 11, then around 31.
REFERRALS = [10, 12, 11, 13, 12, 11, 10, 12, 30, 32, 31, 33, 32, 31, 30, 32]


def _referrals_csv(header: str = "Date of referral") -> str:
    """REFERRALS, each quarter's spread from its first day to its 90th, so the source holds
    every quarter whole."""
    from datetime import date, timedelta

    rows = []
    child = 0
    for k, n in enumerate(REFERRALS):
        year, q = 2014 + k // 4, k % 4
        start = date(year, 4 + 3 * q, 1) if q < 3 else date(year + 1, 1, 1)
        for i in range(n):
            child += 1
            day = start + timedelta(days=round(i * 89 / (n - 1)))
            rows.append(f"{child},{day:%d/%m/%Y}\n")
    return f"Child Unique ID,{header}\n" + "".join(rows)


def test_the_profile_event_rebases_the_referrals_row(tmp_path):
    folder = tmp_path / "mash"
    write(folder, "indicators.csv", CATALOGUE)
    write(folder, "performance.csv", performance_csv())
    write(folder, "referrals.csv", _referrals_csv())
    t = scorecard(folder, "2017-18").set_index("indicator")
    r = t.loc["referrals"]
    # The shipped profile: the MASH opened in May 2016 and affects referrals (rebase = true).
    # New limits start at the first quarter beginning on or after 1 May 2016, 2016-17 Q2; Q1
    # (30, two months of it after the opening) stays with the points before. Latest segment
    # 2016-17 Q2 to 2017-18 Q4: 32, 31, 33, 32, 31, 30, 32: mean 221 / 7 = 31.571, moving
    # ranges 1,2,1,1,1,2 -> AMR 8 / 6, limits 31.571 -/+ 3.547: common cause, on trial limits
    # (7 points).
    assert r["limits_from"] == "2016-17 Q2" and "MASH" in r["rebase_why"]
    assert r["points"] == 7 and r["trial_limits"] and r["variation"] == "common cause"
    assert r["mean"] == pytest.approx(221 / 7)
    assert (r["lpl"], r["upl"]) == pytest.approx((221 / 7 - 2.66 * 8 / 6, 221 / 7 + 2.66 * 8 / 6))
    # The event affects referrals only: the partners' indicators keep all their points.
    assert t.loc["events", "limits_from"] == ""


def test_the_column_map_reaches_the_computed_indicators(tmp_path):
    folder = tmp_path / "mapped"
    write(folder, "indicators.csv", CATALOGUE)
    write(folder, "performance.csv", performance_csv())
    write(folder, "referrals.csv", _referrals_csv("Contact Date"))
    unmapped = scorecard(folder, "2017-18").set_index("indicator")
    assert pd.isna(unmapped.loc["referrals", "period"])  # no referral date read: no value
    mapped = scorecard(folder, "2017-18", column_map={"Contact Date": "referral_date"})
    assert mapped.set_index("indicator").loc["referrals", "value"] == 32


def test_the_demo_folder_must_have_been_written(tmp_path, monkeypatch):
    from wscb_analysis import config

    monkeypatch.setattr(config, "DEMO_EXTRACT_DIR", tmp_path / "nowhere")
    with pytest.raises(ExtractError, match="wscb demo"):
        scorecard("demo", "2016-17")
