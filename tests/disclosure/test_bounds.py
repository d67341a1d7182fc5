"""Bounds (parts at most their total) in the suppression engine and the pack's plan.

Every expected range is worked out by hand in the comments: hidden cells are whole numbers of
at least 1 (zeros are shown) and at most 5 where they are from 1 to 5.
"""

from __future__ import annotations

import numpy as np
import pytest

from wscb_analysis.disclosure.bounds import add_bounds
from wscb_analysis.disclosure.counts import build_plan
from wscb_analysis.disclosure.measures import make_key
from wscb_analysis.disclosure.plan import PlanBuilder
from wscb_analysis.disclosure.suppress import (
    Line,
    exposed,
    pinned,
    primary,
    ranges,
    recovered_small,
    suppress,
)
from wscb_analysis.periods import label_parent as parent_period
from wscb_analysis.publish import audit_solve
from wscb_analysis.publish.audit_solve import AtMost

from ..test_disclosure_cases import write_missing

F, T = False, True


def bound(parts, total) -> Line:
    return Line(tuple(parts), total, at_most=True)


def test_a_hidden_part_under_a_shown_total():
    # 3 interviews offered (hidden) after 40 Missing episodes (shown): 1 <= x <= 40, and at
    # most 5 as it is from 1 to 5.
    values = np.array([3.0, 40.0])
    hidden = np.array([T, F])
    assert ranges(values, hidden, [bound([0], 1)]) == {0: (1, 40)}
    assert ranges(values, hidden, [bound([0], 1)], upper_five=primary(values)) == {0: (1, 5)}


def test_a_hidden_total_over_shown_parts():
    # 12 children shown, their episodes (30) hidden: episodes >= 12, no upper end.
    rng = ranges(np.array([12.0, 30.0]), np.array([F, T]), [bound([0], 1)])
    assert rng == {1: (12, np.inf)}


def test_two_hidden_parts_under_a_shown_total():
    # x + y <= 10 with y >= 1: x <= 9; at most 5 each when both are small.
    values = np.array([2.0, 3.0, 10.0])
    hidden = np.array([T, T, F])
    assert ranges(values, hidden, [bound([0, 1], 2)]) == {0: (1, 9), 1: (1, 9)}
    assert ranges(values, hidden, [bound([0, 1], 2)],
                  upper_five=primary(values)) == {0: (1, 5), 1: (1, 5)}


def test_the_closed_form_agrees_with_the_linear_programme():
    # The same bound twice makes two rows, so the linear programme solves it; one row is
    # solved in closed form. Both must give the ranges worked out above.
    values = np.array([2.0, 3.0, 10.0])
    hidden = np.array([T, T, F])
    once = ranges(values, hidden, [bound([0, 1], 2)])
    twice = ranges(values, hidden, [bound([0, 1], 2), bound([0, 1], 2)])
    assert once == {0: (1, 9), 1: (1, 9)}
    assert {c: pytest.approx(r) for c, r in twice.items()} == once
    # And a hidden total: x >= 12 from 12 <= x, alone and beside a looser 7 <= x (bounds on
    # one hidden cell are folded into its limits).
    values = np.array([12.0, 7.0, 30.0])
    alone = ranges(values, np.array([F, F, T]), [bound([0], 2)])
    both = ranges(values, np.array([F, F, T]), [bound([0], 2), bound([1], 2)])
    assert alone == both == {2: (12, np.inf)}


def test_a_bound_over_a_figure_not_available_says_nothing():
    rng = ranges(np.array([3.0, np.nan]), np.array([T, F]), [bound([0], 1)],
                 upper_five=np.array([T, F]))
    assert rng == {0: (1, 5)}


def test_shown_cells_that_break_a_bound_give_no_range():
    # 20 <= t with t from 1 to 5: no value fits (NaN, reported elsewhere, never "pinned").
    rng = ranges(np.array([20.0, 3.0]), np.array([F, T]), [bound([0], 1)],
                 upper_five=np.array([F, T]))
    assert np.isnan(rng[1][0]) and np.isnan(rng[1][1])
    assert not pinned(rng[1])


def test_one_hidden_cell_under_a_bound_hides_nothing_more():
    # An exact line with one hidden cell gives it away (so a second is hidden); a bound does
    # not: 3 under 40 is only known to be 1 to 5.
    assert list(suppress([3, 40], [bound([0], 1)])) == [T, F]
    assert list(suppress([3, 40], [Line((0,), 1)])) == [T, T]


