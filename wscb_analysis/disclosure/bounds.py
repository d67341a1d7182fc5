"""The ties and bounds between a plan's figures that follow from the definitions alone.

Exact sums are not all an attacker can use: anyone who knows how a figure is counted knows it
can be no more than another. Left out of the plan, such a bound pins a hidden figure the sums
leave open (page 05: 20 interviews offered after the looked-after children's Missing episodes
make those episodes at least 20, which with the table's sums gave away one Away episode). The
plan records each of the registry's (:mod:`.measures`) ties and bounds wherever it holds the
figures (same period, same breakdown), and suppresses so that no hidden figure is pinned
under them:

* ties (:data:`~.measures.TIES`): a figure that is the sum of another measure's groups
  (second or later plans are the second plus the third or later);
* subsets (:func:`~.measures.subsets`): a part is at most its whole (re-referrals within
  referrals, interviews offered within the Missing episodes they follow, ...);
* pairs (:data:`~.measures.PAIRS`): children going missing plus those missing more than once
  are at most the Missing episodes, and exactly the episodes when none went more than once;
* distinct children (:class:`~.measures.Kind`): a group's children (a population, a
  district) are at most all children and, over a period, a month's or a quarter's at most its
  quarter's or year's; a breakdown of children gets the "never one hidden cell" rule, not an
  exact sum (a child can sit in two groups).

A bound the counts break (data the definitions do not expect, such as an interview accepted but
not recorded as offered) is left out (:meth:`~.plan.PlanBuilder.at_most`). The audit's
attacker (:mod:`wscb_analysis.publish.audit_solve`) reads the same registry, less the bounds
in :data:`~.measures.CONDITIONAL`, which two separately recorded fields keep only when the data
do: an attacker cannot rely on them.
"""

from __future__ import annotations

from collections import defaultdict

from ..periods import grain, label_children, label_parent
from .measures import MEASURES, PAIRS, TIES, Kind, make_key, parse_key, subsets
from .plan import PlanBuilder


def add_ties(b: PlanBuilder) -> int:
    """Record every tie of the registry between figures ``b`` holds (a figure with no
    breakdown and every group it sums); the number recorded."""
    made = 0
    for key in list(b.keys):
        measure, period, dims = parse_key(key)
        if dims:
            continue
        for tie in TIES:
            if tie.total != measure:
                continue
            parts = [make_key(tie.measure, period, {tie.dim: g}) for g in tie.groups]
            if all(b.has(p) for p in parts):
                b.total(key, parts)
                made += 1
    return made


def add_time_sums(b: PlanBuilder) -> int:
    """A breakdown's groups over time: each group's quarters add up to its year (records in a
    period, not children), wherever the plan holds the group in the year and in all four
    quarters; the number recorded. (Totals without a breakdown get their sums, months to
    quarters too, as they are counted.)"""
    made = 0
    for key in list(b.keys):
        measure, period, dims = parse_key(key)
        m = MEASURES.get(measure)
        if not dims or m is None or not m.kind.adds_over_time or grain(period) != "year":
            continue
        parts = [make_key(measure, q, dims) for q in label_children(period)]
        if all(b.has(k) for k in parts) and b.total(key, parts):
            made += 1
    return made


def add_distinct_groups(b: PlanBuilder) -> int:
    """A breakdown of distinct children against all children: "never one hidden cell", not
    an exact sum (a child can sit in two groups), for every breakdown the plan holds."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for key in b.keys:
        measure, period, dims = parse_key(key)
        if measure not in MEASURES or not MEASURES[measure].kind.distinct or len(dims) != 1:
            continue
        (d,) = dims
        groups[(measure, period, d)].append(key)
    made = 0
    for (measure, period, _), parts in groups.items():
        total = make_key(measure, period)
        if b.has(total) and b.total(total, parts, exact=False):
            made += 1
    return made


def add_bounds(b: PlanBuilder) -> int:
    """Record every bound of the module docstring between figures ``b`` holds; the number
    recorded."""
    made: set[tuple] = set()
    pairs_of = {first: (second, whole) for (first, second), whole in PAIRS}
    wholes = defaultdict(list)
    for part, whole in subsets():
        wholes[part].append(whole)

    def add(parts: tuple[str, ...], whole: str) -> None:
        if whole in parts or not all(b.has(p) for p in parts) or not b.has(whole):
            return
        token = (parts, whole)
        if token not in made and b.at_most(whole, parts):
            made.add(token)

    for key in list(b.keys):
        measure, period, dims = parse_key(key)
        for whole in wholes.get(measure, ()):
            add((key,), make_key(whole, period, dims))
        if measure in pairs_of:
            second, whole = pairs_of[measure]
            repeat, episodes = make_key(second, period, dims), make_key(whole, period, dims)
            add((key, repeat), episodes)
            if b.has(repeat) and b.has(episodes) and b.values[b.index[repeat]] == 0:
                # No child more than once: the episodes are the children, as an attacker
                # reading a 0 knows (a 0 is never hidden).
                b.total(episodes, [key])
        m = MEASURES.get(measure)
        if m is not None and m.kind.distinct:
            for d in dims:
                add((key,), make_key(measure, period, {x: v for x, v in dims.items() if x != d}))
        if m is not None and m.kind is Kind.DISTINCT and label_parent(period) is not None:
            # A month's or a quarter's children are at most the quarter's or the year's.
            add((key,), make_key(measure, label_parent(period), dims))
    return len(made)


__all__ = ["add_ties", "add_time_sums", "add_distinct_groups", "add_bounds"]
