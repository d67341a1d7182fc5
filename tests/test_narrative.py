"""Sentences for the board: verdicts that follow the test, direction in plain words, method
terms only in the "How this was worked out" notes, small counts as words, unknowns said.

Expected wording is worked by hand from the figures in each test (Wilson limits, p-values and
percentages shown in the comments), not pasted from the code's output.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from wscb_analysis import narrative as say
from wscb_analysis.stats import seasonal_trend, target_progress, xmr

METHOD_TERMS = re.compile(r"\bCI\b|p =|p-value|confidence interval|rate ratio|Poisson|XmR|"
                          r"process limit|special cause|score test", re.IGNORECASE)


def _plain(text: str) -> str:
    assert not METHOD_TERMS.search(text), text
    return text


def _trend(rr, lo, hi, months=36, descriptive=False, method="Poisson"):
    """A fitted trend's public face (what the sentence helpers read)."""
    return SimpleNamespace(rate_ratio=rr, lower=lo, upper=hi, level=0.95, method=method,
                           dispersion=0.9, data=pd.DataFrame(index=range(months)),
                           descriptive=descriptive)


# ------------------------------------------------------------------ moved from
# test_charts_and_narrative.py (wording now plain)


def test_verdict_wording_follows_the_interval():
    # 26 of 546 (4.8%): Wilson 95% interval 3.3% to 6.9% contains 3.8% -> "similar".
    s = say.proportion_sentence(26, 546, of_what="plans that ended",
                                which="had lasted 2 years or more", period_label="2016-17",
                                benchmark=0.038)
    assert "similar to England's 3.8%" in s and "higher" not in s
    assert "(4.8%, likely between 3.3% and 6.9%)" in _plain(s)
    high = say.proportion_sentence(3715, 11330, of_what="referrals", which="were re-referrals",
                                   period_label="2016-17", benchmark=0.219)
    assert high.startswith("3,715 of 11,330 referrals in 2016-17 (32.8%")
    assert "higher than England's 21.9%" in high
    low = say.proportion_sentence(10, 1000, of_what="x", which="y", period_label="p",
                                  benchmark=0.05)
    assert "lower than England's 5.0%" in low


def test_small_numbers_are_words_not_counts():
    s = say.proportion_sentence(3, 40, of_what="plans", which="were third plans",
                                period_label="2016-17 Q3", benchmark=0.1)
    assert "Fewer than 6 of 40" in s and "3" not in s.replace("2016-17 Q3", "")
    assert say.count_text(5) == "fewer than 6" and say.count_text(6) == "6"
    # 11,330 / 5,975 = 1.89623: up 89.6%; the conditional test's p is far below 0.05.
    assert say.change_sentence(11330, 5975, what="referrals", current_label="2016-17",
                               previous_label="2015-16") == (
        "Referrals rose from 5,975 in 2015-16 to 11,330 in 2016-17 (up 89.6%).")
    assert say.change_sentence(4, 40, what="referrals", current_label="Q2",
                               previous_label="Q1") == (
        "Referrals: fewer than 6 in Q2 against 40 in Q1.")


# ------------------------------------------------------------------ review case 2


