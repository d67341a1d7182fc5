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

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .authorities import REFERENCE_FILE, Authority, authorities, find_authority, largest
from .errors import ExtractError

DEFAULT_PROFILE = "warwickshire.toml"
_LA_CODE = re.compile(r"^E(06|07|08|09|10)\d{6}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^\d{4}-\d{2}$")


class ProfileError(ExtractError):
    """A partnership profile that cannot be read; the message names the file and the key."""


@dataclass(frozen=True)
class District:
    """A district (or locality) of the authority as the profile lists it.

    ``name`` is matched exactly against the extract's District column; a district the extract
    names but the profile does not list is shown with counts and no rate. ``population_0_17``
    (children aged 0-17, a positive whole number) is the denominator of rates per 10,000.
    """

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
    """Everything local to one partnership, read from its TOML file (:func:`load_profile`).

    ``name`` is the partnership's ("Warwickshire Safeguarding Children Board"), ``authority``
    the local authority's ("Warwickshire") and ``la_code`` its DfE new_la_code (E10000031),
    which picks England's comparators, statistical neighbours and region. Populations are
    children aged 0-17 (whole numbers); ``low_income_*`` and ``school_bme_share`` are fractions
    (0.19 for 19%). A field left empty (None, "", ()) is not in the profile: what needs it is
    left out and the page says so. Checked when read: see :func:`parse_profile`.

    >>> p = load_profile()          # the shipped default, Warwickshire's
    >>> p.authority, p.la_code, p.populations()["Rugby"]
    ('Warwickshire', 'E10000031', 23087)
    """

    name: str
    authority: str
    la_code: str
    short_name: str = ""
    neighbour_grouping: str = "2021"
    population_0_17: int | None = None
    population_source: str = ""
    #: Children aged 0-17 by ethnic group (:data:`ETHNIC_GROUPS`), for the equality pages.
    population_by_ethnicity: dict[str, int] = field(default_factory=dict)
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


#: Every key a profile may hold, table by table (CONTRACT.md "The partnership profile"). A key
#: not listed is a mistake to report (``children_0to17`` for ``children_0_17``), never ignored.
KEYS: dict[str, tuple[str, ...]] = {
    "": ("partnership", "population", "deprivation", "districts", "school_population",
         "events", "targets", "published_comparisons"),
    "partnership": ("name", "short_name", "authority", "la_code", "neighbour_grouping"),
    "population": ("children_0_17", "source", "by_ethnicity"),
    "deprivation": ("imd_areas", "low_income_authority", "low_income_england", "source"),
    "districts": ("name", "population_0_17", "imd_rank", "low_income"),
    "school_population": ("bme_share", "as_at", "source"),
    "events": ("month", "name", "short", "affects", "rebase", "note"),
    "targets": ("children_missing",),
    "target": ("reduction", "baseline_year", "target_year", "stated", "source"),
    "published_comparisons": ("measure", "value", "label"),
}
#: What an event may affect: the extract's sources (charts of their measures rebase at it).
EVENT_AFFECTS = ("referrals", "cp_plans", "early_help", "missing")
#: DfE's statistical-neighbour models the shipped table holds.
NEIGHBOUR_GROUPINGS = ("2021", "2025")
#: Ethnic groups a population may be given by (DEFINITIONS.md, ONS high-level groups).
ETHNIC_GROUPS = ("White British", "White other", "Mixed", "Asian", "Black", "Other")
#: IMD editions rank England's districts: 354 (2004-2010), 326 (2015), 317 (2019), 296
#: (2025). A count outside this range is no edition's.
IMD_AREAS = (250, 400)
#: How far a profile's children aged 0-17 may sit from DfE's latest figure for its LA code
#: (another year's estimate differs by a few per cent; a digit too many or too few does not
#: fit), and how far a sum of parts (districts, ethnic groups) may exceed the whole (a
#: different vintage). docs/assumptions.md.
POPULATION_RATIO = (0.5, 2.0)
PARTS_OVER_WHOLE = 1.05
#: Headroom over the largest English authority's children (Kent's) before a population is
#: beyond any authority's: a later year's growth, not a typing slip.
LARGEST_HEADROOM = 1.1


