"""A synthetic extract for demos, tests and benchmarks (``wscb synth``).

Deterministic for a seed. ``scale=1`` is a Warwickshire-sized authority calibrated so its
yearly figures land near Warwickshire's published ones (DEFINITIONS.md): referrals and the
referral-level re-referral rate for 2012-13 to 2017-18 (with the 2016-17 jump when the MASH
opened in May 2016 and 53.7% NFA that year), CP plans started and second-or-subsequent plans,
about 4.8% of plans ending in 2016-17 having lasted 2 years or more, plans open 2+ years at
31 March (19, 15, 9, 7, 7), ethnicity / first language / religion not recorded on about 10% /
38% / 60% of 2016-17 referrals and worsening each quarter, missing episodes rising year on
year, and early help led mostly by schools with 7 nursery and 14 pre-school assessments in
2016-17. ``scale=100`` is about the size of England.

The files are as messy as real ones: dd/mm/yyyy text dates with some Excel-style variants
(ISO, with a time, "03-May-2016", serial day numbers), rows repeated by overlapping extracts,
blank optional fields, and a handful of broken rows (an impossible date, text in a date column,
a blank child id, an end before its start, overlapping missing episodes). Broken and repeated
rows are added on top of the calibrated records, so the validated figures stay calibrated.

Nothing here is real: ids, dates of birth and every field are generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .io.load import SYNTHETIC_MARKER
from .profile import load_profile

#: Children aged 0-17 by district of the shipped (Warwickshire) profile: the calibration.
POPULATION_0_17 = load_profile().populations()

YEARS = ["2012-13", "2013-14", "2014-15", "2015-16", "2016-17", "2017-18"]
FIRST_YEAR = 2012
EXTRACT_END = np.datetime64("2018-03-31", "D")

# Published Warwickshire series (DEFINITIONS.md), 2012-13 .. 2017-18.
REFERRALS = [6524, 8154, 5965, 5975, 11330, 11071]
REREFERRAL_RATE = [0.299, 0.247, 0.242, 0.248, 0.328, 0.386]
CP_STARTED = [609, 637, 597, 579, 496, 674]
CP_SUBSEQUENT = [81, 107, 118, 105, 103, 126]
#: Plans open at 31 March 2013..2017 that had lasted 2+ years (published); 2018 is
#: suppressed by DfE (1 to 5), so 4 is an assumption.
CP_OPEN_2PLUS = [19, 15, 9, 7, 7, 4]
#: Share of ended plans that lasted 2+ years: the report's 4.8% for 2016-17, 32 of 545 for
#: 2017-18, and "three years of falling" before (4.9% in 2015-16).
CP_ENDED_2PLUS_RATE = [0.065, 0.060, 0.055, 0.049, 0.048, 32 / 545]
NFA_RATE = [0.28, 0.27, 0.25, 0.26, 0.537, 0.45]
#: Share of referrals with each field not recorded, Q1..Q4 of each year (2016-17 averages the
#: audit's 10% / 38% / 60% and worsens each quarter).
NOT_RECORDED = {
    "ethnicity": [0.06, 0.065, 0.07, 0.075, (0.08, 0.095, 0.105, 0.12), 0.12],
    "first_language": [0.30, 0.31, 0.32, 0.33, (0.34, 0.37, 0.39, 0.42), 0.42],
    "religion": [0.50, 0.51, 0.53, 0.54, (0.56, 0.59, 0.61, 0.64), 0.64],
}
MISSING_CHILDREN = [420, 470, 540, 620, 720, 830]
MISSING_EPISODES = [950, 1080, 1250, 1450, 1700, 1980]
LAC_MISSING_CHILDREN = [20, 22, 25, 49, 79, 90]
LAC_MISSING_EPISODES = [50, 55, 61, 179, 286, 320]
RHI_OFFERED = [0.55, 0.60, 0.70, 0.80, 0.97, 0.98]
RHI_ACCEPTED_GIVEN_OFFERED = 0.55
EARLY_HELP = [1150, 1190, 1230, 1280, 1340, 1410]

#: 0-17 population (ONS 2015 mid-year, the annual report's table) and a relative need weight
#: that follows deprivation (IMD rank: N&B most deprived, Stratford least).
NEED = {"North Warwickshire": 1.1, "Nuneaton and Bedworth": 1.5, "Rugby": 1.0,
        "Stratford-on-Avon": 0.7, "Warwick": 0.8}
DISTRICTS = {d: (POPULATION_0_17[d], NEED[d]) for d in NEED}
#: Relative referrals by month, April first (fewer in August and December).
MONTH_WEIGHTS = np.array([8.0, 8.5, 9.0, 8.5, 6.5, 8.5, 9.0, 9.0, 7.0, 8.5, 8.5, 9.0])
REFERRAL_SOURCES = {
    "1A": 5, "1B": 1, "1C": 1, "1D": 1, "2A": 17, "2B": 2, "3A": 2, "3B": 2, "3C": 1,
    "3D": 1, "3E": 3, "3F": 5, "4": 2, "5A": 5, "5B": 3, "5C": 1, "5D": 2, "6": 28, "7": 2,
    "8": 8, "9": 2, "10": 6,
}
ETHNICITIES = {
    "WBRI": 78, "WIRI": 1, "WOTH": 4, "WROM": 0.5, "WIRT": 0.3, "MWBC": 3, "MWBA": 1,
    "MWAS": 1, "MOTH": 2, "AIND": 2.5, "APKN": 1.2, "ABAN": 0.5, "AOTH": 1, "BCRB": 0.8,
    "BAFR": 1.2, "BOTH": 0.3, "CHNE": 0.3, "OOTH": 1, "REFU": 0.9,
}
LANGUAGES = {"English": 90, "Polish": 2.5, "Punjabi": 1.5, "Urdu": 1, "Gujarati": 1,
             "Romanian": 1, "Arabic": 1, "Other": 2}
RELIGIONS = {"Christian": 40, "No religion": 42, "Muslim": 6, "Sikh": 4, "Hindu": 2,
             "Other": 2, "Prefers not to say": 4}
CATEGORIES = ["Neglect", "Emotional abuse", "Physical abuse", "Sexual abuse", "Multiple"]
CATEGORY_FIRST = [42, 36, 10, 6, 6]
CATEGORY_REPEAT = [50, 35, 7, 4, 4]
EH_ORGS = {  # weights per 1,000 assessments (2016-17: 7 nursery, 14 pre-school of 1,340)
    "Primary school": 380, "Secondary school": 240, "Nursery": 5.2, "Pre-school": 10.5,
    "Children's centre": 18, "Health visitor": 25, "School nurse": 30, "GP": 8,
    "Family support worker": 120, "Voluntary sector": 70, "Police": 12, "Youth justice": 20,
    "Special school": 25, "College": 30,
}
TEAMS = ["MASH", "Family Support North", "Family Support South", "Family Support East",
         "Children with Disabilities", ""]


@dataclass
class SynthSummary:
    out: Path
    rows: dict[str, int]


def _fy_start(i: int) -> np.datetime64:
    return np.datetime64(f"{FIRST_YEAR + i}-04-01", "D")


def _weights(d: dict) -> tuple[np.ndarray, np.ndarray]:
    keys = np.array(list(d), dtype=object)
    w = np.array(list(d.values()), dtype=float)
    return keys, w / w.sum()


def _dates_in_year(rng: np.random.Generator, year_index: int, n: int,
                   month_weights: np.ndarray = MONTH_WEIGHTS) -> np.ndarray:
    """n dates in financial year ``year_index`` (0 = 2012-13), spread by month weights."""
    start = _fy_start(year_index)
    months = (start.astype("datetime64[M]") + np.arange(12)).astype("datetime64[D]")
    lengths = ((start.astype("datetime64[M]") + np.arange(1, 13)).astype("datetime64[D]")
               - months).astype(int)
    counts = rng.multinomial(n, month_weights / month_weights.sum())
    m = np.repeat(np.arange(12), counts)
    day = (rng.random(n) * lengths[m]).astype(int)
    out = months[m] + day
    rng.shuffle(out)
    return out


def _ids(rng: np.random.Generator, n: int, offset: int) -> np.ndarray:
    """Unique numeric-looking child ids, different per source block."""
    base = rng.permutation(n) + offset
    return base.astype(np.int64)


def _dob(rng: np.random.Generator, at: np.ndarray, low: float, high: float) -> np.ndarray:
    age_days = (rng.uniform(low, high, len(at)) * 365.25).astype(int)
    return at - age_days


def _age(dob: np.ndarray, at: np.ndarray) -> np.ndarray:
    return ((at - dob).astype(int) // 365.25).astype(int).clip(0)


def _district(rng: np.random.Generator, n: int, blank: float = 0.02) -> np.ndarray:
    names = np.array(list(DISTRICTS), dtype=object)
    w = np.array([p * need for p, need in DISTRICTS.values()])
    out = rng.choice(names, n, p=w / w.sum())
    out[rng.random(n) < blank] = ""
    return out


def _choice(rng: np.random.Generator, d: dict, n: int) -> np.ndarray:
    keys, p = _weights(d)
    return rng.choice(keys, n, p=p)


# --------------------------------------------------------------------------- formatting


def _format_dates(rng: np.random.Generator, dates: np.ndarray, messy: float = 0.03
                  ) -> np.ndarray:
    """dd/mm/yyyy text, with a share of Excel-style variants; NaT -> blank."""
    arr = pa.array(dates.astype("datetime64[s]"), pa.timestamp("s"))
    text = pc.fill_null(pc.strftime(arr, format="%d/%m/%Y"), "").to_numpy(zero_copy_only=False)
    text = text.astype(object)
    n = len(dates)
    which = rng.random(n)
    valid = ~np.isnat(dates)
    variants = [
        (0.0, 0.3, "%Y-%m-%d"),
        (0.3, 0.55, "%d/%m/%Y 00:00"),
        (0.55, 0.75, "%d-%b-%Y"),
    ]
    for lo, hi, fmt in variants:
        mask = valid & (which >= lo * messy) & (which < hi * messy)
        if mask.any():
            sub = pa.array(dates[mask].astype("datetime64[s]"), pa.timestamp("s"))
            text[mask] = pc.strftime(sub, format=fmt).to_numpy(zero_copy_only=False)
    serial = valid & (which >= 0.75 * messy) & (which < messy)
    text[serial] = (dates[serial] - np.datetime64("1899-12-30", "D")).astype(int).astype(str)
    return text


def _write(path: Path, columns: dict[str, np.ndarray],
           districts: dict[str, str] | None = None) -> int:
    """Write a CSV; ``districts`` relabels the District column for another partnership's
    profile (an empty mapping drops the column: a profile with no districts)."""
    if districts is not None and "District" in columns:
        columns = dict(columns)
        if districts:
            columns["District"] = np.array([districts.get(v, v) for v in columns["District"]],
                                           dtype=object)
        else:
            del columns["District"]
    table = pa.table({k: pa.array(np.asarray(v, dtype=object).astype(str), pa.string())
                      for k, v in columns.items()})
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(
        quoting_style="needed", batch_size=1 << 16))
    return table.num_rows


def _messy_rows(rng: np.random.Generator, columns: dict[str, np.ndarray], n_broken: int,
                breakers: list, dup_share: float = 0.015) -> dict[str, np.ndarray]:
    """Append broken copies of real rows (each made unusable one way), then repeat a share of
    rows as an overlapping extract would."""
    n = len(next(iter(columns.values())))
    extra = {k: [] for k in columns}
    for i in range(n_broken):
        src = int(rng.integers(n))
        row = {k: v[src] for k, v in columns.items()}
        breakers[i % len(breakers)](row, rng)
        for k in columns:
            extra[k].append(row[k])
    out = {k: np.concatenate([np.asarray(v, dtype=object), np.asarray(extra[k], dtype=object)])
           for k, v in columns.items()}
    total = len(next(iter(out.values())))
    dups = rng.choice(total - n_broken, int(round(dup_share * total)), replace=False)
    dups.sort()
    return {k: np.concatenate([v, v[dups]]) for k, v in out.items()}


# --------------------------------------------------------------------------- referrals


def _referrals(rng: np.random.Generator, scale: float) -> dict[str, np.ndarray]:
    """Referrals from 2011-12 (the look-back year) to 2017-18, re-referrals at the published
    rate: each re-referral follows an earlier referral of the same child by 1 to 330 days."""
    counts = [int(round(5400 * scale))] + [int(round(c * scale)) for c in REFERRALS]
    rates = [0.26] + REREFERRAL_RATE
    dates_all, parent_all, is_re_all = [], [], []
    pool_dates = np.array([], dtype="datetime64[D]")
    pool_index = np.array([], dtype=np.int64)
    offset = 0
    for k, (n, r) in enumerate(zip(counts, rates, strict=True)):
        year = k - 1
        weights = MONTH_WEIGHTS.copy()
        if year == YEARS.index("2016-17"):
            # The MASH opened in May 2016: April runs at the old volume, the rest at the new.
            prev = counts[k - 1] * MONTH_WEIGHTS[0] / MONTH_WEIGHTS.sum()
            rest = n - prev
            weights = MONTH_WEIGHTS.copy()
            weights[1:] = weights[1:] / weights[1:].sum() * rest
            weights[0] = prev
        n_re = int(round(n * r))
        n_first = n - n_re
        first_dates = _dates_in_year(rng, year, n_first, weights)
        re_dates = _dates_in_year(rng, year, n_re, weights)
        # Pool of possible earlier referrals: everything so far plus this year's firsts.
        cand_dates = np.concatenate([pool_dates, first_dates])
        cand_index = np.concatenate([pool_index, offset + np.arange(n_first)])
        order = np.argsort(cand_dates, kind="stable")
        cand_dates, cand_index = cand_dates[order], cand_index[order]
        gap = rng.integers(1, 331, n_re)
        target = re_dates - gap
        # A random referral from the target day (not always the same one, or one child would
        # collect every re-referral aimed at that day); the last earlier one if none that day.
        lo = np.searchsorted(cand_dates, target, side="left")
        hi = np.searchsorted(cand_dates, target, side="right")
        pos = np.where(hi > lo, lo + (rng.random(n_re) * (hi - lo)).astype(np.int64), hi - 1)
        ok = pos >= 0
        ok &= (re_dates - cand_dates[np.clip(pos, 0, None)]).astype(int) <= 360
        parent = np.where(ok, cand_index[np.clip(pos, 0, None)], -1)
        dates = np.concatenate([first_dates, re_dates])
        parents = np.concatenate([np.full(n_first, -1), parent])
        is_re = np.concatenate([np.zeros(n_first, bool), ok])
        dates_all.append(dates)
        parent_all.append(parents)
        is_re_all.append(is_re)
        pool_dates = np.concatenate([pool_dates, dates])
        pool_index = np.concatenate([pool_index, offset + np.arange(n)])
        offset += n
    dates = np.concatenate(dates_all)
    parent = np.concatenate(parent_all)
    total = len(dates)
    # Child of each referral: new children get new ids; re-referrals inherit their parent's.
    # Parents always come earlier in this order, so one pass in order resolves chains.
    child = np.arange(total)
    has_parent = np.flatnonzero(parent >= 0)
    for _ in range(64):  # chains are short; iterate to a fixed point
        new = child[parent[has_parent]]
        if np.array_equal(new, child[has_parent]):
            break
        child[has_parent] = new
    # Child attributes, drawn once per child.
    children, inverse = np.unique(child, return_inverse=True)
    n_child = len(children)
    first_date = np.full(n_child, np.datetime64("2100-01-01", "D"))
    np.minimum.at(first_date, inverse, dates)
    child_dob = _dob(rng, first_date, 0.0, 17.5)
    child_id = _ids(rng, n_child, 100000)
    child_gender = rng.choice(np.array(["M", "F", "U"], dtype=object), n_child,
                              p=[0.51, 0.47, 0.02])
    child_eth = _choice(rng, ETHNICITIES, n_child)
    child_lang = _choice(rng, LANGUAGES, n_child)
    child_rel = _choice(rng, RELIGIONS, n_child)
    child_district = _district(rng, n_child)
    # Per referral fields.
    year_idx = _year_index(dates)
    quarter = ((dates.astype("datetime64[M]").astype(int) % 12 - 3) % 12) // 3
    nfa_p = np.array([0.27] + NFA_RATE)[year_idx + 1]
    nfa = np.where(rng.random(total) < nfa_p, "Y", "N").astype(object)
    eth = child_eth[inverse].copy()
    lang = child_lang[inverse].copy()
    rel = child_rel[inverse].copy()
    for field, arr in (("ethnicity", eth), ("first_language", lang), ("religion", rel)):
        p = _nr_vector(field, year_idx, quarter)
        blank = _exact_share(rng, (year_idx + 1) * 4 + quarter, p)
        if field == "ethnicity":
            nobt = blank & (rng.random(total) < 0.3)
            arr[blank] = ""
            arr[nobt] = "NOBT"
        else:
            arr[blank] = ""
    order = np.argsort(dates, kind="stable")
    cols = {
        "Child Unique ID": child_id[inverse][order].astype(str).astype(object),
        "Gender": child_gender[inverse][order],
        "Ethnicity": eth[order],
        "Date of Birth": _format_dates(rng, child_dob[inverse][order]),
        "Age of Child (Years)": _age(child_dob[inverse][order], dates[order]),
        "Date of referral": _format_dates(rng, dates[order]),
        "Referral Source": _choice(rng, REFERRAL_SOURCES, total),
        "Referral NFA?": nfa[order],
        "Allocated Team": rng.choice(np.array(TEAMS, dtype=object), total),
        "Allocated Worker": np.where(rng.random(total) < 0.6, "", "SW" + pd.Series(
            rng.integers(100, 999, total)).astype(str).to_numpy()).astype(object),
        "District": child_district[inverse][order],
        "First Language": lang[order],
        "Religion": rel[order],
    }
    return cols


def _exact_share(rng: np.random.Generator, group: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Mark exactly round(share x size) random rows of each group (share is per row, constant
    within a group), so a planned quarter-on-quarter trend is not lost in sampling noise."""
    order = np.lexsort((rng.random(len(group)), group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, len(g)])
    rank = np.arange(len(g)) - np.repeat(starts, sizes)
    wanted = np.repeat(np.round(share[order][starts] * sizes), sizes)
    out = np.empty(len(group), dtype=bool)
    out[order] = rank < wanted
    return out


