"""Disclosure across a partnership's packs (issue 18, items 1 and 2): the year and its
quarters, published in any order, and a year published again with a late record.

Each pack here is its disclosure plan: what it prints is every figure the plan lets a page
print (``PackPlan.printed``), shown or hidden as the plan says. That is at least what a
published pack prints (pages print a subset), so an attacker here knows at least as much as
one holding the real packs; the audit of real packs is in tests/publish/test_archive.py. The
attacker (``audit_solve``) holds every pack at once.
"""

from __future__ import annotations

import shutil

import pytest

from wscb_analysis.disclosure.counts import build_plan
from wscb_analysis.disclosure.plan import Published
from wscb_analysis.disclosure.published import Knowledge
from wscb_analysis.io.load import load_extract
from wscb_analysis.periods import financial_year
from wscb_analysis.profile import load_profile
from wscb_analysis.publish.audit import together
from wscb_analysis.publish.audit_solve import recovered
from wscb_analysis.synth import write_synthetic_extract

PERIODS = {"Q1": "Q1", "Q2": "Q2", "Q3": "Q3", "Q4": "Q4", "year": None}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The small authority the issue's attacks were found on (scale 0.15, seed 11)."""
    folder = tmp_path_factory.mktemp("small")
    write_synthetic_extract(folder, scale=0.15, seed=11)
    return folder


def knowledge_of(plan) -> Knowledge:
    shown, hidden = {}, set()
    for k in plan.printed():
        if plan.hidden(k):
            hidden.add(k)
        elif plan.value(k) is not None:
            shown[k] = plan.value(k)
    return Knowledge(shown=shown, hidden=hidden, small=set())


def publish_in_order(extract, order: list[str]) -> list[Knowledge]:
    profile = load_profile(None)
    packs: list[Knowledge] = []
    for name in order:
        published = None
        if packs:
            union, _ = together(packs[-1], packs[:-1])
            published = Published(shown=dict(union.shown), hidden=frozenset(union.hidden))
        plan = build_plan(extract, financial_year("2016-17", PERIODS[name]), profile, published)
        know = knowledge_of(plan)
        if published:
            # A figure any earlier pack hid is never shown again.
            assert not set(know.shown) & published.hidden, name
        packs.append(know)
    return packs


@pytest.mark.parametrize("order", [["Q1", "Q2", "Q3", "Q4", "year"],
                                   ["year", "Q4", "Q2", "Q1", "Q3"]],
                         ids=["quarters-then-year", "year-first"])
def test_the_year_and_its_quarters_give_nothing_away_in_any_order(small, order):
    # Without the archive, the small authority gave away three hidden counts from
    # the year beside its quarters (Q4 plans ended after 6 months to under a year = 30 - 9 -
    # 9 - 8 = 4; Q2 plans ended after 1 to 2 years; Q4 interviews offered to looked-after
    # children). Planned against what was already published, the five packs together leave
    # every hidden count with at least three possible values and pin none.
    packs = publish_in_order(load_extract(small), order)
    union, revealed = together(packs[-1], packs[:-1])
    assert revealed == []
    assert recovered(union) == []


def test_without_the_archive_the_year_beside_its_quarters_gives_counts_away(small):
    # The same five packs each planned on its own (no archive): the attacker holding them
    # all works some hidden counts out. This is why a partnership publishing a year and its
    # quarters keeps them in an archive (README, SECURITY.md).
    extract = load_extract(small)
    profile = load_profile(None)
    packs = [knowledge_of(build_plan(extract, financial_year("2016-17", q), profile))
             for q in PERIODS.values()]
    union, _ = together(packs[-1], packs[:-1])
    assert recovered(union) != []


def test_a_late_record_moves_nothing_hidden_into_view(small, tmp_path):
    # The year published, then one more referral arrives and the year is published again.
    # The earlier edition is public: every figure it hid stays hidden in the new edition
    # (the issue: a re-publication planned afresh showed two cells that were "c", and the
    # earlier edition's row then gave one away), and the two editions together pin nothing.
    profile = load_profile(None)
    year = financial_year("2016-17")
    first = knowledge_of(build_plan(load_extract(small), year, profile))
    late = tmp_path / "late"
    shutil.copytree(small, late)
    with open(late / "referrals.csv", "a", encoding="utf-8") as fh:
        fh.write('"999001","F","WBRI","01/01/2010","6","15/11/2016","1C","N","Team","SW1",'
                 '"Rugby","English",""\n')
    published = Published(shown=dict(first.shown), hidden=frozenset(first.hidden))
    second = knowledge_of(build_plan(load_extract(late), year, profile, published))
    assert not set(second.shown) & first.hidden
    # The late record did change shown figures (it is in the new edition's counts).
    assert second.shown["referrals|2016-17|"] == first.shown["referrals|2016-17|"] + 1
    union, revealed = together(second, [first])
    assert revealed == [] and recovered(union) == []