def _kind_words(kind) -> str:
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false",
            list: "a list of tables ([[...]])", dict: "a table ([...])"}.get(kind, str(kind))


def _known_keys(table: dict, allowed: tuple[str, ...], where: str) -> None:
    """Raise for the first key ``allowed`` does not list, with the nearest allowed key."""
    for key in table:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise ProfileError(f"{where}: unknown key '{key}'{hint}. The keys allowed here are "
                               f"{', '.join(allowed)}")


def _get(table: dict, key: str, kind, where: str, required: bool = False, default=None,
         why: str = ""):
    if key not in table:
        if required:
            raise ProfileError(f"{where}: the key '{key}' is required{why}")
        return default
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ProfileError(f"{where}: '{key}' must be {_kind_words(kind)}, not {value!r}")
    return value


def _table(data: dict, key: str, where: str, allowed: tuple[str, ...]) -> dict:
    """An optional sub-table, its keys checked."""
    table = _get(data, key, dict, where, default={})
    _known_keys(table, allowed, f"{where} [{key}]" if where else f"[{key}]")
    return table


def _tables(data: dict, key: str, source: str) -> list[tuple[str, dict]]:
    """An optional list of tables ([[districts]]), each with its place for messages."""
    out = []
    for i, item in enumerate(_get(data, key, list, source, default=[])):
        where = f"{source} [[{key}]] #{i + 1}"
        if not isinstance(item, dict):
            raise ProfileError(f"{where}: each entry must be a table ([[{key}]] with keys "
                               f"under it), not {item!r}")
        _known_keys(item, KEYS[key], where)
        out.append((where, item))
    return out


def _fraction(value: float | None, where: str, key: str) -> float | None:
    if value is not None and not 0 <= value <= 1:
        raise ProfileError(f"{where}: '{key}' is a fraction between 0 and 1 (0.19 for 19%), "
                           f"not {value}")
    return value


def _children(value: int | None, where: str, key: str) -> int | None:
    """A count of children: a positive whole number no English authority's exceeds."""
    if value is None:
        return None
    if value <= 0:
        raise ProfileError(f"{where}: '{key}' is a number of children, so a whole number of 1 "
                           f"or more, not {value:,}")
    big = largest()
    if value > big.children_0_17 * LARGEST_HEADROOM:
        raise ProfileError(
            f"{where}: '{key}' = {value:,} is more children than any English authority has "
            f"(the most, {big.name}, had {big.children_0_17:,} aged 0-17 in "
            f"{big.children_year}, DfE); check the figure")
    return value


def _la_code(p: dict, where: str) -> Authority:
    """The partnership's authority in DfE's tables; the message says what the code is not."""
    la_code = _get(p, "la_code", str, where, required=True).strip()
    named = find_authority(_get(p, "authority", str, where, default=""))
    if not _LA_CODE.match(la_code):
        hint = f"; {named.name}'s is {named.code}" if named else ""
        raise ProfileError(f"{where}: la_code {la_code!r} is not a DfE local authority code "
                           f"(new_la_code, e.g. E10000031){hint}")
    known = authorities().get(la_code)
    if known is None:
        hint = (f"; {named.name}'s is {named.code}" if named else
                "; check the code against DfE's new_la_code for the authority")
        raise ProfileError(
            f"{where}: la_code {la_code!r} is not a local authority in DfE's tables (the "
            f"reference table shipped in wscb_analysis/data/{REFERENCE_FILE}){hint}")
    if named is not None and named.code != la_code:
        raise ProfileError(
            f"{where}: authority {named.name!r} is {named.code} in DfE's tables, but la_code "
            f"is {la_code} ({known.name}); correct one of them")
    return known


