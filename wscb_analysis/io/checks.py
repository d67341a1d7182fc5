"""Checks across rows and fields: repeated rows, overlapping episodes or plans, dates that
contradict each other. Each works on whole columns (numpy / Arrow), never row by row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schemas import Source

#: Sources whose episodes of one child may not overlap, with the word for one episode.
#: A child is on one child protection plan at a time; missing episodes do not overlap.
NO_OVERLAP = {"missing": "episode", "cp_plans": "plan"}

#: Start and end fields checked for an end before its start.
START_END = {
    "cp_plans": ("start_date", "end_date"),
    "missing": ("start_date", "end_date"),
    "early_help": ("assessment_start", "assessment_completion"),
    "assessments": ("assessment_start", "assessment_authorised"),
    "s47": ("s47_start", "icpc_date"),
    "children_in_need": ("cin_start", "cin_closure"),
}
#: Why an end before its start sets a row aside, where DfE's census validation names it
#: (the rule that makes the record one that cannot be counted); else the plain words.
END_BEFORE_START = {
    "assessments": "authorised on {end}, before the assessment started on {start} (an "
                   "assessment cannot start after it is authorised: DfE validation rule 8608)",
    "s47": "conference on {end}, before the section 47 enquiry started on {start} (DfE "
           "validation rule 8615)",
}
#: The event date of each source (checked against the date of birth where it must follow it).
EVENT = {"referrals": "referral_date", "cp_plans": "start_date", "missing": "start_date",
         "early_help": "assessment_start", "contacts": "contact_date",
         "assessments": "assessment_start", "s47": "s47_start", "children_in_need": "cin_start"}


def duplicates(table: pa.Table, child: pa.Array, dates: list[np.ndarray]) -> np.ndarray:
    """True for each row identical in every column to an earlier row.

    Identical rows share the child and the parsed dates, so a cheap integer key finds the few
    candidates; only those are compared in full, as whole-row text.
    """
    n = table.num_rows
    if n < 2:
        return np.zeros(n, dtype=bool)
    key = child.to_numpy(zero_copy_only=False).astype(np.int64)
    for d in dates[:2]:
        days = np.where(np.isnat(d), -1, d.astype(np.int64)) & 0xFFFF
        key = (key << 16) | (days + 1)
    # Keys seen more than once, by sorting (a hash table over millions of distinct integers
    # is several times slower).
    order = np.argsort(key)
    ordered = key[order]
    same_as_next = np.zeros(n, dtype=bool)
    same_as_next[:-1] = ordered[1:] == ordered[:-1]
    shared_sorted = same_as_next.copy()
    shared_sorted[1:] |= same_as_next[:-1]
    candidate = np.zeros(n, dtype=bool)
    candidate[order[shared_sorted]] = True
    candidates = np.flatnonzero(candidate)
    dup = np.zeros(n, dtype=bool)
    if len(candidates):
        # A filter keeps row order and works chunk by chunk (a take gathers across chunks).
        sub = table.filter(pa.array(candidate)).combine_chunks()
        whole_row = pc.binary_join_element_wise(
            *[pc.fill_null(c.chunk(0) if c.num_chunks else pa.array([], pa.string()), "")
              for c in sub.columns], "\x1f")
        first_seen = pc.dictionary_encode(whole_row).indices.to_numpy(zero_copy_only=False)
        # dictionary_encode numbers values in order of first appearance, so a row repeats an
        # earlier one exactly when its code is not larger than every code before it.
        before = np.maximum.accumulate(np.concatenate([[-1], first_seen[:-1]]))
        dup[candidates[first_seen <= before]] = True
    return dup


def overlaps(child: pa.Array, start: np.ndarray, end: np.ndarray, usable: np.ndarray
             ) -> list[tuple[int, int]]:
    """(row index, index of the row it overlaps) for episodes of one child that start before
    an earlier-starting episode of the same child has ended, or while it has no end.

    Episodes are ordered by start, then by row, so of two with the same start the later row
    is the overlapping one. Dates are days: starting on the day the last ended is allowed.
    """
    idx_all = np.flatnonzero(usable & ~np.isnat(start))
    if len(idx_all) < 2:
        return []
    codes = child.to_numpy(zero_copy_only=False).astype(np.int64)[idx_all]
    s = start[idx_all].astype(np.int64)
    e_raw = end[idx_all]
    open_end = 1 << 20  # later than any real date in days since 1970
    e = np.where(np.isnat(e_raw), open_end, e_raw.astype(np.int64) + (1 << 19))
    s = s + (1 << 19)  # shift so every day is positive
    order = np.lexsort((idx_all, s, codes))
    c, ss, ee = codes[order], s[order], e[order]
    # Running maximum end within each child: offset by child so maxima never cross children.
    key = c * (1 << 21) + ee
    running = np.maximum.accumulate(key)
    at = np.maximum.accumulate(np.where(key == running, np.arange(len(key)), 0))
    prev_key = np.empty_like(running)
    prev_key[0] = -1
    prev_key[1:] = running[:-1]
    same_child = np.zeros(len(key), dtype=bool)
    same_child[1:] = (prev_key[1:] >> 21) == c[1:]
    prev_end = prev_key - c * (1 << 21)
    hit = same_child & (ss < prev_end)
    prev_at = np.empty_like(at)
    prev_at[0] = 0
    prev_at[1:] = at[:-1]
    rows = idx_all[order]
    return [(int(rows[i]), int(rows[prev_at[i]])) for i in np.flatnonzero(hit)]


def cross_field(dates: dict[str, np.ndarray], source: Source, mapping: dict[str, str]
                ) -> list[tuple[np.ndarray, str, str | np.ndarray]]:
    """(row indices, column, reason) for rows whose dates contradict each other: an end
    before its start; an episode or early help assessment before the date of birth
    (referrals and plans may come before birth: unborn children)."""
    out: list[tuple[np.ndarray, str, str | np.ndarray]] = []
    if source.name in START_END:
        start, end = START_END[source.name]
        s, e = dates[start], dates[end]
        idx = np.flatnonzero(~np.isnat(s) & ~np.isnat(e) & (e < s))
        if len(idx):
            words = END_BEFORE_START.get(source.name,
                                         "end date {end} is before start date {start}")
            out.append((idx, mapping.get(end, end), np.array(
                [words.format(end=_dmy(e[i]), start=_dmy(s[i])) for i in idx],
                dtype=object)))
    event = EVENT[source.name]
    if "dob" in mapping and source.name in ("missing", "early_help"):
        dob, ev = dates["dob"], dates[event]
        idx = np.flatnonzero(~np.isnat(dob) & ~np.isnat(ev) & (ev < dob))
        what = "episode" if source.name == "missing" else "assessment"
        out.append((idx, mapping.get(event, event),
                    f"the {what} starts before the date of birth"))
    return out


def _dmy(d: np.datetime64) -> str:
    return pd.Timestamp(d).strftime("%d/%m/%Y")