def _year_index(dates: np.ndarray) -> np.ndarray:
    """0 for 2012-13, -1 for 2011-12, ... from datetime64[D]."""
    months = dates.astype("datetime64[M]").astype(int)  # months since 1970-01
    fy_start_year = 1970 + (months - 3) // 12
    return fy_start_year - FIRST_YEAR


def _nr(field: str, year: int, quarter: int) -> float:
    spec = NOT_RECORDED[field][max(0, min(year, len(YEARS) - 1))]
    return spec[quarter] if isinstance(spec, tuple) else spec


def _nr_vector(field: str, year: np.ndarray, quarter: np.ndarray) -> np.ndarray:
    table = np.array([[_nr(field, y, q) for q in range(4)] for y in range(len(YEARS))])
    return table[np.clip(year, 0, len(YEARS) - 1), quarter]


# --------------------------------------------------------------------------- CP plans


def _cp_plans(rng: np.random.Generator, scale: float) -> dict[str, np.ndarray]:
    """Plans starting from 2009-10 (history for earlier plans) to 2017-18."""
    warm = [560, 580, 600]
    started = [int(round(c * scale)) for c in warm + CP_STARTED]
    subsequent = [int(round(c * scale)) for c in [70, 75, 80] + CP_SUBSEQUENT]
    first_idx = -3  # year index of 2009-10
    # Normal plans: durations under 2 years in DfE-like bands.
    band_p = np.array([0.17, 0.14, 0.39, 0.30])
    band_lo = np.array([20, 93, 184, 366])
    band_hi = np.array([91, 182, 364, 728])
    normal_start = np.concatenate([
        _dates_in_year(rng, first_idx + k, n) for k, n in enumerate(started)])
    band = rng.choice(4, len(normal_start), p=band_p)
    normal_end = normal_start + rng.integers(band_lo[band], band_hi[band] + 1)
    # Long plans (2 years and over), placed so the published counts hold.
    ended_normal = np.bincount(_year_index(normal_end) + 3, minlength=9)
    long_start, long_end = [], []
    for k in range(len(YEARS)):
        rate = CP_ENDED_2PLUS_RATE[k]
        lost = 0.04  # normal plans dropped to make room for long ones (see below)
        e_k = int(round(rate / (1 - rate) * ended_normal[k + 3] * (1 - lost)))
        o_prev = int(round(CP_OPEN_2PLUS[k - 1] * scale)) if k >= 1 else int(round(15 * scale))
        o_prev = min(o_prev, e_k)
        ends = _dates_in_year(rng, k, e_k)
        march = _fy_start(k) - 1
        since = (ends - march).astype(int)  # days after the previous 31 March, >= 1
        counted = np.zeros(e_k, bool)
        counted[:o_prev] = True
        extra_open = since + rng.integers(1, 121, e_k)  # start at least this far before 2y
        extra_not = (rng.random(e_k) * np.maximum(since - 1, 0)).astype(int)
        extra = np.where(counted, extra_open, extra_not)
        two_years_before = _minus_two_years(ends)
        long_start.append(two_years_before - extra)
        long_end.append(ends)
    # Still open at the extract's end after 2+ years (31 March 2018).
    n_open = int(round(CP_OPEN_2PLUS[-1] * scale))
    long_start.append(_dates_in_year(rng, 3, n_open))
    long_end.append(np.full(n_open, np.datetime64("NaT"), dtype="datetime64[D]"))
    long_start_a, long_end_a = np.concatenate(long_start), np.concatenate(long_end)
    # Keep the yearly starts on target: drop as many normal plans as long ones start.
    keep = np.ones(len(normal_start), bool)
    long_years = _year_index(long_start_a)
    normal_years = _year_index(normal_start)
    for y in np.unique(long_years):
        cands = np.flatnonzero((normal_years == y) & keep)
        n_drop = min(int((long_years == y).sum()), len(cands))
        keep[rng.choice(cands, n_drop, replace=False)] = False
    start = np.concatenate([normal_start[keep], long_start_a])
    end = np.concatenate([normal_end[keep], long_end_a])
    end = np.where(end > EXTRACT_END, np.datetime64("NaT"), end)
    keep_in = start <= EXTRACT_END
    start, end = start[keep_in], end[keep_in]
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    n = len(start)
    # Children: year by year, mark subsequent plans; some reuse a child whose earlier plan in
    # the extract has ended, the rest had plans before the extract began.
    child = np.arange(n) + 10_000_000
    previous = np.zeros(n, dtype=np.int64)
    years = _year_index(start)
    latest = np.ones(n, bool)  # plan is its child's latest so far
    for y in range(first_idx, len(YEARS)):
        in_year = np.flatnonzero(years == y)
        t = min(subsequent[y - first_idx], len(in_year))
        chosen = rng.choice(in_year, t, replace=False)
        y_start = _fy_start(y)
        cands = np.flatnonzero(latest & ~np.isnat(end) & (end < y_start) & (years < y))
        n_reuse = min(int(round(0.55 * t)), len(cands))
        reuse_from = rng.choice(cands, n_reuse, replace=False)
        reuse_to = chosen[:n_reuse]
        child[reuse_to] = child[reuse_from]
        previous[reuse_to] = previous[reuse_from] + 1
        latest[reuse_from] = False
        others = chosen[n_reuse:]
        previous[others] = rng.choice([1, 2], len(others), p=[0.8, 0.2])
    # Attributes per child.
    uniq, inv = np.unique(child, return_inverse=True)
    nc = len(uniq)
    first_start = np.full(nc, np.datetime64("2100-01-01", "D"))
    np.minimum.at(first_start, inv, start)
    dob = _dob(rng, first_start, 0.0, 16.0)[inv]
    ids = _ids(rng, nc, 300000)[inv]
    gender = rng.choice(np.array(["M", "F"], dtype=object), nc)[inv]
    eth = _choice(rng, ETHNICITIES, nc)[inv]
    district = _district(rng, nc, blank=0.01)[inv]
    keys = np.array(CATEGORIES, dtype=object)
    cat_first = rng.choice(keys, n, p=np.array(CATEGORY_FIRST) / sum(CATEGORY_FIRST))
    cat_rep = rng.choice(keys, n, p=np.array(CATEGORY_REPEAT) / sum(CATEGORY_REPEAT))
    initial = np.where(previous > 0, cat_rep, cat_first)
    latest_cat = np.where(rng.random(n) < 0.9, initial, cat_first)
    prev_text = previous.astype(str).astype(object)
    prev_text[(previous == 0) & (rng.random(n) < 0.03)] = ""  # not recorded
    disability = rng.choice(np.array(["b) No", "a) Yes", ""], dtype=object), n,
                            p=[0.93, 0.05, 0.02])
    return {
        "Child Unique ID": ids.astype(str).astype(object),
        "Gender": gender, "Ethnicity": eth,
        "Date of Birth": _format_dates(rng, dob),
        "Age of Child (Years)": _age(dob, start),
        "Does the Child have a Disability": disability,
        "Child Protection Plan Start Date": _format_dates(rng, start),
        "Initial Category of Abuse": initial, "Latest Category of Abuse": latest_cat,
        "Date of the Last Statutory Visit": np.full(n, "", dtype=object),
        "Was the Child Seen Alone?": np.full(n, "", dtype=object),
        "Date of latest review conference": np.full(n, "", dtype=object),
        "Child Protection Plan End Date": _format_dates(rng, end),
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six "
        "Months (Y/N)": np.full(n, "b) No", dtype=object),
        "Number of Previous Child Protection Plans": prev_text,
        "Allocated Team": rng.choice(np.array(TEAMS[1:5], dtype=object), n),
        "Allocated Worker": np.full(n, "", dtype=object),
        "District": district,
    }


