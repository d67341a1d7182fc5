"""Canonical columns for each source, the header patterns that find them, and code lists.

Headers are normalised (lower case, anything but letters and digits -> one space) and matched
against each field's patterns, so council variants such as "Child ID", "CHILD_UNIQUE_ID",
"Date of Referral" or a pivot table's "Sum of Number of Previous Child Protection Plans" all
load. A user may map an unusual header by name (``column_map={"Ref Date": "referral_date"}``,
``--map "Ref Date=referral_date"``); :func:`describe_fields` lists the names ``--map`` takes.
Two headers that could both be one field are an error naming both, never a silent choice.
Sources: Ofsted Annex A (lists 2, 3, 7), SSDA903 Missing table, local extracts (CONTRACT.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# Field kinds: how a raw text value is read.
ID, TEXT, DATE, INT, YN, CODE = "id", "text", "date", "int", "yn", "code"
KIND_NAMES = {ID: "identifier", TEXT: "text", DATE: "date (day first)", INT: "whole number",
              YN: "Y/N", CODE: "code"}


@dataclass(frozen=True)
class Field:
    """One canonical column of a source: its ``name`` (what ``--map`` takes and the frame's
    column is called), its ``kind`` (how the text is read: ID, TEXT, DATE day first, INT,
    YN, CODE) and the header ``patterns`` that find it (full matches against the header in
    lower case with punctuation read as spaces). A ``required`` field's column must be there
    for the source to be usable; a ``mandatory_value`` field's blank sets the row aside."""

    name: str
    kind: str
    patterns: tuple[str, ...]
    required: bool = False
    #: A blank value makes the row unusable (set aside) rather than just unknown.
    mandatory_value: bool = False
    #: Shown in messages.
    label: str = ""
    #: Values may come as Annex A drop-down entries ("a) WBRI", "s) 8: Other"): the "a) "
    #: prefix is dropped and, for codes, the code before ": description" is kept.
    annex_a: bool = False
    #: Canonical values of a code field, keyed by the normalised text (see normalise_header).
    codes: Mapping[str, str] | None = field(default=None, compare=False)
    #: A value outside ``codes`` sets the row aside (else it is kept as given).
    strict: bool = False
    #: Codes are read in upper case ("wbri" -> "WBRI").
    upper: bool = False
    #: For a field with ``codes`` that is not strict: what a value outside them means, said
    #: in the validation report's warning that names the rows (None: no warning).
    unknown_note: str | None = None

    def matches(self, normalised_header: str) -> bool:
        return any(re.fullmatch(p, normalised_header) for p in self.patterns)


@dataclass(frozen=True)
class Source:
    """One kind of record the suite reads (referrals, CP plans, early help assessments,
    missing episodes): the file it comes in (``filename`` + .csv or .xlsx), its fields in
    order, and the sheet names of an Annex A workbook that may hold it. :data:`SOURCES`
    lists them by ``name``; ``wscb fields`` prints them."""

    name: str
    filename: str
    description: str
    fields: tuple[Field, ...]
    #: Sheet names of an Annex A workbook that may hold this source.
    sheet_patterns: tuple[str, ...] = ()
    #: Alternative layouts recognised by their headers (e.g. SSDA903 Missing).
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: What the source is, in a sentence ("the referrals list (Annex A List 3)").
    noun: str = ""

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def normalise_header(header: str) -> str:
    """'Date of Referral ' -> 'date of referral'; 'CHILD_UNIQUE_ID' -> 'child unique id'."""
    return re.sub(r"[^a-z0-9]+", " ", str(header).lower()).strip()


#: Gender as M, F or U (unknown, not stated or not recorded), from letters, words, Annex A
#: entries ("b) Female", "c) Not stated/recorded") or CIN census codes (1, 2, 0, 9).
GENDERS = {
    "m": "M", "male": "M", "1": "M",
    "f": "F", "female": "F", "2": "F",
    "u": "U", "unknown": "U", "not known": "U", "not stated": "U", "not recorded": "U",
    "not stated recorded": "U", "0": "U", "9": "U", "indeterminate": "U",
}

