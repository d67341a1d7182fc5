"""Pages that run no script, whatever an extract holds.

Every free-text field of an extract (district, referral source, category of abuse,
organisation, lead professional agency, first language, religion, the performance dataset's
titles and agencies; and the coded fields, ethnicity and missing type, for good measure), the
name of an Annex A workbook and the names of its sheets are filled with HTML, JavaScript,
template and TeX payloads. The same extract is also written with plain names in those places
(a "clean" twin: same rows, same counts), both are published, and every page of the hostile
pack is opened in Chromium (Debian's, through Playwright, network blocked) twice: as published,
and with its Content-Security-Policy removed, so that the escaping is tested on its own and
not only the policy behind it. No dialog opens, no script runs (a payload would set
``window.pwned`` or ``document.title``), no console error, no request leaves file://, every
payload reads on the page as the text it is, and each page has the same structure as its clean
twin (same headings, same number of tables, rows, figures, images and links).
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed (.ci/run installs it)")

# What the issue asks for, and what would set a flag the page can be asked about.
SCRIPT = "<script>alert(1)</script>"
FAKE_HEADING = "</table><h1>FAKE HEADING</h1>"
ATTR_BREAK = '"><img src=x onerror=alert(1)>'
TEX = r"$\pounds 5$"
TEMPLATE = "{{7*7}}"
JS_URL = "javascript:alert(1)"
PWN_IMG = "<img src=x onerror=\"window.pwned=1;document.title='PWNED'\">"
PWN_SVG = "<svg onload=window.pwned=1>"
SINGLE_QUOTE = "' onmouseover='window.pwned=1"
COMMENT = "<!-- "
FORMAT = "${7*7} %s %(x)s {0}"
STYLE = "<style>main{display:none}</style>"
PWN_SCRIPT = '"><script>window.pwned=1;document.title="PWNED"</script>'

#: (file, column, value replaced) -> the payload put in its place. Whole groups are renamed
#: (every "Rugby", every code "8"), so each payload is a row of a table, a bar of a chart or a
#: word of a sentence, with a count large enough to be shown.
SLOTS: list[tuple[str, str, str, str]] = [
    ("referrals", "District", "Rugby", SCRIPT),
    ("referrals", "District", "Warwick", FAKE_HEADING),
    ("referrals", "District", "North Warwickshire", TEX),
    ("referrals", "District", "Stratford-on-Avon", ATTR_BREAK),
    ("referrals", "District", "Nuneaton and Bedworth", PWN_SCRIPT),
    # A referral source that is no DfE code is counted in the group "Other", never printed
    # as it is (assumption 89): these payloads must not break a page, and are shown elsewhere.
    ("referrals", "Referral Source", "8", ATTR_BREAK),
    ("referrals", "Referral Source", "10", TEMPLATE),
    ("referrals", "Referral Source", "5A", JS_URL),
    ("referrals", "Referral Source", "1A", PWN_IMG),
    ("referrals", "Referral Source", "3E", PWN_SCRIPT),
    ("referrals", "Ethnicity", "MWAS", PWN_SVG),
    ("referrals", "First Language", "Polish", COMMENT),
    ("referrals", "Religion", "Muslim", SINGLE_QUOTE),
    ("cp_plans", "District", "Rugby", SCRIPT),
    ("cp_plans", "District", "Warwick", FAKE_HEADING),
    ("cp_plans", "District", "North Warwickshire", TEX),
    ("cp_plans", "District", "Stratford-on-Avon", ATTR_BREAK),
    ("cp_plans", "District", "Nuneaton and Bedworth", PWN_SCRIPT),
    ("cp_plans", "Initial Category of Abuse", "Neglect", SCRIPT),
    ("cp_plans", "Initial Category of Abuse", "Emotional abuse", TEX),
    ("cp_plans", "Initial Category of Abuse", "Physical abuse", PWN_IMG),
    ("cp_plans", "Latest Category of Abuse", "Neglect", COMMENT),
    ("early_help", "Organisation completing assessment", "Primary school", FAKE_HEADING),
    ("early_help", "Organisation completing assessment", "Secondary school", TEX),
    ("early_help", "Organisation completing assessment", "Family support worker", TEMPLATE),
    ("early_help", "Organisation completing assessment", "Voluntary sector", PWN_IMG),
    ("early_help", "Organisation completing assessment", "Health visitor", STYLE),
    ("early_help", "Organisation completing assessment", "School nurse", JS_URL),
    ("early_help", "Lead Professional Agency", "Primary school", ATTR_BREAK),
    ("early_help", "Lead Professional Agency", "Secondary school", PWN_SVG),
    ("missing", "District", "Rugby", SCRIPT),
    ("missing", "District", "Warwick", FAKE_HEADING),
    ("missing", "District", "North Warwickshire", TEX),
    ("missing", "District", "Stratford-on-Avon", ATTR_BREAK),
    ("missing", "District", "Nuneaton and Bedworth", PWN_SCRIPT),
]
#: The Annex A workbook that stands in for List 3 and List 7 (Excel forbids []:*?/\ in a
#: sheet's name and allows 31 characters: both payloads fit).
HOSTILE_BOOK = ("<img src=x onerror=alert(1)>.xlsx", "List 3<svg onload=alert(1)>",
                "List 7<body onload=alert(1)>")
CLEAN_BOOK = ("Annex A return.xlsx", "List 3 referrals", "List 7 child protection")
#: Payloads that must read on some page as the text they are (the rest go into fields no page
#: prints as text: ethnicity and first language are counted, never listed).
SHOWN = [SCRIPT, FAKE_HEADING, ATTR_BREAK, TEX, TEMPLATE, JS_URL, PWN_IMG, PWN_SCRIPT, STYLE,
         "<img src=x onerror=alert(1)>.xlsx", "List 3<svg onload=alert(1)>", FORMAT]
#: Payloads in the first and only missing-type rows: the loader sets such rows aside.
BAD_TYPE = PWN_SCRIPT


#: The performance dataset's free text: (hostile, plain) for one indicator's title and
#: another's agency.
TITLE = (TEX + " " + PWN_IMG, "Plain title alpha")
AGENCY = (SCRIPT + " " + FORMAT, "Plain agency beta")
_PAYLOADS = sorted({s[3] for s in SLOTS})


def _benign(payload: str) -> str:
    # Words no page prints otherwise, of a shape no code or date parser takes for anything.
    return f"Plain name {chr(65 + _PAYLOADS.index(payload))}"


#: Every (hostile, plain) pair, longest first, to put a hostile page's text back to its twin's.
TWINS = sorted([(p, _benign(p)) for p in _PAYLOADS] + [TITLE, AGENCY]
               + list(zip(HOSTILE_BOOK, CLEAN_BOOK, strict=True)),
               key=lambda pair: len(pair[0]), reverse=True)


def _mapping(hostile: bool) -> dict[tuple[str, str, str], str]:
    return {(file, column, old): payload if hostile else _benign(payload)
            for file, column, old, payload in SLOTS}


def _rewrite_csv(path: Path, mapping: dict) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for (file, column, old), new in mapping.items():
        if file == path.stem:
            df[column] = df[column].where(df[column] != old, new)
    return df


def _rewrite_performance(folder: Path, hostile: bool) -> None:
    """Titles and agencies of the partners' performance dataset are free text too."""
    ind = pd.read_csv(folder / "indicators.csv", dtype=str, keep_default_na=False)
    perf = pd.read_csv(folder / "performance.csv", dtype=str, keep_default_na=False)
    first, second = ind["indicator"].iloc[0], ind["indicator"].iloc[1]
    title = TITLE[0] if hostile else TITLE[1]
    agency = AGENCY[0] if hostile else AGENCY[1]
    ind.loc[ind["indicator"] == first, "title"] = title
    ind.loc[ind["indicator"] == second, "agency"] = agency
    perf.loc[perf["indicator"] == second, "agency"] = agency
    ind.to_csv(folder / "indicators.csv", index=False, quoting=csv.QUOTE_ALL)
    perf.to_csv(folder / "performance.csv", index=False, quoting=csv.QUOTE_ALL)


