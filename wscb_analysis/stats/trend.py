"""Trend in monthly counts, and progress towards a reduction target.

Model (METHODS.md): a Poisson GLM with a linear time term in years and a month-of-year factor
for seasonality, ``n ~ t_years + C(month)``, with ``log(population)`` as offset when a
population is given. Overdispersion is checked with Pearson chi2 / residual df; above 1 the
interval comes from quasi-Poisson (``fit(scale="X2")``) or, on request, a negative binomial
with alpha estimated (``smf.negativebinomial``; the GLM NegativeBinomial family silently fixes
alpha = 1). The annual rate ratio is exp(beta_t) with exp(confidence interval).

Target ("40% fewer by 2020 from 2016-17"): the required annual ratio is 0.6^(1/k) for k years
from the baseline year to the target year; "ahead" when the fitted ratio's whole interval is
below it, "behind" when wholly above, else "inconclusive". The target year's total is
projected from the model (offset passed for the new rows) with a delta-method interval on the
log scale. Sources: statsmodels documentation; PHE "Technical guide: trends" (Poisson
regression for counts).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .intervals import z_value

METHODS = ("auto", "poisson", "quasi-poisson", "negative binomial")


@dataclass
class SeasonalTrend:
    """A fitted trend. ``rate_ratio``, ``lower`` and ``upper`` are per year (1 = flat)."""

    method: str
    seasonal: bool
    dispersion: float
    rate_ratio: float
    lower: float
    upper: float
    p_value: float
    level: float
    alpha: float | None
    data: pd.DataFrame
    start: pd.Timestamp
    result: object = field(repr=False)

    def as_dict(self) -> dict:
        return {"method": self.method, "seasonal": self.seasonal,
                "dispersion": self.dispersion, "rate_ratio": self.rate_ratio,
                "lower": self.lower, "upper": self.upper, "p_value": self.p_value,
                "level": self.level, "alpha": self.alpha}

    def _design(self, months: pd.DatetimeIndex, population=None) -> tuple[np.ndarray, np.ndarray]:
        x = _design(months, self.start, self.seasonal).to_numpy()
        if population is None:
            offset = np.zeros(len(months))
        else:
            offset = np.log(np.broadcast_to(np.asarray(population, dtype=float), len(months)))
        return x, offset

    def project(self, months, population=None) -> pd.DataFrame:
        """Expected count per month for ``months`` (any dates in them), with intervals."""
        months = pd.DatetimeIndex(pd.to_datetime(months)).to_period("M").to_timestamp()
        x, offset = self._design(months, population)
        beta, cov = _beta_cov(self)
        eta = x @ beta + offset
        se = np.sqrt(np.einsum("ij,jk,ik->i", x, cov, x))
        z = z_value(self.level)
        return pd.DataFrame({"month": months, "value": np.exp(eta),
                             "lower": np.exp(eta - z * se), "upper": np.exp(eta + z * se)})

    def project_total(self, months, population=None) -> dict:
        """Expected total over ``months`` with a delta-method interval (log scale)."""
        months = pd.DatetimeIndex(pd.to_datetime(months)).to_period("M").to_timestamp()
        x, offset = self._design(months, population)
        beta, cov = _beta_cov(self)
        mu = np.exp(x @ beta + offset)
        total = float(mu.sum())
        grad = (mu[:, None] * x).sum(axis=0)
        se_log = float(np.sqrt(grad @ cov @ grad)) / total
        z = z_value(self.level)
        return {"value": total, "lower": float(total * np.exp(-z * se_log)),
                "upper": float(total * np.exp(z * se_log))}


def _beta_cov(trend: SeasonalTrend) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and their covariance, without the negative binomial's alpha."""
    res = trend.result
    names = list(res.model.exog_names)
    params = pd.Series(np.asarray(res.params), index=res.model.data.param_names)
    cov = pd.DataFrame(np.asarray(res.cov_params()), index=params.index, columns=params.index)
    return params[names].to_numpy(), cov.loc[names, names].to_numpy()


def _design(months: pd.DatetimeIndex, start: pd.Timestamp, seasonal: bool) -> pd.DataFrame:
    """Intercept, time in years, and (seasonal) a dummy for each month but January."""
    x = pd.DataFrame({"const": 1.0, "t_years": _t_years(months, start)})
    if seasonal:
        for m in range(2, 13):
            x[f"month_{m}"] = (months.month == m).astype(float)
    return x


def _t_years(months: pd.DatetimeIndex, start: pd.Timestamp) -> np.ndarray:
    return ((months.year - start.year) * 12 + (months.month - start.month)) / 12.0


