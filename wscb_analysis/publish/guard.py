"""The leak guard: nothing that identifies a child, and no count from 1 to 5, leaves in a pack.

Before a pack is moved into place :func:`scan_pack` reads every file in it (pages, their
attributes and comments, ``figures.json``, ``manifest.json``, ``run.log``, the executed
notebooks' sources and outputs, any other text file, and any text these embed as a ``data:``
URI, such as an SVG image or an HTML frame, in any form a browser reads) and reports each hit
as a :class:`Leak` naming the file, the kind and where (tag, attribute, line, JSON key), never
the value.

Child ids (see :class:`Identifiers`) are compared upper-cased, with and without separators
(``-`` ``_``), letter prefixes and leading zeros:

* a digit run on the page, leading zeros dropped, that equals an id's digits (``131096`` in
  ``ID131096``, ``WCC-131096``, ``0131096``, ``child-131096.html``) when those digits have at
  least :data:`MIN_DIGITS` significant digits; a group of a compound id counts on its own when
  it is that long (``876570`` of ``876570_867``);
* a token of letters and digits joined by ``-`` or ``_`` that equals a lettered or compound id
  once separators are dropped (``574-111``, ``wcc131096``);
* shorter numeric ids (3-4 digits) only behind an id word (``ID 0574``, ``child-574``): alone
  they cannot be told from counts; ids shorter than 3 characters are not matched.

Hashes (16+ hex digits), the commit, generated ids (``cell-id=``, pandas Styler ``T_xxxxx``),
CSS colours, embedded pictures (PNG, JPEG...) and decimal fractions are not ids and are
skipped.

A date of birth is found in every common form: 8/11/2015, 08-11-2015, 8.11.2015, 08/11/15,
2015-11-08, 20151108, 8 Nov 2015, 8th November 2015, 08-Nov-2015, November 8, 2015, a
timestamp at midnight, ``date(2015, 11, 8)``. Day first: a month-first 11/8/2015 is read as
11 August. Timestamps with a time of day (run and execution times) are not dates of birth. The
pack's own dates (``allowed_dates``, in any of these forms) are allowed.

A count from 1 to 5 (``3``, ``03``, ``3.0``, `` 3 ``, ``3*``) is a leak when it is the whole
text of an element (``<td>``, ``<th>``, a tile's ``<div>``...), except a row number (a row
heading equal to its row's position) and a decimal under a rate, mean or share heading, or an
integer under a rank, age or year heading. In running text (and attributes, comments,
notebook text and run.log) it is a leak next to a counted noun: "3 children", "2 re-referrals",
"five episodes", "4 child protection plans", "3 of 496 plans", "children: 3", or as a chart
label's value ("Physical abuse 3;"). Not counts: units of time ("2 years", "3 months or
less"), bounds ("fewer than 6", "2 or more", "1 to 5"), numbering ("Q3", "page 2 of 7",
"List 3", "Key Stage 2"), percentages and rates ("2.5 per 10,000"), statistics and estimates
("p = 1.00", "about 2", "On the current trend: 2"), a printed DataFrame's row numbers. In
``figures.json`` every number from 1 to 5 is a count unless its key names a rate, share,
ratio, limit or year (``*_rate`` are fractions); ``manifest.json`` holds no figures.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import accumulate, count
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from ..io.load import Extract
from .install import BUILD_NAME, BUILDS

ID_KIND = "child identifier"
DOB_KIND = "date of birth"
COUNT_KIND = "unsuppressed count from 1 to 5"
#: An id's digits are matched on their own (inside any token) only from this many significant
#: digits: shorter digit strings are everyday numbers (years, counts, row numbers).
MIN_DIGITS = 5
#: Words that may stand before a short numeric id ("ID 574", "child-0574", "ref574").
ID_WORDS = frozenset({"ID", "CHILD", "CHILDID", "CID", "UID", "PID", "REF", "CASE", "PERSON",
                      "PERSONID", "UPN", "UCI", "LAC", "CIN", "NO", "NUM", "NUMBER"})


@dataclass
class Leak:
    """One kind of leak in one file of a pack: ``page`` is the file's path inside the pack,
    ``where`` the first three places (tag, attribute, line, JSON key) and how many more."""

    page: str
    kind: str
    where: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind} ({self.where})"


@dataclass(frozen=True)
class Identifiers:
    """The extract's child ids and dates of birth in the normalised forms the guard compares.

    ``digits``: digit strings (no leading zeros, at least :data:`MIN_DIGITS` long) matched
    wherever they stand as a whole digit run; ``joined``: upper-cased ids without separators
    that hold letters or several parts ("WCC131096", "574111"); ``cores``: the same without
    letter prefix and leading zeros; ``short``: 3-4 digit ids matched only behind an id word
    (:data:`ID_WORDS` or one of ``prefixes``, the letters lettered ids start with); ``dobs``:
    dates of birth as dates. An id with no digit, or under 3 characters, is not matched.
    """

    digits: frozenset[str] = frozenset()
    joined: frozenset[str] = frozenset()
    cores: frozenset[str] = frozenset()
    short: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()
    dobs: frozenset[dt.date] = frozenset()


def _core(s: str) -> str:
    return s.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ").lstrip("0")


def normalise_ids(ids: Iterable[str], dobs: Iterable[dt.date] = ()) -> Identifiers:
    """:class:`Identifiers` from raw id strings ("WCC-131096", "574_111") and dates of birth."""
    digits, joined, cores, short, prefixes = set(), set(), set(), set(), set()
    raw_ids = pd.Series(list(ids), dtype=str).str.strip()
    plain = raw_ids.str.isdigit()
    numbers = raw_ids[plain].str.lstrip("0")  # the usual shape, all at once
    lengths = numbers.str.len()
    digits.update(numbers[lengths >= MIN_DIGITS].tolist())
    short.update(numbers[(lengths >= 3) & (lengths < MIN_DIGITS)].tolist())
    for raw in raw_ids[~plain].tolist():
        groups = re.findall(r"[A-Z0-9]+", raw.upper())
        whole = "".join(groups)
        if len(whole) < 3:
            continue  # "A1" cannot be told from ordinary text
        core = _core(whole)
        digits.update(g.lstrip("0") for g in groups if g.isdigit()
                      and len(g.lstrip("0")) >= MIN_DIGITS)
        if whole.isdigit() and len(core) >= MIN_DIGITS:
            digits.add(core)
        joined.add(whole)
        if len(core) >= MIN_DIGITS:
            cores.add(core)
        if whole[0].isalpha():
            prefixes.add(whole[: len(whole) - len(whole.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))])
        if core.isdigit() and 3 <= len(core) < MIN_DIGITS:
            short.add(core)
    return Identifiers(frozenset(digits), frozenset(joined), frozenset(cores), frozenset(short),
                       frozenset(prefixes), frozenset(dobs))


def identifiers(extract: Extract) -> Identifiers:
    """Every child id and date of birth held by any source of ``extract``, normalised."""
    ids: set[str] = set()
    dobs: set[dt.date] = set()
    for name in extract.sources:
        df = extract[name]
        if len(df):
            ids.update(df["child_id"].dropna().astype(str).unique().tolist())
            if "dob" in df:
                days = pd.to_datetime(df["dob"]).dropna().dt.normalize().unique()
                dobs.update(pd.DatetimeIndex(days).date)
    return normalise_ids(ids, dobs)


# --------------------------------------------------------------------------- text cleaning

_WIDE = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ",
                       "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                       "\u2014": "-", "\u2212": "-", "\u00ad": None, "\u200b": None,
                       "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
                       "\x00": " "})
# Noise, each pattern led by a literal or a character class so the search skips ahead fast.
#: A base64 data: URI (RFC 2397, any case, with parameters): its media type and its data.
_EMBED = re.compile(r"(?i:data:([\w.+-]+/[\w.+-]+)?(?:;[\w.+-]+(?:=[\w.+%\"-]*)?)*?;base64,)"
                    r"([A-Za-z0-9+/=%\s]*)")
#: Pictures that are bytes, not words: everything else embedded (an SVG image, an HTML frame,
#: text) is read as the text it holds.
_RASTER = frozenset("""image/png image/jpeg image/jpg image/pjpeg image/gif image/webp
    image/bmp image/avif image/tiff image/x-icon image/vnd.microsoft.icon""".split())
_BYTES = re.compile(r"b(?<!\wb)'[^'\\\n]*(?:\\.[^'\\\n]*)*'"     # bytes reprs (a chart's PNG
                    r"|b(?<!\wb)\"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\"")  # in text/plain)
_HASH = re.compile(r"[0-9a-fA-F](?<![0-9A-Za-z][0-9a-fA-F])[0-9a-fA-F]{15,}(?![0-9A-Za-z])")
_COMMIT = re.compile(r"commit\W{1,3}[0-9a-f]{7,40}\b")  # the git commit in footers
_STYLER = re.compile(r"T_[0-9a-f]{5}(?![0-9a-z])")       # pandas Styler table ids
_CELL_ID = re.compile(r"cell-id=[0-9a-f-]+")             # nbconvert cell ids
_STAMP = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?"
                    r"(?:Z|[+-]\d\d:?\d\d)?")
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b")


def _drop(m: re.Match) -> str:
    """Nothing in place of a match but its line breaks, so line numbers stay right."""
    return "\n" * m.group().count("\n")


def _picture(media_type: str | None) -> bool:
    """A data: URI's media type names a raster picture (bytes, not words); none is text."""
    return (media_type or "text/plain").strip().lower() in _RASTER


