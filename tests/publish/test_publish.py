"""Publishing end to end on a small synthetic extract: pages readers can use, nothing that
identifies a child, a failing notebook that leaves the last good pack alone."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from wscb_analysis import config
from wscb_analysis.io.load import load_extract
from wscb_analysis.publish import notebooks
from wscb_analysis.publish.guard import scan_pack

TOPICS = ["01_overview", "02_rereferrals", "03_repeat_plans", "04_plan_duration",
          "05_missing", "06_diversity", "07_early_help", "08_scorecard"]


@pytest.fixture(scope="module")
def extract_dir(synthetic):
    return synthetic("medium")


@pytest.fixture(scope="module")
def pack(published):
    code, out = published("medium", "2016-17")
    assert code == 0
    return out


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.imgs, self.headings, self.links = [], [], [], []
        self.lang = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "img":
            self.imgs.append(a)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag in ("a", "link", "script"):
            self.links.append(a.get("href") or a.get("src"))
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse(path: Path) -> tuple[Page, str]:
    text = path.read_text(encoding="utf-8")
    p = Page()
    p.feed(text)
    return p, re.sub(r"data:image/(?:png|svg\+xml);base64,[A-Za-z0-9+/=]+", "DATA", text)


def test_every_page_is_there(pack):
    names = {p.name for p in pack.iterdir()}
    assert {f"{t}.html" for t in TOPICS} | {"index.html", "glossary.html", "figures.json",
                                           "manifest.json", "run.log", "notebooks"} <= names
    assert {p.stem for p in (pack / "notebooks").glob("*.ipynb")} == set(TOPICS)


def test_pages_are_readable_and_self_contained(pack):
    for page in pack.glob("*.html"):
        p, text = parse(page)
        assert p.lang == "en-GB" and p.title.strip(), page.name
        assert p.headings and p.headings[0] == 1, page.name
        # Headings in order: never skip a level going down.
        assert all(b - a <= 1 for a, b in zip(p.headings, p.headings[1:], strict=False)), page
        for img in p.imgs:
            assert len(img.get("alt", "")) > 15, page.name
            assert img["src"].startswith(("data:image/png;base64,",
                                          "data:image/svg+xml;base64,")), page.name
            if img["src"].startswith("data:image/svg"):  # a sparkline: lines, no text
                svg = base64.b64decode(img["src"].split(",", 1)[1]).decode("utf-8")
                assert not re.search(r"<(?:text|script|a|image|foreignObject)\b|href", svg)
        assert "No description has been provided" not in text
        for link in p.links:
            assert not (link or "").startswith(("http:", "https:", "//")), (page.name, link)
        assert "<script" not in text  # no require.js / MathJax
        for bad in ("Traceback", "In&nbsp;[", "jp-InputArea", "highlight-ipynb",
                    "r.context(", "import "):
            assert bad not in text, (page.name, bad)
        assert "Synthetic data" in text  # the banner on every page of a synthetic pack
        assert "Content-Security-Policy" in text and "default-src 'none'" in text
        assert "commit" in text and "wscb-analysis" in text  # the footer


def test_index_tiles_and_provenance(pack):
    _, text = parse(pack / "index.html")
    for t in TOPICS:
        assert f'href="{t}.html"' in text
    assert 'href="glossary.html"' in text
    # Plain words for the interval; England's figure of the same year; a change since the
    # previous period only where a test supports one, with which way is better.
    assert "likely between" in text and "England" in text
    assert re.search(r"(up|down) on 2015-16 \([^)]*\): (better|worse)|about the same as "
                     r"2015-16", text)
    assert "Lower is better" in text and "No better direction" in text
    manifest = json.loads((pack / "manifest.json").read_text())
    assert manifest["failures"] == [] and manifest["leaks"] == []
    assert manifest["disclosure_audit"] == []
    assert set(manifest["inputs"]) >= {"referrals.csv", "cp_plans.csv"}
    assert all(len(h) == 64 for h in manifest["inputs"].values())
    assert manifest["parameters"]["period"] == "2016-17"
    figures = json.loads((pack / "figures.json").read_text())
    assert figures["synthetic"] is True and figures["period"]["label"] == "2016-17"
    # The synthetic extract holds Annex A Lists 1, 4 and 5 too (the journey's lists).
    assert set(figures["coverage"]) == {"referrals", "cp_plans", "early_help", "missing",
                                        "performance", "contacts", "assessments", "s47"}
    # The pack carries the disclosed figures: no count from 1 to 5 anywhere in them.
    counts = [v for block in ("referrals", "cp_plans", "missing", "early_help", "journey")
              for v in _leaves(figures[block])]
    assert counts and not any(isinstance(v, int) and 1 <= v <= 5 for v in counts)


def test_the_scorecard_tile_is_the_kernels_and_the_pack_notebook_does_not_carry_it(pack):
    # Shared packs are published with the main process's tile summary replaced by a stand-in
    # (conftest.TILE_STAND_IN): had the run worked the tile out again, it would show here.
    text = (pack / "index.html").read_text(encoding="utf-8")
    assert 'href="08_scorecard.html">Performance scorecard' in text
    assert "worked-out-twice" not in text
    nb = nbformat.read(pack / "notebooks" / "08_scorecard.ipynb", as_version=4)
    metas = [o.get("metadata", {}) for c in nb.cells for o in c.get("outputs", [])]
    assert metas and not any("wscb" in m for m in metas)


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    else:
        yield value


def assert_clean(folder: Path) -> None:
    """No error and no stderr (warnings) in any executed notebook's outputs."""
    books = list(folder.glob("*.ipynb"))
    assert len(books) == len(TOPICS)
    for path in books:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                assert out.get("output_type") != "error", path.name
                assert not (out.get("output_type") == "stream" and out.get("name") == "stderr"), (
                    path.name, out.get("text"))


