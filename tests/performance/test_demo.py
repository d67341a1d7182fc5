"""The demo's performance files: deterministic, labelled synthetic, the annual report's own
figures where it gives them, and every variation and assurance state in 2016-17."""

from __future__ import annotations

import csv
import hashlib

import pytest

from wscb_analysis.performance import load_performance, scorecard
from wscb_analysis.performance.demo import write_performance_demo
from wscb_analysis.performance.mdc import ASSURANCE_STATES, VARIATION_STATES
from wscb_analysis.synth import write_synthetic_extract


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("perf-demo")
    write_performance_demo(out, seed=2017)
    return out


def rows(folder) -> list[dict]:
    with open(folder / "performance.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def value(folder, indicator: str, period: str) -> float:
    return sum(float(r["value"]) for r in rows(folder)
               if r["indicator"] == indicator and r["period"] == period)


def year_total(folder, indicator: str, year: str = "2016-17") -> float:
    return sum(value(folder, indicator, f"{year} Q{q}") for q in (1, 2, 3, 4))


def test_written_by_wscb_synth_and_deterministic(tmp_path, demo):
    summary = write_synthetic_extract(tmp_path / "a", scale=0.05, seed=2017)
    assert summary.rows["indicators"] == 27 and summary.rows["performance"] == 612

    def digest(folder):
        return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest()
                for n in ("indicators.csv", "performance.csv")}
    assert digest(tmp_path / "a") == digest(demo)  # the same at any scale, for the seed
    write_performance_demo(tmp_path / "b", seed=1)
    assert digest(tmp_path / "b")["performance.csv"] != digest(demo)["performance.csv"]


def test_the_annual_reports_figures(demo):
    # Section 6.3: 26 training events and 405 delegates in 2016-17.
    assert year_total(demo, "training_events") == 26
    assert year_total(demo, "training_delegates") == 405
    # CSE section: 56 children at MASE from April to October 2016 (8 a month: 24, 24, and 8
    # of Q3's 61) and 132 from November to March (53 of Q3 and all 79 of Q4).
    mase = [value(demo, "cse_mase_children", f"2016-17 Q{q}") for q in (1, 2, 3, 4)]
    assert mase == [24, 24, 61, 79] and 24 + 24 + 8 == 56 and (61 - 8) + 79 == 132
    assert value(demo, "cse_open_cases", "2016-17 Q4") == 65  # on 31 March 2017
    assert year_total(demo, "cse_crimes") == 113
    assert year_total(demo, "cse_investigations") == 250
    assert year_total(demo, "cse_prosecutions") == 23
    # Section 6.4: 5 cases referred for a decision, 2 serious case reviews started.
    assert value(demo, "scr_referrals", "2016-17") == 5
    assert value(demo, "scr_started", "2016-17") == 2


def test_labelled_synthetic_and_accounted_for(demo):
    assert {r["note"] for r in rows(demo) if r["note"]} == {"SYNTHETIC demo value"}
    perf, cat = load_performance(demo)
    assert all("SYNTHETIC" in s for s in cat.data["source"])
    # A row sent twice, a mistyped id and a suppressed value, as real returns have.
    assert (perf.rows_in, perf.rows_kept, perf.duplicates, perf.rows_set_aside) == (612, 609,
                                                                                    1, 2)
    assert perf.accounts() and cat.rows_set_aside == 0
    agencies = set(cat.data["agency"])
    assert {"Police", "Health", "Education", "Local authority", "Safeguarding board"} <= agencies
    assert 20 <= len(cat.data) <= 30
    assert set(cat.data["unit"]) == {"count", "percentage", "rate per 10,000", "days"}


def test_every_state_in_2016_17(demo):
    t = scorecard(demo, "2016-17")
    partners = t[t["origin"] == "partner"]
    assert set(partners["variation"]) == set(VARIATION_STATES)
    assert set(partners["assurance"]) == set(ASSURANCE_STATES)
    s = partners.set_index("indicator")
    assert s.loc["cse_mase_children", "variation"] == "special cause neither"
    assert s.loc["la_icpc_15_days", "variation"] == "special cause concerning"
    assert s.loc["rhi_within_72_hours", "variation"] == "special cause improving"
    assert s.loc["la_cp_reviews_on_time", "assurance"] == "consistently met"
    assert s.loc["police_strategy_attendance", "assurance"] == "consistently missed"
    assert s.loc["scr_referrals", "variation"] == "too few points"
    assert s.loc["health_was_not_brought", "trial_limits"]
