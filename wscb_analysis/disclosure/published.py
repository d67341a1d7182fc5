"""What published packs show and hide, read from the packs themselves (never the extract).

Every figure a pack prints that is tied to the disclosure plan carries its key: a table cell or
a number in a sentence (``data-key``), and the counts of ``figures.json`` (mapped by
:mod:`.figures_json`). :func:`knowledge` reads one pack into what an attacker learns of each
figure (shown, with its value; hidden, "c"; at most 5 where a sentence says "fewer than 6");
:func:`published_in` reads every pack of a folder (an archive, or one pack) into the
:class:`~.plan.Published` the next pack's plan is made against. The disclosure audit
(:mod:`wscb_analysis.publish.audit`) reads packs the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .measures import make_key, parse_key
from .pack_reader import SMALL_WORDS, Pack, count, read_pack
from .plan import Published

MANIFEST = "manifest.json"
#: A period's folder in an archive ("2016-17", "2016-17-Q3") and a kept edition's.
_PERIOD_FOLDER = re.compile(r"\d{4}-\d{2}(-Q[1-4])?")
_EDITION = re.compile(r"edition-\d+")
#: Where an archive keeps the earlier editions of a period (``revisions/<period>/edition-n``).
REVISIONS = "revisions"


@dataclass
class Knowledge:
    """What a pack (or packs) tells about each figure: ``shown`` value, ``hidden`` (with
    ``small`` when it says "fewer than 6")."""

    shown: dict[str, float]
    hidden: set[str]
    small: set[str]


def figures_json_texts(figures: dict) -> list[tuple[str, str]]:
    """(plan key, text as a page would print it) for every count of figures.json."""
    from .figures_json import figure_key

    out = []
    label = (figures.get("period") or {}).get("label", "")
    for block in ("referrals", "cp_plans", "missing", "early_help", "diversity"):
        for key, value in (figures.get(block) or {}).items():
            items = value.items() if isinstance(value, dict) else [(None, value)]
            for sub, v in items:
                if v is None or isinstance(v, bool) or key.endswith("_rate"):
                    continue
                k = figure_key(block, key, label, sub)
                if k is None:
                    continue
                out.append((k, "c" if v == "c" else f"{int(v):,}" if isinstance(
                    v, int | float) else str(v)))
    return out


def canonical(key: str | None) -> str | None:
    """A key in the registry's one form (an alias written as its measure's breakdown); a
    key that does not parse is kept as written."""
    if not key:
        return key
    try:
        measure, period, dims = parse_key(key)
    except ValueError:
        return key
    return make_key(measure, period, dims)


def keyed(pack: Pack) -> tuple[dict[str, set[str]], set[str], list[tuple[str, str, str]]]:
    """key -> texts shown for it ("c" for hidden), the keys said to be "fewer than 6", and
    (page, what, measure) for each figure hidden in one place and shown in another, or shown
    twice with two values (the audit's findings)."""
    seen: dict[str, set[str]] = defaultdict(set)
    where: dict[str, str] = {}
    small: set[str] = set()
    for name, r in pack.pages.items():
        for t in r.tables:
            for row in t.rows:
                for c in row:
                    k = canonical(c.attrs.get("data-key"))
                    if k:
                        seen[k].add(c.text)
                        where.setdefault(k, name)
        for k, text in ((canonical(k), text) for k, text in r.spans):
            # A sentence says "fewer than 6" or "a number not shown" for a hidden figure;
            # the first tells the attacker it is at most 5.
            if SMALL_WORDS in text.lower():
                small.add(k)
            seen[k].add(text if count(text) is not None else "c")
            where.setdefault(k, name)
    if pack.figures:
        for k, text in figures_json_texts(pack.figures):
            seen[k].add(text)
            where.setdefault(k, "figures.json")
    out = []
    for k, texts in seen.items():
        if "c" in texts and len(texts) > 1:
            out.append((where[k], "figure hidden in one place and shown in another",
                        k.split("|")[0]))
        elif len(texts - {"c"}) > 1:
            out.append((where[k], "one figure shown with two different values",
                        k.split("|")[0]))
    return seen, small, out


def knowledge(pack: Pack) -> Knowledge:
    """What the pack tells an attacker about each figure tied to its disclosure plan (keys
    read in the registry's one form, whatever name a page wrote: ``missing_episodes|P|`` is
    ``episodes|P|type=Missing``)."""
    seen, small, _ = keyed(pack)
    shown, hidden = {}, set()
    for k, texts in seen.items():
        values = [count(t) for t in texts if t != "c"]
        values = [v for v in values if v is not None]
        if values:  # shown somewhere (hidden elsewhere too is a finding of its own)
            shown[k] = values[0]
        elif "c" in texts:  # "x" (not available) and "z" (not applicable) hide no count
            hidden.add(k)
    return Knowledge(shown=shown, hidden=hidden, small=small & hidden)


@dataclass(frozen=True)
class PackInfo:
    """One published pack: its folder, period label, edition and when it was run."""

    folder: Path
    period: str
    edition: int
    started: str

    @property
    def current(self) -> bool:
        return REVISIONS not in self.folder.parts


def _info(folder: Path) -> PackInfo | None:
    try:
        m = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return PackInfo(folder, str(m["period"]["label"]), int(m.get("edition", 1)),
                        str(m.get("started", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def packs_in(folder: Path | str | None) -> list[PackInfo]:
    """Every pack in ``folder``, oldest first: the folder itself when it is a pack, else each
    pack of an archive (current editions and kept revisions)."""
    if folder is None:
        return []
    folder = Path(folder)
    if not folder.is_dir():
        return []
    if (folder / MANIFEST).is_file():
        info = _info(folder)
        return [info] if info else []
    # Only the archive's own names: a failed run's files ("2016-17.failed") or anything an
    # analyst put there is no published pack.
    found = [p for p in folder.iterdir() if _PERIOD_FOLDER.fullmatch(p.name) and p.is_dir()
             and (p / MANIFEST).is_file()]
    revisions = folder / REVISIONS
    if revisions.is_dir():
        found += [e for p in revisions.iterdir()
                  if _PERIOD_FOLDER.fullmatch(p.name) and p.is_dir()
                  for e in p.iterdir() if _EDITION.fullmatch(e.name) and e.is_dir()
                  and (e / MANIFEST).is_file()]
    infos = [i for i in map(_info, found) if i is not None]
    return sorted(infos, key=lambda i: (i.started, i.period, i.edition))


def _pack_digest(folder: Path) -> str:
    """What identifies a pack's contents: its manifest (which names the run and hashes every
    input) and figures.json."""
    h = hashlib.sha256()
    for name in (MANIFEST, "figures.json"):
        try:
            h.update((folder / name).read_bytes())
        except OSError:
            pass
    return h.hexdigest()


def pack_knowledge(folder: Path | str) -> Knowledge:
    """:func:`knowledge` of the pack in ``folder``, kept in the store (:mod:`wscb_analysis.
    cache`: a published pack's files do not change, and an archive is read by every pack
    after it)."""
    from .. import cache

    folder = Path(folder)
    return cache.cached("published", __name__, (_pack_digest(folder),),
                        lambda: knowledge(read_pack(folder)),
                        accept=lambda v: isinstance(v, Knowledge))


def published_in(folder: Path | str | None) -> Published | None:
    """What the packs in ``folder`` (an archive, or one pack) show and hide, for the next
    pack's disclosure plan; None when there is no pack. Where editions disagree on a shown
    figure, the latest edition's value is kept; a figure hidden in any pack is hidden."""
    packs = packs_in(folder)
    if not packs:
        return None
    shown: dict[str, float] = {}
    hidden: set[str] = set()
    for info in packs:
        know = pack_knowledge(info.folder)
        shown.update(know.shown)
        hidden |= know.hidden
    return Published(shown=shown, hidden=frozenset(hidden))


__all__ = ["Knowledge", "PackInfo", "canonical", "figures_json_texts", "keyed", "knowledge",
           "pack_knowledge", "packs_in", "published_in", "MANIFEST", "REVISIONS"]