def embedded(m: re.Match) -> str | None:
    """The text a base64 data: URI holds, decoded as leniently as a browser would (spaces
    and percent-escapes dropped, padding restored); None for a raster picture, or data no
    browser could decode (and so would never show)."""
    if _picture(m[1]):
        return None
    data = re.sub(r"[^A-Za-z0-9+/]", "", unquote(m[2]))
    try:
        raw = base64.b64decode(data + "=" * (-len(data) % 4))
    except ValueError:  # a length of 4k + 1: no browser decodes it either
        return None
    return raw.decode("utf-8", errors="replace")


def _each_embed(text: str, replace) -> str:
    """``text`` with each base64 data: URI replaced by ``replace(match)`` (``text`` itself
    when it holds none). "data:" is found in a lower-cased copy (a plain search, fast), and
    the pattern tried only there."""
    low, out, last = text.lower(), [], 0
    at = low.find("data:")
    while at != -1:
        m = _EMBED.match(text, at)
        if m:
            out += [text[last:at], replace(m)]
            last = m.end()
        at = low.find("data:", m.end() if m else at + 5)
    return "".join(out) + text[last:] if out else text


def _unembed(m: re.Match) -> str:
    """An embedded text in place of its URI, on one line (line numbers stay right); nothing
    for a picture."""
    text = embedded(m)
    gaps = "\n" * m.group().count("\n")
    return gaps if text is None else " " + re.sub(r"[\r\n]+", " ", text) + " " + gaps