#: CIN census ethnicity codes (DfE, Children in need census guide), each with the spellings
#: extracts write for it, normalised (see normalise_header): the census' descriptions
#: ("White British", "Mixed - White and Asian"), "other" before the group, "&" for "and"
#: (dropped when normalised), and words for "not recorded", which the contract reads as NOBT.
_ETHNICITY_SPELLINGS = {
    "WBRI": ("white british", "white english"),
    "WIRI": ("white irish", "irish"),
    "WIRT": ("traveller of irish heritage", "white traveller of irish heritage"),
    "WOTH": ("any other white background", "white other", "white any other white background",
             "other white", "other white background"),
    "WROM": ("gypsy roma", "white gypsy roma", "gypsy or roma", "gypsy", "roma"),
    "MWBC": ("white and black caribbean", "mixed white and black caribbean",
             "white black caribbean", "mixed white black caribbean"),
    "MWBA": ("white and black african", "mixed white and black african", "white black african",
             "mixed white black african"),
    "MWAS": ("white and asian", "mixed white and asian", "white asian", "mixed white asian"),
    "MOTH": ("any other mixed background", "mixed other", "mixed any other mixed background",
             "other mixed", "other mixed background"),
    "AIND": ("indian", "asian indian", "asian or asian british indian"),
    "APKN": ("pakistani", "asian pakistani", "asian or asian british pakistani"),
    "ABAN": ("bangladeshi", "asian bangladeshi", "asian or asian british bangladeshi"),
    "AOTH": ("any other asian background", "asian other", "asian any other asian background",
             "other asian", "other asian background"),
    "BCRB": ("black caribbean", "caribbean", "black or black british caribbean"),
    "BAFR": ("black african", "african", "black or black british african"),
    "BOTH": ("any other black background", "black other", "black any other black background",
             "other black", "other black background"),
    "CHNE": ("chinese",),
    "OOTH": ("any other ethnic group", "other ethnic group", "any other ethnic background",
             "other ethnic background", "other", "arab"),
    "REFU": ("refused", "information refused"),
    "NOBT": ("information not yet obtained", "not yet obtained", "not obtained", "not known",
             "unknown", "not recorded", "not stated"),
}
#: Every spelling above, and each code itself, to its code.
ETHNICITIES = {spelling: code for code, spellings in _ETHNICITY_SPELLINGS.items()
               for spelling in (code.lower(), *spellings)}
#: Missing episode types, from SSDA903 codes (M, A) and police categories (2013).
MISSING_TYPES = {
    "m": "Missing", "missing": "Missing",
    "a": "Away", "away": "Away", "away from placement": "Away",
    "absent": "Absent", "ab": "Absent",
}

_CHILD_ID = Field(
    "child_id",
    ID,
    (r"child unique id", r"child( s)? id", r"child", r"unique id", r"person id",
     r"child identifier", r"la child id", r"id"),
    required=True,
    mandatory_value=True,
    label="Child Unique ID",
)
_GENDER = Field("gender", CODE, (r"gender", r"sex"), label="Gender", annex_a=True,
                codes=GENDERS)
_ETHNICITY = Field("ethnicity", CODE, (r"ethnicity", r"ethnic( group| origin| code)?"),
                   label="Ethnicity", annex_a=True, upper=True, codes=ETHNICITIES,
                   unknown_note="kept as recorded; the black and minority ethnic share of "
                                "referrals leaves such values out (assumption 15)")
_DOB = Field("dob", DATE, (r"date of birth", r"dob", r"birth date", r"d o b"),
             label="Date of Birth")
_DISTRICT = Field("district", TEXT, (r"district", r"district borough", r"borough",
                                     r"locality", r"area"), label="District")
_DISABILITY = Field("disability", YN, (r"does the child have a disability", r"disability",
                                        r"disabled"), label="Does the Child have a Disability")
#: Pivot-table exports put "Sum of " before a number's header.
_SUM = r"(?:sum of )?"

