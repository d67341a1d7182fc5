"""The demo extract: deterministic, messy, and near Warwickshire's published series.

Published values are from DEFINITIONS.md (DfE CIN 2017-18 tables and the 2016-17 annual
report). Tolerances are stated per measure.
"""

from __future__ import annotations

import hashlib

import pytest

from wscb_analysis.figures import headline_figures
from wscb_analysis.io.load import load_extract
from wscb_analysis.periods import financial_year
from wscb_analysis.synth import write_synthetic_extract

YEARS = ["2012-13", "2013-14", "2014-15", "2015-16", "2016-17", "2017-18"]
PUBLISHED_REFERRALS = [6524, 8154, 5965, 5975, 11330, 11071]
PUBLISHED_REREFERRAL_PCT = [29.9, 24.7, 24.2, 24.8, 32.8, 38.6]
PUBLISHED_CP_STARTED = [609, 637, 597, 579, 496, 674]
PUBLISHED_CP_SUBSEQUENT = [81, 107, 118, 105, 103, 126]
PUBLISHED_OPEN_2PLUS = [19, 15, 9, 7, 7]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    write_synthetic_extract(out, scale=1, seed=2017)
    extract = load_extract(out, use_cache=False)
    return out, extract, {y: headline_figures(extract, financial_year(y)) for y in YEARS}


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(
        folder.glob("*.csv"))}


def test_deterministic_for_a_seed(tmp_path, demo):
    write_synthetic_extract(tmp_path / "again", scale=1, seed=2017)
    assert _digest(tmp_path / "again") == _digest(demo[0])
    write_synthetic_extract(tmp_path / "other", scale=1, seed=1)
    assert _digest(tmp_path / "other") != _digest(demo[0])


def test_files_and_marker(demo):
    out, extract, _ = demo
    assert {p.name for p in out.glob("*.csv")} == {
        "referrals.csv", "cp_plans.csv", "early_help.csv", "missing.csv",
        "indicators.csv", "performance.csv", "contacts.csv", "assessments.csv", "s47.csv"}
    # The census returns of 2012-13 to 2017-18 sit in a folder of their own.
    assert sorted(p.name for p in (out / "cin_census").glob("*.xml")) == [
        f"CIN_Census_{y}.xml" for y in range(2013, 2019)]
    assert extract.synthetic and extract.usable


def test_messy_like_real_extracts(demo):
    out, extract, _ = demo
    text = (out / "referrals.csv").read_text()
    assert "31/02/" in text and "not known" in text  # impossible date, text in a date column
    for name, r in extract.sources.items():
        assert r.duplicates > 0, name
        assert r.rows_set_aside >= 5, name
        assert r.accounts(), name
    reasons = " ".join(extract.sources["missing"].set_aside["reason"])
    assert "overlaps the episode" in reasons and "before start date" in reasons


@pytest.mark.parametrize("i,year", list(enumerate(YEARS)))
def test_referrals_near_published(demo, i, year):
    f = demo[2][year]["referrals"]
    # Referrals within 1% and the re-referral rate within 1 percentage point.
    assert f["referrals"] == pytest.approx(PUBLISHED_REFERRALS[i], rel=0.01)
    assert 100 * f["rereferral_rate"] == pytest.approx(PUBLISHED_REREFERRAL_PCT[i], abs=1.0)


@pytest.mark.parametrize("i,year", list(enumerate(YEARS)))
def test_cp_plans_near_published(demo, i, year):
    f = demo[2][year]["cp_plans"]
    # Plans started within 3%, second or subsequent within 10% (small counts).
    assert f["started"] == pytest.approx(PUBLISHED_CP_STARTED[i], rel=0.03)
    assert f["second_or_subsequent"] == pytest.approx(PUBLISHED_CP_SUBSEQUENT[i], rel=0.10)
    if i < len(PUBLISHED_OPEN_2PLUS):
        # Open 2+ years at 31 March within 2 plans.
        assert f["open_2_years_plus"] == pytest.approx(PUBLISHED_OPEN_2PLUS[i], abs=2)


def test_ended_two_years_plus_near_the_reports_4_8_percent(demo):
    f = demo[2]["2016-17"]["cp_plans"]
    assert 100 * f["ended_2_years_plus_rate"] == pytest.approx(4.8, abs=0.6)
    g = demo[2]["2017-18"]["cp_plans"]
    assert 100 * g["ended_2_years_plus_rate"] == pytest.approx(5.9, abs=1.0)  # 32 of 545


def test_2016_17_referral_jump_and_nfa(demo):
    figs = demo[2]
    assert figs["2016-17"]["referrals"]["referrals"] > 1.8 * figs["2015-16"]["referrals"][
        "referrals"]
    from wscb_analysis.metrics.referrals import nfa_share

    nfa = nfa_share(demo[1]["referrals"], financial_year("2016-17"))
    assert 100 * nfa["rate"] == pytest.approx(53.7, abs=2.0)


def test_diversity_recording_near_the_audit_and_worsening(demo):
    from wscb_analysis.metrics.diversity import not_recorded_by

    d = demo[2]["2016-17"]["diversity"]
    n = d["referrals"]
    # The audit: ethnicity 10%, first language 38%, religion 60% not recorded (within 2 points).
    assert 100 * d["ethnicity_not_recorded"] / n == pytest.approx(10, abs=2)
    assert 100 * d["first_language_not_recorded"] / n == pytest.approx(38, abs=2)
    assert 100 * d["religion_not_recorded"] / n == pytest.approx(60, abs=2)
    by_q = not_recorded_by(demo[1]["referrals"], by="quarter", period=financial_year("2016-17"))
    for field in ("ethnicity", "first_language", "religion"):
        values = by_q[by_q["field"] == field].sort_values("quarter")["value"].tolist()
        assert values == sorted(values), field  # worsening each quarter


def test_missing_rises_year_on_year(demo):
    episodes = [demo[2][y]["missing"]["episodes"] for y in YEARS]
    children = [demo[2][y]["missing"]["children"] for y in YEARS]
    assert episodes == sorted(episodes) and len(set(episodes)) == len(episodes)
    assert children == sorted(children)


def test_early_help_led_by_schools_with_few_early_years(demo):
    by_agency = demo[2]["2016-17"]["early_help"]["by_agency"]
    schools = sum(v for k, v in by_agency.items() if "school" in k.lower())
    assert schools > 0.5 * sum(by_agency.values())
    assert by_agency["Nursery"] == 7 and by_agency["Pre-school"] == 14  # the report's figures


def test_districts_follow_the_population_table(demo):
    ref = demo[1]["referrals"]
    shares = ref["district"].value_counts(normalize=True)
    assert set(shares.index) == {"North Warwickshire", "Nuneaton and Bedworth", "Rugby",
                                 "Stratford-on-Avon", "Warwick"}
    # N&B (27,203 children, most deprived) has more referrals than N Warks (12,232).
    assert shares["Nuneaton and Bedworth"] > 2 * shares["North Warwickshire"]


def test_no_child_collects_an_implausible_number_of_referrals(demo):
    # Re-referrals pick a random earlier referral, so no one child soaks them up: the busiest
    # child has at most 8 referrals in a year (the real maximum in a county is about that).
    ref = demo[1]["referrals"]
    year = ref["referral_date"].dt.year
    assert ref.groupby([year, "child_id"]).size().max() <= 8
