"""Reading a published pack for plain words (issue 17, item 6).

* :func:`forbidden_outside_notes`: return names, table codes, file names and commands in a
  board page's prose. They belong in the notes on the data: the folded "How this was worked
  out" and "About the data" notes, and the sections about the data themselves ("What this
  extract holds", "Data quality", "About this pack", a page's "About the data").
* :func:`glossary_gaps`: every term and table symbol a page uses (anywhere, notes included)
  that the pack's glossary does not define.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

#: Return names, DfE table codes, file names and commands: never in a board page's prose.
FORBIDDEN = {
    "Annex A": re.compile(r"\bAnnex A\b"),
    "an Annex A list": re.compile(r"\bList [1-9]\b"),
    "SSDA903": re.compile(r"SSDA ?903|\b903\b"),
    "CIN census": re.compile(r"\bCIN census\b", re.I),
    "a DfE table code": re.compile(r"\btable [A-F]\d\b|\b[CD]\d (?:measure|table|bands?)\b|"
                                   r"'s [CD]\d\b"),
    "process limits": re.compile(r"process limits?", re.I),
    "a command": re.compile(r"\bwscb (?:validate|publish|figures|demo|synth|fields|"
                            r"template)\b|--[a-z]+(?:-[a-z]+)+"),
    "a file name": re.compile(r"\b[\w-]+\.(?:csv|xlsx|xml|ipynb)\b"),
}
#: Sections (by their h2) that are themselves notes on the data.
ABOUT_SECTIONS = ("What this extract holds", "Data quality", "About this pack",
                  "About the data")
#: Terms a page may use, each with the glossary entry that must explain it.
TERMS = {
    r"\bAnnex A\b": "Annex A", r"SSDA ?903": "SSDA903", r"special cause": "Special cause "
    "variation", r"common cause": "Common cause variation", r"process limits?|trial limits":
    "Process limits", r"\bXmR\b": "XmR chart", r"confidence interval|Wilson|Byar":
    "Confidence interval", r"\bp-value|\bp [=<] |score test|binomial test": "p-value",
    r"funnel plot": "Funnel plot", r"inner and outer limits|outer limits|inner limits":
    "Inner and outer limits", r"\bwidened\b": "Widened limits", r"odds ratio": "Odds ratio",
    r"rate ratio": "Rate ratio", r"Poisson|quasi-binomial": "Poisson model",
    r"\bMASH\b": "MASH", r"\bNFA\b|no further action": "NFA", r"\bRHI\b|return home interview":
    "RHI", r"\bBME\b": "BME", r"ethnic minority groups": "Ethnic minority groups",
    r"statistical neighbours": "Statistical neighbours", r"\bDfE\b": "DfE",
    r"re-referral": "Re-referral", r"second or later plan": "Second or later plan",
    r"away from placement": "Away from placement", r"\babsent\b": "Absent",
    r"authority's average": "Authority's average",
    r"\bassurance\b|consistently (?:met|missed|meets|misses)|hit and miss": "Assurance",
    r"child protection plan": "Child protection (CP) plan",
}
#: Table symbols (a cell holding only the symbol), each with its glossary entry.
SYMBOLS = {"c": "c", "x": "x", "z": "z", "low": "low"}


class _Page(HTMLParser):
    """A page's text in two parts: the prose a board member reads, and everything (notes
    included), with each table cell's text apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.prose: list[str] = []
        self.all: list[str] = []
        self.cells: list[str] = []
        self._in_note = 0
        self._about = False
        self._h2: list[str] | None = None
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "details" and "method" in (a.get("class") or "").split():
            self._in_note += 1
        elif self._in_note and tag == "details":
            self._in_note += 1
        if tag == "h2":
            self._h2 = []
        if tag in ("td", "th"):
            self._cell = []
        if tag == "img" and a.get("alt"):
            self._text(a["alt"])

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        if tag == "details" and self._in_note:
            self._in_note -= 1
        if tag == "h2" and self._h2 is not None:
            heading = " ".join("".join(self._h2).split())
            self._about = heading in ABOUT_SECTIONS
            self._h2 = None
        if tag == "h1":
            self._about = False
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._h2 is not None:
            self._h2.append(data)
        if self._cell is not None:
            self._cell.append(data)
        self._text(data)

    def _text(self, data: str) -> None:
        self.all.append(data)
        if not self._in_note and not self._about:
            self.prose.append(data)


def read(path: Path) -> _Page:
    page = _Page()
    text = re.sub(r'src="data:[^"]*"', 'src=""', path.read_text(encoding="utf-8"))
    page.feed(text)
    return page


def board_pages(folder: Path, scorecard: bool = False) -> list[Path]:
    """The pack's index and topic pages (the scorecard, page 08, only when asked)."""
    pages = [folder / "index.html", *sorted(folder.glob("0[1-7]_*.html"))]
    if scorecard:
        pages += sorted(folder.glob("08_*.html"))
    return [p for p in pages if p.exists()]


def forbidden_outside_notes(folder: Path, scorecard: bool = False) -> dict[str, list[str]]:
    """Page -> the forbidden words its prose uses, each with the words around it."""
    out: dict[str, list[str]] = {}
    for path in board_pages(Path(folder), scorecard):
        prose = " ".join(" ".join(read(path).prose).split())
        hits = []
        for what, pattern in FORBIDDEN.items():
            for m in pattern.finditer(prose):
                hits.append(f"{what}: ...{prose[max(0, m.start() - 60):m.end() + 30]}...")
        if hits:
            out[path.name] = hits
    return out


def glossary_terms(folder: Path) -> set[str]:
    text = (Path(folder) / "glossary.html").read_text(encoding="utf-8")
    import html as _html

    return {_html.unescape(t).strip() for t in re.findall(r"<dt>(.*?)</dt>", text, re.S)}


def glossary_gaps(folder: Path) -> dict[str, list[str]]:
    """Page -> the glossary entries its words and symbols need that the glossary lacks."""
    have = glossary_terms(Path(folder))
    out: dict[str, list[str]] = {}
    for path in board_pages(Path(folder), scorecard=True):
        page = read(path)
        text = " ".join(" ".join(page.all).split())
        need = {entry for pattern, entry in TERMS.items() if re.search(pattern, text, re.I)}
        need |= {entry for symbol, entry in SYMBOLS.items() if symbol in set(page.cells)}
        missing = sorted(need - have)
        if missing:
            out[path.name] = missing
    return out


__all__ = ["FORBIDDEN", "TERMS", "SYMBOLS", "ABOUT_SECTIONS", "forbidden_outside_notes",
           "glossary_gaps", "glossary_terms", "board_pages", "read"]