def _stamp(m: re.Match) -> str:
    """A timestamp at midnight is a date; one with a time of day is not a date of birth."""
    return "" if any(int(g) for g in m.groups()[1:] if g) else m.group(1)


def _hash(m: re.Match) -> str:
    """16 or more hex digits with a letter among them: a hash, not an id."""
    return m.group() if m.group().isdigit() else ""


def clean(text: str, css: bool = False) -> str:
    """Text as the guard reads it: odd spaces and dashes made plain, invisible characters
    dropped, noise dropped (images, bytes, hashes, generated ids, times of day; CSS
    colours). Line breaks are kept."""
    text = text.translate(_WIDE)
    if css:
        text = _COLOUR.sub("", text)
    if ":" in text:
        text = _each_embed(text, _unembed)
    if "b'" in text or 'b"' in text:
        text = _BYTES.sub(_drop, text)
    if len(text) >= 16:
        text = _HASH.sub(_hash, text)
    if "commit" in text:
        text = _COMMIT.sub("", text)
    if "T_" in text:
        text = _STYLER.sub("", text)
    if "cell-id=" in text:
        text = _CELL_ID.sub("", text)
    return _STAMP.sub(_stamp, text) if ":" in text else text


# --------------------------------------------------------------------------- identifiers

_RUN = re.compile(r"(?<!\d)(?<!\d\.)\d+(?!\d)")  # not the digits after a decimal point
_TOKEN = re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Za-z_-]*\d)[0-9A-Za-z]+(?:[-_][0-9A-Za-z]+)*")
_SHORT = re.compile(r"([A-Z]+)0*(\d{3,4})")
_ID_WORD = re.compile(r"\b(?:child(?:\s+unique)?(?:\s+id)?|id|ref(?:erence)?|case|person(?:\s+id)?"
                      r"|upn|no\.|number)\s*[:#=.-]?\s*0*(\d{3,4})(?!\d)", re.I)


def _id_hits(text: str, ids: Identifiers) -> list[int]:
    """Positions of child ids in cleaned ``text``."""
    hits = [m.start() for m in _RUN.finditer(text) if m.group().lstrip("0") in ids.digits]
    if ids.joined or ids.short:  # lettered or compound ids: compare tokens holding a digit
        words = ID_WORDS | ids.prefixes
        for m in _TOKEN.finditer(text):
            tok = m.group().upper()
            if tok.isdigit():
                continue  # a plain number: the digit runs above
            parts = re.split(r"[-_]", tok)
            if any(cand in ids.joined or _core(cand) in ids.cores
                   or ((short := _SHORT.fullmatch(cand)) and short[1] in words
                       and short[2] in ids.short)
                   for i in range(len(parts))
                   for cand in ("".join(parts[i:j]) for j in range(i + 1, min(len(parts),
                                                                             i + 4) + 1))):
                hits.append(m.start())
    if ids.short:  # "ID 4821", "child: 4821"
        hits += [m.start() for m in _ID_WORD.finditer(text) if m[1] in ids.short]
    return sorted(hits)


def find_id(text: str, ids: Identifiers) -> int:
    """Position of the first child id in ``text`` (see the module's rules), or -1."""
    hits = _id_hits(clean(text), ids)
    return hits[0] if hits else -1


# --------------------------------------------------------------------------- dates

_MON = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
        r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])")
_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
# Each regex starts with what it needs (a digit; a month's letter) so most positions fail fast.
_DATE_NUM = re.compile(
    r"(?=\d)(?<![\d.])(?:(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?!\d)"   # 8/11/2015 8.11.2015
    r"|(\d{1,2})/(\d{1,2})/(\d\d)(?![\d/])"                           # 08/11/15
    r"|(\d{4})([./-])(\d{1,2})\9(\d{1,2})(?!\d|\.\d)"                  # 2015-11-08
    r"|((?:19|20)\d\d)([01]\d)([0-3]\d)(?!\d|\.\d)"                    # 20151108
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?[\s-]*(?:of\s+)?{_MON}\.?,?[\s-]*(\d{{4}})(?!\d))",  # 8 Nov 2015
    re.I)
_DATE_WORD = re.compile(
    rf"\b(?=[adfjmnos]){_MON}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)"  # Nov 8, 2015
    r"|\bdate(?:time)?\((\d{4}),\s*(\d{1,2}),\s*(\d{1,2})",             # date(2015, 11, 8)
    re.I)


