"""Canonical columns for each source, the header patterns that find them, and code lists.

Headers are normalised (lower case, anything but letters and digits -> one space) and matched
against each field's patterns in order, so council variants such as "Child ID",
"CHILD_UNIQUE_ID" or "Date of Referral" all load. A user may map an unusual header by name
(``column_map={"Ref Date": "referral_date"}``).
Sources: Ofsted Annex A (lists 2, 3, 7), SSDA903 Missing table, local extracts (CONTRACT.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Field kinds: how a raw text value is read.
ID, TEXT, DATE, INT, YN, CODE = "id", "text", "date", "int", "yn", "code"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    patterns: tuple[str, ...]
    required: bool = False
    #: A blank value makes the row unusable (set aside) rather than just unknown.
    mandatory_value: bool = False
    #: Shown in messages.
    label: str = ""

    def matches(self, normalised_header: str) -> bool:
        return any(re.fullmatch(p, normalised_header) for p in self.patterns)


@dataclass(frozen=True)
class Source:
    name: str
    filename: str
    description: str
    fields: tuple[Field, ...]
    #: Sheet names of an Annex A workbook that may hold this source.
    sheet_patterns: tuple[str, ...] = ()
    #: Alternative layouts recognised by their headers (e.g. SSDA903 Missing).
    notes: tuple[str, ...] = field(default_factory=tuple)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def normalise_header(header: str) -> str:
    """'Date of Referral ' -> 'date of referral'; 'CHILD_UNIQUE_ID' -> 'child unique id'."""
    return re.sub(r"[^a-z0-9]+", " ", str(header).lower()).strip()


_CHILD_ID = Field(
    "child_id",
    ID,
    (r"child unique id", r"child( s)? id", r"child", r"unique id", r"person id",
     r"child identifier", r"la child id", r"id"),
    required=True,
    mandatory_value=True,
    label="Child Unique ID",
)
_GENDER = Field("gender", CODE, (r"gender", r"sex"), label="Gender")
_ETHNICITY = Field("ethnicity", CODE, (r"ethnicity", r"ethnic( group| origin| code)?"),
                   label="Ethnicity")
_DOB = Field("dob", DATE, (r"date of birth", r"dob", r"birth date", r"d o b"),
             label="Date of Birth")
_DISTRICT = Field("district", TEXT, (r"district", r"district borough", r"borough",
                                     r"locality", r"area"), label="District")

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
              label="Referral Source"),
        Field("nfa", YN, (r"referral nfa", r"nfa", r"referral no further action",
                          r"no further action"), label="Referral NFA?"),
        Field("referrals_last_12_months", INT,
              (r"number of referrals in last 12 months", r"referrals in last 12 months"),
              label="Number of Referrals in Last 12 Months"),
        _DISTRICT,
        Field("first_language", TEXT, (r"first language", r"language", r"main language"),
              label="First Language"),
        Field("religion", TEXT, (r"religion", r"faith", r"religion or belief"),
              label="Religion"),
    ),
    sheet_patterns=(r"list 3", r"referrals?"),
)

CP_PLANS = Source(
    "cp_plans",
    "cp_plans",
    "Annex A List 7: child protection plans",
    (
        _CHILD_ID, _GENDER, _ETHNICITY, _DOB,
        Field("disability", YN, (r"does the child have a disability", r"disability",
                                 r"disabled"), label="Does the Child have a Disability"),
        Field("start_date", DATE, (r"child protection plan start date", r"cp plan start date",
                                   r"cpp start date", r"plan start date", r"start date"),
              required=True, mandatory_value=True, label="Child Protection Plan Start Date"),
        Field("initial_category", TEXT, (r"initial category of abuse", r"initial category"),
              label="Initial Category of Abuse"),
        Field("latest_category", TEXT, (r"latest category of abuse", r"latest category",
                                        r"category of abuse"),
              label="Latest Category of Abuse"),
        Field("end_date", DATE, (r"child protection plan end date", r"cp plan end date",
                                 r"cpp end date", r"plan end date", r"end date"),
              label="Child Protection Plan End Date"),
        Field("previous_plans", INT, (r"number of previous child protection plans",
                                      r"number of previous cp plans", r"previous plans",
                                      r"number of previous cpp", r"numberofpreviouscpp"),
              label="Number of Previous Child Protection Plans"),
        _DISTRICT,
    ),
    sheet_patterns=(r"list 7", r"child protection", r"cp plans?"),
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
              required=True, mandatory_value=True, label="Type"),
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
)

SOURCES: dict[str, Source] = {s.name: s for s in (REFERRALS, CP_PLANS, EARLY_HELP, MISSING)}

#: Missing episode types, from SSDA903 codes (M, A) and police categories (2013).
MISSING_TYPES = {
    "m": "Missing", "missing": "Missing",
    "a": "Away", "away": "Away", "away from placement": "Away",
    "absent": "Absent", "ab": "Absent",
}

#: Y/N fields may read "a) Yes", "b) No", "c) Unknown" in Annex A.
YES = {"y", "yes", "a yes", "true", "1"}
NO = {"n", "no", "b no", "false", "0"}
UNKNOWN = {"", "u", "unknown", "c unknown", "not known"}

#: Ethnicity codes that mean "not recorded" (CONTRACT.md): blank or NOBT. REFU is recorded.
ETHNICITY_NOT_RECORDED = {"", "NOBT"}
#: CIN ethnicity codes that are White British; every other recorded code except REFU is BME.
WHITE_BRITISH = {"WBRI"}

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
