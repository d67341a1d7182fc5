"""The headline figures JSON (CONTRACT.md) as the pack's disclosure plan keys it: which plan
figure each count of ``figures.json`` is, and the JSON a pack may carry (every count the plan
hides is "c", and a rate built on a hidden count is null)."""

from __future__ import annotations

from .formats import SUPPRESSED, is_small
from .measures import NOT_RECORDED, make_key
from .plan import PackPlan, PlanBuilder

#: The blocks of the figures JSON that hold counts. The journey block is not planned yet:
#: its counts get primary suppression, so no count of 1 to 5 reaches a pack through it.
BLOCKS = ("referrals", "cp_plans", "missing", "early_help", "diversity", "journey")

#: The figures JSON's keys as plan figures: (block, key) -> (measure, dims).
FIGURE_KEYS: dict[tuple[str, str], tuple[str, dict]] = {
    ("referrals", "referrals"): ("referrals", {}),
    ("referrals", "rereferrals"): ("rereferrals", {}),
    ("cp_plans", "started"): ("plans_started", {}),
    ("cp_plans", "second_or_subsequent"): ("plans_second_or_subsequent", {}),
    ("cp_plans", "second_within_2_years"): ("plans_second_within_2_years", {}),
    ("cp_plans", "second_previous_end_known"): ("plans_previous_end_known", {}),
    ("cp_plans", "third_or_later"): ("plans_third_or_later", {}),
    ("cp_plans", "ended"): ("plans_ended", {}),
    ("cp_plans", "ended_2_years_plus"): ("plans_ended_2_years_plus", {}),
    ("cp_plans", "open_at_end"): ("plans_open_at_end", {}),
    ("cp_plans", "open_2_years_plus"): ("plans_open_2_years_plus", {}),
    ("early_help", "assessments"): ("assessments", {}),
    ("diversity", "referrals"): ("referrals", {}),
    ("diversity", "ethnicity_not_recorded"): ("ethnicity_not_recorded", {}),
    ("diversity", "first_language_not_recorded"): ("first_language_not_recorded", {}),
    ("diversity", "religion_not_recorded"): ("religion_not_recorded", {}),
}
_MISSING_MEASURES = {
    "episodes": ("episodes", {}), "missing_episodes": ("episodes", {"type": "Missing"}),
    "away_episodes": ("episodes", {"type": "Away"}),
    "absent_episodes": ("episodes", {"type": "Absent"}),
    "children": ("missing_children", {}), "children_repeat": ("missing_children_repeat", {}),
    "children_away": ("missing_children_away", {}),
    "children_away_repeat": ("missing_children_away_repeat", {}),
    "children_absent": ("missing_children_absent", {}),
    "missing_at_end": ("missing_at_end", {}), "away_at_end": ("away_at_end", {}),
    "rhi_offered": ("rhi_offered", {}), "rhi_accepted": ("rhi_accepted", {}),
}
for _key, (_measure, _dims) in _MISSING_MEASURES.items():
    FIGURE_KEYS[("missing", _key)] = (_measure, _dims)
    for _population, _prefix in (("Looked after", "looked_after_"),
                                 ("Not looked after", "not_looked_after_")):
        FIGURE_KEYS[("missing", _prefix + _key)] = (_measure, {**_dims,
                                                               "population": _population})
FIGURE_KEYS[("missing", "looked_after_status_not_recorded_episodes")] = (
    "episodes", {"population": NOT_RECORDED})


def figure_key(block: str, key: str, label: str, band: str | None = None) -> str | None:
    """The plan key of a figures-JSON figure (``band`` for ``ended_by_duration``)."""
    if block == "cp_plans" and key == "ended_by_duration":
        return make_key("plans_ended", label, {"band": band})
    if block == "early_help" and key == "by_agency":
        return make_key("assessments", label, {"organisation": band})
    spec = FIGURE_KEYS.get((block, key))
    return None if spec is None else make_key(spec[0], label, spec[1])


def seed_plan(b: PlanBuilder, figures: dict, label: str) -> None:
    """Every count of the figures JSON for ``label`` as a plan figure (None: not planned)."""
    for block in BLOCKS:
        for key, value in (figures.get(block) or {}).items():
            if isinstance(value, dict):
                for sub, v in value.items():
                    k = figure_key(block, key, label, sub)
                    if k is not None and v is not None:
                        b.cell(k, v)
            elif value is not None and not key.endswith("_rate"):
                k = figure_key(block, key, label)
                if k is not None:
                    b.cell(k, value)


#: Rates of the figures JSON: key -> (numerator key, denominator key) in the same block.
RATE_PARTS = {
    ("referrals", "rereferral_rate"): ("rereferrals", "referrals"),
    ("cp_plans", "second_or_subsequent_rate"): ("second_or_subsequent", "started"),
    ("cp_plans", "second_within_2_years_rate"): ("second_within_2_years",
                                                 "second_previous_end_known"),
    ("cp_plans", "ended_2_years_plus_rate"): ("ended_2_years_plus", "ended"),
}


def disclosed_figures(figures: dict, plan: PackPlan) -> dict:
    """The figures JSON as a pack may carry it (CONTRACT.md): every count the plan hides is
    "c", and a rate whose numerator or denominator is hidden is null. Counts the plan does not
    hold get primary suppression."""
    label = figures["period"]["label"]
    out = {k: v for k, v in figures.items() if k not in BLOCKS}

    def one(block: str, key: str, value, sub=None):
        if value is None:
            return None
        k = figure_key(block, key, label, sub)
        if k is not None and plan.has(k):
            return SUPPRESSED if plan.hidden(k) else value
        return SUPPRESSED if is_small(value) else value

    for block in BLOCKS:
        if block not in figures:
            continue
        src = figures.get(block) or {}
        shown = {}
        for key, value in src.items():
            if isinstance(value, dict):
                shown[key] = {sub: one(block, key, v, sub) for sub, v in value.items()}
            elif (block, key) in RATE_PARTS:
                continue
            else:
                shown[key] = one(block, key, value)
        for (b, key), (num, den) in RATE_PARTS.items():
            if b == block and key in src:
                ok = all(isinstance(shown.get(p), int | float) and shown.get(p) is not True
                         for p in (num, den))
                shown[key] = src[key] if ok else None
        out[block] = {k: shown[k] for k in src}
    return out


__all__ = ["BLOCKS", "FIGURE_KEYS", "RATE_PARTS", "figure_key", "seed_plan", "disclosed_figures"]