REFERRALS = Source(
    "referrals",
    "referrals",
    "Annex A List 3: referrals to children's social care",
    (
        _CHILD_ID, _GENDER, _ETHNICITY, _DOB,
        Field("referral_date", DATE, (r"date of referral", r"referral date",
                                      r"date referral (received|made)", r"referral start date"),
              required=True, mandatory_value=True, label="Date of referral"),
        Field("referral_source", CODE, (r"referral source", r"source of referral", r"source"),
              label="Referral Source", annex_a=True, upper=True),
        Field("nfa", YN, (r"referral nfa", r"nfa", r"referral no further action",
                          r"no further action"), label="Referral NFA?"),
        Field("referrals_last_12_months", INT,
              (_SUM + r"number of referrals in (the )?last 12 months",
               _SUM + r"referrals in (the )?last 12 months"),
              label="Number of Referrals in Last 12 Months"),
        _DISTRICT,
        Field("first_language", TEXT, (r"first language", r"language", r"main language"),
              label="First Language"),
        Field("religion", TEXT, (r"religion", r"faith", r"religion or belief"),
              label="Religion"),
    ),
    sheet_patterns=(r"list 3", r"referrals?"),
    noun="the referrals list (Annex A List 3)",
)

CP_PLANS = Source(
    "cp_plans",
    "cp_plans",
    "Annex A List 7: child protection plans",
    (
        _CHILD_ID, _GENDER, _ETHNICITY, _DOB,
        _DISABILITY,
        Field("start_date", DATE, (r"child protection plan start date", r"cp plan start date",
                                   r"cpp start date", r"plan start date", r"start date"),
              required=True, mandatory_value=True, label="Child Protection Plan Start Date"),
        Field("initial_category", TEXT, (r"initial category of abuse", r"initial category"),
              label="Initial Category of Abuse", annex_a=True),
        Field("latest_category", TEXT, (r"latest category of abuse", r"latest category",
                                        r"category of abuse"),
              label="Latest Category of Abuse", annex_a=True),
        Field("end_date", DATE, (r"child protection plan end date", r"cp plan end date",
                                 r"cpp end date", r"plan end date", r"end date"),
              label="Child Protection Plan End Date"),
        Field("previous_plans", INT, (_SUM + r"number of previous child protection plans",
                                      _SUM + r"number of previous cp plans",
                                      _SUM + r"previous plans",
                                      _SUM + r"number of previous cpps?",
                                      r"numberofpreviouscpp"),
              label="Number of Previous Child Protection Plans"),
        _DISTRICT,
    ),
    sheet_patterns=(r"list 7", r"child protection", r"cp plans?"),
    noun="the child protection plans list (Annex A List 7)",
)

EARLY_HELP = Source(
    "early_help",
    "early_help",
    "Annex A List 2: early help assessments",
    (
        _CHILD_ID, _GENDER, _ETHNICITY, _DOB,
        Field("assessment_start", DATE, (r"assessment start date", r"early help start date",
                                         r"start date"),
              required=True, mandatory_value=True, label="Assessment start date"),
        Field("assessment_completion", DATE, (r"assessment completion date",
                                              r"completion date", r"date completed"),
              label="Assessment completion date"),
        Field("organisation", TEXT, (r"organisation completing assessment",
                                     r"organisation completing the assessment",
                                     r"organisation", r"agency completing assessment",
                                     r"initiating agency", r"agency"),
              required=True, label="Organisation completing assessment"),
        Field("lead_professional_agency", TEXT, (r"lead professional agency",
                                                 r"lead professional", r"lead agency"),
              label="Lead Professional Agency"),
        _DISTRICT,
    ),
    sheet_patterns=(r"list 2", r"early help"),
    noun="the early help assessments list (Annex A List 2)",
)

MISSING = Source(
    "missing",
    "missing",
    "Missing episodes: SSDA903 Missing table or a local police/council extract",
    (
        Field("child_id", ID, (r"child", r"child unique id", r"child id", r"person id", r"id"),
              required=True, mandatory_value=True, label="Child id"),
        Field("dob", DATE, (r"dob", r"date of birth"), label="DOB"),
        Field("missing_type", CODE, (r"missing", r"type", r"episode type", r"missing type",
                                     r"missing absent", r"category"),
              required=True, mandatory_value=True, label="Type", annex_a=True,
              codes=MISSING_TYPES, strict=True),
        Field("start_date", DATE, (r"mis start", r"start", r"start date", r"date missing",
                                   r"missing start date", r"episode start date",
                                   r"date reported missing"),
              required=True, mandatory_value=True, label="Start"),
        Field("end_date", DATE, (r"mis end", r"end", r"end date", r"date returned",
                                 r"date found", r"missing end date", r"episode end date"),
              label="End"),
        Field("looked_after", YN, (r"looked after", r"lac", r"cla", r"looked after child"),
              label="Looked After"),
        Field("rhi_offered", YN, (r"rhi offered", r"return home interview offered"),
              label="RHI Offered"),
        Field("rhi_accepted", YN, (r"rhi accepted", r"return home interview accepted"),
              label="RHI Accepted"),
        _DISTRICT,
    ),
    sheet_patterns=(r"missing", r"ssda903 missing"),
    noun="the missing episodes table (the SSDA903 Missing table: CHILD, DOB, MISSING, "
         "MIS_START, MIS_END; or a local extract)",
)

