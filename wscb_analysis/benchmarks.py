"""National comparators: DfE's published statistics beside the board's own figures.

:func:`load_dfe` reads DfE's downloads exactly as they come (Explore education statistics CSVs
and the CIN 2017-18 main tables workbook) into one long table:

    year ("2016-17"), level (National / Regional / Local authority), area_code (E92000001,
    E12..., E10...), area_name, indicator, numerator, denominator, value,
    plus old_la_code, region_code, region_name.

Suppressed and unavailable cells (``c``, ``x``, ``z``, ``:``, ``low``, blank) become missing
values, never zeros. Indicators (fractions unless "per_10k"):

* ``referrals`` (count), ``rereferral_rate`` (re-referrals / referrals, C1),
  ``rereferral_child_rate`` (child level, C1), ``referrals_per_10k`` (C1 / 0-17 population);
* ``second_or_subsequent_rate`` (D3); ``cp_open_2_years_plus_rate`` (of plans open at 31 March,
  D5); ``cp_plans_per_10k`` (plans open at 31 March per 10,000 children, D5);
  ``cp_ended_2_years_plus_rate`` (of plans ended in the year, D7: 2017-18 by authority from
  the main tables, and England's published series);
* ``cin_per_10k`` (children in need at 31 March, B1);
* ``cla_missing_children``, ``cla_missing_incidents``, ``cla_missing_more_than_once``,
  ``cla_away_children`` (looked-after children missing / away from placement, SSDA903 based;
  DfE says the years to 2016-17 are experimental and not comparable with each other);
* ``population_0_17`` (ONS mid-year estimate).

Rates per 10,000 use the ONS mid-year estimate of children aged 0-17 for the year in which the
financial year starts (mid-2016 for 2016-17), as DfE's own tables do. The estimates beside the
project are a later ONS vintage (revised after the 2021 census) than DfE used, so these rates
land within about 1% of DfE's published ones (docs/assumptions.md).

A compact reference table derived from these files ships with the package
(``wscb_analysis/data/dfe_reference.csv``, built by ``scripts/build_reference.py``), so a fresh
install compares against England, the region, statistical neighbours and every authority
without the downloads. Contains public sector information licensed under the Open Government
Licence v3.0.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .periods import financial_year, year_from_dfe
from .stats.intervals import funnel, rate_ci, wilson_ci

COLUMNS = ["year", "level", "area_code", "area_name", "indicator", "numerator",
           "denominator", "value", "old_la_code", "region_code", "region_name"]
MISSING_SYMBOLS = {"c", "x", "z", ":", "low", "", "u", "..", "k", "-"}
LEVELS = {"national": "National", "regional": "Regional", "region": "Regional",
          "local authority": "Local authority", "la": "Local authority"}
ENGLAND = "E92000001"
PER_10K = {"referrals_per_10k", "cp_plans_per_10k", "cin_per_10k"}
#: England's share of ended plans that had lasted 2 years or more (DfE CIN 2017-18, table D7
#: time series, as DEFINITIONS.md gives it); 2015-16 with its counts.
ENGLAND_D7 = {"2012-13": (None, None, 0.052), "2013-14": (None, None, 0.045),
              "2014-15": (None, None, 0.037), "2015-16": (2410, 62750, 2410 / 62750),
              "2016-17": (None, None, 0.034), "2017-18": (None, None, 0.034)}
SOURCE_NOTE = ("Source: DfE, Characteristics of children in need and Children looked after in "
               "England; ONS mid-year population estimates. Contains public sector information "
               "licensed under the Open Government Licence v3.0.")
REFERENCE_FILE = "dfe_reference.csv"
NEIGHBOURS_FILE = "dfe_statistical_neighbours.csv"


def _number(series: pd.Series) -> pd.Series:
    """DfE cell text -> float; suppression and availability symbols -> NaN (never 0)."""
    text = series.astype(str).str.strip().str.replace(",", "", regex=False)
    text = text.where(~text.str.lower().isin(MISSING_SYMBOLS))
    return pd.to_numeric(text, errors="coerce")


def _ees(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df["year"] = df["time_period"].map(year_from_dfe)
    df["level"] = df["geographic_level"].str.strip().str.lower().map(LEVELS)
    national = df["level"] == "National"
    regional = df["level"] == "Regional"
    df["area_code"] = np.where(national, df["country_code"],
                               np.where(regional, df["region_code"], df["new_la_code"]))
    df["area_name"] = np.where(national, df["country_name"],
                               np.where(regional, df["region_name"], df["la_name"]))
    return df


def _long(df: pd.DataFrame, indicator: str, numerator, denominator, value) -> pd.DataFrame:
    out = df[["year", "level", "area_code", "area_name", "old_la_code", "region_code",
              "region_name"]].copy()
    out["indicator"] = indicator
    out["numerator"] = numerator
    out["denominator"] = denominator
    out["value"] = value
    return out


def _population(folder: Path) -> pd.DataFrame:
    path = next(folder.glob("*ons*population*.csv"), None)
    if path is None:
        return pd.DataFrame(columns=COLUMNS)
    df = _ees(path)
    # ``time_period`` here is the calendar mid-year; label it by the financial year it starts.
    df["year"] = df["time_period"].astype(int).map(lambda y: f"{y}-{(y + 1) % 100:02d}")
    pop = _number(df["population_estimate"])
    return _long(df, "population_0_17", pop, np.nan, pop)


def _per_10k(rows: pd.DataFrame, population: pd.DataFrame, indicator: str) -> pd.DataFrame:
    pop = population.set_index(["year", "area_code"])["value"]
    den = pd.Series([pop.get((y, a), np.nan) for y, a in zip(rows["year"], rows["area_code"],
                                                             strict=True)], index=rows.index)
    out = rows.copy()
    out["indicator"] = indicator
    out["denominator"] = den
    out["value"] = out["numerator"] / den * 10_000
    return out


def _fraction(num: pd.Series, den: pd.Series, percent: pd.Series | None = None) -> pd.Series:
    value = num / den.where(den > 0)
    if percent is not None:  # where counts are suppressed but DfE published the percentage
        value = value.fillna(percent / 100)
    return value


def _c1(folder: Path, population: pd.DataFrame) -> list[pd.DataFrame]:
    path = next(folder.glob("*c1*referrals*.csv"), None)
    if path is None:
        return []
    df = _ees(path)
    ref, rere = _number(df["referral_count"]), _number(df["rereferral_count"])
    child, rere_child = _number(df["referral_child_count"]), _number(df["rereferral_child_count"])
    counts = _long(df, "referrals", ref, np.nan, ref)
    return [
        counts,
        _long(df, "rereferral_rate", rere, ref,
              _fraction(rere, ref, _number(df["rereferral_percent"]))),
        _long(df, "rereferral_child_rate", rere_child, child,
              _fraction(rere_child, child, _number(df["rereferral_child_percent"]))),
        _per_10k(counts, population, "referrals_per_10k"),
    ]


def _d3(folder: Path) -> list[pd.DataFrame]:
    path = next(folder.glob("*d3*subsequent*.csv"), None)
    if path is None:
        return []
    df = _ees(path)
    start, sub = _number(df["CPP_start"]), _number(df["CPP_subsequent"])
    return [_long(df, "second_or_subsequent_rate", sub, start,
                  _fraction(sub, start, _number(df["CPP_subsequent_percent"])))]


def _d5(folder: Path, population: pd.DataFrame) -> list[pd.DataFrame]:
    path = next(folder.glob("*d5*duration*.csv"), None)
    if path is None:
        return []
    df = _ees(path)
    at31, two = _number(df["CPP_At31"]), _number(df["2_years_or_more"])
    open_rows = _long(df, "cp_plans_open", at31, np.nan, at31)
    return [
        _long(df, "cp_open_2_years_plus_rate", two, at31,
              _fraction(two, at31, _number(df["2_years_or_more_percent"]))),
        _per_10k(open_rows, population, "cp_plans_per_10k"),
    ]


def _b1(folder: Path, population: pd.DataFrame) -> list[pd.DataFrame]:
    path = next(folder.glob("*b1*children_in_need*.csv"), None)
    if path is None:
        return []
    df = _ees(path)
    at31 = _number(df["At31_episodes"])
    return [_per_10k(_long(df, "cin", at31, np.nan, at31), population, "cin_per_10k")]


def _d7(folder: Path, areas: pd.DataFrame) -> list[pd.DataFrame]:
    """Plans ended by duration: 2017-18 by authority from the main tables; England's series."""
    rows = []
    for year, (num, den, value) in ENGLAND_D7.items():
        rows.append({"year": year, "level": "National", "area_code": ENGLAND,
                     "area_name": "England", "indicator": "cp_ended_2_years_plus_rate",
                     "numerator": num, "denominator": den, "value": value})
    path = next(folder.glob("*cin_main_tables_2018*.xlsx"), None)
    if path is not None:
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("D7").to_python()
        header = next(i for i, r in enumerate(sheet) if "Local authority" in [str(c) for c in r])
        titles = [str(c) for c in sheet[header]]
        two_col = next(i for i, t in enumerate(titles) if re.search(r"2 years", t) and
                       not re.search(r"less than 2", t))
        codes = areas.dropna(subset=["old_la_code"]).drop_duplicates("old_la_code")
        by_old = codes.set_index("old_la_code")
        for r in sheet[header + 1:]:
            old = str(r[0]).split(".")[0].strip()
            if not old.isdigit() or old not in by_old.index:
                continue
            total = _number(pd.Series([r[2]])).iloc[0]
            two = _number(pd.Series([r[two_col]])).iloc[0]
            area = by_old.loc[old]
            rows.append({"year": "2017-18", "level": "Local authority",
                         "area_code": area["area_code"], "area_name": area["area_name"],
                         "indicator": "cp_ended_2_years_plus_rate", "numerator": two,
                         "denominator": total,
                         "value": two / total if total and not np.isnan(two) else np.nan,
                         "old_la_code": old, "region_code": area["region_code"],
                         "region_name": area["region_name"]})
    return [pd.DataFrame(rows)]


