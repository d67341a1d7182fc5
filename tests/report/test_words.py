"""Words a board reads (issue 9, item 6) and the statistician's case 8 (issue 12).

On a synthetic extract shaped like the demo, for a year and for a quarter: acronyms spelled
out at first use on each page, dates in words, method terms only in the "How this was worked
out" notes, one England figure per measure per page and of the pack's year (and said to be the
whole year's beside a quarter), nothing said twice. Case 8: no verdict, interval or rate for a
suppressed count, on a hand-made extract of 545 plans ended, 3 of them after 2 years or more.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from wscb_analysis import report as r
from wscb_analysis.synth import write_synthetic_extract

from .extracts import PLAN_COLUMNS, plan, write_csv
from .pages import PAGES, page_text, prose_text

#: The acronyms a page must spell out before using (issue 9, item 6), and others the pages use.
ACRONYMS = ("MASH", "RHI", "NFA", "CP", "BME", "SSDA903", "XmR", "IMD")
#: Method terms: only in the "How this was worked out" notes and the glossary.
METHOD_TERMS = ("confidence interval", "p =", "p <", "p-value", "Poisson", "XmR", "rate ratio",
                "Wilson", "special cause", "binomial", "process limit", "99.8%",
                "trial limit", "score test", "dispersion", "Byar")
#: The England figures each page may set a figure against: DfE indicators of the pack's year.
PAGE_INDICATORS = {
    "01": ("rereferral_rate", "second_or_subsequent_rate", "cp_ended_2_years_plus_rate",
           "cp_open_2_years_plus_rate"),
    "02": ("rereferral_rate", "rereferral_child_rate"),
    "03": ("second_or_subsequent_rate",),
    "04": ("cp_ended_2_years_plus_rate", "cp_open_2_years_plus_rate"),
}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    write_synthetic_extract(folder, scale=0.3, seed=11)
    return folder


@pytest.fixture(scope="module")
def year(synthetic):
    return r.context(synthetic, "2016-17", use_cache=False)


@pytest.fixture(scope="module")
def quarter(synthetic):
    return r.context(synthetic, "2016-17", "Q3", use_cache=False)


@pytest.fixture(scope="module")
def prose(year, quarter):
    return {(label, page): prose_text(ctx, page) for label, ctx in (("year", year),
                                                                     ("quarter", quarter))
            for page in PAGES}


def test_acronyms_are_spelled_out_at_first_use_on_each_page(prose):
    for (label, page), text in prose.items():
        for acronym in ACRONYMS:
            m = re.search(rf"\b{re.escape(acronym)}\b", text)
            if m is None:
                continue
            assert text[m.start() - 1] == "(" and text[m.end()] == ")", (
                f"page {page} ({label}) uses {acronym} before spelling it out: "
                f"...{text[max(0, m.start() - 80):m.end() + 20]}...")


def test_dates_are_in_words(prose):
    for (label, page), text in prose.items():
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b", text), page
        # Month names in sentences, titles, subtitles and alt text ("April 2016"); "Apr 2016"
        # is a table's short label only.
        abbreviated = re.findall(r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b",
                                 text)
        assert abbreviated == [], (page, label, abbreviated)


def test_method_terms_only_in_the_notes(prose, year):
    for (label, page), text in prose.items():
        for term in METHOD_TERMS:
            assert term not in text, (page, label, term,
                                      re.findall(rf".{{0,80}}{re.escape(term)}.{{0,40}}", text))
    # ...and the notes do carry them, folded away.
    assert "Wilson score method" in page_text(year, "02")
    assert "How this was worked out" in page_text(year, "02")


def test_one_england_figure_per_measure_of_the_packs_year(prose, year):
    say_pct = r.common.say.pct
    for (label, page), text in prose.items():
        allowed = {say_pct(year.england(i)) for i in PAGE_INDICATORS.get(page, ())
                   if year.england(i) is not None}
        found = set(re.findall(r"England's (\d+\.\d%)", text))
        assert found <= allowed, (page, label, found - allowed)
    # Page 04 sets plans ended after 2 years against England's figure of the pack's year and,
    # apart, against the comparison the annual report published (3.8%, England's 2015-16
    # figure): that one is named as the report's, never as "England's 3.8%".
    text = prose_text(year, "04")
    assert "England's 3.8%" not in text
    assert text.count("Against 3.8%, England's 2015-16 figure, which the annual report "
                      "used, ") == 1


def test_a_quarter_beside_englands_annual_figure_says_so(prose):
    for (label, page), text in prose.items():
        if label != "quarter":
            continue
        bare = re.findall(r"England's \d+\.\d%(?! for the whole year 2016-17)", text)
        assert bare == [], (page, bare)
    assert "England's figures are for the whole year 2016-17" in prose[("quarter", "01")]


def test_nothing_is_said_twice(prose):
    for (label, page), text in prose.items():
        said = [x for x in text.splitlines() if x.endswith(".") and not x.startswith("Source:")]
        assert len(said) == len(set(said)), (page, label,
                                             [x for x in said if said.count(x) > 1])


def test_the_missing_page_says_the_trend_once(year):
    text = prose_text(year, "05")
    # The target sentence leads with the trend; the trend is not said again before it.
    assert len(re.findall(r"(rising|falling) by \d+\.\d% a year", text)) <= 1


@pytest.fixture
def suppressed_verdict(tmp_path):
    """545 plans ended in 2016-17: 542 after 7 months (1 November 2015 to 1 June 2016) and 3
    after 2 years 5 months (1 January 2014 to 1 June 2016); 10 more started in March 2017
    and still open, so the year is held in full."""
    folder = tmp_path / "case8"
    plans = [plan(f"C{i}", date(2015, 11, 1), date(2016, 6, 1)) for i in range(542)]
    plans += [plan(f"L{i}", date(2014, 1, 1), date(2016, 6, 1)) for i in range(3)]
    plans += [plan(f"O{i}", date(2017, 3, 15)) for i in range(10)]
    write_csv(folder, "cp_plans.csv", PLAN_COLUMNS, plans)
    return folder


def test_no_verdict_interval_or_rate_for_a_suppressed_count(suppressed_verdict):
    """Case 8: 3 of 545 plans ended after 2+ years: the 3 is hidden, so no share (0.6%), no
    interval and no verdict against England's 3.4% may be shown beside it."""
    ctx = r.context(suppressed_verdict, "2016-17", use_cache=False)
    head = page_text(ctx, "01").splitlines()
    row = head.index("Child protection plans that ended after 2 years or more")
    count, of, share, lower, upper, england, verdict = head[row + 1:row + 8]
    assert count == "c" and (share, lower, upper) == ("c", "c", "c")
    assert england == "3.4%" and verdict == "too few to compare"
    two = page_text(ctx, "04")
    sentence = next(x for x in two.splitlines() if "had lasted 2 years or more" in x)
    assert sentence.startswith("Fewer than 6 of ")
    assert sentence.endswith("too few to publish a percentage or compare it.")
    assert "0.6%" not in two and "England's 3.4%" not in two
    assert not re.search(r"(higher|lower) than England|similar to England", sentence)


