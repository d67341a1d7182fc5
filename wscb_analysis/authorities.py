"""English local authorities as DfE's tables list them, from the reference table the package
ships (``data/dfe_reference.csv``, built by ``scripts/build_reference.py``).

A partnership profile's ``la_code`` must be one of these; an extract's ``LA`` column is read
against them (a new code such as E10000031, an old three-digit code such as 937, or the name).
The largest authority's children aged 0-17 bounds a profile's populations.

Kept on the ground floor with only the standard library: the profile and the loaders both
read it, and the command line must start fast.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources

REFERENCE_FILE = "dfe_reference.csv"


@dataclass(frozen=True)
class Authority:
    """One English local authority: DfE's new code (E06/E08/E09/E10...), its old three-digit
    code, its name as DfE writes it and its region; ``children_0_17`` is the latest ONS
    mid-year estimate of children aged 0-17 in DfE's tables (None where none is given)."""

    code: str
    old_code: str
    name: str
    region: str = ""
    children_0_17: int | None = None
    children_year: str = ""

    def spellings(self) -> set[str]:
        """The ways a file may name this authority, normalised (:func:`normalise`)."""
        return {normalise(s) for s in (self.code, self.old_code, self.name) if s}


def normalise(text: str) -> str:
    """'Bristol, City of' -> 'bristol city of'; ' 937 ' -> '937'; '937.0' -> '937'."""
    text = re.sub(r"\.0+$", "", str(text).strip())
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@functools.lru_cache(maxsize=1)
def authorities() -> dict[str, Authority]:
    """DfE new code -> :class:`Authority`, for every local authority in the shipped table."""
    text = resources.files("wscb_analysis").joinpath("data", REFERENCE_FILE).read_text("utf-8")
    lines = text.splitlines()
    columns = next(csv.reader(lines[:1]))
    latest: dict[str, tuple[str, str]] = {}  # code -> (year, line): the latest name wins
    people: dict[str, tuple[str, int]] = {}  # code -> (year, children) of the latest estimate
    for line in lines[1:]:
        # Only the first three fields are split for every line (a name may hold a comma, but
        # no field before it does); the few lines needed are parsed in full.
        year, level, code, _ = line.split(",", 3)
        if level != "Local authority":
            continue
        if year >= latest.get(code, ("",))[0]:
            latest[code] = (year, line)
        if ",population_0_17," in line and year >= people.get(code, ("",))[0]:
            value = dict(zip(columns, next(csv.reader([line])), strict=True))["value"]
            if value:
                people[code] = (year, int(float(value)))
    out = {}
    for code, (_, line) in sorted(latest.items()):
        row = dict(zip(columns, next(csv.reader([line])), strict=True))
        year, children = people.get(code, ("", None))
        out[code] = Authority(code=code, old_code=normalise(row["old_la_code"]),
                              name=row["area_name"], region=row["region_name"],
                              children_0_17=children, children_year=year)
    return out


def find_authority(text: str) -> Authority | None:
    """The authority a code (new or old) or name stands for, or None."""
    key = normalise(text)
    for a in authorities().values():
        if key in a.spellings():
            return a
    return None


def largest() -> Authority:
    """The authority with the most children aged 0-17 in DfE's tables (Kent)."""
    return max((a for a in authorities().values() if a.children_0_17),
               key=lambda a: a.children_0_17)


__all__ = ["Authority", "authorities", "find_authority", "largest", "normalise"]
