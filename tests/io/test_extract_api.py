"""The extract object as an analyst meets it in JupyterLab (issue 19 item 6).

Tried as a new user would: ``e.missing`` raised AttributeError and ``e['performance']`` a bare
KeyError. Now a source is an attribute too, and a name that is no source gets a message that
says what is available; the worked example in ``Extract``'s docstring runs as written.
"""

from __future__ import annotations

import doctest

import pytest

from wscb_analysis.io import load as load_module
from wscb_analysis.io.load import load_extract
from wscb_analysis.profile import District, Profile


@pytest.fixture
def extract(write_file):
    write_file("referrals.csv", "Child Unique ID,Date of referral\nA1,05/06/2016\n")
    path = write_file("missing.csv", "CHILD,MISSING,MIS_START,MIS_END\nK1,M,01/05/2016,\n")
    return load_extract(path.parent, use_cache=False)


def test_a_source_is_an_attribute_and_an_item(extract):
    assert extract.missing is extract["missing"]
    assert extract.missing["child_id"].tolist() == ["K1"]
    assert extract.has("early_help") is False and len(extract.early_help) == 0
    assert "start_date" in extract.cp_plans.columns  # canonical columns even when absent


def test_a_name_that_is_no_source_says_what_is_there(extract):
    with pytest.raises(KeyError) as err:
        _ = extract["performance"]
    text = str(err.value)
    assert text.startswith("'performance' is not a source of the extract")
    assert "load_performance(e.data_dir)" in text
    assert ("referrals, cp_plans, early_help, missing, contacts, assessments, s47, "
            "children_in_need (this one holds referrals, missing)") in text
    with pytest.raises(AttributeError, match="did you mean 'referrals'"):
        _ = extract.referals
    assert not hasattr(extract, "nonsense")  # still an AttributeError for hasattr and IPython


def test_repr_is_one_line_not_every_frame(extract):
    text = repr(extract)
    assert "referrals.csv: 1 of 1 rows kept" in text and "missing.csv: 1 of 1 rows kept" in text
    assert "cp_plans, early_help: not supplied" in text and "\n" not in text


def test_the_worked_examples_run_as_written():
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    assert doctest.testmod(load_module, optionflags=flags).failed == 0


def test_newcomers_classes_have_docstrings():
    from wscb_analysis.io.schemas import Field, Source

    for cls in (Profile, District, Field, Source, load_module.Extract):
        assert cls.__doc__ and len(cls.__doc__.split()) >= 20, cls.__name__
