"""The leak guard: nothing that identifies a child leaves in a pack.

Before a pack is moved into place every page is scanned for the extract's child ids and dates
of birth (in the forms a page could show them) and for unsuppressed counts from 1 to 5 in
table cells. Any hit fails the run, naming the page and what was found (never the value
itself, which would put it in the log).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from ..io.load import Extract


@dataclass
class Leak:
    page: str
    kind: str
    where: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind} ({self.where})"


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.in_cell = False
        self.cells: list[str] = []
        self.text: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            # Tables of rows of the files, or of figures others published (DfE, ONS), hold
            # no counts about children (data-counts="rows" / "published" / "none").
            kind = dict(attrs).get("data-counts", "children")
            self.skip = kind != "children"
        if tag in ("td",) and not getattr(self, "skip", False):
            self.in_cell = True
            self.current = []
        for name, value in attrs:  # alt text and other attributes are on the page too
            if name in ("alt", "title", "aria-label") and value:
                self.text.append(value)

    def handle_endtag(self, tag):
        if tag == "td" and self.in_cell:
            self.cells.append("".join(self.current).strip())
            self.in_cell = False

    def handle_data(self, data):
        self.text.append(data)
        if self.in_cell:
            self.current.append(data)


def identifiers(extract: Extract) -> tuple[set[str], set[str]]:
    """Child ids and date-of-birth strings (dd/mm/yyyy and ISO) from every source."""
    ids: set[str] = set()
    dobs: set[str] = set()
    for name in extract.sources:
        df = extract[name]
        if len(df):
            ids.update(str(v) for v in pd.unique(df["child_id"]) if str(v).strip())
            if "dob" in df:
                d = pd.to_datetime(df["dob"]).dropna().dt.normalize().unique()
                for ts in pd.DatetimeIndex(d):
                    dobs.add(ts.strftime("%d/%m/%Y"))
                    dobs.add(ts.strftime("%Y-%m-%d"))
    return ids, dobs


_TOKEN = re.compile(r"[A-Za-z0-9]+")
_DATE = re.compile(r"\b(\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2})\b")
_SMALL = re.compile(r"^[1-5]$")


def scan_page(path: Path, ids: set[str], dobs: set[str], allowed_dates: set[str]) -> list[Leak]:
    parser = _Cells()
    text = path.read_text(encoding="utf-8")
    # Embedded images are bytes, not words: leave them out of the token scan.
    parser.feed(re.sub(r'src="data:image/[^"]+"', 'src=""', text))
    words = " ".join(parser.text)
    leaks = []
    found = {t for t in _TOKEN.findall(words) if t in ids}
    if found:
        leaks.append(Leak(path.name, "child identifier", f"{len(found)} distinct id(s)"))
    dates = {d for d in _DATE.findall(words) if d in dobs and d not in allowed_dates}
    if dates:
        leaks.append(Leak(path.name, "date of birth", f"{len(dates)} date(s)"))
    small = [i for i, c in enumerate(parser.cells) if _SMALL.match(c.replace(",", ""))]
    if small:
        leaks.append(Leak(path.name, "unsuppressed count from 1 to 5",
                          f"{len(small)} table cell(s), first at cell {small[0] + 1}"))
    return leaks


def scan_pack(folder: Path, extract: Extract, allowed_dates: set[str] = frozenset()
              ) -> list[Leak]:
    """Scan every HTML page in ``folder``; ``allowed_dates`` are the pack's own dates (period
    start and end, run date), which may coincide with a birthday without identifying anyone."""
    ids, dobs = identifiers(extract)
    leaks: list[Leak] = []
    for page in sorted(folder.glob("*.html")):
        leaks.extend(scan_page(page, ids, dobs, set(allowed_dates)))
    return leaks


__all__ = ["Leak", "scan_pack", "scan_page", "identifiers"]
