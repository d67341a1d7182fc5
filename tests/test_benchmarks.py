"""National comparators read from DfE's real downloads; figures checked by hand in the files.

The DfE files live beside the project in ../shared/data/dfe; tests that read them skip, saying
so, only where that folder is absent. The shipped reference table is always tested.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wscb_analysis.benchmarks import (
    authority_series,
    comparator_table,
    la_funnel,
    load_dfe,
    load_reference,
    reference_neighbours,
    shared_dfe_dir,
    statistical_neighbours,
)

DFE = shared_dfe_dir()
needs_dfe = pytest.mark.skipif(DFE is None, reason="../shared/data/dfe (DfE downloads) absent")


@pytest.fixture(scope="module")
def dfe():
    return load_dfe(DFE)


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def one(df, indicator, year, code):
    rows = df[(df["indicator"] == indicator) & (df["year"] == year) & (df["area_code"] == code)]
    assert len(rows) == 1, (indicator, year, code, len(rows))
    return rows.iloc[0]


@needs_dfe
def test_published_figures_by_hand(dfe):
    # C1 2016-17, Warwickshire: 3,715 re-referrals of 11,330 referrals (32.8%).
    r = one(dfe, "rereferral_rate", "2016-17", "E10000031")
    assert (r["numerator"], r["denominator"]) == (3715, 11330)
    assert r["value"] == pytest.approx(3715 / 11330)
    assert r["level"] == "Local authority" and r["area_name"] == "Warwickshire"
    # D3 2015-16, England: 11,350 second or subsequent plans of 63,310 started.
    e = one(dfe, "second_or_subsequent_rate", "2015-16", "E92000001")
    assert (e["numerator"], e["denominator"]) == (11350, 63310)
    assert e["level"] == "National"
    # D5 at 31 March 2017, Warwickshire: 7 of 439 plans open 2 years or more.
    d = one(dfe, "cp_open_2_years_plus_rate", "2016-17", "E10000031")
    assert (d["numerator"], d["denominator"]) == (7, 439)
    # D7 2017-18, Warwickshire: 32 of 545 plans ended after 2 years or more.
    d7 = one(dfe, "cp_ended_2_years_plus_rate", "2017-18", "E10000031")
    assert (d7["numerator"], d7["denominator"]) == (32, 545)
    # Looked-after children missing, Warwickshire: 25, 49, 79 children; 61, 179, 286 incidents.
    for year, children, incidents in (("2014-15", 25, 61), ("2015-16", 49, 179),
                                      ("2016-17", 79, 286)):
        assert one(dfe, "cla_missing_children", year, "E10000031")["value"] == children
        assert one(dfe, "cla_missing_incidents", year, "E10000031")["value"] == incidents


@needs_dfe
def test_suppressed_cells_stay_missing(dfe):
    # D5 at 31 March 2018, Warwickshire: "c" for plans open 2+ years (1 to 5).
    d = one(dfe, "cp_open_2_years_plus_rate", "2017-18", "E10000031")
    assert math.isnan(d["numerator"]) and math.isnan(d["value"])
    assert d["denominator"] == 561
    # Away from placement, Warwickshire 2016-17 is "x" in SFR50: missing, not 0.
    assert math.isnan(one(dfe, "cla_away_children", "2016-17", "E10000031")["value"])


@needs_dfe
def test_152_authorities_a_year(dfe):
    rr = dfe[(dfe["indicator"] == "rereferral_rate") & (dfe["level"] == "Local authority")]
    per_year = rr.groupby("year")["area_code"].nunique()
    for year in ("2012-13", "2013-14", "2014-15", "2015-16", "2016-17", "2017-18"):
        assert per_year[year] == 152
    assert set(dfe["year"]) >= {"2012-13", "2016-17", "2024-25"}


@needs_dfe
def test_rates_per_10000_near_dfe_published(dfe):
    # DfE's published England referrals per 10,000 (DEFINITIONS.md). The ONS estimates beside
    # the project are a later vintage than DfE used, so within 1.5% (docs/assumptions.md).
    published = {"2012-13": 515.7, "2013-14": 575.8, "2014-15": 548.3, "2015-16": 532.2,
                 "2016-17": 548.2, "2017-18": 552.5}
    for year, value in published.items():
        ours = one(dfe, "referrals_per_10k", year, "E92000001")["value"]
        assert ours == pytest.approx(value, rel=0.015), year
    cp = {"2012-13": 37.5, "2013-14": 42.3, "2014-15": 42.9, "2015-16": 43.1,
          "2016-17": 43.3, "2017-18": 45.3}
    for year, value in cp.items():
        assert one(dfe, "cp_plans_per_10k", year, "E92000001")["value"] == pytest.approx(
            value, rel=0.015), year


@needs_dfe
def test_shipped_table_matches_the_files(dfe, ref):
    a = dfe.sort_values(["indicator", "year", "area_code"]).reset_index(drop=True)
    b = ref.sort_values(["indicator", "year", "area_code"]).reset_index(drop=True)
    assert len(a) == len(b)
    assert (a[["indicator", "year", "area_code", "level"]].to_numpy()
            == b[["indicator", "year", "area_code", "level"]].to_numpy()).all()
    for col in ("numerator", "denominator", "value"):
        assert np.allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-9,
                           equal_nan=True), col


def test_shipped_table_without_the_downloads(ref):
    # A fresh install compares without ../shared: England and Warwickshire are there.
    r = one(ref, "rereferral_rate", "2016-17", "E10000031")
    assert (r["numerator"], r["denominator"]) == (3715, 11330)
    assert set(ref.columns) >= {"year", "level", "area_code", "area_name", "indicator",
                                "numerator", "denominator", "value"}


def test_statistical_neighbours_2021_closest_first(ref):
    sn = statistical_neighbours(ref, reference_neighbours())
    names = ref.drop_duplicates("area_code").set_index("area_code")["area_name"]
    assert [names[c] for c in sn] == [
        "Cheshire West and Chester", "Worcestershire", "Staffordshire", "Leicestershire",
        "Central Bedfordshire", "Cheshire East", "Essex", "Warrington", "Hampshire",
        "North Somerset"]


def test_comparator_table_and_series(ref):
    sn = statistical_neighbours(ref, reference_neighbours())
    t = comparator_table(ref, "rereferral_rate", "2016-17", neighbours=sn)
    assert t["role"].tolist() == (["Authority"] + ["Statistical neighbour"] * 10
                                  + ["Statistical neighbours (pooled)", "Region", "England"])
    pooled = t[t["role"] == "Statistical neighbours (pooled)"].iloc[0]
    sn_rows = t[t["role"] == "Statistical neighbour"]
    assert pooled["numerator"] == sn_rows["numerator"].sum()
    assert (t["lower"] <= t["value"]).all() and (t["value"] <= t["upper"]).all()
    s = authority_series(ref, "rereferral_rate", neighbours=sn)
    assert set(s["series"]) == {"Authority", "Statistical neighbours (pooled)", "England"}
    per10k = comparator_table(ref, "referrals_per_10k", "2016-17")
    assert per10k.iloc[0]["value"] == pytest.approx(11330 / per10k.iloc[0]["denominator"] * 1e4)


def test_la_funnel_flags_warwickshire_high(ref):
    limits, areas, average = la_funnel(ref, "rereferral_rate", "2016-17")
    # Pooled over authorities with counts (England's 141,680 / 646,120 is the same pool less
    # any authority with suppressed counts).
    assert average == pytest.approx(areas["numerator"].sum() / areas["denominator"].sum())
    row = areas[areas["highlight"]].iloc[0]
    assert row["area_name"] == "Warwickshire" and row["significance"] == "High (99.8%)"
    assert isinstance(areas, pd.DataFrame) and len(areas) >= 150


@needs_dfe
def test_notebooks_can_take_newer_downloads(tmp_path):
    # The benchmarks_dir parameter / --benchmarks option reads a folder of DfE downloads.
    from wscb_analysis import report
    from wscb_analysis.synth import write_synthetic_extract

    write_synthetic_extract(tmp_path / "x", scale=0.1, seed=3)
    ctx = report.context(tmp_path / "x", "2016-17", benchmarks_dir=DFE)
    assert ctx.england("rereferral_rate") == pytest.approx(141680 / 646120)
    assert len(ctx.neighbours) == 10
