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

from lxml import etree

from ..errors import ExtractError
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
    """One source's records from one return: text columns, and where each record sits."""

    columns: dict[str, list[str]]
    child: list[int] = field(default_factory=list)    # 1-based Child position in the file
    episode: list[int] = field(default_factory=list)  # 1-based CINdetails within the child
    number: list[int] = field(default_factory=list)   # 1-based record within the episode
    line: list[int] = field(default_factory=list)     # the record element's line
    uid: list[int] = field(default_factory=list)      # the episode's number in the file
    #: What makes a record the same one in another year's return: the episode's key, and for
    #: an assessment, enquiry or plan also its start date as written.
    key: list[str] = field(default_factory=list)

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
    #: The key of each episode (child id and referral date as written), by ``uid``.
    episode_keys: list[str] = field(default_factory=list)
    #: Lines of children whose disability codes are not census codes.
    unknown_disability: list[int] = field(default_factory=list)


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
        if not (path.is_file() and path.suffix.lower() == ".xml"):
            continue
        try:
            with open(path, "rb") as fh:
                kind, name = sniff(fh.read(SNIFF_BYTES))
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
    ret = Return(path=path, label=label,
                 records={s: Records({c: [] for c in cols}) for s, cols in COLUMNS.items()})
    try:
        with open(path, "rb") as raw:
            kind, name = sniff(raw.read(SNIFF_BYTES))
            if kind == "dtd":
                raise _refuse(label, "it declares a document type (<!DOCTYPE ...>), which can "
                              "define entities that expand without limit or fetch other files")
            if kind == "not xml":
                raise _refuse(label, "it is not XML text")
            raw.seek(0)
            source = _Hashing(raw)
            events = etree.iterparse(
                source, events=("start", "end"), tag=("Message", "Header", "Child"),
                resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                remove_comments=True, remove_pis=True)
            _consume(events, ret)
            ret.sha256 = source.sha.hexdigest()
    except etree.XMLSyntaxError as exc:
        raise _parse_error(label, exc) from None
    except OSError as exc:
        raise ExtractError(f"{label}: could not be read ({exc.strerror or exc})") from None
    if not ret.reference_date:
        raise _refuse(label, "its Header gives no CollectionDetails/ReferenceDate, so the "
                      "collection year it covers cannot be told")
    return ret


def _consume(events: Iterator, ret: Return) -> None:
    started = False
    for event, el in events:
        if not started:
            started = True
            tree = el.getroottree()
            if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
                raise _refuse(ret.label, "it declares a document type (<!DOCTYPE ...>), which "
                              "can define entities that expand without limit or fetch other "
                              "files")
            root = tree.getroot()
            if root is None or root.tag != "Message":
                raise _refuse(ret.label, "its root element is not the census 'Message'")
        if event != "end":
            continue
        if el.tag == "Child":
            ret.children += 1
            _child(el, ret)
            el.clear()
            parent = el.getparent()
            while el.getprevious() is not None:
                del parent[0]
        elif el.tag == "Header":
            ret.reference_date = _text(el, "CollectionDetails/ReferenceDate")
            ret.year = _text(el, "CollectionDetails/Year")
            ret.la_code = _text(el, "Source/LEA")
            ret.created = _text(el, "Source/DateTime")
            el.clear()
    if not started:
        raise _refuse(ret.label, "it holds no census 'Message' element")


def _disability(chars, ret: Return, line: int) -> str:
    """'Y' (a disability recorded), 'N' (NONE recorded) or '' (none recorded, or no code the
    census knows: never read as not disabled)."""
    if chars is None:
        return ""
    codes = [(d.text or "").strip().upper() for d in chars.iterfind("Disabilities/Disability")]
    if not codes:
        return ""
    known = [DISABILITY_CODES[c] for c in codes if c in DISABILITY_CODES]
    if len(known) < len(codes):
        ret.unknown_disability.append(line)
    if any(known):
        return "Y"
    return "N" if known else ""


def _child(child, ret: Return) -> None:
    ids = child.find("ChildIdentifiers")
    chars = child.find("ChildCharacteristics")
    gender = _text(ids, "GenderCurrent") or _text(ids, "Sex")
    base = {"LAchildID": _text(ids, "LAchildID"), "GenderCurrent": gender,
            "Ethnicity": _text(chars, "Ethnicity"),
            "PersonBirthDate": _text(ids, "PersonBirthDate")}
    disability = _disability(chars, ret, child.sourceline or 0)
    c = ret.children
    recs = ret.records
    for e, cin in enumerate(child.iterfind("CINdetails"), start=1):
        uid = len(ret.episode_keys)
        referral = _text(cin, "CINreferralDate")
        ret.episode_keys.append(f"{base['LAchildID']}\x1f{referral}"
                                if base["LAchildID"] and referral else f"\x00{ret.label}\x00{uid}")
        line = cin.sourceline or 0
        own = {"CINreferralDate": referral, "Disabilities": disability}
        for name in ("ReferralSource", "ReferralNFA", "PrimaryNeedCode", "CINclosureDate",
                     "ReasonForClosure"):
            own[name] = _text(cin, name)
        key = ret.episode_keys[-1]
        for source in ("referrals", "children_in_need"):
            _add(recs[source], base, own, c, e, 1, line, uid, key)
        for source in ("assessments", "s47", "cp_plans"):
            first = COLUMNS[source][len(CHILD_COLUMNS) + 1]
            for k, rec in enumerate(cin.iterfind(RECORD[source]), start=1):
                values = dict(own)
                for name in COLUMNS[source][len(CHILD_COLUMNS) + 1:]:
                    values[name] = _text(rec, name)
                same = f"{key}\x1f{values[first]}" if values[first] and key[0] != "\x00" \
                    else f"\x00{ret.label}\x00{source}\x00{len(recs[source])}"
                _add(recs[source], base, values, c, e, k, rec.sourceline or 0, uid, same)


def _add(r: Records, base: dict, own: dict, c: int, e: int, k: int, line: int, uid: int,
         key: str) -> None:
    for name, values in r.columns.items():
        values.append(base[name] if name in base else own.get(name, ""))
    r.child.append(c)
    r.episode.append(e)
    r.number.append(k)
    r.line.append(line)
    r.uid.append(uid)
    r.key.append(key)


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
