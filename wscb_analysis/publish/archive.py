"""The partnership's archive of packs (``wscb publish --archive DIR``, CONTRACT.md).

A board publishes a year and its quarters, and publishes a period again when late records
arrive; every pack it has published is public. The archive keeps them all::

    DIR/index.html                      every pack in it, newest first
    DIR/2016-17/                        a year's pack (an installed pack, see install.py)
    DIR/2016-17-Q3/                     a quarter's
    DIR/revisions/2016-17/edition-1/    an earlier edition of a period, kept whole

What the archive's packs show and hide (:func:`wscb_analysis.disclosure.published.
published_in`, read from the packs themselves,
never from an extract) is handed to the disclosure plan of the next pack: a figure any of them
hid stays hidden, one they showed is not hidden to protect another, and the plan holds the
periods they printed, so the new pack's figures are suppressed together with the ones they add
up with. The publish's audit then reads the new pack together with every pack of the archive
(:func:`~wscb_analysis.publish.audit.audit_pack`'s ``others``) and fails on anything an
attacker holding all of them could work out.

A pack folder given to ``--out`` that already holds a pack is read the same way: the edition
it replaces is public too.
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
from pathlib import Path

from ..periods import Period

INDEX = "index.html"


def slug(period: Period) -> str:
    """The folder name of a period's pack: "2016-17", "2016-17-Q3"."""
    return period.label.replace(" ", "-")


def pack_folder(archive: Path | str, period: Period) -> Path:
    return Path(archive) / slug(period)


def keep_revision(archive: Path, period: Period) -> Path | None:
    """Copy the period's current pack, if any, into ``revisions/<period>/edition-<n>`` (links
    followed: the copy is whole on its own); returns the copy."""
    from ..disclosure.published import REVISIONS, _info

    current = pack_folder(archive, period)
    info = _info(current)
    if info is None:
        return None
    dest = archive / REVISIONS / slug(period) / f"edition-{info.edition}"
    if dest.exists():
        return dest
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(current, tmp, symlinks=False,
                    ignore=shutil.ignore_patterns(".wscb-*"))
    tmp.replace(dest)
    return dest


def next_edition(archive: Path, period: Period) -> int:
    """1 for a period not yet in the archive, else one more than its latest edition."""
    from ..disclosure.published import packs_in

    editions = [i.edition for i in packs_in(archive) if i.period == period.label]
    return max(editions, default=0) + 1


def write_index(archive: Path, partnership: str, page) -> None:
    """The archive's ``index.html``: every pack, newest first, with its period, edition and
    run date (``page`` is the pack's page shell, :func:`~wscb_analysis.publish.render.page`)."""
    from ..disclosure.published import packs_in

    rows = []
    for info in sorted(packs_in(archive), key=lambda i: (i.started, i.edition), reverse=True):
        rel = info.folder.relative_to(archive).as_posix()
        when = info.started[:10]
        try:
            when = f"{dt.date.fromisoformat(when):%-d %B %Y}"
        except ValueError:
            pass
        state = "current" if info.current else "earlier edition"
        rows.append(f"<tr><td><a href=\"{html.escape(rel)}/index.html\">"
                    f"{html.escape(info.period)}</a></td><td>{info.edition}</td>"
                    f"<td>{html.escape(when)}</td><td>{state}</td></tr>")
    body = (f"<h1>{html.escape(partnership)}: published packs</h1>"
            "<p>Every pack published for the board, newest first. A period published again "
            "when late records arrived keeps its earlier editions.</p>"
            '<table class="wscb-table" data-counts="files"><caption>Packs in this archive'
            "</caption><thead><tr><th>Period</th><th>Edition</th><th>Run on</th>"
            f"<th>Status</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    tmp = archive / (INDEX + ".tmp")
    tmp.write_text(page(f"{partnership}: published packs", body), encoding="utf-8")
    tmp.replace(archive / INDEX)


__all__ = ["slug", "pack_folder", "keep_revision", "next_edition", "write_index"]