def parse_profile(data: dict, source: str = "profile") -> Profile:
    """A :class:`Profile` from parsed TOML, checked (CONTRACT.md): an unknown key, an LA code
    DfE's tables do not know, a population that is not a positive whole number or is beyond
    any English authority's, a deprivation rank outside its ranking, a target without its
    baseline, each raise :class:`ProfileError` naming the file and the key."""
    _known_keys(data, KEYS[""], source)
    p = _get(data, "partnership", dict, source, required=True,
             why=" ([partnership] with name, authority and la_code)")
    where = f"{source} [partnership]"
    _known_keys(p, KEYS["partnership"], where)
    known = _la_code(p, where)
    grouping = str(_get(p, "neighbour_grouping", str, where, default="2021"))
    if grouping not in NEIGHBOUR_GROUPINGS:
        raise ProfileError(f"{where}: neighbour_grouping {grouping!r} is not one of DfE's "
                           f"groupings the package holds ({', '.join(NEIGHBOUR_GROUPINGS)})")
    pop = _table(data, "population", source, KEYS["population"])
    dep = _table(data, "deprivation", source, KEYS["deprivation"])
    school = _table(data, "school_population", source, KEYS["school_population"])
    pw = f"{source} [population]"
    children = _children(_get(pop, "children_0_17", int, pw), pw, "children_0_17")
    if children is not None and known.children_0_17:
        low, high = POPULATION_RATIO
        if not low <= children / known.children_0_17 <= high:
            raise ProfileError(
                f"{pw}: 'children_0_17' = {children:,} is far from DfE's figure for "
                f"{known.name} ({known.children_0_17:,} aged 0-17 in {known.children_year}); "
                "check the figure (a digit too many or too few?)")
    by_group = {}
    for group, n in _get(pop, "by_ethnicity", dict, pw, default={}).items():
        w = f"{pw} by_ethnicity"
        if group not in ETHNIC_GROUPS:
            near = difflib.get_close_matches(group, ETHNIC_GROUPS, n=1)
            raise ProfileError(f"{w}: unknown group {group!r}"
                               + (f" (did you mean {near[0]!r}?)" if near else "")
                               + f"; the groups are {', '.join(ETHNIC_GROUPS)}")
        by_group[group] = _children(_get({group: n}, group, int, w), w, group)
    _parts_within(by_group.values(), children, pw, "the groups of by_ethnicity")
    dw = f"{source} [deprivation]"
    imd_areas = _get(dep, "imd_areas", int, dw)
    if imd_areas is not None and not IMD_AREAS[0] <= imd_areas <= IMD_AREAS[1]:
        raise ProfileError(f"{dw}: 'imd_areas' = {imd_areas} is not how many districts an "
                           "edition of the English indices of deprivation ranks (326 in 2015, "
                           "317 in 2019)")
    districts = []
    for w, d in _tables(data, "districts", source):
        rank = _get(d, "imd_rank", int, w)
        most = imd_areas or IMD_AREAS[1]
        if rank is not None and not 1 <= rank <= most:
            raise ProfileError(
                f"{w}: 'imd_rank' = {rank} is not a rank among "
                + (f"the {imd_areas} districts of [deprivation] imd_areas" if imd_areas else
                   "England's districts (1 = most deprived; at most a few hundred)")
                + "; 1 is the most deprived")
        districts.append(District(
            name=_get(d, "name", str, w, required=True).strip(),
            population_0_17=_children(_get(d, "population_0_17", int, w), w,
                                      "population_0_17"),
            imd_rank=rank,
            low_income=_fraction(_get(d, "low_income", float, w), w, "low_income")))
    names = [d.name for d in districts]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ProfileError(f"{source} [[districts]]: {twice[0]!r} is listed twice")
    _parts_within([d.population_0_17 for d in districts if d.population_0_17 is not None],
                  children, f"{source} [[districts]]", "the districts' population_0_17")
    events = []
    for w, e in _tables(data, "events", source):
        month = _get(e, "month", str, w, required=True)
        if not _MONTH.match(month):
            raise ProfileError(f"{w}: month {month!r} must be written like 2016-05")
        name = _get(e, "name", str, w, required=True)
        affects = _get(e, "affects", str, w, default="referrals")
        if affects not in EVENT_AFFECTS:
            raise ProfileError(f"{w}: affects {affects!r} is not one of "
                               f"{', '.join(EVENT_AFFECTS)}")
        events.append(Event(month=month, name=name, short=_get(e, "short", str, w, default=name),
                            affects=affects, rebase=_get(e, "rebase", bool, w, default=False),
                            note=" ".join(_get(e, "note", str, w, default="").split())))
    targets = {}
    for key, t in _table(data, "targets", source, KEYS["targets"]).items():
        w = f"{source} [targets.{key}]"
        if not isinstance(t, dict):
            raise ProfileError(f"{w}: must be a table with reduction, baseline_year and "
                               "target_year")
        _known_keys(t, KEYS["target"], w)
        reduction = _get(t, "reduction", float, w, required=True,
                         why=" (0.4 for 40% fewer)")
        if not 0 < reduction < 1:
            raise ProfileError(f"{w}: reduction is a fraction (0.4 for 40% fewer), not "
                               f"{reduction}")
        years = {k: _get(t, k, str, w, required=True, why=why) for k, why in (
            ("baseline_year", ": a target is measured from its baseline, the financial year "
                              "the reduction is counted from (e.g. 2016-17)"),
            ("target_year", ": the financial year the target is due (e.g. 2019-20)"))}
        for k, v in years.items():
            if not _YEAR.match(v):
                raise ProfileError(f"{w}: {k} {v!r} must be a financial year like 2016-17")
        if years["target_year"] <= years["baseline_year"]:
            raise ProfileError(f"{w}: target_year must come after baseline_year")
        targets[key] = Target(reduction=reduction, **years,
                              stated=_get(t, "stated", str, w, default=""),
                              source=_get(t, "source", str, w, default=""))
    comparisons = []
    for w, c in _tables(data, "published_comparisons", source):
        comparisons.append(PublishedComparison(
            measure=_get(c, "measure", str, w, required=True),
            value=_fraction(_get(c, "value", float, w, required=True), w, "value"),
            label=_get(c, "label", str, w, required=True)))
    return Profile(
        name=_get(p, "name", str, where, required=True).strip(),
        authority=_get(p, "authority", str, where, required=True).strip(),
        la_code=known.code,
        short_name=_get(p, "short_name", str, where, default=""),
        neighbour_grouping=grouping,
        population_0_17=children,
        population_source=_get(pop, "source", str, pw, default=""),
        population_by_ethnicity=by_group,
        districts=tuple(districts),
        imd_areas=imd_areas,
        low_income_authority=_fraction(_get(dep, "low_income_authority", float, dw), dw,
                                       "low_income_authority"),
        low_income_england=_fraction(_get(dep, "low_income_england", float, dw), dw,
                                     "low_income_england"),
        deprivation_source=_get(dep, "source", str, dw, default=""),
        school_bme_share=_fraction(_get(school, "bme_share", float,
                                        f"{source} [school_population]"),
                                   f"{source} [school_population]", "bme_share"),
        school_bme_as_at=_get(school, "as_at", str, f"{source} [school_population]",
                              default=""),
        school_source=_get(school, "source", str, f"{source} [school_population]",
                           default=""),
        events=tuple(events), targets=targets, published_comparisons=tuple(comparisons),
        path=source)


