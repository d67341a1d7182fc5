"""Districts against the authority's own figure (issue 17, item 1; METHODS.md "Districts within
the authority"), on hand-made extracts whose every count is written below.

The partnership profile is the shipped one: 0-17 populations North Warwickshire 12,232,
Nuneaton and Bedworth 27,203, Rugby 23,087, Stratford-on-Avon 23,016, Warwick 27,124 (112,662
in all). Exact Poisson limits are bounded by hand with the Wilson-Hilferty form of the
chi-square quantile, upper 99.8% count limit ~ E + 3.090 sqrt(E) + (3.090^2 + 2) / 3 + 1
(within a count of the exact value at these sizes).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from wscb_analysis import report as r

from .extracts import MISSING_COLUMNS, PLAN_COLUMNS, episode, plan, write_csv
from .pages import page_text

START = date(2016, 4, 1)


def _episodes(counts: dict[str, int]) -> list[dict]:
    """One Missing episode per child, spread over 2016-17 (one a day from 1 April 2016), and
    one in March 2017 of a child in Rugby so the year is held to its end."""
    rows, i = [], 0
    for district, n in counts.items():
        for _ in range(n):
            rows.append(episode(f"{district[:3]}{i}", START + timedelta(days=i % 360),
                                START + timedelta(days=i % 360 + 1), district=district))
            i += 1
    return rows


def _context(tmp_path, counts: dict[str, int]):
    folder = tmp_path / "missing"
    write_csv(folder, "missing.csv", MISSING_COLUMNS, _episodes(counts))
    return r.context(folder, "2016-17", use_cache=False)


def _district_block(ctx):
    return r.missing_by_district(ctx)


def test_a_district_far_above_the_authority_is_named(tmp_path):
    # 60 + 20 + 25 + 20 + 3 = 128 children: the authority's rate is 128 / 112,662 x 10,000
    # = 11.4 per 10,000. Nuneaton and Bedworth expects 128 x 27,203 / 112,662 = 30.9; its
    # upper 99.8% limit is about 30.9 + 3.090 x 5.56 + 3.85 + 1 = 53 < 60: above, beyond
    # chance. Rugby expects 26.2 (lower 95% about 26.2 - 1.96 x 5.12 = 16.2 < 20), Warwick
    # 30.8 (lower 95% about 20.1 < 25), Stratford-on-Avon 26.1 (16.1 < 20): inside.
    # North Warwickshire's 3 children are hidden (1 to 5), and the plan hides one more
    # district so the 3 cannot be worked out from the total: neither may be placed, given a
    # verdict, or given a number.
    ctx = _context(tmp_path, {"Nuneaton and Bedworth": 60, "Rugby": 20, "Warwick": 25,
                              "Stratford-on-Avon": 20, "North Warwickshire": 3})
    block = _district_block(ctx)
    text = block.texts()
    assert text.splitlines()[1] == ("Nuneaton and Bedworth is above the authority's average "
                                    "rate of children going missing")
    assert ("Nuneaton and Bedworth: 60 children going missing (22.1 per 10,000 children aged "
            "0-17), against about 31 expected at the authority's rate of 11.4 per 10,000: "
            "above the authority's average by more than chance would explain.") in text
    assert "No district stands out" not in text and "No district shown stands out" not in text
    hidden = [d for d in ctx.profile.district_names
              if ctx.plan.hidden(ctx.key("missing_children", district=d))]
    assert "North Warwickshire" in hidden and len(hidden) >= 2
    assert re.search(r"The figures? for (.* and )?North Warwickshire( and .*)? (is|are) too few "
                     r"to publish, so (it is|they are) not compared\.", text), text
    chart = next(i for i in block.items if hasattr(i, "png"))
    for d in hidden:
        # Named as not shown, never with a figure beside it.
        assert re.search(rf"{re.escape(d)}[^;.]*\d", chart.alt) is None, chart.alt
        assert f"{d} (not shown)" in chart.alt
        assert not any(lab.startswith(f"{d}:") for lab in chart.labels)
    # The centre is the authority's own figure (all 128 children), not the shown districts'.
    assert chart.constants == ["11.4"]
    assert "around the authority's average of 11.4 per 10,000" in chart.alt


def test_no_district_stands_out_only_when_all_lie_inside_the_inner_limits(tmp_path):
    # 20, 44, 38, 38, 44 children: each district's count is its population share of the 184
    # (within 1 of 184 x population / 112,662 = 20.0, 44.4, 37.7, 37.6, 44.3): all inside the
    # 95% limits.
    ctx = _context(tmp_path, {"North Warwickshire": 20, "Nuneaton and Bedworth": 44,
                              "Rugby": 38, "Stratford-on-Avon": 38, "Warwick": 44})
    text = _district_block(ctx).texts()
    assert ("No district stands out from the authority's average rate of children going "
            "missing") in text
    assert ("Every district lies within the range chance alone would give around the "
            "authority's average rate of children going missing of 16.3 per 10,000.") in text


def test_a_district_between_the_limits_is_not_called_beyond_chance(tmp_path):
    # Rugby 60 of 260: the authority's 260 / 112,662 gives Rugby 53.3 expected; the
    # 95% upper limit is about 53.3 + 1.96 x 7.30 + 1.6 = 69 > 60... so move Rugby to 70:
    # total 270, expected 55.3, 95% upper about 55.3 + 14.6 + 1.6 = 71.5 > 70: inside. With
    # Rugby at 75 (total 275): expected 56.4, 95% upper about 72.7 < 75 and 99.8% upper
    # about 56.4 + 23.2 + 4.9 = 84.5 > 75: between the limits.
    ctx = _context(tmp_path, {"North Warwickshire": 30, "Nuneaton and Bedworth": 66,
                              "Rugby": 75, "Stratford-on-Avon": 50, "Warwick": 54})
    block = _district_block(ctx)
    text = block.texts()
    assert "No district's rate of children going missing is clearly above or below" in text
    assert re.search(r"Rugby \(32\.5 per 10,000\) lies between the inner and outer limits: "
                     r"a little above the authority's 24\.4 per 10,000, but not by enough "
                     r"to rule out chance\.", text), text
    assert not any("by more than chance would explain" in f for f in block.findings())


def _plans(tmp_path, per_district: dict[str, tuple[int, int]]):
    """Plans that ended in 2016-17: per district (ended after 7 months, ended after 2 years 5
    months), and 10 plans still open from March 2017 so the year is held."""
    rows = []
    for d, (short, long) in per_district.items():
        rows += [plan(f"{d[:3]}S{i}", date(2015, 11, 1), date(2016, 6, 1), district=d)
                 for i in range(short)]
        rows += [plan(f"{d[:3]}L{i}", date(2014, 1, 1), date(2016, 6, 1), district=d)
                 for i in range(long)]
    rows += [plan(f"O{i}", date(2017, 3, 15)) for i in range(10)]
    folder = tmp_path / "plans"
    write_csv(folder, "cp_plans.csv", PLAN_COLUMNS, rows)
    return r.context(folder, "2016-17", use_cache=False)


def test_page_04_is_centred_on_the_authoritys_share_with_hidden_districts_in_it(tmp_path):
    # Ended after 2 years or more / ended: Rugby 12 of 60, Warwick 10 of 70, Nuneaton and
    # Bedworth 3 of 80 (hidden: 1 to 5), North Warwickshire 10 of 40, Stratford-on-Avon
    # 10 of 50. The authority: 45 of 300 = 15.0% (the districts shown alone would give
    # 42 / 220 = 19.1%: a centre that moves when a district is hidden).
    ctx = _plans(tmp_path, {"Rugby": (48, 12), "Warwick": (60, 10),
                            "Nuneaton and Bedworth": (77, 3), "North Warwickshire": (30, 10),
                            "Stratford-on-Avon": (40, 10)})
    block = r.duration_funnel(ctx)
    chart = next(i for i in block.items if hasattr(i, "png"))
    assert "around the authority's average of 15.0%" in chart.alt
    assert chart.constants == ["15.0%"]
    assert "Nuneaton and Bedworth (not shown)" in chart.alt
    # Every district the profile lists is drawn or named: none left out in silence.
    for d in ctx.profile.district_names:
        assert d in chart.alt


def test_page_04_draws_no_funnel_around_a_hidden_authority_figure(tmp_path):
    # 3 plans of 300 ended after 2 years or more: the authority's own figure is hidden (1
    # to 5), so a centre would give it away: no funnel, and the page says why.
    ctx = _plans(tmp_path, {"Rugby": (100, 2), "Warwick": (97, 1), "Stratford-on-Avon":
                            (100, 0)})
    text = r.duration_funnel(ctx).texts()
    assert ("The districts are not compared with the authority's average: the authority's "
            "own figure is too few to publish.") in text
    assert "compared with the authority's own figure instead" not in text
    assert "Funnel plot" not in page_text(ctx, "04") and "0.0%" not in text
