"""Primary and secondary suppression over any set of published sums.

Cells are numbered 0..n-1 with their counts; a :class:`Line` says that some cells add up to
another (a row and its total, the months of a quarter and the quarter, the districts of a year
and the year). The rules (DEFINITIONS.md):

* primary: a count from 1 to 5 is hidden; 0 is shown (zeros stay zeros);
* secondary: a line never holds exactly one hidden cell (it would be its total minus the rest),
  so the smallest non-zero cell beside it is hidden too;
* audit: an attacker who knows every shown cell, every exact line, every bound (parts at
  most their total), that hidden cells are whole numbers of at least 1 (zeros are shown) and
  at most 5 where the cell is primary, works out the range each hidden cell can take by linear
  programming; a cell pinned to one whole number is recovered, and one more cell beside it is
  hidden, until none is.

Lines between distinct counts of children (a child can fall in two districts) are not exact
sums: they get the "never one hidden cell" rule but not the exact audit. A bound
(``at_most``: re-referrals within referrals, interviews offered within Missing episodes) gets
the audit but not the "never one hidden cell" rule: one hidden cell under a shown total is
only bounded, not given away.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .formats import SMALL

#: Whole numbers a hidden figure that could be a count from 1 to 5 keeps in an attacker's range
#: (SECURITY.md, "protection level", as tau-argus and sdcTable set one): with three, no
#: combination of a pack's figures, or of an archive's, narrows a small count to one of two.
PROTECTION = 3


@dataclass(frozen=True)
class Line:
    """``parts`` add up to ``total`` (cell numbers); ``exact`` False for distinct counts.

    ``at_most``: the parts add up to at most the total (a bound an attacker knows from the
    definitions); ``exact`` is then not read."""

    parts: tuple[int, ...]
    total: int
    exact: bool = True
    at_most: bool = False

    @property
    def solved(self) -> bool:
        """Used by the audit's linear programmes (an exact sum or a bound)."""
        return self.exact or self.at_most