CONTACTS = Source(
    "contacts",
    "contacts",
    "Annex A List 1: contacts",
    (
        _CHILD_ID, _GENDER, _ETHNICITY, _DOB,
        Field("contact_date", DATE, (r"date of contact", r"contact date",
                                     r"date contact (received|made)", r"contact received date"),
              required=True, mandatory_value=True, label="Date of Contact"),
        Field("contact_source", CODE, (r"contact source", r"source of contact", r"source"),
              label="Contact Source", annex_a=True, upper=True),
        _DISTRICT,
    ),
    sheet_patterns=(r"list 1\b", r"^contacts?$"),
    noun="the contacts list (Annex A List 1)",
)

ASSESSMENTS = Source(
    "assessments",
    "assessments",
    "Annex A List 4: social care assessments",
    (
        _CHILD_ID, _GENDER, _ETHNICITY, _DOB, _DISABILITY,
        Field("assessment_start", DATE, (r"continuous assessment start date",
                                         r"assessment (actual )?start date", r"start date"),
              required=True, mandatory_value=True, label="Continuous Assessment Start Date"),
        Field("assessment_authorised", DATE, (
            r"continuous assessment date of authorisation", r"assessment date of authorisation",
            r"date of authorisation", r"assessment authorisation date", r"authorisation date",
            r"assessment (completion|end) date", r"date (assessment )?(completed|authorised)"),
              label="Continuous Assessment Date of Authorisation"),
        _DISTRICT,
    ),
    sheet_patterns=(r"list 4\b", r"^(social care |continuous )?assessments?$"),
    noun="the assessments list (Annex A List 4)",
)

S47 = Source(
    "s47",
    "s47",
    "Annex A List 5: section 47 enquiries and initial child protection conferences",
    (
        _CHILD_ID, _GENDER, _ETHNICITY, _DOB, _DISABILITY,
        Field("s47_start", DATE, (
            r"strategy discussion initiating section 47 enquiry start date",
            r"section 47 (enquiry )?start date", r"s47 (enquiry |actual )?start date",
            r"start date"),
              required=True, mandatory_value=True,
              label="Strategy discussion initiating Section 47 Enquiry Start Date"),
        Field("icpc_not_required", YN, (
            r"was an initial child protection conference deemed unnecessary",
            r"(initial child protection conference|icpc) (deemed unnecessary|not required)"),
              label="Was an Initial Child Protection Conference deemed unnecessary?"),
        Field("icpc_date", DATE, (r"date of (the )?initial child protection conference",
                                  r"initial child protection conference date",
                                  r"date of icpc", r"icpc date"),
              label="Date of Initial Child Protection Conference"),
        Field("led_to_plan", YN, (
            r"did the initial child protection conference result in a child protection plan",
            r"(icpc|conference) result(ed)? in a (child protection|cp) plan"),
              label="Did the Initial Child Protection Conference Result in a Child Protection "
                    "Plan"),
        _DISTRICT,
    ),
    sheet_patterns=(r"list 5\b", r"section 47", r"s47"),
    noun="the section 47 enquiries list (Annex A List 5)",
)

CHILDREN_IN_NEED = Source(
    "children_in_need",
    "children_in_need",
    "Annex A List 6: children in need",
    (
        _CHILD_ID, _GENDER, _ETHNICITY, _DOB, _DISABILITY,
        Field("cin_start", DATE, (r"cin start date", r"child in need start date",
                                  r"episode start date", r"start date"),
              required=True, mandatory_value=True, label="CIN Start Date"),
        Field("primary_need", TEXT, (r"primary need code", r"primary need"),
              label="Primary Need Code", annex_a=True),
        Field("cin_closure", DATE, (r"cin closure date", r"closure date", r"end date"),
              label="CIN Closure Date"),
        Field("closure_reason", TEXT, (r"reason for closure", r"closure reason"),
              label="Reason for Closure", annex_a=True),
        _DISTRICT,
    ),
    sheet_patterns=(r"list 6\b", r"^children in need$"),
    noun="the children in need list (Annex A List 6)",
)

