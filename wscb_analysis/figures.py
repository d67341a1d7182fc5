"""The contract's headline figures JSON (``wscb figures`` and, disclosed, ``figures.json`` in a
pack).

Keys are fixed by CONTRACT.md; rates are fractions, unrounded. A figure is None (JSON null),
never 0, when its source was not supplied, when the source does not reach the period, or when
the extract lacks the field it needs (a 903 missing table has no return-home-interview field).
The ``coverage`` block says which. These figures are unsuppressed, for analysts:
:func:`wscb_analysis.disclosure.disclose_figures` makes the version a pack may carry.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from .coverage import SourceCoverage, check_period, extract_coverage, source_coverage
from .io.load import Extract
from .metrics.cp_plans import cp_plan_figures
from .metrics.diversity import diversity_figures
from .metrics.early_help import early_help_figures
from .metrics.journey import journey_figures
from .metrics.missing import missing_figures
from .metrics.referrals import referral_figures
from .periods import Period

#: Figures that need an optional field: source -> field -> keys (a key ending in "*" is a
#: prefix). Without the field these figures are unknown, not 0.
NEEDS_FIELD = {
    "cp_plans": {"end_date": ["ended", "ended_2_years_plus", "ended_2_years_plus_rate",
                              "ended_by_duration", "open_at_end", "open_2_years_plus"]},
    # Return home interviews and the looked-after split: metrics.missing nulls them itself.
    "missing": {"end_date": ["missing_at_end", "away_at_end", "*_at_end"]},
    "early_help": {},
    "referrals": {},
}
BLOCKS = {"referrals": referral_figures, "cp_plans": cp_plan_figures,
          "missing": missing_figures, "early_help": early_help_figures}


def _unknown(value):
    """The same shape with every figure None (nested dicts keep their keys)."""
    if isinstance(value, dict) and value:
        return {k: _unknown(v) for k, v in value.items()}
    return None


def _null_fields(block: dict, cov: SourceCoverage, source: str) -> dict:
    out = dict(block)
    for fname, keys in NEEDS_FIELD[source].items():
        if cov.has(fname):
            continue
        for key in list(out):
            if any(key == k or (k.startswith("*") and key.endswith(k[1:])) for k in keys):
                out[key] = _unknown(out[key])
    return out


def headline_figures(extract: Extract, period: Period, check: bool = False,
                     performance: Mapping | None = None,
                     blocks: Collection[str] | None = None) -> dict:
    """Every block of the figures JSON for ``period``.

    ``check=True`` raises :class:`~wscb_analysis.coverage.PeriodNotHeldError` when no supplied
    source reaches the period (the CLI exits 2 then, writing nothing). ``performance``: the
    partners' performance dataset's coverage entry for the period
    (:func:`wscb_analysis.performance.load.performance_coverage`), which ``wscb figures`` and
    a pack's ``figures.json`` carry in ``coverage``; the partners' files are read by the
    caller, so this module (below the scorecard, which computes indicators from these
    figures) never reads them itself. ``blocks``: only these blocks ("referrals", "cp_plans",
    "missing", "early_help", "diversity"; the rest left out), for a caller that needs a few
    figures of many periods (the scorecard's quarters); None for all, as the contract has it.
    """
    coverage = extract_coverage(extract)
    if check:
        check_period(coverage, period)
    out: dict = {"period": period.as_dict(), "synthetic": bool(extract.synthetic)}
    for source, compute in BLOCKS.items():
        if blocks is not None and source not in blocks:
            continue
        if source == "missing" and extract.has("missing"):
            used = set(extract.sources["missing"].columns_used)
            block = missing_figures(extract["missing"], period, columns_present=used)
        else:
            block = compute(extract[source], period)
        cov = coverage[source]
        out[source] = (_unknown(block) if cov.period_covered(period) == "none"
                       else _null_fields(block, cov, source))
    ref = coverage["referrals"]
    if blocks is None or "diversity" in blocks:
        present = {f for f in ("ethnicity", "first_language", "religion") if ref.has(f)}
        diversity = diversity_figures(extract["referrals"], period, present)
        out["diversity"] = (_unknown(diversity) if ref.period_covered(period) == "none"
                            else diversity)
    if blocks is None or "journey" in blocks:
        out["journey"] = _journey(extract, coverage, period)
    out["coverage"] = {name: cov.as_dict(period) for name, cov in coverage.items()}
    if performance is not None:
        out["coverage"]["performance"] = dict(performance)
    return out


def _journey(extract: Extract, coverage: dict[str, SourceCoverage], period: Period) -> dict:
    """The ``journey`` block: each stage from its source where the extract holds it for the
    period (a source not supplied or not reaching the period gives None, never 0)."""
    frames, absent = {}, {}
    for name in ("contacts", "referrals", "assessments", "s47", "cp_plans"):
        cov = coverage.get(name) or source_coverage(extract, name)
        held = cov.period_covered(period) != "none"
        frames[name] = extract[name] if held else None
        absent[name] = set(cov.fields_absent)
    return journey_figures(frames, period, absent)


__all__ = ["headline_figures", "NEEDS_FIELD"]
