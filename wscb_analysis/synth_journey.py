"""The demo authority's journey beyond referrals and plans (``wscb synth``): contacts (Annex A
List 1), assessments (List 4), section 47 enquiries and conferences (List 5), and its CIN
census returns, drawn to agree with the referrals and plans :mod:`.synth` already wrote.

* Every referral comes from a contact that day; other contacts (1.5 for each referral: DfE
  publishes no count of contacts, so the ratio is an assumption) do not become referrals.
* Every referral not ending in no further action is assessed: the assessment starts within 3
  working days and takes the working days of Warwickshire's published 2017-18 spread (DfE table
  C2: 150 the same day, 689 in 1-10, 654 in 11-20, 852 in 21-30, 1,243 in 31-40, 864 in 41-45,
  522 in 46-50, 528 in 51-60, 705 in 61 or more, of 6,207).
* Every child protection plan follows a conference on its start date, after a section 47
  enquiry; the plan's child is the child of a referral 10 to 120 days before the first plan.
  Other enquiries make the total 12.9% of referrals (1,426 of 11,071 in 2017-18), and about half
  of all enquiries have a conference (727 of 1,426), its working days from the enquiry's start
  as Warwickshire's 2017-18 spread (C4: 48 in 0-10, 480 in 11-15, 75 in 16-20, 123 in 21+).
* Disability: 8% of children disabled, 86% not, 6% not recorded (the census' 12% of children
  in need is of children at 31 March; referrals are a wider group).
* :func:`stage_weights` is the hook where differences by group (issue 22) will be set: today
  every group has the same chance at each stage.

The census returns (one per collection year 2012-13 to 2017-18, ``cin_census/`` beside the
lists) hold every episode open at any time in the year, with the assessments, enquiries and
plans open in it, as DfE's schema orders them; they are valid against the published schema
(with ``NumberOfPreviousCPP`` zero or more, as DfE's rule 8730 says).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .io.dates import parse_dates
from .workdays import bank_holidays

FIRST_YEAR = 2012
YEARS = 6
EXTRACT_END = np.datetime64("2018-03-31", "D")
CONTACTS_PER_REFERRAL = 1.5
C2 = ((0, 0, 150), (1, 10, 689), (11, 20, 654), (21, 30, 852), (31, 40, 1243), (41, 45, 864),
      (46, 50, 522), (51, 60, 528), (61, 120, 705))
C4 = ((1, 10, 48), (11, 15, 480), (16, 20, 75), (21, 40, 123))
S47_PER_REFERRAL = 1426 / 11071
ICPC_PER_S47 = 727 / 1426
DISABILITY = {"Y": 0.08, "N": 0.86, "": 0.06}
DISABILITY_CODES = np.array(["LD", "AUT", "COMM", "BEH", "MOB", "HEAR", "VIS", "PC"],
                            dtype=object)
CATEGORIES = {"Neglect": "NEG", "Emotional abuse": "EMO", "Physical abuse": "PHY",
              "Sexual abuse": "SAB", "Multiple": "MUL"}
GENDER_CODES = {"M": "1", "F": "2", "U": "0"}
LA_CODE = "937"


def stage_weights(ethnicity: np.ndarray, disabled: np.ndarray) -> np.ndarray:
    """Relative chance, per referral, of moving on to a section 47 enquiry (and so further).
    The hook for issue 22: set differences by ethnic group or disability here (from published
    national patterns, recorded in docs/assumptions.md). Today: the same for everyone."""
    return np.ones(len(ethnicity))


def _hols() -> np.ndarray:
    return bank_holidays(FIRST_YEAR - 4, FIRST_YEAR + YEARS + 1)


def _draw_days(rng: np.random.Generator, bands, n: int) -> np.ndarray:
    w = np.array([b[2] for b in bands], dtype=float)
    pick = rng.choice(len(bands), n, p=w / w.sum())
    lo = np.array([b[0] for b in bands])[pick]
    hi = np.array([b[1] for b in bands])[pick]
    return lo + (rng.random(n) * (hi - lo + 1)).astype(int)


def _bday(dates: np.ndarray, offset) -> np.ndarray:
    """The working day ``offset`` working days after each date (rolled forward first)."""
    return np.busday_offset(np.asarray(dates).astype("datetime64[D]"), offset, roll="forward",
                            holidays=_hols())


def _parse(text) -> np.ndarray:
    return parse_dates(pa.array(np.asarray(text, dtype=object).astype(str)))[0]


def build(rng: np.random.Generator, ref: dict[str, np.ndarray], cp: dict[str, np.ndarray]
          ) -> dict[str, pd.DataFrame]:
    """Referrals (episodes), assessments, enquiries, plans and contacts as frames of dates and
    codes, from the referrals and plans columns synth wrote (before its broken rows)."""
    r = pd.DataFrame({
        "child": ref["Child Unique ID"].astype(str), "gender": ref["Gender"],
        "ethnicity": ref["Ethnicity"], "dob": _parse(ref["Date of Birth"]),
        "date": _parse(ref["Date of referral"]), "source": ref["Referral Source"],
        "nfa": ref["Referral NFA?"] == "Y"})
    children = r["child"].unique()
    dis = rng.choice(np.array(list(DISABILITY), dtype=object), len(children),
                     p=list(DISABILITY.values()))
    r["disability"] = pd.Series(dis, index=children).reindex(r["child"]).to_numpy()
    r["code"] = rng.choice(DISABILITY_CODES, len(r))
    r["episode"] = np.arange(len(r))
    # Assessments: every referral not ending in no further action.
    a = r.loc[~r["nfa"], ["episode"]].copy()
    start = _bday(r.loc[~r["nfa"], "date"].to_numpy(), rng.integers(0, 4, len(a)))
    auth = _bday(start, _draw_days(rng, C2, len(a)))
    a["start"], a["auth"] = start, np.where(auth > EXTRACT_END, np.datetime64("NaT"), auth)
    a = a.loc[a["start"] <= EXTRACT_END]
    # Plans, each after a conference; a plan's child is a referral child (see module notes).
    plans = pd.DataFrame({
        "cp_child": cp["Child Unique ID"].astype(str),
        "start": _parse(cp["Child Protection Plan Start Date"]),
        "end": _parse(cp["Child Protection Plan End Date"]),
        "initial": [CATEGORIES[c] for c in cp["Initial Category of Abuse"]],
        "latest": [CATEGORIES[c] for c in cp["Latest Category of Abuse"]],
        "previous": np.where(cp["Number of Previous Child Protection Plans"] == "", "0",
                             cp["Number of Previous Child Protection Plans"])})
    plans["episode"], own = _match(rng, r, plans)
    if len(own):
        r = pd.concat([r, own], ignore_index=True)
    # Enquiries: one per plan (its conference on the plan's start), then others to the total.
    linked = pd.DataFrame({"episode": plans["episode"].to_numpy(),
                           "icpc": plans["start"].to_numpy()})
    linked["start"] = _bday(linked["icpc"].to_numpy(), -_draw_days(rng, C4, len(linked)))
    first = r["date"].to_numpy()[linked["episode"].to_numpy()]
    linked["start"] = np.maximum(linked["start"].to_numpy(), first)
    linked["plan"] = "Yes"
    year = _fy(r["date"].to_numpy())
    have = pd.Series(_fy(linked["start"].to_numpy())).value_counts()
    extra = []
    open_ = ~r["nfa"].to_numpy()
    open_[linked["episode"].to_numpy()] = False
    open_[own["episode"].to_numpy()] = False
    weight = stage_weights(r["ethnicity"].to_numpy(), r["disability"].to_numpy() == "Y")
    for y in np.unique(year):
        pool = np.flatnonzero(open_ & (year == y))
        n = int(round(max((year == y).sum() * S47_PER_REFERRAL - have.get(y, 0), 0)))
        if len(pool) and n:
            p = weight[pool] / weight[pool].sum()
            extra.append(rng.choice(pool, min(n, len(pool)), replace=False, p=p))
    extra = np.concatenate(extra) if extra else np.array([], dtype=int)
    more = pd.DataFrame({"episode": extra})
    more["start"] = _bday(r["date"].to_numpy()[extra], rng.integers(0, 6, len(extra)))
    # Conferences for the enquiries not linked to a plan, so that about ICPC_PER_S47 of each
    # year's enquiries have one.
    extra_year = _fy(more["start"].to_numpy())
    share = np.zeros(len(extra))
    for y in np.unique(extra_year):
        mine = extra_year == y
        linked_y = int(have.get(y, 0))
        share[mine] = max(ICPC_PER_S47 * (mine.sum() + linked_y) - linked_y, 0) / mine.sum()
    held = rng.random(len(extra)) < share
    icpc = _bday(more["start"].to_numpy(), _draw_days(rng, C4, len(extra)))
    more["icpc"] = np.where(held, icpc, np.datetime64("NaT"))
    more["plan"] = np.where(held, "No", "")
    s47 = pd.concat([linked, more], ignore_index=True)
    s47 = s47.loc[s47["start"] <= EXTRACT_END]
    s47.loc[s47["icpc"] > EXTRACT_END, ["icpc", "plan"]] = [np.datetime64("NaT"), ""]
    return {"referrals": r, "assessments": a.reset_index(drop=True),
            "s47": s47.reset_index(drop=True), "plans": plans,
            "contacts": _contacts(rng, r)}


def _match(rng: np.random.Generator, r: pd.DataFrame, plans: pd.DataFrame
           ) -> tuple[np.ndarray, pd.DataFrame]:
    """The referral (episode) each plan belongs to: all plans of one child go to one referral,
    not ending in no further action, 10 to 120 days before the child's first plan; a child
    with none gets an episode of its own, referred 30 days before (returned to append)."""
    first = plans.groupby("cp_child")["start"].min().sort_values()
    cand = r.loc[~r["nfa"]].sort_values("date", kind="stable")
    dates = cand["date"].to_numpy()
    episodes = cand["episode"].to_numpy()
    # One plan child to one referral child (never two: their plans would overlap).
    owner = pd.factorize(cand["child"])[0]
    used = np.zeros(owner.max() + 1 if len(owner) else 0, dtype=bool)
    chosen: dict[str, int] = {}
    own: list[str] = []
    days = first.to_numpy().astype("datetime64[D]")
    dates = dates.astype("datetime64[D]")
    los = np.searchsorted(dates, days - np.timedelta64(120, "D"))
    his = np.searchsorted(dates, days - np.timedelta64(10, "D"), side="right")
    for child, lo, hi in zip(first.index, los, his, strict=True):
        # Twenty random tries among the window's referrals (a permutation of a national
        # window, hundreds of thousands, for each child would take hours).
        pick = next((i for i in lo + rng.integers(0, hi - lo, 20) if not used[owner[i]]),
                    -1) if hi > lo else -1
        if pick >= 0:
            used[owner[pick]] = True
            chosen[child] = int(episodes[pick])
        else:
            chosen[child] = len(r) + len(own)
            own.append(child)
    start = first.loc[own].to_numpy()
    add = pd.DataFrame({
        "child": own, "gender": "U", "ethnicity": "NOBT",
        "dob": start - np.timedelta64(3000, "D"), "date": start - np.timedelta64(30, "D"),
        "source": "10", "nfa": False, "disability": "", "code": "LD",
        "episode": np.arange(len(r), len(r) + len(own))})
    return plans["cp_child"].map(chosen).to_numpy(), add


def _fy(d) -> np.ndarray:
    """Financial year (its first calendar year) of each date."""
    return (np.asarray(d, "datetime64[M]").astype(int) - 3) // 12 + 1970


def _contacts(rng: np.random.Generator, r: pd.DataFrame) -> pd.DataFrame:
    own = r.loc[r["date"] >= np.datetime64(f"{FIRST_YEAR - 1}-04-01"),
                ["child", "gender", "ethnicity", "dob", "date", "source"]]
    n = int(round(len(own) * CONTACTS_PER_REFERRAL))
    days = own["date"].to_numpy()
    span = (EXTRACT_END - days.min()).astype(int)
    others = pd.DataFrame({
        "child": (9_000_000 + rng.permutation(n)).astype(str),
        "gender": rng.choice(np.array(["M", "F"], dtype=object), n),
        "ethnicity": rng.choice(own["ethnicity"].to_numpy(), n),
        "date": days.min() + rng.integers(0, span + 1, n),
        "source": rng.choice(own["source"].to_numpy(), n)})
    others["dob"] = (others["date"].to_numpy().astype("datetime64[D]")
                     - (rng.random(n) * 17 * 365.25).astype(int))
    out = pd.concat([own, others], ignore_index=True)
    return out.sort_values("date", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- Annex A lists


def _dmy(d) -> np.ndarray:
    d = np.asarray(d, dtype="datetime64[D]")
    text = pd.Series(d).dt.strftime("%d/%m/%Y").fillna("").to_numpy(dtype=object)
    return text


def _age(dob, at) -> np.ndarray:
    return ((np.asarray(at, "datetime64[D]") - np.asarray(dob, "datetime64[D]")).astype(int)
            // 365.25).astype(int).clip(0)


_YN = {"Y": "a) Yes", "N": "b) No", "": ""}


def lists(j: dict[str, pd.DataFrame]) -> dict[str, dict[str, np.ndarray]]:
    """Annex A Lists 1, 4 and 5 as the columns of contacts.csv, assessments.csv, s47.csv."""
    r = j["referrals"]
    c = j["contacts"]
    out = {"contacts": {
        "Child Unique ID": c["child"].to_numpy(), "Gender": c["gender"].to_numpy(),
        "Ethnicity": c["ethnicity"].to_numpy(), "Date of Birth": _dmy(c["dob"]),
        "Age of Child (Years)": _age(c["dob"], c["date"]), "Date of Contact": _dmy(c["date"]),
        "Contact Source": c["source"].to_numpy()}}
    for name, frame, cols in (
        ("assessments", j["assessments"], lambda f: {
            "Continuous Assessment Start Date": _dmy(f["start"]),
            "Child Seen During Continuous Assessment": np.full(len(f), "Yes", dtype=object),
            "Continuous Assessment Date of Authorisation": _dmy(f["auth"]),
            "Was the child assessed as requiring LA children's social care support?":
                np.full(len(f), "", dtype=object)}),
        ("s47", j["s47"], lambda f: {
            "Strategy discussion initiating Section 47 Enquiry Start Date": _dmy(f["start"]),
            "Was an Initial Child Protection Conference deemed unnecessary?": np.where(
                f["icpc"].isna(), "Yes", "No").astype(object),
            "Date of Initial Child Protection Conference": _dmy(f["icpc"]),
            "Did the Initial Child Protection Conference Result in a Child Protection Plan":
                f["plan"].to_numpy(dtype=object)})):
        ep = r.iloc[frame["episode"].to_numpy()]
        out[name] = {"Child Unique ID": ep["child"].to_numpy(), "Gender": ep["gender"].to_numpy(),
                     "Ethnicity": ep["ethnicity"].to_numpy(), "Date of Birth": _dmy(ep["dob"]),
                     "Age of Child (Years)": _age(ep["dob"], frame["start"]),
                     "Does the Child have a Disability": np.array(
                         [_YN[v] for v in ep["disability"]], dtype=object),
                     **cols(frame)}
    return out


# --------------------------------------------------------------------------- census returns


def _iso(d: pd.Series) -> pd.Series:
    return pd.Series(np.asarray(d, "datetime64[D]")).dt.strftime("%Y-%m-%d").fillna("")


def _el(name: str, values: pd.Series) -> pd.Series:
    """``<name>value</name>`` where the value is not blank, else nothing."""
    v = values.astype(str)
    return (f"<{name}>" + v + f"</{name}>").where(v != "", "")


def _joined(parts: pd.Series, by: np.ndarray, n: int) -> np.ndarray:
    """The fragments of each group (``by`` in 0..n-1) joined in order; "" for none."""
    out = [""] * n
    for g, frag in zip(np.asarray(by).tolist(), parts.tolist(), strict=True):
        out[g] += frag
    return np.array(out, dtype=object)


def write_census(out: Path, j: dict[str, pd.DataFrame]) -> dict[str, int]:
    """One return per collection year (``CIN_Census_2013.xml`` ... ``2018``: the year to 31
    March), each episode with what was open in the year. Returns children per file."""
    out.mkdir(parents=True, exist_ok=True)
    r = j["referrals"]
    a, s, p = j["assessments"], j["s47"], j["plans"]
    ends = [a.assign(e=a["auth"]).groupby("episode")["e"].max(),
            s.assign(e=s["icpc"].fillna(s["start"])).groupby("episode")["e"].max(),
            p.assign(e=p["end"]).groupby("episode")["e"].max()]
    still_open = pd.concat([a.loc[a["auth"].isna(), "episode"],
                            p.loc[p["end"].isna(), "episode"]]).unique()
    last = pd.concat(ends, axis=1).max(axis=1).reindex(range(len(r)))
    closure = (last + pd.to_timedelta(45, "D")).to_numpy(dtype="datetime64[D]")
    closure = np.where(r["nfa"].to_numpy(), r["date"].to_numpy(), closure)
    no_record = ~r["nfa"].to_numpy() & np.isnat(closure)
    closure[no_record] = (r["date"].to_numpy()[no_record] + np.timedelta64(60, "D"))
    closure[still_open] = np.datetime64("NaT")
    closure = np.where(closure > EXTRACT_END, np.datetime64("NaT"), closure)
    counts = {}
    for k in range(YEARS):
        ref = np.datetime64(f"{FIRST_YEAR + k + 1}-03-31", "D")
        begin = np.datetime64(f"{FIRST_YEAR + k}-04-01", "D")
        name = f"CIN_Census_{FIRST_YEAR + k + 1}.xml"
        counts[name] = _write_year(out / name, r, a, s, p, closure, begin, ref,
                                   f"{FIRST_YEAR + k + 1}")
    return counts


def _in_year(start, end, begin, ref) -> np.ndarray:
    s = np.asarray(start, "datetime64[D]")
    e = np.asarray(end, "datetime64[D]")
    return (s <= ref) & (np.isnat(e) | (e >= begin))


def _upto(d, ref) -> pd.Series:
    d = np.asarray(d, "datetime64[D]")
    return _iso(np.where(d > ref, np.datetime64("NaT"), d))


def _write_year(path: Path, r, a, s, p, closure, begin, ref, year: str) -> int:
    keep = _in_year(r["date"], closure, begin, ref)
    ep = r.loc[keep].copy()
    ep["closure"] = closure[keep]
    index = pd.Series(np.arange(len(ep)), index=ep["episode"].to_numpy())
    parts = {}
    for name, frame, start, end in (("a", a, "start", "auth"), ("s", s, "start", "icpc"),
                                    ("p", p, "start", "end")):
        f = frame.loc[frame["episode"].isin(ep["episode"])
                      & _in_year(frame[start], frame[end], begin, ref)]
        f = f.sort_values(start, kind="stable")
        if name == "a":
            frag = ("<Assessments>" + _el("AssessmentActualStartDate", _iso(f["start"]))
                    + _el("AssessmentAuthorisationDate", _upto(f["auth"], ref))
                    + "</Assessments>")
        elif name == "s":
            held = _upto(f["icpc"], ref)
            frag = ("<Section47>" + _el("S47ActualStartDate", _iso(f["start"]))
                    + _el("DateOfInitialCPC", held) + "<ICPCnotRequired>"
                    + np.where(f["icpc"].isna().to_numpy(), "true", "false")
                    + "</ICPCnotRequired></Section47>")
        else:
            frag = ("<ChildProtectionPlans>" + _el("CPPstartDate", _iso(f["start"]))
                    + _el("CPPendDate", _upto(f["end"], ref))
                    + _el("InitialCategoryOfAbuse", f["initial"].reset_index(drop=True))
                    + _el("LatestCategoryOfAbuse", f["latest"].reset_index(drop=True))
                    + _el("NumberOfPreviousCPP", f["previous"].reset_index(drop=True))
                    + "</ChildProtectionPlans>")
        parts[name] = _joined(pd.Series(np.asarray(frag, dtype=object)),
                              index.loc[f["episode"].to_numpy()].to_numpy(), len(ep))
    closed = _upto(ep["closure"], ref)
    source = ep["source"].astype(str)
    if int(year) < 2023:  # "5D" (early help) joined the referral source codes in 2022-23
        source = source.where(source != "5D", "5B")
    nfa = np.where(ep["nfa"].to_numpy(), "true", "false")
    reason = pd.Series(np.where(ep["nfa"].to_numpy(), "RC8", "RC7")).where(closed != "", "")
    episode = ("<CINdetails>" + _el("CINreferralDate", _iso(ep["date"]))
               + _el("ReferralSource", source.reset_index(drop=True))
               + "<PrimaryNeedCode>N1</PrimaryNeedCode>"
               + _el("CINclosureDate", closed) + _el("ReasonForClosure", reason)
               + parts["a"] + parts["s"] + "<ReferralNFA>" + nfa + "</ReferralNFA>"
               + parts["p"] + "</CINdetails>")
    ep = ep.reset_index(drop=True)
    ep["xml"] = episode.to_numpy()
    ep = ep.sort_values(["child", "date"], kind="stable")
    first = ep.drop_duplicates("child")
    eth = first["ethnicity"].replace("", "NOBT").reset_index(drop=True)
    dis = first["disability"].reset_index(drop=True)
    codes = np.where(dis == "Y", first["code"].to_numpy(), np.where(dis == "N", "NONE", ""))
    head = ("<Child><ChildIdentifiers>" + _el("LAchildID", first["child"].reset_index(drop=True))
            + _el("PersonBirthDate", _iso(first["dob"]))
            + "<GenderCurrent>" + first["gender"].map(GENDER_CODES).reset_index(drop=True)
            + "</GenderCurrent></ChildIdentifiers><ChildCharacteristics>"
            + _el("Ethnicity", eth)
            + pd.Series(np.where(codes != "", "<Disabilities><Disability>" + codes
                                 + "</Disability></Disabilities>", ""))
            + "</ChildCharacteristics>")
    codes_ = pd.factorize(ep["child"])[0]
    body = _joined(ep["xml"], codes_, int(codes_.max()) + 1 if len(ep) else 0)
    children = head.to_numpy() + body + "</Child>\n"
    header = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Message><Header><CollectionDetails>'
              f"<Collection>CIN</Collection><Year>{year}</Year><ReferenceDate>{ref}"
              f"</ReferenceDate></CollectionDetails><Source><SourceLevel>L</SourceLevel>"
              f"<LEA>{LA_CODE}</LEA><SoftwareCode>wscb synth (synthetic)</SoftwareCode>"
              f"<Release>1</Release><SerialNo>001</SerialNo><DateTime>{year}-05-15T09:00:00"
              f"</DateTime></Source></Header><Children>\n")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(header)
        for i in range(0, len(children), 50_000):
            fh.write("".join(children[i:i + 50_000]))
        fh.write("</Children></Message>\n")
    return len(children)


__all__ = ["build", "lists", "stage_weights", "write_census"]
