"""The small-extract table (issue 9, item 3): every section on tiny hand-made extracts.

Each case writes an extract a council could send (one row; one month; only two sources; one
year; a period at the edge of the data; no look-back year; optional fields absent), runs every
page's sections as its notebook does, and reads what the page says: what can be said is said,
what cannot is said plainly once, no zero stands for a missing figure, and no comparison or
ranking is made that the data do not support. Expected figures are counted by hand from the
rows written here.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from wscb_analysis import report as r

from .extracts import (
    HELP_COLUMNS,
    MISSING_COLUMNS,
    PLAN_COLUMNS,
    REFERRAL_COLUMNS,
    assessment,
    episode,
    months,
    plan,
    referral,
    write_csv,
)
from .pages import PAGES, never_said, notebook_calls, pack_text, prose_text


def test_pages_mirror_the_notebooks():
    """The helper runs the sections each notebook runs, in its order."""
    calls = notebook_calls()
    assert {p: [c[0] for c in PAGES[p]] for p in PAGES} == calls


def _all(ctx) -> dict[str, str]:
    texts = pack_text(ctx)  # every section of every page: none may raise
    for page, text in texts.items():
        assert never_said(text) == [], (page, never_said(text))
    return texts


def _once(text: str, phrase: str) -> None:
    assert text.count(phrase) == 1, (phrase, text.count(phrase), text)


# --------------------------------------------------------------------------- one row


@pytest.fixture
def one_row(tmp_path):
    folder = tmp_path / "one_row"
    write_csv(folder, "referrals.csv", REFERRAL_COLUMNS, [referral("R1", date(2016, 6, 15))])
    return folder


def test_one_row(one_row):
    ctx = r.context(one_row, "2016-17", use_cache=False)
    t = _all(ctx)
    _once(t["02"], "The extract's referrals are all dated 15 June 2016, so 2016-17 is only "
                   "partly held: its figures cover only 15 June 2016, not the whole period.")
    # One referral: 0 re-referrals of it (a shown zero), 1 referral written "fewer than 6",
    # and re-referrals are a floor without the 12 months before, so no England verdict.
    assert ("0 of fewer than 6 referrals in 2016-17 were found to be re-referrals within 12 "
            "months of an earlier referral in the extract.") in t["02"]
    assert "a referral before 15 June 2017 cannot be checked" in t["02"]
    assert "than England" not in t["02"] and "similar to England" not in t["02"]
    _once(t["02"], "No whole month of referrals is held: too few for a chart of "
                   "month-by-month variation (6 are needed).")
    assert "No quarter is held in full with the 12 months before it" in t["02"]
    assert "No financial year is held in full with the 12 months before it" in t["02"]
    # No district is ranked from one referral.
    assert "has the highest" not in t["02"] and "stands out" not in t["02"]
    # Page 06: the one referral recorded its ethnicity: 0 of it did not.
    assert ("0 of fewer than 6 referrals in 2016-17 did not record ethnicity: too few to "
            "publish a percentage or compare it.") in t["06"]
    _once(t["06"], "No quarter of 2016-17 is held in full yet.")
    # Sources not supplied: said once at the top, nothing below pretends otherwise.
    for page, words in (("03", "child protection plans"), ("04", "child protection plans"),
                        ("05", "missing episodes"), ("07", "early help assessments")):
        _once(t[page], f"This extract does not include {words}")
    for page in ("05", "07"):
        # The coverage note alone, with its folded note on the data naming the file.
        assert len(prose_text(ctx, page).splitlines()) == 1, t[page]
    # Pages 03 and 04 may still show DfE's published figures for the authority (they do not
    # need the extract), but nothing counted from it.
    assert "plans started in" not in t["03"] and "plans that ended in" not in t["04"]
    assert "went missing" not in t["05"]
    assert ("Child protection plans are not supplied in this extract, so the headline figures "
            "for second or later child protection plans, child protection plans that ended "
            "after 2 years or more and child protection plans open 2 years or more at the "
            "period's end are left out.") in t["01"]
    # The headline table: 0 re-referrals of a referral too few to show, so no share, no
    # interval and no verdict; England's 21.9% (DfE, 2016-17) beside it.
    lines = t["01"].splitlines()
    row = lines.index("Re-referrals within 12 months")
    assert lines[row + 1:row + 8] == ["0", "c", "c", "c", "c", "21.9%", "too few to compare"]
    assert "1 row was read; no row was repeated, and no row had to be set aside." in t["01"]


# --------------------------------------------------------------------------- one month


@pytest.fixture
def one_month(tmp_path):
    folder = tmp_path / "one_month"
    # 30 referrals, one a day in June 2016, of 10 children in turn (R1 on the 1st, 11th and
    # 21st, ...): each child 3 referrals, the 2nd and 3rd within 12 months of the one before,
    # so 20 re-referrals. R1 and R2 have no ethnicity: 6 referrals.
    rows = [referral(f"R{(d - 1) % 10 + 1}", date(2016, 6, d),
                     ethnicity="" if (d - 1) % 10 < 2 else "WBRI") for d in range(1, 31)]
    write_csv(folder, "referrals.csv", REFERRAL_COLUMNS, rows)
    # 6 children each missing once, 10 to 11 June 2016, and one on 30 June to close the month.
    eps = [episode(f"M{i}", date(2016, 6, 10), date(2016, 6, 11)) for i in range(1, 7)]
    eps.append(episode("M7", date(2016, 6, 30), date(2016, 6, 30)))
    eps.insert(0, episode("M8", date(2016, 6, 1), date(2016, 6, 2)))
    write_csv(folder, "missing.csv", MISSING_COLUMNS, eps)
    return folder


def test_one_month(one_month):
    ctx = r.context(one_month, "2016-17", use_cache=False)
    t = _all(ctx)
    _once(t["02"], "The extract's referrals run from 1 June 2016 to 30 June 2016, so 2016-17 "
                   "is only partly held: its figures cover 1 June 2016 to 30 June 2016, not "
                   "the whole period.")
    assert ("20 of 30 referrals in 2016-17 were found to be re-referrals within 12 months of "
            "an earlier referral in the extract.") in t["02"]
    _once(t["02"], "Only one whole month of referrals is held: too few for a chart of "
                   "month-by-month variation (6 are needed).")
    # 6 of 30 = 20.0%. Wilson 95% (z = 1.959964, z^2/n = 0.128045): centre (0.2 + 0.064023) /
    # 1.128045 = 0.234054, half-width 1.959964 x sqrt(0.16/30 + 3.841459/3600) / 1.128045
    # = 0.139003: 9.5% to 37.3%.
    assert ("6 of 30 referrals in 2016-17 (20.0%, likely between 9.5% and 37.3%) did not "
            "record ethnicity.") in t["06"]
    _once(t["06"], "No quarter of 2016-17 is held in full yet.")
    # 8 children with one Missing episode each.
    assert "8 children went missing (whereabouts not known) in 2016-17, in 8 missing episodes" \
        in t["05"]
    _once(t["05"], "The previous period (2015-16) is not held in full, so no change since then "
                   "is given.")
    _once(t["05"], "Only one whole month of episodes is held: too few for a month-by-month "
                   "chart.")
    _once(t["05"], "Only one whole month of episodes is held: too few for a chart of "
                   "month-by-month variation (6 are needed).")
    assert "With one whole month held, a trend in children going missing cannot yet be told " \
           "apart from the usual ups and downs of the year" in t["05"]
    assert "rising" not in t["05"] and "falling" not in t["05"]
    assert "path to the target" not in t["05"]


# --------------------------------------------------------------------------- two sources


def _two_years_of_referrals(step: bool = False) -> list[dict]:
    """April 2015 to March 2017: each month R1..R5 on days 1-5 (each a re-referral of the
    month before, after the first month) and 5 new children on days 6-10, whose referrals end
    in no further action. ``step``: from May 2016, 5 more new children a month (days 11-15)."""
    rows = []
    for m in months(date(2015, 4, 1), date(2017, 3, 1)):
        for i in range(1, 6):
            rows.append(referral(f"R{i}", m.replace(day=i)))
        for i in range(6, 11):
            rows.append(referral(f"N{m:%y%m}{i}", m.replace(day=i), nfa="Y"))
        if step and m >= date(2016, 5, 1):
            for i in range(11, 16):
                rows.append(referral(f"S{m:%y%m}{i}", m.replace(day=i)))
    return rows


@pytest.fixture
def two_sources(tmp_path):
    folder = tmp_path / "two_sources"
    write_csv(folder, "referrals.csv", REFERRAL_COLUMNS, _two_years_of_referrals())
    # One plan a month, each lasting 4 months; every third a second plan.
    plans = [plan(f"P{k}", m.replace(day=3), m.replace(day=3) + timedelta(days=120),
                  previous=1 if k % 3 == 0 else 0)
             for k, m in enumerate(months(date(2015, 4, 1), date(2017, 3, 1)))]
    write_csv(folder, "cp_plans.csv", PLAN_COLUMNS, plans)
    return folder


def test_only_two_sources(two_sources):
    ctx = r.context(two_sources, "2016-17", use_cache=False)
    t = _all(ctx)
    for page, words in (("05", "missing episodes"), ("07", "early help assessments")):
        _once(t[page], f"This extract does not include {words}")
        assert len(prose_text(ctx, page).splitlines()) == 1, t[page]
    # 2016-17: 120 referrals, of which R1..R5's 60 each follow one a month earlier. The 12
    # months before are held (from 1 April 2015), so the rate is compared with England's
    # 21.9% (DfE, 2016-17). Wilson 60/120: centre 0.5, half-width 1.959964 x
    # sqrt(0.25/120 + 3.841459/57600) / 1.032012 = 0.088062: 41.2% to 58.8%.
    assert ("60 of 120 referrals in 2016-17 (50.0%, likely between 41.2% and 58.8%) were "
            "re-referrals within 12 months of the same child's previous referral, higher "
            "than England's 21.9%.") in t["02"]
    # The four quarters have 15 of 30 each: a test over all four claims no change.
    assert ("The re-referral rate showed no clear rise or fall over the 4 quarters from "
            "2016-17 Q1 to 2016-17 Q4") in t["02"]
    assert "Only one year is held in full, too few for a chart." in t["02"]
    # The extract says whether the child was looked after nowhere: no missing page at all.
    assert "Missing episodes | missing.csv" not in t["01"]


def test_front_door_step_only_when_the_data_show_one(two_sources, tmp_path):
    """Case 10: the step at the profile's recording change (the MASH, May 2016) and the no
    further action share are worked out from the data, both ways."""
    flat = r.context(two_sources, "2016-17", use_cache=False)
    t = r.front_door_note(flat).texts() + r.referrals_xmr(flat).texts()
    # 10 referrals every month: the 11 months from May 2016 and the 13 before average 10
    # each, a ratio of 1 (z = 0, p = 1): no step, so the limits are not recalculated and the
    # profile's account of a rise is not shown.
    assert ("The Multi-Agency Safeguarding Hub (MASH) opened in May 2016. Monthly referrals did "
            "not step up or down then: the 11 months from May 2016 held about as many "
            "referrals a month as the 13 months before.") in t
    assert "Monthly referrals did not step up or down when the MASH opened in May 2016" in t
    assert "stepped up" not in t and "more contacts were recorded" not in t
    # No further action: the 5 new children a month, 60 of 120 in 2016-17 (Wilson as above).
    assert ("60 of 120 referrals with an outcome recorded in 2016-17 (50.0%, likely between "
            "41.2% and 58.8%) ended in no further action.") in t
    assert "53.7%" not in t

    folder = tmp_path / "step"
    write_csv(folder, "referrals.csv", REFERRAL_COLUMNS, _two_years_of_referrals(step=True))
    step = r.context(folder, "2016-17", use_cache=False)
    t = r.front_door_note(step).texts() + r.referrals_xmr(step).texts()
    # 10 a month for 13 months, 15 a month for 11: ratio 1.5, no spread within either run
    # (dispersion floored at 1), se = sqrt(1/130 + 1/165) = 0.11703, z = ln 1.5 / 0.11703
    # = 3.46, p = 0.0005: a step up.
    assert ("Monthly referrals stepped up then: the 11 months from May 2016 held more "
            "referrals a month than the 13 months before") in t
    assert "The partnership's account of the change: Referral recording changed" in t
    assert "Monthly referrals stepped up when the MASH opened in May 2016" in t
    assert "p < 0.001" in t
    # 2016-17: 60 of 175 referrals ended in no further action (120 + 55 step referrals).
    assert "60 of 175 referrals with an outcome recorded in 2016-17 (34.3%" in t


# --------------------------------------------------------------------------- one year


@pytest.fixture
def one_year(tmp_path):
    folder = tmp_path / "one_year"
    first, last = date(2016, 4, 1), date(2017, 3, 1)
    refs = []
    for m in months(first, last):
        for i in range(1, 11):
            # R1 and R2 never record ethnicity: 6 of 30 a quarter, 24 of 120 a year. The
            # return's own column marks every referral as following another (1).
            refs.append(referral(f"R{i}", m.replace(day=i), ethnicity="" if i <= 2 else "WBRI",
                                 last12=1))
    refs.append(referral("R10", date(2017, 3, 31), last12=1))
    write_csv(folder, "referrals.csv", REFERRAL_COLUMNS, refs)
    eps = []
    for m in months(first, last):
        for i in range(1, 13):
            la = "Y" if i <= 6 else "N"
            eps.append(episode(f"K{i}", m.replace(day=5), m.replace(day=6), looked_after=la,
                               accepted="Y" if i <= 6 else "N",
                               district="Rugby" if i <= 6 else "Warwick"))
    eps.append(episode("K1", date(2017, 3, 31), date(2017, 3, 31), looked_after="Y",
                       accepted="Y"))
    write_csv(folder, "missing.csv", MISSING_COLUMNS, eps)
    plans = [plan(f"P{k}", m.replace(day=3), m.replace(day=3) + timedelta(days=150)
                  if k < 6 else None, previous=1 if k < 6 else 0)
             for k, m in enumerate(months(first, last))]
    plans.append(plan("P99", date(2016, 4, 1), date(2017, 3, 31), previous=0))
    write_csv(folder, "cp_plans.csv", PLAN_COLUMNS, plans)
    helps = [assessment(f"H{m:%m}{i}", m.replace(day=i), organisation=org, lead=lead)
             for m in months(first, last)
             for i, org, lead in ((1, "Primary school", "Primary school"),
                                  (2, "Nursery", "Health visitor"))]
    helps.append(assessment("H99", date(2017, 3, 31)))
    write_csv(folder, "early_help.csv", HELP_COLUMNS, helps)
    return folder


def test_one_year(one_year):
    ctx = r.context(one_year, "2016-17", use_cache=False)
    t = _all(ctx)
    for page in ("02", "03", "05", "06", "07"):
        assert "only partly held" not in t[page]
    # No look-back year: 121 referrals, 111 found to follow another of the same child.
    assert ("111 of 121 referrals in 2016-17 were found to be re-referrals within 12 months "
            "of an earlier referral in the extract.") in t["02"]
    assert "re-referrals are undercounted, and so are not compared with England" in t["02"]
    assert not re.search(r"(higher|lower) than England's 2|similar to England's 2", t["02"])
    # The return's own column, as a labelled cross-check: all 121 say 1.
    assert ("As a cross-check, the extract's own count of each child's referrals in the last "
            "12 months, which can see referrals from before the extract starts, marks 121 of "
            "the 121 referrals it fills in as re-referrals.") in t["02"]
    assert "undercounted: no look-back year" in t["01"]
    # One year held: no change since the year before, no trend, no chart of years.
    _once(t["05"], "The previous period (2015-16) is not held in full, so no change since then "
                   "is given.")
    assert "With 12 whole months held, a trend in children going missing cannot yet be told " \
           "apart" in t["05"]
    assert not re.search(r"\b(rose|fell) from\b", "\n".join(t.values()))
    assert "Only one year is held in full, too few for a chart." in t["03"]
    # 12 children, 145 Missing episodes (12 a month and K1 on 31 March), 6 looked after.
    assert ("12 children went missing (whereabouts not known) in 2016-17, in 145 missing "
            "episodes: 6 looked-after children and 6 children missing from home") in t["05"]
    # Recording does not change from quarter to quarter (6 of 30 each; Q4 6 of 31), so
    # nothing "worsened" or "improved".
    assert "Referrals not recording each field, 2016-17 Q1 to 2016-17 Q4" in t["06"]
    prose = prose_text(ctx, "06")
    assert "worsened" not in prose and "improved" not in prose
    # Early help: a whole year, not named "part"; 12 of 25 by a nursery (early years).
    assert "(part:" not in t["07"]
    assert "12 of 25 early help assessments in 2016-17 (48.0%" in t["07"]
    # 7 plans ended (P0..P5 after 150 days, P99 after 364), none after 2 years: 0 of 7
    # (Wilson upper limit for 0 of n: z^2 / (n + z^2) = 3.841459 / 10.841459 = 35.4%).
    assert "0 of 7 plans that ended in 2016-17 (0.0%, likely between 0.0% and 35.4%) had " \
           "lasted 2 years or more" in t["04"]
    # Two bands, each too few to show: no chart of hidden bars.
    assert "Too few plans ended in the period to chart them by length." in t["04"]


# --------------------------------------------------------------------------- the edge


@pytest.fixture
def edge(tmp_path):
    """Records from 15 May 2016 to 14 February 2017: half of 2016-17 Q1 and of Q4."""
    folder = tmp_path / "edge"
    refs, eps, helps = [], [], []
    days = [date(2016, 5, 15) + timedelta(days=k) for k in range(0, 276)]
    assert days[-1] == date(2017, 2, 14)
    for k, d in enumerate(days):
        refs.append(referral(f"R{k % 40}", d))
        if k % 3 == 0:
            eps.append(episode(f"M{k % 30}", d, d))
        if k % 5 == 0:
            helps.append(assessment(f"H{k}", d))
    write_csv(folder, "referrals.csv", REFERRAL_COLUMNS, refs)
    write_csv(folder, "missing.csv", MISSING_COLUMNS, eps)
    write_csv(folder, "early_help.csv", HELP_COLUMNS, helps)
    return folder


def test_a_period_at_the_edge_of_the_data(edge):
    year = _all(r.context(edge, "2016-17", use_cache=False))
    for page in ("02", "06"):
        _once(year[page], "The extract's referrals run from 15 May 2016 to 14 February 2017, "
                          "so 2016-17 is only partly held: its figures cover 15 May 2016 to "
                          "14 February 2017, not the whole period.")
    # Early help reaches 28 February 2017: the last assessment (14 February) was completed
    # 14 days later.
    assert "2016-17 (part: 15 May 2016 to 28 February 2017)" in year["07"]
    # Whole months: June 2016 to January 2017 (May starts on the 15th, February ends on the
    # 14th): 8, enough for a chart of variation (6), not for a trend (24).
    assert "Referrals per month, Warwickshire, June 2016 to January 2017" in year["02"]
    assert "With 8 whole months held" in year["05"]
    # The MASH opened in May 2016, a month the extract holds only in part: no step claimed.
    assert ("The extract holds too few whole months of referrals on one side of it (3 are "
            "needed on each side) to tell whether monthly referrals changed then.") in year["02"]
    assert "stepped" not in year["02"]

    q1 = _all(r.context(edge, "2016-17", "Q1", use_cache=False))
    _once(q1["02"], "so 2016-17 Q1 is only partly held: its figures cover 15 May 2016 to 30 June "
                    "2016, not the whole period.")
    assert "2016-17 Q1 (part: 15 May 2016 to 30 June 2016)" in q1["07"]
    _once(q1["05"], "The previous period (2015-16 Q4) is not held in full, so no change since "
                    "then is given.")
    _once(q1["06"], "No quarter of 2016-17 is held in full yet.")

    q4 = _all(r.context(edge, "2016-17", "Q4", use_cache=False))
    # The last missing episode starts (and ends) on 12 February 2017 (every third day).
    _once(q4["05"], "so 2016-17 Q4 is only partly held: its figures cover 1 January 2017 to "
                    "12 February 2017, not the whole period.")
    # Q3 is held in full but Q4 only to 14 February: half a quarter against a whole one
    # would read as a fall, so no change is given.
    _once(q4["05"], "2016-17 Q4 is only partly held, so no change since 2016-17 Q3 is given.")
    assert not re.search(r"\b(rose|fell) from\b", q4["05"])
    # Quarters held in full by the end of Q4: Q2 and Q3 only.
    assert "Referrals not recording each field, 2016-17 Q2 to 2016-17 Q3" in q4["06"]


# --------------------------------------------------------------------------- fields absent


@pytest.fixture
def fields_absent(tmp_path):
    folder = tmp_path / "bare"
    refs, eps, plans = [], [], []
    for k, m in enumerate(months(date(2015, 4, 1), date(2017, 3, 1))):
        for i in range(1, 11):
            refs.append(referral(f"R{i}" if i <= 5 else f"N{k}{i}", m.replace(day=i)))
            eps.append(episode(f"M{i}", m.replace(day=i), m.replace(day=i)))
        # Three plans a month of three new children (no end dates, so a child's second plan
        # would overlap the first and be set aside).
        plans += [plan(f"P{k}{x}", m.replace(day=d)) for x, d in (("a", 2), ("b", 4),
                                                                   ("c", 6))]
    write_csv(folder, "referrals.csv", REFERRAL_COLUMNS, refs,
              drop=("District", "First Language", "Religion", "Referral NFA?",
                    "Referral Source"))
    write_csv(folder, "missing.csv", MISSING_COLUMNS, eps,
              drop=("Looked After", "RHI Offered", "RHI Accepted", "District"))
    write_csv(folder, "cp_plans.csv", PLAN_COLUMNS, plans,
              drop=("Number of Previous Child Protection Plans",
                    "Child Protection Plan End Date", "District"))
    write_csv(folder, "early_help.csv", HELP_COLUMNS,
              [assessment(f"H{k}", m.replace(day=9)) for k, m in
               enumerate(months(date(2015, 4, 1), date(2017, 3, 1)))],
              drop=("Lead Professional Agency",))
    return folder


def test_optional_fields_absent(fields_absent):
    t = _all(r.context(fields_absent, "2016-17", use_cache=False))
    _once(t["02"], "District is not recorded in this extract's referrals, so no figures by "
                   "district are given.")
    _once(t["02"], "Referral source is not recorded in this extract's referrals, so no figures "
                   "by referral source are given.")
    _once(t["02"], "Whether a referral ended in no further action is not recorded in this "
                   "extract's referrals, so the share ending in no further action is not "
                   "known.")
    assert "By district" not in t["02"] and "no further action." not in t["02"]
    _once(t["06"], "First language is not recorded in this extract's referrals")
    _once(t["06"], "Religion is not recorded in this extract's referrals")
    assert "did not record first language" not in t["06"]
    _once(t["05"], "Return home interviews are not recorded in this extract's missing episodes, "
                   "so whether they were offered or accepted is not known.")
    _once(t["05"], "Whether the child was looked after is not recorded in this extract's "
                   "missing episodes")
    _once(t["05"], "District is not recorded in this extract's missing episodes")
    assert "return home interview" not in t["05"].split("not known.")[-1]
    assert "looked-after children and" not in t["05"].split("Headline")[-1]
    assert "has the highest" not in t["05"]
    _once(t["03"], "The number of previous plans is not recorded in this extract's child "
                   "protection plans")
    # 36 plans started in 2016-17, none of a child with an earlier plan in the extract: an
    # undercount, so not set against England (Wilson upper 3.841459 / 39.841459 = 9.6%).
    assert ("0 of 36 child protection plans started in 2016-17 (0.0%, likely between 0.0% and "
            "9.6%) were for a child who had been on a plan before (a second or later "
            "plan).") in t["03"]
    assert "undercounted: no count of previous plans" in t["01"]
    _once(t["04"], "The date a plan ended is not recorded in this extract's child protection "
                   "plans, so plans that ended, and plans still open at the period's end, "
                   "cannot be counted.")
    assert "plans that ended in 2016-17" not in t["04"]
    assert "Two years or more" not in t["04"] and "By length" not in t["04"]
    _once(t["07"], "The lead professional's agency is not recorded in this extract's early help "
                   "assessments")
    for page in ("02", "03", "04", "05", "06", "07"):
        lines = [x for x in t[page].splitlines() if x.endswith(".")
                 and not x.startswith("Source:")]
        assert len(lines) == len(set(lines)), page  # nothing said twice
