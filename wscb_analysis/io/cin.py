"""CIN census returns (the XML each authority sends DfE every year), read safely and streamed.

A return is any ``*.xml`` whose root element is the census ``Message`` (schemas 2017 to 2026:
the child's gender is ``GenderCurrent`` until 2025, ``Sex`` from 2026; both are read). It holds
every episode of need open at any time in its collection year: 1 April (the day after the
``ReferenceDate`` a year before) to the ``ReferenceDate`` (usually 31 March).

Hostile files are refused in bounded time and memory, with a message naming the file:

* a document type declaration (``<!DOCTYPE``) is refused before parsing starts: a census
  return has none, and a DTD is how entities are declared that expand without limit (an
  "entity bomb") or fetch other files or URLs ("external entities"). The parser is also set
  never to expand entities, load a DTD or touch the network (defusedxml's protections, as
  lxml's own options), and the declaration is checked again once parsing begins, in case it
  hides behind a long prologue;
* libxml2's own limits without ``huge_tree``: elements nested more than 256 deep, or a text
  value of more than 10,000,000 characters, stop the parse;
* the file is read in pieces (``iterparse``) and each child's elements are freed once read, so
  memory follows one child at a time, not the file.

What a return says is collected as text, one list per column; :mod:`.cin_load` validates it
with the same rules as every other source and merges several years.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from lxml import etree

from ..errors import ExtractError
from .read import check_input
from .schemas import DISABILITY_CODES

#: The prologue (before the root element) is looked at in this many bytes.
SNIFF_BYTES = 1 << 16
_CHUNK = 1 << 20

#: The columns each source takes from a return, named by the census element they come from
#: (so a reason for setting a value aside names the element). Child-level values come first.
CHILD_COLUMNS = ("LAchildID", "GenderCurrent", "Ethnicity", "PersonBirthDate")
COLUMNS: dict[str, tuple[str, ...]] = {
    "referrals": CHILD_COLUMNS + ("CINreferralDate", "ReferralSource", "ReferralNFA"),
    "children_in_need": CHILD_COLUMNS + ("Disabilities", "CINreferralDate", "PrimaryNeedCode",
                                         "CINclosureDate", "ReasonForClosure"),
    "assessments": CHILD_COLUMNS + ("Disabilities", "AssessmentActualStartDate",
                                    "AssessmentAuthorisationDate"),
    "s47": CHILD_COLUMNS + ("Disabilities", "S47ActualStartDate", "ICPCnotRequired",
                            "DateOfInitialCPC"),
    "cp_plans": CHILD_COLUMNS + ("Disabilities", "CPPstartDate", "CPPendDate",
                                 "InitialCategoryOfAbuse", "LatestCategoryOfAbuse",
                                 "NumberOfPreviousCPP"),
}
#: Census element -> canonical field, per source (the --map a return needs).
FIELDS: dict[str, dict[str, str]] = {
    "referrals": {"CINreferralDate": "referral_date", "ReferralSource": "referral_source",
                  "ReferralNFA": "nfa"},
    "children_in_need": {"CINreferralDate": "cin_start", "PrimaryNeedCode": "primary_need",
                         "CINclosureDate": "cin_closure", "ReasonForClosure": "closure_reason"},
    "assessments": {"AssessmentActualStartDate": "assessment_start",
                    "AssessmentAuthorisationDate": "assessment_authorised"},
    "s47": {"S47ActualStartDate": "s47_start", "ICPCnotRequired": "icpc_not_required",
            "DateOfInitialCPC": "icpc_date"},
    "cp_plans": {"CPPstartDate": "start_date", "CPPendDate": "end_date",
                 "InitialCategoryOfAbuse": "initial_category",
                 "LatestCategoryOfAbuse": "latest_category",
                 "NumberOfPreviousCPP": "previous_plans"},
}
_CHILD_FIELDS = {"LAchildID": "child_id", "GenderCurrent": "gender", "Ethnicity": "ethnicity",
                 "PersonBirthDate": "dob", "Disabilities": "disability"}
for _fields in FIELDS.values():
    _fields.update(_CHILD_FIELDS)
#: Where each child-level column sits inside ``Child`` (for messages).
CHILD_PATHS = {"LAchildID": "ChildIdentifiers/LAchildID",
               "GenderCurrent": "ChildIdentifiers/GenderCurrent",
               "PersonBirthDate": "ChildIdentifiers/PersonBirthDate",
               "Ethnicity": "ChildCharacteristics/Ethnicity",
               "Disabilities": "ChildCharacteristics/Disabilities/Disability"}
#: The element each source's records are, inside ``CINdetails`` (None: the episode itself).
RECORD = {"referrals": None, "children_in_need": None, "assessments": "Assessments",
          "s47": "Section47", "cp_plans": "ChildProtectionPlans"}


@dataclass
class Records:
    """One source's records from one return: text columns (Arrow), and where each sits."""

    columns: dict[str, pa.Array]
    child: np.ndarray     # 1-based Child position in the file
    episode: np.ndarray   # 1-based CINdetails within the child
    number: np.ndarray    # 1-based record within the episode (1 for an episode)
    line: np.ndarray      # the line the record's Child element starts on
    #: What makes a record the same one in another year's return: the episode's key (child id
    #: and referral date as written), and for an assessment, enquiry or plan also its start
    #: date as written; a record missing them has a key of its own.
    key: np.ndarray

    def __len__(self) -> int:
        return len(self.child)


