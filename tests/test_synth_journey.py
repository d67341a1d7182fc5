"""The demo authority's census returns are valid against DfE's published schema and say what
its Annex A lists say."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import SHARED_DATA
from wscb_analysis.figures import headline_figures
from wscb_analysis.io.load import load_extract
from wscb_analysis.periods import financial_year
from wscb_analysis.synth import write_synthetic_extract

SCHEMAS = SHARED_DATA / "external" / "cin-schemas"


@pytest.fixture(scope="module")
def extract_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    write_synthetic_extract(out, scale=0.1, seed=3)
    return out


@pytest.mark.skipif(not SCHEMAS.is_dir(), reason="../shared/data/external/cin-schemas absent")
@pytest.mark.parametrize("year", ["2017", "2018"])
def test_returns_are_valid_against_the_published_schema(extract_dir, year):
    xmlschema = pytest.importorskip("xmlschema")
    text = (SCHEMAS / f"CIN_schema_{year}.xsd").read_text()
    # The one known fault of these XSDs (DEFINITIONS.md): NumberOfPreviousCPP is typed as a
    # positive integer, while DfE's rule 8730 asks only for zero or more (a first plan has 0).
    fixed, n = re.subn(r'(name="NumberOfPreviousCPP" type=")xs:positiveInteger',
                       r"\1xs:nonNegativeInteger", text)
    assert n == 1
    schema = xmlschema.XMLSchema(fixed)
    errors = list(schema.iter_errors(str(extract_dir / "cin_census" / f"CIN_Census_{year}.xml")))
    assert errors == []


@pytest.mark.parametrize("period", ["2016-17", "2017-18"])
def test_census_and_lists_give_the_same_journey(extract_dir, period):
    p = financial_year(period)
    lists = headline_figures(load_extract(extract_dir, use_cache=False), p)["journey"]
    census = headline_figures(load_extract(extract_dir / "cin_census", use_cache=False),
                              p)["journey"]
    assert census["contacts"] is None and lists["contacts"] > lists["referrals"]
    same = [k for k in lists if k not in ("contacts", "referrals", "referrals_nfa")]
    assert {k: census[k] for k in same} == {k: lists[k] for k in same}
    # A child referred twice on one day is two rows of referrals.csv (their other columns
    # differ) but two identical episodes in a return: one episode read twice. Counted here
    # from the list itself.
    ref = pd.read_csv(extract_dir / "referrals.csv", dtype=str, keep_default_na=False)
    day = pd.to_datetime(ref["Date of referral"], dayfirst=True, errors="coerce",
                         format="mixed")
    ref = ref.assign(day=day).loc[(day >= pd.Timestamp(p.start)) & (day <= pd.Timestamp(p.end))]
    ref = ref.drop_duplicates()  # the extract's own repeated rows
    twice = int(ref.duplicated(["Child Unique ID", "day", "Referral Source",
                                "Referral NFA?"]).sum())
    assert census["referrals"] == lists["referrals"] - twice
