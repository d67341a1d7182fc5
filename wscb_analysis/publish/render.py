"""Executed notebooks -> self-contained HTML pages for readers.

nbconvert's ``basic`` template gives the body only (no require.js or MathJax from a CDN); this
module wraps it in one page shell with ``lang``, a ``<title>``, inline styles, a banner when
the extract is synthetic, and a footer with period, run date, package version and git commit.
Code, prompts, stderr and tracebacks are removed; cells tagged ``remove-cell`` go entirely and
``remove-input`` keep only their output. Charts carry their own ``<figure>`` with alt text, so
nbconvert's "No description has been provided" placeholder never appears.
"""

from __future__ import annotations

import html
import re

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from traitlets.config import Config

STYLE = """
:root { --ink:#0b0c0c; --blue:#12436D; --teal:#28A197; --grey:#505a5f; --line:#b1b4b6; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; color: var(--ink); margin: 0;
  line-height: 1.5; background: #fff; }
header.site { background: var(--blue); color: #fff; padding: 0.8rem 1.5rem; }
header.site a { color: #fff; font-weight: bold; }
.banner { background: #F46A25; color: #0b0c0c; padding: 0.6rem 1.5rem; font-weight: bold;
  border-bottom: 3px solid #0b0c0c; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
h1 { font-size: 2rem; margin: 1rem 0 0.5rem; }
h2 { font-size: 1.5rem; margin-top: 2rem; border-top: 1px solid var(--line);
  padding-top: 1rem; }
p.finding { font-size: 1.1rem; border-left: 5px solid var(--teal); padding-left: 0.8rem; }
figure.wscb-chart { margin: 1rem 0; }
figure.wscb-chart img { max-width: 100%; height: auto; }
figcaption span { display: block; }
.chart-title { font-weight: bold; font-size: 1.15rem; }
.chart-subtitle { color: var(--grey); }
.chart-source { color: var(--grey); font-size: 0.85rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.95rem; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: right;
  vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
details.wscb-data summary { cursor: pointer; color: var(--blue); text-decoration: underline; }
footer { border-top: 1px solid var(--line); color: var(--grey); font-size: 0.85rem;
  padding: 1rem 1.5rem; max-width: 60rem; margin: 0 auto; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr));
  gap: 1rem; }
.tile { border: 1px solid var(--line); border-top: 5px solid var(--blue); padding: 0.8rem; }
.tile .value { font-size: 2rem; font-weight: bold; }
.tile .verdict { font-weight: bold; }
nav.pages ul { padding-left: 1.2rem; }
header.site a.glossary { float: right; font-weight: normal; }
p.note { color: var(--grey); }
p.intro { font-size: 1.05rem; }
details.method { margin: 0.5rem 0 1.5rem; color: var(--grey); font-size: 0.95rem; }
details.method summary { cursor: pointer; color: var(--blue); text-decoration: underline; }
.table-scroll { overflow-x: auto; max-width: 100%; }
.table-scroll:focus { outline: 3px solid #fd0; }
/* A wide table scrolls in its box; its caption stays in view and wraps to the screen. */
.table-scroll caption { position: sticky; left: 0; max-width: calc(100vw - 3rem); }
td.text, th.text { text-align: left; }
.tile .direction { color: var(--grey); font-size: 0.9rem; }
dl.glossary dt { font-weight: bold; margin-top: 0.8rem; }
dl.glossary dd { margin-left: 0; }
@media (max-width: 40rem) {
  main, footer { padding-left: 0.8rem; padding-right: 0.8rem; }
  .table-scroll caption { max-width: calc(100vw - 1.6rem); }
  h1 { font-size: 1.5rem; }
  header.site a.glossary { float: none; display: block; }
}
"""

#: The pages run no script and load nothing from elsewhere: a policy that forbids both, so
#: markup smuggled in through an extract could not run even if it escaped the escaping.
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
       "form-action 'none'")


def synthetic_banner(authority: str) -> str:
    return ("Synthetic data: this pack was made from a generated demo extract. No real child "
            f"is described and no figure is {authority}'s own.")


class DropStderrAndErrors(Preprocessor):
    """Remove stderr streams and error outputs (tracebacks) from every cell."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                            and o.get("output_type") != "error"]
        return cell, resources


_EXPORTER: HTMLExporter | None = None


def _exporter() -> HTMLExporter:
    """One configured exporter per process (building one loads its templates)."""
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = _new_exporter()
    return _EXPORTER


def _new_exporter() -> HTMLExporter:
    c = Config()
    c.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "parameters",
                                                "injected-parameters"}
    c.TagRemovePreprocessor.remove_input_tags = {"remove-input"}
    c.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=c, template_name="basic")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(config=c), enabled=True)
    exporter.register_preprocessor(DropStderrAndErrors(), enabled=True)
    return exporter


def page(title: str, body: str, *, synthetic: bool, footer: str, authority: str = "",
         partnership: str = "Safeguarding children partnership") -> str:
    """The shared page shell: ``lang``, ``<title>``, a Content-Security-Policy that forbids
    scripts and remote loads, a header linking the index and the glossary, the synthetic
    banner, and a footer (``footer`` is HTML the caller escaped)."""
    banner = (f'<div class="banner">{html.escape(synthetic_banner(authority or "the authority"))}'
              "</div>" if synthetic else "")
    return (
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<header class="site"><a href="index.html">{html.escape(partnership)}: board pack</a>'
        ' <a class="glossary" href="glossary.html">Glossary</a></header>\n'
        # The banner sits in a labelled region so every part of the page is in a landmark.
        + (f'<section aria-label="About the data">{banner}</section>\n' if banner else "")
        + f"<main>\n{body}\n</main>\n"
        f"<footer>{footer}</footer>\n</body>\n</html>\n")


def notebook_body(nb: nbformat.NotebookNode) -> tuple[str, str]:
    """(title, body HTML) of an executed notebook, without code, prompts or stderr."""
    exporter = _exporter()
    body, _ = exporter.from_notebook_node(nb)
    match = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    title = re.sub(r"<[^>]+>", "", match.group(1)).replace("¶", "").strip() if match else "Page"
    # nbconvert adds anchor links ("¶") to headings; readers do not need them.
    body = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", body)
    return title, body
