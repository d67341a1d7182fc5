"""What the disclosure audit reads from a finished pack: its pages' tables, charts, sentences
and keyed numbers, and figures.json. Nothing here decides what is a leak (:mod:`.audit`).

A page is read as an attacker would read it, with the pack's own markers where it has them:
``data-key`` (the disclosure-plan figure behind a table cell or a number in a sentence),
``data-num``/``data-den`` (the counts a share or rate is built from), ``data-counts`` (what a
table's counts are of: children, rows of files, or figures others published) and
``data-sum-of`` (a column that is the sum of named columns).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

#: A number as pages print it: 1,234 / 12 / 4.8 / 32.8% (group 1 whole, 2 decimals, 3 "%").
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)")
#: Words before a number that make it a bound, not a value ("fewer than 6").
BOUND_WORDS = re.compile(r"(fewer|less|more|greater|other)\s+than\s*$|(at\s+(least|most)|"
                         r"up\s+to|over|under|below|above|about|around|nearly|almost)\s*$",
                         re.I)
SMALL_WORDS = "fewer than 6"


def count(text: str) -> float | None:
    """A whole count as printed ("1,234" -> 1234.0), else None."""
    t = text.strip().replace(",", "")
    return float(t) if re.fullmatch(r"\d+", t) else None


def is_total(text: str) -> bool:
    t = text.strip().lower()
    return t == "total" or t.startswith("all ") or t == "all"


@dataclass
class Cell:
    text: str
    attrs: dict


@dataclass
class Table:
    page: str
    caption: str = ""
    kind: str = "children"
    rows: list[list[Cell]] = field(default_factory=list)
    #: Per row, what its counts are of where it differs from the table's (``data-counts``).
    row_kinds: list[str] = field(default_factory=list)

    def header(self) -> list[str]:
        return [c.text for c in self.rows[0]] if self.rows else []

    def body(self) -> list[list[Cell]]:
        """Rows about children (rows of files or published figures left out)."""
        return [r for r, k in zip(self.rows[1:], self.row_kinds[1:], strict=True)
                if k in ("", "children")]

    def shown_texts(self) -> set[str]:
        return {c.text for row in self.rows[1:] for c in row} | \
            {c.text.replace(",", "") for row in self.rows[1:] for c in row}


@dataclass
class Figure:
    page: str
    alt: str = ""
    title: str = ""
    constants: str = ""
    table: Table | None = None


@dataclass
class Sentence:
    """A finding: its text with keyed numbers cut out, and whether it is about rows of files."""

    page: str
    text: str = ""
    rows: bool = False


class PageReader(HTMLParser):
    """One page's tables (with their cells' attributes), charts, findings and keyed spans."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.tables: list[Table] = []
        self.figures: list[Figure] = []
        self.spans: list[tuple[str, str]] = []
        self.sentences: list[Sentence] = []
        self._table: Table | None = None
        self._cell: list[str] | None = None
        self._cell_attrs: dict = {}
        self._row: list[Cell] | None = None
        self._row_kind = ""
        self._caption = False
        self._span: str | None = None
        self._span_text: list[str] = []
        self._figure: Figure | None = None
        self._title = False
        self._last_figure: Figure | None = None
        self._sentence: Sentence | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure":
            self._figure = Figure(self.page, constants=a.get("data-constants") or "")
        elif tag == "img" and self._figure is not None:
            self._figure.alt = a.get("alt") or ""
        elif tag == "span" and "chart-title" in (a.get("class") or "") and self._figure:
            self._title = True
        elif tag == "table":
            self._table = Table(self.page, kind=a.get("data-counts") or "children")
        elif tag == "caption" and self._table is not None:
            self._caption = True
        elif tag == "tr" and self._table is not None:
            self._row, self._row_kind = [], a.get("data-counts") or ""
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._cell_attrs = [], a
        elif tag == "p" and "finding" in (a.get("class") or "").split():
            self._sentence = Sentence(self.page, rows=a.get("data-counts") == "rows")
        elif tag == "span" and a.get("data-key") and self._table is None:
            self._span, self._span_text = a["data-key"], []

    def handle_endtag(self, tag):
        if tag == "figure" and self._figure is not None:
            self.figures.append(self._figure)
            self._last_figure, self._figure = self._figure, None
        elif tag == "span" and self._title:
            self._title = False
        elif tag == "caption":
            self._caption = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(Cell("".join(self._cell).strip(), self._cell_attrs))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self._table.rows.append(self._row)
            self._table.row_kinds.append(self._row_kind)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            # A chart's data table follows its figure, inside the same section.
            if self._last_figure is not None and self._last_figure.table is None:
                self._last_figure.table = self._table
                self._last_figure = None
            self._table = None
        elif tag == "span" and self._span is not None:
            self.spans.append((self._span, "".join(self._span_text).strip()))
            if self._sentence is not None:
                self._sentence.text += " [keyed] "  # its number is checked by its key
            self._span = None
        elif tag == "p" and self._sentence is not None:
            self.sentences.append(self._sentence)
            self._sentence = None

    def handle_data(self, data):
        if self._title and self._figure is not None:
            self._figure.title += data
        if self._caption and self._table is not None:
            self._table.caption += data
        if self._cell is not None:
            self._cell.append(data)
        if self._span is not None:
            self._span_text.append(data)
        elif self._sentence is not None:
            self._sentence.text += data


@dataclass
class Pack:
    pages: dict[str, PageReader]
    figures: dict | None


def read_pack(folder: Path | str) -> Pack:
    """Every page (``*.html``) of a pack folder, and its figures.json (None when absent)."""
    folder = Path(folder)
    pages: dict[str, PageReader] = {}
    for path in sorted(folder.glob("*.html")):
        reader = PageReader(path.name)
        # Charts' base64 images are most of a page's bytes and hold nothing to read.
        reader.feed(re.sub(r'src="data:image/[^"]+"', 'src=""',
                           path.read_text(encoding="utf-8")))
        reader.close()
        pages[path.name] = reader
    fj = folder / "figures.json"
    figures = json.loads(fj.read_text(encoding="utf-8")) if fj.exists() else None
    return Pack(pages, figures)


__all__ = ["NUMBER", "BOUND_WORDS", "SMALL_WORDS", "Cell", "Table", "Figure", "Sentence",
           "PageReader", "Pack", "read_pack", "count", "is_total"]
