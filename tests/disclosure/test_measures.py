"""The measures registry (disclosure/measures.py): one key per figure, and every measure a
page, the figures JSON or the plan uses declared there."""

from __future__ import annotations

import re

from wscb_analysis import config
from wscb_analysis.disclosure import measures as reg
from wscb_analysis.disclosure.counts import build_plan
from wscb_analysis.disclosure.figures_json import FIGURE_KEYS
from wscb_analysis.io.load import load_extract
from wscb_analysis.periods import financial_year


def test_an_alias_is_keyed_as_its_measures_breakdown():
    # Missing episodes are episodes of type Missing: one key, whichever name a page uses.
    assert reg.make_key("missing_episodes", "Oct 2016") == "episodes|Oct 2016|type=Missing"
    assert reg.make_key("missing_episodes", "2016-17", {"population": "Looked after"}) == \
        reg.make_key("episodes", "2016-17", {"type": "Missing", "population": "Looked after"})
    assert reg.parse_key("episodes|2016-17|population=Looked after;type=Missing") == (
        "episodes", "2016-17", {"population": "Looked after", "type": "Missing"})
    # Values cannot forge another key.
    key = reg.make_key("referrals", "2016-17", {"district": "a|b=c;d"})
    assert reg.parse_key(key) == ("referrals", "2016-17", {"district": "a|b=c;d"})


def test_kinds_say_what_adds_up():
    assert reg.kind("referrals").adds_over_time and reg.kind("referrals").adds_over_groups
    assert not reg.kind("missing_children").adds_over_time  # a child in two months
    assert not reg.kind("missing_children").adds_over_groups  # a child in two districts
    assert reg.kind("plans_open_at_end").adds_over_groups
    assert not reg.kind("plans_open_at_end").adds_over_time  # a stock, not a flow
    assert reg.kind("missing_episodes") is reg.Kind.EVENT  # an alias has its measure's kind


def test_every_subset_names_measures_of_one_source():
    for part, whole in reg.subsets():
        base = reg.canonical(whole)[0]
        assert reg.MEASURES[part].source == reg.MEASURES[base].source, (part, whole)


def test_every_figure_of_the_json_is_a_declared_measure():
    for measure, _ in FIGURE_KEYS.values():
        assert measure in reg.MEASURES or measure in reg.ALIASES, measure


def test_every_measure_the_pages_ask_for_is_declared():
    # Pages ask for figures by measure name (ctx.key("referrals", ...), make_key(...)).
    asked = set()
    for path in (config.PACKAGE_DIR).rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        asked |= set(re.findall(r"(?:ctx\.(?:key|shown|sayable|count|planned)|make_key)\("
                                r"\"([a-z_0-9]+)\"", text))
    assert asked, "no page asks for a figure: the pattern no longer matches the code"
    unknown = sorted(m for m in asked if m not in reg.MEASURES and m not in reg.ALIASES)
    assert unknown == []


def test_every_figure_a_plan_holds_is_a_declared_measure(write_file):
    header = ("Child Unique ID,Gender,Ethnicity,Date of Birth,Age of Child (Years),"
              "Date of referral,Referral Source,Referral NFA?")
    folder = write_file("referrals.csv", header + "\n" + "\n".join([
        "C1,F,WBRI,01/01/2010,6,05/05/2016,6,N",
        "C2,M,AIND,01/01/2011,5,06/06/2016,2A,Y",
        "C1,F,WBRI,01/01/2010,6,07/07/2016,6,N"]) + "\n").parent
    write_file("missing.csv", """
        CHILD,DOB,MISSING,MIS_START,MIS_END
        C1,01/01/2010,M,01/05/2016,02/05/2016
        C3,01/01/2009,A,03/05/2016,04/05/2016
        """)
    plan = build_plan(load_extract(folder), financial_year("2016-17"))
    measures = {reg.parse_key(k)[0] for k in plan.keys}
    assert "episodes" in measures and "referrals" in measures
    assert not measures - set(reg.MEASURES)
    # Missing episodes live under one key only.
    assert not [k for k in plan.keys if k.startswith(("missing_episodes|", "away_episodes|"))]
