"""Trend in monthly counts, and progress towards a reduction target.

Model (METHODS.md): a Poisson GLM with a linear time term in years and a month-of-year factor
for seasonality, ``n ~ t_years + C(month)``, with ``log(population)`` as offset when a
population is given. Overdispersion is checked with Pearson chi2 / residual df; above 1 the
interval comes from quasi-Poisson (``fit(scale="X2")``) or, on request, a negative binomial
with alpha estimated (``smf.negativebinomial``; the GLM NegativeBinomial family silently fixes
alpha = 1). The annual rate ratio is exp(beta_t) with exp(confidence interval).

No trend from fewer than 24 monthly points (``MIN_TREND_MONTHS``): with under two of each
calendar month the seasonal pattern cannot be told apart from change (twelve months of a purely
seasonal series, high in summer and low in winter, fit as a steep "fall"). ``seasonal_trend``
raises :class:`TooFewMonths` unless the caller asks for a ``descriptive`` non-seasonal fit,
which carries ``descriptive=True`` and supports no trend or target verdict.

Target ("40% fewer by 2020 from 2016-17"): the required annual ratio is 0.6^(1/k) for k years
from the baseline year to the target year; "ahead" when the fitted ratio's whole interval is
below it, "behind" when wholly above, else "inconclusive". The target year is projected as
baseline x RR^k with interval baseline x lower^k to baseline x upper^k: its upper limit is below
the target count exactly when the verdict is "ahead" and its lower limit above it exactly when
"behind", so projection and verdict agree by construction. Sources: statsmodels documentation;
PHE "Technical guide: trends" (Poisson regression for counts).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .intervals import z_value

METHODS = ("auto", "poisson", "quasi-poisson", "negative binomial")
MIN_TREND_MONTHS = 24  # two of each calendar month: seasonality can be told from change
MIN_DESCRIPTIVE_MONTHS = 6


class TooFewMonths(ValueError):
    """Too few monthly points for the fit asked: ``months`` held, ``needed`` for it."""

    def __init__(self, message: str, months: int, needed: int):
        super().__init__(message)
        self.months = months
        self.needed = needed


@dataclass
class SeasonalTrend:
    """A fitted trend. ``rate_ratio``, ``lower`` and ``upper`` are per year (1 = flat).

    ``descriptive`` is True for a non-seasonal fit of fewer than 24 months asked for with
    ``seasonal_trend(..., descriptive=True)``: it describes the months held and supports no
    trend or target verdict. ``months`` is the number of monthly points fitted.
    """

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
    descriptive: bool = False

    @property
    def months(self) -> int:
        return len(self.data)

    def as_dict(self) -> dict:
        return {"method": self.method, "seasonal": self.seasonal,
                "dispersion": self.dispersion, "rate_ratio": self.rate_ratio,
                "lower": self.lower, "upper": self.upper, "p_value": self.p_value,
                "level": self.level, "alpha": self.alpha, "months": self.months,
                "descriptive": self.descriptive}

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
    descriptive: bool = False,
) -> SeasonalTrend:
    """Fit the trend of a monthly count: annual rate ratio (1 = flat) with its interval.

    ``monthly`` has one row per month (``date`` column, any day in the month) with the
    ``count``; ``population`` names a column for the offset (optional). ``method``: "auto"
    (Poisson, switching to quasi-Poisson when Pearson chi2/df > 1), "poisson", "quasi-poisson"
    or "negative binomial". The model has a month-of-year factor for seasonality and needs
    ``MIN_TREND_MONTHS`` (24) monthly points: fewer raise :class:`TooFewMonths`, unless
    ``descriptive=True``, which fits 6 to 23 months without seasonality for description only
    (the result has ``descriptive=True``; :func:`target_progress` refuses it). With 24 months
    or more ``descriptive`` changes nothing. A month with no events must be a row with 0: a
    month left out is treated as not held.
    """
    # statsmodels is imported here, not at module load: only the trend pages need it. The
    # three classes, not statsmodels.api, which loads every model (a quarter second more).
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    df = _checked_months(monthly, count, date, population)
    needed = MIN_DESCRIPTIVE_MONTHS if descriptive else MIN_TREND_MONTHS
    if len(df) < needed:
        raise TooFewMonths(_too_few(df[date], descriptive), len(df), needed)
    start = df[date].iloc[0]
    months = pd.DatetimeIndex(df[date])
    y = df[count].astype(float)
    seasonal = len(df) >= MIN_TREND_MONTHS
    x = _design(months, start, seasonal)
    offset = np.log(df[population].astype(float).to_numpy()) if population else None
    with warnings.catch_warnings():
        # statsmodels flags a near-perfect fit as "perfect separation", which only means
        # something for binary outcomes.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        poisson = GLM(y, x, family=Poisson(), offset=offset).fit()
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
            result = GLM(y, x, family=Poisson(), offset=offset).fit(scale="X2")
    else:
        with warnings.catch_warnings():
            # With no overdispersion alpha runs to its boundary (0) and the Hessian cannot be
            # inverted: that case is the Poisson model, used below.
            warnings.simplefilter("ignore")
            result = NegativeBinomial(y, x, offset=offset).fit(disp=0, maxiter=200)
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
        data=df.assign(t_years=x["t_years"].to_numpy()), start=start, result=result,
        descriptive=not seasonal)


def target_progress(
    trend: SeasonalTrend,
    baseline_count: float | None,
    baseline_year: str = "2016-17",
    target_year: str = "2019-20",
    reduction: float = 0.4,
    population: float | None = None,
) -> dict:
    """Is the fitted trend on course for ``reduction`` fewer by ``target_year``?

    Returns ``required_ratio`` (annual ratio needed: (1 - reduction)^(1/k), k years from the
    baseline year to the target year), ``verdict`` ("ahead", "behind" or "inconclusive" from
    the fitted ratio's interval against the required ratio), ``target_count`` (baseline x
    (1 - reduction)) and the target year's projection ``projected`` = baseline x RR^k with
    ``projected_lower`` = baseline x lower^k and ``projected_upper`` = baseline x upper^k (RR,
    lower, upper: the annual rate ratio and its interval). The projection's interval lies
    wholly below the target count exactly when the verdict is "ahead", wholly above exactly
    when "behind". Also ``rate_ratio``, ``lower``, ``upper``, ``level``, ``method``, ``years``.

    ``baseline_count`` is the baseline year's own count (e.g. distinct children in the year,
    which is not the sum of monthly distinct children), or None when it is not held: the
    verdict is still given and the four counts are None. ``population`` is accepted for
    compatibility and not used (the rate ratio already allows for the model's offset).

    Raises :class:`TooFewMonths` for a descriptive trend or one fitted on fewer than
    ``MIN_TREND_MONTHS`` months: no target verdict from fewer than 24 monthly points.
    """
    from ..periods import financial_year

    if trend.descriptive or trend.months < MIN_TREND_MONTHS:
        raise TooFewMonths(
            f"the trend was fitted on {trend.months} monthly points without seasonality: a "
            f"target verdict needs a seasonal trend from at least {MIN_TREND_MONTHS} months",
            trend.months, MIN_TREND_MONTHS)
    if not 0 < reduction < 1:
        raise ValueError("reduction must be a fraction between 0 and 1, e.g. 0.4")
    if baseline_count is not None and not baseline_count > 0:
        raise ValueError(f"the baseline count must be above zero (got {baseline_count}); pass "
                         "None when the baseline year is not held")
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

    def times(factor: float) -> float | None:
        return None if baseline_count is None else float(baseline_count) * factor

    return {
        "baseline_year": base.label, "target_year": target.label, "years": k,
        "reduction": reduction, "required_ratio": required,
        "rate_ratio": trend.rate_ratio, "lower": trend.lower, "upper": trend.upper,
        "level": trend.level, "method": trend.method,
        "verdict": verdict, "baseline_count": baseline_count,
        "target_count": times(1 - reduction),
        "projected": times(trend.rate_ratio ** k),
        "projected_lower": times(trend.lower ** k),
        "projected_upper": times(trend.upper ** k),
    }


def _too_few(months: pd.Series, descriptive: bool) -> str:
    """The TooFewMonths message: how many months there are, why that is too few, what to do."""
    n = len(months)
    span = f" ({months.iloc[0]:%Y-%m} to {months.iloc[-1]:%Y-%m})" if n else ""
    if descriptive:
        return (f"the monthly series has only {n} points{span}: even a descriptive fit needs "
                f"at least {MIN_DESCRIPTIVE_MONTHS}")
    return (f"the monthly series has only {n} points{span}: a trend needs at least "
            f"{MIN_TREND_MONTHS} (two of each calendar month), because with fewer the usual "
            "pattern across the year (seasonality) cannot yet be separated from change. Wait "
            f"until {MIN_TREND_MONTHS} months are held, or pass descriptive=True for a "
            "non-seasonal fit that describes these months but supports no trend or target "
            "verdict")


def _checked_months(monthly: pd.DataFrame, count: str, date: str,
                    population: str | None) -> pd.DataFrame:
    """The columns the model needs, one row per month in date order; or a ValueError naming
    the row and column and saying what to do."""
    wanted = [date, count] + ([population] if population else [])
    absent = [c for c in wanted if c not in monthly.columns]
    if absent:
        raise ValueError(f"the monthly table has no column {', '.join(map(repr, absent))} "
                         f"(its columns: {', '.join(map(str, monthly.columns))}); pass the "
                         "column names as date=, count= and population=")
    df = monthly[wanted].copy()
    parsed = pd.to_datetime(df[date], errors="coerce")
    _first_bad(parsed.isna(), df, date, None, "not a date; give each month as a date such as "
               "2016-04-01")
    df[date] = parsed.dt.to_period("M").dt.to_timestamp()
    counts = pd.to_numeric(df[count], errors="coerce")
    _first_bad(counts.isna() | (counts < 0), df, count, date,
               "monthly counts must be zero or more: give 0 for a month with none, or leave "
               "out a month that is not held")
    df[count] = counts
    if population:
        pop = pd.to_numeric(df[population], errors="coerce")
        _first_bad(pop.isna() | (pop <= 0), df, population, date,
                   "the population must be a number above zero")
        df[population] = pop
    twice = df[date].duplicated(keep=False)
    if twice.any():
        months = sorted({f"{m:%Y-%m}" for m in df.loc[twice, date]})
        raise ValueError(f"the monthly table has more than one row for {', '.join(months)} "
                         f"(column {date!r}); add the counts up to one row per month")
    return df.sort_values(date).reset_index(drop=True)


def _first_bad(bad: pd.Series, df: pd.DataFrame, column: str, date: str | None,
               fix: str) -> None:
    if not bad.any():
        return
    i = int(bad.to_numpy().nonzero()[0][0])
    month = f" ({df[date].iloc[i]:%Y-%m})" if date else ""
    raise ValueError(f"row {i + 1} of the monthly table{month}, column {column!r}: "
                     f"{df[column].iloc[i]!r} is not usable; {fix}")
