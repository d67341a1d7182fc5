"""The scorecard's sparklines: only disclosed values drawn, on a scale they alone set."""

from __future__ import annotations

import base64
import re

from wscb_analysis.performance.page.display import sparkline


def svg(img: str) -> str:
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', img)
    assert data, img
    return base64.b64decode(data[1]).decode("utf-8")


def lines(img: str) -> list[str]:
    return re.findall(r'<polyline points="([^"]+)"', svg(img))


def test_a_sparkline_breaks_at_hidden_values_and_dots_a_lone_value():
    # Six quarters; the second and fourth hidden. The first and third have no drawn
    # neighbour, so they are small dots and only the last two are joined. Worked by hand: x
    # runs over 0..5 pushed out by 4% of 5 each side (-0.2..5.2, 5.4 wide) onto 143 px, so
    # x(0) = 0.2 / 5.4 * 143 = 5.3, x(2) = 2.2 / 5.4 * 143 = 58.3, x(4) = 111.2 and x(5) =
    # 137.7; y over the drawn 10..60 pushed out by 20% of 50 each side (0..70) onto 50 px from
    # the top, so y(10) = 50 - 10 / 70 * 50 = 42.9, y(30) = 28.6, y(50) = 14.3, y(60) = 7.1.
    img = sparkline([10, 3, 30, 2, 50, 60], [False, True, False, True, False, False],
                    "Trend of referrals over 6 quarters")
    assert lines(img) == ["111.2,14.3 137.7,7.1"]
    dots = re.findall(r'<circle cx="([^"]+)" cy="([^"]+)"', svg(img))
    assert dots == [("5.3", "42.9"), ("58.3", "28.6"), ("137.7", "7.1")]  # the last: latest


def test_the_picture_is_the_same_whatever_a_hidden_value_is():
    # The scale comes from the drawn values, so a hidden 3 and a hidden 300 draw alike.
    hide = [False, False, True, False, False]
    small = sparkline([40, 42, 3, 45, 47], hide, "Trend of plans over 5 quarters")
    large = sparkline([40, 42, 300, 45, 47], hide, "Trend of plans over 5 quarters")
    assert small == large
    assert len(lines(small)) == 2


def test_no_dot_for_a_hidden_latest_value_and_the_target_sets_the_scale_too():
    # Drawn 20 and 30 with a target of 70: the scale runs over 20..70, pushed out by 10 each
    # side (10..80, 70 high), so y(20) = 50 - 10 / 70 * 50 = 42.9, y(30) = 35.7 and the
    # target line sits at 50 - 60 / 70 * 50 = 7.1.
    img = sparkline([20, 30, 4], [False, False, True], "Trend of visits over 3 months",
                    target=70)
    picture = svg(img)
    assert "<circle" not in picture
    assert [p.split(",")[1] for p in lines(img)[0].split()] == ["42.9", "35.7"]
    assert 'y1="7.1" y2="7.1"' in picture


def test_alt_text_is_escaped_and_the_picture_holds_no_text():
    img = sparkline([1.5, 2.5], [False, False], 'Trend of "<b>Rugby</b>" & district')
    assert 'alt="Trend of &quot;&lt;b&gt;Rugby&lt;/b&gt;&quot; &amp; district"' in img
    assert not re.search(r"<(?:text|script|a|image|foreignObject)\b", svg(img))
