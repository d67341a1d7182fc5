"""CIN census returns -> the canonical sources: referrals, children in need, assessments,
section 47 enquiries and CP plans, with every record accounted for.

Each return is validated by the rules every source follows (:func:`.validate.validate_table`:
dates, codes, Y/N values, blank ids, end before start, overlapping plans), then:

* a record dated after its return's reference date is set aside: the return reports its
  collection year, which ends on that day;
* an episode (child + referral date, as written) in two returns is one episode: the later
  return's version is kept and the earlier one is counted as repeated; so is an assessment,
  enquiry or plan (its episode + its start date), so one that a later return leaves out
  (closed before that year began) is still read from the return that held it. Returns are
  ordered by reference date, then by the header's DateTime, then by file name;
* a referral dated before the first collection year held is set aside with its reason: a
  return holds only the cases still open when its year began, so the referrals of earlier
  years are not all there, and counting some of them would pass an incomplete year (and an
  incomplete re-referral look-back) as a whole one. The episode stays among the children in
  need, and its plans, assessments and enquiries are kept; every source records the first day
  it holds in full (``held_from``), so coverage starts there.

Rows are numbered within each file by record (the n-th episode, assessment, ...); a reason
for setting one aside names the element (``Child[3]/CINdetails[1]/Assessments[2]/
AssessmentActualStartDate``) and the line its ``Child`` starts on.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import ExtractError
from ..periods import add_months
from .checks import overlaps
from .cin import (
    CHILD_COLUMNS,
    CHILD_PATHS,
    COLUMNS,
    FIELDS,
    RECORD,
    Return,
    read_return,
    record_path,
)
from .read import RawTable
from .result import SET_ASIDE_COLUMNS, SourceResult, empty_frame
from .schemas import DATE, SOURCES
from .validate import validate_table

CENSUS_SOURCES = tuple(COLUMNS)
LAYOUT = "CIN census return"


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _dmy(d) -> str:
    return pd.Timestamp(d).strftime("%d/%m/%Y")


def _dmys(days: np.ndarray) -> np.ndarray:
    """dd/mm/yyyy for many days at once."""
    iso = pd.Series(np.datetime_as_string(np.asarray(days, "datetime64[D]"), unit="D"))
    return (iso.str[8:10] + "/" + iso.str[5:7] + "/" + iso.str[:4]).to_numpy(dtype=object)


def _order(returns: list[Return]) -> list[Return]:
    for r in returns:
        if _day(r.reference_date) is None:
            raise ExtractError(
                f"{r.label}: its ReferenceDate '{r.reference_date[:40]}' is not a date "
                "(yyyy-mm-dd), so the collection year it covers cannot be told; it was not "
                "read. Export the return again, or move the file out of the folder")
    codes = {r.la_code for r in returns if r.la_code}
    if len(codes) > 1:
        listed = "; ".join(f"{r.label}: LA {r.la_code or 'not given'}" for r in returns)
        raise ExtractError(
            f"the CIN census returns are from {len(codes)} different authorities ({listed}); "
            "a folder holds one authority's returns: move the others to folders of their own")
    return sorted(returns, key=lambda r: (_day(r.reference_date), r.created, r.label))


def collection_start(reference_date: date) -> date:
    """The first day of a return's collection year: the day after its reference date a year
    before (1 April for a 31 March return)."""
    before = add_months(np.array([np.datetime64(reference_date, "D")]), -12)[0]
    return pd.Timestamp(before).date() + timedelta(days=1)


def load_census(returns_or_paths, notes: list[str] | None = None) -> dict[str, SourceResult]:
    """Read and validate every return, merge the years, and give one :class:`SourceResult`
    per census source (see the module notes). Raises :class:`ExtractError` naming the file
    when a return is refused (hostile or broken XML, no reference date) or when the returns
    are from more than one authority."""
    returns = [r if isinstance(r, Return) else read_return(r) for r in returns_or_paths]
    returns = _order(returns)
    refs = [_day(r.reference_date) for r in returns]
    held_from = min(collection_start(d) for d in refs)
    held_to = max(refs)
    out = {}
    for source in CENSUS_SOURCES:
        latest, distinct = _latest(returns, source)
        out[source] = _source(source, returns, refs, latest, held_from, held_to)
        if source == "children_in_need":
            episodes = distinct
    out["children_in_need"].warnings[:0] = _summary(returns, refs, episodes, notes or [])
    return out


def _latest(returns: list[Return], source: str) -> tuple[list[np.ndarray], int]:
    """For each return, the rank of the latest return holding each of its records (by the
    records' keys), and how many distinct records there are."""
    keys = np.concatenate([r.records[source].key for r in returns]) if returns else \
        np.array([], dtype=object)
    codes, uniques = pd.factorize(keys)
    ranks = np.concatenate([np.full(len(r.records[source]), k)
                            for k, r in enumerate(returns)]).astype(np.int64)
    best = np.full(len(uniques), -1, dtype=np.int64)
    np.maximum.at(best, codes, ranks)
    out, at = [], 0
    for r in returns:
        n = len(r.records[source])
        out.append(best[codes[at:at + n]])
        at += n
    return out, len(uniques)


def _summary(returns: list[Return], refs: list[date], merged: int,
             notes: list[str]) -> list[str]:
    parts = [f"{r.label} (collection year {_dmy(collection_start(d))} to {_dmy(d)}"
             f"{', LA ' + r.la_code if r.la_code else ''}: {r.children:,} children, "
             f"{r.episodes:,} episodes)" for r, d in zip(returns, refs, strict=True)]
    episodes = sum(r.episodes for r in returns)
    lines = [f"CIN census returns read, oldest first: {'; '.join(parts)}. An episode (child "
             f"and referral date) in two returns is kept once, in the later return's version: "
             f"{episodes - merged:,} of {episodes:,} episodes were repeated in a later return."]
    seen: dict[date, str] = {}
    for r, d in zip(returns, refs, strict=True):
        if d in seen:
            lines.append(f"{seen[d]} and {r.label} both cover the year to {_dmy(d)}: where "
                         f"they hold the same episode, {r.label}'s version is kept (the later "
                         "by its header's DateTime, then by file name); keep one of them")
        seen[d] = r.label
    for r in returns:
        if r.unknown_disability:
            shown = ", ".join(str(n) for n in r.unknown_disability[:5])
            more = " and others" if len(r.unknown_disability) > 5 else ""
            lines.append(f"{r.label}: {len(r.unknown_disability):,} children have a "
                         f"Disability code the census does not use (the Child elements at "
                         f"line {shown}{more}); where no other code says, their disability "
                         "is read as not recorded")
    return lines + notes


def _source(source: str, returns: list[Return], refs: list[date], latest: list[np.ndarray],
            held_from: date, held_to: date) -> SourceResult:
    spec = SOURCES[source]
    datas, asides, warnings, problems = [], [], [], []
    where: list[tuple[np.ndarray, ...]] = []
    rows_in = duplicates = 0
    for rank, (r, ref) in enumerate(zip(returns, refs, strict=True)):
        rec = r.records[source]
        n = len(rec)
        rows_in += n
        if n == 0:
            continue
        table = pa.table(rec.columns)
        raw = RawTable(table, list(table.column_names), np.arange(1, n + 1, dtype=np.int64), 0)
        res = validate_table(raw, spec, r.label, column_map=FIELDS[source])
        problems += [p for p in res.problems if "could be used" not in p]
        child, episode = np.asarray(rec.child), np.asarray(rec.episode)
        number, line = np.asarray(rec.number), np.asarray(rec.line)

        def path(column: str, i: int, _c=child, _e=episode, _n=number) -> str:
            return record_path(source, column, int(_c[i]), int(_e[i]), int(_n[i]))

        def place(i: int, _l=line, _p=path) -> str:
            return f"{_p('LAchildID', i).split('/')[0]}, line {_l[i]}"

        aside = res.set_aside
        if len(aside):
            idx = aside["row"].to_numpy(dtype=np.int64) - 1
            aside = aside.assign(
                column=[path(c, i) for c, i in zip(aside["column"], idx, strict=True)],
                reason=[re.sub(r"at row (\d+)", lambda m: "at " + path(
                    _element(source, "start_date"), int(m.group(1)) - 1), why)
                    + f" (the child starts on line {line[i]})"
                    for why, i in zip(aside["reason"], idx, strict=True)])
        data = res.data
        idx = data["row"].to_numpy(dtype=np.int64) - 1
        later = latest[rank][idx] > rank
        duplicates += res.duplicates + int(later.sum())
        data, idx = data.loc[~later], idx[~later]
        extra, drop = _late_or_early(source, data, idx, ref, held_from, r.label, rec, line)
        if drop.any():
            data, idx = data.loc[~drop], idx[~drop]
        asides += [a for a in (aside, extra) if len(a)]
        warnings += [_placed(w, place) for w in res.warnings
                     if source == "children_in_need"
                     or not any(f"column '{c}'" in w for c in CHILD_COLUMNS)]
        datas.append(data)
        where.append((np.full(len(idx), rank), child[idx], episode[idx], number[idx], line[idx]))
    result = SourceResult(source=source, file=", ".join(r.label for r in returns),
                          layout=LAYOUT, rows_in=rows_in, duplicates=duplicates,
                          columns_used={f: e for e, f in FIELDS[source].items()
                                        if f in {x.name for x in spec.fields}},
                          warnings=warnings, problems=problems,
                          input_hash=_combined_hash(returns), held_from=held_from,
                          held_to=held_to)
    result.data = pd.concat(datas, ignore_index=True) if datas else empty_frame(source)
    if len(result.data):
        result.data["child_key"] = pd.factorize(result.data["child_id"])[0].astype("int32")
    result.set_aside = (pd.concat(asides, ignore_index=True) if asides
                        else pd.DataFrame(columns=SET_ASIDE_COLUMNS))
    if source == "cp_plans" and len(result.data) > 1 and len(returns) > 1:
        _overlaps_across(result, returns, where)
    if result.rows_in and not result.rows_kept and not result.problems:
        result.problems.append(
            f"{result.file}: none of the {result.rows_in:,} {_noun(source)} in the returns "
            "could be used (each is listed below with the reason it was set aside)")
    return result


def _noun(source: str) -> str:
    return {"referrals": "referrals", "children_in_need": "episodes of need",
            "assessments": "assessments", "s47": "section 47 enquiries",
            "cp_plans": "child protection plans"}[source]


def _element(source: str, field_name: str) -> str:
    for element, name in FIELDS[source].items():
        if name == field_name:
            return element
    return FIELDS[source] and next(iter(FIELDS[source]))


def _placed(warning: str, place) -> str:
    """A validation warning's "(row n)" as the child and line it means."""
    return re.sub(r"\(row (\d+)\)", lambda m: f"({place(int(m.group(1)) - 1)})", warning)


def _late_or_early(source: str, data: pd.DataFrame, idx: np.ndarray, ref: date,
                   held_from: date, label: str, rec, line: np.ndarray
                   ) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows to set aside after validation: any date after the return's reference date, and
    (referrals) a referral before the first collection year held."""
    drop = np.zeros(len(data), dtype=bool)
    parts = []
    ref_day = np.datetime64(ref, "D")
    dated = [f.name for f in SOURCES[source].fields if f.kind == DATE and f.name != "dob"
             and f.name in data]

    def add(hit: np.ndarray, element: str, d: np.ndarray, words) -> None:
        i = idx[hit]
        parts.append(pd.DataFrame({
            "file": label, "row": i + 1,
            "column": _paths(source, element, rec, i),
            "reason": words(_dmys(d[hit]).astype(object),
                            line[i].astype(str).astype(object))}))
        drop[hit] = True

    for name in dated:
        d = data[name].to_numpy().astype("datetime64[D]")
        hit = np.flatnonzero(~np.isnat(d) & (d > ref_day) & ~drop)
        if len(hit):
            add(hit, _element(source, name), d, lambda day, at: (
                day + f" is after the return's reference date {_dmy(ref)}, the last day its "
                "collection year covers (the child starts on line " + at + ")"))
    if source == "referrals" and len(data):
        d = data["referral_date"].to_numpy().astype("datetime64[D]")
        hit = np.flatnonzero(~np.isnat(d) & (d < np.datetime64(held_from, "D")) & ~drop)
        if len(hit):
            add(hit, "CINreferralDate", d, lambda day, at: (
                "referred on " + day + f", before the first collection year held (from "
                f"{_dmy(held_from)}): a return holds only the cases still open when its year "
                "began, so that year's referrals are not all here; add the earlier year's "
                "return to count it. Its episode is kept among the children in need (the "
                "child starts on line " + at + ")"))
    frame = pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame(columns=SET_ASIDE_COLUMNS)
    return frame, drop


def _paths(source: str, column: str, rec, i: np.ndarray) -> np.ndarray:
    """:func:`.cin.record_path` for many records at once."""
    child = np.char.add("Child[", rec.child[i].astype(str))
    if column in CHILD_PATHS:
        return np.char.add(child, "]/" + CHILD_PATHS[column]).astype(object)
    out = np.char.add(np.char.add(child, "]/CINdetails["), rec.episode[i].astype(str))
    record = RECORD[source]
    if record and column != "CINreferralDate":
        out = np.char.add(np.char.add(np.char.add(out, f"]/{record}["),
                                      rec.number[i].astype(str)), "]")
    else:
        out = np.char.add(out, "]")
    return np.char.add(out, "/" + column).astype(object)


def _overlaps_across(result: SourceResult, returns: list[Return],
                     where: list[tuple[np.ndarray, ...]]) -> None:
    """Plans of one child from different returns that overlap (an episode whose referral date
    changed between years brings its plan twice): the later-starting one is set aside."""
    data = result.data
    rank, child, episode, number, line = (np.concatenate(p) for p in zip(*where, strict=True))
    start = data["start_date"].to_numpy().astype("datetime64[D]")
    end = data["end_date"].to_numpy().astype("datetime64[D]")
    pairs = [(i, j) for i, j in overlaps(pa.array(data["child_key"].to_numpy()), start, end,
                                         np.ones(len(data), dtype=bool))
             if rank[i] != rank[j]]
    if not pairs:
        return
    idx = np.array([i for i, _ in pairs], dtype=np.int64)
    frame = pd.DataFrame({
        "file": [returns[rank[i]].label for i in idx],
        "row": data["row"].to_numpy(dtype=np.int64)[idx],
        "column": [record_path("cp_plans", "CPPstartDate", child[i], episode[i], number[i])
                   for i in idx],
        "reason": [f"overlaps the plan at {returns[rank[j]].label} "
                   f"{record_path('cp_plans', 'CPPstartDate', child[j], episode[j], number[j])}"
                   f" of the same child (the child starts on line {line[i]})" for i, j in pairs]})
    result.set_aside = pd.concat([result.set_aside, frame], ignore_index=True)
    keep = np.ones(len(data), dtype=bool)
    keep[idx] = False
    result.data = data.loc[keep].reset_index(drop=True)


def _combined_hash(returns: list[Return]) -> str:
    h = hashlib.sha256()
    for r in returns:
        h.update(f"{r.label}:{r.sha256}\n".encode())
    return h.hexdigest()


__all__ = ["CENSUS_SOURCES", "LAYOUT", "collection_start", "load_census"]
