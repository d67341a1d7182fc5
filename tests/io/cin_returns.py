"""Hand-made CIN census returns (two overlapping years) and the same children as an Annex A
workbook, for the journey tests. Every date and the working days between them are worked out
by hand in tests/io/test_cin.py and tests/metrics/test_journey.py.

Children (ids are made up):

  C1  referred Wed 01/06/2016; assessed 01/06/2016 to Wed 03/08/2016 (45 working days);
      closed 30/09/2016. In the 2016-17 return only.
  C2  referred Wed 01/03/2017, still open at 31 March 2017; assessment from Thu 02/03/2017,
      authorised Fri 28/04/2017 (39 working days); section 47 from Mon 20/03/2017, conference
      Mon 10/04/2017 (15 working days); plan from 10/04/2017, open. In both returns: the
      2016-17 one without the authorisation or the conference (not yet happened), the
      2017-18 one with them and the plan.
  C3  referred Mon 15/05/2017, no further action. 2017-18 return.
  C4  referred Wed 20/12/2017, disability HAND; assessed 20/12/2017 to Tue 27/02/2018
      (46 working days); section 47 from Mon 08/01/2018, conference Tue 30/01/2018 (16
      working days); plan from 30/01/2018, open.
  C5  referred Mon 03/04/2017; assessed and authorised the same day (0 working days);
      section 47 from Wed 05/04/2017, conference deemed unnecessary.
  C6  referred Fri 10/02/2017 (no further action, closed that day: 2016-17 return) and again
      Mon 12/06/2017 (no further action: 2017-18 return) - a re-referral across the years.
  C7  referred Mon 03/07/2017; assessment "started" 01/08/2017 but authorised 20/07/2017: an
      assessment that starts after it is authorised (set aside, DfE rule 8608).
"""

from __future__ import annotations

from pathlib import Path

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n<Message><Header><CollectionDetails>'
          "<Collection>CIN</Collection><Year>{year}</Year><ReferenceDate>{ref}</ReferenceDate>"
          "</CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>999</LEA>"
          "<SoftwareCode>test</SoftwareCode><Release>1</Release><SerialNo>001</SerialNo>"
          "<DateTime>{year}-05-01T09:00:00</DateTime></Source></Header><Children>\n")


def child(cid: str, episodes: str, ethnicity: str = "WBRI", disability: str | None = "NONE",
          gender: str = "<GenderCurrent>1</GenderCurrent>") -> str:
    dis = f"<Disabilities><Disability>{disability}</Disability></Disabilities>" \
        if disability else ""
    return (f"<Child><ChildIdentifiers><LAchildID>{cid}</LAchildID>"
            f"<PersonBirthDate>2010-01-15</PersonBirthDate>{gender}</ChildIdentifiers>"
            f"<ChildCharacteristics><Ethnicity>{ethnicity}</Ethnicity>{dis}"
            f"</ChildCharacteristics>{episodes}</Child>\n")


def episode(referred: str, nfa: bool, inner: str = "", plans: str = "", closed: str = "",
            source: str = "2A") -> str:
    close = (f"<CINclosureDate>{closed}</CINclosureDate><ReasonForClosure>RC8"
             "</ReasonForClosure>") if closed else ""
    return (f"<CINdetails><CINreferralDate>{referred}</CINreferralDate><ReferralSource>{source}"
            f"</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>{close}{inner}"
            f"<ReferralNFA>{'true' if nfa else 'false'}</ReferralNFA>{plans}</CINdetails>")


def assessment(start: str, authorised: str = "") -> str:
    auth = f"<AssessmentAuthorisationDate>{authorised}</AssessmentAuthorisationDate>" \
        if authorised else ""
    return (f"<Assessments><AssessmentActualStartDate>{start}</AssessmentActualStartDate>{auth}"
            "</Assessments>")


def s47(start: str, icpc: str = "", not_required: bool = False) -> str:
    held = f"<DateOfInitialCPC>{icpc}</DateOfInitialCPC>" if icpc else ""
    return (f"<Section47><S47ActualStartDate>{start}</S47ActualStartDate>{held}"
            f"<ICPCnotRequired>{'true' if not_required else 'false'}</ICPCnotRequired>"
            "</Section47>")


def plan(start: str, end: str = "", previous: int = 0) -> str:
    finish = f"<CPPendDate>{end}</CPPendDate>" if end else ""
    return (f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>{finish}"
            "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG"
            f"</LatestCategoryOfAbuse><NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP>"
            "</ChildProtectionPlans>")


def message(year: str, ref: str, children: list[str]) -> str:
    return HEADER.format(year=year, ref=ref) + "".join(children) + "</Children></Message>\n"