def _ymd(g: tuple) -> tuple[int, int, int]:
    """(year, month, day) from the groups of either date regex (21 groups: numeric first)."""
    if g[0]:
        return int(g[3]), int(g[2]), int(g[0])
    if g[4]:
        yy = int(g[6])
        return (2000 + yy if yy <= 50 else 1900 + yy), int(g[5]), int(g[4])
    if g[7]:
        return int(g[7]), int(g[9]), int(g[10])
    if g[11]:
        return int(g[11]), int(g[12]), int(g[13])
    if g[14]:
        return int(g[16]), _MONTHS[g[15][:3].lower()], int(g[14])
    if g[17]:
        return int(g[19]), _MONTHS[g[17][:3].lower()], int(g[18])
    return int(g[20]), int(g[21]), int(g[22])


def find_dates(text: str) -> list[tuple[dt.date, int]]:
    """Every real calendar date written in ``text`` (the forms in the module's docstring),
    with its position."""
    found = [((*m.groups(), *(None,) * 6), m.start()) for m in _DATE_NUM.finditer(text)]
    found += [((None,) * 17 + m.groups(), m.start()) for m in _DATE_WORD.finditer(text)]
    out = []
    for groups, pos in sorted(found, key=lambda x: x[1]):
        try:
            out.append((dt.date(*_ymd(groups)), pos))
        except ValueError:  # 31/02/2015, 1072-15-52: not a date
            continue
    return out


def _allowed(dates: Iterable) -> frozenset[dt.date]:
    out = set()
    for d in dates:
        if isinstance(d, dt.datetime):
            out.add(d.date())
        elif isinstance(d, dt.date):
            out.add(d)
        else:
            out.update(x for x, _ in find_dates(clean(str(d))))
    return frozenset(out)


# --------------------------------------------------------------------------- small counts

_SMALL_CELL = re.compile(r"[(\[]?0*[1-5](?:\.0+)?\s*[*\u2020\u2021]?[)\]]?")
_NUM = r"(?:0*[1-5](?:\.0+)?|one|two|three|four|five)"
_NUM_RE = re.compile(rf"(?<![\w.,/£$#%+:-]){_NUM}(?![\w%+]|[.,:/-]\d)", re.I)
_NOUN = re.compile(
    r"(?:children|child|kids?|young\s+(?:people|persons?)|people|persons?|boys?|girls?"
    r"|bab(?:y|ies)|infants?|pupils?|students?|famil(?:y|ies)|households?|siblings?"
    r"|re-?referrals?|referrals?|plans?|episodes?|incidents?|assessments?|cases?"
    r"|interviews?|visits?|contacts?|placements?|conferences?|victims?|offences?"
    r"|offenders?|deaths?|records?|rows?)(?![\w-])", re.I)
#: Words after a number that end the search for its noun: units, prepositions, verbs.
_STOP = frozenset("""of to in on at for from by with than the a an per is are was were be been
    had has have that which who whose this these those it its as into out over under between
    within after before since during year years month months week weeks day days hour hours
    minute minutes quarter quarters time times percent percentage point points authority
    authorities district districts area areas region regions page pages""".split())
_BOUND_AFTER = re.compile(r"\s*(?:\+|or\s+(?:more|fewer|less|over|above|under)\b|and\s+over\b"
                          r"|(?:to|-|and|or)\s*\d)", re.I)
_BOUND_BEFORE = re.compile(r"(?:\b(?:than|least|most|up\s+to|under|over|between|aged?|ages)"
                           r"|\d\s*(?:to|and|or|-))\s*$", re.I)
_OF = re.compile(r"\s+(?:out\s+)?of(?:\s+(?:the|these|those|all))?(?:\s+[\d,]+)?", re.I)
_WORD = re.compile(r"\s+([A-Za-z][A-Za-z'\u2019-]*)")
_NOUN_VALUE = re.compile(rf"\b{_NOUN.pattern}[ \t]*[:=]?[ \t]+({_NUM})"  # on one line
                         r"(?![\w%+]|[.,:/-]\d)(\s+\w+)?", re.I)
_LABEL_VALUE = re.compile(r"(?<![A-Za-z'\u2019)-])([A-Za-z][A-Za-z'\u2019)-]*)\s*[:=]?[ \t]+"
                          r"(0*[1-5](?:\.0+)?)\*?(?![.,]\d)(?=\s*(?:[;,)\]'\"]|\.(?!\w)|$))")
#: A plain-text table's row number: at the start of a line, then a column gap.
_ROW_INDEX = re.compile(r"(?:^|\n)[ \t]*$")
#: Words that number things rather than count them ("List 3", "Key Stage 2", "rank 3").
_NUMBERING = frozenset("""list page table figure chart section part step stage tier level year
    version row column note annex appendix option question item number no nos num grade type
    priority category class group band rank ranked score scored rating rated decile quintile
    quartile age aged top bottom chapter phase wave key q python v""".split())
#: Labels of statistics and estimates, whose values are not counts ("p = 1.00", "On the
#: current trend: 2", "about 2").
_ESTIMATE = frozenset("""p r z t chi sd se rr ci rate ratio mean median average limit lower
    upper estimate estimated about around approximately roughly trend target path projected
    projection expected forecast predicted""".split())
_NOT_LABEL = _STOP | _NUMBERING | _ESTIMATE | _MONTHS.keys() | frozenset("""first last and or
    january february march april june july august september october november
    december""".split())
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.?\s+$")


