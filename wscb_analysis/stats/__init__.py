"""Statistical methods English public-sector indicator work trusts (no domain knowledge here).

Sources: PHE/OHID Fingertips technical guidance and PHEindicatormethods (Wilson, Byar's,
exact Poisson, funnels; the score test the Wilson interval inverts for benchmark p-values),
Spiegelhalter 2005 (funnel plots, overdispersion), NHS England "Making Data Count" (XmR),
statsmodels (trend GLMs), the conditional binomial test for a change between two counts
(Breslow & Day; R ``poisson.test``'s interval), DfE dfeR (round half up).

Modules: ``intervals`` (intervals, benchmark comparison, proportion funnels, rounding),
``funnels`` (rate funnels around a given average; overdispersion-adjusted proportion
funnels), ``compare`` (change between two counts), ``series`` (the shape of a series of
proportions: trend and level change), ``spc`` (XmR charts), ``trend`` (seasonal trend of
monthly counts, target progress; no trend from fewer than 24 months).
"""

from .compare import count_change_test
from .funnels import Overdispersion, overdispersion, proportion_funnel, rate_funnel
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
from .series import MIN_SERIES_POINTS, SeriesTest, TooFewPoints, level_change, proportion_trend
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
    "compare_to_benchmark", "score_test_p", "count_change_test",
    "round_half_up", "proportion_table", "rate_table", "funnel", "z_value", "xmr",
    "seasonal_trend", "target_progress", "SeasonalTrend", "TooFewMonths", "MIN_TREND_MONTHS",
    "rate_funnel", "proportion_funnel", "overdispersion", "Overdispersion",
    "proportion_trend", "level_change", "SeriesTest", "TooFewPoints", "MIN_SERIES_POINTS",
]
