"""The scorecard page: its sections, disclosure, symbols with words, charts with alt text
and data tables, and the notebook run top to bottom and rendered as the pack renders it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from wscb_analysis import config
from wscb_analysis import report as r
from wscb_analysis.charts import Chart
from wscb_analysis.disclosure import DisclosedTable
from wscb_analysis.io.load import load_extract
from wscb_analysis.performance import page
from wscb_analysis.performance.page.display import ScorecardTable, value_text
from wscb_analysis.publish.guard import identifiers, scan_file
from wscb_analysis.publish.render import notebook_body
from wscb_analysis.publish.render import page as page_shell
from wscb_analysis.report import Block
from wscb_analysis.synth import write_synthetic_extract

from ...conftest import needs_shared
from ..conftest import write


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    write_synthetic_extract(folder, scale=0.3, seed=2017)
    return folder


def ctx_of(folder, period="2016-17", quarter=None, **kwargs):
    """The page's context, as the notebook makes it."""
    return r.context(str(folder), period, quarter, **kwargs)


def html_of(block: Block) -> str:
    return block._repr_html_()


def test_small_numbers_by_unit():
    # About children: a count of 3 -> c, a percentage on 2 of 40 -> c, a rate on 3 -> c.
    # Not about children: a count of 4 events is shown, marked "4*". Days are averages,
    # never suppressed. Not held -> x.
    assert value_text("count", 3, True) == ("c", True)
    assert value_text("count", 0, True) == ("0", False)
    assert value_text("count", 4, False) == ("4*", False)
    assert value_text("count", 1234, True) == ("1,234", False)
    assert value_text("percentage", 5.0, True, 2, 40) == ("c", True)
    assert value_text("percentage", 45.25, True, 181, 400) == ("45.3%", False)  # half up
    assert value_text("percentage", 5.0, False, 2, 40) == ("5.0%", False)
    assert value_text("rate per 10,000", 0.3, True, 3, 112662) == ("c", True)
    assert value_text("rate per 10,000", 61.25, True, 690, 112662) == ("61.3 per 10,000",
                                                                       False)
    assert value_text("days", 4.0, True) == ("4.0 days", False)
    assert value_text("count", float("nan"), True) == ("x", False)


def test_sections_on_the_demo(demo):
    a = ctx_of(demo)
    t = page.scorecard_data(a).table
    blocks = [page.summary(a), page.key(), page.by_priority(a), page.flagged(a),
              page.about_the_data(a)]
    assert all(isinstance(b, Block) for b in blocks)
    text = "\n".join(html_of(b) for b in blocks)
    # Every image states its message; every chart has its data table.
    for alt in re.findall(r'<img[^>]*alt="([^"]*)"', text):
        assert len(alt) > 15 and "chart" != alt.lower()
    charts = [i for i in blocks[3].items if isinstance(i, Chart)]
    assert charts and all(isinstance(c.table, DisclosedTable) for c in charts)
    flagged = t["variation"].str.startswith("special cause")
    assert len(re.findall(r"<h3>", html_of(blocks[3]))) == int(flagged.sum())
    # One scorecard table per priority, its values disclosed.
    tables = [i for i in blocks[2].items if isinstance(i, ScorecardTable)]
    assert len(tables) == t["priority"].nunique()
    assert all(isinstance(x.values, DisclosedTable) for x in tables)
    # Each symbol has its words beside it.
    for words in ("Common cause: no significant change", "Special cause: concerning",
                  "Consistently misses the target", "Hit and miss"):
        assert words in text
    assert text.count('aria-hidden="true"') >= len(t)


def test_summary_counts_agree_with_the_table(demo):
    a = ctx_of(demo)
    t = page.scorecard_data(a).table
    first = page.summary(a).findings()[0]
    judged = t[t["variation"] != "too few points"]
    assert f"lists {len(t)} indicators with a value" in first
    assert f"{len(judged)} of {len(t)} have enough" in first
    tile = page.tile_summary(a)
    assert tile["indicators"] == len(t) and tile["judged"] == len(judged)
    assert tile["variation"]["special cause concerning"] == int(
        (t["variation"] == "special cause concerning").sum())
    html_tile = page.tile_html(tile)
    assert f'{tile["variation"]["special cause concerning"]} concerning' in html_tile
    assert 'href="08_scorecard.html"' in html_tile and "<td" not in html_tile