def test_executed_notebooks_have_no_errors_or_warnings(pack):
    assert_clean(pack / "notebooks")


def test_no_identifier_or_small_count_leaks(pack, extract_dir):
    # The pack's own dates (its period, the run, the extract's span printed on the pages)
    # are allowed, as the publish allows them.
    extract = load_extract(extract_dir)
    figures = json.loads((pack / "figures.json").read_text())
    manifest = json.loads((pack / "manifest.json").read_text())
    allowed = {figures["period"]["start"], figures["period"]["end"], "2016-01-01",
               "2015-04-01", "2016-03-31", manifest["started"][:10], manifest["finished"][:10]}
    for cov in figures["coverage"].values():
        allowed |= {d for d in (cov.get("first_date"), cov.get("last_date")) if d}
    from wscb_analysis.metrics.referrals import first_complete_day

    allowed.add(first_complete_day(extract["referrals"]).isoformat())
    from datetime import date

    assert scan_pack(pack, extract, {date.fromisoformat(d) for d in allowed}) == []


def test_guard_catches_a_planted_id(pack, extract_dir, tmp_path):
    extract = load_extract(extract_dir)
    copy = tmp_path / "copy"
    shutil.copytree(pack, copy)
    child = str(extract["referrals"]["child_id"].iloc[0])
    page = copy / "02_rereferrals.html"
    page.write_text(page.read_text().replace("</main>", f"<p>Child {child}</p></main>"))
    (copy / "03_repeat_plans.html").write_text(
        (copy / "03_repeat_plans.html").read_text().replace("</main>",
                                                            "<table><tr><td>3</td></tr></table>"
                                                            "</main>"))
    leaks = scan_pack(copy, extract)
    kinds = {(leak.page, leak.kind) for leak in leaks}
    assert ("02_rereferrals.html", "child identifier") in kinds
    assert ("03_repeat_plans.html", "unsuppressed count from 1 to 5") in kinds
    assert child not in " ".join(str(leak) for leak in leaks)  # never echoes the id


def test_quarter_pack(published):
    code, out = published("medium", "2016-17", "Q3")
    assert code == 0
    figures = json.loads((out / "figures.json").read_text())
    assert figures["period"] == {"label": "2016-17 Q3", "start": "2016-10-01",
                                 "end": "2016-12-31"}
    assert "2016-17 Q3" in (out / "02_rereferrals.html").read_text()
    assert_clean(out / "notebooks")


