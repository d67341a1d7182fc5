"""The bounds between a pack's figures that an attacker knows from the definitions alone.

Exact sums (:mod:`wscb_analysis.pack_plan`) are not all an attacker can use: anyone who knows
how a figure is counted knows it can be no more than another. Left out of the plan, such a
bound pins a hidden figure the sums leave open (page 05: 20 interviews offered after the
looked-after children's Missing episodes make those episodes at least 20, which with the
table's sums gave away one Away episode). The plan records each bound below wherever it holds
both figures (same period, same breakdown), as a :class:`~wscb_analysis.disclosure.suppress.Line`
with ``at_most``, and suppresses so that no hidden figure is pinned under them.

The bounds (each true by how :mod:`wscb_analysis.metrics` and :mod:`.pack_plan` count):

* a subset is at most its whole (:data:`SUBSETS`): re-referrals within referrals, referrals
  ending in no further action within those whose outcome is known, referrals with ethnicity,
  first language or religion not recorded within referrals, the children referred within
  the referrals (each child referred had at least one), children of a known or a minority
  ethnicity within the children referred and within the referrals of that ethnicity, repeat
  plans within plans started, repeat plans started within 2 years within those whose
  previous end is known, plans ended or open 2 years or more within plans ended or open,
  interviews offered and accepted within the Missing episodes they follow (counted per
  Missing episode), interviews accepted within those offered, children going missing
  (away, absent) within the Missing (Away, Absent) episodes, children missing (away) more
  than once within children missing (away), early-years assessments and lead professionals
  within assessments;
* a pair within a whole (:data:`PAIRS`): children going missing plus those missing more than
  once are at most the Missing episodes (each child had one episode, and each of the latter
  at least one more); the same for Away episodes;
* distinct children (:data:`DISTINCT`): each group's children (a population, a district) are
  at most all children, and a month's or quarter's children at most its quarter's or year's
  (a child counted in a part is counted in the whole; the parts need not add up, as a child
  can sit in two).

A bound the counts break (data the definitions do not expect, such as an interview accepted
but not recorded as offered) is left out (:meth:`PlanBuilder.at_most`). The audit's attacker
(:mod:`wscb_analysis.publish.audit_solve`) uses these same lists except the bounds in
:data:`CONDITIONAL`, which two separately recorded fields keep only when the data do: an
attacker cannot rely on them, and where an extract breaks one the audit would otherwise
"recover" figures that are not there.
"""

from __future__ import annotations

import re

from .disclosure.plan import PlanBuilder, make_key, parse_key

#: (part, whole): every record counted in the part is counted in the whole, for the same
#: period and breakdown.
SUBSETS: tuple[tuple[str, str], ...] = (
    ("rereferrals", "referrals"), ("referrals_nfa", "referrals_nfa_known"),
    ("referrals_nfa_known", "referrals"), ("ethnicity_not_recorded", "referrals"),
    ("first_language_not_recorded", "referrals"), ("religion_not_recorded", "referrals"),
    ("referrals_bme", "referrals_ethnicity_known"), ("referrals_ethnicity_known", "referrals"),
    ("children_referred", "referrals"), ("children_rereferred", "children_referred"),
    ("children_bme", "children_ethnicity_known"), ("children_bme", "referrals_bme"),
    ("children_ethnicity_known", "children_referred"),
    ("children_ethnicity_known", "referrals_ethnicity_known"),
    ("children_rereferred", "rereferrals"),
    ("rereferrals_recorded", "referrals_recorded_known"),
    ("plans_second_or_subsequent", "plans_started"),
    ("plans_third_or_later", "plans_second_or_subsequent"),
    ("plans_previous_end_known", "plans_second_or_subsequent"),
    ("plans_second_within_2_years", "plans_previous_end_known"),
    ("plans_ended_2_years_plus", "plans_ended"),
    ("plans_open_2_years_plus", "plans_open_at_end"),
    ("missing_children", "missing_episodes"), ("missing_children_repeat", "missing_children"),
    ("missing_children_away", "away_episodes"),
    ("missing_children_away_repeat", "missing_children_away"),
    ("missing_children_absent", "absent_episodes"),
    ("rhi_offered", "missing_episodes"), ("rhi_accepted", "missing_episodes"),
    ("rhi_accepted", "rhi_offered"),
    ("assessments_early_years", "assessments"),
    ("lead_professional_same", "lead_professional_recorded"),
    ("lead_professional_recorded", "assessments"),
)
#: Subsets that hold only where the data keep them: offered and accepted are two fields of
#: a return home interview, recorded apart, so one can be accepted and not marked offered.
CONDITIONAL: frozenset[tuple[str, str]] = frozenset({("rhi_accepted", "rhi_offered")})
#: ((first, second), whole): children with an episode plus those with two or more are at
#: most the episodes.
PAIRS: tuple[tuple[tuple[str, str], str], ...] = (
    (("missing_children", "missing_children_repeat"), "missing_episodes"),
    (("missing_children_away", "missing_children_away_repeat"), "away_episodes"),
)
#: Counts of distinct children over the period (not at a day): a group's or a shorter
#: period's children are at most the whole's.
DISTINCT = ("missing_children", "missing_children_repeat", "missing_children_away",
            "missing_children_away_repeat", "missing_children_absent", "children_referred",
            "children_rereferred")
