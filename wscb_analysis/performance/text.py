"""Partners' text as the suite reads it: invisible characters out, ids that cannot pass for
another's.

Indicator names, titles, agencies, priorities and notes come from partners' files and are
shown to the board. Characters that change how text is laid out without being seen (the
Unicode "format" characters: right-to-left and other direction overrides such as U+202E,
zero-width spaces and joiners, the byte-order mark) and control characters are removed where
the text is read, and each removal is reported with the row and column (the characters named,
so the analyst sees what was there). A line or paragraph separator reads as a space.

An indicator id is a key: the performance rows find their catalogue entry by it. An id holding
an invisible character, or any character outside plain ASCII (a Cyrillic "а" looks like a
Latin "a"; a full-width "ｒ" like an "r"), could pass for another indicator's id, so such a
row is set aside with the character named, never cleaned into a match.
"""

from __future__ import annotations

import unicodedata

#: Read as a space (they break a line where a board page would not).
_SPACES = {"\u2028", "\u2029", "\t", "\n", "\r", "\x0b", "\x0c", "\x85"}


def _hidden(ch: str) -> bool:
    """A character with no visible form that can change how text reads: a format character
    (bidi controls, zero-width characters, the byte-order mark, soft hyphen) or a control."""
    return ch not in _SPACES and unicodedata.category(ch) in ("Cf", "Cc")


def code_point(ch: str) -> str:
    """"U+202E RIGHT-TO-LEFT OVERRIDE"."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def visible(text: str) -> str:
    """``text`` with each hidden character shown as ``<U+202E>``: for a message that quotes
    what a partner wrote."""
    return "".join(f"<U+{ord(ch):04X}>" if _hidden(ch) else ch for ch in text)


def clean(text: str) -> tuple[str, list[str]]:
    """(``text`` without hidden characters, line breaks as spaces, trimmed; the code points of
    the characters removed, each once)."""
    removed: dict[str, None] = {}
    out = []
    for ch in text:
        if ch in _SPACES:
            out.append(" ")
        elif _hidden(ch):
            removed[code_point(ch)] = None
        else:
            out.append(ch)
    return "".join(out).strip(), list(removed)


def key_problem(ident: str) -> str | None:
    """Why ``ident`` cannot be an indicator id (None when it can): it holds a hidden
    character, or one outside plain ASCII that could look like another."""
    hidden = [ch for ch in ident if _hidden(ch)]
    if hidden:
        return (f"indicator id '{visible(ident)}' holds an invisible character "
                f"({', '.join(dict.fromkeys(code_point(c) for c in hidden))}) that can make "
                "it look like another id: type the id again")
    odd = [ch for ch in ident if ord(ch) > 126]
    if odd:
        return (f"indicator id '{ident}' holds a character that is not a plain letter, digit "
                f"or sign ({', '.join(dict.fromkeys(code_point(c) for c in odd))}), which can "
                "look like another id's: use plain letters and digits")
    return None


__all__ = ["clean", "code_point", "key_problem", "visible"]
