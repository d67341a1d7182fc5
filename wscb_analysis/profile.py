"""The partnership profile: everything local to one safeguarding partnership, in TOML.

Any English partnership can run the suite on its own extracts by writing a profile (CONTRACT.md
"The partnership profile"): its name, authority and DfE LA code (comparators, statistical
neighbours and region follow the code), its districts with their 0-17 populations and
deprivation, events such as a MASH opening that referral charts recalculate their limits at,
targets such as "40% fewer children going missing by 2020" with their baseline, and the school
population's BME share. Warwickshire's profile ships with the package and is the default.

A key that is absent leaves out what needs it, and the page says so; no page, chart, sentence
or banner names an authority other than the profile's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .errors import ExtractError

DEFAULT_PROFILE = "warwickshire.toml"
_LA_CODE = re.compile(r"^E(06|07|08|09|10)\d{6}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^\d{4}-\d{2}$")


class ProfileError(ExtractError):
    """A partnership profile that cannot be read; the message names the file and the key."""


@dataclass(frozen=True)
class District:
    name: str
    population_0_17: int | None = None
    #: Rank of average IMD score (1 = most deprived) among ``Profile.imd_areas`` districts.
    imd_rank: int | None = None
    #: Share of children in low-income families (fraction).
    low_income: float | None = None


@dataclass(frozen=True)
class Event:
    """A change in how figures are recorded (e.g. a MASH opening), dated to a month."""

    month: str
    name: str
    short: str
    affects: str = "referrals"
    rebase: bool = False
    note: str = ""


@dataclass(frozen=True)
class Target:
    """A reduction target such as "40% fewer children going missing by 2020"."""

    reduction: float
    baseline_year: str
    target_year: str
    stated: str
    source: str = ""


@dataclass(frozen=True)
class PublishedComparison:
    """A benchmark the partnership has already published against a measure (shown in a note
    with its test, never as a second England figure in the findings)."""

    measure: str
    value: float
    label: str


@dataclass(frozen=True)
class Profile:
    name: str
    authority: str
    la_code: str
    short_name: str = ""
    neighbour_grouping: str = "2021"
    population_0_17: int | None = None
    population_source: str = ""
    districts: tuple[District, ...] = ()
    imd_areas: int | None = None
    low_income_authority: float | None = None
    low_income_england: float | None = None
    deprivation_source: str = ""
    school_bme_share: float | None = None
    school_bme_as_at: str = ""
    school_source: str = ""
    events: tuple[Event, ...] = ()
    targets: dict[str, Target] = field(default_factory=dict)
    published_comparisons: tuple[PublishedComparison, ...] = ()
    path: str = ""

    @property
    def district_names(self) -> list[str]:
        return [d.name for d in self.districts]

    def district(self, name: str) -> District | None:
        return next((d for d in self.districts if d.name == name), None)

    def populations(self) -> dict[str, int]:
        """District -> children aged 0-17, for districts whose population the profile gives."""
        return {d.name: d.population_0_17 for d in self.districts
                if d.population_0_17 is not None}

    def event_for(self, affects: str) -> Event | None:
        """The first event marked to rebase charts of ``affects`` ("referrals"), if any."""
        return next((e for e in self.events if e.affects == affects and e.rebase), None)

    def comparison_for(self, measure: str) -> PublishedComparison | None:
        return next((c for c in self.published_comparisons if c.measure == measure), None)


def _get(table: dict, key: str, kind, where: str, required: bool = False, default=None):
    if key not in table:
        if required:
            raise ProfileError(f"{where}: the key '{key}' is required")
        return default
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        name = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
                list: "a list", dict: "a table"}.get(kind, str(kind))
        raise ProfileError(f"{where}: '{key}' must be {name}, not {value!r}")
    return value


def _fraction(value: float | None, where: str, key: str) -> float | None:
    if value is not None and not 0 <= value <= 1:
        raise ProfileError(f"{where}: '{key}' is a fraction between 0 and 1 (0.19 for 19%), "
                           f"not {value}")
    return value


def parse_profile(data: dict, source: str = "profile") -> Profile:
    """A :class:`Profile` from parsed TOML; :class:`ProfileError` names the key at fault."""
    p = _get(data, "partnership", dict, source, required=True)
    where = f"{source} [partnership]"
    la_code = _get(p, "la_code", str, where, required=True).strip()
    if not _LA_CODE.match(la_code):
        raise ProfileError(f"{where}: la_code {la_code!r} is not a DfE local authority code "
                           "(new_la_code, e.g. E10000031)")
    pop = data.get("population", {})
    dep = data.get("deprivation", {})
    school = data.get("school_population", {})
    districts = []
    for i, d in enumerate(_get(data, "districts", list, source, default=[])):
        w = f"{source} [[districts]] #{i + 1}"
        districts.append(District(
            name=_get(d, "name", str, w, required=True).strip(),
            population_0_17=_get(d, "population_0_17", int, w),
            imd_rank=_get(d, "imd_rank", int, w),
            low_income=_fraction(_get(d, "low_income", float, w), w, "low_income")))
    names = [d.name for d in districts]
    if len(set(names)) != len(names):
        raise ProfileError(f"{source}: a district is listed twice")
    events = []
    for i, e in enumerate(_get(data, "events", list, source, default=[])):
        w = f"{source} [[events]] #{i + 1}"
        month = _get(e, "month", str, w, required=True)
        if not _MONTH.match(month):
            raise ProfileError(f"{w}: month {month!r} must be written like 2016-05")
        name = _get(e, "name", str, w, required=True)
        events.append(Event(month=month, name=name, short=_get(e, "short", str, w, default=name),
                            affects=_get(e, "affects", str, w, default="referrals"),
                            rebase=_get(e, "rebase", bool, w, default=False),
                            note=" ".join(_get(e, "note", str, w, default="").split())))
    targets = {}
    for key, t in _get(data, "targets", dict, source, default={}).items():
        w = f"{source} [targets.{key}]"
        reduction = _get(t, "reduction", float, w, required=True)
        if not 0 < reduction < 1:
            raise ProfileError(f"{w}: reduction is a fraction (0.4 for 40% fewer), not "
                               f"{reduction}")
        years = {k: _get(t, k, str, w, required=True) for k in ("baseline_year", "target_year")}
        for k, v in years.items():
            if not _YEAR.match(v):
                raise ProfileError(f"{w}: {k} {v!r} must be a financial year like 2016-17")
        if years["target_year"] <= years["baseline_year"]:
            raise ProfileError(f"{w}: target_year must come after baseline_year")
        targets[key] = Target(reduction=reduction, **years,
                              stated=_get(t, "stated", str, w, default=""),
                              source=_get(t, "source", str, w, default=""))
    comparisons = []
    for i, c in enumerate(_get(data, "published_comparisons", list, source, default=[])):
        w = f"{source} [[published_comparisons]] #{i + 1}"
        comparisons.append(PublishedComparison(
            measure=_get(c, "measure", str, w, required=True),
            value=_fraction(_get(c, "value", float, w, required=True), w, "value"),
            label=_get(c, "label", str, w, required=True)))
    return Profile(
        name=_get(p, "name", str, where, required=True).strip(),
        authority=_get(p, "authority", str, where, required=True).strip(),
        la_code=la_code,
        short_name=_get(p, "short_name", str, where, default=""),
        neighbour_grouping=str(_get(p, "neighbour_grouping", str, where, default="2021")),
        population_0_17=_get(pop, "children_0_17", int, f"{source} [population]"),
        population_source=_get(pop, "source", str, f"{source} [population]", default=""),
        districts=tuple(districts),
        imd_areas=_get(dep, "imd_areas", int, f"{source} [deprivation]"),
        low_income_authority=_fraction(_get(dep, "low_income_authority", float,
                                            f"{source} [deprivation]"),
                                       source, "low_income_authority"),
        low_income_england=_fraction(_get(dep, "low_income_england", float,
                                          f"{source} [deprivation]"),
                                     source, "low_income_england"),
        deprivation_source=_get(dep, "source", str, f"{source} [deprivation]", default=""),
        school_bme_share=_fraction(_get(school, "bme_share", float,
                                        f"{source} [school_population]"),
                                   source, "bme_share"),
        school_bme_as_at=_get(school, "as_at", str, f"{source} [school_population]",
                              default=""),
        school_source=_get(school, "source", str, f"{source} [school_population]",
                           default=""),
        events=tuple(events), targets=targets, published_comparisons=tuple(comparisons),
        path=source)


def load_profile(path: str | Path | None = None) -> Profile:
    """The profile at ``path`` (a TOML file), or the shipped default (Warwickshire's) for None.

    Raises :class:`ProfileError` naming the file and the key for a profile that cannot be used.
    """
    if path in (None, ""):
        text = resources.files("wscb_analysis").joinpath("data", "profiles",
                                                         DEFAULT_PROFILE).read_text("utf-8")
        return parse_profile(tomllib.loads(text), f"the shipped profile ({DEFAULT_PROFILE})")
    path = Path(path)
    if not path.is_file():
        raise ProfileError(f"{path}: no such profile file; write one like the shipped "
                           f"wscb_analysis/data/profiles/{DEFAULT_PROFILE}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not a readable TOML profile ({exc})") from None
    return parse_profile(data, str(path))


__all__ = ["Profile", "District", "Event", "Target", "PublishedComparison", "ProfileError",
           "load_profile", "parse_profile"]