@dataclass
class Return:
    """One census return as read: its header and its records by source."""

    path: Path
    label: str
    reference_date: str = ""
    year: str = ""
    la_code: str = ""
    created: str = ""
    sha256: str = ""
    children: int = 0
    records: dict[str, Records] = field(default_factory=dict)
    #: Lines of children whose disability codes are not all census codes.
    unknown_disability: list[int] = field(default_factory=list)

    @property
    def episodes(self) -> int:
        return len(self.records["children_in_need"])


# --------------------------------------------------------------------------- finding returns

_NAME = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)")


def sniff(head: bytes) -> tuple[str, str]:
    """What the start of an XML file is: ("root", name) for its root element, ("dtd", root
    named by the declaration) when a document type declaration comes first, ("unknown", "")
    when the prologue runs past what was read, ("not xml", "") when it is not XML text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    head = head.removeprefix(b"\xef\xbb\xbf")
    pos = 0
    while True:
        while pos < len(head) and head[pos:pos + 1].isspace():
            pos += 1
        if pos >= len(head):
            return ("unknown", "") if head else ("not xml", "")
        if head.startswith(b"<?", pos):
            end = head.find(b"?>", pos)
            if end < 0:
                return "unknown", ""
            pos = end + 2
        elif head.startswith(b"<!--", pos):
            end = head.find(b"-->", pos)
            if end < 0:
                return "unknown", ""
            pos = end + 3
        elif head.startswith(b"<!", pos):
            named = re.match(rb"<!DOCTYPE\s+([\w.:\-]+)", head[pos:pos + 300])
            return "dtd", named.group(1).decode("utf-8", "replace") if named else ""
        elif head.startswith(b"<", pos):
            named = _NAME.match(head, pos)
            return ("root", named.group(1).decode("utf-8", "replace")) if named else \
                ("not xml", "")
        else:
            return "not xml", ""


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def find_census_returns(data_dir: Path) -> tuple[list[Path], list[str]]:
    """The folder's CIN census returns (``*.xml`` whose root is ``Message``), and a note for
    each other XML file (not read). A file declaring a DTD for a ``Message`` root is a return
    (refused when read); one whose prologue cannot be told is read as a return, so that the
    parser's own checks decide."""
    returns: list[Path] = []
    notes: list[str] = []
    for path in sorted(data_dir.iterdir()):
        if path.is_dir() or path.suffix.lower() != ".xml":
            continue
        try:
            # A link out of the folder, a FIFO or a device is never opened: it is taken as a
            # return, and reading it refuses it by name (:func:`.read.check_input`).
            target = check_input(path, data_dir)
            with open(target, "rb") as fh:
                kind, name = sniff(fh.read(SNIFF_BYTES))
        except ExtractError:
            returns.append(path)
            continue
        except OSError as exc:
            notes.append(f"{path.name}: could not be read ({exc.strerror}); not used")
            continue
        if kind == "unknown" or (kind in ("root", "dtd") and _local(name) == "Message") or \
                (kind == "dtd" and not name):
            returns.append(path)
        elif kind == "not xml":
            notes.append(f"{path.name}: is not XML text; not read as a CIN census return")
        else:
            notes.append(f"{path.name}: is not a CIN census return (its first element is "
                         f"'{name[:40]}', not 'Message'); not read")
    return returns, notes