_SFR_COLUMNS = {  # SFR file column -> indicator
    "cla_missing_children": ("CLA_MissDuringYear", "Miss_Miss_DuringYear"),
    "cla_missing_incidents": ("CLA_MissIncs", "Miss_Miss_Incs"),
    "cla_missing_more_than_once": ("CLA_MissMoreOnce", "Miss_Miss_MoreOnce"),
    "cla_away_children": ("CLA_AwayDuringYear", "Miss_Away_DuringYear"),
}
_EES_MISSING = {
    "cla_missing_children": "Children who had a missing incident during the year",
    "cla_missing_incidents": "Number of missing incidents during the year",
    "cla_missing_more_than_once": "Children who went missing more than once during the year",
    "cla_away_children": "Children who were away from placement without authorisation during "
                         "the year",
}


def _cla_missing(folder: Path, areas: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    names = areas.drop_duplicates("area_code").set_index("area_code")
    for path in sorted(folder.glob("cla_missing_la_*_SFR*.csv")):
        end_year = int(re.search(r"_(\d{4})_", path.name).group(1))
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        level = df["geog_l"].str.strip().str.upper().map(
            {"NATIONAL": "National", "REGION": "Regional", "LA": "Local authority"})
        base = pd.DataFrame({
            "year": year_from_dfe(end_year), "level": level, "area_code": df["New_geog_code"],
            "area_name": [names["area_name"].get(c, n.title()) for c, n in
                          zip(df["New_geog_code"], df["geog_n"], strict=True)],
            "old_la_code": np.where(level == "Local authority", df["geog_c"], None),
            "region_code": [names["region_code"].get(c) for c in df["New_geog_code"]],
            "region_name": [names["region_name"].get(c) for c in df["New_geog_code"]],
        })
        for indicator, candidates in _SFR_COLUMNS.items():
            col = next((c for c in candidates if c in df.columns), None)
            if col is None:
                continue
            n = _number(df[col])
            out.append(_long(base, indicator, n, np.nan, n))
    ees = next(folder.glob("cla_missing_la_*_ees.csv"), None)
    if ees is not None:
        df = _ees(ees)
        for indicator, group in _EES_MISSING.items():
            sub = df[df["CLA_group"].str.strip() == group]
            n = _number(sub["number"])
            out.append(_long(sub, indicator, n, np.nan, n))
    return out


def load_dfe(folder: Path | str) -> pd.DataFrame:
    """Read DfE's downloads in ``folder`` into the contract's long table (see module doc)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder of DfE downloads")
    population = _population(folder)
    parts = [population, *_c1(folder, population), *_d3(folder), *_d5(folder, population),
             *_b1(folder, population)]
    areas = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    parts += _d7(folder, areas) + _cla_missing(folder, areas)
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    out = out[out["level"].notna()]
    for col in ("numerator", "denominator", "value"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    out["old_la_code"] = out["old_la_code"].replace("", None)
    return out[COLUMNS].sort_values(["indicator", "year", "level", "area_code"]).reset_index(
        drop=True)


def load_neighbours(folder: Path | str) -> pd.DataFrame:
    """DfE statistical neighbour groupings (2021 and, where present, 2025 models) in long form:
    grouping, old_la_code, rank (1 = closest), neighbour_old_la_code, closeness."""
    folder = Path(folder)
    rows = []
    for path, grouping in ((next(folder.glob("*Statistical_Neighbour_Groupings_April_2021*"),
                                 None), "2021"),
                           (next(folder.glob("*sn_model_2025*"), None), "2025")):
        if path is None:
            continue
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                          header=None)
        header = [str(h).strip() for h in raw.iloc[0]]
        for _, r in raw.iloc[1:].iterrows():
            la = str(r.iloc[0]).strip()
            if not la.isdigit():
                continue
            sn = [i for i, h in enumerate(header) if re.fullmatch(r"SN_?\d+", h)]
            for rank, i in enumerate(sn, start=1):
                code = str(r.iloc[i]).strip()
                if code.isdigit():
                    rows.append({"grouping": grouping, "old_la_code": la, "rank": rank,
                                 "neighbour_old_la_code": code,
                                 "closeness": str(r.iloc[i + 1]).strip()})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- shipped table


def load_reference(folder: Path | str | None = None) -> pd.DataFrame:
    """The comparator table: the shipped reference, or ``load_dfe(folder)`` for newer
    downloads (a notebook's ``benchmarks_dir`` parameter, the CLI's ``--benchmarks``)."""
    if folder is not None:
        return load_dfe(folder)
    with resources.files("wscb_analysis.data").joinpath(REFERENCE_FILE).open() as fh:
        df = pd.read_csv(fh, dtype={"old_la_code": str, "year": str})
    return df


def reference_neighbours(folder: Path | str | None = None) -> pd.DataFrame:
    if folder is not None:
        return load_neighbours(folder)
    with resources.files("wscb_analysis.data").joinpath(NEIGHBOURS_FILE).open() as fh:
        return pd.read_csv(fh, dtype=str).astype({"rank": int})


def statistical_neighbours(reference: pd.DataFrame, neighbours: pd.DataFrame,
                           area_code: str = config.LA_CODE, grouping: str = "2021"
                           ) -> list[str]:
    """Area codes of an authority's statistical neighbours, closest first."""
    codes = reference.dropna(subset=["old_la_code"]).drop_duplicates("area_code")
    old = codes.set_index("area_code")["old_la_code"].get(area_code)
    by_old = codes.set_index("old_la_code")["area_code"]
    sub = neighbours[(neighbours["grouping"] == grouping) & (neighbours["old_la_code"] == old)]
    return [by_old[c] for c in sub.sort_values("rank")["neighbour_old_la_code"] if c in by_old]


def _with_interval(df: pd.DataFrame, indicator: str, level: float = 0.95) -> pd.DataFrame:
    df = df.copy()
    df["lower"] = np.nan
    df["upper"] = np.nan
    ok = df["numerator"].notna() & df["denominator"].notna() & (df["denominator"] > 0)
    if ok.any():
        x, n = df.loc[ok, "numerator"].to_numpy(), df.loc[ok, "denominator"].to_numpy()
        if indicator in PER_10K:
            lo, hi = rate_ci(x, n, 10_000, level)
        elif indicator.endswith("_rate"):
            x = np.minimum(x, n)
            lo, hi = wilson_ci(x, n, level)
        else:
            return df
        df.loc[ok, "lower"], df.loc[ok, "upper"] = lo, hi
    return df


def comparator_table(reference: pd.DataFrame, indicator: str, year: str,
                     area_code: str = config.LA_CODE, neighbours: list[str] | None = None,
                     level: float = 0.95) -> pd.DataFrame:
    """The authority, each statistical neighbour, the neighbours pooled, its region and
    England for one indicator and year, with intervals (Wilson for fractions, exact/Byar's for
    rates per 10,000). Columns: role, area_code, area_name, numerator, denominator, value,
    lower, upper."""
    year = financial_year(year).year_label
    rows = reference[(reference["indicator"] == indicator) & (reference["year"] == year)]
    by_code = rows.drop_duplicates("area_code").set_index("area_code")
    parts = []
    if area_code in by_code.index:
        parts.append(by_code.loc[[area_code]].assign(role="Authority"))
    sn = [c for c in (neighbours or []) if c in by_code.index]
    if sn:
        parts.append(by_code.loc[sn].assign(role="Statistical neighbour"))
        pooled = by_code.loc[sn, ["numerator", "denominator"]].sum(min_count=1)
        complete = by_code.loc[sn, ["numerator", "denominator"]].notna().all(axis=None)
        if complete and pooled["denominator"] > 0:
            value = pooled["numerator"] / pooled["denominator"] * (
                10_000 if indicator in PER_10K else 1)
            parts.append(pd.DataFrame([{
                "area_name": "Statistical neighbours (pooled)", "numerator":
                pooled["numerator"], "denominator": pooled["denominator"], "value": value,
                "role": "Statistical neighbours (pooled)"}], index=["SN"]))
    region = by_code.get("region_code", pd.Series(dtype=str)).get(area_code)
    if region is not None and region in by_code.index:
        parts.append(by_code.loc[[region]].assign(role="Region"))
    if ENGLAND in by_code.index:
        parts.append(by_code.loc[[ENGLAND]].assign(role="England"))
    if not parts:
        return pd.DataFrame(columns=["role", "area_code", "area_name", "numerator",
                                     "denominator", "value", "lower", "upper"])
    out = pd.concat(parts).rename_axis("area_code").reset_index()
    out = _with_interval(out, indicator, level)
    return out[["role", "area_code", "area_name", "numerator", "denominator", "value", "lower",
                "upper"]]


def la_funnel(reference: pd.DataFrame, indicator: str, year: str,
              highlight: str = config.LA_CODE) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Every English authority for a proportion indicator in a funnel: ``(limits, areas,
    average)`` as :func:`wscb_analysis.stats.funnel` returns them (pooled average), with
    ``highlight`` True for the chosen authority. Authorities with suppressed counts are left
    out (and counted in ``areas.attrs['left_out']``)."""
    year = financial_year(year).year_label
    rows = reference[(reference["indicator"] == indicator) & (reference["year"] == year)
                     & (reference["level"] == "Local authority")]
    usable = rows.dropna(subset=["numerator", "denominator"])
    usable = usable[usable["denominator"] > 0]
    limits, areas, average = funnel(usable, "numerator", "denominator")
    areas = areas.assign(highlight=areas["area_code"] == highlight)
    areas.attrs["left_out"] = int(len(rows) - len(usable))
    return limits, areas, average


def authority_series(reference: pd.DataFrame, indicator: str, area_code: str = config.LA_CODE,
                     neighbours: list[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """The authority against England (and its neighbours pooled) over the years held.

    Long format: year, series ("Authority", "Statistical neighbours (pooled)", "England"),
    area_name, numerator, denominator, value, lower, upper."""
    rows = reference[reference["indicator"] == indicator]
    parts = []
    for year in sorted(rows["year"].unique()):
        t = comparator_table(reference, indicator, year, area_code, neighbours, level)
        t = t[t["role"].isin(["Authority", "Statistical neighbours (pooled)", "England"])]
        parts.append(t.assign(year=year))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True).rename(columns={"role": "series"})
    return out[["year", "series", "area_name", "numerator", "denominator", "value", "lower",
                "upper"]]


def shared_dfe_dir() -> Path | None:
    """DfE downloads beside the project (``../shared/data/dfe``), if present."""
    return config.SHARED_DFE_DIR if config.SHARED_DFE_DIR.is_dir() else None