SOURCES: dict[str, Source] = {s.name: s for s in (REFERRALS, CP_PLANS, EARLY_HELP, MISSING,
                                                  CONTACTS, ASSESSMENTS, S47, CHILDREN_IN_NEED)}
#: The child's journey beyond referrals and plans (Annex A Lists 1, 4, 5, 6): listed in an
#: extract's reports only where supplied, so an extract without them reads as before.
JOURNEY_SOURCES = ("contacts", "assessments", "s47", "children_in_need")

#: CIN census disability codes (DEFINITIONS.md): NONE is no disability, the rest disabled.
DISABILITY_CODES = {"NONE": False, "MOB": True, "HAND": True, "PC": True, "INC": True,
                    "COMM": True, "LD": True, "HEAR": True, "VIS": True, "BEH": True,
                    "CON": True, "AUT": True, "DDA": True}

#: Y/N fields may read "a) Yes", "b) No", "c) Unknown" in Annex A (compared normalised, with
#: any "a) " prefix dropped).
YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0"}
UNKNOWN = {"", "u", "unknown", "not known", "not stated", "not recorded", "not stated recorded"}

#: Ethnicity codes that mean "not recorded" (CONTRACT.md): blank or NOBT. REFU is recorded.
ETHNICITY_NOT_RECORDED = {"", "NOBT"}
#: CIN ethnicity codes that are White British; every other census code except REFU and NOBT
#: is BME. A value that is no census code tells nothing either way (assumption 15).
WHITE_BRITISH = {"WBRI"}
#: The census codes of a known ethnicity: the BME share's denominator.
ETHNICITY_KNOWN = frozenset(ETHNICITIES.values()) - {"REFU", "NOBT"}

#: CIN referral source codes (CIN census guide).
REFERRAL_SOURCES = {
    "1A": "Individual: family member/relative/carer", "1B": "Individual: acquaintance",
    "1C": "Individual: self", "1D": "Individual: other",
    "2A": "Schools", "2B": "Education services",
    "3A": "Health: GP", "3B": "Health: visitor", "3C": "Health: school nurse",
    "3D": "Health: other primary care", "3E": "Health: A&E", "3F": "Health: other",
    "4": "Housing", "5A": "LA services: social care", "5B": "LA services: other internal",
    "5C": "LA services: external", "5D": "LA services: other", "6": "Police",
    "7": "Other legal agency", "8": "Other", "9": "Anonymous", "10": "Unknown",
}
#: The groups DfE publishes referrals by (CIN statistics, table C5), in its order, with their
#: codes. Packs show referral sources by group: the 22 codes split a small authority's
#: referrals into cells hidden more often than shown (issue 18).
REFERRAL_SOURCE_GROUPS: dict[str, tuple[str, ...]] = {
    "Individual": ("1A", "1B", "1C", "1D"), "Schools": ("2A",),
    "Education services": ("2B",), "Health services": ("3A", "3B", "3C", "3D", "3E", "3F"),
    "Housing": ("4",), "Local authority services": ("5A", "5B", "5C", "5D"),
    "Police": ("6",), "Other legal agency": ("7",), "Other": ("8",), "Anonymous": ("9",),
    "Unknown": ("10",),
}
_GROUP_OF = {code: group for group, codes in REFERRAL_SOURCE_GROUPS.items() for code in codes}


def referral_source_group(value: object) -> str | None:
    """DfE's group of a referral source code ("3E" -> "Health services"); a value that is no
    code is "Other" (a council's own wording, never shown as it is); blank is None."""
    text = "" if value is None else str(value).strip()
    if not text or text.lower() in ("nan", "<na>"):
        return None
    return _GROUP_OF.get(text.upper(), "Other")


# --------------------------------------------------------------------------- header matching


@dataclass
class HeaderMatch:
    """Which column holds each field. ``ambiguous`` lists, for a field, every column that
    could be it when more than one could (an error unless ``column_map`` chooses)."""

    mapping: dict[str, str]
    ambiguous: dict[str, list[str]]


