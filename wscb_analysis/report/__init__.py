"""The sections the topic notebooks show, one module per page (named after its notebook).

Each section takes the notebook's :class:`Context` and returns a :class:`Block` (findings,
charts and disclosed tables, with its own heading) that shows itself in JupyterLab and on a
published page. A section whose source the extract lacks shows nothing: the page's
:func:`coverage_note` has said so once. Notebooks stay thin:

    from wscb_analysis import report as r
    ctx = r.context(data_dir, period, quarter, benchmarks_dir, profile)
    r.coverage_note(ctx, "referrals")
    r.rereferral_headline(ctx)
"""

from .blocks import Block, Finding, MethodNote, Note
from .common import funnel_all_authorities
from .context import Context, context, coverage_note, needs, resolve_data_dir
from .diversity import bme_share, diversity_by_quarter, diversity_by_source, diversity_headline
from .early_help import early_help_by_agency, early_help_findings
from .missing import (
    missing_by_district,
    missing_by_group,
    missing_headline,
    missing_looked_after_against_dfe,
    missing_monthly,
    missing_trend_and_target,
    missing_xmr,
)
from .overview import data_quality, extract_summary, headline, local_context_table
from .plan_duration import duration_bands, duration_funnel, two_year_plans
from .repeat_plans import (
    cp_trend,
    repeat_plans_by_category,
    repeat_plans_funnel,
    repeat_plans_headline,
)
from .rereferrals import (
    front_door_note,
    referrals_xmr,
    rereferral_headline,
    rereferral_trend,
    rereferrals_against_comparators,
    rereferrals_by_group,
    rereferrals_by_quarter,
)

__all__ = [
    "Block", "Finding", "Note", "MethodNote", "Context", "context", "coverage_note", "needs",
    "resolve_data_dir", "funnel_all_authorities",
    "extract_summary", "headline", "local_context_table", "data_quality",
    "rereferral_headline", "front_door_note", "rereferrals_by_quarter", "rereferral_trend",
    "rereferrals_against_comparators", "referrals_xmr", "rereferrals_by_group",
    "repeat_plans_headline", "repeat_plans_by_category", "cp_trend", "repeat_plans_funnel",
    "duration_bands", "two_year_plans", "duration_funnel",
    "missing_headline", "missing_monthly", "missing_by_group", "missing_xmr",
    "missing_trend_and_target", "missing_by_district", "missing_looked_after_against_dfe",
    "diversity_headline", "diversity_by_quarter", "diversity_by_source", "bme_share",
    "early_help_by_agency", "early_help_findings",
]
