"""Plain words for the board (issue 17, item 6), read from a published pack.

No return name, DfE table code, file name or command in a board page's prose: they sit in the
notes on the data ("How this was worked out", "About the data", and the sections about the
data themselves). Every term and table symbol a page uses is in the pack's glossary. The
words checked are listed in tests/report/plain_words.py. The scorecard (page 08) is read for
glossary coverage only: its prose is being rewritten under issue 17, item 2.
"""

from __future__ import annotations

import pytest

from wscb_analysis.publish import publish_pack
from wscb_analysis.synth import write_synthetic_extract

from .plain_words import (
    FORBIDDEN,
    board_pages,
    forbidden_outside_notes,
    glossary_gaps,
    glossary_terms,
    read,
)


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    extract = tmp_path_factory.mktemp("plain_extract")
    write_synthetic_extract(extract, scale=0.15, seed=11)
    out = tmp_path_factory.mktemp("plain_packs") / "2016-17"
    assert publish_pack(extract, "2016-17", None, out) == 0
    return out


def test_no_return_names_or_commands_in_a_board_pages_prose(pack):
    assert len(board_pages(pack)) == 8  # the index and pages 01 to 07
    assert forbidden_outside_notes(pack) == {}


def test_the_names_moved_to_the_notes_on_the_data(pack):
    # Not lost: each page's "About the data" note names the file and the list it follows.
    notes = " ".join(read(pack / "02_rereferrals.html").all)
    assert "About the data" in notes
    assert "laid out as Ofsted's Annex A List 3" in notes
    assert "DfE table C1" in notes  # in the "How this was worked out" note
    quality = " ".join(read(pack / "01_overview.html").all)
    assert "wscb validate" in quality


def test_every_term_and_symbol_a_page_uses_is_in_the_glossary(pack):
    assert glossary_gaps(pack) == {}
    have = glossary_terms(pack)
    for term in ("Annex A", "SSDA903", "Special cause variation", "Common cause variation",
                 "Process limits", "c", "x", "z", "low", "Widened limits",
                 "Authority's average"):
        assert term in have, term


def test_the_reader_finds_what_it_is_meant_to(tmp_path):
    # The checks themselves: a page whose prose names a return and a command, and uses a
    # term the glossary lacks, is caught; the same words inside a note are not.
    (tmp_path / "glossary.html").write_text("<dl><dt>c</dt><dd>hidden</dd></dl>")
    (tmp_path / "index.html").write_text(
        "<h1>Pack</h1><p>Referrals (Annex A List 3); run wscb validate.</p>"
        '<details class="method"><summary>How</summary><p>SSDA903 table D7</p></details>'
        "<table><tr><td>x</td></tr></table><p>A special cause.</p>")
    hits = forbidden_outside_notes(tmp_path)["index.html"]
    assert [h.split(":")[0] for h in hits] == ["Annex A", "an Annex A list", "a command"]
    assert not any("SSDA903" in h for h in hits)
    assert glossary_gaps(tmp_path) == {"index.html": ["Annex A", "SSDA903",
                                                      "Special cause variation", "x"]}
    assert set(FORBIDDEN) >= {"Annex A", "SSDA903", "process limits", "a command"}