# --------------------------------------------------------------------------- reading one


class _Hashing:
    """A file object that hashes what it gives the parser (the bytes actually parsed)."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(_CHUNK if n is None or n < 0 else n)
        self.sha.update(data)
        return data


def _refuse(label: str, why: str) -> ExtractError:
    return ExtractError(f"{label}: {why}; it was not read. A CIN census return is plain XML "
                        "as DfE's schema describes: export the return again from the case "
                        "management system, or move the file out of the folder")


def _parse_error(label: str, exc: etree.XMLSyntaxError) -> ExtractError:
    message = str(exc.msg or exc).strip().splitlines()[0] if (exc.msg or str(exc)) else ""
    line = f" at line {exc.lineno}" if getattr(exc, "lineno", None) else ""
    low = message.lower()
    if "amplification" in low or "entity loop" in low:
        why = ("it declares a document type whose entities would expand without limit (an "
               f"entity bomb){line}")
    elif "depth" in low:
        why = f"its elements nest more than 256 deep{line} (a census return nests 6 deep)"
    elif "huge text" in low or "text node" in low or "too long" in low or "huge" in low:
        why = f"it holds a text value of more than 10,000,000 characters{line}"
    elif "entity" in low:
        why = f"it uses an entity{line} ({message[:120]}); a census return uses none"
    else:
        why = f"it is not well-formed XML{line} ({message[:160]})"
    return _refuse(label, why)


def _text(el, path: str) -> str:
    if el is None:
        return ""
    value = el.findtext(path)
    return value.strip() if value else ""


def read_return(path: Path, label: str | None = None) -> Return:
    """Read one census return (streamed; see the module notes). Raises :class:`ExtractError`
    naming the file for a file that is refused or cannot be parsed."""
    label = label or path.name
    ret = Return(path=path, label=label)
    parts: list[bytes] = []
    lines: list[int] = []
    target = check_input(path)  # a link out of the folder, a FIFO, a device: refused unread
    try:
        with open(target, "rb") as raw:
            kind, _ = sniff(raw.read(SNIFF_BYTES))
            if kind == "dtd":
                raise _refuse(label, _DTD)
            if kind == "not xml":
                raise _refuse(label, "it is not XML text")
            raw.seek(0)
            source = _Hashing(raw)
            events = etree.iterparse(
                source, events=("start", "end"), tag=("Message", "Header", "Child"),
                resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                remove_comments=True, remove_pis=True)
            _consume(events, ret, parts, lines)
            ret.sha256 = source.sha.hexdigest()
    except etree.XMLSyntaxError as exc:
        raise _parse_error(label, exc) from None
    except OSError as exc:
        raise ExtractError(f"{label}: could not be read ({exc.strerror or exc})") from None
    if not ret.reference_date:
        raise _refuse(label, "its Header gives no CollectionDetails/ReferenceDate, so the "
                      "collection year it covers cannot be told")
    ret.records = _tables(b"".join(parts), np.asarray(lines, dtype=np.int64), ret)
    return ret


_DTD = ("it declares a document type (<!DOCTYPE ...>), which can define entities that expand "
        "without limit or fetch other files")
#: Children moved out of the parse tree are transformed this many at a time.
BATCH = 5000


def _consume(events: Iterator, ret: Return, parts: list[bytes], lines: list[int]) -> None:
    """Walk the parse: check the root, read the header, and move each finished Child into a
    batch of its own (the parse tree may already hold part of the next one), written out as
    text in C by :data:`_XSLT` when full."""
    started = False
    batch = etree.Element("Message")
    children = etree.SubElement(batch, "Children")
    offset = held = 0
    for event, el in events:
        if not started:
            started = True
            tree = el.getroottree()
            if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
                raise _refuse(ret.label, _DTD)
            root = tree.getroot()
            if root is None or root.tag != "Message":
                raise _refuse(ret.label, "its root element is not the census 'Message'")
        if event != "end":
            continue
        if el.tag == "Child":
            lines.append(el.sourceline or 0)
            children.append(el)  # moved out of the parse tree: memory follows the batch
            held += 1
            if held >= BATCH:
                parts.append(bytes(_XSLT(batch, offset=str(offset))))
                offset += held
                held = 0
                children.clear()
        elif el.tag == "Header":
            ret.reference_date = _text(el, "CollectionDetails/ReferenceDate")
            ret.year = _text(el, "CollectionDetails/Year")
            ret.la_code = _text(el, "Source/LEA")
            ret.created = _text(el, "Source/DateTime")
            el.clear()
    if not started:
        raise _refuse(ret.label, "it holds no census 'Message' element")
    if held:
        parts.append(bytes(_XSLT(batch, offset=str(offset))))
    ret.children = offset + held


#: What the stylesheet writes, one line per child ("C") and per record, tab-separated after
#: the kind and the child's, episode's and record's positions (values with spaces
#: normalised, so no tab or line end inside). The episode's referral date comes first in
#: every record, to key it.
KINDS = {"C": ("LAchildID", "GenderCurrent | Sex", "ChildCharacteristics/Ethnicity",
               "PersonBirthDate", "Disabilities"),
         "E": ("CINreferralDate", "ReferralSource", "ReferralNFA", "PrimaryNeedCode",
               "CINclosureDate", "ReasonForClosure"),
         "A": ("AssessmentActualStartDate", "AssessmentAuthorisationDate"),
         "S": ("S47ActualStartDate", "ICPCnotRequired", "DateOfInitialCPC"),
         "P": ("CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse",
               "NumberOfPreviousCPP")}
WIDTH = 6
_KIND_OF = {"assessments": "A", "s47": "S", "cp_plans": "P"}


def _stylesheet() -> etree.XSLT:
    tab, end = "<xsl:text>&#9;</xsl:text>", "<xsl:text>&#10;</xsl:text>"

    def value(path: str) -> str:
        return f'<xsl:value-of select="normalize-space({path})"/>{tab}'

    def line(kind: str, episode: str, number: str, fields: list[str]) -> str:
        pad = tab * (WIDTH - len(fields))
        return (f"<xsl:text>{kind}&#9;</xsl:text><xsl:value-of select=\"$c\"/>{tab}"
                f"{episode}{tab}{number}{tab}" + "".join(fields) + pad + end)

    ids = "ChildIdentifiers/"
    codes = ('<xsl:for-each select="ChildCharacteristics/Disabilities/Disability">'
             '<xsl:value-of select="normalize-space(.)"/><xsl:text> </xsl:text></xsl:for-each>'
             + tab)
    child = line("C", "0", "0", [value(ids + "LAchildID"),
                                 value(f"{ids}GenderCurrent | {ids}Sex"),
                                 value("ChildCharacteristics/Ethnicity"),
                                 value(ids + "PersonBirthDate"), codes])
    episode_value = '<xsl:value-of select="$e"/>'
    records = "".join(
        f'<xsl:for-each select="{RECORD[source]}">'
        + line(kind, episode_value, '<xsl:value-of select="position()"/>',
               [value("$ref")] + [value(f) for f in KINDS[kind]])
        + "</xsl:for-each>" for source, kind in _KIND_OF.items())
    text = f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/><xsl:param name="offset" select="0"/>
<xsl:template match="/"><xsl:for-each select="Message/Children/Child">
<xsl:variable name="c" select="position() + $offset"/>{child}
<xsl:for-each select="CINdetails"><xsl:variable name="e" select="position()"/>
<xsl:variable name="ref" select="CINreferralDate"/>
{line("E", episode_value, "1", [value(f) for f in KINDS["E"]])}{records}</xsl:for-each>
</xsl:for-each></xsl:template></xsl:stylesheet>"""
    # Made here, from this module's own text: no entity, no file, no network.
    return etree.XSLT(etree.XML(text), access_control=etree.XSLTAccessControl.DENY_ALL)


