"""Any English partnership (issue 9, item 5): every section on another partnership's profile.

A Coventry profile (LA code E08000026, made-up localities, no recording events, a target with
its own baseline) on a synthetic extract relabelled to its localities: the sections name
Coventry and its localities, and no word of any page says Warwickshire, its districts or WSCB.
(The whole-pack version, banner included, belongs to the publishing tests.)
"""

from __future__ import annotations

import re

import pytest

from wscb_analysis import report as r
from wscb_analysis.profile import load_profile
from wscb_analysis.synth import write_synthetic_extract

from .pages import PAGES, page_text

COVENTRY = """
[partnership]
name = "Coventry Safeguarding Children Partnership"
authority = "Coventry"
la_code = "E08000026"

[population]
children_0_17 = 80000
source = "made up for a test"

[[districts]]
name = "Locality North"
population_0_17 = 40000

[[districts]]
name = "Locality South"
population_0_17 = 40000

[targets.children_missing]
reduction = 0.25
baseline_year = "2014-15"
target_year = "2017-18"
stated = "a quarter fewer children going missing by 2018"
source = "made up for a test"
"""

WARWICKSHIRE_WORDS = re.compile(r"Warwick|WSCB|Nuneaton|Rugby|Stratford|MASH|Multi-Agency")


@pytest.fixture(scope="module")
def coventry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("coventry")
    profile = folder / "coventry.toml"
    profile.write_text(COVENTRY)
    extract = folder / "extract"
    write_synthetic_extract(extract, scale=0.3, seed=23, profile=load_profile(profile))
    return r.context(extract, "2016-17", profile=profile, use_cache=False)


def test_sections_name_coventry_and_never_warwickshire(coventry):
    texts = {page: page_text(coventry, page) for page in PAGES}
    for page, text in texts.items():
        said = WARWICKSHIRE_WORDS.findall(text)
        assert said == [], (page, said)
    # Coventry is named where the authority is: its children, its published figures, its
    # place among English authorities, its localities.
    assert "Coventry has 80,000 children aged 0-17." in texts["01"]
    assert "Districts of Coventry" in texts["01"]
    assert "Coventry (published)" in texts["02"]
    assert re.search(r"Coventry's published re-referral rate is ", texts["02"])
    assert "Locality North" in texts["05"] and "Locality South" in texts["05"]
    # Its own target and baseline: 25% fewer in 2017-18 than in 2014-15.
    assert ("read as 25% fewer children going missing in 2017-18 than in 2014-15"
            in texts["05"])
    # No recording event in the profile: no step, no rebased limits, no front-door story.
    assert "stepped" not in texts["02"] and "recalculated from" not in texts["02"]


def test_comparators_follow_the_la_code(coventry):
    # Coventry is in the West Midlands like Warwickshire, but its statistical neighbours are
    # its own: the pooled neighbours' figure differs from Warwickshire's (23.4% in 2016-17).
    block = r.rereferrals_against_comparators(coventry)
    table = block.items[0].table.display.set_index("area_name")
    assert table.loc["Statistical neighbours (pooled)", "value"] != "23.4%"
    assert "West Midlands" in table.index and "Coventry (published)" in table.index
