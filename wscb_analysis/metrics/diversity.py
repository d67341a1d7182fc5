"""Equality and diversity recording on referrals.

Ethnicity is not recorded when blank or NOBT (information not yet obtained); REFU (refused) is
recorded. First language and religion are not recorded when blank. The CIN census, SSDA903 and
Annex A carry no first-language or religion field: where the extract has no such column the
count is None (unknown), never 0.
"""

from __future__ import annotations

import pandas as pd

from ..io.schemas import ETHNICITY_KNOWN, ETHNICITY_NOT_RECORDED, WHITE_BRITISH
from ..periods import Period, in_period, period_labels

FIELDS = ("ethnicity", "first_language", "religion")


def not_recorded_flags(referrals: pd.DataFrame) -> pd.DataFrame:
    """Boolean columns ``ethnicity``, ``first_language``, ``religion``: True when not recorded."""
    eth = referrals["ethnicity"].fillna("").str.strip().str.upper()
    return pd.DataFrame({
        "ethnicity": eth.isin(ETHNICITY_NOT_RECORDED),
        "first_language": referrals["first_language"].fillna("").str.strip() == "",
        "religion": referrals["religion"].fillna("").str.strip() == "",
    }, index=referrals.index)


def diversity_figures(referrals: pd.DataFrame, period: Period,
                      columns_present: set[str] | None = None) -> dict:
    """The contract's ``diversity`` block. ``columns_present`` names the fields the extract
    holds; a field it lacks is reported as None."""
    in_p = referrals.loc[in_period(referrals["referral_date"], period)]
    flags = not_recorded_flags(in_p)
    present = set(FIELDS) if columns_present is None else columns_present
    out = {"referrals": len(in_p)}
    for f in FIELDS:
        out[f"{f}_not_recorded"] = int(flags[f].sum()) if f in present else None
    return out


def not_recorded_by(referrals: pd.DataFrame, by: str = "quarter",
                    period: Period | None = None) -> pd.DataFrame:
    """Share of referrals with each field not recorded, by quarter or by another column.

    Long format: the ``by`` column, ``field``, ``referrals``, ``not_recorded``, ``value``.
    """
    df = referrals
    if period is not None:
        df = df.loc[in_period(df["referral_date"], period)]
    flags = not_recorded_flags(df)
    if by == "quarter":
        key = period_labels(df["referral_date"], "quarter")
    else:
        key = df[by].fillna("Not recorded").astype(str)
    long = flags.assign(group=key.to_numpy()).melt(id_vars="group", var_name="field",
                                                   value_name="nr")
    out = long.groupby(["group", "field"], as_index=False).agg(
        referrals=("nr", "size"), not_recorded=("nr", "sum"))
    out["value"] = out["not_recorded"] / out["referrals"]
    return out.rename(columns={"group": by})


def bme_share(referrals: pd.DataFrame, period: Period) -> dict:
    """Referrals of black and minority ethnic children, of referrals with a known ethnicity:
    a CIN census code other than REFU and NOBT (a refusal, or a value that is no census code,
    tells nothing about ethnicity). BME is any such code other than WBRI."""
    in_p = referrals.loc[in_period(referrals["referral_date"], period)]
    eth = in_p["ethnicity"].fillna("").str.strip().str.upper()
    known = eth.isin(ETHNICITY_KNOWN)
    bme = known & ~eth.isin(WHITE_BRITISH)
    n = int(known.sum())
    return {"bme": int(bme.sum()), "known": n, "rate": int(bme.sum()) / n if n else None}