def _minus_two_years(d: np.ndarray) -> np.ndarray:
    from .periods import add_months

    return add_months(d, -24)


# --------------------------------------------------------------------------- early help


def _early_help(rng: np.random.Generator, scale: float) -> dict[str, np.ndarray]:
    counts = [int(round(c * scale)) for c in EARLY_HELP]
    starts = np.concatenate([_dates_in_year(rng, k, n) for k, n in enumerate(counts)])
    n = len(starts)
    orgs, p = _weights(EH_ORGS)
    org = rng.choice(orgs, n, p=p)
    # 2016-17 early-years starts exactly as the report: 7 nurseries, 14 pre-schools.
    y16 = np.flatnonzero(_year_index(starts) == YEARS.index("2016-17"))
    ey = np.isin(org[y16], ["Nursery", "Pre-school"])
    non_ey = y16[~ey]
    org[y16[ey]] = "Primary school"
    picks = rng.choice(non_ey, int(round(21 * scale)), replace=False)
    org[picks[: int(round(7 * scale))]] = "Nursery"
    org[picks[int(round(7 * scale)):]] = "Pre-school"
    lead = np.where(rng.random(n) < 0.85, org, rng.choice(orgs, n, p=p)).astype(object)
    lead[rng.random(n) < 0.05] = ""
    completion = starts + rng.integers(0, 45, n)
    completion = np.where(completion > EXTRACT_END, np.datetime64("NaT"), completion)
    dob = _dob(rng, starts, 0.0, 17.0)
    return {
        "Child Unique ID": _ids(rng, n, 600000).astype(str).astype(object),
        "Gender": rng.choice(np.array(["M", "F"], dtype=object), n),
        "Ethnicity": _choice(rng, ETHNICITIES, n),
        "Date of Birth": _format_dates(rng, dob),
        "Age of Child (Years)": _age(dob, starts),
        "Assessment start date": _format_dates(rng, starts),
        "Assessment completion date": _format_dates(rng, completion),
        "Organisation completing assessment": org,
        "Lead Professional Agency": lead,
        "District": _district(rng, n),
    }