def _count_hits(text: str) -> list[int]:
    """Positions of counts from 1 to 5 in running, cleaned ``text``."""
    hits = []
    for m in _NUM_RE.finditer(text):
        rest = text[m.end(): m.end() + 160]
        if _BOUND_AFTER.match(rest) or _BOUND_BEFORE.search(text, max(0, m.start() - 12),
                                                            m.start()):
            continue  # "2 or more", "fewer than 5", "1 to 5": bounds, not counts
        before = _WORD_BEFORE.search(text, max(0, m.start() - 20), m.start())
        if before and before[1].lower() in _NUMBERING:
            continue  # "Key Stage 2 pupils", "Year 5 pupils": a label, not a count
        if rest.startswith(("  ", "\t")) and _ROW_INDEX.search(text, max(0, m.start() - 40),
                                                              m.start()):
            continue  # "3   Physical abuse ..." in a printed DataFrame
        of = _OF.match(rest)  # "3 of 496 plans"
        pos = of.end() if of else 0
        for _ in range(4):  # the noun, after at most three other words ("3 looked-after ...")
            w = _WORD.match(rest, pos)
            if not w or w[1].lower() in _STOP:
                break
            if _NOUN.fullmatch(w[1]):
                hits.append(m.start())
                break
            pos = w.end()
    for m in _NOUN_VALUE.finditer(text):  # "children: 3"
        if (m[2] or "").strip().lower() not in _STOP and not _BOUND_AFTER.match(text, m.end(1)):
            hits.append(m.start(1))
    for m in _LABEL_VALUE.finditer(text):  # a chart label's value, "Physical abuse 3;"
        if m[1].lower().rstrip(")") not in _NOT_LABEL:
            hits.append(m.start(2))
    return sorted(hits)


def find_count(text: str) -> int:
    """Position of the first count from 1 to 5 in running ``text`` (see the module's rules),
    or -1."""
    hits = _count_hits(clean(text))
    return hits[0] if hits else -1


# --------------------------------------------------------------------------- one file

#: Column headings under which a number is not a count: decimals under rate-like headings,
#: any number under ordinal headings.
_RATE_HEAD = re.compile(r"rate|ratio|\bper\b|%|percent|share|proportion|mean|median|average"
                        r"|limit|interval|\blower\b|\bupper\b|\bci\b", re.I)
_ORDINAL_HEAD = re.compile(r"\s*(?:\w+\s+)?(?:rank(?:ing)?|age|year|month|quarter|decile"
                           r"|quintile|quartile|score|level|stage|tier|grade)\b", re.I)
_NOT_COUNT_KEY = re.compile(r"(?:^|_)(?:rate|share|ratio|percent(?:age)?|pct|proportion"
                            r"|per_?10_?k|per_10000|lower|upper|limit|mean|median|average"
                            r"|rank|score|year|age|p_?value|seconds)$", re.I)
_ID_KEY = re.compile(r"(?:^|_)(?:child_?)?id$|identifier", re.I)
_COUNTED_ATTRS = re.compile(r"alt|title|summary|label|placeholder|value|aria-.*|"
                            r"data-(?!key$|num$|den$|constants$|counts$).*")
#: Ids and classes that pandas Styler and nbconvert generate ("T_ed491_row3_col1",
#: "data row3 col1", "cell-id=9b78b38c").
_GENERATED = re.compile(r"T_[0-9a-f]{5}(?:_(?:level|row|col)\d{1,4})*|cell-id=[0-9a-f-]{8,36}"
                        r"|[A-Za-z_-]+(?:\d{1,4})?(?: [A-Za-z_-]+(?:\d{1,4})?)*")
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


def _safe(name: str) -> str:
    """An attribute name or JSON key fit for a message: never one that could hold a value."""
    ok = re.fullmatch(r"[A-Za-z0-9_ ,.()+'-]{1,60}", name) and not re.search(r"\d{3}", name)
    return name if ok else "[a key]"


def _small_cell(text: str, heading: str) -> bool:
    if not _SMALL_CELL.fullmatch(text):
        return False
    if _ORDINAL_HEAD.match(heading):  # "IMD rank (of 326)", "Age", not "Plans this year"
        return False
    return not ("." in text and _RATE_HEAD.search(heading))


#: Joins a file's fragments: no rule reads across it (";" ends a label's value, NUL is no
#: word, digit or space).
_SEP = ";\x00\n"