def _parts_within(parts, whole: int | None, where: str, what: str) -> None:
    """Parts of the authority's children (districts, ethnic groups) may not add up to more
    than the whole (beyond :data:`PARTS_OVER_WHOLE` for a different vintage)."""
    total = sum(parts)
    if whole is not None and total > whole * PARTS_OVER_WHOLE:
        raise ProfileError(f"{where}: {what} add up to {total:,}, more than the "
                           f"authority's [population] children_0_17 ({whole:,}); check both")


def check_la(la: str | None, profile: Profile) -> str | None:
    """The DfE code of ``la`` (a code, old code or name), which must be ``profile``'s own
    authority: a file holding several authorities is read for the partnership's own rows,
    never another's under its name. :class:`ProfileError` otherwise; None for None."""
    if not la:
        return None
    asked = find_authority(la)
    if asked is None:
        raise ProfileError(f"la {la!r}: not a local authority in DfE's tables; give your "
                           f"authority's DfE code, as the profile's la_code ({profile.la_code})")
    if asked.code != profile.la_code:
        raise ProfileError(
            f"la {la!r} is {asked.name} ({asked.code}), but the partnership profile "
            f"({profile.path}) is {profile.authority}'s ({profile.la_code}): a pack is one "
            f"partnership's. Give {profile.la_code}, or the profile of {asked.name}'s "
            "partnership.")
    return asked.code


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
           "load_profile", "parse_profile", "check_la"]