def test_case2_sentence_and_method_note_agree():
    # 18 of 300: Wilson by hand, z^2 = 3.8415: 4x(1 - x/n) = 72 x 0.94 = 67.68,
    # sqrt(3.8415 + 67.68) = 8.4570, x z = 16.5754; (36 + 3.8415 -/+ 16.5754) / 607.683
    # = 0.038287 and 0.092839. The lower limit prints as 3.8% like England's 3.8%, so a second
    # decimal shows why it is "higher": 3.83% against 3.80%.
    s = say.proportion_sentence(18, 300, of_what="plans that ended",
                                which="had lasted 2 years or more", period_label="2016-17",
                                benchmark=0.038, benchmark_when="in 2015-16")
    assert _plain(s) == ("18 of 300 plans that ended in 2016-17 (6.0%, likely between 3.83% "
                         "and 9.28%) had lasted 2 years or more, higher than England's 3.80% "
                         "in 2015-16.")
    # Score test p = 0.0463 (worked in tests/stats/test_intervals.py): below 0.05, agreeing.
    note = say.proportion_method_note(18, 300, benchmark=0.038)
    assert "p = 0.046" in note and "outside" in note and "(below 0.05)" in note
    assert "chance" not in note
    # 14 of 213: p = 0.0343 -> "p = 0.034", never "p = 0.05" beside "unlikely by chance".
    assert "p = 0.034" in say.proportion_method_note(14, 213, benchmark=0.038)
    # 26 of 546: inside the interval, and the note says the test does not reject.
    assert "inside" in say.proportion_method_note(26, 546, benchmark=0.038)
    assert "not below 0.05" in say.proportion_method_note(26, 546, benchmark=0.038)


@pytest.mark.parametrize("p,text", [
    (0.0463, "p = 0.046"),   # two significant figures
    (0.834, "p = 0.83"),
    (0.0004, "p < 0.001"),
    (0.0496, "p = 0.0496"),  # 0.050 would hide that it is below 0.05
    (0.0504, "p = 0.0504"),
    (0.05, "p = 0.050"),
    (0.135, "p = 0.14"),     # half up
])
def test_case2_p_values_never_print_as_the_threshold(p, text):
    assert say.p_value_text(p) == text


# ------------------------------------------------------------------ review case 3


def test_case3_twelve_seasonal_months_say_no_trend():
    pattern = [16, 18, 22, 26, 26, 22, 18, 16, 14, 14, 14, 14]
    monthly = pd.DataFrame({"month": pd.date_range("2016-04-01", periods=12, freq="MS"),
                            "children": [4 * v for v in pattern]})
    described = seasonal_trend(monthly, count="children", descriptive=True)
    s = say.trend_sentence(described, what="children going missing")
    assert _plain(s) == ("With 12 months held, a trend in children going missing cannot yet be "
                         "told apart from the usual ups and downs of the year: that needs 24 "
                         "months.")
    assert "falling" not in s and "38.0%" not in s
    assert "no trend is reported" in say.trend_method_note(described)


# ------------------------------------------------------------------ review case 4

REVIEW_36 = [20, 27, 30, 29, 27, 29, 24, 31, 19, 14, 14, 17, 21, 22, 15, 36, 27, 24, 13, 16,
             16, 7, 10, 7, 10, 13, 12, 22, 19, 17, 15, 9, 9, 10, 6, 9]


def test_case4_target_sentence_projection_matches_the_verdict():
    monthly = pd.DataFrame({"month": pd.date_range("2014-04-01", periods=36, freq="MS"),
                            "children": REVIEW_36})
    progress = target_progress(seasonal_trend(monthly, count="children"), 200)
    s = say.target_sentence(progress, what="children going missing")
    # RR 0.736 (0.668 to 0.811): falling by 26.4% a year; 0.6^(1/3) = 0.8434, a fall of 15.7%.
    # 200 x 0.736^3 = 79.7 -> about 80; 200 x 0.668^3 = 59.7 -> 60; 200 x 0.811^3 = 106.6
    # -> 107; target 200 x 0.6 = 120.
    assert _plain(s) == (
        "Children going missing are falling by 26.4% a year, against the fall of 15.7% a year "
        "the target needs: ahead of the path to the target. The target is 40% fewer in "
        "2019-20 than the 200 in 2016-17, which is 120; on this trend 2019-20 would see about "
        "80 (likely between 60 and 107).")
    note = say.target_method_note(progress)
    assert "0.843" in note and "0.811" in note and "each of the 3 years" in note


# ------------------------------------------------------------------ sentences carry direction


