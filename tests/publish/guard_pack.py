"""A small hand-written pack shaped like a real one, for the leak guard's tests.

Every file holds the kinds of text a real pack holds (pandas Styler tables with generated ids,
headline tiles, a chart with base64 PNG data and alt text, sentences with rates, intervals and
time units, a footer with the commit, CSS with the chart palette, SHA-256 hashes, timestamps,
an executed notebook with papermill metadata and Python reprs), and it is clean: no child id,
no date of birth, no count from 1 to 5. Numbers in it are chosen to look like the ids and
dates of the test extract (test_guard.py's ``EXTRACT``) without being them, so a guard that
matches too loosely fails on it.
"""

from __future__ import annotations

import json
from pathlib import Path

# A PNG's base64 holds digit runs such as an id ("131096") and a date ("20151108").
PNG = "iVBORw0KGgoAAAANSUhEUgAAA3A131096AAAFrCAYAAACQZGumAAAAOnRFWHRTb2Z0d2FyZQ20151108Bt+/="
CSS = """<style>
:root { --ink:#0b0c0c; --blue:#12436D; --teal:#28A197; --plum:#801650; --orange:#F46A25; }
.tile .value { font-size: 2rem; font-weight: bold; }
</style>
<style type="text/css">
#T_ed491 th.col0 { text-align: left; }
#T_ed491_row0_col0, #T_ed491_row1_col0 { text-align: left; }
</style>"""
HEAD = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - 2016-17</title>
{css}
</head>
<body>
<header class="site"><a href="index.html">Safeguarding children: board pack</a></header>
<section aria-label="About the data"><div class="banner">Synthetic data: no real child is
described.</div></section>
<main>
"""
FOOT = """</main>
<footer>Period 2016-17 &middot; run 2026-11-27T00:00:21 &middot; wscb-analysis 0.1.0 &middot;
commit 9b778be &middot; SYNTHETIC demo data</footer>
</body>
</html>
"""

INDEX = """<h1>Safeguarding children: board pack, 2016-17</h1>
<p>Headline figures with their 95% confidence intervals.</p>
<section class="tiles"><div class="tile"><h3><a href="02_rereferrals.html">Re-referral
rate</a></h3><div class="value">32.8%</div><div>95% CI 31.9% to 33.7%</div>
<div class="verdict">higher than England&#x27;s 21.9%</div><div>+8.0 percentage points since
the previous period</div><div>3,716 of 11,330</div></div>
<div class="tile"><h3><a href="05_missing.html">Children going missing</a></h3>
<div class="value">720</div><div>1,698 episodes</div><div class="verdict">previous period:
620</div></div></section>
<table id="T_ed491">
  <caption>Rows in = rows kept + duplicates + rows set aside</caption>
  <thead>
    <tr>
      <th id="T_ed491_level0_col0" class="col_heading level0 col0" >Source</th>
      <th id="T_ed491_level0_col1" class="col_heading level0 col1" >Layout</th>
      <th id="T_ed491_level0_col2" class="col_heading level0 col2" >Rows in</th>
      <th id="T_ed491_level0_col3" class="col_heading level0 col3" >Rows set aside</th>
    </tr>
  </thead>
  <tbody>
    <tr>
      <td id="T_ed491_row0_col0" class="data row0 col0" >referrals</td>
      <td id="T_ed491_row0_col1" class="data row0 col1" >Annex A List 3</td>
      <td id="T_ed491_row0_col2" class="data row0 col2" >55,240</td>
      <td id="T_ed491_row0_col3" class="data row0 col3" >c</td>
    </tr>
    <tr>
      <td id="T_ed491_row1_col0" class="data row1 col0" >cp_plans</td>
      <td id="T_ed491_row1_col1" class="data row1 col1" >Annex A List 7</td>
      <td id="T_ed491_row1_col2" class="data row1 col2" >5,417</td>
      <td id="T_ed491_row1_col3" class="data row1 col3" >0</td>
    </tr>
  </tbody>
