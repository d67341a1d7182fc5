"""The leak guard: every form of a child id, a date of birth and a small count that a pack
could hold is caught wherever it stands, and ordinary page text is not.

Each planted case is put into a copy of a small hand-written pack shaped like a real one
(guard_pack.py), which passes clean; a real demo pack and a quarter pack are then scanned
once for false positives.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from wscb_analysis.io.load import load_extract
from wscb_analysis.publish.guard import (
    COUNT_KIND,
    DOB_KIND,
    ID_KIND,
    Prescan,
    find_count,
    find_dates,
    find_id,
    identifiers,
    normalise_ids,
    scan_pack,
)

from .guard_pack import FIGURES, notebook, plant, write_pack


def svg_uri(inner: str, form: str = "base64") -> str:
    """A data: URI of an SVG image holding ``inner``, written in one of the forms browsers
    accept: text in an image is read like any other text of the page."""
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="90" height="20">{inner}</svg>'
    while form == "unpadded" and len(svg.encode()) % 3 == 0:
        svg += " "  # so that base64 would end in "=", which the URI leaves off
    b64 = base64.b64encode(svg.encode()).decode()
    return {"base64": f"data:image/svg+xml;base64,{b64}",
            "charset": f"data:image/svg+xml;charset=utf-8;base64,{b64}",
            "upper_case": f"DATA:IMAGE/SVG+XML;BASE64,{b64}",
            "unpadded": f"data:image/svg+xml;base64,{b64.rstrip('=')}",
            "percent_encoded": "data:image/svg+xml," + quote(svg)}[form]


def svg_img(inner: str, form: str = "base64") -> str:
    return f'<img alt="A trend line over eight quarters" src="{svg_uri(inner, form)}">'


SVG_FORMS = ("base64", "charset", "upper_case", "unpadded", "percent_encoded")

# The extract's ids take the real shapes: 6 digits (demo), a council prefix, leading zeros,
# 8 digits, the 903 validator's "574_111", a regional "876570_867", a short "4821". The last
# four 6-digit ids look like numbers a page shows for other reasons: the palette colour
# #801650, "112,662" children, the year "2016-17", the mean "533.0".
REFERRALS = """\
"Child Unique ID","Date of Birth","Date of referral"
"131096","08/11/2015","01/05/2016"
"WCC-245117","14/01/2005","02/05/2016"
"0042731","01/01/2004","03/05/2016"
"10721552","12/03/2002","04/05/2016"
"4821","19/05/2004","05/05/2016"
"801650","01/04/2016","06/05/2016"
"112662","31/03/2017","01/04/2017"
"201617","03/09/2006","07/05/2016"
"533000","28/04/2009","08/05/2016"
"""
MISSING = """\
"Child ID","Date of Birth","Type","Start","End"
"574_111","01/01/2010","Missing","01/06/2016","05/06/2016"
"876570_867","01/06/2001","Absent","21/09/2016","11/10/2016"
"""
# What pack.py passes: the period's start and end (dd/mm/yyyy and ISO) and the run date. Two
# of them are also dates of birth in the extract (01/04/2016, 31/03/2017).
ALLOWED = {"01/04/2016", "2016-04-01", "31/03/2017", "2017-03-31", "2026-11-27"}
PAGE = "04_plan_duration.html"


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    folder = tmp_path_factory.mktemp("guard-extract")
    (folder / "referrals.csv").write_text(REFERRALS)
    (folder / "missing.csv").write_text(MISSING)
    ex = load_extract(folder, use_cache=False)
    assert sum(r.rows_set_aside for r in ex.sources.values()) == 0  # every row is a child
    return ex


@pytest.fixture
def pack(tmp_path):
    return write_pack(tmp_path / "pack")


def found(pack: Path, extract, planted: str = "") -> set[tuple[str, str]]:
    """(file, kind) of every leak; asserts no message repeats the planted value."""
    leaks = scan_pack(pack, extract, ALLOWED)
    if planted:
        assert all(planted not in str(leak) for leak in leaks), leaks
    return {(leak.page, leak.kind) for leak in leaks}


def test_the_hand_written_pack_is_clean(pack, extract):
    assert scan_pack(pack, extract, ALLOWED) == []


def test_a_page_scanned_clean_while_the_run_goes_on_is_read_again_once_changed(pack, extract):
    prescan = Prescan(extract, ALLOWED)
    for path in pack.rglob("*.html"):
        prescan.file(path)
    assert prescan.is_clean(pack / PAGE)
    assert scan_pack(pack, extract, ALLOWED, prescan) == []
    # Changed after its scan (a child's id planted): the final scan reads it again.
    plant(pack, PAGE, "<p>Child 131096 was referred.</p>")
    assert not prescan.is_clean(pack / PAGE)
    assert (PAGE, ID_KIND) in {(x.page, x.kind) for x in scan_pack(pack, extract, ALLOWED,
                                                                    prescan)}


def test_an_installed_packs_build_folder_name_is_no_child_id(pack, extract):
    # publish/install.py names a build folder by the run's time, process id and a token: at
    # 13:10:96 the time's digits equal child 131096's. The tool's own name is not a leak;
    # a folder named after the child still is.
    build = pack / ".wscb-builds" / "20261127T131096-24680-ab12cd"
    build.mkdir(parents=True)
    shutil.copy(pack / PAGE, build / PAGE)
    assert scan_pack(pack, extract, ALLOWED) == []
    other = pack / ".wscb-builds" / "child-131096"
    other.mkdir()
    shutil.copy(pack / PAGE, other / PAGE)
    assert ("file names", ID_KIND) in found(pack, extract)


def test_a_prescan_that_allowed_more_dates_than_the_final_scan_is_not_trusted(pack, extract):
    # 08/11/2015 is a child's date of birth: a prescan that allowed it found the page clean,
    # but the final scan does not allow it, so it must read the page itself.
    plant(pack, PAGE, "<p>Run on 08/11/2015.</p>")
    prescan = Prescan(extract, ALLOWED | {"08/11/2015"})
    prescan.file(pack / PAGE)
    assert prescan.is_clean(pack / PAGE)
    assert (PAGE, DOB_KIND) in {(x.page, x.kind) for x in scan_pack(pack, extract, ALLOWED,
                                                                     prescan)}
    # A page the prescan found a leak in is not remembered as clean.
    strict = Prescan(extract, ALLOWED)
    strict.file(pack / PAGE)
    assert not strict.is_clean(pack / PAGE)


def test_identifiers_normalise_every_shape(extract):
    ids = identifiers(extract)
    # Worked by hand from REFERRALS and MISSING: digits without leading zeros, 5 or more.
    assert {"131096", "245117", "42731", "10721552", "876570", "876570867"} <= ids.digits
    assert {"WCC245117", "574111", "876570867"} <= ids.joined  # separators dropped
    assert ids.short == {"4821"}
    assert "WCC" in ids.prefixes
    assert {dt.date(2015, 11, 8), dt.date(2016, 4, 1)} <= ids.dobs
    assert normalise_ids(["A1", "7"]).joined == frozenset()  # too short to match


# --------------------------------------------------------------------------- child ids

ID_FORMS = {
    "plain": "<p>Child 131096 was referred.</p>",
    "letter_prefix": "<p>ID131096</p>",
    "leading_zero_added": "<p>0131096</p>",
    "leading_zeros_dropped": "<p>Child 42731</p>",
    "council_prefix": "<p>WCC-245117</p>",
    "council_prefix_lower_case": "<p>wcc-245117</p>",
    "council_prefix_no_separator": "<p>WCC245117</p>",
    "council_prefix_dropped": "<p>Case 245117</p>",
    "en_dash_separator": "<p>WCC\u2013245117</p>",
    "soft_hyphen_inside": "<p>1310\u00ad96</p>",
    "character_reference": "<p>&#49;31096</p>",
    "eight_digits": "<p>10721552</p>",
    "compound_as_given": "<p>574_111</p>",
    "compound_no_separator": "<p>574111</p>",
    "compound_hyphen": "<p>574-111</p>",
    "compound_with_prefix": "<p>child-574_111</p>",
    "compound_long_part": "<p>876570</p>",
    "compound_joined": "<p>876570867</p>",
    "short_id_after_id_word": "<p>ID 4821</p>",
    "short_id_joined_to_id_word": "<p>ref4821</p>",
    "in_a_link": '<a href="child.html?id=131096">record</a>',
    "percent_encoded_link": '<a href="find?q=ID%3A131096">record</a>',
    "in_a_file_name": '<a href="child-131096.html">record</a>',
    "title_attribute": '<span title="Child 131096">x</span>',
    "data_attribute": '<table><tr data-child="WCC-245117"><td>x</td></tr></table>',
    "alt_text": '<img alt="Contacts for child 131096" src="chart.png">',
    "attribute_name": '<div data-131096="x"></div>',
    "id_attribute": '<div id="child-131096"></div>',
    "class_attribute": '<div class="c131096"></div>',
    "comment": "<!-- child 131096 -->",
    "style_block": "<style>/* 131096 */</style>",
    "table_cell": "<table><tr><td>131096</td><td>14</td></tr></table>",
    **{f"svg_image_{form}": svg_img("<text x='0' y='10'>Child 131096</text>", form)
       for form in SVG_FORMS},
    "html_frame": '<iframe src="data:text/html;base64,'
                  f'{base64.b64encode(b"<p>Child 131096</p>").decode()}"></iframe>',
}


@pytest.mark.parametrize("html", ID_FORMS.values(), ids=ID_FORMS.keys())
def test_id_is_caught(pack, extract, html):
    plant(pack, PAGE, html)
    assert found(pack, extract, planted="131096") == {(PAGE, ID_KIND)}


def test_short_id_alone_is_not_matched(pack, extract):
    # "4821" alone cannot be told from a count (the page shows "4,821 referrals" too).
    plant(pack, PAGE, "<p>4821 contacts</p>")
    assert found(pack, extract) == set()


ID_FILES = {
    "figures_json_string": ("figures.json", lambda d: d | {"note": "child 131096"}),
    "figures_json_key": ("figures.json", lambda d: d | {"by_child": {"131096": 12}}),
    "figures_json_number": ("figures.json", lambda d: d | {"child_id": 131096}),
    "manifest_error": ("manifest.json", lambda d: d | {"error": "KeyError: 'WCC-245117'"}),
    "figures_json_embedded_svg": ("figures.json", lambda d: d | {
        "icon": svg_uri("<text>Child 131096</text>")}),
}


@pytest.mark.parametrize("name, change", ID_FILES.values(), ids=ID_FILES.keys())
def test_id_in_json_is_caught(pack, extract, name, change):
    path = pack / name
    path.write_text(json.dumps(change(json.loads(path.read_text()))))
    assert found(pack, extract, planted="131096") == {(name, ID_KIND)}


NB = "notebooks/04_plan_duration.ipynb"
ID_NOTEBOOK = {
    "code_source": dict(source='child = "131096"\n'),
    "markdown": dict(markdown="Child WCC-245117 went missing."),
    "text_plain_output": dict(plain="Finding(text='child 131096')"),
    "html_output": dict(html="<p>child 131096</p>"),
}


@pytest.mark.parametrize("parts", ID_NOTEBOOK.values(), ids=ID_NOTEBOOK.keys())
def test_id_in_notebook_is_caught(pack, extract, parts):
    (pack / NB).write_text(json.dumps(notebook(**parts)))
    assert found(pack, extract, planted="131096") == {(NB, ID_KIND)}


def test_id_in_an_svg_image_printed_to_a_notebook_stream_is_caught(pack, extract):
    nb = notebook()
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                  "text": svg_uri("<text>Child WCC-245117</text>") + "\n"}]
    (pack / NB).write_text(json.dumps(nb))
    assert found(pack, extract) == {(NB, ID_KIND)}


def test_a_picture_and_undecodable_data_pass(pack, extract):
    # A PNG is bytes, not words, whatever its bytes spell; data no browser can decode shows
    # nothing. Neither is read as text.
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n child 131096 3 children").decode()
    plant(pack, PAGE, f'<img alt="A trend line over eight quarters" '
                      f'src="data:image/png;base64,{png}">'
                      '<img alt="A trend line over eight quarters" '
                      'src="data:image/svg+xml;base64,PHN2Z">')
    assert found(pack, extract) == set()


def test_id_in_notebook_stream_error_and_tags_is_caught(pack, extract):
    nb = notebook()
    cell = nb["cells"][1]
    cell["metadata"]["tags"].append("child-131096")
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "WCC-245117\n"},
                       {"output_type": "error", "ename": "KeyError", "evalue": "'10721552'",
                        "traceback": []}]
    (pack / NB).write_text(json.dumps(nb))
    leaks = scan_pack(pack, extract, ALLOWED)
    assert [(x.page, x.kind) for x in leaks] == [(NB, ID_KIND)]
    # One leak per file and kind, naming each place (first three) and how many more.
    assert "cell 2 metadata" in leaks[0].where and "cell 2 output 1 (stdout)" in leaks[0].where
    assert "cell 2 output 2" in leaks[0].where


@pytest.mark.parametrize("name", ["run.log", "notes.txt", "extra/readme.md", "data.csv"])
def test_id_in_any_other_text_file_is_caught(pack, extract, name):
    (pack / name).parent.mkdir(exist_ok=True)
    (pack / name).write_text("district,note\nRugby,child 131096 moved\n")
    assert found(pack, extract, planted="131096") == {(name, ID_KIND)}


def test_id_in_a_file_name_is_caught_without_naming_the_file(pack, extract):
    (pack / "notebooks" / "child-131096.ipynb").write_text(json.dumps(notebook()))
    leaks = scan_pack(pack, extract, ALLOWED)
    assert [(x.page, x.kind) for x in leaks] == [("file names", ID_KIND)]
    assert "131096" not in str(leaks)


def test_the_demos_own_extract_inside_the_pack_is_skipped(tmp_path):
    pack = write_pack(tmp_path / "demo")
    (pack / "extract").mkdir()
    (pack / "extract" / "referrals.csv").write_text(REFERRALS)
    ex = load_extract(pack / "extract", use_cache=False)
    assert scan_pack(pack, ex, ALLOWED) == []
    plant(pack, PAGE, "<p>131096</p>")
    assert found(pack, ex) == {(PAGE, ID_KIND)}


def test_leak_names_the_place_not_the_value(pack, extract):
    plant(pack, PAGE, '<img alt="Child 131096" src="x.png">\n<p>WCC-245117</p>\n')
    (leak,) = scan_pack(pack, extract, ALLOWED)
    assert leak.page == PAGE and leak.kind == ID_KIND
    assert leak.where.startswith("alt attribute of <img>, line ")
    assert "text in <p>, line " in leak.where
    assert "131096" not in str(leak) and "245117" not in str(leak)


# --------------------------------------------------------------------------- dates of birth

# 8 November 2015 is the first child's date of birth.
DOB_FORMS = ["8/11/2015", "08/11/2015", "08-11-2015", "8.11.2015", "08/11/15", "2015-11-08",
             "2015/11/08", "20151108", "8 Nov 2015", "8 November 2015", "8th November 2015",
             "08-Nov-2015", "November 8, 2015", "Nov 8 2015", "2015-11-08 00:00:00",
             "2015-11-08T00:00:00", "date(2015, 11, 8)"]


@pytest.mark.parametrize("form", DOB_FORMS, ids=DOB_FORMS)
def test_date_of_birth_is_caught(pack, extract, form):
    plant(pack, PAGE, f"<p>Born {form}.</p>")
    assert found(pack, extract, planted=form) == {(PAGE, DOB_KIND)}


def test_date_of_birth_in_attribute_comment_json_and_notebook_is_caught(pack, extract):
    plant(pack, PAGE, '<img alt="born 8 Nov 2015" src="x.png"><!-- 08/11/2015 -->')
    figures = json.loads((pack / "figures.json").read_text())
    (pack / "figures.json").write_text(json.dumps(figures | {"dob": "2015-11-08"}))
    (pack / NB).write_text(json.dumps(notebook(plain="Timestamp('2015-11-08 00:00:00')")))
    leaks = scan_pack(pack, extract, ALLOWED)
    assert {(x.page, x.kind) for x in leaks} == {(PAGE, DOB_KIND), ("figures.json", DOB_KIND),
                                                 (NB, DOB_KIND)}
    page = next(x for x in leaks if x.page == PAGE)
    assert "alt attribute of <img>" in page.where and "comment" in page.where


def test_the_packs_own_dates_stay_allowed_in_every_form(pack, extract):
    # 1 April 2016 and 31 March 2017 are both dates of birth in the extract and the period's
    # start and end: allowed as pack.py passes them (dd/mm/yyyy and ISO), in any form.
    plant(pack, PAGE, "<p>1 April 2016, 01/04/2016, 2016-04-01, April 1, 2016, 1.4.2016, "
                      "20160401, 01-Apr-2016; 31 March 2017, 31/03/17, 2017-03-31.</p>")
    assert found(pack, extract) == set()


def test_times_of_day_and_other_dates_are_not_dates_of_birth(pack, extract):
    # A run or execution time is not a birthday even on a child's date; 9 November 2015 is no
    # child's birthday in the extract; "2016-17", "2012-04" and "May 2016" are not full dates.
    plant(pack, PAGE, "<p>2015-11-08T14:22:05, 9 Nov 2015, 2016-17, 2012-04, May 2016</p>")
    assert found(pack, extract) == set()


def test_find_dates_reads_every_form_as_the_same_day():
    for form in DOB_FORMS:
        assert [d for d, _ in find_dates(form)] == [dt.date(2015, 11, 8)], form
    assert find_dates("31/02/2015 and 1072-15-52") == []  # not calendar dates


# --------------------------------------------------------------------------- small counts

COUNT_HTML = {
    "td": "<table><tr><td>Rugby</td><td>3</td></tr></table>",
    "th_heading": "<table><thead><tr><th>3</th></tr></thead></table>",
    "th_row_heading_not_its_row_number": "<table><tbody><tr><th>3</th><td>x</td></tr></tbody>"
                                         "</table>",
    "decimal_3.0": "<table><thead><tr><th>Plans</th></tr></thead><tr><td>3.0</td></tr></table>",
    "zero_padded_03": "<table><tr><td>03</td></tr></table>",
    "spaced": "<table><tr><td> 3 </td></tr></table>",
    "non_breaking_space": "<table><tr><td>&nbsp;3</td></tr></table>",
    "footnote_mark": "<table><tr><td>3*</td></tr></table>",
    "marked_up_in_cell": "<table><tr><td><span>3</span><sup>*</sup></td></tr></table>",
    "tile_value": '<div class="tile"><div class="value">3</div></div>',
    "list_item": "<ul><li>4</li></ul>",
    "bold_in_sentence": "<p>There were <b>3</b> re-referrals.</p>",
    "children": "<p>3 children went missing.</p>",
    "re_referrals": "<p>2 re-referrals were made.</p>",
    "plans": "<p>4 plans ended.</p>",
    "word_five_episodes": "<p>Five episodes were recorded.</p>",
    "word_one_child": "<p>Only one child was seen.</p>",
    "compound_noun": "<p>4 child protection plans started.</p>",
    "modifier": "<p>3 looked-after children went missing.</p>",
    "x_of_y": "<p>3 of 496 plans started in 2016-17 were third plans.</p>",
    "x_out_of_y": "<p>2 out of 40 children had a plan.</p>",
    "x_of_the_noun": "<p>3 of the children were seen alone.</p>",
    "after_from": "<p>Referrals came from 3 families.</p>",
    "noun_colon_count": "<p>Children missing at the end: 4.</p>",
    "noun_equals_count": "<p>Referrals = 2</p>",
    "chart_label_value": '<img alt="Neglect 52; Physical abuse 3; Sexual abuse 0" src="x.png">',
    "chart_label_last": '<img alt="Neglect 52; Sexual abuse 3" src="x.png">',
    "title_attribute": '<span title="3 children">x</span>',
    "comment": "<!-- 3 children -->",
    **{f"svg_image_{form}": svg_img("<text x='0' y='10'>3 children</text>", form)
       for form in SVG_FORMS},
}


@pytest.mark.parametrize("html", COUNT_HTML.values(), ids=COUNT_HTML.keys())
def test_small_count_is_caught(pack, extract, html):
    plant(pack, PAGE, html)
    assert found(pack, extract) == {(PAGE, COUNT_KIND)}


NOT_COUNTS = ["2 years", "12 months", "Q3", "3 months or less", "1 year to less than 2 years",
              "95% CI", "2016-17", "page 2 of 7", "3%", "3.5%", "2.5 per 10,000",
              "fewer than 6 children", "2 or more episodes", "between 1 and 5 children",
              "counts from 1 to 5 children are shown as c", "Annex A List 3", "Level 3",
              "Key Stage 2 pupils", "Year 5 pupils", "IMD rank 1 of 326", "(1 = most deprived)",
              "version 3.11.7", "p = 0.22", "[2/7] 01_overview ok (0.7 s)", "3+ referrals",
              "two of three (5 months)", "1 authority with suppressed counts left out",
              "2 authorities", "within 2 years of the child's previous plan", "1,092.",
              "England 21.9%; Warwick 3.5%; Rugby 26.0", "plans 2 years and over",
              "2-year-old children", "children aged 0-5", "more than 3 months to 6 months",
              "from 1 to 5 children", "1-5 children", "up to 5 children", "5 of the 12 months",
              "one of the reasons", "p = 1.00.", "On the current trend: 2",
              "Path to the target: 2;", "reaching about 2."]


@pytest.mark.parametrize("text", NOT_COUNTS, ids=NOT_COUNTS)
def test_number_that_is_not_a_count_passes(pack, extract, text):
    assert find_count(text) == -1
    plant(pack, PAGE, f"<p>{text}</p>")
    assert found(pack, extract) == set()


def test_a_heading_that_only_mentions_a_year_does_not_exempt_counts(pack, extract):
    plant(pack, PAGE, "<table><thead><tr><th>Plans this year</th></tr></thead>"
                      "<tbody><tr><td>3</td></tr></tbody></table>")
    assert found(pack, extract) == {(PAGE, COUNT_KIND)}


def test_row_numbers_rates_and_ranks_in_tables_pass(pack, extract):
    # The clean pack's topic page holds a pandas table with row numbers 0-3 in <th>, 3.0
    # under "Rate per 10,000", 6.0 under "Mean" and 3 under "IMD rank (of 326)".
    assert "<tr><th>3</th><td>Stratford-on-Avon" in (pack / PAGE).read_text()
    assert found(pack, extract) == set()


COUNT_FIGURES = {
    "integer": ("cp_plans", "third_or_later", 3),
    "float": ("missing", "children_repeat", 2.0),
    "string": ("cp_plans", "second_within_2_years", "3"),
}


@pytest.mark.parametrize("block, key, value", COUNT_FIGURES.values(), ids=COUNT_FIGURES.keys())
def test_small_count_in_figures_json_is_caught(pack, extract, block, key, value):
    figures = json.loads(json.dumps(FIGURES))
    figures[block][key] = value
    (pack / "figures.json").write_text(json.dumps(figures))
    (leak,) = scan_pack(pack, extract, ALLOWED)
    assert (leak.page, leak.kind, leak.where) == ("figures.json", COUNT_KIND, f"at {block}.{key}")


def test_rates_flags_and_suppressed_counts_in_figures_json_pass(pack, extract):
    # FIGURES holds "c", 0, a rate of 3.0 (ended_2_years_plus_rate) and "synthetic": true;
    # manifest.json's "attempts": 1 is not a figure.
    assert FIGURES["cp_plans"]["ended_2_years_plus_rate"] == 3.0
    assert found(pack, extract) == set()


COUNT_NOTEBOOK = {
    "markdown": dict(markdown="3 children went missing."),
    "markdown_table": dict(markdown="| District | Children |\n|---|---|\n| Rugby | 3 |"),
    "html_output_cell": dict(html="<table><tr><td>4</td></tr></table>"),
    "plain_output_sentence": dict(plain="Finding(text='2 re-referrals were made')"),
}


@pytest.mark.parametrize("parts", COUNT_NOTEBOOK.values(), ids=COUNT_NOTEBOOK.keys())
def test_small_count_in_notebook_is_caught(pack, extract, parts):
    (pack / NB).write_text(json.dumps(notebook(**parts)))
    assert found(pack, extract) == {(NB, COUNT_KIND)}


def test_small_count_in_a_csv_is_caught(pack, extract):
    (pack / "table.csv").write_text("district,children\nRugby,3\nWarwick,42\n")
    (leak,) = scan_pack(pack, extract, ALLOWED)
    assert (leak.page, leak.kind, leak.where) == ("table.csv", COUNT_KIND, "row 2, column 2")


def test_code_is_not_read_for_counts(pack, extract):
    (pack / NB).write_text(json.dumps(notebook(source="top = 3\nlimit = 5  # 2 plans\n")))
    assert found(pack, extract) == set()


def test_finders_on_their_own():
    ids = normalise_ids(["WCC-245117"])
    assert find_id("see wcc245117.", ids) == 4
    assert find_id("a hash 3d8f245117ab72d7166a016e7e931e1d4", ids) == -1  # 37 hex digits
    assert find_count("Of these, 4 children") == 10
    assert find_count("4.5 children per plan") == -1


# --------------------------------------------------------------------------- real packs


@pytest.fixture(scope="module")
def demo(published, synthetic):
    """The demo extract (scale 1, the demo's seed) with its 2016-17 pack and a Q3 pack:
    (folders by name, exit codes by name)."""
    packs = {name: published("demo", "2016-17", quarter)
             for name, quarter in (("year", None), ("q3", "Q3"))}
    folders = {"extract": synthetic("demo"), **{n: folder for n, (_, folder) in packs.items()}}
    return folders, {n: code for n, (code, _) in packs.items()}


def pack_dates(folder) -> set[str]:
    """The dates a pack prints about itself (its period, the run, the extract's span), as its
    manifest records them: the publish allowed these, whatever child shares the day."""
    return set(json.loads((folder / "manifest.json").read_text())["dates_allowed"])


def test_the_demo_pack_has_no_false_positive(demo):
    root, codes = demo
    assert codes["year"] == 0
    extract = load_extract(root["extract"], use_cache=False)
    year = pack_dates(root["year"])
    assert {"2016-04-01", "2017-03-31"} <= year
    assert scan_pack(root["year"], extract, year) == []


def small_leaves(obj, path=""):
    """Numbers from 1 to 5 in a JSON tree, keys ending in _rate left out (worked out here,
    not by the guard)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not k.endswith("_rate"):
                yield from small_leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool) and obj in (1, 2, 3, 4, 5):
        yield path


def test_a_quarter_pack_has_no_false_positive(demo):
    # figures.json in a pack is the disclosed version (CONTRACT.md): no count from 1 to 5.
    root, codes = demo
    assert codes["q3"] == 0
    folder = root["q3"]
    extract = load_extract(root["extract"], use_cache=False)
    assert list(small_leaves(json.loads((folder / "figures.json").read_text()))) == []
    assert scan_pack(folder, extract, pack_dates(folder)) == []


def test_a_copy_of_the_demo_pack_with_a_planted_id_fails(demo, tmp_path):
    root, _ = demo
    extract = load_extract(root["extract"], use_cache=False)
    child = str(extract["missing"]["child_id"].iloc[0])
    copy = tmp_path / "copy"
    shutil.copytree(root["year"], copy)
    plant(copy, "05_missing.html", f'<a href="child-{child}.html">record</a>')
    assert {(x.page, x.kind) for x in scan_pack(copy, extract, pack_dates(root["year"]))
            if not x.page.startswith(".wscb")} == {("05_missing.html", ID_KIND)}
    # Without the period's own dates, 1 April 2016 and 31 March 2017 (birthdays in the demo
    # extract too) are reported wherever the pack prints them.
    assert ("index.html", DOB_KIND) in {(x.page, x.kind) for x in scan_pack(copy, extract)}