def test_the_headline_second_or_later_count_is_not_hidden_for_a_breakdown(year):
    # Not a count of 1 to 5 itself: hidden only to protect cells of a breakdown.
    key = year.key("plans_second_or_subsequent")
    assert not year.plan.small(key)
    assert not year.plan.hidden(key)


def test_index_tile_does_not_call_a_protected_count_too_few(year):
    import copy

    from wscb_analysis.publish.index import tiles_html

    # Hide the headline second-or-later count as if to protect another figure (it is 103 on
    # the demo, not a small count): the tile must not call it too few.
    plan = copy.deepcopy(year.plan)
    key = year.key("plans_second_or_subsequent")
    plan.hidden_mask[plan.index[key]] = True
    assert plan.hidden(key) and not plan.small(key)
    html = tiles_html(plan, year.coverage, year.period, {})
    tile = html[html.index("Second or later child protection plans"):]
    tile = tile[:tile.index('<div class="tile">')] if '<div class="tile">' in tile else tile
    assert "too few to show" not in tile



def test_the_published_comparison_is_shown_with_its_test(suppressed_verdict, tmp_path):
    """Issue 17, item 3: the annual report's 4.8% against England's 3.8% (the profile's
    published comparison) appears on page 04 beside DfE's figure for the year, with the test.

    545 plans ended in 2016-17 (case 8 above) with 26 of them after 2 years or more: 26/545 =
    4.8%; Wilson 95% interval (METHODS.md formula, z = 1.959964): centre 2 x 26 + z^2 =
    55.841459, spread z sqrt(z^2 + 4 x 26 x (1 - 26/545)) = 1.959964 x sqrt(3.841459 +
    99.038532) = 1.959964 x 10.142977 = 19.879868, denominator 2 (545 + 3.841459) =
    1,097.682918: 3.27% to 6.90%, which holds 3.8%: similar. Score test: z = (0.047706 -
    0.038) / sqrt(0.038 x 0.962 / 545) = 0.009706 / 0.008190 = 1.185, p = 0.24."""
    folder = tmp_path / "published"
    plans = [plan(f"C{i}", date(2015, 11, 1), date(2016, 6, 1)) for i in range(519)]
    plans += [plan(f"L{i}", date(2014, 1, 1), date(2016, 6, 1)) for i in range(26)]
    plans += [plan(f"O{i}", date(2017, 3, 15)) for i in range(10)]
    write_csv(folder, "cp_plans.csv", PLAN_COLUMNS, plans)
    ctx = r.context(folder, "2016-17", use_cache=False)
    text = page_text(ctx, "04")
    england = next(x for x in text.splitlines() if x.startswith("26 of 545 plans"))
    assert "similar to England's 3.4%" in england  # DfE's own figure for 2016-17
    assert ("Against 3.8%, England's 2015-16 figure, which the annual report used, 4.8% is "
            "similar to it: the difference is within what chance alone could produce.") in text
    assert ("The published comparison's 3.8% lies inside it; the matching score test gives "
            "p = 0.24 (not below 0.05).") in text
    # The comparison is tested too when the count is hidden: no share, no verdict.
    hidden = r.context(suppressed_verdict, "2016-17", use_cache=False)
    assert "Too few to set against 3.8%, England's 2015-16 figure" in page_text(hidden, "04")
