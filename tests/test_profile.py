"""Profiles are checked when read (issue 18 item 5; CONTRACT.md "The partnership profile").

Each bad profile below is the shipped Warwickshire profile with one thing changed, so any
error is that change's. Every command taking ``--profile`` stops with exit 2 and a message
naming the file and the key, before it reads or writes anything; a notebook's context raises
:class:`ProfileError` with the same message.
"""

from __future__ import annotations

import doctest
import re
from importlib import resources
from pathlib import Path

import pytest

from wscb_analysis import profile as profile_module
from wscb_analysis.authorities import authorities, find_authority, largest
from wscb_analysis.cli import main
from wscb_analysis.profile import ProfileError, load_profile

SHIPPED = resources.files("wscb_analysis").joinpath(
    "data", "profiles", "warwickshire.toml").read_text("utf-8")


def changed(old: str, new: str) -> str:
    assert SHIPPED.count(old) == 1, old
    return SHIPPED.replace(old, new)


#: (name, profile text, the key the message must name, more words it must hold)
BAD = [
    ("unknown key", changed("children_0_17 = 112662", "children_0to17 = 112662"),
     "children_0to17", "did you mean 'children_0_17'"),
    ("unknown table", SHIPPED + "\n[populaton]\nchildren_0_17 = 5\n", "populaton",
     "did you mean 'population'"),
    ("unknown district key", changed("population_0_17 = 23087", "populaton_0_17 = 23087"),
     "populaton_0_17", "[[districts]] #3"),
    ("unknown target", changed("[targets.children_missing]", "[targets.children_mising]"),
     "children_mising", "did you mean 'children_missing'"),
    # E08000099 follows the pattern of a metropolitan district's code; DfE has no such one.
    ("la code not in DfE's tables", changed('la_code = "E10000031"', 'la_code = "E08000099"'),
     "E08000099", "not a local authority in DfE's tables"),
    ("la code of another authority", changed('la_code = "E10000031"', 'la_code = "E08000026"'),
     "E08000026", "Warwickshire"),
    ("population 0", changed("children_0_17 = 112662", "children_0_17 = 0"),
     "children_0_17", "1 or more"),
    ("population negative", changed("children_0_17 = 112662", "children_0_17 = -112662"),
     "children_0_17", "1 or more"),
    ("population 2**63 - 1", changed("children_0_17 = 112662",
                                     "children_0_17 = 9223372036854775807"),
     "children_0_17", "more children than any English authority"),
    ("population not whole", changed("children_0_17 = 112662", "children_0_17 = 112662.5"),
     "children_0_17", "whole number"),
    # 11266 / 129392 (DfE, 2024-25) = 0.087, below half
    ("population a digit too few", changed("children_0_17 = 112662", "children_0_17 = 11266"),
     "children_0_17", "far from DfE's figure"),
    ("district population 0", changed("population_0_17 = 23087", "population_0_17 = 0"),
     "population_0_17", "[[districts]] #3"),
    ("district population negative", changed("population_0_17 = 23087",
                                             "population_0_17 = -23087"),
     "population_0_17", "1 or more"),
    ("district population 2**63 - 1", changed("population_0_17 = 23087",
                                              "population_0_17 = 9223372036854775807"),
     "population_0_17", "more children than any English authority"),
    # 12232 + 27203 + 230870 + 23016 + 27124 = 320445 > 112662 x 1.05 = 118295.1
    ("districts add up to more than the authority",
     changed("population_0_17 = 23087", "population_0_17 = 230870"),
     "population_0_17", "add up to 320,445"),
    ("deprivation rank 0", changed("imd_rank = 240", "imd_rank = 0"), "imd_rank", "326"),
    ("deprivation rank beyond its ranking", changed("imd_rank = 240", "imd_rank = 327"),
     "imd_rank", "326"),
    ("deprivation ranking of no edition", changed("imd_areas = 326", "imd_areas = 5"),
     "imd_areas", "317 in 2019"),
    ("target without its baseline", changed('baseline_year = "2016-17"', ""),
     "baseline_year", "baseline"),
    ("a fraction over 1", changed("bme_share = 0.19", "bme_share = 19"), "bme_share",
     "fraction"),
    ("an event affecting nothing known", changed('affects = "referrals"',
                                                 'affects = "referals"'),
     "affects", "referrals, cp_plans"),
]


@pytest.fixture(params=BAD, ids=[b[0] for b in BAD])
def bad(request, tmp_path) -> tuple[Path, str, str]:
    name, text, key, words = request.param
    path = tmp_path / "partnership.toml"
    path.write_text(text, encoding="utf-8")
    return path, key, words


def test_the_shipped_profile_is_clean():
    p = load_profile()
    assert (p.authority, p.la_code, p.population_0_17) == ("Warwickshire", "E10000031", 112662)


def test_each_bad_profile_is_refused_naming_file_and_key(bad):
    path, key, words = bad
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    message = str(err.value)
    assert str(path) in message and key in message and words in message


@pytest.mark.parametrize("command", [
    ["validate", "--data-dir", "{extract}"],
    ["figures", "--data-dir", "{extract}", "--period", "2016-17"],
    ["publish", "--data-dir", "{extract}", "--period", "2016-17", "--out", "{out}"],
    ["synth", "--out", "{out}", "--scale", "0.05"],
    ["demo", "--out", "{out}"],
])
def test_every_command_stops_with_exit_2_before_anything_runs(bad, command, tmp_path, capsys,
                                                              monkeypatch):
    path, key, _ = bad
    extract = tmp_path / "extract"
    extract.mkdir()
    (extract / "referrals.csv").write_text("Child Unique ID,Date of referral\nA1,05/06/2016\n")
    out = tmp_path / "out"

    def no_loading(*args, **kwargs):
        raise AssertionError("the extract was read before the profile was checked")

    monkeypatch.setattr("wscb_analysis.io.load.load_extract", no_loading)
    words = [w.format(extract=extract, out=out) for w in command]
    assert main([*words, "--profile", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and key in err and "Traceback" not in err
    assert not out.exists()  # nothing written


def test_a_notebook_given_a_bad_profile_gets_the_same_message(tmp_path):
    from wscb_analysis import report as r

    path = tmp_path / "partnership.toml"
    path.write_text(changed("children_0_17 = 112662", "children_0to17 = 112662"))
    extract = tmp_path / "extract"
    extract.mkdir()
    (extract / "referrals.csv").write_text("Child Unique ID,Date of referral\nA1,05/06/2016\n")
    with pytest.raises(ProfileError, match=re.escape(f"{path} [population]: unknown key "
                                                     "'children_0to17'")):
        r.context(extract, "2016-17", profile=path, use_cache=False)


def test_authority_table_knows_codes_old_codes_and_names():
    # DfE's reference: Warwickshire is new_la_code E10000031, old_la_code 937 (../shared/data
    # README); Bracknell Forest E06000036 / 867.
    assert find_authority("E10000031").name == "Warwickshire"
    assert find_authority("937").code == "E10000031"
    assert find_authority(" bracknell  forest ").code == "E06000036"
    assert find_authority("E08000099") is None
    assert largest().name == "Kent"  # the largest 0-17 population in DfE's tables
    assert 150 <= len(authorities()) <= 170  # England's 152 authorities and earlier codes


def test_profile_docstring_example_holds():
    assert doctest.testmod(profile_module).failed == 0