def test_a_bound_that_pins_a_cell_gets_more_hidden():
    # Cells: x = 1, y = 7 with x + y = T = 8 (exact), and w = 7 interviews within y's
    # episodes (w <= y). Primary hides x; the sum's one-hidden-cell rule hides y (7).
    # Exact sums alone: x + y = 8, x in 1..5, y in 3..7: nothing pinned.
    # With the bound: y >= 7, so y = 7 and x = 1, both pinned. The shown cells on x's line
    # are only T (a total): it is hidden. Then x + y = T, y >= 7: x in 1..5, y >= 7, T >= 8.
    values = [1, 7, 8, 7]
    exact = [Line((0, 1), 2)]
    assert list(suppress(values, exact)) == [T, T, F, F]
    before = ranges(np.array(values, float), np.array([T, T, F, F]), [*exact, bound([3], 1)],
                    upper_five=primary(np.array(values, float)))
    assert before[0] == pytest.approx((1, 1)) and before[1] == pytest.approx((7, 7))
    hide = suppress(values, [*exact, bound([3], 1)])
    assert list(hide) == [T, T, T, F]
    after = ranges(np.array(values, float), hide, [*exact, bound([3], 1)],
                   upper_five=primary(np.array(values, float)))
    assert after == {0: (1, 5), 1: (7, np.inf), 2: (8, np.inf)}


def test_independent_recovered_cells_each_get_a_cell_in_one_go():
    # Two copies of case 9's column side by side (cells 0-5 and 6-11), sharing no line: each
    # pair of small cells is protected by hiding its own 40, and only that.
    col = [1, 40, 60, 50, 1, 152]
    lines = [Line((0, 1, 2, 3, 4), 5), Line((6, 7, 8, 9, 10), 11)]
    hide = suppress(col + col, lines)
    assert list(np.flatnonzero(hide)) == [0, 1, 4, 6, 7, 10]


# --------------------------------------------------------------------------- the pack's plan


@pytest.mark.parametrize(("period", "parent"), [
    ("Oct 2016", "2016-17 Q3"), ("Apr 2016", "2016-17 Q1"), ("Mar 2017", "2016-17 Q4"),
    ("Jan 2017", "2016-17 Q4"), ("2016-17 Q3", "2016-17"), ("2016-17", None)])
def test_parent_period(period, parent):
    # Financial years run April to March: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar.
    assert parent_period(period) == parent


def _line_keys(b: PlanBuilder) -> set[tuple[tuple[str, ...], str]]:
    return {(tuple(b.keys[p] for p in ln.parts), b.keys[ln.total])
            for ln in b.lines if ln.at_most}


def test_plan_bounds_between_missing_figures():
    q = "2014-15 Q2"
    la = {"population": "Looked after"}
    k = {"offered": make_key("rhi_offered", q, la), "accepted": make_key("rhi_accepted", q, la),
         "episodes": make_key("episodes", q, {**la, "type": "Missing"}),
         "children": make_key("missing_children", q, la),
         "repeat": make_key("missing_children_repeat", q, la),
         "all_children": make_key("missing_children", q),
         "july_children": make_key("missing_children", "Jul 2014")}
    b = PlanBuilder()
    for name, value in {"offered": 20, "accepted": 3, "episodes": 20, "children": 12,
                        "repeat": 8, "all_children": 42, "july_children": 12}.items():
        b.cell(k[name], value)
    assert add_bounds(b) == 8
    assert _line_keys(b) == {
        ((k["offered"],), k["episodes"]),  # an interview follows a Missing episode
        ((k["accepted"],), k["episodes"]),
        ((k["accepted"],), k["offered"]),  # accepted ones were offered
        ((k["children"],), k["episodes"]),  # each child had an episode
        ((k["children"], k["repeat"]), k["episodes"]),  # and the repeat ones another
        ((k["repeat"],), k["children"]),
        ((k["children"],), k["all_children"]),  # a population's children within all
        ((k["july_children"],), k["all_children"]),  # a month's children within its quarter
    }


def test_a_bound_the_counts_break_is_left_out():
    b = PlanBuilder()
    offered = b.cell("rhi_offered|2014-15 Q2|", 3)
    accepted = b.cell("rhi_accepted|2014-15 Q2|", 5)  # an interview accepted, not offered
    assert not b.at_most(b.keys[offered], [b.keys[accepted]])
    assert add_bounds(b) == 0 and b.lines == []