RETURN_2017 = message("2017", "2017-03-31", [
    child("C1", episode("2016-06-01", False, assessment("2016-06-01", "2016-08-03"),
                        closed="2016-09-30")),
    child("C2", episode("2017-03-01", False, assessment("2017-03-02") + s47("2017-03-20"))),
    child("C6", episode("2017-02-10", True, closed="2017-02-10")),
])
RETURN_2018 = message("2018", "2018-03-31", [
    child("C2", episode("2017-03-01", False, assessment("2017-03-02", "2017-04-28")
                        + s47("2017-03-20", "2017-04-10"), plan("2017-04-10"))),
    child("C3", episode("2017-05-15", True, closed="2017-05-15")),
    child("C4", episode("2017-12-20", False, assessment("2017-12-20", "2018-02-27")
                        + s47("2018-01-08", "2018-01-30"), plan("2018-01-30")),
          disability="HAND"),
    child("C5", episode("2017-04-03", False, assessment("2017-04-03", "2017-04-03")
                        + s47("2017-04-05", not_required=True))),
    child("C6", episode("2017-06-12", True, closed="2017-06-12")),
    child("C7", episode("2017-07-03", False, assessment("2017-08-01", "2017-07-20"))),
])


def write_returns(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cin_2016_17.xml").write_text(RETURN_2017)
    (folder / "cin_2017_18.xml").write_text(RETURN_2018)
    return folder


_CHILD = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
_DIS = {"C4": "a) Yes"}
LISTS = {
    "List 1": (_CHILD + ["Date of Contact", "Contact Source"], [
        ("C1", "01/06/2016", "e) 2A: Schools"), ("C2", "01/03/2017", "e) 2A: Schools"),
        ("C6", "10/02/2017", "e) 2A: Schools"), ("C3", "15/05/2017", "q) 6: Police"),
        ("C4", "20/12/2017", "q) 6: Police"), ("C5", "03/04/2017", "q) 6: Police"),
        ("C6", "12/06/2017", "q) 6: Police"), ("C7", "03/07/2017", "q) 6: Police"),
        ("X1", "04/07/2017", "q) 6: Police"), ("X2", "05/09/2017", "q) 6: Police")]),
    "List 3": (_CHILD + ["Date of Referral", "Referral Source", "Referral NFA?"], [
        ("C1", "01/06/2016", "2A", "No"), ("C2", "01/03/2017", "2A", "No"),
        ("C6", "10/02/2017", "2A", "Yes"), ("C3", "15/05/2017", "2A", "Yes"),
        ("C4", "20/12/2017", "2A", "No"), ("C5", "03/04/2017", "2A", "No"),
        ("C6", "12/06/2017", "2A", "Yes"), ("C7", "03/07/2017", "2A", "No")]),
    "List 4": (_CHILD + ["Does the Child have a Disability", "Continuous Assessment Start Date",
                         "Child Seen During Continuous Assessment",
                         "Continuous Assessment Date of Authorisation"], [
        ("C1", "b) No", "01/06/2016", "Yes", "03/08/2016"),
        ("C2", "b) No", "02/03/2017", "Yes", "28/04/2017"),
        ("C4", "a) Yes", "20/12/2017", "Yes", "27/02/2018"),
        ("C5", "b) No", "03/04/2017", "Yes", "03/04/2017"),
        ("C7", "b) No", "01/08/2017", "Yes", "20/07/2017")]),
    "List 5": (_CHILD + ["Does the Child have a Disability",
                         "Strategy discussion initiating Section 47 Enquiry Start Date",
                         "Was an Initial Child Protection Conference deemed unnecessary?",
                         "Date of Initial Child Protection Conference",
                         "Did the Initial Child Protection Conference Result in a Child "
                         "Protection Plan"], [
        ("C2", "b) No", "20/03/2017", "No", "10/04/2017", "Yes"),
        ("C4", "a) Yes", "08/01/2018", "No", "30/01/2018", "Yes"),
        ("C5", "b) No", "05/04/2017", "Yes", "", "")]),
    "List 7": (_CHILD + ["Does the Child have a Disability", "Child Protection Plan Start Date",
                         "Child Protection Plan End Date",
                         "Number of Previous Child Protection Plans"], [
        ("C2", "b) No", "10/04/2017", "", "0"), ("C4", "a) Yes", "30/01/2018", "", "0")]),
}


def write_workbook(folder: Path) -> Path:
    """The same children as the returns, as an Annex A workbook (Lists 1, 3, 4, 5 and 7)."""
    from openpyxl import Workbook

    folder.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in LISTS.items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append([row[0], "a) Male", "a) WBRI", "15/01/2010", ""] + list(row[1:]))
    path = folder / "Annex_A.xlsx"
    wb.save(path)
    return path