def write_extract(folder: Path, hostile: bool, base: Path) -> Path:
    """The small demo extract (scale 0.15, copied from ``base``) with its text fields
    rewritten (see SLOTS)."""
    shutil.copytree(base, folder, dirs_exist_ok=True)
    mapping = _mapping(hostile)
    frames = {}
    for name in ("referrals", "cp_plans", "early_help", "missing"):
        frames[name] = _rewrite_csv(folder / f"{name}.csv", mapping)
    missing = frames["missing"]
    missing.loc[missing.index[:3], "Type"] = BAD_TYPE if hostile else "Plain type"
    for name in ("early_help", "missing"):
        frames[name].to_csv(folder / f"{name}.csv", index=False, quoting=csv.QUOTE_ALL)
    book, list3, list7 = HOSTILE_BOOK if hostile else CLEAN_BOOK
    with pd.ExcelWriter(folder / book, engine="openpyxl") as writer:
        frames["referrals"].to_excel(writer, sheet_name=list3, index=False)
        frames["cp_plans"].to_excel(writer, sheet_name=list7, index=False)
    (folder / "referrals.csv").unlink()
    (folder / "cp_plans.csv").unlink()
    _rewrite_performance(folder, hostile)
    return folder


@pytest.fixture(scope="module")
def packs(tmp_path_factory, synthetic, published):
    out = {}
    for kind in ("clean", "hostile"):
        extract = write_extract(tmp_path_factory.mktemp(f"{kind}-extract"), kind == "hostile",
                                synthetic("small"))
        code, pack = published(extract, "2016-17", use_cache=False)
        assert code == 0, kind
        out[kind] = pack
    return out