# --------------------------------------------------------------------------- missing


def _missing(rng: np.random.Generator, scale: float) -> dict[str, np.ndarray]:
    """Episodes of children missing from home and care (local police/council layout)."""
    child_ids, starts, lac_flags, years = [], [], [], []
    next_child = 0
    prev_children = np.array([], dtype=np.int64)
    summer = np.array([9, 9.5, 9.5, 10, 9, 8.5, 8.5, 8, 7, 7.5, 7.5, 8.5])
    for k in range(len(YEARS)):
        for lac in (True, False):
            if lac:
                nc = int(round(LAC_MISSING_CHILDREN[k] * scale))
                ne = int(round(LAC_MISSING_EPISODES[k] * scale))
            else:
                nc = int(round((MISSING_CHILDREN[k] - LAC_MISSING_CHILDREN[k]) * scale))
                ne = int(round((MISSING_EPISODES[k] - LAC_MISSING_EPISODES[k]) * scale))
            ne = max(ne, nc)
            # About a fifth of children went missing the year before too.
            n_again = min(len(prev_children), int(0.2 * nc)) if not lac else 0
            again = rng.choice(prev_children, n_again, replace=False) if n_again else np.array(
                [], dtype=np.int64)
            fresh = np.arange(next_child, next_child + nc - n_again)
            next_child += nc - n_again
            kids = np.concatenate([again, fresh])
            # Every child has one episode; the rest go to repeat children (heavy tail).
            weights = rng.pareto(1.5, nc) + 0.2
            extra = rng.multinomial(ne - nc, weights / weights.sum())
            per_child = 1 + extra
            child_ids.append(np.repeat(kids, per_child))
            starts.append(_dates_in_year(rng, k, int(per_child.sum()), summer))
            lac_flags.append(np.full(int(per_child.sum()), lac))
            years.append(np.full(int(per_child.sum()), k))
            if not lac:
                prev_children = kids
    child = np.concatenate(child_ids)
    start = np.concatenate(starts)
    lac = np.concatenate(lac_flags)
    year = np.concatenate(years)
    n = len(child)
    # Looked-after children are a separate id block from children missing from home.
    child = np.where(lac, child + 5_000_000, child)
    duration = rng.choice([0, 0, 0, 1, 1, 2, 3, 5], n)
    end = start + duration
    # No overlaps within a child: an episode ends by the time the next one starts.
    order = np.lexsort((start, child))
    c, s, e = child[order], start[order], end[order]
    nxt_same = np.zeros(n, bool)
    nxt_same[:-1] = c[1:] == c[:-1]
    nxt_start = np.empty(n, dtype="datetime64[D]")
    nxt_start[:-1] = s[1:]
    nxt_start[-1] = s[-1]
    e = np.where(nxt_same & (e > nxt_start), nxt_start, e)
    end[order] = e
    end = np.where((end > EXTRACT_END) | ((start > EXTRACT_END - 7) & (rng.random(n) < 0.5)),
                   np.datetime64("NaT"), end)
    uniq, inv = np.unique(child, return_inverse=True)
    first = np.full(len(uniq), np.datetime64("2100-01-01", "D"))
    np.minimum.at(first, inv, start)
    dob = _dob(rng, first, 10.5, 17.0)[inv]
    types = np.where(lac, rng.choice(np.array(["Missing", "Away"], dtype=object), n,
                                     p=[0.7, 0.3]),
                     rng.choice(np.array(["Missing", "Absent"], dtype=object), n,
                                p=[0.75, 0.25]))
    offered = rng.random(n) < np.array(RHI_OFFERED)[year]
    accepted = offered & (rng.random(n) < RHI_ACCEPTED_GIVEN_OFFERED)
    district = _district(rng, len(uniq), blank=0.01)[inv]
    ids = _ids(rng, len(uniq), 800000)[inv]
    yn = np.array(["N", "Y"], dtype=object)
    order = np.argsort(start, kind="stable")
    return {
        "Child ID": ids[order].astype(str).astype(object),
        "Date of Birth": _format_dates(rng, dob[order]),
        "Type": types[order],
        "Start": _format_dates(rng, start[order]),
        "End": _format_dates(rng, end[order]),
        "Looked After": yn[lac[order].astype(int)],
        "RHI Offered": yn[offered[order].astype(int)],
        "RHI Accepted": yn[accepted[order].astype(int)],
        "District": district[order],
    }


