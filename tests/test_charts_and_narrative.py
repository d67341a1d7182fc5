"""Chart and narrative helpers: required words, verdicts that follow the interval, and no
suppressed value reaching a figure label."""

from __future__ import annotations

import pandas as pd
import pytest

from wscb_analysis import narrative as say
from wscb_analysis.charts import PALETTE, bar_chart, line_chart
from wscb_analysis.disclosure import disclose


def test_title_and_alt_are_required():
    df = pd.DataFrame({"x": ["a", "b"], "y": [0.1, 0.2]})
    with pytest.raises(TypeError):
        line_chart(df, "x", "y")  # both are required keyword arguments
    with pytest.raises(ValueError, match="title"):
        line_chart(df, "x", "y", title=" ", alt="Line chart of y rising from 10% to 20%.")
    with pytest.raises(ValueError, match="alt"):
        line_chart(df, "x", "y", title="Y doubled", alt="chart")


def test_chart_html_has_alt_caption_and_table():
    df = pd.DataFrame({"district": ["Rugby", "Warwick"], "n": [40, 60]})
    shown = disclose(df, counts=["n"])
    chart = bar_chart(df, "district", "n", title="Warwick has the most referrals",
                      alt="Bar chart: Warwick 60 referrals, Rugby 40.", subtitle="Referrals",
                      source="Source: test", table=shown)
    page = chart._repr_html_()
    assert 'alt="Bar chart: Warwick 60 referrals, Rugby 40."' in page
    assert "<figcaption>" in page and "Warwick has the most referrals" in page
    assert "Source: test" in page and "<table" in page
    assert "No description has been provided" not in page
    assert PALETTE[:4] == ["#12436D", "#28A197", "#801650", "#F46A25"]


def test_suppressed_values_never_reach_a_label():
    df = pd.DataFrame({"district": ["Rugby", "Warwick", "Stratford"], "n": [3, 60, 45]})
    shown = disclose(df, counts=["n"])
    chart = bar_chart(df, "district", "n", title="Warwick has the most referrals",
                      alt="Bar chart of referrals by district; Rugby's count is suppressed.",
                      table=shown, suppressed=shown.suppressed["n"].to_numpy())
    assert chart.labels == ["60", "45"]  # no "3"
    assert ">3<" not in chart.table.to_html()
    lines = pd.DataFrame({"q": ["Q1", "Q2", "Q3"], "v": [4, 30, 40], "s": ["a", "a", "a"]})
    shown = disclose(lines, counts=["v"])
    chart = line_chart(lines, "q", "v", series="s", fmt="count", title="Referrals rose",
                       alt="Line chart of referrals rising to 40 in Q3.",
                       suppressed=shown.suppressed["v"].to_numpy())
    assert all("4" != lab.split(": ")[-1] for lab in chart.labels)


def test_verdict_wording_follows_the_interval():
    # 26 of 546 (4.8%): Wilson 95% interval 3.3% to 6.9% contains 3.8% -> "similar".
    s = say.proportion_sentence(26, 546, of_what="plans that ended",
                                which="had lasted 2 years or more", period_label="2016-17",
                                benchmark=0.038)
    assert "similar to England's 3.8%" in s and "higher" not in s
    assert "(4.8%, 95% CI 3.3% to 6.9%)" in s
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
    assert say.change_sentence(11330, 5975, what="referrals", current_label="2016-17",
                               previous_label="2015-16") == (
        "Referrals rose from 5,975 in 2015-16 to 11,330 in 2016-17 (up 89.6%).")
