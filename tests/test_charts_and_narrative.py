"""Chart and narrative helpers: required words, verdicts that follow the interval, and no
suppressed value reaching a figure label."""

from __future__ import annotations

import pandas as pd
import pytest

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