def primary(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return np.isfinite(v) & (v >= SMALL[0]) & (v <= SMALL[1])


def _components(cells: Sequence[int], lines: Sequence[Line]) -> list[tuple[list[int],
                                                                             list[Line]]]:
    """Hidden cells grouped by the lines that connect them (solved one group at a time)."""
    parent = {c: c for c in cells}

    def find(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    touching: list[tuple[Line, list[int]]] = []
    for line in lines:
        members = [c for c in (*line.parts, line.total) if c in parent]
        if members:
            touching.append((line, members))
            for m in members[1:]:
                parent[find(m)] = find(members[0])
    groups: dict[int, tuple[list[int], list[Line]]] = {}
    for c in cells:
        groups.setdefault(find(c), ([], []))[0].append(c)
    for line, members in touching:
        groups[find(members[0])][1].append(line)
    return list(groups.values())


def ranges(values: np.ndarray, hidden: np.ndarray, lines: Sequence[Line],
           upper_five: np.ndarray | None = None, memo: dict | None = None,
           exact: bool = True, spread: int = 1) -> dict[int, tuple[float, float]]:
    """The least and greatest value each hidden cell can take given the shown cells, the
    exact lines and the bounds (hidden cells are at least 1; at most 5 where ``upper_five``);
    NaN where the shown cells contradict them. ``memo`` keeps each group's answer between
    calls (a group whose hidden cells did not change has the same ranges).

    ``exact`` False: only whether each cell's range holds more than ``spread`` whole numbers
    is needed (1: is it pinned; ``PROTECTION - 1``: is it :func:`exposed`). A cell seen at
    values ``spread`` apart among a few solutions does, and its range is given as those
    values (within the true range, not all of it): a group of many linked cells then needs
    two programmes, not two for each cell."""
    from scipy.optimize import linprog  # only tables with sums need the audit

    values = np.asarray(values, dtype=float)
    cells = [int(i) for i in np.flatnonzero(hidden)]
    upper_five = np.zeros(len(values), bool) if upper_five is None else upper_five
    solved = [ln for ln in lines if ln.solved]
    out: dict[int, tuple[float, float]] = {}
    for group, group_lines in _components(cells, solved):
        token = frozenset(group)
        if memo is not None and token in memo:
            out.update(memo[token])
            continue
        before = set(out)
        _group_ranges(group, group_lines, values, upper_five, out, linprog, exact, spread)
        if memo is not None:
            memo[token] = {c: out[c] for c in set(out) - before}
    return out


def _group_ranges(group, group_lines, values, upper_five, out, linprog,
                  exact: bool = True, spread: int = 1) -> None:
    """Ranges of one group's hidden cells into ``out`` (closed form for one sum or one
    bound, else two linear programmes a cell)."""
    pos = {c: i for i, c in enumerate(group)}
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for line in group_lines:
        if line.at_most and line.total not in pos and not np.isfinite(values[line.total]):
            continue  # at most a figure not available: the attacker learns nothing
        row = np.zeros(len(group))
        rhs = 0.0
        for c in line.parts:
            if c in pos:
                row[pos[c]] += 1
            else:
                rhs -= values[c] if np.isfinite(values[c]) else 0.0
        if line.total in pos:
            row[pos[line.total]] -= 1
        else:
            rhs += values[line.total] if np.isfinite(values[line.total]) else 0.0
        if row.any():
            (a_ub if line.at_most else a_eq).append(row)
            (b_ub if line.at_most else b_eq).append(rhs)
    bounds = [(1, SMALL[1] if upper_five[c] else None) for c in group]
    if a_ub:
        # A bound on one hidden cell (3 interviews under 40 episodes shown) is a limit on
        # that cell, not a row: so a sum with such bounds beside it keeps its closed form.
        rows_kept = []
        for row, rhs in zip(a_ub, b_ub, strict=True):
            (nz,) = np.nonzero(row)
            if len(nz) != 1:
                rows_kept.append((row, rhs))
                continue
            i, coef = int(nz[0]), row[nz[0]]
            lo, hi = bounds[i]
            if coef > 0:
                hi = rhs / coef if hi is None else min(hi, rhs / coef)
            else:
                lo = max(lo, rhs / coef)
            if hi is not None and lo > hi + 1e-9:  # the shown cells contradict the bound
                out.update({c: (np.nan, np.nan) for c in group})
                return
            bounds[i] = (lo, hi)
        a_ub, b_ub = [r for r, _ in rows_kept], [v for _, v in rows_kept]
    if not a_eq and not a_ub:
        for c, (lo, hi) in zip(group, bounds, strict=True):
            out[c] = (float(lo), np.inf if hi is None else float(hi))
        return
    rows = a_eq + a_ub
    if len(rows) == 1 and set(np.unique(rows[0])) <= {0.0, 1.0, -1.0}:
        # One sum or one bound: each cell's range in closed form (no linear programme).
        if a_eq:
            out.update(_one_line(group, a_eq[0], b_eq[0], bounds))
        else:
            out.update(_one_bound(group, a_ub[0], b_ub[0], bounds))
        return
    kw = {"A_eq": np.array(a_eq) if a_eq else None, "b_eq": np.array(b_eq) if a_eq else None,
          "A_ub": np.array(a_ub) if a_ub else None, "b_ub": np.array(b_ub) if a_ub else None,
          "bounds": bounds, "method": "highs"}
    least = np.full(len(group), np.inf)
    most = np.full(len(group), -np.inf)
    if not exact and len(group) > 2:
        # Every cell pushed down, then up (under a cap far above every count, so the
        # programme is bounded; a solution under the cap is a solution without it).
        cap = 1000.0 * (float(np.nanmax(np.abs(values), initial=0.0)) + 10.0)
        capped = {**kw, "bounds": [(lo, cap if hi is None else hi) for lo, hi in bounds]}
        for sign in (1.0, -1.0):
            res = linprog(np.full(len(group), sign), **capped)
            if res.status == 2:  # the shown cells contradict the lines
                out.update({c: (np.nan, np.nan) for c in group})
                return
            if res.status == 0:
                np.minimum(least, res.x, out=least)
                np.maximum(most, res.x, out=most)
    for i, c in enumerate(group):
        if not exact and np.floor(most[i] + 1e-6) - np.ceil(least[i] - 1e-6) >= spread:
            out[c] = (float(least[i]), float(most[i]))  # enough whole numbers fit
            continue
        obj = np.zeros(len(group))
        obj[i] = 1
        lo = linprog(obj, **kw)
        hi = linprog(-obj, **kw)
        for res in (lo, hi):
            if res.status == 0:
                np.minimum(least, res.x, out=least)
                np.maximum(most, res.x, out=most)
        low = lo.fun if lo.status == 0 else np.nan
        high = -hi.fun if hi.status == 0 else (np.inf if hi.status == 3 else np.nan)
        out[c] = (low, high)


def _terms(coef, bounds) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each cell's bounds (lo, hi; no upper bound is inf) and the range each term coef*x
    contributes (t_lo, t_hi)."""
    lo = np.array([b[0] for b in bounds], float)
    hi = np.array([np.inf if b[1] is None else b[1] for b in bounds], float)
    return lo, hi, np.where(coef > 0, coef * lo, coef * hi), np.where(coef > 0, coef * hi,
                                                                     coef * lo)


def _one_line(group, coef, rhs, bounds) -> dict[int, tuple[float, float]]:
    """Ranges of cells tied by one equation sum(coef * x) = rhs (coef +1 or -1), each cell
    within its bounds: for cell i, the rest can move sum(coef*x) over [lo_rest, hi_rest]."""
    lo, hi, t_lo, t_hi = _terms(coef, bounds)
    out = {}
    for i, c in enumerate(group):
        if coef[i] == 0:
            out[c] = (lo[i], hi[i])
            continue
        rest_lo = np.sum(np.delete(t_lo, i))
        rest_hi = np.sum(np.delete(t_hi, i))
        # coef_i * x_i = rhs - rest, rest in [rest_lo, rest_hi].
        a, b = (rhs - rest_hi) / coef[i], (rhs - rest_lo) / coef[i]
        a, b = min(a, b), max(a, b)
        out[c] = (max(lo[i], a), min(hi[i], b))
    return out


def _one_bound(group, coef, rhs, bounds) -> dict[int, tuple[float, float]]:
    """Ranges of cells tied by one bound sum(coef * x) <= rhs (coef +1 or -1), each cell
    within its bounds: for cell i the rest contribute at least ``rest_lo``, so
    coef_i * x_i <= rhs - rest_lo; the other end of x_i's range is its own bound (the rest
    can always take their least contribution). Empty (NaN) when even that does not fit."""
    lo, hi, t_lo, _ = _terms(coef, bounds)
    out = {}
    for i, c in enumerate(group):
        if coef[i] == 0:
            out[c] = (lo[i], hi[i])
            continue
        room = rhs - np.sum(np.delete(t_lo, i))
        if coef[i] > 0:
            rng = (lo[i], min(hi[i], room))
        else:
            rng = (max(lo[i], -room), hi[i])
        out[c] = rng if rng[0] <= rng[1] + 1e-9 else (np.nan, np.nan)
    return out


def pinned(rng: tuple[float, float]) -> bool:
    """One whole number only fits the range."""
    lo, hi = rng
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return False
    return int(np.floor(hi + 1e-6)) == int(np.ceil(lo - 1e-6))


def exposed(rng: tuple[float, float]) -> bool:
    """An attacker's range for a hidden figure is too narrow to protect it: it reaches down
    into counts from 1 to 5 (so the figure could be a small count) and holds fewer than
    :data:`PROTECTION` whole numbers. A range wholly at 6 or more protects no small count,
    and gives none away however narrow (a figure hidden only to protect others that is worked
    out is a figure of 6 or more, and what it protects is judged by its own range). Unbounded
    or contradictory ranges (NaN, reported apart) are not exposed.

    The range is the one the sums and bounds leave, knowing only that hidden figures are at
    least 1 (:func:`ranges` without ``upper_five``): that a pack says a figure is "fewer than
    6" is a narrowing the pack chose to print, and a figure so marked must then only not be
    pinned (:func:`pinned`, over ranges that know it is at most 5)."""
    lo, hi = rng
    if np.isnan(lo) or np.isnan(hi) or not np.isfinite(hi):
        return False
    first, last = int(np.ceil(lo - 1e-6)), int(np.floor(hi + 1e-6))
    return first <= SMALL[1] and last - first + 1 < PROTECTION


def recovered_small(rng: tuple[float, float]) -> bool:
    """A hidden count from 1 to 5 worked out exactly."""
    return pinned(rng) and rng[0] <= SMALL[1] + 1e-6


def suppress(values: Sequence[float], lines: Iterable[Line] = (),
             upper_five: np.ndarray | None = None, *, hidden: np.ndarray | None = None,
             locked: np.ndarray | None = None,
             unprinted: np.ndarray | None = None,
             last: np.ndarray | None = None) -> np.ndarray:
    """The cells to hide (True): primary, then secondary until no line has exactly one hidden
    cell and no hidden cell is :func:`exposed` under the exact lines and bounds. NaN cells (not
    available) are never hidden and never counted on.

    ``hidden``: cells already hidden elsewhere (kept hidden); ``locked``: cells already shown
    elsewhere, which may not be hidden here (secondary suppression works around them);
    ``unprinted``: cells no pack prints (yet), held only because they add up with printed
    ones (a quarter of a year whose other quarters and year are published): unknown to an
    attacker, protected only if they are counts from 1 to 5 (the year less three quarters
    must not give the fourth away), never hidden to protect another. ``last``: cells hidden
    to protect others only when nothing else will do (a pack's headline totals: the board
    reads them first).
    """
    values = np.asarray(values, dtype=float)
    lines = list(lines)
    locked = np.zeros(len(values), bool) if locked is None else np.asarray(locked, bool)
    unprinted = (np.zeros(len(values), bool) if unprinted is None
                 else np.asarray(unprinted, bool) & ~locked)
    hide = primary(values) & ~locked
    before = np.zeros(len(values), bool) if hidden is None else np.asarray(hidden, bool)
    hide |= before
    upper = primary(values) if upper_five is None else np.asarray(upper_five, bool)
    finite = np.isfinite(values)
    candidates = finite & (values > 0) & ~locked & ~unprinted
    last = np.zeros(len(values), bool) if last is None else np.asarray(last, bool)
    memo: dict = {}  # ranges knowing hidden figures are at least 1
    memo_five: dict = {}  # and knowing those from 1 to 5 are at most 5

    def protect_line(line: Line) -> bool:
        members = [*line.parts, line.total]
        unknown = [c for c in members if hide[c] or unprinted[c]]
        if len(unknown) != 1 or not hide[unknown[0]]:
            return False  # no figure worked out, or one no pack prints and nobody need hide
        options = [c for c in line.parts if candidates[c] and not hide[c]]
        if candidates[line.total] and not hide[line.total]:
            options.append(line.total)
        if not options:
            return False
        # A part before the total, and anything before a headline figure.
        hide[min(options, key=lambda c: (last[c], c == line.total, values[c], c))] = True
        return True

    for _ in range(len(values) + 1):
        changed = False
        for line in lines:
            if not line.at_most:  # one hidden cell under a bound is bounded, not given
                changed |= protect_line(line)
        if changed:
            continue
        if not any(ln.solved for ln in lines):
            break
        unknown = hide | unprinted
        found = sorted(c for c in (
            {c for c, r in ranges(values, unknown, lines, None, memo, exact=False,
                                  spread=PROTECTION - 1).items() if exposed(r)}
            | {c for c, r in ranges(values, unknown, lines, upper, memo_five,
                                    exact=False).items() if recovered_small(r)}) if hide[c])
        if not found:
            break
        if not _hide_for(found, lines, hide, candidates, values, unprinted, last):
            break  # nothing left to hide: the audit will report it
    # A figure hidden only to protect others that is worked out all the same protects nothing
    # (an attacker has its value either way): it is shown. (Typically a year's total whose
    # quarters packs already published.)
    if any(ln.solved for ln in lines):
        secondary = hide & ~primary(values) & ~before
        if secondary.any():
            for c, r in ranges(values, hide | unprinted, lines, upper, None,
                               exact=False).items():
                if secondary[c] and pinned(r):
                    hide[c] = False
    return hide


def _hide_for(found: list[int], lines: Sequence[Line], hide: np.ndarray,
              candidates: np.ndarray, values: np.ndarray,
              unprinted: np.ndarray | None = None, last: np.ndarray | None = None) -> bool:
    """Hide one more cell near each recovered cell in ``found``, but only one per group of
    linked hidden cells: a cell hidden for one recovered cell may protect the others of its
    group (case 9: two small cells on one line are both protected by one more hidden cell),
    so they wait for the ranges to be worked out again. Groups that share no line are
    independent, so each still gets its cell in this round. True when a cell was hidden."""
    solved = [ln for ln in lines if ln.solved]
    unknown = hide if unprinted is None else hide | unprinted
    hidden_now = [int(i) for i in np.flatnonzero(unknown)]
    group_of: dict[int, int] = {}
    for g, (cells, _) in enumerate(_components(hidden_now, solved)):
        for c in cells:
            group_of[c] = g
    touched: set[int] = set()
    progressed = False
    for cell in found:
        if group_of[cell] in touched:
            continue
        choice = _nearest_candidate(cell, lines, unknown, candidates, values, last)
        if choice is None:
            continue
        hide[choice] = True
        unknown[choice] = True
        progressed = True
        touched.add(group_of[cell])
        # The new hidden cell joins every group on its lines: their ranges change too.
        for ln in solved:
            if choice in ln.parts or choice == ln.total:
                touched.update(group_of[c] for c in (*ln.parts, ln.total) if c in group_of)
    return progressed


def _nearest_candidate(cell: int, lines: Sequence[Line], hide: np.ndarray,
                       candidates: np.ndarray, values: np.ndarray,
                       last: np.ndarray | None = None) -> int | None:
    """The smallest shown non-zero cell on the lines (sums and bounds) nearest ``cell``:
    first the lines through it, then lines through the hidden cells on those, and so on (the
    shown cells that pin a hidden one lie on the lines that connect it to them). A ``last``
    cell (a headline) is taken only when no other cell on any line further out will do."""
    exact = [ln for ln in lines if ln.solved]
    seen_cells = {cell}
    frontier = {cell}
    used: set[int] = set()
    fallback: int | None = None
    while frontier:
        ring = [i for i, ln in enumerate(exact) if i not in used
                and frontier & {*ln.parts, ln.total}]
        if not ring:
            break
        used.update(ring)
        members = {c for i in ring for c in (*exact[i].parts, exact[i].total)}
        options = [c for c in members if candidates[c] and not hide[c]]
        preferred = [c for c in options if last is None or not last[c]]
        if preferred:
            totals = {exact[i].total for i in ring}
            return min(preferred, key=lambda c: (c in totals, values[c], c))
        if options and fallback is None:
            fallback = min(options, key=lambda c: (values[c], c))
        frontier = {c for c in members if hide[c]} - seen_cells
        seen_cells |= frontier
    return fallback



def grid_lines(shape: tuple[int, int], row_total: int | None, total_row: int | None,
               exact: bool = True) -> list[Line]:
    """Lines of a table stored row by row (cell = r * ncols + c): each row's cells add to its
    ``row_total`` column, each column's cells to the ``total_row`` row."""
    nrows, ncols = shape
    out = []
    if row_total is not None:
        for r in range(nrows):
            out.append(Line(tuple(r * ncols + c for c in range(ncols) if c != row_total),
                            r * ncols + row_total, exact))
    if total_row is not None:
        for c in range(ncols):
            out.append(Line(tuple(r * ncols + c for r in range(nrows) if r != total_row),
                            total_row * ncols + c, exact))
    return out


__all__ = ["PROTECTION", "Line", "suppress", "ranges", "pinned", "exposed", "recovered_small",
           "primary", "grid_lines"]
