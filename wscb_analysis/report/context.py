"""The context a notebook's sections share: the extract, its coverage, the period, the
partnership profile, the headline figures, the pack's disclosure plan and the comparators.

Loads are kept in memory for the kernel's life, keyed by what makes them valid (each input
file's name, size, modification and change time and inode; the column map; the profile), so
the next notebook of a pack on the same kernel reuses them and an edited file is read afresh.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import pandas as pd

from .. import benchmarks as bm
from .. import config
from ..coverage import SOURCE_FILES, SOURCE_WORDS, SourceCoverage, extract_coverage, long_date
from ..disclosure.counts import build_plan, cached_plan
from ..disclosure.measures import make_key
from ..disclosure.plan import PackPlan
from ..disclosure.published import published_in
from ..figures import headline_figures
from ..io.load import Extract, load_extract
from ..periods import Period, financial_year
from ..profile import Profile, check_la, load_profile
from .blocks import Block, DataNote, Note

T = TypeVar("T")

EXTRACT_SOURCE = "Source: the partnership's own records"


@dataclass
class Context:
    extract: Extract
    period: Period
    year: Period
    profile: Profile
    coverage: dict[str, SourceCoverage]
    figures: dict
    plan: PackPlan
    reference: pd.DataFrame
    neighbours: list[str]
    #: What a page works out once from this context and its sections share (see
    #: :meth:`derived`); a new context (the next notebook, another period) starts afresh.
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, name: str, make: Callable[[], T]) -> T:
        """``make()``, worked out once for this context: a page whose sections share more
        than the context holds (the scorecard's judgements) keeps it here, not in a cache
        of its own keyed by hand."""
        if name not in self._derived:
            self._derived[name] = make()
        return self._derived[name]

    @property
    def area_code(self) -> str:
        return self.profile.la_code

    @property
    def authority(self) -> str:
        return self.profile.authority

    @property
    def source(self) -> str:
        return EXTRACT_SOURCE + (" (synthetic demo data)" if self.extract.synthetic else "")

    @property
    def is_quarter(self) -> bool:
        return self.period.quarter is not None

    def held(self, source: str, period: Period | None = None) -> str:
        """"full", "part" or "none": how far the extract covers ``period`` (default: the
        pack's period) for ``source``."""
        return self.coverage[source].period_covered(period or self.period)

    def has_field(self, source: str, field: str) -> bool:
        return self.coverage[source].has(field)

    def england(self, indicator: str, year: str | None = None) -> float | None:
        t = bm.comparator_table(self.reference, indicator, year or self.year.label)
        row = t[t["role"] == "England"]
        return None if row.empty or pd.isna(row["value"].iloc[0]) else float(row["value"].iloc[0])

    def key(self, measure: str, period: str | None = None, **dims) -> str:
        return make_key(measure, period or self.period.label, dims)

    def shown(self, measure: str, period: str | None = None, **dims) -> int | None:
        """A planned count as a page may print it: None when hidden or not planned."""
        k = self.key(measure, period, **dims)
        return self.plan.shown(k) if self.plan.has(k) else None

    def sayable(self, measure: str, period: str | None = None, **dims) -> int | None:
        """A planned count for a sentence helper: the count when shown; the count itself when
        hidden for being 1 to 5 (the helper writes "fewer than 6"); None when hidden to protect
        another figure or not planned (the helper then says why)."""
        k = self.key(measure, period, **dims)
        if not self.plan.has(k):
            return None
        if not self.plan.hidden(k) or self.plan.small(k):
            return int(self.plan.value(k))
        return None

    def say_key(self, key: str) -> int | None:
        """:meth:`sayable` for a key."""
        if not self.plan.has(key):
            return None
        if not self.plan.hidden(key) or self.plan.small(key):
            return int(self.plan.value(key))
        return None

    def planned(self, measure: str, period: str | None = None, **dims) -> bool:
        return self.plan.has(self.key(measure, period, **dims))

    def count(self, measure: str, period: str | None = None, **dims):
        """(raw value, hidden, key) of a planned figure; raw value None when not planned."""
        k = self.key(measure, period, **dims)
        if not self.plan.has(k):
            return None, False, k
        return self.plan.value(k), self.plan.hidden(k), k

    def plain(self, text: str) -> str:
        """Profile text with the partnership's short name ("WSCB") spelled out: a board
        reads no acronym it was not told."""
        short = self.profile.short_name
        if not short or not text:
            return text
        return re.sub(rf"\b{re.escape(short)}\b", self.profile.name, text)

    @property
    def england_when(self) -> str:
        """What a sentence adds after England's figure: nothing for a year (England's figure is
        of the same year); "for the whole year 2016-17" beside a quarter, whose year DfE
        publishes no figure for."""
        return f"for the whole year {self.year.label}" if self.is_quarter else ""

    def benchmark_words(self) -> str:
        """How England's figure relates to the period: the same year, or a quarter beside
        England's annual figure."""
        if self.is_quarter:
            return f"England's figure for the whole year {self.year.label}"
        return f"England's figure for {self.year.label}"

    def period_words(self, period: Period | None = None) -> str:
        p = period or self.period
        return f"{p.label} ({long_date(p.start)} to {long_date(p.end)})"


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    """``"demo"`` or None means the demo extract, written on first use."""
    if data_dir in (None, "", "demo"):
        target = config.DEMO_EXTRACT_DIR
        if not (target / "referrals.csv").exists():
            from ..synth import write_synthetic_extract

            write_synthetic_extract(target, scale=1, seed=config.DEMO_SEED)
        return target
    return Path(data_dir)


_CACHE: dict = {}


def _fingerprint(path: Path) -> tuple:
    # What makes a cached load of the file still valid: path, device, inode, size, modified
    # and changed times (io.read.file_fingerprint; a file changed in the last 2 s matches
    # nothing, so an edit that keeps size and mtime is still read afresh).
    from ..io.read import file_fingerprint

    return file_fingerprint(path)


def _files_key(folder: Path | None) -> tuple:
    """What a cached load depends on: every file's name, size, times and inode."""
    if folder is None:
        return ()
    return tuple(sorted(_fingerprint(p) for p in Path(folder).iterdir() if p.is_file()))


def _cached(key: tuple, load, use: bool = True):
    if not use:
        return load()
    if key not in _CACHE:
        _CACHE[key] = load()
    return _CACHE[key]


def _profile_key(profile: str | Path | None) -> tuple:
    if profile in (None, ""):
        return ("default",)
    return (str(Path(profile).resolve()), _fingerprint(Path(profile)) if Path(
        profile).exists() else None)


def context(data_dir: str | Path | None = "demo", period: str = "2016-17",
            quarter: str | None = None, benchmarks_dir: str | Path | None = None,
            profile: str | Path | None = None, column_map: Mapping[str, str] | None = None,
            use_cache: bool = True, la: str | None = None,
            archive: str | Path | None = None) -> Context:
    """Load the profile, the extract and the comparators once for a notebook, and plan the
    pack's disclosure for the period. ``la``: read a file holding several authorities for the
    profile's authority alone (its DfE code; another authority's is refused). ``archive``: a
    folder of packs already published (an archive, or the one pack this one replaces): the
    plan keeps hidden what they hid and is made together with what they showed."""
    per = financial_year(period, quarter)
    # The profile first: one that cannot be used stops the notebook before any reading.
    prof = _cached(("profile", _profile_key(profile)), lambda: load_profile(profile))
    la = check_la(la, prof)
    folder = resolve_data_dir(data_dir).resolve()
    cmap = dict(column_map or {})
    files = _files_key(folder)
    extract = _cached(("extract", str(folder), files, tuple(sorted(cmap.items())), la),
                      lambda: load_extract(folder, column_map=cmap, use_cache=use_cache,
                                           strict=True, la=la), use_cache)
    bdir = Path(benchmarks_dir).resolve() if benchmarks_dir else None
    reference = _cached(("reference", str(bdir), _files_key(bdir)),
                        lambda: bm.load_reference(bdir))
    all_neighbours = _cached(("neighbours", str(bdir), _files_key(bdir)),
                             lambda: bm.reference_neighbours(bdir))
    neighbours = bm.statistical_neighbours(reference, all_neighbours, prof.la_code,
                                           prof.neighbour_grouping)
    published = published_in(archive) if archive else None
    key = (str(folder), files, tuple(sorted(cmap.items())), la, _profile_key(profile),
           per.label, published.digest() if published else None)
    plan = _cached(("plan", *key), lambda: (cached_plan if use_cache else build_plan)(
        extract, per, prof, published), use_cache)
    figures = _cached(("figures", *key), lambda: headline_figures(extract, per), use_cache)
    return Context(extract=extract, period=per, year=financial_year(per.year_label),
                   profile=prof, coverage=extract_coverage(extract), figures=figures,
                   plan=plan, reference=reference, neighbours=neighbours)


def needs(source: str):
    """A section that needs a source shows nothing when the extract lacks it or holds none of
    the period: the page's coverage note (:func:`coverage_note`) has said so once."""
    def wrap(section):
        @functools.wraps(section)
        def run(ctx: Context, *args, **kwargs):
            if ctx.held(source) == "none":
                return Block([])
            return section(ctx, *args, **kwargs)
        return run
    return wrap


FIELD_WORDS = {
    "district": "district", "first_language": "first language", "religion": "religion",
    "ethnicity": "ethnicity", "rhi_offered": "return home interviews offered",
    "rhi_accepted": "return home interviews accepted", "looked_after": "whether the child was "
    "looked after", "nfa": "whether the referral ended in no further action",
    "referral_source": "referral source", "previous_plans": "the number of previous plans",
    "end_date": "end dates", "lead_professional_agency": "the lead professional's agency",
    "initial_category": "the initial category of abuse",
    "referrals_last_12_months": "the return's own count of referrals in the last 12 months",
}

#: For each optional field a page needs: (what is not recorded, as the subject of a sentence;
#: "is" or "are"; what follows for the page). The page's coverage note says it once, and the
#: sections that need the field then show nothing, so it is never said twice.
FIELD_CONSEQUENCES = {
    "district": ("District", "is", "no figures by district are given"),
    "first_language": ("First language", "is", "how often it is left blank cannot be "
                       "measured"),
    "religion": ("Religion", "is", "how often it is left blank cannot be measured"),
    "ethnicity": ("Ethnicity", "is", "how often it is left blank, and the share of "
                  "referrals of black and minority ethnic children, cannot be measured"),
    "rhi": ("Return home interviews", "are", "whether they were offered or accepted is not "
            "known"),
    "rhi_offered": ("Return home interviews offered", "are", "whether they were offered is "
                    "not known"),
    "rhi_accepted": ("Return home interviews accepted", "are", "whether offered interviews "
                     "were accepted is not known"),
    "looked_after": ("Whether the child was looked after", "is", "looked-after children and "
                     "children missing from home cannot be shown apart, or set beside DfE's "
                     "figures for looked-after children"),
    "nfa": ("Whether a referral ended in no further action", "is", "the share ending in no "
            "further action is not known"),
    "referral_source": ("Referral source", "is", "no figures by referral source are given"),
    "previous_plans": ("The number of previous plans", "is", "a plan counts as a second or "
                       "later plan only when an earlier plan of the same child is in the "
                       "extract: second or later plans are likely undercounted"),
    "end_date": ("The date a plan ended", "is", "plans that ended, and plans still open at "
                 "the period's end, cannot be counted"),
    "lead_professional_agency": ("The lead professional's agency", "is", "whether the "
                                 "agency that completed the assessment keeps the lead "
                                 "professional role is not known"),
    "initial_category": ("The initial category of abuse", "is", "plans cannot be shown by "
                         "category of abuse"),
    "referrals_last_12_months": ("The return's own count of referrals in the last 12 months",
                                 "is", "there is no cross-check of re-referrals from it"),
}


def _span(first: date, last: date) -> str:
    return (f"run from {long_date(first)} to {long_date(last)}" if first != last else
            f"are all dated {long_date(first)}")


def dates_words(first: date, last: date) -> str:
    """"16 September 2020 to 23 October 2020", or "only 16 September 2020" for one day."""
    return f"only {long_date(first)}" if first == last else \
        f"{long_date(first)} to {long_date(last)}"


def coverage_note(ctx: Context, *sources: str, fields: Mapping[str, tuple] | None = None
                  ) -> Block:
    """What the extract holds of each source this page uses, said once at the top: not
    supplied, held only in part (with the dates), or none of the period; and, for each
    optional field the page needs that the extract lacks, that it is not recorded in this
    extract and what the page therefore leaves out (the sections then show nothing for it)."""
    items = []
    for source in sources:
        cov = ctx.coverage[source]
        words = SOURCE_WORDS[source]
        held = cov.period_covered(ctx.period)
        if not cov.supplied:
            items.append(Note(f"This extract does not include {words}: they are not "
                              "supplied, so the sections that need them are left out."))
            continue
        if cov.first_date is None:
            items.append(Note(f"The extract's {words} hold no dated record."))
            continue
        # A list's window is held from its first day, not from its first record.
        span = _span(cov.first_date, cov.last_date) if cov.window is None else \
            f"are held from {long_date(cov.first_date)} to {long_date(cov.last_date)}"
        if held == "none":
            items.append(Note(f"The extract's {words} {span}: none fall in "
                              f"{ctx.period_words()}, so they are not held for this period "
                              "and the sections that need them are left out."))
        elif held == "part":
            a, b = cov.covered_dates(ctx.period)
            items.append(Note(f"The extract's {words} {span}, so {ctx.period.label} "
                              f"is only partly held: its figures cover {dates_words(a, b)}, "
                              "not the whole period."))
        # What the source cannot hold (coverage.py says it): a list's window, ends of
        # episodes likely never recorded.
        items += [Note(text) for text in (cov.held_note(), cov.open_note(ctx.period)) if text]
        absent = [f for f in (fields or {}).get(source, ()) if f in cov.fields_absent]
        if held == "none":
            continue
        if "rhi_offered" in absent and "rhi_accepted" in absent:
            absent = ["rhi" if f == "rhi_offered" else f for f in absent
                      if f != "rhi_accepted"]
        for f in absent:
            what, verb, then = FIELD_CONSEQUENCES.get(
                f, (FIELD_WORDS.get(f, f.replace("_", " ")).capitalize(), "is",
                    "figures that need it are left out"))
            items.append(Note(f"{what} {verb} not recorded in this extract's {words}, so "
                              f"{then}."))
    items.append(DataNote([data_words(ctx, s) for s in sources]))
    return Block(items)


#: The returns and lists an extract's layout follows, in words for the "About the data" note.
LAYOUT_WORDS = {"SSDA903 Missing": "the missing table of the looked-after children return "
                                   "(SSDA903), which covers looked-after children only",
                "local missing extract": "a local record of missing episodes"}


#: Where the suite looks for a source that was not supplied, for the "About the data" note.
NOT_SUPPLIED_FILES = {"referrals": "referrals.csv (Ofsted's Annex A List 3)",
                      "cp_plans": "cp_plans.csv (Ofsted's Annex A List 7)",
                      "early_help": "early_help.csv (Ofsted's Annex A List 2)",
                      "missing": "missing.csv (a local record of missing episodes, or the "
                                 "looked-after children return's missing table, SSDA903)"}


def data_words(ctx: Context, source: str) -> str:
    """Where a page's figures of ``source`` come from: the file, and the return or list its
    layout follows (Ofsted's Annex A lists, the SSDA903 return), for the "About the data"
    note, never a board page's prose."""
    words = SOURCE_WORDS[source]
    cov = ctx.coverage[source]
    if not cov.supplied:
        return (f"{words.capitalize()} were not supplied: the suite reads them from "
                f"{NOT_SUPPLIED_FILES.get(source, SOURCE_FILES[source])}.")
    result = ctx.extract.sources[source]
    layout = result.layout or ""
    if layout.startswith("Annex A"):
        kind = f"Ofsted's {layout} (the list inspectors ask for)"
    else:
        kind = LAYOUT_WORDS.get(layout, layout)
    return (f"{words.capitalize()} come from the partnership's extract, {result.file}"
            + (f", laid out as {kind}" if kind else "") + ".")


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


__all__ = ["Context", "context", "needs", "coverage_note", "resolve_data_dir",
           "EXTRACT_SOURCE", "FIELD_WORDS", "FIELD_CONSEQUENCES", "dates_words", "data_words"]