def match_headers(
    headers: list[str],
    source: Source,
    column_map: Mapping[str, str] | None = None,
    originals: list[str] | None = None,
) -> HeaderMatch:
    """Find each field's column among ``headers`` (the table's column names).

    ``originals`` are the headers as written in the file, where ``headers`` had to be made
    unique ("Date of referral" twice -> "Date of referral", "Date of referral.1"); they are
    what the patterns see. User mappings (header -> field) win. A field that two or more
    unclaimed columns could be is left out of ``mapping`` and reported in ``ambiguous``.
    """
    originals = originals or headers
    mapping: dict[str, str] = {}
    claimed: set[str] = set()
    if column_map:
        names = {f.name for f in source.fields}
        lookup: dict[str, str] = {}
        for h, o in zip(headers, originals, strict=True):
            for key in (h.strip().lower(), o.strip().lower()):
                lookup.setdefault(key, h)
        for header, fname in column_map.items():
            hit = lookup.get(header.strip().lower())
            if fname in names and hit is not None:
                mapping[fname] = hit
                claimed.add(hit)
    normalised = [(h, normalise_header(o)) for h, o in zip(headers, originals, strict=True)]
    ambiguous: dict[str, list[str]] = {}
    for f in source.fields:
        if f.name in mapping:
            continue
        hits = [h for h, n in normalised if h not in claimed and f.matches(n)]
        if len(hits) == 1:
            mapping[f.name] = hits[0]
            claimed.add(hits[0])
        elif hits:
            ambiguous[f.name] = hits
            claimed.update(hits)  # neither may stand in for another field either
    return HeaderMatch(mapping, ambiguous)


def map_headers(
    headers: list[str], source: Source, column_map: Mapping[str, str] | None = None
) -> dict[str, str]:
    """canonical field -> header in the file (fields with two candidate columns left out)."""
    return match_headers(headers, source, column_map).mapping


def header_score(source: Source, column_map: Mapping[str, str] | None = None
                 ) -> Callable[[list[str]], tuple[int, int]]:
    """A scorer for a candidate header row: (required fields found, fields found).

    Used to find the header below any title rows: the row scoring highest wins.
    """
    mapped = {h.strip().lower() for h in (column_map or {})}

    def score(cells: list[str]) -> tuple[int, int]:
        norm = [normalise_header(c) for c in cells if c.strip()]
        user = sum(1 for c in cells if c.strip().lower() in mapped)
        found = [f for f in source.fields if any(f.matches(n) for n in norm)]
        required = sum(1 for f in found if f.required)
        return (required + user, len(found) + user)

    return score


def _layout(source: Source, mapping: dict[str, str]) -> str:
    if source.name == "missing":
        ssda = {normalise_header(mapping.get(k, "")) for k in ("child_id", "start_date")}
        return "SSDA903 Missing" if ssda == {"child", "mis start"} else "local missing extract"
    return source.description.split(":")[0]


# --------------------------------------------------------------------------- wrong tables


@dataclass(frozen=True)
class KnownTable:
    """A table analysts hold that is not one of the sources, recognised by its own columns."""

    name: str
    columns: tuple[str, ...]  # normalised headers found only in this table


