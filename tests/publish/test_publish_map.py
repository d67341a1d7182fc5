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


def test_a_mapped_header_gives_the_same_pages_as_the_unrenamed_extract(extracts, tmp_path):
    plain, renamed = extracts
    assert publish_pack(plain, "2016-17", None, tmp_path / "plain") == 0
    assert publish_pack(renamed, "2016-17", None, tmp_path / "mapped",
                        column_map={"Contact Date": "referral_date"}) == 0
    want, got = _pages(tmp_path / "plain"), _pages(tmp_path / "mapped")
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
