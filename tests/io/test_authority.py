"""A file holding several authorities is never published as one partnership's (issue 17 item 5).

The case as written: Data to Insight's regional pooled 903 file (``d2i-missing``, 19
authorities in its ``LA`` column) was published as Warwickshire's, "per month", with only
"columns not used: LA, YEAR". Now it is refused with a message, or read for the profile's own
authority when asked (``--la CODE``), the other authorities' rows counted apart.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED_DATA
from wscb_analysis.cli import main
from wscb_analysis.io.load import load_extract
from wscb_analysis.profile import ProfileError

POOLED = SHARED_DATA / "external" / "d2i-missing"
needs_shared = pytest.mark.skipif(not POOLED.is_dir(),
                                  reason=f"the pooled 903 sample is not at {POOLED}")

BRACKNELL = """
[partnership]
name = "Bracknell Forest Safeguarding Partnership"
authority = "Bracknell Forest"
la_code = "E06000036"
"""


@pytest.fixture
def bracknell(tmp_path):
    path = tmp_path / "bracknell.toml"
    path.write_text(BRACKNELL)
    return path


@needs_shared
def test_the_pooled_file_as_written_is_refused(capsys):
    problem = load_extract(POOLED, use_cache=False).sources["missing"].problems[0]
    assert "missing.csv: its column 'LA' names 19 authorities" in problem
    assert "Give --la" in problem
    for command in (["validate"], ["figures", "--period", "2019-20"]):
        assert main([*command, "--data-dir", str(POOLED), "--no-cache"]) == 1
        out = capsys.readouterr()
        assert "names 19 authorities" in out.err + out.out


@needs_shared
def test_publish_refuses_it_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "pack"
    assert main(["publish", "--data-dir", str(POOLED), "--period", "2019-20", "--out",
                 str(out), "--no-cache"]) == 1
    assert "names 19 authorities" in capsys.readouterr().err
    assert not (out / "index.html").exists()


@needs_shared
@pytest.mark.parametrize("la", ["E06000036", "867", "Bracknell Forest"])
def test_read_for_the_profiles_own_authority_when_asked(bracknell, la, capsys):
    assert main(["figures", "--data-dir", str(POOLED), "--period", "2019-20", "--no-cache",
                 "--profile", str(bracknell), "--la", la]) == 0
    figures = json.loads(capsys.readouterr().out)
    # By hand: 10 of the file's 207 rows name Bracknell Forest, every one an episode starting
    # between 20 April 2019 and 18 March 2020, all in 2019-20.
    assert figures["missing"]["episodes"] == 10
    r = load_extract(POOLED, use_cache=False, la=la).sources["missing"]
    assert (r.rows_in, r.rows_kept, r.rows_other_authorities) == (207, 10, 197)
    assert r.accounts()
    assert any("read for Bracknell Forest alone" in w for w in r.warnings)


@needs_shared
def test_another_authority_than_the_profiles_is_refused(capsys, bracknell):
    # The shipped profile is Warwickshire's: Bracknell Forest's rows would be published as
    # Warwickshire's.
    assert main(["figures", "--data-dir", str(POOLED), "--period", "2019-20",
                 "--la", "E06000036"]) == 2
    err = capsys.readouterr().err
    assert "Bracknell Forest (E06000036)" in err and "Warwickshire's (E10000031)" in err
    # Warwickshire's own code: the file holds none of its rows.
    assert main(["validate", "--data-dir", str(POOLED), "--la", "E10000031"]) == 1
    assert "no row of its column 'LA' is Warwickshire's" in capsys.readouterr().out
    assert main(["validate", "--data-dir", str(POOLED), "--la", "E99999999"]) == 2


def test_one_authority_in_two_spellings_is_one_authority(write_file):
    # 867 is Bracknell Forest's old code: one authority, so the file is read as it is.
    path = write_file("missing.csv", "CHILD,MISSING,MIS_START,LA\nK1,M,01/05/2016,867\n"
                                     "K2,M,02/05/2016,Bracknell Forest\n")
    r = load_extract(path.parent, use_cache=False).sources["missing"]
    assert r.usable and r.rows_kept == 2 and r.rows_other_authorities == 0


def test_a_row_naming_no_authority_beside_named_ones_is_not_assumed(write_file):
    path = write_file("missing.csv", "CHILD,MISSING,MIS_START,Local Authority\n"
                                     "K1,M,01/05/2016,Rugby\nK2,M,02/05/2016,\n")
    problems = load_extract(path.parent, use_cache=False).sources["missing"].problems
    assert problems and "some rows name none" in problems[0]


def test_a_notebook_asked_for_another_authority_is_refused(write_file):
    from wscb_analysis import report as r

    folder = write_file("missing.csv", "CHILD,MISSING,MIS_START\nK1,M,01/05/2016\n").parent
    with pytest.raises(ProfileError, match=r"is Bracknell Forest \(E06000036\), but the "
                                           r"partnership profile"):
        r.context(folder, "2016-17", la="E06000036", use_cache=False)


@needs_shared
def test_the_packs_quality_table_counts_the_authoritys_own_rows():
    from wscb_analysis.io.quality import quality_summary

    summary = quality_summary(load_extract(POOLED, use_cache=False, la="E06000035"))
    row = summary.set_index("source").loc["missing"]
    # Medway's 15 rows of the file: the board's table reads 15 = 15 + 0 + 0, not 207.
    assert (row["rows_in"], row["rows_kept"], row["duplicates"], row["rows_set_aside"]) == (
        15, 15, 0, 0)
    assert row["accounts"]
