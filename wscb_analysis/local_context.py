"""Local context from the board's 2016-17 annual report (ONS 2015 mid-year estimates, IMD
2015, HMRC child poverty 2017, school census January 2017). Published figures, no children."""

from __future__ import annotations

import pandas as pd

#: Children aged 0-17 by district (ONS 2015 mid-year, the report's table: sum of age bands).
POPULATION_0_17 = {
    "North Warwickshire": 12232, "Nuneaton and Bedworth": 27203, "Rugby": 23087,
    "Stratford-on-Avon": 23016, "Warwick": 27124,
}
POPULATION_0_17_TOTAL = 112662
#: Rank of average IMD score of 326 districts (1 = most deprived).
IMD_RANK = {"Nuneaton and Bedworth": 111, "North Warwickshire": 190, "Rugby": 240,
            "Warwick": 267, "Stratford-on-Avon": 272}
#: Children in low-income families (fraction).
LOW_INCOME = {"Nuneaton and Bedworth": 0.195, "North Warwickshire": 0.148, "Rugby": 0.129,
              "Warwick": 0.104, "Stratford-on-Avon": 0.094}
LOW_INCOME_COUNTY, LOW_INCOME_ENGLAND = 0.134, 0.199
#: Share of pupils from black and minority ethnic backgrounds (school census, Jan 2017).
SCHOOL_BME_2017, SCHOOL_BME_2014 = 0.19, 0.14
#: The MASH opened in May 2016: referral recording changed at the front door.
MASH_OPENED = "2016-05"
SOURCE = ("Source: WSCB annual report 2016-17 (ONS 2015 mid-year estimates; English indices of "
          "deprivation 2015; HMRC children in low-income families 2017)")


def district_table() -> pd.DataFrame:
    """District, children aged 0-17, IMD rank, share in low-income families."""
    rows = [{"district": d, "children_0_17": POPULATION_0_17[d], "imd_rank": IMD_RANK[d],
             "low_income": LOW_INCOME[d]} for d in sorted(IMD_RANK, key=IMD_RANK.get)]
    return pd.DataFrame(rows)