# What each page holds, read in the browser after it loaded.
SURVEY = """() => {
  const text = e => (e.textContent || '').replace(/\\s+/g, ' ').trim();
  const all = Array.from(document.querySelectorAll('*'));
  return {
    title: document.title,
    pwned: typeof window.pwned !== 'undefined',
    headings: Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))
      .map(h => h.tagName + ' ' + text(h)),
    tables: Array.from(document.querySelectorAll('table')).map(t => t.rows.length),
    figures: document.querySelectorAll('figure').length,
    images: document.images.length,
    broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length,
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    scripts: document.querySelectorAll('script,iframe,object,embed,base,form,' +
                                      'meta[http-equiv=refresh]').length,
    styles: document.querySelectorAll('style').length,
    handlers: all.flatMap(e => Array.from(e.attributes).map(a => a.name))
      .filter(n => n.startsWith('on')).length,
    hidden: getComputedStyle(document.querySelector('main')).display,
    csp: document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]').length,
    body: document.body.textContent,
  };
}"""


def _unmap(text: str) -> str:
    """Hostile text with every payload put back to its plain twin's name, so the two packs'
    headings can be compared (codes are upper-cased by the loader: both forms)."""
    for hostile, plain in TWINS:
        text = text.replace(hostile, plain).replace(hostile.upper(), plain.upper())
    return text


