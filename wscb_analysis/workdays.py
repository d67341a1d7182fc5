"""Working days in England: weekdays that are not bank holidays in England.

Bank holidays come from the ``holidays`` package (England's calendar: the fixed and moveable
holidays, substitute days, and the one-off days such as the 2012 and 2022 jubilees, the 2022
state funeral and the 2023 coronation), never from a hand-typed list.

Counting rule (DfE's, docs/assumptions.md): the working days from a start date to an end date
are the working days after the start date up to and including the end date, so an assessment
started and authorised on the same day took 0 working days. DfE's table C2 ("Actual duration of
assessment (working days)") has a band "Started and finished the same day" before "1-10 days",
and authorities whose 25th percentile is 0 days; C4's first band for conferences is "0-10
days". Within 45 working days = at most 45; within 15 = at most 15.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=32)
def bank_holidays(first_year: int, last_year: int) -> np.ndarray:
    """England's bank holidays from 1 January ``first_year`` to 31 December ``last_year``
    (``datetime64[D]``, sorted)."""
    import holidays

    days = holidays.country_holidays("GB", subdiv="ENG",
                                     years=range(first_year, last_year + 1))
    return np.array(sorted(days), dtype="datetime64[D]")


def working_days(start, end) -> np.ndarray:
    """Working days from each ``start`` to its ``end`` (array-likes of dates): those after the
    start day up to and including the end day (see the module notes). NaN where either date is
    missing or the end is before the start."""
    s = np.asarray(start).astype("datetime64[D]")
    e = np.asarray(end).astype("datetime64[D]")
    out = np.full(s.shape, np.nan)
    ok = ~np.isnat(s) & ~np.isnat(e) & (e >= s)
    if ok.any():
        years = np.concatenate([s[ok], e[ok]]).astype("datetime64[Y]").astype(int) + 1970
        hols = bank_holidays(int(years.min()), int(years.max()))
        out[ok] = np.busday_count(s[ok] + 1, e[ok] + 1, holidays=hols)
    return out


__all__ = ["bank_holidays", "working_days"]