def seasonal_trend(
    monthly: pd.DataFrame,
    count: str = "episodes",
    date: str = "month",
    population: str | None = None,
    level: float = 0.95,
    method: str = "auto",
) -> SeasonalTrend:
    """Fit the trend of a monthly count.

    ``monthly`` has one row per month (``date`` column) with the ``count``; ``population``
    names a column for the offset (optional). ``method``: "auto" (Poisson, switching to
    quasi-Poisson when Pearson chi2/df > 1), "poisson", "quasi-poisson" or
    "negative binomial". Seasonality (a month-of-year factor) needs 24 months or more;
    shorter series are fitted without it and say so.
    """
    # statsmodels is imported here, not at module load: only the trend pages need it.
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    df = monthly[[date, count] + ([population] if population else [])].copy()
    df[date] = pd.to_datetime(df[date]).dt.to_period("M").dt.to_timestamp()
    df = df.sort_values(date).reset_index(drop=True)
    if len(df) < 6:
        raise ValueError("a trend needs at least 6 monthly points")
    if (df[count] < 0).any() or df[count].isna().any():
        raise ValueError("monthly counts must be whole numbers of zero or more")
    start = df[date].iloc[0]
    months = pd.DatetimeIndex(df[date])
    y = df[count].astype(float)
    seasonal = len(df) >= 24
    x = _design(months, start, seasonal)
    offset = np.log(df[population].astype(float).to_numpy()) if population else None
    with warnings.catch_warnings():
        # statsmodels flags a near-perfect fit as "perfect separation", which only means
        # something for binary outcomes.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        poisson = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit()
    dispersion = float(poisson.pearson_chi2 / poisson.df_resid) if poisson.df_resid > 0 else 1.0
    chosen = method
    if method == "auto":
        chosen = "quasi-poisson" if dispersion > 1 else "poisson"
    alpha = None
    if chosen == "poisson":
        result = poisson
    elif chosen == "quasi-poisson":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            result = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(scale="X2")
    else:
        with warnings.catch_warnings():
            # With no overdispersion alpha runs to its boundary (0) and the Hessian cannot be
            # inverted: that case is the Poisson model, used below.
            warnings.simplefilter("ignore")
            result = sm.NegativeBinomial(y, x, offset=offset).fit(disp=0, maxiter=200)
        alpha = float(result.params["alpha"])
    beta = float(result.params["t_years"])
    lo, hi = np.asarray(result.conf_int(alpha=1 - level).loc["t_years"], dtype=float)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        chosen, alpha, result = "poisson", 0.0, poisson
        beta = float(result.params["t_years"])
        lo, hi = np.asarray(result.conf_int(alpha=1 - level).loc["t_years"], dtype=float)
    return SeasonalTrend(
        method={"poisson": "Poisson", "quasi-poisson": "quasi-Poisson",
                "negative binomial": "negative binomial"}[chosen],
        seasonal=seasonal, dispersion=dispersion, rate_ratio=float(np.exp(beta)),
        lower=float(np.exp(lo)), upper=float(np.exp(hi)),
        p_value=float(result.pvalues["t_years"]), level=level, alpha=alpha,
        data=df.assign(t_years=x["t_years"].to_numpy()), start=start, result=result)


def target_progress(
    trend: SeasonalTrend,
    baseline_count: float,
    baseline_year: str = "2016-17",
    target_year: str = "2019-20",
    reduction: float = 0.4,
    population: float | None = None,
) -> dict:
    """Is the fitted trend on course for ``reduction`` fewer by ``target_year``?

    Returns ``required_ratio`` (annual ratio needed: (1 - reduction)^(1/k), k years from the
    baseline year to the target year), ``verdict`` ("ahead", "behind" or "inconclusive" from
    the fitted ratio's interval), ``target_count`` (baseline x (1 - reduction)) and the
    projected target-year count with its interval: the model's fitted target-year total
    relative to its fitted baseline-year total, applied to ``baseline_count`` (so a yearly
    count of distinct children is projected on its own scale).
    """
    from ..periods import financial_year

    if not 0 < reduction < 1:
        raise ValueError("reduction must be a fraction between 0 and 1, e.g. 0.4")
    base = financial_year(baseline_year)
    target = financial_year(target_year)
    k = target.start.year - base.start.year
    if k <= 0:
        raise ValueError("the target year must come after the baseline year")
    required = (1 - reduction) ** (1 / k)
    if trend.upper < required:
        verdict = "ahead"
    elif trend.lower > required:
        verdict = "behind"
    else:
        verdict = "inconclusive"
    months = pd.date_range(target.start, target.end, freq="MS")
    projected = trend.project_total(months, population)
    # The model is of monthly counts; the target is of a yearly count (e.g. distinct children
    # in a year, which is not the sum of monthly distinct children). Carry the fitted change
    # from the baseline year to the target year over to the baseline's own count.
    fitted_base = trend.project_total(pd.date_range(base.start, base.end, freq="MS"),
                                      population)["value"]
    scale = baseline_count / fitted_base if fitted_base else float("nan")
    return {
        "baseline_year": base.label, "target_year": target.label, "years": k,
        "reduction": reduction, "required_ratio": required,
        "rate_ratio": trend.rate_ratio, "lower": trend.lower, "upper": trend.upper,
        "verdict": verdict, "baseline_count": baseline_count,
        "target_count": baseline_count * (1 - reduction),
        "projected": projected["value"] * scale,
        "projected_lower": projected["lower"] * scale,
        "projected_upper": projected["upper"] * scale,
    }
