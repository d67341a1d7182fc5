"""A synthetic pack in a real browser: Debian's Chromium driven by Playwright, network blocked.

Every page loads from file:// without console errors, every image decodes, every link
resolves, and axe-core (axe-playwright-python, which ships axe's script) finds no
accessibility violation. Runs wherever /usr/bin/chromium exists (.ci/run installs it);
elsewhere it skips and says why.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists()
                                        else None)
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Axe = pytest.importorskip("axe_playwright_python.sync_playwright",
                          reason="axe-playwright-python is not installed").Axe
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def pack(published):
    code, out = published("medium", "2016-17")
    assert code == 0
    return out


def test_pages_load_offline_without_errors(pack):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"])
        context = browser.new_context()
        outside = []

        def block(route):
            url = route.request.url
            if url.startswith(("file:", "data:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", block)
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        pages = sorted(pack.glob("*.html"))
        assert len(pages) == 10  # index, eight topic pages and the glossary
        for html_file in pages:
            page.goto(html_file.as_uri())
            page.wait_for_load_state("load")
            broken = page.evaluate(
                "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                ".length")
            assert broken == 0, html_file.name
            violations = Axe().run(page).response["violations"]
            assert [(v["id"], v["impact"]) for v in violations] == [], html_file.name
            for href in page.evaluate(
                    "Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
                target = urlparse(href)
                assert target.scheme == "file", (html_file.name, href)
                assert Path(target.path).exists(), (html_file.name, href)
        browser.close()
    assert errors == []
    assert outside == []