class _Found:
    """The text fragments of one file, each with where it stands, scanned in one pass; and
    the hits, by kind, each with where it was (never the value)."""

    def __init__(self, ids: Identifiers, allowed: frozenset[dt.date]) -> None:
        self.ids, self.allowed = ids, allowed
        self.hits: dict[str, list[str]] = {}
        self.pieces: list[tuple[str, str, int | None, bool]] = []

    def add(self, kind: str, where: str) -> None:
        self.hits.setdefault(kind, []).append(where)

    def text(self, raw: str, where: str, line: int | None = None, counts: bool = True,
             css: bool = False) -> None:
        """A fragment: ids and dates are looked for in all; counts when ``counts``."""
        if raw and not raw.isspace():
            self.pieces.append((clean(raw, css), where, line, counts))

    def _scan(self) -> None:
        texts = [p[0] for p in self.pieces]
        starts = list(accumulate((len(t) + len(_SEP) for t in texts), initial=0))
        joined = _SEP.join(texts)

        def at(pos: int) -> str:
            i = bisect_right(starts, pos) - 1
            _, where, line, _ = self.pieces[i]
            if line is None:
                return where
            return f"{where}, line {line + joined.count(chr(10), starts[i], pos)}"

        for pos in _id_hits(joined, self.ids):
            self.add(ID_KIND, at(pos))
        for day, pos in find_dates(joined):
            if day in self.ids.dobs and day not in self.allowed:
                self.add(DOB_KIND, at(pos))
        running = _SEP.join(joined[s:s + len(t)] if p[3] else " " * len(t)
                            for s, t, p in zip(starts, texts, self.pieces, strict=False))
        for pos in _count_hits(running):
            self.add(COUNT_KIND, at(pos))
        self.pieces = []

    def leaks(self, page: str) -> list[Leak]:
        self._scan()
        out = []
        for kind in (ID_KIND, DOB_KIND, COUNT_KIND):
            places = list(dict.fromkeys(self.hits.get(kind, [])))
            if places:
                more = f"; and {len(places) - 3} more" if len(places) > 3 else ""
                out.append(Leak(page, kind, "; ".join(places[:3]) + more))
        return out


class _Html(HTMLParser):
    """Text, attributes, comments and table cells of one HTML page or notebook output."""

    def __init__(self, found: _Found, prefix: str = "", depth: int = 0) -> None:
        super().__init__(convert_charrefs=True)
        self.found, self.prefix, self.depth = found, prefix, depth
        self.open: list[str] = []
        self.quiet: list[bool] = []
        self.tables: list[dict] = []

    def _where(self, what: str) -> str:
        return f"{self.prefix}{what}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            value = value or ""
            if name in ("id", "class") and _GENERATED.fullmatch(value):
                continue  # pandas' and nbconvert's own ids and classes
            where = self._where(f"{_safe(name)} attribute of <{tag}>")
            if not name.replace("-", "").isalpha():
                self.found.text(name, where, line, counts=False)
            if name in ("href", "src", "srcset", "action", "poster", "cite", "data"):
                value = unquote(value)
                head, comma, body = value.partition(",")
                if comma and head.strip()[:5].lower() == "data:" and self.depth < _EMBED_DEPTH \
                        and not _picture(head.strip()[5:].split(";")[0]):
                    # A data: URI not in base64 ("data:image/svg+xml,%3Csvg..."): a document.
                    _html(self.found, body, self._where(f"data in {_safe(name)} attribute of "
                                                        f"<{tag}>: "), self.depth + 1)
            self.found.text(value, where, line, counts=bool(_COUNTED_ATTRS.fullmatch(name)),
                            css=name in ("style", "fill", "stroke", "color", "stop-color"))
        if tag not in _VOID:
            self.open.append(tag)
            # An element that says its numbers are not counts of children (data-counts="rows",
            # "published", "events"), a row header or a caption (labels, from the data or not)
            # holds no running-text count; ids and dates are still looked for in it.
            kind = dict(attrs).get("data-counts")
            label = (tag == "th" and dict(attrs).get("scope") == "row") or tag == "caption"
            self.quiet.append(bool(kind and kind != "children") or label)
        t = self.tables[-1] if self.tables else None
        if tag == "table":
            # A table of rows of the files, or of figures others published (DfE, ONS), says
            # so (data-counts="rows" / "published" / "none"): its numbers are not counts of
            # children. Ids and dates of birth are still looked for in it.
            kind = next((v for k, v in attrs if k == "data-counts"), None) or "children"
            self.tables.append({"head": {}, "in_head": False, "row": -1, "col": 0,
                                "cells": [], "cell": None, "children": kind == "children"})
        elif t is None:
            return
        elif tag == "thead":
            t["in_head"] = True
        elif tag == "tr":
            t["col"], t["cells"] = 0, []
            t["row"] += not t["in_head"]
            # A row can say its numbers are not counts of children (a partner's training
            # events beside children's figures in one scorecard table).
            kind = next((v for k, v in attrs if k == "data-counts"), None)
            t["row_children"] = kind in (None, "children")
        elif tag in ("td", "th"):
            span = next((v for k, v in attrs if k == "colspan"), "1") or "1"
            t["cell"] = {"tag": tag, "col": t["col"], "line": line, "text": []}
            t["col"] += int(span) if span.isdigit() else 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open.pop() != tag:
                self.quiet.pop()
            self.quiet.pop()
        t = self.tables[-1] if self.tables else None
        if t is None:
            return
        if tag == "table":
            self.tables.pop()
        elif tag == "thead":
            t["in_head"] = False
        elif tag in ("td", "th") and t["cell"]:
            self._cell(t, t["cell"])
            t["cell"] = None
        elif tag == "tr" and t["cells"] and (t["in_head"] or all(
                c["tag"] == "th" for c in t["cells"])):
            t["head"] = {c["col"]: c["value"] for c in t["cells"]}
            t["row"] -= not t["in_head"]  # a heading row outside <thead> is not a data row

    def _cell(self, t: dict, cell: dict) -> None:
        cell["value"] = value = clean("".join(cell["text"])).strip()
        t["cells"].append(cell)
        row_number = (cell["tag"] == "th" and not t["in_head"] and cell["col"] == 0
                      and value in (str(t["row"]), str(t["row"] + 1)))
        heading = "" if t["in_head"] else t["head"].get(cell["col"], "")
        if not row_number and t.get("children", True) and t.get("row_children", True) \
                and _small_cell(value, heading):
            self.found.add(COUNT_KIND, self._where(f"<{cell['tag']}> cell, line {cell['line']}"))

    def handle_data(self, data: str) -> None:
        line = self.getpos()[0]
        tag = self.open[-1] if self.open else "html"
        if tag in ("style", "script"):
            self.found.text(data, self._where(f"<{tag}>"), line, counts=False, css=True)
            return
        children = all(t.get("children", True) and t.get("row_children", True)
                       for t in self.tables) and not any(self.quiet)
        self.found.text(data, self._where(f"text in <{tag}>"), line, counts=children)
        cell = self.tables[-1]["cell"] if self.tables else None
        if cell is not None:
            cell["text"].append(data)
        elif _SMALL_CELL.fullmatch(data.translate(_WIDE).strip()):
            self.found.add(COUNT_KIND, self._where(f"<{tag}> holding only a number, line {line}"))

    def handle_comment(self, data: str) -> None:
        self.found.text(data, self._where("comment"), self.getpos()[0])

    def handle_decl(self, decl: str) -> None:
        self.found.text(decl, self._where("declaration"), self.getpos()[0], counts=False)

    handle_pi = unknown_decl = handle_decl


