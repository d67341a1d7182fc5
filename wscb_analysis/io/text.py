"""Text that reads otherwise than it is: invisible characters in an extract's text fields.

Bidirectional controls (U+202A-U+202E, U+2066-U+2069, the marks U+200E/U+200F) reorder what a
reader sees ("Rugby" followed by a right-to-left override shows the rest reversed); zero-width
characters (U+200B-U+200D, U+2060, U+FEFF) and other format characters (Unicode category Cf)
make two names that look the same count as two districts, or hide text inside a name; control
characters (C0, C1) have no business in a name. In the text and coded fields of an extract
(districts, organisations, referral sources, categories, languages, religions) they are
removed when the field is read, and the data-quality report says which rows held them.
Line and tab characters inside a value become a space. A message that must quote such text
(a header, a value set aside) shows each one as ``<U+202E>`` instead (:func:`visible`).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Removed: format characters (Cf: bidi controls, zero-width characters, soft hyphen, BOM,
#: tag characters) and control characters other than the spacing ones below (RE2 syntax).
_REMOVED = r"[\p{Cf}\x00-\x08\x0e-\x1f\x7f-\x9f]"
#: Read as a space: tab, line feed, vertical tab, form feed, carriage return, the Unicode
#: line and paragraph separators.
_SPACING = r"[\t\n\x0b\x0c\r\p{Zl}\p{Zp}]+"
_ANY = r"[\p{Cf}\p{Cc}\p{Zl}\p{Zp}]"


def clean_column(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """``text`` with invisible characters removed (spacing ones read as one space, then the
    value trimmed), and the indices of the values that held any. Most columns hold none:
    that is seen from the bytes alone (every such character is a control byte or starts with
    a byte of 0x7F or more), with no copy."""
    if not _any_unusual_byte(text):
        return text, np.array([], dtype=np.int64)
    found = pc.fill_null(pc.match_substring_regex(text, _ANY), False)
    if not pc.any(found).as_py():
        return text, np.array([], dtype=np.int64)
    idx = np.flatnonzero(found.to_numpy(zero_copy_only=False))
    cleaned = pc.replace_substring_regex(text, _SPACING, " ")
    cleaned = pc.replace_substring_regex(cleaned, _REMOVED, "")
    cleaned = pc.ascii_trim_whitespace(cleaned)
    return cleaned, idx


def _any_unusual_byte(text: pa.Array) -> bool:
    """False only when every byte of a string column is printable ASCII."""
    if text.type != pa.string() or len(text) == 0:
        return True
    data_buf = text.buffers()[2]
    if data_buf is None:
        return False
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)
    data = np.frombuffer(data_buf, dtype=np.uint8)[
        offsets[text.offset]:offsets[text.offset + len(text)]]
    return bool(((data < 0x20) | (data >= 0x7F)).any())


def characters_in(values: list[str | None]) -> list[str]:
    """The invisible characters found in ``values``, named ("U+202E RIGHT-TO-LEFT OVERRIDE"),
    commonest first."""
    counts: dict[str, int] = {}
    for v in values:
        for ch in v or "":
            if _is_invisible(ch):
                counts[ch] = counts.get(ch, 0) + 1
    return [_name(ch) for ch, _ in sorted(counts.items(), key=lambda kv: -kv[1])]


def _is_invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp")


def _name(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'CONTROL CHARACTER')}"


def visible(text: str) -> str:
    """``text`` with each invisible character shown as ``<U+202E>``, for messages and the
    quality report, so what is printed reads as what the file holds."""
    return "".join(f"<U+{ord(ch):04X}>" if _is_invisible(ch) else ch for ch in str(text))


def has_invisible(text: str) -> bool:
    return any(_is_invisible(ch) for ch in str(text))


__all__ = ["clean_column", "characters_in", "visible", "has_invisible"]