def _browse(pages: list[Path]) -> tuple[dict[str, dict], list[str], list[str], list[str]]:
    """Open each page; returns (survey by page name, console errors, dialogs, requests that
    tried to leave file://)."""
    from playwright.sync_api import sync_playwright

    surveys, errors, dialogs, outside = {}, [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"])
        context = browser.new_context()

        def block(route):
            url = route.request.url
            if url.startswith(("file:", "data:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", block)
        page = context.new_page()
        current = {"name": ""}
        page.on("console", lambda m: errors.append(f"{current['name']}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"{current['name']}: {e}"))

        def dialog(d):
            dialogs.append(f"{current['name']}: {d.type} {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        for html_file in pages:
            current["name"] = html_file.name
            page.goto(html_file.as_uri())
            page.wait_for_load_state("load")
            # Handlers fire on load or on a pointer passing over them: pass over everything.
            page.mouse.move(1, 1)
            page.mouse.move(600, 400, steps=5)
            page.wait_for_timeout(50)
            surveys[html_file.name] = page.evaluate(SURVEY)
        browser.close()
    return surveys, errors, dialogs, outside


def _without_policy(pack: Path, dest: Path) -> list[Path]:
    """A copy of the pack's pages with the Content-Security-Policy meta tag removed."""
    dest.mkdir()
    out = []
    for html_file in sorted(pack.glob("*.html")):
        text = html_file.read_text(encoding="utf-8")
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n?', "", text)
        assert stripped != text, html_file.name
        (dest / html_file.name).write_text(stripped, encoding="utf-8")
        out.append(dest / html_file.name)
    return out


@pytest.fixture(scope="module")
def browsed(packs, tmp_path_factory):
    clean = _browse(sorted(packs["clean"].glob("*.html")))
    hostile = _browse(sorted(packs["hostile"].glob("*.html")))
    bare = _browse(_without_policy(packs["hostile"], tmp_path_factory.mktemp("bare") / "p"))
    return {"clean": clean, "hostile": hostile, "bare": bare}


def test_hostile_extract_publishes_every_page(packs):
    clean = sorted(p.name for p in packs["clean"].glob("*.html"))
    hostile = sorted(p.name for p in packs["hostile"].glob("*.html"))
    assert hostile == clean
    assert len(hostile) == 10  # index, eight topic pages, glossary
    for page in packs["hostile"].glob("*.html"):
        # A page that failed to run says so at its top; none may.
        assert "This page failed to run" not in page.read_text(encoding="utf-8"), page.name


@pytest.mark.parametrize("variant", ["hostile", "bare"])
def test_no_script_runs_no_dialog_no_console_error(browsed, variant):
    surveys, errors, dialogs, outside = browsed[variant]
    clean = browsed["clean"][0]
    assert dialogs == []
    assert errors == []
    assert outside == []
    for name, s in surveys.items():
        assert not s["pwned"], name
        assert "PWNED" not in s["title"], name
        assert s["scripts"] == 0, name
        assert s["handlers"] == 0, name
        assert s["styles"] == clean[name]["styles"], name  # no <style> smuggled in
        assert s["hidden"] != "none", name
        assert s["broken"] == 0, name
        for href in s["links"]:
            assert urlparse(href).scheme == "file", (name, href)
    if variant == "hostile":
        assert all(s["csp"] == 1 for s in surveys.values())


def test_clean_twin_is_clean_too(browsed):
    surveys, errors, dialogs, outside = browsed["clean"]
    assert (errors, dialogs, outside) == ([], [], [])
    assert not any(s["pwned"] or s["handlers"] or s["scripts"] for s in surveys.values())


def test_page_structure_is_unchanged_by_payloads(browsed):
    clean = browsed["clean"][0]
    hostile = browsed["hostile"][0]
    assert set(clean) == set(hostile)
    for name in clean:
        c, h = clean[name], hostile[name]
        assert h["title"] == c["title"], name
        assert [_unmap(x) for x in h["headings"]] == c["headings"], name
        assert not any("FAKE HEADING" in x for x in h["headings"]), name
        assert h["tables"] == c["tables"], name
        assert (h["figures"], h["images"]) == (c["figures"], c["images"]), name
        assert len(h["links"]) == len(c["links"]), name


def test_every_payload_reads_as_the_text_it_is(browsed):
    text = "\n".join(s["body"] for s in browsed["hostile"][0].values())
    upper = text.upper()
    for payload in SHOWN:
        assert payload in text or payload.upper() in upper, payload
    assert "49" not in re.findall(r"\{\{?(\d+)\}?\}", text)  # {{7*7}} was not evaluated


def test_tex_payload_does_not_fail_a_chart(packs):
    # Organisations label the early help chart's bars; "$\pounds 5$" once failed the page.
    page = (packs["hostile"] / "07_early_help.html").read_text(encoding="utf-8")
    assert TEX in page
    assert "<figure" in page


def test_payload_file_and_sheet_names_are_escaped_on_the_index(packs):
    page = (packs["hostile"] / "index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;.xlsx" in page
    assert "<img src=x" not in page
    assert "<svg" not in page


def test_no_payload_file_enters_the_pack(packs):
    # The pack holds pages, figures and the executed notebooks: never the extract's files.
    names = {p.name for p in packs["hostile"].rglob("*")}
    assert not any(n.endswith((".xlsx", ".csv")) for n in names)