#: Counts of distinct children at a day: a group's are at most all (not across periods).
DISTINCT_AT_DAY = ("missing_at_end", "away_at_end")
#: Episodes of one type are planned as ``episodes`` with a ``type``; a month's Missing
#: episodes as ``missing_episodes``.
TYPED = {"missing_episodes": "Missing", "away_episodes": "Away", "absent_episodes": "Absent"}
_MONTH = re.compile(r"([A-Z][a-z]{2}) (\d{4})")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _find(b: PlanBuilder, measure: str, period: str, dims: dict) -> str | None:
    """The plan's key for a figure, under either name of episodes of one type."""
    key = make_key(measure, period, dims)
    if b.has(key):
        return key
    if measure in TYPED and "type" not in dims:
        key = make_key("episodes", period, {**dims, "type": TYPED[measure]})
        if b.has(key):
            return key
    return None


def parent_period(period: str) -> str | None:
    """The quarter of a month ("Oct 2016" -> "2016-17 Q3"), the year of a quarter
    ("2016-17 Q3" -> "2016-17"); None for a year. Financial years start in April."""
    if " Q" in period:
        return period.split(" ")[0]
    m = _MONTH.fullmatch(period)
    if not m:
        return None
    month, year = _MONTHS.index(m.group(1)) + 1, int(m.group(2))
    start = year if month >= 4 else year - 1
    return f"{start}-{str(start + 1)[2:]} Q{(month - 4) % 12 // 3 + 1}"


def plan_bounds(b: PlanBuilder) -> int:
    """Record every bound of the module docstring between figures ``b`` holds; the number
    recorded."""
    made: set[tuple] = set()

    def add(parts: tuple[str | None, ...], whole: str | None) -> None:
        if whole is None or any(p is None for p in parts) or whole in parts:
            return
        token = (parts, whole)
        if token not in made and b.at_most(whole, parts):
            made.add(token)

    for key in list(b.keys):
        measure, period, dims = parse_key(key)
        for part, whole in SUBSETS:
            if measure == part:
                add((key,), _find(b, whole, period, dims))
        for (first, second), whole in PAIRS:
            if measure == first:
                add((key, _find(b, second, period, dims)), _find(b, whole, period, dims))
        if measure in DISTINCT or measure in DISTINCT_AT_DAY:
            for d in dims:
                add((key,), _find(b, measure, period, {x: v for x, v in dims.items() if x != d}))
        if measure in DISTINCT:
            above = parent_period(period)
            if above is not None:
                add((key,), _find(b, measure, above, dims))
    return len(made)


__all__ = ["SUBSETS", "CONDITIONAL", "PAIRS", "TYPED", "DISTINCT", "DISTINCT_AT_DAY",
           "parent_period", "plan_bounds"]