</table>
<h2>About this pack</h2>
<p>Period 2016-17 (01 April 2016 to 31 March 2017); run 2026-11-27T00:00:28; wscb-analysis
0.1.0, commit 9b778be. Inputs are identified in manifest.json by their SHA-256 hashes.</p>
<p>Files: <a href="figures.json">figures.json</a>, <a href="manifest.json">manifest.json</a>,
<a href="run.log">run.log</a>, and the executed notebooks in <code>notebooks/</code>.</p>
"""

TOPIC = f"""<div class="cell border-box-sizing text_cell rendered" id="cell-id=9b78b38c">
<h1 id="How-long-plans-last">How long child protection plans last</h1>
<p>The annual report said 4.8% of plans lasting two years or more was "a little high"
against England's 3.8% (DfE table D7, page 2 of 7).</p>
<figure class="wscb-chart">
<img alt="Bar chart of plans ended by duration band: 3 months or less 78; more than 3 months to
6 months 82; more than 6 months to less than 1 year 198; 1 year to less than 2 years 175; 2
years and over 27" src="data:image/png;base64,{PNG}"/>
<figcaption><span class="chart-title">Most plans that ended had lasted 6 months to a
year</span></figcaption></figure>
<img alt="Bar chart of second and later plans started by category of abuse: Neglect 52;
Emotional abuse 36; Multiple 7; Physical abuse fewer than 6; Sexual abuse 0"
src="data:image/png;base64,{PNG}"/>
<details class="wscb-data"><summary>Data table</summary>
<table id="T_65142">
<caption>Plans that ended in 2016-17, by how long they lasted (DfE D7 bands)</caption>
<thead><tr><th class="col_heading level0 col0">Duration</th><th>Plans</th><th>Share</th>
<th>Rate per 10,000</th><th>Mean</th><th>IMD rank (of 326)</th></tr></thead>
<tbody>
<tr><td>3 months or less</td><td>78</td><td>13.9%</td><td>3.0</td><td>533.0</td><td>3</td></tr>
<tr><td>1 year to less than 2 years</td><td>175</td><td>31.3%</td><td>2.5</td><td>6.0</td>
<td>111</td></tr>
<tr><td>2 years and over</td><td>c</td><td>c</td><td>x</td><td>0.0</td><td>326</td></tr>
</tbody></table></details>
<table border="1" class="dataframe">
<thead><tr style="text-align: right;"><th></th><th>district</th><th>children</th></tr></thead>
<tbody>
<tr><th>0</th><td>North Warwickshire</td><td>86</td></tr>
<tr><th>1</th><td>Nuneaton and Bedworth</td><td>258</td></tr>
<tr><th>2</th><td>Rugby</td><td>c</td></tr>
<tr><th>3</th><td>Stratford-on-Avon</td><td>0</td></tr>
</tbody></table>
<p class="finding">27 of 560 plans that ended in 2016-17 (4.8%, 95% CI 3.3% to 6.9%) had lasted
2 years or more, similar to England's 3.4% in 2016-17 Q3. Exact binomial test against 3.8%:
p = 0.22.</p>
<p class="finding">Fewer than 6 of 124 plans started in 2016-17 were a third or later plan; 2
or more episodes were counted for 338 children. Counts from 1 to 5 are shown as c, and
between 1 and 5 children is never shown.</p>
<p class="finding">Monthly missing episodes show special cause variation: shift (13 months),
trend (6 months), two of three (5 months), outside limits (4 months). 1 authority with
suppressed counts left out.</p>
<p>Warwickshire has 112,662 children aged 0-17; 20,161 referrals; children missing per 10,000
aged 0-17 was 2.5 per 10,000 in 2016-17 and 3% of plans; about 1,092 (95% CI 994 to 1,200).
Nuneaton and Bedworth is IMD rank 1 of 326 (1 = most deprived); Annex A List 3; Python
version 3.11.7; 4,821 referrals; since May 2016.</p>
</div>
"""

FIGURES = {
    "period": {"label": "2016-17", "start": "2016-04-01", "end": "2017-03-31"},
    "synthetic": True,
    "referrals": {"referrals": 11330, "rereferrals": 3716, "rereferral_rate": 0.328},
    "cp_plans": {"started": 496, "second_within_2_years": "c", "third_or_later": 17,
                 "ended_2_years_plus_rate": 3.0, "open_2_years_plus": 0,
                 "ended_by_duration": {"3 months or less": 78, "1 year to less than 2 years":
                                       175, "2 years and over": "c"}},
    "missing": {"episodes": 1698, "children": 720, "children_repeat": 338},
    "sources_missing": [],
}
MANIFEST = {
    "parameters": {"data_dir": "/tmp/extract", "period": "2016-17", "quarter": None},
    "period": {"label": "2016-17", "start": "2016-04-01", "end": "2017-03-31"},
    "inputs": {"referrals.csv":
               "3d8f131096ab72d7166a016e7e931e1d497f13afaa4419342caa82ae8dd21ac76"},
    "hash": "sha256",
    "versions": {"python": "3.11.7", "pandas": "3.1.1", "statsmodels": "0.15.0"},
    "git_commit": "9b778be",
    "started": "2026-11-27T00:00:21",
    "notebooks": [{"name": "01_overview", "ok": True, "seconds": 0.131096, "attempts": 1,
                   "error": "", "cell": None}],
    "failures": [],
    "leaks": [],
}
RUN_LOG = """2026-11-27 00:00:21 Publishing 2016-17 from /tmp/extract (7 notebooks)
2026-11-27 00:00:24 [1/7] 01_overview ok (0.7 s)
2026-11-27 00:00:25 [2/7] 03_repeat_plans ok (1.2 s)
2026-11-27 00:00:28 Pack complete in 7.7 s: /tmp/pack/index.html
"""
PLAIN_REPR = (
    "Block(items=[Chart(png=b'\\x89PNG\\r\\n\\x1a\\n131096\\x00\\x0020151108', title='Neglect "
    "accounts for the most repeat plans', alt='Neglect 19; Emotional abuse 9; Multiple fewer "
    "than 6', table=DisclosedTable(display=          category First Second Total\n"
    "0  Emotional abuse    30      c    39\n"
    "3   Physical abuse     c      0     c\n"
    "4     Sexual abuse     8      0     8\n"
    "5            Total    94      c   124, suppressed=   category  First  Second  Total\n"
    "0     False  False    True  False\n"
    "3     False   True   False   True), labels=['0', '0']), DisclosedTable(display=      "
    "source            column\n"
    "4  referrals  Date of referral\n"
    "5  referrals   Child Unique ID\n"
    "6  referrals  Date of referral, caption='Why rows were set aside')])")


def notebook(source: str = "", plain: str = PLAIN_REPR, html: str = "",
             markdown: str = "## Plans that ended, by length") -> dict:
    """An executed notebook as papermill leaves it, with one planted piece in each place."""
    meta = {"papermill": {"start_time": "2026-11-27T00:00:22.131096Z", "duration": 0.131096,
                          "exception": None, "status": "completed"},
            "execution": {"iopub.execute_input": "2026-11-27T00:00:22.201511Z"}}
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"},
                     "language_info": {"name": "python", "version": "3.11.7"},
                     "papermill": {"parameters": {"data_dir": "/tmp/extract",
                                                  "period": "2016-17", "quarter": None},
                                   "start_time": "2026-11-27T00:00:21.986731",
                                   "duration": 2.131096}},
        "cells": [
            {"id": "a1310960", "cell_type": "markdown", "metadata": {}, "source": markdown},
            {"id": "b2015110", "cell_type": "code", "execution_count": 1,
             "metadata": {"tags": ["parameters", "remove-cell"], **meta},
             "source": 'data_dir = "demo"\nperiod = "2016-17"\nquarter = None\n'
                       f"england_2015_16 = 0.038  # DfE D7\n{source}",
             "outputs": []},
            {"id": "c8011650", "cell_type": "code", "execution_count": 2,
             "metadata": {"tags": ["remove-input"], **meta},
             "source": "r.duration_bands(ctx)",
             "outputs": [{"output_type": "execute_result", "execution_count": 2,
                          "metadata": {},
                          "data": {"text/html": TOPIC + html, "text/plain": plain,
                                   "image/png": PNG}}]},
        ],
    }


def write_pack(folder: Path) -> Path:
    """Write the clean pack into ``folder`` and return it."""
    (folder / "notebooks").mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(HEAD.format(title="Board pack", css=CSS) + INDEX + FOOT)
    (folder / "04_plan_duration.html").write_text(
        HEAD.format(title="How long plans last", css=CSS) + TOPIC + FOOT)
    (folder / "figures.json").write_text(json.dumps(FIGURES, indent=2))
    (folder / "manifest.json").write_text(json.dumps(MANIFEST, indent=2))
    (folder / "run.log").write_text(RUN_LOG)
    (folder / "notebooks" / "04_plan_duration.ipynb").write_text(json.dumps(notebook()))
    return folder


def plant(folder: Path, name: str, text: str, before: str = "</main>") -> None:
    """Put ``text`` into a page of the pack, just before ``before``."""
    page = folder / name
    body = page.read_text()
    assert before in body, (name, before)
    page.write_text(body.replace(before, text + before, 1))