def test_failing_notebook_names_itself_and_keeps_the_last_good_pack(pack, extract_dir,
                                                                    tmp_path, capsys,
                                                                    publish):
    publish_pack = publish
    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(config.NOTEBOOKS_DIR / "06_diversity.ipynb", books)
    broken = nbformat.read(config.NOTEBOOKS_DIR / "07_early_help.ipynb", as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(broken, books / "07_early_help.ipynb")
    out = tmp_path / "pack"
    shutil.copytree(pack, out)
    before = (out / "index.html").read_bytes()
    code = publish_pack(extract_dir, "2016-17", None, out, notebook_dir=books)
    assert code == 1
    err = capsys.readouterr().err
    assert "07_early_help" in err and "ZeroDivisionError" in err and "cell" in err
    assert (out / "index.html").read_bytes() == before  # last good pack untouched
    assert (tmp_path / "pack.failed" / "run.log").exists()


def test_misspelt_parameter_is_an_error(extract_dir, tmp_path):
    from wscb_analysis.publish.run import ParameterError, check_parameters

    with pytest.raises(ParameterError, match="no parameter named perod"):
        check_parameters(notebooks()[0], {"perod": "2016-17"})


def test_cli_publish_unusable_extract_exits_1(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "referrals.csv").write_text("Child Unique ID,Gender\nA,M\n")
    res = subprocess.run([sys.executable, "-m", "wscb_analysis.cli", "publish", "--data-dir",
                          str(bad), "--period", "2016-17", "--out", str(tmp_path / "o")],
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert "Date of referral" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_an_extract_with_only_some_lists_still_publishes(extract_dir, tmp_path, publish):
    publish_pack = publish
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ("referrals.csv", "cp_plans.csv"):
        shutil.copy(extract_dir / name, partial / name)
    out = tmp_path / "pack"
    assert publish_pack(partial, "2016-17", None, out) == 0
    missing_page = (out / "05_missing.html").read_text()
    # Said once and plainly at the top of the page, and no section below pretends otherwise.
    assert missing_page.count("does not include missing episodes") == 1
    assert "the suite reads them from missing.csv" in missing_page  # in "About the data"
    assert "went missing" not in missing_page
    assert "does not include early help assessments" in (out / "07_early_help.html").read_text()
    index = (out / "index.html").read_text()
    assert "Children going missing" in index and "not supplied" in index
    figures = json.loads((out / "figures.json").read_text())
    assert figures["missing"]["children"] is None and figures["early_help"]["assessments"] \
        is None
    assert figures["coverage"]["missing"]["supplied"] is False


def test_a_period_the_extract_does_not_cover_says_so(extract_dir):
    from wscb_analysis import report as r

    ctx = r.context(extract_dir, "2019-20")
    assert r.diversity_by_quarter(ctx).items == []  # nothing to show, nothing pretended
    note = r.coverage_note(ctx, "referrals").texts()
    assert "none fall in 2019-20 (1 April 2019 to 31 March 2020)" in note


def test_publish_for_a_period_no_source_reaches_exits_2_and_writes_nothing(extract_dir,
                                                                           tmp_path, capsys,
                                                                           publish):
    publish_pack = publish
    out = tmp_path / "pack"
    assert publish_pack(extract_dir, "2025-26", None, out) == 2
    err = capsys.readouterr().err
    assert "2025-26" in err and "1 April 2025" in err and "31 March 2018" in err
    assert not (out / "index.html").exists()


def test_pages_still_waiting_to_be_rendered_when_the_last_notebook_ends_are_in_the_pack(
        extract_dir, tmp_path, monkeypatch, publish):
    # Pages render on a thread of their own, one at a time, as notebooks finish. Rendering
    # slowed to a second a page (a busy machine), three quick notebooks end before their
    # pages are rendered: every page must still be in the pack and on its index. (The run
    # used to cancel renders still queued when the last notebook ended, and install a pack
    # without those pages.)
    import time

    from wscb_analysis.publish import pack as pack_module

    books = tmp_path / "books"
    books.mkdir()
    names = ["01_overview", "06_diversity", "07_early_help"]
    for name in names:
        shutil.copy(config.NOTEBOOKS_DIR / f"{name}.ipynb", books)
    real_body = pack_module.notebook_body

    def slow(nb):
        time.sleep(1.0)
        return real_body(nb)

    monkeypatch.setattr(pack_module, "notebook_body", slow)
    out = tmp_path / "pack"
    assert publish(extract_dir, "2016-17", None, out, notebook_dir=books) == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in names:
        assert (out / f"{name}.html").exists(), name
        assert f'href="{name}.html"' in index, name
