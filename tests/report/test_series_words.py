"""Words about a series, a share, a projection and a chart (issue 17, item 4), on hand-made
extracts whose counts are written below, and on the synthetic extract the word tests use.

* Titles from a test over the whole series, never its two end points.
* "Most" only above half; otherwise "the largest group".
* Children, not referrals, against the school population, and the populations' difference
  said.
* A projection says which months it is fitted to and what it assumes.
* A chart's alt text states what the chart draws (DfE's published figure, not the extract's).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from wscb_analysis import report as r
from wscb_analysis.periods import financial_year
from wscb_analysis.synth import write_synthetic_extract

from .extracts import PLAN_COLUMNS, REFERRAL_COLUMNS, plan, referral, write_csv
from .pages import page_text, prose_text

#: Re-referrals in each quarter per 100 referrals (each quarter holds 400) from 2012-13 Q1: 30
#: falling to 24 over the 16 quarters before the MASH opened (30 - (6i // 15) for quarter i),
#: then 33 in each of the 4 quarters of 2016-17. The first and last quarters (30% and 33%)
#: would read as a rise; the series fell, then stepped up when the MASH opened.
BEFORE = [30 - (6 * i) // 15 for i in range(16)]
AFTER = [33] * 4


def _quarter_referrals(label: str, k: int, tag: str) -> list[dict]:
    """400 referrals in the quarter's middle month: 4k children referred twice (the second a
    re-referral within 12 months) and 400 - 8k children referred once; no child appears in
    another quarter."""
    p = financial_year(*label.split(" "))
    mid = date(p.start.year + (p.start.month + 1 > 12), (p.start.month % 12) + 1, 1)
    rows = []
    for j in range(4 * k):
        rows.append(referral(f"{tag}P{j}", mid))
        rows.append(referral(f"{tag}P{j}", mid + timedelta(days=9)))
    rows += [referral(f"{tag}S{j}", mid + timedelta(days=4)) for j in range(400 - 8 * k)]
    return rows


@pytest.fixture(scope="module")
def stepped(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stepped")
    rows = [referral("FIRST", date(2011, 4, 1)), referral("LAST", date(2017, 3, 31))]
    # 2011-12: the look-back year (20 of 100 a quarter).
    labels = [f"{y}-{(y + 1) % 100:02d} Q{q}" for y in range(2011, 2017) for q in range(1, 5)]
    shares = [20] * 4 + BEFORE + AFTER
    for label, k in zip(labels, shares, strict=True):
        rows += _quarter_referrals(label, k, label.replace(" ", ""))
    write_csv(folder, "referrals.csv", REFERRAL_COLUMNS, rows)
    return r.context(folder, "2016-17", use_cache=False)


def test_the_quarterly_title_reads_the_whole_series_around_the_mash(stepped):
    block = r.rereferrals_by_quarter(stepped)
    chart = block.items[0]
    assert chart.title == "The re-referral rate has been higher since the MASH opened in May 2016"
    text = block.texts()
    assert "rose from" not in text and "30.0% in 2012-13 Q1" not in text
    # The 16 quarters before: sum of BEFORE = 30 x 3 + 29 x 2 + 28 x 3 + 27 x 2 + 26 x 3 +
    # 25 x 2 + 24 = 438, x 4 = 1,752 of 6,400 = 27.4%; after: 4 x 132 = 528 of 1,601 (the
    # last referral, on 31 March 2017, is one more) = 33.0%.
    assert ("From 2016-17 Q1 (4 quarters), the re-referral rate averaged 33.0%, higher than "
            "the 27.4% of the 16 quarters before.") in text
    assert re.search(r"Before the MASH opened, the re-referral rate fell over the 16 quarters "
                     r"from 2012-13 Q1 to 2015-16 Q4, from about \d+\.\d% to about \d+\.\d% "
                     r"on the trend fitted to them\.", text), text


def _ended(tmp_path, bands: dict[tuple[date, date], int]):
    rows = []
    for i, ((start, end), n) in enumerate(bands.items()):
        rows += [plan(f"B{i}C{j}", start, end) for j in range(n)]
    rows += [plan(f"O{j}", date(2017, 3, 15)) for j in range(10)]
    folder = tmp_path / f"ended{sum(bands.values())}"
    write_csv(folder, "cp_plans.csv", PLAN_COLUMNS, rows)
    return r.context(folder, "2016-17", use_cache=False)


#: Plans ending 1 June 2016 after: 2 months, 4 months, 9 months, 18 months, 29 months.
STARTS = [date(2016, 4, 1), date(2016, 2, 1), date(2015, 9, 1), date(2014, 12, 1),
          date(2014, 1, 1)]


def test_most_only_above_half(tmp_path):
    end = date(2016, 6, 1)
    # 10, 20, 30, 25, 15 of 100: the largest band (30) is not most.
    ctx = _ended(tmp_path, {(s, end): n for s, n in zip(STARTS, [10, 20, 30, 25, 15],
                                                         strict=True)})
    title = r.duration_bands(ctx).items[0].title
    assert title == ("The largest group of plans that ended had lasted more than 6 months and "
                     "under a year")
    # 10, 10, 60, 10, 10 of 100: 60 is more than half.
    ctx = _ended(tmp_path, {(s, end): n for s, n in zip(STARTS, [10, 10, 61, 10, 9],
                                                         strict=True)})
    assert r.duration_bands(ctx).items[0].title == ("Most plans that ended had lasted more "
                                                    "than 6 months and under a year")


def test_children_not_referrals_against_the_school_population(tmp_path):
    # 20 White British children referred once (from 1 April 2016); 10 Indian (AIND) children
    # referred 3 times each, one of them a 4th time on 31 March 2017 (the year held to its
    # end): by referral 31 of 51 (60.8%), by child 10 of 30 (33.3%). Wilson 95% for 10 of
    # 30: (20 + 3.841459 -/+ 1.959964 x sqrt(3.841459 + 40 x 2/3)) / (2 x 33.841459) =
    # (23.841459 -/+ 10.825679) / 67.682918 = 19.2% to 51.2%: above the school's 19.0%.
    rows = [referral(f"W{i}", date(2016, 4 + i // 10, 1 + i % 10)) for i in range(20)]
    rows += [referral(f"A{i}", date(2016, 6 + k, 1 + i), ethnicity="AIND")
             for i in range(10) for k in range(3)]
    rows.append(referral("A0", date(2017, 3, 31), ethnicity="AIND"))
    folder = tmp_path / "ethnicity30"
    write_csv(folder, "referrals.csv", REFERRAL_COLUMNS, rows)
    ctx = r.context(folder, "2016-17", use_cache=False)
    text = prose_text(ctx, "06")
    assert ("10 of 30 children referred with a known ethnicity in 2016-17 (33.3%, likely "
            "between 19.2% and 51.2%) were from ethnic minority groups (any ethnicity other "
            "than White British), higher than the school population's 19.0% (January "
            "2017).") in text
    assert "60.8%" not in text  # the referral-level share is not the comparison
    assert ("the school population is pupils of school age (about 5 to 16), while the "
            "children referred are aged 0 to 17") in text


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    write_synthetic_extract(folder, scale=0.15, seed=11)
    return r.context(folder, "2016-17", use_cache=False)


def test_the_projection_says_what_it_assumes(synthetic):
    block = r.missing_trend_and_target(synthetic)
    text = block.texts()
    chart = next(i for i in block.items if hasattr(i, "png"))
    # The synthetic missing episodes run from April 2012; the 2016-17 pack fits the 60 whole
    # months to March 2017, none after the baseline year 2016-17.
    assert chart.title.startswith("If the trend to March 2017 carried on, children going "
                                  "missing would be ")
    assert ("The projection assumes that the trend of the 60 months from April 2012 to March "
            "2017 carries on unchanged to 2019-20, and that the number of children going "
            "missing in a year changes at the same rate as the number going missing each "
            "month") in text
    assert "None of those months falls after 2016-17, the target's baseline year" in text
    assert "if that trend carried on unchanged, 2019-20 would see about" in text


def test_the_funnel_alt_text_gives_the_figure_it_draws(synthetic):
    # DfE published Warwickshire's 2016-17 second or later plans as 103 of 496 = 20.8%
    # (DEFINITIONS.md); the small synthetic extract's own figure differs, and the funnel
    # draws DfE's.
    page = page_text(synthetic, "03")
    alt = next(x for x in page.splitlines() if x.startswith("Funnel plot of DfE's published "
                                                             "share of second or later"))
    assert "DfE's published figure for Warwickshire is 20.8%" in alt
    assert "Warwickshire's published share of second or later plans is" in page
