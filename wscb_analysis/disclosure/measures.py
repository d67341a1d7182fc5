"""Every measure a pack can publish, declared once: what it counts, how its figures add up,
and what anyone who knows the definitions can bound it by.

The disclosure plan (:mod:`.pack`) counts these measures and suppresses jointly under the sums
and bounds declared here; the bounds the plan protects against (:mod:`.bounds`) and the
audit's attacker (:mod:`wscb_analysis.publish.audit_solve`) read the same declarations, so a
rule about a measure is written in one place. The audit never reads the extract: everything
here follows from the definitions alone.

A figure is keyed ``measure|period|dim=value;...`` (:func:`make_key`): one key per figure. A
name that is another measure's breakdown (:data:`ALIASES`: ``missing_episodes`` is
``episodes`` of type Missing) is written as that measure's key, whoever asks.

Kinds (:class:`Kind`):

* ``EVENT``: records dated in the period (referrals, plans started, episodes). A period's count
  is the sum of its months' (a year's the sum of its quarters'); a breakdown's groups add up to
  the total.
* ``DISTINCT``: children with a record in the period. A child can sit in two groups or two
  months: a group's or a shorter period's children are at most the whole's, never a sum.
* ``AT_DAY``: records open on the period's last day (plans open at 31 March). Groups add up;
  periods do not.
* ``AT_DAY_DISTINCT``: children on a record open on the period's last day: at most, never a
  sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from urllib.parse import quote, unquote

from ..metrics import cp_plans as _cp


class Kind(Enum):
    EVENT = "event"
    DISTINCT = "distinct"
    AT_DAY = "at a day"
    AT_DAY_DISTINCT = "children at a day"

    @property
    def adds_over_time(self) -> bool:
        return self is Kind.EVENT

    @property
    def adds_over_groups(self) -> bool:
        return self in (Kind.EVENT, Kind.AT_DAY)

    @property
    def distinct(self) -> bool:
        return self in (Kind.DISTINCT, Kind.AT_DAY_DISTINCT)


#: A group for records whose value of a breakdown is blank.
NOT_RECORDED = "Not recorded"
#: Missing episodes by whether the child was looked after.
POPULATIONS = ("Looked after", "Not looked after", NOT_RECORDED)
#: Missing episodes by type (SSDA903 M / A, police absent).
TYPES = ("Missing", "Away", "Absent")
#: Plans started by the child's plan number.
PLAN_NUMBERS = ("First", "Second", "Third or later")
#: DfE table D7's bands of the length of plans that ended (defined with the measure).
DURATION_BANDS = tuple(_cp.DURATION_BANDS)

#: Breakdowns whose groups are fixed by the definitions: every figure of such a breakdown is
#: one of these groups, so the groups add up to the total even where a pack prints only some
#: (the rest are unknowns to an attacker). Other breakdowns (district, referral source,
#: category, organisation) take their groups from the data: a pack prints all of a period's.
CLOSED_DIMS: dict[str, tuple[str, ...]] = {
    "type": TYPES, "population": POPULATIONS, "plan": PLAN_NUMBERS, "band": DURATION_BANDS,
}


@dataclass(frozen=True)
class Measure:
    """One measure: its ``kind``, its ``source``, and the measures it is a subset of (every
    record it counts is counted in each, for the same period and breakdown)."""

    name: str
    kind: Kind
    source: str
    within: tuple[str, ...] = ()


_E, _D, _A, _AD = Kind.EVENT, Kind.DISTINCT, Kind.AT_DAY, Kind.AT_DAY_DISTINCT
MEASURES: dict[str, Measure] = {m.name: m for m in (
    # Referrals (DfE C1, referral level), by referral date.
    Measure("referrals", _E, "referrals"),
    Measure("rereferrals", _E, "referrals", ("referrals",)),
    Measure("referrals_nfa_known", _E, "referrals", ("referrals",)),
    Measure("referrals_nfa", _E, "referrals", ("referrals_nfa_known",)),
    Measure("ethnicity_not_recorded", _E, "referrals", ("referrals",)),
    Measure("first_language_not_recorded", _E, "referrals", ("referrals",)),
    Measure("religion_not_recorded", _E, "referrals", ("referrals",)),
    Measure("referrals_ethnicity_known", _E, "referrals", ("referrals",)),
    Measure("referrals_bme", _E, "referrals", ("referrals_ethnicity_known",)),
    Measure("referrals_recorded_known", _E, "referrals"),
    Measure("rereferrals_recorded", _E, "referrals", ("referrals_recorded_known",)),
    # Each child referred had at least one referral; each re-referred child one re-referral.
    Measure("children_referred", _D, "referrals", ("referrals",)),
    Measure("children_rereferred", _D, "referrals", ("children_referred", "rereferrals")),
    # Children, not referrals, of a known and of a minority ethnicity (page 06 sets them
    # against the school population, which counts each pupil once).
    Measure("children_ethnicity_known", _D, "referrals",
            ("children_referred", "referrals_ethnicity_known")),
    Measure("children_bme", _D, "referrals", ("children_ethnicity_known", "referrals_bme")),
    # Child protection plans (DfE D3, D7, D5): started, ended, open at the period's end.
    Measure("plans_started", _E, "cp_plans"),
    Measure("plans_second_or_subsequent", _E, "cp_plans", ("plans_started",)),
    Measure("plans_third_or_later", _E, "cp_plans", ("plans_second_or_subsequent",)),
    Measure("plans_previous_end_known", _E, "cp_plans", ("plans_second_or_subsequent",)),
    Measure("plans_second_within_2_years", _E, "cp_plans", ("plans_previous_end_known",)),
    Measure("plans_ended", _E, "cp_plans"),
    Measure("plans_ended_2_years_plus", _E, "cp_plans", ("plans_ended",)),
    Measure("plans_open_at_end", _A, "cp_plans"),
    Measure("plans_open_2_years_plus", _A, "cp_plans", ("plans_open_at_end",)),
    # Missing episodes by start date; interviews follow Missing episodes (one per episode).
    Measure("episodes", _E, "missing"),
    Measure("rhi_offered", _E, "missing", ("missing_episodes",)),
    Measure("rhi_accepted", _E, "missing", ("missing_episodes", "rhi_offered")),
    Measure("missing_children", _D, "missing", ("missing_episodes",)),
    Measure("missing_children_repeat", _D, "missing", ("missing_children",)),
    Measure("missing_children_away", _D, "missing", ("away_episodes",)),
    Measure("missing_children_away_repeat", _D, "missing", ("missing_children_away",)),
    Measure("missing_children_absent", _D, "missing", ("absent_episodes",)),
    Measure("missing_at_end", _AD, "missing"),
    Measure("away_at_end", _AD, "missing"),
    # Early help assessments by start date.
    Measure("assessments", _E, "early_help"),
    Measure("assessments_early_years", _E, "early_help", ("assessments",)),
    Measure("lead_professional_recorded", _E, "early_help", ("assessments",)),
    Measure("lead_professional_same", _E, "early_help", ("lead_professional_recorded",)),
)}

#: Names that are another measure's breakdown: (measure, its groups). One key per figure.
ALIASES: dict[str, tuple[str, dict[str, str]]] = {
    "missing_episodes": ("episodes", {"type": "Missing"}),
    "away_episodes": ("episodes", {"type": "Away"}),
    "absent_episodes": ("episodes", {"type": "Absent"}),
}

#: Subsets that hold only where the data keep them: offered and accepted are two fields of a
#: return home interview, recorded apart, so one can be accepted and not marked offered. The
#: plan protects against them where the counts keep them; an attacker cannot rely on them.
CONDITIONAL: frozenset[tuple[str, str]] = frozenset({("rhi_accepted", "rhi_offered")})

#: ((first, second), whole): children with an episode plus those with two or more are at most
#: the episodes (each of the latter had a second).
PAIRS: tuple[tuple[tuple[str, str], str], ...] = (
    (("missing_children", "missing_children_repeat"), "missing_episodes"),
    (("missing_children_away", "missing_children_away_repeat"), "away_episodes"),
)


@dataclass(frozen=True)
class Tie:
    """A figure that is a sum of another measure's groups, in any period: ``total`` (with no
    breakdown) = the sum of ``measure`` over ``groups`` of ``dim``."""

    total: str
    measure: str
    dim: str
    groups: tuple[str, ...]


#: Figures the definitions tie to another measure's breakdown.
TIES: tuple[Tie, ...] = (
    Tie("plans_second_or_subsequent", "plans_started", "plan", PLAN_NUMBERS[1:]),
    Tie("plans_third_or_later", "plans_started", "plan", PLAN_NUMBERS[2:]),
    Tie("plans_ended_2_years_plus", "plans_ended", "band", DURATION_BANDS[-1:]),
)


# A subset's part and a pair's members are measures, never another's breakdown: the bounds are
# then found from a figure's own measure.
assert not {m.name for m in MEASURES.values() if m.within} & set(ALIASES)
assert not {x for pair, _ in PAIRS for x in pair} & set(ALIASES)


def canonical(measure: str, dims: Mapping[str, object] | None = None
              ) -> tuple[str, dict[str, str]]:
    """The measure and groups a figure is keyed by (an alias is its measure's breakdown)."""
    out = {d: str(v) for d, v in (dims or {}).items()}
    if measure in ALIASES:
        base, groups = ALIASES[measure]
        return base, {**out, **groups}
    return measure, out


def make_key(measure: str, period: str, dims: Mapping[str, object] | None = None) -> str:
    """``measure|period|dim=value;...`` with dims sorted and values percent-encoded (a district
    named "a|b=c" cannot forge another key); an alias is keyed as its measure's breakdown."""
    measure, groups = canonical(measure, dims)
    text = f"{measure}|{period}|"
    if groups:
        text += ";".join(f"{d}={quote(v, safe=' ')}" for d, v in sorted(groups.items()))
    return text


def parse_key(key: str) -> tuple[str, str, dict[str, str]]:
    """The inverse of :func:`make_key`."""
    measure, period, rest = key.split("|", 2)
    dims = {}
    if rest:
        for part in rest.split(";"):
            d, _, v = part.partition("=")
            dims[d] = unquote(v)
    return measure, period, dims


def kind(measure: str) -> Kind:
    """The kind of a measure (or of an alias's measure)."""
    return MEASURES[canonical(measure)[0]].kind


def subsets(conditional: bool = True) -> tuple[tuple[str, str], ...]:
    """(part, whole) for every subset bound; ``conditional`` False leaves out those the data
    may break (:data:`CONDITIONAL`)."""
    out = tuple((m.name, w) for m in MEASURES.values() for w in m.within)
    return out if conditional else tuple(s for s in out if s not in CONDITIONAL)


__all__ = ["Kind", "Measure", "MEASURES", "ALIASES", "CONDITIONAL", "PAIRS", "Tie", "TIES",
           "CLOSED_DIMS", "NOT_RECORDED", "POPULATIONS", "TYPES", "PLAN_NUMBERS",
           "DURATION_BANDS", "canonical", "make_key", "parse_key", "kind", "subsets"]