_903 = "the SSDA903 {} table"
KNOWN_TABLES = (
    KnownTable(_903.format("Episodes"), ("decom", "rne", "ls", "cin", "place", "place provider",
                                         "dec", "rec", "reason place change", "home post",
                                         "pl post", "urn")),
    KnownTable(_903.format("Header"), ("sex", "ethnic", "upn", "mother", "mc dob")),
    KnownTable(_903.format("Reviews"), ("review", "review code")),
    KnownTable(_903.format("UASC"), ("duc",)),
    KnownTable(_903.format("OC2"), ("sdq score", "sdq reason", "convicted", "health check",
                                    "immunisations", "teeth check", "health assessment",
                                    "substance misuse", "intervention received",
                                    "intervention offered")),
    KnownTable(_903.format("OC3"), ("in touch", "activ", "accom")),
    KnownTable(_903.format("AD1"), ("date int", "date match", "foster care", "nb adoptr",
                                    "sex adoptr", "ls adoptr")),
    KnownTable(_903.format("Placed for adoption"), ("date placed", "date placed ceased",
                                                    "reason placed ceased")),
    KnownTable(_903.format("Previous permanence"), ("prev perm", "la perm", "date perm")),
    KnownTable("Annex A List 1 (contacts)", ("date of contact", "contact source")),
    KnownTable("Annex A List 4 (assessments)", (
        "continuous assessment start date", "child seen during continuous assessment",
        "continuous assessment date of authorisation")),
    KnownTable("Annex A List 5 (section 47 enquiries)", (
        "strategy discussion initiating section 47 enquiry start date",
        "date of initial child protection conference",
        "was an initial child protection conference deemed unnecessary")),
    KnownTable("Annex A List 6 (children in need)", (
        "cin start date", "primary need code", "cin closure date", "reason for closure",
        "case status")),
    KnownTable("Annex A List 8 (children looked after)", (
        "date started to be looked after", "child s category of need", "child s legal status",
        "placement type", "placement provider")),
    KnownTable("Annex A List 9 (care leavers)", (
        "eligibility category", "la in touch", "type of accommodation",
        "suitability of accommodation", "activity status")),
    KnownTable("Annex A List 10 (adoption)", (
        "date the child entered care", "date of placement order", "date placed for adoption",
        "date of matching child and prospective adopters")),
    KnownTable("Annex A List 11 (adopters)", (
        "individual adopter identifier", "date enquiry received", "date stage 1 started")),
)


def recognise_table(headers: list[str], source: Source) -> tuple[str, list[str]] | None:
    """(name, headers that show it) when a file lacking ``source``'s required columns holds
    another known table: one of the SSDA903 tables, another Annex A list, or another source.
    Needs two of the table's own columns (or its only one)."""
    norm = {normalise_header(h): h for h in headers}
    best: tuple[int, str, list[str]] | None = None
    for table in KNOWN_TABLES:
        shown = [norm[c] for c in table.columns if c in norm]
        if len(shown) >= min(2, len(table.columns)) and (best is None or len(shown) > best[0]):
            best = (len(shown), table.name, shown)
    if best is None:
        for other in SOURCES.values():
            if other.name == source.name:
                continue
            own = [f for f in other.fields if f.required and f.name != "child_id"]
            found = match_headers(list(headers), other).mapping
            if own and all(f.name in found for f in own):
                shown = [found[f.name] for f in own]
                best = (len(shown), other.noun, shown)
                break
    return None if best is None else (best[1], best[2])


# --------------------------------------------------------------------------- field reference


def all_field_names() -> set[str]:
    """Every name ``--map`` accepts."""
    return {f.name for s in SOURCES.values() for f in s.fields}


def fields_table() -> list[dict[str, object]]:
    """One dict per field of every source: ``source``, ``file``, ``field`` (the name ``--map``
    takes), ``label``, ``kind``, ``required`` (bool), ``headers`` (the patterns recognised,
    matched against the header in lower case with punctuation read as spaces)."""
    return [{"source": s.name, "file": f"{s.filename}.csv", "field": f.name, "label": f.label,
             "kind": KIND_NAMES[f.kind], "required": f.required, "headers": f.patterns}
            for s in SOURCES.values() for f in s.fields]


def describe_fields() -> str:
    """The text ``wscb fields`` prints: every source's fields and the headers recognised."""
    lines = [
        "Fields of each source, for --map \"<header in your file>=<field>\".",
        "Headers are compared in lower case with punctuation and underscores read as spaces;",
        "a header is recognised when it reads exactly as one of the patterns shown",
        "('[sum of ]' may be absent; '(a|b)' is either word).",
    ]
    for s in SOURCES.values():
        lines += ["", f"{s.name}: {s.filename}.csv (or .xlsx), {s.description}"]
        if s.sheet_patterns:
            lines.append(f"  in an Annex A workbook: a sheet whose name holds "
                         f"{' or '.join(repr(_readable(p)) for p in s.sheet_patterns)}")
        for f in s.fields:
            need = "required" if f.required else "optional"
            lines.append(f"  {f.name:<26} {KIND_NAMES[f.kind]:<17} {need:<9} "
                         f"{' | '.join(_readable(p) for p in f.patterns)}")
    return "\n".join(lines)


def _readable(pattern: str) -> str:
    """A header pattern as a person reads it: optional parts in brackets."""
    pattern = re.sub(r"\((?:\?:)?([^()]*)\)\?", r"[\1]", pattern)
    return re.sub(r"(\w)\?", r"[\1]", pattern)