def test_the_audit_knows_the_bounds_the_plan_protects():
    # The audit's attacker (publish/audit_solve.py) reads the printed keys and uses the
    # plan's own bounds: worked by hand for the ones the audit did not know before.
    away, repeat = "missing_children_away|2016-17|", "missing_children_away_repeat|2016-17|"
    episodes = "episodes|2016-17|type=Away"  # away episodes, as a breakdown prints them
    month, quarter = "missing_children|Oct 2016|", "missing_children|2016-17 Q3|"
    accepted, offered = "rhi_accepted|2016-17|", "rhi_offered|2016-17|"
    _, bounds = audit_solve.implied({away, repeat, episodes, month, quarter, accepted,
                                     offered})
    assert AtMost((away, repeat), (episodes,)) in bounds  # a child twice has 2 episodes
    assert AtMost((away,), (episodes,)) in bounds
    assert AtMost((repeat,), (away,)) in bounds
    assert AtMost((month,), (quarter,)) in bounds  # October's children are the quarter's
    # Accepted within offered holds only where the data keep it: the audit cannot rely on it.
    assert AtMost((accepted,), (offered,)) not in bounds
    # A month's referrals add up to the quarter's; its distinct children do not.
    assert not any(b.small == (quarter,) for b in bounds)


def test_page_05_tight_plan_leaves_nothing_pinned(tmp_path):
    # The tight miniature of test_disclosure_cases.py: its plan holds the bound of 20
    # interviews offered within the looked-after Missing episodes, and no hidden figure is
    # pinned by the plan's sums and bounds together.
    from wscb_analysis.io.load import load_extract
    from wscb_analysis.periods import financial_year

    extract = load_extract(write_missing(tmp_path / "extract", every_episode_offered=True))
    plan = build_plan(extract, financial_year("2014-15", "Q2"))
    q = "2014-15 Q2"
    la = {"population": "Looked after"}
    offered = plan.index[make_key("rhi_offered", q, la)]
    episodes = plan.index[make_key("episodes", q, {**la, "type": "Missing"})]
    assert any(ln.at_most and ln.parts == (offered,) and ln.total == episodes
               for ln in plan.lines)
    assert plan.hidden(make_key("episodes", q, {**la, "type": "Away"}))
    rng = ranges(plan.values, plan.hidden_mask, plan.lines, upper_five=plan.primary_mask)
    assert not [plan.keys[c] for c, r in rng.items() if pinned(r)]


def _k(measure: str, period: str) -> str:
    from wscb_analysis.disclosure.measures import make_key

    return make_key(measure, period, {})


def test_the_audit_does_not_rely_on_a_bound_the_data_may_break():
    # Offered and accepted are recorded apart: Q1 has 8 accepted beside 6 offered, which the
    # plan hides (with Q2's 3). By hand: Q1 + Q2 = 24 - 7 - 8 = 9, each at least 1 and Q2 at
    # most 5, so Q1 is 4 to 8 and Q2 1 to 5. Were "accepted at most offered" used, Q1 >= 8
    # would pin Q1 = 8 and Q2 = 1: a false alarm on a sound pack.
    from wscb_analysis.disclosure.published import Knowledge
    from wscb_analysis.publish.audit_solve import attacker_ranges, recovered

    q = [_k("rhi_offered", f"2016-17 Q{i}") for i in range(1, 5)]
    know = Knowledge(shown={_k("rhi_accepted", "2016-17 Q1"): 8, q[2]: 7, q[3]: 8,
                            _k("rhi_offered", "2016-17"): 24},
                     hidden={q[0], q[1]}, small={q[1]})
    assert recovered(know) == []
    assert attacker_ranges(know)[q[0]] == (4.0, 8.0)


def test_figures_that_contradict_a_bound_are_still_audited_by_their_sums():
    # Referrals by quarter: 37 in the year, 10 + 10 + 12 shown, so Q1 = 5 (hidden, fewer than
    # 6) is pinned by the sum. A page also shows 30 children referred in Q1, more than Q1's
    # referrals can be: the bound "children within referrals" contradicts the shown figures.
    # The audit must still report Q1, from the sum alone.
    from wscb_analysis.disclosure.published import Knowledge
    from wscb_analysis.publish.audit_solve import recovered

    q = [_k("referrals", f"2016-17 Q{i}") for i in range(1, 5)]
    know = Knowledge(shown={q[1]: 10, q[2]: 10, q[3]: 12, _k("referrals", "2016-17"): 37,
                            _k("children_referred", "2016-17 Q1"): 30},
                     hidden={q[0]}, small={q[0]})
    assert recovered(know) == [q[0]]


def test_a_small_count_keeps_three_possible_values_not_two():
    # Early help by organisation (2012-13 in a small authority): College 2, Police 1, and 30
    # by schools, 33 in all. Hiding the two small counts left College + Police = 33 - 30 = 3,
    # so College was 1 or 2 and Police 2 or 1: hidden, but narrowed to two values. With the
    # protection level (three values), one more cell is hidden: the smallest beside them,
    # the 30. Then College + Police + schools = 33 with each small one at most 5: College is
    # anything from 1 to 5 (schools 33 - College - Police >= 1).
    values = np.array([2.0, 1.0, 30.0, 33.0])
    line = Line((0, 1, 2), 3)
    hidden = suppress(values, [line])
    assert hidden.tolist() == [T, T, T, F]
    rng = ranges(values, hidden, [line], upper_five=primary(values))
    assert rng[0] == (1, 5) and rng[1] == (1, 5)
    # Before: two hidden cells gave College a range of two values, which is now exposed.
    two = ranges(values, np.array([T, T, F, F]), [line], upper_five=primary(values))
    assert two[0] == (1, 2) and exposed(two[0]) and not pinned(two[0])


