"""`--map` reaches every page, the scorecard included (issue "A house the next developer can
work in", item 2): a pack published from an extract whose referral-date header was renamed,
with the map naming it, is the pack published from the extract as it was, page for page.

Beside ``test_publish_options.py``, which reads figures.json only."""

from __future__ import annotations

import re
import shutil

import pytest

from wscb_analysis.publish import publish_pack
from wscb_analysis.synth import write_synthetic_extract

#: What differs between two runs of the same pack: the run's date and time in each page's
#: footer (and the time a page was made), nothing the data decides.
_RUN = re.compile(r"run \d{1,2} \w+ \d{4} at \d{2}:\d{2}")


def _pages(pack):
    return {p.name: _RUN.sub("run <when>", p.read_text(encoding="utf-8"))
            for p in sorted(pack.glob("[0-9][0-9]_*.html"))}


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    plain = tmp_path_factory.mktemp("plain")
    write_synthetic_extract(plain, scale=0.15, seed=21)
    renamed = tmp_path_factory.mktemp("renamed")
    shutil.copytree(plain, renamed, dirs_exist_ok=True)
    path = renamed / "referrals.csv"
    text = path.read_text()
    assert text.count('"Date of referral"') == 1
    path.write_text(text.replace('"Date of referral"', '"Contact Date"', 1))
    return plain, renamed


@pytest.fixture(scope="module")
def packs(extracts, tmp_path_factory):
    plain, renamed = extracts
    out = tmp_path_factory.mktemp("packs")
    assert publish_pack(plain, "2016-17", None, out / "plain") == 0
    assert publish_pack(renamed, "2016-17", None, out / "mapped",
                        column_map={"Contact Date": "referral_date"}) == 0
    return out / "plain", out / "mapped"


def test_a_mapped_header_gives_the_same_pages_as_the_unrenamed_extract(packs):
    plain, mapped = packs
    want, got = _pages(plain), _pages(mapped)
    assert list(want) == list(got) and "08_scorecard.html" in want
    # The data-quality table names each column as the file heads it: there, and only there,
    # the mapped pack says "Contact Date" where the other says "Date of referral".
    assert [n for n in got if "Contact Date" in got[n]] == ["01_overview.html"]
    got = {n: text.replace("Contact Date", "Date of referral") for n, text in got.items()}
    differ = [name for name in want if want[name] != got[name]]
    assert differ == []
    # The scorecard's computed referral indicators are there, not "not held".
    scorecard = got["08_scorecard.html"]
    assert re.search(r"Referrals to children(&#x27;|')s social care", scorecard)
    assert "Re-referrals within 12 months" in scorecard
    assert "Not computed, as the extract holds no value" not in scorecard


def test_the_years_count_and_the_quarters_are_each_labelled(packs):
    # Issue "Board papers" item 5: the index's children going missing is the year's, the
    # scorecard's the latest quarter's; each says which.
    plain, _ = packs
    index = (plain / "index.html").read_text(encoding="utf-8")
    assert "children had a Missing episode in 2016-17 (the whole year)" in index
    scorecard = (plain / "08_scorecard.html").read_text(encoding="utf-8")
    row = scorecard[scorecard.index("Children going missing</th>"):]
    row = row[:row.index("</tr>")]
    assert '<span class="nowrap">2016-17 Q4</span> (quarter)' in row
    assert "covers three months, while the index and the topic pages give the whole year " \
           "2016-17" in scorecard
