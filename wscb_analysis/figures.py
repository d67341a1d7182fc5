"""The contract's headline figures JSON (``wscb figures`` and ``figures.json`` in a pack).

Keys are fixed by CONTRACT.md; rates are fractions, unrounded, and unsuppressed (for analysts,
not for publication: the pack suppresses before showing).
"""

from __future__ import annotations

from .io.load import Extract
from .metrics.cp_plans import cp_plan_figures
from .metrics.diversity import diversity_figures
from .metrics.early_help import early_help_figures
from .metrics.missing import missing_figures
from .metrics.referrals import referral_figures
from .periods import Period


def headline_figures(extract: Extract, period: Period) -> dict:
    """Every block of the figures JSON for ``period``. A source the extract does not hold gives
    zero counts and None rates, and is named under ``sources_missing``."""
    referrals = extract["referrals"]
    present = set(extract.sources["referrals"].columns_used) if extract.has("referrals") else set()
    return {
        "period": period.as_dict(),
        "synthetic": bool(extract.synthetic),
        "referrals": referral_figures(referrals, period),
        "cp_plans": cp_plan_figures(extract["cp_plans"], period),
        "missing": missing_figures(extract["missing"], period),
        "early_help": early_help_figures(extract["early_help"], period),
        "diversity": diversity_figures(referrals, period, present),
        "sources_missing": [name for name in extract.sources if not extract.has(name)],
    }