def _progress(rr, lo, hi, verdict, baseline=200):
    k, req = 3, 0.6 ** (1 / 3)
    return {"rate_ratio": rr, "lower": lo, "upper": hi, "required_ratio": req, "years": k,
            "verdict": verdict, "reduction": 0.4, "target_year": "2019-20",
            "baseline_year": "2016-17", "baseline_count": baseline, "level": 0.95,
            "target_count": None if baseline is None else baseline * 0.6,
            "projected": None if baseline is None else baseline * rr**k,
            "projected_lower": None if baseline is None else baseline * lo**k,
            "projected_upper": None if baseline is None else baseline * hi**k}


def test_a_rising_trend_says_rising_against_the_fall_the_target_needs():
    # RR 1.149: a rise of 14.9% a year; 1 - 0.6^(1/3) = 1 - 0.84343 = 0.15657 -> 15.7%.
    # Projection 200 x 1.149^3 = 200 x 1.51688 = 303.4 -> 303; 200 x 1.05^3 = 231.5 -> 232;
    # 200 x 1.257^3 = 200 x 1.98617 = 397.2 -> 397.
    s = say.target_sentence(_progress(1.149, 1.05, 1.257, "behind"),
                            what="children going missing")
    assert _plain(s).startswith(
        "Children going missing are rising by 14.9% a year, against the fall of 15.7% a year "
        "the target needs: behind the path to the target.")
    assert "about 303 (likely between 232 and 397)" in s
    t = say.trend_sentence(_trend(1.149, 1.05, 1.257), what="children going missing")
    # The interval's ends as rises: 5.0% and 25.7%.
    assert _plain(t) == ("Children going missing are rising by 14.9% a year (likely between "
                         "5.0% and 25.7%).")
    single = say.trend_sentence(_trend(0.9, 0.85, 0.95), what="the number of referrals")
    assert single.startswith("The number of referrals is falling by 10.0% a year")


def test_no_clear_trend_against_a_target():
    s = say.target_sentence(_progress(1.02, 0.97, 1.07, "behind"), what="children going missing")
    assert s.startswith("Children going missing show no clear rise or fall, against the fall "
                        "of 15.7% a year the target needs: behind the path to the target.")


# ------------------------------------------------------------------ review case 5


def test_case5_a_change_the_test_does_not_support_is_about_the_same():
    # 104 against 100: conditional binomial p = 0.83 (tests/stats/test_compare.py).
    s = say.change_sentence(104, 100, what="referrals", current_label="2016-17",
                            previous_label="2015-16")
    assert _plain(s) == "Referrals were about the same (104 in 2016-17 against 100 in 2015-16)."
    assert "p = 0.83" in say.change_method_note(104, 100)
    # 130 against 100: Binomial(230, 1/2) has sd sqrt(57.5) = 7.583; P(X >= 130) ~
    # P(Z >= (129.5 - 115)/7.583 = 1.912) = 0.0279, p = 0.056: still about the same.
    assert "about the same" in say.change_sentence(130, 100, what="referrals",
                                                   current_label="B", previous_label="A")
    # 140 against 100: z = (139.5 - 120)/sqrt(60) = 2.517, p = 2 x 0.0059 = 0.012: a rise of 40%.
    assert say.change_sentence(140, 100, what="referrals", current_label="B",
                               previous_label="A") == (
        "Referrals rose from 100 in A to 140 in B (up 40.0%).")
    # Equal exposure-adjusted rates: 20 in two years against 10 in one is no change.
    assert "about the same" in say.change_sentence(
        20, 10, what="referrals", current_label="B", previous_label="A", current_exposure=2)


