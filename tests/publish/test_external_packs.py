"""Publishing the third-party sample extracts (issue 9, "Done when").

Every folder of ../shared/data/external/ is published for the financial year its data
matters for (one pack per folder, built once per module), and the packs are read as a board
member would: each false statement the issue found is gone and the coverage notes are there.
A period the folder does not reach exits 2 and writes nothing; the wrong 903 table and the
folder of rule fixtures (no extract file at all) exit 1 with a message naming the problem.

Expected figures come from reading the files (see each test's comments), not from the code.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wscb_analysis import report as r
from wscb_analysis.errors import ExtractError
from wscb_analysis.figures import headline_figures
from wscb_analysis.io.load import load_extract
from wscb_analysis.periods import financial_year
from wscb_analysis.publish import publish_pack

from ..conftest import EXTERNAL, needs_shared
from ..report.pages import html_lines

PAGES = ("index", "01_overview", "02_rereferrals", "03_repeat_plans", "04_plan_duration",
         "05_missing", "06_diversity", "07_early_help")

pytestmark = needs_shared


class Pack:
    """A published pack read as text, page by page."""

    def __init__(self, folder: Path, out: Path, code: int):
        self.folder, self.out, self.code = folder, out, code
        self.text = {}
        for name in PAGES:
            html = (out / f"{name}.html").read_text(encoding="utf-8")
            html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
            self.text[name[:2] if name != "index" else "index"] = "\n".join(html_lines(html))
        self.figures = json.loads((out / "figures.json").read_text())

    def __getitem__(self, page: str) -> str:
        return self.text[page]

    def all(self) -> str:
        return "\n".join(self.text.values())


def _publish(published, name: str, period: str, **options) -> Pack:
    code, out = published(EXTERNAL / name, period, **options)
    assert code == 0, f"{name} {period}: exit {code}"
    return Pack(EXTERNAL / name, out, code)


def _false_statements(pack: Pack) -> None:
    """What the issue found false on these extracts, on any page of any of them."""
    text = pack.all()
    assert not re.search(r"\b0 of \d[\d,]* (missing )?episodes .*return home interview", text)
    assert not re.search(r"rose from 0\b|\bfrom 0 in\b", text)
    assert "has the most children going missing" not in text
    assert not re.search(r"Not recorded has the (highest|lowest)", text)
    assert "worsened every quarter" not in text
    assert not re.search(r"\b0 of 0\b|\bx, 0 of\b", text)
    # No index tile reads "x" for a figure the extract does not hold.
    assert "\nx\n" not in "\n" + pack["index"] + "\n"
    # No 40% target path drawn from years the extract does not hold.
    assert "path to 40% fewer" not in text and "fewer in 2019-20 than the 0 in" not in text


def _once(text: str, phrase: str) -> None:
    assert text.count(phrase) == 1, (phrase, text.count(phrase))


def _refused(tmp_path, capsys, name: str, period: str, publish=publish_pack, **options
             ) -> tuple[int, str]:
    """:func:`publish_pack`'s exit code and message for a pack it must not write."""
    out = tmp_path / "pack"
    code = publish(EXTERNAL / name, period, None, out, **options)
    assert not (out / "index.html").exists()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _unusable(tmp_path, name: str, period: str) -> tuple[int, str]:
    """``wscb publish`` as the analyst runs it: its exit code and its message."""
    out = tmp_path / "pack"
    res = subprocess.run([sys.executable, "-m", "wscb_analysis.cli", "publish", "--data-dir",
                          str(EXTERNAL / name), "--period", period, "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert not out.exists() or not (out / "index.html").exists()
    assert "Traceback" not in res.stderr
    return res.returncode, res.stderr


# --------------------------------------------------------------------------- 903 fixtures


@pytest.fixture(scope="module")
def rule_fixtures(published):
    return _publish(published, "903-rule-fixtures", "2020-21")


def test_903_rule_fixtures(rule_fixtures):
    p = rule_fixtures
    _false_statements(p)
    # Kept Missing episodes starting in 2020-21 (1 April 2020 to 31 March 2021), after the
    # loader sets aside the later of each overlapping pair: 574_111 (1), 574_222 (2), 574_333
    # (1), 574_444 (2), 1004_b, 567_a, 567_b: 9 episodes of 7 children; 574_222 and 574_444
    # twice. Open on 31 March 2021: 574_222 (from 4 June 2020), 1004_b, 567_b, and 586_b,
    # 586_f and 586_g (from February 2020): 6.
    # 7 children and 9 episodes printed together would leave the children who went missing
    # more than once (2, hidden) at most 9 - 7 = 2: one or two, fewer than the three
    # possible values a hidden count keeps (SECURITY.md section 3). One of the two is
    # hidden: the children, since the episodes are a headline figure (hidden last).
    assert ("Children (number not shown) went missing (whereabouts not known) in 2020-21, in "
            "9 missing episodes. All are looked-after children: the "
            "looked-after children return covers no one else.") in p["05"]
    assert p.figures["missing"]["children"] == "c"
    assert ("Fewer than 6 went missing more than once in the period, and 6 were still "
            "missing at its end (31 March 2021).") in p["05"]
    _once(p["05"], "Return home interviews are not recorded in this extract's missing "
                   "episodes, so whether they were offered or accepted is not known.")
    _once(p["05"], "District is not recorded in this extract's missing episodes, so no "
                   "figures by district are given.")
    assert "followed by an offer of a return home interview" not in p["05"]
    assert "By district" not in p["05"]
    _once(p["05"], "The previous period (2019-20) is not held in full, so no change since then "
                   "is given.")
    # February 2020 (first record on the 3rd) to March 2021: 14 whole months, no trend.
    assert "With 14 whole months held, a trend in children going missing cannot yet be told " \
           "apart" in p["05"]
    assert "path to the target" not in p["05"]
    # 36 rows in the file, two of them identical (574_555).
    assert "36 rows were read; 1 repeated row from overlapping extracts was counted once" \
        in p["01"]
    for words in ("Referrals", "Child protection plans"):
        assert f"{words} are not supplied in this extract" in p["01"]
    assert p.figures["referrals"]["referrals"] is None
    assert p.figures["coverage"]["missing"]["fields_absent"] == ["rhi_offered", "rhi_accepted",
                                                                 "district"]


def test_903_rule_fixtures_outside_their_years(tmp_path, capsys, publish):
    code, err = _refused(tmp_path, capsys, "903-rule-fixtures", "2018-19", publish)
    assert code == 2
    assert "2018-19" in err and "3 February 2020" in err


def test_the_validator_source_folder_holds_no_extract(tmp_path):
    # rule-fixtures-src holds the same rows under another name, beside the validator's
    # verdicts: no file the suite reads.
    code, err = _unusable(tmp_path, "rule-fixtures-src", "2020-21")
    assert code == 1
    assert "holds none of referrals.csv, cp_plans.csv, early_help.csv, missing.csv" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- 903 samples


@pytest.fixture(scope="module")
def csc_903(published):
    return _publish(published, "csc-903", "2017-18")


def test_csc_903(csc_903):
    p = csc_903
    _false_statements(p)
    # 2017-18 Missing (M) rows: 18, less 366621's, which starts inside that child's Away
    # episode (2 November to 22 December 2017) and is set aside as an overlap: 17 episodes of
    # 17 children, all ended by 31 March 2018. Away (A) rows in 2017-18: 22, of 20 children
    # (26033 and 784166 twice).
    assert ("17 children went missing (whereabouts not known) in 2017-18, in 17 missing "
            "episodes.") in p["05"]
    assert ("None went missing more than once in the period, and none was still missing at "
            "its end (31 March 2018).") in p["05"]
    # 20 children away in 22 episodes would leave the 2 away more than once (hidden) at
    # most 22 - 20 = 2: one or two values, too few; the children's number is not shown.
    assert ("children (number not shown) were away from placement without permission "
            "(whereabouts known) in 22 episodes") in p["05"]
    assert "20 children were away" not in p.all()
    # The 903 table has no return-home-interview field: not "0 of 39 episodes".
    assert "0 of 39" not in p.all()
    assert p.figures["missing"]["rhi_offered"] is None
    _once(p["05"], "Return home interviews are not recorded in this extract's missing "
                   "episodes")
    assert "Children going missing rose" not in p.all()


def test_csc_903_outside_its_years(tmp_path, capsys, publish):
    code, err = _refused(tmp_path, capsys, "csc-903", "2019-20", publish)
    assert code == 2 and "2019-20" in err


def test_the_wrong_903_table_is_named(tmp_path, capsys, publish):
    code, err = _refused(tmp_path, capsys, "csc-903-wrongfile", "2017-18", publish)
    assert code == 1
    assert "looks like the SSDA903 Episodes table" in err and "Traceback" not in err


MEDWAY = """
[partnership]
name = "Medway Safeguarding Children Partnership"
authority = "Medway"
la_code = "E06000035"
"""


@pytest.fixture(scope="module")
def d2i(tmp_path_factory, published):
    """The regional pooled file read for one of its authorities (``--la``), with that
    authority's profile: never published as one partnership's whole (issue 17 item 5)."""
    profile = tmp_path_factory.mktemp("medway") / "medway.toml"
    profile.write_text(MEDWAY)
    return _publish(published, "d2i-missing", "2019-20", profile=profile, la="E06000035")


def test_d2i_regional_file_is_not_published_as_one_partnerships(tmp_path, capsys, publish):
    code, err = _refused(tmp_path, capsys, "d2i-missing", "2019-20", publish)
    assert code == 1 and "its column 'LA' names 19 authorities" in err


def test_d2i_regional_missing(d2i):
    p = d2i
    _false_statements(p)
    # Medway's 15 rows of the file: 9 M rows of 9 children, all starting in 2019-20, one
    # with no end date (still missing on 31 March 2020); 6 A rows of 6 children.
    # The 9 Missing episodes fall in 8 months (April, May, September, November, December
    # twice, January, February, March), each month's count hidden and at least 1: a total of
    # 9 would leave each month one or two possible values. The total is hidden, and with it
    # the children (9, none more than once, so the same number).
    assert ("Children (number not shown) went missing (whereabouts not known) in 2019-20, in "
            "missing episodes (number not shown).") in p["05"]
    assert "None went missing more than once in the period" in p["05"]
    # Away: 6 children in 6 episodes, none twice, so the two are one number (the plan and
    # the audit both know it): both shown, or both hidden, never one of them.
    what = "were away from placement without permission (whereabouts known) in"
    assert (f"6 children {what} 6 episodes" in p["05"]
            or f"children (number not shown) {what} episodes (number not shown)" in p["05"])
    assert "Bracknell" not in p.all() and "Slough" not in p.all()  # no other authority
    _once(p["05"], "District is not recorded in this extract's missing episodes")
    assert "has the highest" not in p["05"]


def test_d2i_la_column_mapped_to_district_is_still_one_file_of_19_authorities():
    """Mapping the regional file's LA column to district does not make 19 authorities one
    partnership's districts: the file is refused all the same."""
    with pytest.raises(ExtractError, match="names 19 authorities"):
        r.context(EXTERNAL / "d2i-missing", "2019-20", column_map={"LA": "district"},
                  use_cache=False)


def test_d2i_outside_its_years(tmp_path, capsys, publish):
    profile = tmp_path / "medway.toml"
    profile.write_text(MEDWAY)
    code, err = _refused(tmp_path, capsys, "d2i-missing", "2021-22", publish, profile=profile,
                         la="E06000035")
    assert code == 2 and "2021-22" in err


# --------------------------------------------------------------------------- Annex A


def _annex_a_2020_21(p: Pack) -> None:
    """What the Annex A sample (Lists 2, 3 and 7, September 2019 to March 2021) says for
    2020-21, from its rows:

    * List 3: 6 referrals, all on 16 September 2020; ethnicity a) WBRI x4, s) NOBT, r) OOTH:
      1 not recorded (NOBT), 5 recorded of which 1 black or minority ethnic (OOTH); "Number
      of Referrals in Last 12 Months" 0, 2, 1, 0, 2, 0: 3 marked as re-referrals.
    * List 7: plans starting in 2020-21: 23/11/2020 (0 previous), 08/02/2021 x2 (1 previous
      each), 27/04/2020 x2 (0): 5 plans, 2 second plans.
    * List 2: 5 assessments, 16 September to 18 September 2020, completed by 23 October.
    """
    _false_statements(p)
    assert ("The extract's referrals are all dated 16 September 2020, so 2020-21 is only "
            "partly held: its figures cover only 16 September 2020, not the whole period."
            ) in p["02"]
    assert "re-referrals are undercounted, and so are not compared with England" in p["02"]
    assert ("marks fewer than 6 of the 6 referrals it fills in as re-referrals") in p["02"]
    assert "Fewer than 6 of 6 referrals in 2020-21 did not record ethnicity" in p["06"]
    assert ("Fewer than 6 of fewer than 6 children referred with a known ethnicity in 2020-21 "
            "were from ethnic minority groups") in p["06"]
    assert not re.search(r"(?<!than )\b6 of 6 referrals", p["06"])
    assert ("Fewer than 6 of fewer than 6 child protection plans started in 2020-21 were for a "
            "child who had been on a plan before") in p["03"]
    # Early help shown although the data start on 16 September, not 1 April.
    assert "2020-21 (part: 16 September 2020 to 23 October 2020)" in p["07"]
    _once(p["07"], "The lead professional's agency is not recorded in this extract's early "
                   "help assessments")


def _annex_a_truth(folder: Path) -> None:
    """The same counts, unsuppressed, as the analyst's figures and the plan hold them."""
    extract = load_extract(folder, use_cache=False)
    f = headline_figures(extract, financial_year("2020-21"))
    assert f["referrals"]["referrals"] == 6
    assert f["diversity"]["ethnicity_not_recorded"] == 1
    assert f["cp_plans"]["started"] == 5 and f["cp_plans"]["second_or_subsequent"] == 2
    ctx = r.context(folder, "2020-21", use_cache=False)
    assert ctx.plan.value(ctx.key("referrals_bme")) == 1
    assert ctx.plan.value(ctx.key("referrals_ethnicity_known")) == 5
    assert ctx.plan.value(ctx.key("rereferrals_recorded")) == 3


@pytest.fixture(scope="module")
def liia_wb(published):
    return _publish(published, "liia-pipeline-wb", "2020-21")


def test_liia_workbook(liia_wb):
    _annex_a_2020_21(liia_wb)
    _annex_a_truth(EXTERNAL / "liia-pipeline-wb")
    _once(liia_wb["05"], "This extract does not include missing episodes")


def test_index_gives_no_rate_for_undercounted_rereferrals(liia_wb):
    index = liia_wb["index"]
    tile = index[index.index("Re-referral rate"):index.index("Second or later child")]
    assert "undercounted" in tile
    assert "%" not in tile and "likely between" not in tile


def test_liia_workbook_outside_its_years(tmp_path, capsys, publish):
    code, err = _refused(tmp_path, capsys, "liia-pipeline-wb", "2025-26", publish)
    assert code == 2
    assert "2025-26" in err and "16 September 2020" in err


@pytest.fixture(scope="module")
def liia_csv(published):
    return _publish(published, "liia-pipeline-csv", "2020-21")


def test_liia_csv(liia_csv):
    _annex_a_2020_21(liia_csv)
    _annex_a_truth(EXTERNAL / "liia-pipeline-csv")


@pytest.fixture(scope="module")
def liia_tools(published):
    return _publish(published, "liia-tools-Annex_A_7498eca", "2020-21")


def test_liia_tools_sum_of_previous_plans(liia_tools):
    # List 7 is headed "Sum of Number of Previous Child Protection Plans" (a pivot export):
    # the 2 second plans are counted from it, not dropped to 0.
    _annex_a_2020_21(liia_tools)
    _annex_a_truth(EXTERNAL / "liia-tools-Annex_A_7498eca")
    assert "The number of previous plans is not recorded" not in liia_tools["03"]


@pytest.fixture(scope="module")
def combined(published):
    return _publish(published, "combined-2020-21", "2020-21")


def test_combined(combined):
    _annex_a_2020_21(combined)
    # As in the 903 rule fixtures: 7 children in 9 episodes would pin the repeat children.
    assert ("Children (number not shown) went missing (whereabouts not known) in 2020-21, in "
            "9 missing episodes.") in combined["05"]
    assert combined.figures["coverage"]["referrals"]["period_covered"] == "part"
    assert combined.figures["coverage"]["missing"]["period_covered"] == "full"


def test_combined_outside_its_years(tmp_path, capsys, publish):
    code, err = _refused(tmp_path, capsys, "combined-2020-21", "2015-16", publish)
    assert code == 2 and "2015-16" in err
