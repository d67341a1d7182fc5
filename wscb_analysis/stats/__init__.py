"""Statistical methods English public-sector indicator work trusts (no domain knowledge here).

Sources: PHE/OHID Fingertips technical guidance and PHEindicatormethods (Wilson, Byar's,
exact Poisson, funnels; the score test the Wilson interval inverts for benchmark p-values),
NHS England "Making Data Count" (XmR), statsmodels (trend GLMs), the conditional binomial test
for a change between two counts (Breslow & Day; R ``poisson.test``'s interval), DfE dfeR
(round half up).

Modules: ``intervals`` (intervals, benchmark comparison, funnels, rounding), ``compare``
(change between two counts, a clear leader among areas), ``spc`` (XmR charts), ``trend``
(seasonal trend of monthly counts, target progress; no trend from fewer than 24 months).
"""

from .compare import clear_leader, count_change_test
from .intervals import (
    benchmark_verdict,
    compare_to_benchmark,
    funnel,
    funnel_limits,
    proportion_table,
    rate_ci,
    rate_funnel_limits,
    rate_table,
    round_half_up,
    score_test_p,
    wilson_ci,
    z_value,
)
from .spc import xmr
from .trend import (
    MIN_TREND_MONTHS,
    SeasonalTrend,
    TooFewMonths,
    seasonal_trend,
    target_progress,
)

__all__ = [
    "wilson_ci", "rate_ci", "benchmark_verdict", "funnel_limits", "rate_funnel_limits",
    "compare_to_benchmark", "score_test_p", "count_change_test", "clear_leader",
    "round_half_up", "proportion_table", "rate_table", "funnel", "z_value", "xmr",
    "seasonal_trend", "target_progress", "SeasonalTrend", "TooFewMonths", "MIN_TREND_MONTHS",
]