# --------------------------------------------------------------------------- breakers


def _impossible_date(column: str):
    def f(row: dict, rng: np.random.Generator) -> None:
        row[column] = f"31/02/{int(rng.integers(2013, 2018))}"
    return f


def _text_date(column: str):
    def f(row: dict, rng: np.random.Generator) -> None:
        row[column] = "not known"
    return f


def _blank(column: str):
    def f(row: dict, rng: np.random.Generator) -> None:
        row[column] = ""
    return f


def _end_before_start(start: str, end: str):
    def f(row: dict, rng: np.random.Generator) -> None:
        row[end] = "01/01/2011"
        row[start] = "01/06/2014"
    return f


def _overlap(rows: dict[str, np.ndarray], rng: np.random.Generator, count: int
             ) -> dict[str, np.ndarray]:
    """Append episodes that start and end with an existing episode but differ in type: the
    appended one (the later row) overlaps it and nothing else."""
    start_text, end_text = rows["Start"], rows["End"]
    good = np.flatnonzero(pd.Series(start_text).str.match(r"^\d{2}/\d{2}/\d{4}$").to_numpy()
                          & pd.Series(end_text).str.match(r"^\d{2}/\d{2}/\d{4}$").to_numpy()
                          & (start_text != end_text))
    picks = rng.choice(good, min(count, len(good)), replace=False)
    out = {}
    for k, v in rows.items():
        add = v[picks].copy()
        if k == "Type":
            add = np.where(add == "Missing", "Absent", "Missing").astype(object)
        out[k] = np.concatenate([v, add])
    return out