def test_small_counts_about_children_are_not_charted(tmp_path):
    folder = tmp_path / "small"
    write(folder, "indicators.csv",
          "indicator,title,unit,polarity,priority,about_children\n"
          "scr,Serious case reviews,count,neither,Governance,yes\n"
          "events,Training events,count,higher,Governance,no\n")
    quarters = [f"{y}-{(y + 1) % 100:02d} Q{q}" for y in (2014, 2015, 2016) for q in (1, 2, 3, 4)]
    values = [2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 30]
    write(folder, "performance.csv", "indicator,period,value\n" + "".join(
        f"scr,{q},{v}\nevents,{q},{v}\n" for q, v in zip(quarters, values, strict=True)))
    write(folder, "referrals.csv", "Child Unique ID,Date of referral\n1,01/04/2016\n")
    a = ctx_of(folder)
    flagged = page.flagged(a)
    charts = [i for i in flagged.items if isinstance(i, Chart)]
    # The events series (not about children) is charted; the reviews series is not.
    assert len(charts) == 1 and charts[0].title.startswith("Training events")
    text = html_of(flagged)
    assert "Not charted: some periods have fewer than 6" in text
    # No count from 1 to 5 of children in any cell; the events' 2 and 3 are marked.
    shown = html_of(page.by_priority(a)) + text
    cells = re.findall(r"<td[^>]*>(.*?)</td>", shown, flags=re.S)
    assert not [c for c in cells if re.fullmatch(r"\s*[1-5]\s*", c)]
    assert "2*" in shown and "* A count of events or returns" in shown
    # Sentences give no limits for a suppressed series (they would reveal the small values).
    sentence = [f for f in flagged.findings() if f.startswith("Serious case reviews")][0]
    assert "process limits" not in sentence and "30 in 2016-17 Q4" in sentence


def test_no_performance_files(tmp_path):
    folder = tmp_path / "bare"
    write(folder, "referrals.csv", "Child Unique ID,Date of referral\n1,01/04/2016\n")
    a = ctx_of(folder)
    about = html_of(page.about_the_data(a))
    assert "No performance dataset was supplied" in about
    # One referral on one day holds no whole quarter: every computed indicator is named once,
    # under About the data, and none is listed as a row with an empty value.
    d = page.scorecard_data(a)
    assert d.table.empty and len(d.not_held) == 9 and d.not_supplied == []
    first = page.summary(a).findings()[0]
    assert first.startswith("No indicator has a value up to ")
    assert "Referrals to children&#x27;s social care" in about
    assert "Referrals to children's social care" not in first
    assert page.by_priority(a).findings() == []


def test_indicators_nobody_supplied_are_named_once_not_listed_as_rows(folder):
    # The catalogue has five indicators; partners sent values for one. The others are not
    # rows of "none held | x | x": the summary counts them and About the data names them once.
    write(folder, "performance.csv", "indicator,period,value\n" + "".join(
        f"events,{y}-{(y + 1) % 100:02d} Q{q},{v}\n"
        for (y, q), v in zip([(y, q) for y in (2015, 2016) for q in (1, 2, 3, 4)],
                             [6, 7, 8, 7, 6, 7, 8, 7], strict=True)))
    write(folder, "referrals.csv", "Child Unique ID,Date of referral\n1,01/04/2016\n")
    a = ctx_of(folder)
    d = page.scorecard_data(a)
    assert list(d.table["indicator"]) == ["events"]
    assert sorted(d.not_supplied) == ["Assessments on time", "Children at MASE",
                                      "Children looked after per 10000", "Days to conference"]
    table = html_of(page.by_priority(a))
    assert "none held" not in table and "Assessments on time" not in table
    first = page.summary(a).findings()[0]
    assert "lists 1 indicator with a value" in first
    assert "13 more indicators have no value up to 2016-17" in first  # 4 partners' + 9 computed
    about = html_of(page.about_the_data(a))
    assert about.count("Children at MASE") == 1