_XSLT = _stylesheet()


def _tables(text: bytes, child_lines: np.ndarray, ret: Return) -> dict[str, Records]:
    names = ["kind", "child", "episode", "number", *(f"f{i}" for i in range(WIDTH)), "end"]
    if text:
        table = pacsv.read_csv(
            pa.py_buffer(text),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False,
                                             newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    else:
        table = pa.table({n: pa.array([], pa.string()) for n in names})
    kinds = table.column("kind").combine_chunks()

    def rows(kind: str) -> pa.Table:
        return table.filter(pc.equal(kinds, kind)).combine_chunks()

    children = rows("C")
    child_cols = {"LAchildID": children.column("f0"), "GenderCurrent": children.column("f1"),
                  "Ethnicity": children.column("f2"), "PersonBirthDate": children.column("f3")}
    disability = _disability(children.column("f4").combine_chunks(), child_lines, ret)
    out = {}
    for source in COLUMNS:
        kind = _KIND_OF.get(source, "E")
        t = rows(kind)
        number = {n: np.asarray(pc.cast(t.column(n), pa.int64()).to_numpy(), dtype=np.int64)
                  for n in ("child", "episode", "number")}
        at = pa.array(number["child"] - 1)
        own = dict(zip(KINDS[kind] if kind == "E" else ("CINreferralDate", *KINDS[kind]),
                       (t.column(f"f{i}").combine_chunks() for i in range(WIDTH)),
                       strict=False))
        columns = {}
        for c in COLUMNS[source]:
            if c in child_cols:
                columns[c] = child_cols[c].take(at).combine_chunks()
            elif c == "Disabilities":
                columns[c] = disability.take(at)
            else:
                columns[c] = own[c]
        parts = [columns["LAchildID"], own["CINreferralDate"]]
        if kind != "E":
            parts.append(own[KINDS[kind][0]])
        joined = pc.binary_join_element_wise(*parts, "\x1f").to_numpy(zero_copy_only=False)
        blank = np.zeros(len(joined), dtype=bool)
        for p in parts:
            blank |= pc.equal(p, "").to_numpy(zero_copy_only=False)
        key = joined.astype(object)
        if blank.any():
            key[blank] = [f"\x00{ret.label}\x00{source}\x00{i}" for i in np.flatnonzero(blank)]
        line = child_lines[number["child"] - 1] if len(t) else np.array([], dtype=np.int64)
        out[source] = Records(columns, number["child"], number["episode"], number["number"],
                              line, key)
    return out


def _disability(codes: pa.Array, child_lines: np.ndarray, ret: Return) -> pa.Array:
    """Per child: 'Y' (a disability recorded), 'N' (NONE recorded) or '' (none recorded, or
    no code the census knows: never read as not disabled)."""
    encoded = pc.dictionary_encode(codes)
    values, unknown = [], []
    for text in encoded.dictionary.to_pylist():
        found = text.upper().split()
        known = [DISABILITY_CODES[c] for c in found if c in DISABILITY_CODES]
        unknown.append(len(known) < len(found))
        values.append("Y" if any(known) else "N" if known else "")
    idx = encoded.indices.to_numpy(zero_copy_only=False)
    if len(idx):
        bad = np.asarray(unknown, dtype=bool)[idx]
        ret.unknown_disability = child_lines[bad].tolist()
    return pa.array(values, pa.string()).take(encoded.indices)


def record_path(source: str, column: str, child: int, episode: int, number: int) -> str:
    """The element a value of ``column`` came from: ``Child[3]/CINdetails[1]/Assessments[2]/
    AssessmentActualStartDate`` (positions count from 1, as XPath does)."""
    if column in CHILD_PATHS:
        return f"Child[{child}]/{CHILD_PATHS[column]}"
    record = RECORD[source]
    inner = f"/{record}[{number}]" if record and column != "CINreferralDate" else ""
    return f"Child[{child}]/CINdetails[{episode}]{inner}/{column}"


__all__ = ["COLUMNS", "FIELDS", "Records", "Return", "find_census_returns", "read_return",
           "record_path", "sniff"]