# --------------------------------------------------------------------------- entry point


def _relabel(profile) -> dict[str, str] | None:
    """The synthetic districts as the profile's (in turn); None keeps Warwickshire's."""
    if profile is None:
        return None
    names = profile.district_names
    if names == list(DISTRICTS):
        return None
    return {d: names[i % len(names)] for i, d in enumerate(DISTRICTS)} if names else {}


def _journey(out: Path, root: np.random.SeedSequence, ref: dict, cp: dict,
             relabel: dict[str, str] | None) -> dict[str, int]:
    """Annex A Lists 1, 4 and 5 beside the lists, and the CIN census returns of the same
    children in ``cin_census/`` (a folder of their own: a census and lists of the same source
    are not read together). See :mod:`.synth_journey`."""
    from .synth_journey import build, lists, write_census

    rng = np.random.default_rng(root.spawn(1)[0])
    journey = build(rng, ref, cp)
    n_broken = max(5, int(round(5 * len(ref["Child Unique ID"]) / 55_000)))
    breakers = {
        "contacts": [_impossible_date("Date of Contact"), _text_date("Date of Contact"),
                     _blank("Child Unique ID")],
        "assessments": [_impossible_date("Continuous Assessment Start Date"),
                        _blank("Child Unique ID"),
                        _end_before_start("Continuous Assessment Start Date",
                                          "Continuous Assessment Date of Authorisation")],
        "s47": [_impossible_date("Strategy discussion initiating Section 47 Enquiry Start Date"),
                _blank("Child Unique ID"),
                _text_date("Date of Initial Child Protection Conference")],
    }
    # Broken and repeated rows on top of the drawn ones, as for the other lists (their own
    # generator, so the other files stay as they were).
    rows = {name: _write(out / f"{name}.csv",
                         _messy_rows(rng, cols, n_broken, breakers[name]), relabel)
            for name, cols in lists(journey).items()}
    census = out / "cin_census"
    census.mkdir(exist_ok=True)
    (census / SYNTHETIC_MARKER).write_text((out / SYNTHETIC_MARKER).read_text())
    rows["cin_census_children"] = sum(write_census(census, journey).values())
    return rows


