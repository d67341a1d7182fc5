"""The sums and bounds an attacker can set up from the figures a pack shows, and the range
each hidden figure is left with.

Figures are the pack's disclosure-plan keys (``measure|period|dim=value``). From the keys
alone, without the extract, the definitions declared in the measures registry
(:mod:`wscb_analysis.disclosure.measures`, which the plan reads too) imply:

* exact sums: months to their quarter and quarters to their year (measures of records in a
  period, with or without a breakdown; not children, not counts at a day); a breakdown's groups
  to their total (groups of a breakdown the definitions fix, such as types of episode or plan
  numbers, whether printed or not; a breakdown the data fix, such as districts, as printed:
  a pack prints all of a period's groups); the registry's ties (second or later plans are the
  second plus the third or later);
* bounds: a breakdown of children is at most their total (a child can sit in two districts,
  so the parts need not add up), and a month's or a quarter's children at most the quarter's
  or the year's; a subset is at most its whole; children going missing plus those missing
  more than once are at most the missing episodes; less the bounds the data may break
  (:data:`~wscb_analysis.disclosure.measures.CONDITIONAL`): an attacker cannot rely on them;
* hidden figures are whole numbers of at least 1 (zeros are shown), at most 5 where the pack
  says "fewer than 6"; figures the pack never prints are unknowns of at least 0.

The attacker's range of each hidden figure is its least and greatest value under all of
these (two linear programmes, one group of linked figures at a time).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ..disclosure import measures as reg
from ..disclosure.measures import make_key, parse_key
from ..disclosure.published import Knowledge
from ..disclosure.suppress import PROTECTION, exposed, recovered_small
from ..periods import PeriodError, label_children, label_parent

#: (part, whole) subsets an attacker can rely on (the plan's, less those the data may break).
SUBSETS = reg.subsets(conditional=False)


@dataclass(frozen=True)
class Sum:
    """``parts`` add up to ``total`` (keys)."""

    parts: tuple[str, ...]
    total: str


@dataclass(frozen=True)
class AtMost:
    """The sum of ``small`` is at most the sum of ``large`` (keys)."""

    small: tuple[str, ...]
    large: tuple[str, ...]


def _kind(measure: str) -> reg.Kind | None:
    m = reg.MEASURES.get(measure)
    return None if m is None else m.kind


def _parent(period: str) -> str | None:
    try:
        return label_parent(period)
    except PeriodError:
        return None


def _children(period: str) -> list[str]:
    try:
        return label_children(period)
    except PeriodError:
        return []


def implied(keys: set[str], zeros: frozenset[str] = frozenset()
            ) -> tuple[list[Sum], list[AtMost]]:
    """The exact sums and the bounds between ``keys`` (and figures they imply). ``zeros``:
    figures shown as 0, for the one sum a 0 makes exact (no child more than once: the
    episodes are the children)."""
    parsed = {k: parse_key(k) for k in keys}
    sums: list[Sum] = []
    bounds: list[AtMost] = []
    # A breakdown to its total, one dimension at a time (two-way tables give both).
    groups: dict[tuple, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for measure, period, dims in parsed.values():
        for d in dims:
            rest = tuple(sorted((x, v) for x, v in dims.items() if x != d))
            groups[(measure, period, rest)][d].add(dims[d])
    for (measure, period, rest), by_dim in groups.items():
        total = make_key(measure, period, dict(rest))
        kind = _kind(measure)
        for d, values in by_dim.items():
            if kind is not None and kind.distinct:
                bounds += [AtMost((make_key(measure, period, {**dict(rest), d: v}),), (total,))
                           for v in sorted(values)]
                continue
            # A breakdown the definitions fix adds up over all its groups, printed or not.
            every = reg.CLOSED_DIMS.get(d, ()) if set(values) <= set(
                reg.CLOSED_DIMS.get(d, ())) else ()
            parts = tuple(make_key(measure, period, {**dict(rest), d: v})
                          for v in (every or sorted(values)))
            sums.append(Sum(parts, total))
    # Months to quarters, quarters to years, wherever a part is shown (a sum of figures
    # never printed tells nothing).
    done = set()
    for measure, period, dims in parsed.values():
        kind = _kind(measure)
        if kind is None or not kind.adds_over_time:
            continue
        for total_period in {period, _parent(period)} - {None}:
            token = (measure, total_period, tuple(sorted(dims.items())))
            parts = tuple(make_key(measure, p, dims) for p in _children(total_period))
            if token in done or not parts or not any(p in keys for p in parts):
                continue
            done.add(token)
            sums.append(Sum(parts, make_key(measure, total_period, dims)))
    # Figures the definitions tie to another measure's breakdown.
    for measure, period, dims in parsed.values():
        for tie in reg.TIES:
            if not dims and measure in (tie.total, tie.measure):
                sums.append(Sum(tuple(make_key(tie.measure, period, {tie.dim: g})
                                      for g in tie.groups), make_key(tie.total, period)))
    # Bounds only between printed figures: one never printed is unbounded above and bounds
    # nothing (as the plan adds them).
    def bound(small: tuple[str, ...], large: str) -> None:
        if large in keys and all(k in keys for k in small):
            bounds.append(AtMost(small, (large,)))

    pairs_of = {first: (second, whole) for (first, second), whole in reg.PAIRS}
    wholes = defaultdict(list)
    for part, whole in SUBSETS:
        wholes[part].append(whole)
    for key, (measure, period, dims) in parsed.items():
        for whole in wholes.get(measure, ()):
            bound((key,), make_key(whole, period, dims))
        if measure in pairs_of:
            second, whole = pairs_of[measure]
            bound((key, make_key(second, period, dims)), make_key(whole, period, dims))
            if make_key(second, period, dims) in zeros:
                sums.append(Sum((key,), make_key(whole, period, dims)))
        # A month's or a quarter's distinct children are at most the quarter's or year's.
        if _kind(measure) is reg.Kind.DISTINCT and _parent(period) is not None:
            bound((key,), make_key(measure, _parent(period), dims))
    return list(dict.fromkeys(sums)), list(dict.fromkeys(bounds))


def attacker_ranges(know: Knowledge, bounds: bool = True) -> dict[str, tuple[float, float]]:
    """Least and greatest value of every hidden figure (NaN where the shown figures
    contradict the exact sums; where they contradict only a bound, the sums alone are
    solved). ``bounds=False`` leaves out the bounds (subsets, distinct children), keeping the
    exact sums only."""
    keys = set(know.shown) | know.hidden
    sums, at_most = implied(keys, frozenset(k for k, v in know.shown.items() if v == 0))
    bounds = at_most if bounds else []
    names = sorted(keys | {k for s in sums for k in (*s.parts, s.total)}
                   | {k for b in bounds for k in (*b.small, *b.large)})
    index = {k: i for i, k in enumerate(names)}
    n = len(names)
    unknown = np.array([k not in know.shown for k in names])
    # Rows of A x (=|<=) b over all figures; known ones are moved to the right-hand side.
    eq = [(tuple(index[p] for p in s.parts), (index[s.total],)) for s in sums]
    le = [(tuple(index[p] for p in b.small), tuple(index[q] for q in b.large)) for b in bounds]
    values = np.array([know.shown.get(k, 0.0) for k in names])
    rows = [(plus, minus, True) for plus, minus in eq] + [(a, b, False) for a, b in le]
    # Only rows that hold an unknown constrain anything; group unknowns they link.
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    live = []
    for plus, minus, is_eq in rows:
        members = [i for i in (*plus, *minus) if unknown[i]]
        if not members:
            continue
        live.append((plus, minus, is_eq, members))
        for m in members[1:]:
            parent[find(m)] = find(members[0])
    by_group: dict[int, list] = defaultdict(list)
    for row in live:
        by_group[find(row[3][0])].append(row)
    hidden_idx = [index[k] for k in know.hidden]
    out: dict[str, tuple[float, float]] = {}
    for k in know.hidden:
        i = index[k]
        if find(i) not in by_group:
            out[k] = (1.0, 5.0 if k in know.small else np.inf)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in hidden_idx:
        if find(i) in by_group:
            groups[find(i)].append(i)
    for root, targets in groups.items():
        rows = by_group[root]
        found = _solve_group(targets, rows, unknown, values, names, know)
        if any(np.isnan(lo) for lo, _ in found.values()) and not all(r[2] for r in rows):
            # The bounds contradict the shown figures (an extract the definitions did not
            # expect): the attacker is left with what the exact sums alone give.
            sums_only = [r for r in rows if r[2]]
            in_sums = {i for *_, members in sums_only for i in members}
            found = {names[i]: (1.0, 5.0 if names[i] in know.small else np.inf)
                     for i in targets if i not in in_sums}
            linked = [i for i in targets if i in in_sums]
            if linked:
                found.update(_solve_group(linked, sums_only, unknown, values, names, know))
        out.update(found)
    return out


def _solve_group(targets, rows, unknown, values, names, know):
    from scipy.optimize import linprog

    cells = sorted({i for *_, members in rows for i in members})
    pos = {c: j for j, c in enumerate(cells)}
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for plus, minus, is_eq, _ in rows:
        row = np.zeros(len(cells))
        rhs = 0.0
        for sign, side in ((1, plus), (-1, minus)):
            for c in side:
                if unknown[c]:
                    row[pos[c]] += sign
                else:
                    rhs -= sign * values[c]
        (a_eq if is_eq else a_ub).append(row)
        (b_eq if is_eq else b_ub).append(rhs)
    bounds = []
    for c in cells:
        key = names[c]
        if key in know.hidden:
            bounds.append((1, 5 if key in know.small else None))
        else:
            bounds.append((0, None))  # never printed: the attacker knows nothing of it
    # A cap far above every figure the pack shows keeps each programme bounded (a figure
    # that reaches it is unbounded above); a solution under it is a solution without it.
    cap = 1000.0 * (float(np.max(values, initial=0.0)) + 10.0)
    kw = {"A_eq": np.array(a_eq) if a_eq else None, "b_eq": np.array(b_eq) if b_eq else None,
          "A_ub": np.array(a_ub) if a_ub else None, "b_ub": np.array(b_ub) if b_ub else None,
          "bounds": [(lo, cap if hi is None else hi) for lo, hi in bounds], "method": "highs"}
    cols = [pos[c] for c in targets]
    if len(rows) == 1 and a_eq and set(np.unique(a_eq[0])) <= {0.0, 1.0, -1.0}:
        # One sum: each figure's range in closed form.
        from ..disclosure.suppress import _one_line

        found = _one_line(cells, a_eq[0], b_eq[0], bounds)
        return {names[c]: found[c] for c in targets}
    least = np.full(len(cols), np.inf)
    most = np.full(len(cols), -np.inf)

    def solve(obj) -> object:
        res = linprog(obj, **kw)
        if res.status == 0:  # every solution is a value each target can take
            np.minimum(least, res.x[cols], out=least)
            np.maximum(most, res.x[cols], out=most)
        return res

    def wide(j: int) -> bool:
        # Seen at PROTECTION whole numbers: wide enough for any check (a range given from
        # these values is within the true range, never wider).
        return bool(np.floor(most[j] + 1e-6) - np.ceil(least[j] - 1e-6) >= PROTECTION - 1)

    if len(cols) > 2:
        # Every target pushed down, then up, then in mixed directions (fixed, so the audit
        # repeats itself): a target seen at enough whole numbers in these (:func:`wide`) is not
        # narrow and needs no programme of its own.
        rng = np.random.default_rng(len(cols))
        signs = [np.ones(len(cols)), -np.ones(len(cols))]
        signs += [rng.choice([-1.0, 1.0], len(cols)) for _ in range(min(4, len(cols) // 8))]
        for sign in signs:
            obj = np.zeros(len(cells))
            obj[cols] = sign
            if solve(obj).status == 2:  # the shown figures contradict each other
                return {names[c]: (np.nan, np.nan) for c in targets}
    out = {}
    for j, c in enumerate(targets):
        if wide(j):
            out[names[c]] = (float(least[j]), float(most[j]))
            continue
        obj = np.zeros(len(cells))
        obj[pos[c]] = 1
        lo = solve(obj)
        if lo.status == 2:
            return {names[c]: (np.nan, np.nan) for c in targets}
        hi = solve(-obj)
        top = -hi.fun if hi.status == 0 else np.inf
        out[names[c]] = (lo.fun if lo.status == 0 else np.nan,
                         np.inf if top >= cap - 1e-6 else top)
    return out


def recovered(know: Knowledge, bounds: bool = True) -> list[str]:
    """Hidden figures an attacker can pin to one whole number, or narrow by the sums and
    bounds alone to fewer whole numbers than a hidden figure keeps
    (:func:`~wscb_analysis.disclosure.suppress.exposed`)."""
    unmarked = Knowledge(shown=know.shown, hidden=know.hidden, small=set())
    return sorted({k for k, r in attacker_ranges(know, bounds).items() if recovered_small(r)}
                  | {k for k, r in attacker_ranges(unmarked, bounds).items() if exposed(r)})


__all__ = ["SUBSETS", "Sum", "AtMost", "Knowledge", "implied", "attacker_ranges",
           "recovered"]
