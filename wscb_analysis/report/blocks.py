"""What a section returns for a notebook to show: findings, method notes and blocks.

Every text is HTML-escaped here: a district, an organisation or a file name from an extract
can hold markup, and a page must never run it. Numbers a finding prints from the pack's
disclosure plan can be tagged with their plan key (``keys``), so the disclosure audit can
check the sentence against every table that shows the same figure.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

#: Words a sentence writes for a planned count it does not print (see ``common.count_words``).
HIDDEN_WORDS = ("fewer than 6", "a number not shown")


def _tagged(text: str, keys: dict[str, str] | Sequence[tuple[str, str]]) -> str:
    """Escaped text with each planned figure wrapped in a span that carries its plan key.

    ``keys`` pairs the words a figure is printed as ("1,234", "fewer than 6", "a number not
    shown") with its key, in the order the sentence says them. Each pair takes the first
    occurrence not already taken, so two figures both "fewer than 6" each get a span, and a
    printed "6" never lands inside "fewer than 6". The words of hidden figures are placed
    first for that reason. Pairs whose words the sentence does not hold are left out.
    """
    out = html.escape(text)
    pairs = list(keys.items()) if isinstance(keys, dict) else list(keys)
    taken: list[tuple[int, int, str]] = []  # (start, end, key) in ``out``

    def place(pattern: re.Pattern, key: str) -> None:
        for m in pattern.finditer(out):
            if not any(m.start() < e and s < m.end() for s, e, _ in taken):
                taken.append((m.start(), m.end(), key))
                return

    for shown, key in pairs:
        if (shown or "").lower() in HIDDEN_WORDS:
            place(re.compile(r"(?<!\w)" + re.escape(shown) + r"(?!\w)", re.I), key)
    for shown, key in pairs:
        if re.fullmatch(r"\d{1,3}(,\d{3})*", shown or ""):
            place(re.compile(r"(?<![\w,.])" + re.escape(shown) + r"(?![\w,]|\.\d)"), key)
    for start, end, key in sorted(taken, reverse=True):
        out = (f'{out[:start]}<span data-key="{html.escape(key, quote=True)}">'
               f"{out[start:end]}</span>{out[end:]}")
    return out


@dataclass
class Finding:
    """A sentence for the page, in plain words."""

    text: str
    #: Printed words -> plan key, or (words, key) pairs in the sentence's order (see
    #: :func:`_tagged`); a figure hidden as "fewer than 6" carries its key too.
    keys: dict[str, str] | list[tuple[str, str]] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        return f'<p class="finding">{_tagged(self.text, self.keys)}</p>'

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


@dataclass
class RowsFinding(Finding):
    """A sentence about rows of the files, not children: its small numbers are shown."""

    def _repr_html_(self) -> str:
        return f'<p class="finding" data-counts="rows">{html.escape(self.text)}</p>'


@dataclass
class Note:
    """A plain note under a finding (what the data does not hold, a caveat)."""

    text: str

    def _repr_html_(self) -> str:
        return f'<p class="note">{html.escape(self.text)}</p>'

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


@dataclass
class MethodNote:
    """The "How this was worked out" note: method terms, folded away for readers who want
    them."""

    texts: list[str]

    def _repr_html_(self) -> str:
        kept = list(dict.fromkeys(t.strip() for t in self.texts if t and t.strip()))
        if not kept:
            return ""
        body = " ".join(html.escape(t) for t in kept)
        return ('<details class="method"><summary>How this was worked out</summary>'
                f'<p>{body} <a href="glossary.html">Glossary</a>.</p></details>')

    def __str__(self) -> str:
        return " ".join(dict.fromkeys(t.strip() for t in self.texts if t and t.strip()))

    __repr__ = __str__


@dataclass
class DataNote(MethodNote):
    """The "About the data" note: which files and returns the page's figures come from
    (return names, file names), folded away like the method note, so a board page's prose
    names no return."""

    def _repr_html_(self) -> str:
        kept = list(dict.fromkeys(t.strip() for t in self.texts if t and t.strip()))
        if not kept:
            return ""
        body = " ".join(html.escape(t) for t in kept)
        return ('<details class="method"><summary>About the data</summary>'
                f'<p>{body} <a href="glossary.html">Glossary</a>.</p></details>')


@dataclass
class Block:
    """A section: an optional heading and introduction, then findings, charts and tables.
    A block with nothing in it shows nothing (a section whose source is absent)."""

    items: list = field(default_factory=list)
    heading: str | None = None
    intro: str | None = None
    #: Data for the publishing run, never shown: it travels in the output's metadata under
    #: "wscb", so the run reads what the kernel worked out rather than working it out again.
    meta: dict | None = None

    def _repr_mimebundle_(self, include=None, exclude=None):
        # Only the metadata: IPython's own formatters add the HTML and plain text.
        return ({}, {"wscb": self.meta}) if self.meta else None

    def _repr_html_(self) -> str:
        parts = []
        if self.heading and (self.items or self.intro):
            parts.append(f"<h2>{html.escape(self.heading)}</h2>")
        if self.intro:
            parts.append(f'<p class="intro">{html.escape(self.intro)}</p>')
        for item in self.items:
            if item is None:
                continue
            parts.append(item._repr_html_() if hasattr(item, "_repr_html_")
                         else f"<p>{html.escape(str(item))}</p>")
        return "\n".join(p for p in parts if p)

    def findings(self) -> list[str]:
        return [i.text for i in self.items if isinstance(i, Finding | Note)]

    def texts(self) -> str:
        """Every sentence of the block, for tests and for reading in a terminal."""
        out = [self.heading or "", self.intro or ""]
        for i in self.items:
            if isinstance(i, Finding | Note | MethodNote):
                out.append(str(i))
            elif hasattr(i, "title"):
                out.append(str(i.title))
        return "\n".join(t for t in out if t)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __repr__(self) -> str:
        # The plain-text form a notebook keeps beside the HTML (and a pack carries in its
        # executed notebooks): a label only, so no figure is said twice in two forms.
        return f"[{self.heading or 'section'}: shown as HTML]" if self.items else "[nothing]"


__all__ = ["Finding", "RowsFinding", "Note", "MethodNote", "DataNote", "Block"]