def write_synthetic_extract(out: Path | str, scale: float = 1.0, seed: int = 2017,
                            profile=None) -> SynthSummary:
    """Write referrals.csv, cp_plans.csv, early_help.csv and missing.csv to ``out``.

    The extract is calibrated to Warwickshire's published figures; with another partnership's
    ``profile`` its District values take that profile's district names (or, where the
    profile lists none, the files have no District column)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    relabel = _relabel(profile)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # The marker first: a folder this function wrote into is marked synthetic even if a later
    # step fails, so nothing mistakes it for an analyst's real extract.
    (out / SYNTHETIC_MARKER).write_text(
        "This extract is SYNTHETIC: generated by `wscb synth` "
        f"(scale {scale}, seed {seed}). No real child is described.\n")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    root = np.random.SeedSequence(seed)
    streams = [np.random.default_rng(s) for s in root.spawn(5)]
    n_broken = max(5, int(round(5 * scale)))
    rows: dict[str, int] = {}

    ref = clean_ref = _referrals(streams[0], scale)
    ref = _messy_rows(streams[4], ref, n_broken, [
        _impossible_date("Date of referral"), _text_date("Date of referral"),
        _blank("Child Unique ID"), _impossible_date("Date of referral"),
        _blank("Date of referral")])
    rows["referrals"] = _write(out / "referrals.csv", ref, relabel)

    cp = clean_cp = _cp_plans(streams[1], scale)
    cp = _messy_rows(streams[4], cp, n_broken, [
        _end_before_start("Child Protection Plan Start Date", "Child Protection Plan End Date"),
        _text_date("Child Protection Plan End Date"), _blank("Child Unique ID"),
        _impossible_date("Child Protection Plan Start Date")])
    rows["cp_plans"] = _write(out / "cp_plans.csv", cp, relabel)
    rows.update(_journey(out, root, clean_ref, clean_cp, relabel))

    eh = _early_help(streams[2], scale)
    eh = _messy_rows(streams[4], eh, n_broken, [
        _text_date("Assessment start date"), _blank("Child Unique ID"),
        _impossible_date("Assessment start date")])
    rows["early_help"] = _write(out / "early_help.csv", eh, relabel)

    mis = _missing(streams[3], scale)
    mis = _overlap(mis, streams[4], max(2, int(round(2 * scale))))
    mis = _messy_rows(streams[4], mis, n_broken, [
        _end_before_start("Start", "End"), _impossible_date("Start"), _blank("Child ID")])
    rows["missing"] = _write(out / "missing.csv", mis, relabel)
    # The partnership's performance dataset and its catalogue (performance/demo.py).
    from .performance.demo import write_performance_demo

    rows.update(write_performance_demo(out, seed=seed))

    return SynthSummary(out=out, rows=rows)
