"""England's funnels (issue 17, item 2): when many more authorities than chance allows lie
outside the plain 99.8% limits, the limits drawn are widened for real differences between
authorities (Spiegelhalter 2005; the method's own numbers are tested by hand in
tests/stats/test_funnels.py), the page says which limits are drawn, and the words follow them.

The counts come from DfE's published 2016-17 re-referral rates in the shipped reference table:
issue 17 counted 105 of 151 authorities outside the plain 99.8% limits (chance alone would
put 151 x 0.002 = 0.3 there).
"""

from __future__ import annotations

from datetime import date

import pytest

from wscb_analysis import report as r

from .extracts import REFERRAL_COLUMNS, referral, write_csv
from .pages import html_lines


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    folder = tmp_path_factory.mktemp("england")
    write_csv(folder, "referrals.csv", REFERRAL_COLUMNS,
              [referral(f"R{i}", date(2016, 4, 1 + i % 28)) for i in range(20)])
    return r.context(folder, "2016-17", use_cache=False)


def test_the_widened_limits_are_said_and_the_words_follow_them(ctx):
    block = r.funnel_all_authorities(ctx, "rereferral_rate", "re-referral rate")
    lines = html_lines(block._repr_html_())
    text = "\n".join(lines)
    assert ("Authorities differ from each other by far more than chance alone would give (105 "
            "of 151 lie outside the plain outer limits, where chance alone would put fewer "
            "than one), so the limits drawn are widened to allow for the real differences "
            "between them.") in text
    chart = next(i for i in block.items if hasattr(i, "png"))
    # Warwickshire's published 32.8% is well above England on the plain limits; against the
    # widened ones it is above average, but not beyond how far authorities usually differ.
    assert chart.title == ("Warwickshire's published re-referral rate is above the average "
                           "of English authorities, towards the edge of how far authorities "
                           "usually differ")
    assert "by more than chance would explain" not in chart.title
    assert "Against the plain limits, Warwickshire would be well above the average" in text
    assert "limits widened for real differences between authorities" in chart.alt
    assert "DfE's published figure for Warwickshire is 32.8%" in chart.alt
    assert "widened for real differences between authorities" in chart.subtitle
    # The table counts every authority once, against the limits drawn.
    table = block.items[0].table
    assert "(against the widened limits)" in table.caption
    assert sum(int(v) for v in table.display["authorities"]) == 151


def test_the_method_note_names_the_adjustment(ctx):
    block = r.funnel_all_authorities(ctx, "rereferral_rate", "re-referral rate")
    note = str(block.items[-1])
    assert "105 of 151 authorities lie outside the plain 99.8% limits" in note
    assert "about 0.3" in note and "winsorised at 10% at each end" in note
    assert "Spiegelhalter 2005" in note