def test_case5_a_change_that_rounds_to_nothing_is_no_change_never_low():
    # Rate ratio 1.00001: 0.001% a year rounds to 0.0%.
    s = say.trend_sentence(_trend(1.00001, 0.97, 1.03), what="children going missing")
    assert "low" not in s
    assert _plain(s) == ("Children going missing show no clear rise or fall: the figures fit "
                         "anything from a fall of 3.0% to a rise of 3.0% a year.")
    edge = say.trend_sentence(_trend(1.02, 0.99999, 1.05), what="referrals")
    assert "anything from no change to a rise of 5.0% a year" in edge
    # A significant but tiny ratio (very large counts) is still no clear rise in words.
    tiny = say.trend_sentence(_trend(1.0002, 1.0001, 1.0003), what="referrals")
    assert "no clear rise or fall" in tiny and "low" not in tiny


# ------------------------------------------------------------------ review case 11


def test_case11_sentence_says_the_limits_are_provisional():
    chart = xmr(list(range(20)), baseline_points=6)
    s = say.xmr_sentence(chart, what="monthly referrals")
    assert _plain(s).endswith("The expected range is provisional: it rests on only 6 months "
                              "(12 are needed).")
    assert "14 months outside the expected range" in s
    note = say.xmr_method_note(chart)
    assert "trial limits" in note and "first 6 points" in note
    firm = say.xmr_sentence(xmr([10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 11]),
                            what="monthly referrals")
    assert _plain(firm) == ("Monthly referrals vary only as much as usual: no month falls "
                            "outside the expected range or forms an unusual run.")


# ------------------------------------------------------------------ unknown figures


def test_unknown_figures_are_said_not_printed_as_zero():
    s = say.proportion_sentence(None, 300, of_what="plans that ended",
                                which="had lasted 2 years or more", period_label="2016-17",
                                missing_reason=say.NOT_RECORDED)
    assert s == ("Of 300 plans that ended in 2016-17, the number that had lasted 2 years or "
                 "more is not recorded in this extract.")
    s = say.proportion_sentence(18, None, of_what="plans that ended", which="lasted",
                                period_label="2016-17", missing_reason=say.NOT_SUPPLIED)
    assert s == ("The number of plans that ended in 2016-17 is not supplied, so no percentage "
                 "can be given.")
    s = say.proportion_sentence(26, 546, of_what="plans", which="lasted", period_label="P",
                                benchmark_missing_reason=say.NOT_HELD)
    assert s.endswith("; England's figure is not held for this period.")
    assert say.change_sentence(104, None, what="children going missing",
                               current_label="2016-17", previous_label="2015-16",
                               missing_reason=say.NOT_HELD) == (
        "Children going missing cannot be compared between 2015-16 and 2016-17: the figure "
        "for 2015-16 is not held for this period.")
    assert say.trend_sentence(None, what="children going missing",
                              missing_reason=say.NOT_SUPPLIED) == (
        "No trend in children going missing can be given: the monthly figures are not "
        "supplied.")
    assert say.target_sentence(None, what="children going missing",
                               missing_reason="fewer than 24 months are held") == (
        "Progress towards the target for children going missing cannot be judged: fewer than "
        "24 months are held.")
    s = say.target_sentence(_progress(0.7, 0.6, 0.8, "ahead", baseline=None),
                            what="children going missing", missing_reason=say.NOT_HELD)
    assert s.endswith("The target is 40% fewer in 2019-20 than in 2016-17, whose count is not "
                      "held for this period, so no projection is given.")
    assert say.count_text(None, say.NOT_RECORDED) == "not recorded in this extract"
    assert say.count_text(None) == "not known" and say.count_text(0) == "0"
    assert "0" not in say.proportion_sentence(None, None, of_what="plans", which="w",
                                              period_label="the year")


def test_how_worked_out_gathers_notes_once():
    note = say.proportion_method_note(26, 546, benchmark=0.038)
    text = say.how_worked_out(note, "", note, say.change_method_note(104, 100))
    assert text.startswith("How this was worked out: The range is a 95% confidence interval")
    assert text.count("Wilson") == 1 and "p = 0.83" in text
    assert say.how_worked_out("", " ") == ""