def test_notebook_runs_and_renders_as_the_pack_needs(demo, tmp_path):
    out = tmp_path / "08_scorecard.ipynb"
    pm.execute_notebook(str(config.NOTEBOOKS_DIR / "08_scorecard.ipynb"), str(out),
                        parameters={"data_dir": str(demo), "period": "2016-17",
                                    "quarter": None, "benchmarks_dir": None, "profile": None},
                        kernel_name="python3", execution_timeout=600, progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error"
            assert not (o.get("output_type") == "stream" and o.get("name") == "stderr"), o
    title, body = notebook_body(nb)
    assert title == "Partnership performance scorecard"
    path = tmp_path / "08_scorecard.html"
    path.write_text(page_shell(title, body, synthetic=True, footer="test"), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    for bad in ("Traceback", "In&nbsp;[", "jp-InputArea", "import ", "<script",
                "No description has been provided"):
        assert bad not in text, bad
    headings = [int(h) for h in re.findall(r"<h([1-6])", text)]
    assert headings[0] == 1 and all(b - a <= 1 for a, b in zip(headings, headings[1:],
                                                                strict=False))
    for tag in re.findall(r"<img[^>]*>", text):
        assert re.search(r'src="data:image/(?:png|svg\+xml);base64,', tag)
        assert len(re.search(r'alt="([^"]*)"', tag).group(1)) > 15
    # The page states the dataset's span ("from 1 April 2012 to 31 March 2018"); a pack
    # allows the dates it prints about its data, whichever child shares the birthday.
    span = {date(2012, 4, 1), date(2018, 3, 31)}
    assert scan_file(path, identifiers(load_extract(demo)), allowed_dates=span) == []
    # The page names the demo's own figures, e.g. the 79 children at MASE in 2016-17 Q4.
    assert "79 in 2016-17 Q4" in text


@needs_shared
def test_a_source_not_supplied_is_named_not_listed_as_an_indicator_with_no_value():
    # The 903 rule fixtures hold a missing table only (no referrals, plans, early help or
    # partners' returns, and a 903 table has no return-home-interview columns): of the nine
    # computed indicators, only children going missing can have a value.
    from tests.conftest import SHARED_DATA

    folder = SHARED_DATA / "external" / "903-rule-fixtures"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here (../shared/data is beside the repository in CI)")
    a = ctx_of(folder, "2020-21")
    d = page.scorecard_data(a)
    assert list(d.table["title"]) == ["Children going missing"]
    first = page.summary(a).findings()[0]
    assert "lists 1 indicator with a value (all computed from the extract)." in first
    assert "None has enough points for a judgement yet" in first
    flagged = page.flagged(a).findings()
    assert flagged == ["No indicator has the 6 or more values an XmR chart needs up to "
                       "2020-21, so no change can be flagged yet."]
    about = "\n".join(page.about_the_data(a).findings())
    assert "Not computed, as the extract holds no value for them" in about
    for title in ("Referrals to children's social care", "Return home interviews taken up",
                  "Early help assessments started"):
        assert title in about and title not in first


def test_tile_with_nothing_judged_says_so_not_zero_concerning():
    tile = {"indicators": 3, "judged": 0, "variation": {"too few points": 3}, "assurance": {},
            "supplied": False, "page": "08_scorecard.html"}
    text = page.tile_html(tile)
    assert "none judged yet" in text and "0 concerning" not in text
    assert "3 indicators with a value; none has the 6 points" in text
    assert "partners&#x27; returns not supplied" in text
    # With no indicator at all the tile says once that no dataset was supplied.
    text = page.tile_html({**tile, "indicators": 0, "variation": {}})
    assert "no performance dataset supplied" in text and "returns not supplied" not in text


def test_a_tile_summary_of_another_shape_is_refused_and_the_link_is_always_the_page():
    from wscb_analysis.performance.page.tile import PAGE, tile_html, valid_tile

    good = {"indicators": 3, "judged": 2, "variation": {"common cause": 2},
            "assurance": {"no target": 3}, "concerning": [], "improving": [], "missed": [],
            "supplied": True, "page": "javascript:alert(1)"}
    assert valid_tile(good)
    assert f'href="{PAGE}"' in tile_html(good) and "javascript" not in tile_html(good)
    for bad in (None, [], {**good, "judged": 4}, {**good, "indicators": -1},
                {**good, "judged": True}, {**good, "variation": {"made up": 1}},
                {**good, "assurance": {"consistently met": 1.5}},
                {**good, "supplied": "yes"}, {**good, "concerning": [1]}):
        assert not valid_tile(bad), bad


def test_the_run_takes_the_tile_only_from_the_scorecard_notebook(monkeypatch):
    from wscb_analysis.performance import page as sc_page
    from wscb_analysis.performance.page.tile import TILE_KEY
    from wscb_analysis.periods import financial_year
    from wscb_analysis.publish.pack import Run, _scorecard_tile

    worked_out = {"indicators": 5, "judged": 0, "variation": {}, "assurance": {},
                  "supplied": False, "page": "x"}
    monkeypatch.setattr(sc_page, "tile_summary", lambda *a, **k: worked_out)
    # Worked out from the run's own context (its column map and cache choice): a stand-in.
    import sys

    monkeypatch.setattr(sys.modules["wscb_analysis.report.context"], "context",
                        lambda *a, **k: None)
    per = financial_year("2016-17")
    run = Run(data_dir=Path("."), period=per, out=Path("."))
    lines: list[str] = []
    reporter = type("R", (), {"line": lambda self, t: lines.append(t)})()
    fake = {"indicators": 40, "judged": 40, "variation": {"common cause": 40},
            "assurance": {}, "supplied": True}
    # Another notebook claiming the key is not read: the tile is worked out here.
    assert "5 indicators with a value" in _scorecard_tile({"01_overview": {TILE_KEY: fake}},
                                                          run, per, reporter)
    # The scorecard notebook's own counts are used.
    assert "40 of 40 indicators judged" in _scorecard_tile({"08_scorecard": {TILE_KEY: fake}},
                                                           run, per, reporter)


def test_a_target_met_by_the_latest_values_is_never_called_consistently_missed(folder):
    # "Assessments on time" (at least 85%): twelve steady quarters then four rising, the
    # test_mdc RISEN series plus 67.5: limits from all 16 points, mean 80.5, AMR 23 / 15,
    # upper limit 80.5 + 4.079 = 84.579. The target 85 lies above it, so the limits say
    # "consistently missed"; but the last two values (85.5 and 86.5, above the upper limit:
    # special cause improving) both meet the target. The page must not call it missing.
    values = [v + 67.5 for v in [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 11, 16, 17, 18, 19]]
    quarters = [f"{y}-{(y + 1) % 100:02d} Q{q}" for y in range(2013, 2017) for q in (1, 2, 3, 4)]
    write(folder, "performance.csv", "indicator,period,value\n" + "".join(
        f"timely,{q},{v}\n" for q, v in zip(quarters, values, strict=True)))
    write(folder, "referrals.csv", "Child Unique ID,Date of referral\n1,01/04/2016\n")
    a = ctx_of(folder)
    row = page.scorecard_data(a).table.set_index("indicator").loc["timely"]
    assert row["upl"] == pytest.approx(80.5 + 2.66 * 23 / 15)
    assert (row["variation"], row["assurance"]) == ("special cause improving",
                                                    "consistently missed")
    findings = page.summary(a).findings()
    assert not [f for f in findings if f.startswith("Consistently missing the target")]
    assert ("describes the process before the change: Assessments on time (its latest values "
            "all meet the target)") in " ".join(findings)
    table = html_of(page.by_priority(a))
    cells = table[table.index("Assessments on time"):]
    cells = cells[:cells.index("</tr>")]
    assert ("Missed the target before the process changed; its latest values all meet it: "
            "this describes the old process until its limits are recalculated") in cells
    assert ">F</text>" not in cells  # no "consistently missed" symbol beside it
    tile = page.tile_summary(a)
    assert tile["changed"] == 1 and tile["missed"] == []
    assert "consistently missed" not in tile["assurance"]


def test_the_tile_counts_judgements_from_changed_limits_apart():
    tile = {"indicators": 9, "judged": 9, "variation": {"common cause": 7,
                                                        "special cause improving": 2},
            "assurance": {"consistently met": 1, "hit and miss": 2}, "changed": 2,
            "supplied": True, "page": "08_scorecard.html"}
    text = page.tile_html(tile)
    assert ("Targets: 1 consistently met, 0 consistently missed, 2 hit and miss; 2 judged on "
            "limits the process has since left") in text
    assert page.tile_html({**tile, "changed": 0}).count("since left") == 0
