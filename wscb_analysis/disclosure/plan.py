"""One disclosed set of figures per pack.

A pack publishes the same figure in many places (a headline, a tile, a sentence, a breakdown
table, a chart, figures.json), and figures that add up (quarters to a year, districts to a
total, types of episode to all episodes). Suppressing each table on its own let an attacker
subtract across them. The plan holds every count a pack may publish, keyed by what it counts,
with every sum between them, and suppresses them jointly once
(:func:`~wscb_analysis.disclosure.suppress.suppress`): a figure is then hidden or shown the same
way everywhere, and no hidden one can be worked out from the shown ones.

Keys read ``measure|period|dim=value;dim=value`` (dims sorted, values percent-encoded), e.g.
``referrals|2016-17 Q3|district=Rugby``. The plan holds raw counts: it lives in the analyst's
session and is never written into a pack; only what it shows is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .formats import SUPPRESSED, format_count
from .measures import make_key, parse_key
from .suppress import Line, primary, suppress


class PlanError(ValueError):
    """A figure given two different values, or asked for and never planned (a bug)."""


@dataclass
class PlanBuilder:
    keys: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    _seen: set[Line] = field(default_factory=set, repr=False)
    #: Cells counted while ``extending`` (periods held only because published packs print
    #: them or they add up with those) that no cell counted otherwise repeats: this pack does
    #: not print them.
    extra: set[str] = field(default_factory=set)
    extending: bool = False
    #: The pack's headline figures (its own period's totals): hidden to protect others only
    #: when nothing else will do.
    headline: set[str] = field(default_factory=set)

    def cell(self, key: str, value) -> int:
        value = float(value) if value is not None else np.nan
        if self.extending:
            if key not in self.index:
                self.extra.add(key)
        else:
            self.extra.discard(key)
        if key in self.index:
            i = self.index[key]
            old = self.values[i]
            if not (np.isnan(old) and np.isnan(value)) and old != value:
                raise PlanError(f"{key} planned as {old} and as {value}")
            return i
        self.index[key] = len(self.keys)
        self.keys.append(key)
        self.values.append(value)
        return self.index[key]

    def has(self, key: str) -> bool:
        return key in self.index

    def total(self, total: str, parts: Iterable[str], exact: bool = True) -> bool:
        """``parts`` add up to ``total`` (all keys already planned); False when there is
        nothing to record (no part other than the total, or the same line already held)."""
        t = self.index[total]
        cells = tuple(i for i in (self.index[p] for p in parts) if i != t)
        if not cells:
            return False
        line = Line(cells, t, exact)
        if line in self._seen:
            return False
        self._seen.add(line)
        self.lines.append(line)
        return True

    def at_most(self, total: str, parts: Iterable[str]) -> bool:
        """``parts`` add up to at most ``total`` (all keys already planned): a bound an
        attacker knows from the definitions, solved by the audit but never given the "one
        hidden cell" rule. Left out (False) when the counts break it (a record the
        definitions do not expect, such as an interview accepted but not offered): the
        attacker could not rely on it, and a bound the counts break would leave the
        linear programme with no solution."""
        cells = tuple(self.index[p] for p in parts)
        t = self.index[total]
        have = [self.values[c] for c in (*cells, t)]
        if not cells or not all(np.isfinite(have)) or sum(have[:-1]) > have[-1]:
            return False
        self.lines.append(Line(cells, t, at_most=True))
        return True

    def build(self, hidden: Iterable[str] = (), shown: Mapping[str, float] | None = None
              ) -> PackPlan:
        """Suppress jointly; ``hidden``: figures already hidden elsewhere (kept hidden),
        ``shown``: figures already shown elsewhere (not hidden to protect others; a count
        from 1 to 5 is hidden all the same)."""
        values = np.array(self.values, dtype=float)
        n = len(values)
        before = np.zeros(n, bool)
        before[[self.index[k] for k in hidden if k in self.index]] = True
        locked = np.zeros(n, bool)
        locked[[self.index[k] for k in (shown or {}) if k in self.index]] = True
        locked &= ~primary(values) & ~before
        # What this pack does not print and no published pack printed is unknown to anyone,
        # but for zeros: a breakdown printed lists every group of its period, so a group it
        # leaves out is known to be 0.
        unprinted = np.zeros(n, bool)
        unprinted[[self.index[k] for k in self.extra
                   if k not in (shown or {}) and k not in set(hidden)]] = True
        unprinted &= values != 0
        last = np.zeros(n, bool)
        last[[self.index[k] for k in self.headline if k in self.index]] = True
        hidden = suppress(values, self.lines, hidden=before, locked=locked,
                          unprinted=unprinted, last=last)
        return PackPlan(keys=list(self.keys), values=values, hidden_mask=hidden,
                        primary_mask=primary(values), index=dict(self.index),
                        lines=list(self.lines),
                        unprinted=frozenset(k for k in self.keys if unprinted[self.index[k]]))


@dataclass(frozen=True)
class Published:
    """What packs already published show and hide, read from the packs themselves (never
    from the extract): ``shown`` figure -> the value printed (the latest edition's), and
    ``hidden`` figures printed as "c" anywhere. Keys as :func:`make_key` writes them."""

    shown: Mapping[str, float]
    hidden: frozenset[str]

    def periods(self) -> set[str]:
        """Every period label a published figure is of."""
        return {parse_key(k)[1] for k in (*self.shown, *self.hidden)}

    def digest(self) -> str:
        """A digest of the whole (what a saved plan was planned against)."""
        import hashlib

        h = hashlib.sha256()
        for k in sorted(self.shown):
            h.update(f"{k}={self.shown[k]};".encode())
        for k in sorted(self.hidden):
            h.update(f"{k}=c;".encode())
        return h.hexdigest()

    def __bool__(self) -> bool:
        return bool(self.shown or self.hidden)


@dataclass
class PackPlan:
    """The planned figures and which are hidden. ``display`` gives what a page may print."""

    keys: list[str]
    values: np.ndarray
    hidden_mask: np.ndarray
    primary_mask: np.ndarray
    index: dict[str, int]
    lines: list[Line]
    #: Figures held only because they add up with published ones (another period's
    #: breakdown): no page of this pack prints them.
    unprinted: frozenset[str] = frozenset()

    def printed(self) -> list[str]:
        """The figures a page of this pack may print."""
        return [k for k in self.keys if k not in self.unprinted]

    def has(self, key: str) -> bool:
        """Whether a page may print ``key`` (a figure held only to plan others is not)."""
        return key in self.index and key not in self.unprinted

    def _i(self, key: str) -> int:
        if key in self.unprinted:
            raise PlanError(f"{key} is held only to plan the figures it adds up with; no page "
                            "of this pack prints it")
        try:
            return self.index[key]
        except KeyError:
            raise PlanError(f"{key} is not in the pack's disclosure plan") from None

    def value(self, key: str) -> float | None:
        """The raw count (for computing, never for printing)."""
        v = self.values[self._i(key)]
        return None if np.isnan(v) else float(v)

    def hidden(self, key: str) -> bool:
        return bool(self.hidden_mask[self._i(key)])

    def small(self, key: str) -> bool:
        """Hidden because it is from 1 to 5 (a page may say "fewer than 6")."""
        i = self._i(key)
        return bool(self.hidden_mask[i] and self.primary_mask[i])

    def shown(self, key: str) -> int | None:
        """The count a page may print, or None when it is hidden or not available."""
        i = self._i(key)
        if self.hidden_mask[i] or np.isnan(self.values[i]):
            return None
        return int(self.values[i])

    def display(self, key: str) -> str:
        i = self._i(key)
        return SUPPRESSED if self.hidden_mask[i] else format_count(self.value(key))

    def summary(self) -> dict:
        return {"figures": len(self.keys), "hidden": int(self.hidden_mask.sum()),
                "hidden_secondary": int((self.hidden_mask & ~self.primary_mask).sum()),
                "sums": sum(not ln.at_most for ln in self.lines),
                "bounds": sum(ln.at_most for ln in self.lines)}


__all__ = ["PackPlan", "PlanBuilder", "PlanError", "Published", "make_key", "parse_key"]