def test_only_a_range_that_could_be_a_small_count_needs_three_values():
    # A range reaching into 1 to 5 must hold three whole numbers; one wholly at 6 or more
    # protects no small count and gives none away, however narrow (a hidden figure worked
    # out at 40 is a figure of 40, and what it protects is judged by its own range).
    assert exposed((5.0, 6.0)) and exposed((1.0, 2.0)) and exposed((3.0, 3.0))
    assert not exposed((4.0, 6.0)) and not exposed((1.0, 3.0)) and not exposed((6.0, np.inf))
    assert not exposed((40.0, 40.0)) and not exposed((6.0, 7.0))
    assert not exposed((np.nan, np.nan))  # a contradiction, reported apart
    assert recovered_small((3.0, 3.0)) and not recovered_small((40.0, 40.0))


def test_a_figure_hidden_to_protect_others_but_worked_out_all_the_same_is_shown():
    # Referrals by quarter (published: 10, 12, 11, 9) and the year: the year is 42 whatever
    # a pack hides, so hiding it to protect a year's breakdown protects nothing. Here the
    # year is hidden beside a district breakdown of 40 and 2 (the 2 is small, hidden): the
    # year's 42 is worked out from the quarters, so it is shown, and the 40 is hidden in its
    # place (40 = 42 - the hidden 2 would give the 2 away otherwise).
    values = np.array([10.0, 12.0, 11.0, 9.0, 42.0, 40.0, 2.0])
    lines = [Line((0, 1, 2, 3), 4), Line((5, 6), 4)]
    locked = np.array([T, T, T, T, F, F, F])
    hidden = suppress(values, lines, locked=locked)
    assert hidden.tolist() == [F, F, F, F, F, T, T]


def test_hiding_a_total_others_give_away_protects_nothing_so_it_is_shown():
    # As above, but an earlier pack published the district's 40 (locked): the only cell left
    # to hide beside the 2 is the year, whose 42 the published quarters give away. Hiding it
    # protects nothing, so it is shown, and the 2 (42 - 40) is left for the audit to report:
    # no suppression in this pack can protect it, the earlier packs gave it away together.
    values = np.array([10.0, 12.0, 11.0, 9.0, 42.0, 40.0, 2.0])
    lines = [Line((0, 1, 2, 3), 4), Line((5, 6), 4)]
    locked = np.array([T, T, T, T, F, T, F])
    hidden = suppress(values, lines, locked=locked)
    assert hidden.tolist() == [F, F, F, F, F, F, T]
    assert ranges(values, hidden, lines)[6] == (2.0, 2.0)


def test_no_child_away_more_than_once_makes_the_away_episodes_the_children():
    # 6 children away, none more than once (a 0, never hidden): the away episodes are 6,
    # whatever the page hides. All episodes 15 = Missing 7 + Away + Absent, so hiding the
    # Away episodes to protect a small Absent count protects nothing: 15 - 7 - 6 = 2.
    y = "2019-20"
    away, repeat = make_key("missing_children_away", y), make_key(
        "missing_children_away_repeat", y)
    ep = {t: make_key("episodes", y, {"type": t}) for t in ("Missing", "Away", "Absent")}
    total = make_key("episodes", y)
    know = audit_solve.Knowledge(
        shown={away: 6, repeat: 0, ep["Missing"]: 7, total: 15},
        hidden={ep["Away"], ep["Absent"]}, small={ep["Absent"]})
    view = audit_solve.attacker_ranges(know)
    assert view[ep["Away"]] == pytest.approx((6, 6))
    assert view[ep["Absent"]] == pytest.approx((2, 2))
    # With one child away twice (repeat 1, itself hidden) the episodes are only at least 7.
    know.shown[repeat] = 1
    assert audit_solve.attacker_ranges(know)[ep["Away"]][1] > 6
    # The plan knows it too: the exact line episodes(Away) = children away.
    b = PlanBuilder()
    for key, value in {away: 6, repeat: 0, ep["Away"]: 6}.items():
        b.cell(key, value)
    add_bounds(b)
    assert ((away,), ep["Away"]) in {(tuple(b.keys[i] for i in ln.parts), b.keys[ln.total])
                                      for ln in b.lines if not ln.at_most}
