"""Run a page's sections the way its notebook does, and read what the page would say.

``PAGES`` mirrors the code cells of notebooks/01_overview.ipynb ... 07_early_help.ipynb
(coverage note first, with the fields each notebook passes). ``page_text`` returns every word
a reader sees: headings, findings, notes, chart titles, subtitles and alt text, table captions,
headings and cells (the base64 image data left out).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from wscb_analysis import report as r

PAGES: dict[str, list[tuple]] = {
    "01": [("extract_summary",), ("headline",), ("local_context_table",), ("data_quality",)],
    "02": [("coverage_note", ("referrals",),
            {"fields": {"referrals": ("district", "nfa", "referral_source")}}),
           ("rereferral_headline",), ("front_door_note",), ("rereferrals_by_quarter",),
           ("rereferral_trend",), ("rereferrals_against_comparators",),
           ("funnel_all_authorities", ("rereferral_rate", "re-referral rate")),
           ("referrals_xmr",), ("rereferrals_by_group", ("district", "district")),
           ("rereferrals_by_group", ("referral_source", "referral source"))],
    "03": [("coverage_note", ("cp_plans",),
            {"fields": {"cp_plans": ("previous_plans", "initial_category")}}),
           ("repeat_plans_headline",), ("repeat_plans_by_category",), ("cp_trend",),
           ("repeat_plans_funnel",)],
    "04": [("coverage_note", ("cp_plans",), {"fields": {"cp_plans": ("end_date", "district")}}),
           ("duration_bands",), ("two_year_plans",), ("duration_funnel",)],
    "05": [("coverage_note", ("missing",),
            {"fields": {"missing": ("rhi_offered", "rhi_accepted", "looked_after",
                                    "district")}}),
           ("missing_headline",), ("missing_monthly",), ("missing_by_group",), ("missing_xmr",),
           ("missing_trend_and_target",), ("missing_by_district",),
           ("missing_looked_after_against_dfe",)],
    "06": [("coverage_note", ("referrals",),
            {"fields": {"referrals": ("ethnicity", "first_language", "religion")}}),
           ("diversity_headline",), ("diversity_by_quarter",), ("diversity_by_source",),
           ("bme_share",)],
    "07": [("coverage_note", ("early_help",),
            {"fields": {"early_help": ("lead_professional_agency",)}}),
           ("early_help_by_agency",), ("early_help_findings",)],
}


def notebook_calls() -> dict[str, list[str]]:
    """The section calls each notebook makes (to check ``PAGES`` has not drifted)."""
    import json

    from wscb_analysis import config

    out = {}
    for path in sorted(Path(config.NOTEBOOKS_DIR).glob("0[1-7]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        out[path.name[:2]] = re.findall(r"\br\.(\w+)\(ctx", code)
    return out


class _Text(HTMLParser):
    BREAKS = {"p", "h1", "h2", "h3", "caption", "li", "summary", "figcaption", "tr", "div",
              "figure", "details", "th", "td"}

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.buf: list[str] = []

    def _flush(self) -> None:
        text = " ".join("".join(self.buf).split())
        if text:
            self.lines.append(text)
        self.buf = []

    def handle_starttag(self, tag, attrs):
        # A chart's title and subtitle are spans of their own; a number's span (its plan
        # key) is inside a sentence.
        if tag in self.BREAKS or (tag == "span" and "chart-" in (dict(attrs).get("class")
                                                                   or "")):
            self._flush()
        if tag == "img":
            self._flush()
            alt = dict(attrs).get("alt")
            if alt:
                self.lines.append(alt)

    def handle_endtag(self, tag):
        if tag in self.BREAKS:
            self._flush()

    def handle_data(self, data):
        self.buf.append(data)


def html_lines(html: str) -> list[str]:
    """Every piece of text a reader sees in some HTML, one line per element."""
    p = _Text()
    p.feed(html)
    p._flush()
    return p.lines


def sections(ctx, page: str) -> list:
    """The page's blocks, in the notebook's order."""
    out = []
    for call in PAGES[page]:
        name, args = call[0], (call[1] if len(call) > 1 else ())
        kwargs = call[2] if len(call) > 2 else {}
        out.append(getattr(r, name)(ctx, *args, **kwargs))
    return out


def page_html(ctx, page: str) -> str:
    return "\n".join(b._repr_html_() for b in sections(ctx, page))


def page_text(ctx, page: str) -> str:
    """Every line of a page as a reader sees it."""
    return "\n".join(html_lines(page_html(ctx, page)))


def prose_text(ctx, page: str) -> str:
    """The page's words outside its "How this was worked out" notes and data tables: what a
    board member reads as the page's findings."""
    html = re.sub(r'<details class="method">.*?</details>', "", page_html(ctx, page),
                  flags=re.S)
    html = re.sub(r"<table.*?</table>", "", html, flags=re.S)
    return "\n".join(html_lines(html))


def pack_text(ctx) -> dict[str, str]:
    return {page: page_text(ctx, page) for page in PAGES}


#: Things no page may say of any extract: a zero standing for a figure the data do not hold,
#: a rise from nothing, a share of nothing, a number that is not one.
NEVER = [
    re.compile(r"\b0 of 0\b"), re.compile(r"rose from 0 "), re.compile(r"\bfrom 0 in\b"),
    re.compile(r"\bnan\b", re.I), re.compile(r"\bNone\b(?= *[.,;)])"),
    re.compile(r"\binf\b"),
    re.compile(r"\bx, 0 of\b"),
]


def never_said(text: str) -> list[str]:
    """The lines of ``text`` that break a rule of :data:`NEVER`."""
    return [line for line in text.splitlines() if any(p.search(line) for p in NEVER)]
