"""The disclosure audit: what an attacker holding only the finished pack could work out.

It reads the pack's pages and figures.json (:mod:`wscb_analysis.disclosure.pack_reader`,
:mod:`wscb_analysis.disclosure.published`), never the extract, and tries:

* totals minus parts within each table (a "Total" or "All ..." row or column, or a column
  marked as the sum of others);
* across the pack: every figure tied to the disclosure plan (``data-key`` on a table cell or a
  number in a sentence, and the figures.json keys) is collected; one figure hidden in one
  place and shown in another, or shown with two values, is a finding outright; then the sums
  the definitions imply (months, quarters and years; breakdowns and their totals; plan
  numbers) are solved by linear programming for every hidden figure, a whole number of at
  least 1 (zeros are shown) and at most 5 where the pack says "fewer than 6"
  (:mod:`.audit_solve`); and the bounds between figures (subsets
  such as re-referrals within referrals; see :func:`audit_pack`);
* shares and rates shown while a count they are built from is hidden (``data-num``/
  ``data-den``, or a share or rate printed in the row of a hidden count): a denominator or a
  population on any page turns one back into the count;
* chart titles and alt text against their tables: a number stated there must be shown in the
  chart's table (or be one of the chart's stated constants), and a row the table hides must
  not be named beside a number;
* sentences beside tables: a number printed next to the name of a row or column the page's
  tables hide (an unkeyed "15 absent" beside a table hiding absent episodes);
* figures.json: no count from 1 to 5 (the "c" marks hidden ones);
* process-control tables: a hidden point beside printed limits or an average, which bound it
  or give the sum of the hidden points.

Each finding names the page and what was recovered, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..disclosure.measures import parse_key
from ..disclosure.pack_reader import (
    BOUND_WORDS,
    NUMBER,
    SMALL_WORDS,
    PageReader,
    Table,
    count,
    is_total,
    read_pack,
)
from ..disclosure.published import Knowledge, keyed, knowledge, pack_knowledge
from ..disclosure.suppress import PROTECTION, Line, exposed, pinned, ranges, recovered_small
from .audit_solve import attacker_ranges

#: Symbols a cell shows instead of a figure (DEFINITIONS.md).
SYMBOLS = {"c", "x", "z", "low", ""}
#: Column headings of figures that are not built from the row's counts: comparators others
#: published, targets, and the statistics of a process-control table (checked on their own).
_NOT_FROM_ROW = re.compile(r"england|neighbour|region|dfe|national|published|target|average|"
                           r"lower limit|upper limit", re.I)
_SHARE = re.compile(r"\d+(\.\d+)?%|\d+\.\d+")


@dataclass
class Finding:
    page: str
    kind: str
    where: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind} ({self.where})"


# --------------------------------------------------------------------------- within tables


def _grid(t: Table) -> tuple[list[str], list[list[str]], list[list[dict]]]:
    header = t.header()
    body = t.body()
    ncols = len(header)
    grid = [[c.text for c in r] + [""] * (ncols - len(r)) for r in body]
    attrs = [[c.attrs for c in r] + [{}] * (ncols - len(r)) for r in body]
    return header, grid, attrs


def _count_cols(grid: list[list[str]], ncols: int,
                attrs: list[list[dict]] | None = None) -> list[int]:
    """Columns whose every cell is a count or hidden. A cell that says what it holds
    (``data-unit``, as the scorecard's do) is a count only if its unit is "count": a hidden
    rate is not a hidden count."""
    def counts(i: int, j: int) -> bool:
        unit = attrs[i][j].get("data-unit") if attrs else None
        if unit is not None and unit != "count":
            return False
        return grid[i][j] == "c" or count(grid[i][j]) is not None
    return [j for j in range(1, ncols) if grid and all(counts(i, j) for i in range(len(grid)))]


def _within_tables(tables: list[Table]) -> list[Finding]:
    """Totals minus parts inside each table of counts about children."""
    out = []
    for t in tables:
        if t.kind != "children" or len(t.rows) < 2:
            continue
        header, grid, cell_attrs = _grid(t)
        sum_of = {j: (c.attrs.get("data-sum-of") or "").split("|")
                  for j, c in enumerate(t.rows[0]) if c.attrs.get("data-sum-of")}
        ncols = len(header)
        total_cols = [j for j, h in enumerate(header) if is_total(h)]
        total_rows = [i for i, r in enumerate(grid) if r and is_total(r[0])]
        count_cols = _count_cols(grid, ncols, cell_attrs)
        if not count_cols or not (total_cols or total_rows or sum_of):
            continue
        if all(row[j].attrs.get("data-key") for row in t.body() for j in count_cols
               if j < len(row)):
            continue  # every count is a plan figure: its sums are solved across the pack
        cells, values, hidden = {}, [], []
        for i, row in enumerate(grid):
            for j in count_cols:
                cells[(i, j)] = len(values)
                values.append(np.nan if row[j] == "c" else count(row[j]))
                hidden.append(row[j] == "c")
        lines = []
        for j in total_cols:
            if j in count_cols:
                for i in range(len(grid)):
                    parts = [cells[(i, k)] for k in count_cols
                             if k != j and k not in total_cols and k not in sum_of]
                    lines.append(Line(tuple(parts), cells[(i, j)]))
        for j, names in sum_of.items():  # a column that is the sum of named columns
            members = [k for k, h in enumerate(header) if h in names and k in count_cols]
            if j in count_cols and members:
                for i in range(len(grid)):
                    lines.append(Line(tuple(cells[(i, k)] for k in members), cells[(i, j)]))
        for i in total_rows:
            for j in count_cols:  # each column's total row (sum columns included)
                parts = [cells[(r, j)] for r in range(len(grid)) if r not in total_rows]
                lines.append(Line(tuple(parts), cells[(i, j)]))
        out += [Finding(t.page, f"hidden cell {_how(r)} the table's totals",
                        f"table '{t.caption}', cell {n + 1}")
                for n, r in _recovered(np.array(values), np.array(hidden), lines)]
    return out


def _how(rng: tuple[float, float]) -> str:
    """How far an attacker gets with a hidden figure whose range is :func:`exposed`."""
    return ("worked out from" if pinned(rng) else
            f"narrowed to fewer than {PROTECTION} possible values by")


def _recovered(values: np.ndarray, hidden: np.ndarray, lines: list[Line]
               ) -> list[tuple[int, tuple[float, float]]]:
    if not hidden.any() or not lines:
        return []
    work = np.where(hidden, 1.0, values)
    rng = ranges(np.where(np.isnan(work), 0.0, work), hidden, lines)
    return sorted((c, r) for c, r in rng.items() if exposed(r))


# --------------------------------------------------------------------------- across pages


def _across_pages(know: Knowledge, bounds: bool) -> list[Finding]:
    """Hidden figures pinned by what the pack shows (knowing those it says are fewer than 6
    are at most 5), or narrowed below the protection level by its sums and bounds alone
    (:func:`~wscb_analysis.disclosure.suppress.exposed`)."""
    out = []
    worked_out = {k for k, r in attacker_ranges(know, bounds).items() if recovered_small(r)}
    unmarked = Knowledge(shown=know.shown, hidden=know.hidden, small=set())
    for k, r in sorted(attacker_ranges(unmarked, bounds).items()):
        if k in worked_out or exposed(r):
            measure, period, _ = parse_key(k)
            how = _how(r) if k not in worked_out else "worked out from"
            out.append(Finding("pack", f"hidden figure {how} figures shown on other pages",
                               f"{measure} {period}"))
    return out


def attacker_view(folder: Path | str, bounds: bool = True) -> dict[str, tuple[float, float]]:
    """The least and greatest value an attacker holding only the pack in ``folder`` can give
    each hidden figure tied to the disclosure plan (keys as :func:`~wscb_analysis.disclosure.
    make_key` writes them); ``bounds=False``: from exact sums alone."""
    return attacker_ranges(knowledge(read_pack(folder)), bounds)


# --------------------------------------------------------------------------- shares and rates


def _rates(pages: dict[str, PageReader], seen: dict[str, set[str]]) -> list[Finding]:
    """A share or rate shown while a count it is built from is hidden anywhere, or printed in
    the row of a hidden count."""
    out = []
    hidden = {k for k, texts in seen.items() if "c" in texts}
    for name, r in pages.items():
        for t in r.tables:
            for row in t.rows:
                for c in row:
                    if c.text in SYMBOLS:
                        continue
                    if any(c.attrs.get(a) in hidden for a in ("data-num", "data-den")):
                        out.append(Finding(name, "rate or share shown for a hidden count",
                                           f"table '{t.caption}'"))
            out += _shares_beside_hidden(name, t)
    return out


def _shares_beside_hidden(name: str, t: Table) -> list[Finding]:
    """A row whose count is hidden and which prints a share or rate that is not tied to its
    parts (``data-num``/``data-den``: those are checked against the plan) and is no
    comparator: with the denominator or population, on this page or another, it gives the
    count back."""
    if t.kind != "children" or len(t.rows) < 2:
        return []
    header, grid, attrs = _grid(t)
    count_cols = set(_count_cols(grid, len(header), attrs))
    out = []
    for row, row_attrs in zip(grid, attrs, strict=True):
        if not any(row[j] == "c" for j in count_cols):
            continue
        for j, text in enumerate(row[1:], start=1):
            if j in count_cols or not _SHARE.fullmatch(text.strip()):
                continue
            if row_attrs[j].get("data-num") or row_attrs[j].get("data-den"):
                continue
            if _NOT_FROM_ROW.search(header[j] if j < len(header) else ""):
                continue
            out.append(Finding(name, "rate or share shown beside a hidden count",
                               f"table '{t.caption}', row '{row[0][:40]}'"))
            break
    return out


# --------------------------------------------------------------------------- words


def _figures_text(pages: dict[str, PageReader]) -> list[Finding]:
    out = []
    for name, r in pages.items():
        for f in r.figures:
            t = f.table
            if t is None or t.kind != "children":
                continue
            shown = t.shown_texts()
            constants = set(f.constants.split())
            hidden_rows = {row[0].text: {c.text for c in row[1:]} for row in t.body()
                           if any(c.text == "c" for c in row)}
            for label, text in (("title", f.title), ("alt text", f.alt)):
                for m in NUMBER.finditer(text):
                    whole, frac, pct = m.group(1), m.group(2), m.group(3)
                    token = whole + (f".{frac}" if frac else "") + pct
                    if not pct and not frac and re.fullmatch(r"(19|20)\d\d", whole):
                        continue  # a year
                    if text[m.end():m.end() + 1] == "-" or text[max(0, m.start() - 1)] in "-Q":
                        continue  # part of a period label like 2016-17 or Q3
                    if token in shown or token.replace(",", "") in shown or token in constants:
                        continue
                    after = text[m.end():m.end() + 16].lower()
                    if re.match(r"\s*(working\s+)?(months?|years?|weeks?|days?|hours?|"
                                r"quarters?)\b", after) or re.match(r"\s*or more\b", after) \
                            or re.match(r"\s*(interval|confidence|limits?)", after) or \
                            token == "10,000":
                        continue  # a length of time, an interval's level, a rate's base
                    if not pct and not frac and int(whole.replace(",", "")) < 6:
                        continue  # a small count cannot be stated; caught by the leak guard
                    out.append(Finding(name, f"chart {label} states a number its table does "
                                       "not show", f"chart '{f.title[:60]}'"))
                    break
                for row_label, cells in hidden_rows.items():
                    i = text.find(row_label)
                    if not row_label or i < 0:
                        continue
                    m = re.match(r"\s*:?\s*([\d,.]+%?)", text[i + len(row_label):])
                    if m and m.group(1).rstrip(".,") not in cells:
                        out.append(Finding(name, f"chart {label} gives a number for a row its "
                                           "table hides", f"chart '{f.title[:60]}'"))
    return out


def _hidden_labels(r: PageReader) -> dict[str, str]:
    """Lower-cased names of the groups whose count the page's tables hide, with the table's
    caption: a row that hides a count, and a column whose total is hidden (a sentence's
    "15 absent" is the Absent column's total). Periods and numbers name no group."""
    out: dict[str, str] = {}
    for t in r.tables:
        if t.kind != "children" or len(t.rows) < 2:
            continue
        header, grid, _ = _grid(t)
        for row in grid:
            for j, text in enumerate(row[1:], start=1):
                if text != "c":
                    continue
                names = [row[0]]
                if is_total(row[0]) and j < len(header):
                    names.append(header[j])
                for name in names:
                    name = name.strip().lower()
                    if len(name) > 2 and not re.search(r"\d", name) and not is_total(name):
                        out.setdefault(name, t.caption)
    return out


_HIDDEN_WORDS = re.compile(rf"{SMALL_WORDS}|not shown|too few to show", re.I)
_PERCENT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?%")
#: Words before a share that is someone else's (a comparator) or a goal, not the pack's own.
_COMPARATOR = re.compile(r"\b(england|neighbours?|region|national|target|goal|aim)\b", re.I)


def _sentences(pages: dict[str, PageReader]) -> list[Finding]:
    """A number printed beside the name of a row or column a table on the same page hides,
    which no table on the page shows ("15 absent" where the table hides absent episodes); a
    share stated in a sentence that hides a count ("fewer than 6 of 57 plans (8.8%)": 5)."""
    out = []
    for name, r in pages.items():
        for s in r.sentences:
            own = [m for m in _PERCENT.finditer(s.text)
                   if not _COMPARATOR.search(s.text[max(0, m.start() - 30):m.start()])]
            if not s.rows and _HIDDEN_WORDS.search(s.text) and own:
                # Named by its first words, numbers masked (a finding never gives a value).
                start = re.sub(r"\d", "#", " ".join(s.text.split()[:6]))
                out.append(Finding(name, "sentence states a share beside a hidden count",
                                   f"sentence '{start} ...'"))
        labels = _hidden_labels(r)
        if not labels:
            continue
        shown = set().union(*(t.shown_texts() for t in r.tables))
        for s in r.sentences:
            if s.rows:
                continue
            text = s.text.lower()
            for label, caption in labels.items():
                for m in re.finditer(rf"(?<![\w.,])(\d[\d,]*(?:\.\d+)?%?)\s+{re.escape(label)}"
                                     rf"\b|\b{re.escape(label)}\s*:?\s+(\d[\d,]*(?:\.\d+)?%?)"
                                     r"(?![\w,]|\.\d)", text):
                    token = m.group(1) or m.group(2)
                    if BOUND_WORDS.search(text[:m.start()]) or token in shown or \
                            token.replace(",", "") in shown:
                        continue
                    if count(token) is not None and count(token) < 6:
                        continue  # no count from 1 to 5 is printed: the leak guard's part
                    out.append(Finding(name, "sentence gives a number for a figure a table "
                                       "hides", f"'{label}' beside table '{caption[:60]}'"))
                    break
    return out


# --------------------------------------------------------------------------- files


def _figures_json(figures: dict | None) -> list[Finding]:
    """figures.json holds no count from 1 to 5 (hidden ones are "c")."""
    if not figures:
        return []
    out = []

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
            out.append(Finding("figures.json", "a count from 1 to 5 is shown", path))

    for block in ("referrals", "cp_plans", "missing", "early_help", "diversity"):
        walk(figures.get(block), block)
    return out


# --------------------------------------------------------------------------- process control


def _spc_limits(pages: dict[str, PageReader]) -> list[Finding]:
    """Process-control tables (Making Data Count) that print an average or limits beside a
    hidden point. A hidden point whose special cause is not "outside limits" lies within the
    printed limits (that rule comes first), so limits whose range holds one whole number give
    it away; and the average times the number of points gives the sum of the hidden ones. So
    any hidden point beside printed limits or an average is a finding."""
    out = []
    for name, r in pages.items():
        for t in r.tables:
            header = [h.lower() for h in t.header()]
            if not {"lower limit", "upper limit", "average"} & set(header):
                continue
            stats = {j for j, h in enumerate(header)
                     if h in ("lower limit", "upper limit", "average", "special cause")}
            _, grid, _ = _grid(t)
            for row in grid:
                if any(text == "c" for j, text in enumerate(row) if j not in stats):
                    out.append(Finding(name, "hidden value beside process limits or an "
                                             "average that bound it",
                                       f"table '{t.caption[:60]}', row '{row[0]}'"))
    return out


# --------------------------------------------------------------------------- the audit


def together(new: Knowledge, earlier: Iterable[Knowledge]) -> tuple[Knowledge, list[str]]:
    """What an attacker holding the new pack and every earlier one knows, and the figures
    the new pack shows that an earlier pack hid (each a finding: a figure hidden once stays
    hidden). A figure an earlier edition showed and the new one hides (a count revised into
    1 to 5) is hidden: the earlier value is of other records, not the new one."""
    shown, hidden, small = {}, set(), set(new.small)
    for know in earlier:
        shown.update(know.shown)
        hidden |= know.hidden
        small |= know.small
    revealed = sorted(k for k in new.shown if k in hidden)
    for k in new.hidden:
        shown.pop(k, None)
    shown.update(new.shown)
    hidden = (hidden | new.hidden) - set(shown)
    return Knowledge(shown=shown, hidden=hidden, small=small & hidden), revealed


def audit_pack(folder: Path | str, *, spc_limits: bool = True,
               unplanned_bounds: bool = True, others: Iterable[Path] = ()) -> list[Finding]:
    """Every disclosure problem an attacker could find from the pack alone (empty: none).

    * ``spc_limits``, the process-control check (:func:`_spc_limits`), on by default: the
      scorecard leaves the average and limits out of any table that hides a point
      (performance/page/sections.py, ``_chart_table``).
    * ``unplanned_bounds``, on by default: the bounds between figures (subsets such as
      interviews offered within missing episodes, children going missing plus those missing
      more than once within the episodes, distinct children within their total). The
      disclosure plan protects them too (:mod:`wscb_analysis.disclosure.bounds`); turn it off only
      to see what exact sums alone give away.
    * ``others``: packs already published (an archive's, the edition this one replaces):
      the figures are solved for an attacker holding them all, and a figure one of them hid
      may not be shown here.
    :func:`attacker_view` always uses the bounds."""
    pack = read_pack(folder)
    out: list[Finding] = []
    for r in pack.pages.values():
        out += _within_tables(r.tables)
    seen, _, clashes = keyed(pack)
    out += [Finding(*c) for c in clashes]
    know = knowledge(pack)
    others = list(others)
    if others:
        know, revealed = together(know, [pack_knowledge(f) for f in others])
        out += [Finding("pack", "figure an earlier pack hid is shown", k.split("|")[0] + " "
                        + k.split("|")[1]) for k in revealed]
    out += _across_pages(know, unplanned_bounds)
    out += _rates(pack.pages, seen)
    out += _figures_text(pack.pages)
    out += _sentences(pack.pages)
    out += _figures_json(pack.figures)
    if spc_limits:
        out += _spc_limits(pack.pages)
    return out


__all__ = ["audit_pack", "attacker_view", "knowledge", "together", "Finding"]