#: How deep embedded documents are read (an SVG image inside an HTML frame inside a page...).
_EMBED_DEPTH = 4


def _html(found: _Found, text: str, prefix: str = "", depth: int = 0) -> None:
    # Embedded text (an SVG image, an HTML frame) is read as a page of its own; then every
    # embedded URI goes before parsing (their line breaks kept): pictures are bytes.
    numbers = count(1)

    def read(m: re.Match) -> str:
        inner = embedded(m)
        if inner is not None and depth < _EMBED_DEPTH:
            _html(found, inner, f"{prefix}embedded data {next(numbers)}: ", depth + 1)
        return _drop(m)

    text = _each_embed(text, read)
    parser = _Html(found, prefix, depth)
    parser.feed(text)
    parser.close()


def _markdown(found: _Found, text: str, where: str) -> None:
    _html(found, text, f"{where}: ")
    for n, row in enumerate(text.splitlines(), 1):  # markdown tables: | Rugby | 3 |
        if row.count("|") >= 2 and any(_SMALL_CELL.fullmatch(c.strip())
                                       for c in clean(row).split("|")):
            found.add(COUNT_KIND, f"{where}: table cell, line {n}")


def _json(found: _Found, obj: object, path: str, counts: bool) -> None:
    """Strings and keys are text; with ``counts`` (figures.json) a number from 1 to 5 is a
    count unless its key names a rate, share, limit or year."""
    key = path.rsplit(".", 1)[-1]
    if isinstance(obj, dict):
        for k, v in obj.items():
            k = str(k)
            where = f"{path}.{_safe(k)}" if path else _safe(k)
            found.text(k, f"key {where}", counts=False)
            _json(found, v, where, counts)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _json(found, v, f"{path}[{i}]", counts)
    elif isinstance(obj, str):
        found.text(obj, f"at {path}", counts=True)
        if counts and _SMALL_CELL.fullmatch(obj.strip()) and not _NOT_COUNT_KEY.search(key):
            found.add(COUNT_KIND, f"at {path}")
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        if _ID_KEY.search(key):
            found.text(str(obj), f"at {path}", counts=False)
        if (counts and 1 <= obj <= 5 and float(obj).is_integer()
                and not _NOT_COUNT_KEY.search(key)):
            found.add(COUNT_KIND, f"at {path}")


def _notebook(found: _Found, nb: dict) -> None:
    found.text(json.dumps(nb.get("metadata", {})), "notebook metadata", counts=False)
    for i, cell in enumerate(nb.get("cells", []), 1):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            _markdown(found, source, f"cell {i} (markdown)")
        else:
            found.text(source, f"cell {i} source", 1, counts=False)
        found.text(json.dumps(cell.get("metadata", {})), f"cell {i} metadata", counts=False)
        for k, out in enumerate(cell.get("outputs", []), 1):
            where = f"cell {i} output {k}"
            kind = out.get("output_type")
            if kind == "stream":
                found.text("".join(out.get("text", "")), f"{where} ({out.get('name')})", 1)
            elif kind == "error":
                found.text("\n".join([out.get("ename", ""), out.get("evalue", "")]
                                     + out.get("traceback", [])), where, counts=False)
            for mime, value in out.get("data", {}).items():
                value = value if isinstance(value, str) else (
                    "".join(value) if isinstance(value, list) else value)
                if mime == "text/html" or mime == "image/svg+xml":
                    _html(found, value, f"{where} ({mime}): ")
                elif mime == "text/markdown":
                    _markdown(found, value, f"{where} ({mime})")
                elif mime.endswith("json"):
                    _json(found, value, f"{where} ({mime})", counts=False)
                elif not mime.startswith("image/"):
                    found.text(str(value), f"{where} ({mime})", 1)
            found.text(json.dumps(out.get("metadata", {})), f"{where} metadata", counts=False)


