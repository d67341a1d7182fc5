"""Any English partnership: the demo published with another partnership's profile names that
partnership everywhere and Warwickshire nowhere (issue "Honest pages", item 5)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from wscb_analysis.cli import main

COVENTRY = """
[partnership]
name = "Coventry Safeguarding Children Partnership"
short_name = "CSCP"
authority = "Coventry"
la_code = "E08000026"

[population]
children_0_17 = 80000
source = "a made-up figure for this test profile"

[targets.children_missing]
reduction = 0.3
baseline_year = "2014-15"
target_year = "2017-18"
stated = "30% fewer children going missing by 2018"
source = "this test profile"
"""


@pytest.fixture(scope="module")
def coventry_pack(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("coventry")
    profile = root / "coventry.toml"
    profile.write_text(COVENTRY)
    assert main(["demo", "--out", str(root / "pack"), "--profile", str(profile)]) == 0
    return root / "pack"


def pack_files(pack: Path) -> list[Path]:
    files = [p for p in pack.rglob("*") if p.is_file() and "extract" not in p.parts
             and p.suffix in (".html", ".json", ".ipynb", ".log")]
    assert len(files) > 10
    return files


def test_the_other_partnership_is_named_and_warwickshire_nowhere(coventry_pack):
    for path in pack_files(coventry_pack):
        text = path.read_text(encoding="utf-8")
        # "wscb" is this tool's own name; the board's name and authority must not appear.
        assert "Warwickshire" not in text, path.name
        assert "WSCB" not in text, path.name
    index = html.unescape((coventry_pack / "index.html").read_text())
    assert "Coventry Safeguarding Children Partnership: board pack, 2016-17" in index
    assert "no figure is Coventry's own" in index  # the synthetic banner names it too
    rereferrals = html.unescape((coventry_pack / "02_rereferrals.html").read_text())
    assert "Coventry (published)" in rereferrals  # comparators follow the profile's LA code
    assert "Coventry's published re-referral rate is" in rereferrals  # the all-authority funnel


def test_profile_without_districts_says_so_and_its_target_is_its_own(coventry_pack):
    overview = html.unescape((coventry_pack / "01_overview.html").read_text())
    assert "The partnership profile lists no districts for Coventry" in overview
    missing = html.unescape((coventry_pack / "05_missing.html").read_text())
    assert "30% fewer children going missing by 2018" in missing
    assert "40%" not in missing  # Warwickshire's target is not Coventry's
    manifest = json.loads((coventry_pack / "manifest.json").read_text())
    assert manifest["partnership"]["la_code"] == "E08000026"