def scan_file(path: Path, ids: Identifiers, allowed_dates: Iterable = (),
              name: str | None = None, data: bytes | None = None) -> list[Leak]:
    """Leaks in one file of a pack, reported under ``name`` (default: the file's name);
    ``data``: the file's bytes, already read. Files that are not UTF-8 text (images) are
    not read."""
    found = _Found(ids, _allowed(allowed_dates))
    try:
        text = (path.read_bytes() if data is None else data).decode("utf-8")
    except (UnicodeDecodeError, OSError):
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as a text-mode read gives it
    suffix = path.suffix.lower()
    parsed = None
    if suffix in (".json", ".ipynb"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    if suffix in (".html", ".htm", ".svg", ".xml"):
        _html(found, text)
    elif suffix == ".ipynb" and isinstance(parsed, dict):
        _notebook(found, parsed)
    elif parsed is not None:
        _json(found, parsed, "", counts=path.name == "figures.json")
    elif suffix == ".md":
        _markdown(found, text, "markdown")
    else:
        found.text(text, "", 1)
        if suffix in (".csv", ".tsv"):
            _csv(found, text, "\t" if suffix == ".tsv" else ",")
    return found.leaks(name or path.name)


def _csv(found: _Found, text: str, sep: str) -> None:
    import csv

    rows = list(csv.reader(text.splitlines(), delimiter=sep))
    head = rows[0] if rows else []
    for r, row in enumerate(rows[1:], 2):
        for c, value in enumerate(row):
            heading = head[c] if c < len(head) else ""
            row_number = c == 0 and value.strip() in (str(r - 2), str(r - 1))
            if not row_number and _small_cell(clean(value).strip(), heading):
                found.add(COUNT_KIND, f"row {r}, column {c + 1}")


#: An installed pack's build folder, named by the tool (install.BUILD_NAME): its digits are
#: not a child's id, whatever ids the extract holds.
_BUILD_NAME = re.compile(rf"^({re.escape(BUILDS)}/){BUILD_NAME.pattern}(?=/|$)")


class Prescan:
    """Files of a pack scanned as they are written (a page as soon as its notebook has run),
    so :func:`scan_pack` need not read them again at the end. Only a file found clean is
    remembered, by the SHA-256 of its bytes: a clean file stays clean with more dates allowed
    (the final scan allows every date this one does, and more), and a file changed since
    is scanned again. Thread-safe for one writer."""

    def __init__(self, extract: Extract, allowed_dates: Iterable = frozenset()) -> None:
        self.ids = identifiers(extract)
        self.allowed = _allowed(allowed_dates)
        self.clean: dict[Path, str] = {}

    def file(self, path: Path) -> None:
        data = path.read_bytes()  # the bytes scanned are the bytes remembered
        if not scan_file(path, self.ids, self.allowed, data=data):
            self.clean[path.resolve()] = hashlib.sha256(data).hexdigest()

    def is_clean(self, path: Path) -> bool:
        """Whether ``path`` still holds the bytes found clean (False when never scanned)."""
        known = self.clean.get(path.resolve())
        return known is not None and hashlib.sha256(path.read_bytes()).hexdigest() == known


def scan_pack(folder: Path, extract: Extract, allowed_dates: Iterable = frozenset(),
              prescan: Prescan | None = None) -> list[Leak]:
    """Scan every file under ``folder`` (pages, JSON, run.log, notebooks/...): child ids and
    dates of birth from ``extract``, and counts from 1 to 5. ``allowed_dates`` are the pack's
    own dates (period start and end, run date) as dates or strings in any form the guard reads;
    they may coincide with a birthday without identifying anyone. The extract's own folder,
    when it lies inside ``folder`` (the demo), is not part of the pack and is skipped.
    ``prescan``: files already found clean with no more dates allowed than ``allowed_dates``
    (their names are still checked; a file changed since is read again)."""
    folder = Path(folder)
    ids = prescan.ids if prescan is not None else identifiers(extract)
    allowed = _allowed(allowed_dates)
    trusted = prescan is not None and prescan.allowed <= allowed
    own = Path(extract.data_dir).resolve() if getattr(extract, "data_dir", None) else None
    leaks: list[Leak] = []
    names = _Found(ids, allowed)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if own is not None and path.resolve().is_relative_to(own):
            continue
        rel = path.relative_to(folder).as_posix()
        names.text(_BUILD_NAME.sub(r"\1build", rel), "a file or folder name in the pack",
                   counts=False)
        if names.pieces and (_id_hits(names.pieces[-1][0], ids) or any(
                d in ids.dobs and d not in allowed for d, _ in find_dates(names.pieces[-1][0]))):
            rel = "[a file name]"  # the name itself would put the value in the log
        if not trusted or not prescan.is_clean(path):
            leaks.extend(scan_file(path, ids, allowed, rel))
    return names.leaks("file names") + leaks


__all__ = ["Leak", "Identifiers", "Prescan", "scan_pack", "scan_file", "identifiers",
           "normalise_ids", "find_id", "find_dates", "find_count", "clean", "MIN_DIGITS"]
