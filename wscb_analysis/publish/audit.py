"""The disclosure audit: what an attacker holding only the finished pack could work out.

It reads the pack's pages and figures.json, never the extract, and tries:

* totals minus parts within each table (a "Total" or "All ..." row or column);
* across pages: every figure a page ties to the pack's disclosure plan (``data-key`` on a
  table cell or a number in a sentence, and the figures.json keys) is collected, the same
  figure shown in one place and hidden in another is a leak outright, and the sums the
  definitions imply (months to quarters to years; districts, sources, types or bands to their
  total; plan numbers to second-or-later) are solved by linear programming for every hidden
  figure, which are whole numbers of at least 1 because zeros are shown;
* rates and percentages shown while the count they are built from is hidden anywhere
  (``data-num``/``data-den``), which a denominator or population would turn back into the
  count;
* chart titles and alt text against their tables: a number stated there must be shown in the
  chart's table (or be one of the chart's stated constants), and a row the table hides must
  not be named beside a number.

Each finding names the page and what was recovered, never the value.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from ..disclosure.plan import make_key, parse_key
from ..disclosure.suppress import Line, pinned, ranges

#: Counts of distinct children: their breakdowns do not add up exactly (no exact sums).
DISTINCT = {"missing_children", "missing_children_repeat", "missing_children_away",
            "missing_children_away_repeat", "missing_children_absent", "missing_at_end",
            "away_at_end", "children_referred", "children_rereferred"}
#: Counts at a day (the end of a period): they add up across groups, not across time.
STOCK = {"plans_open_at_end", "plans_open_2_years_plus"}


@dataclass
class Finding:
    page: str
    kind: str
    where: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind} ({self.where})"


@dataclass
class _Table:
    page: str
    caption: str = ""
    kind: str = "children"
    rows: list = field(default_factory=list)  # each row: list of (text, attrs)


@dataclass
class _Figure:
    page: str
    alt: str = ""
    title: str = ""
    constants: str = ""
    table: _Table | None = None


class _Reader(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.tables: list[_Table] = []
        self.figures: list[_Figure] = []
        self.spans: list[tuple[str, str]] = []
        self._table: _Table | None = None
        self._cell: list[str] | None = None
        self._cell_attrs: dict = {}
        self._row: list | None = None
        self._caption = False
        self._span: str | None = None
        self._span_text: list[str] = []
        self._figure: _Figure | None = None
        self._title = False
        self._last_figure: _Figure | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure":
            self._figure = _Figure(self.page, constants=a.get("data-constants", ""))
        elif tag == "img" and self._figure is not None:
            self._figure.alt = a.get("alt", "")
        elif tag == "span" and "chart-title" in (a.get("class") or "") and self._figure:
            self._title = True
        elif tag == "table":
            self._table = _Table(self.page, kind=a.get("data-counts", "children"))
        elif tag == "caption" and self._table is not None:
            self._caption = True
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._cell_attrs = [], a
        elif tag == "span" and a.get("data-key") and self._table is None:
            self._span, self._span_text = a["data-key"], []

    def handle_endtag(self, tag):
        if tag == "figure" and self._figure is not None:
            self.figures.append(self._figure)
            self._last_figure, self._figure = self._figure, None
        elif tag == "span" and self._title:
            self._title = False
        elif tag == "caption":
            self._caption = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(("".join(self._cell).strip(), self._cell_attrs))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self._table.rows.append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            # A chart's data table follows its figure, inside the same section.
            if self._last_figure is not None and self._last_figure.table is None:
                self._last_figure.table = self._table
                self._last_figure = None
            self._table = None
        elif tag == "span" and self._span is not None:
            self.spans.append((self._span, "".join(self._span_text).strip()))
            self._span = None

    def handle_data(self, data):
        if self._title and self._figure is not None:
            self._figure.title += data
        if self._caption and self._table is not None:
            self._table.caption += data
        if self._cell is not None:
            self._cell.append(data)
        if self._span is not None:
            self._span_text.append(data)


_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)")


def _count(text: str) -> float | None:
    t = text.strip().replace(",", "")
    return float(t) if re.fullmatch(r"\d+", t) else None


def _is_total(text: str) -> bool:
    t = text.strip().lower()
    return t == "total" or t.startswith("all ") or t == "all"


def _within_tables(tables: list[_Table]) -> list[Finding]:
    """Totals minus parts inside each table of counts about children."""
    out = []
    for t in tables:
        if t.kind != "children" or len(t.rows) < 2:
            continue
        header = [c for c, _ in t.rows[0]]
        sum_of = {j: (a.get("data-sum-of") or "").split("|") for j, (_, a) in
                  enumerate(t.rows[0]) if a.get("data-sum-of")}
        body = t.rows[1:]
        ncols = len(header)
        grid = [[c for c, _ in r] + [""] * (ncols - len(r)) for r in body]
        total_cols = [j for j, h in enumerate(header) if _is_total(h)]
        total_rows = [i for i, r in enumerate(grid) if r and _is_total(r[0])]
        count_cols = [j for j in range(1, ncols) if all(
            row[j] == "c" or _count(row[j]) is not None for row in grid)]
        if not count_cols or not (total_cols or total_rows):
            continue
        cells, values, hidden = {}, [], []
        for i, row in enumerate(grid):
            for j in count_cols:
                cells[(i, j)] = len(values)
                values.append(np.nan if row[j] == "c" else _count(row[j]))
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
        out += [Finding(t.page, "hidden cell worked out from the table's totals",
                        f"table '{t.caption}', cell {n + 1}")
                for n in _recovered(np.array(values), np.array(hidden), lines)]
    return out


def _recovered(values: np.ndarray, hidden: np.ndarray, lines: list[Line]) -> list[int]:
    if not hidden.any() or not lines:
        return []
    work = np.where(hidden, 1.0, values)
    rng = ranges(np.where(np.isnan(work), 0.0, work), hidden, lines)
    return sorted(c for c, r in rng.items() if pinned(r))


def _keyed(pages: dict[str, _Reader], figures: dict | None) -> tuple[dict, list[Finding]]:
    """key -> set of shown texts (and "c"), from table cells, sentences and figures.json."""
    seen: dict[str, set[str]] = defaultdict(set)
    where: dict[str, str] = {}
    for name, r in pages.items():
        for t in r.tables:
            for row in t.rows:
                for text, attrs in row:
                    k = attrs.get("data-key")
                    if k:
                        seen[k].add(text)
                        where.setdefault(k, name)
        for k, text in r.spans:
            # A sentence says "fewer than 6" or "a number not shown" for a hidden figure.
            seen[k].add(text if _count(text) is not None else "c")
            where.setdefault(k, name)
    if figures:
        from ..pack_plan import figure_key

        label = figures.get("period", {}).get("label", "")
        for block in ("referrals", "cp_plans", "missing", "early_help", "diversity"):
            for key, value in (figures.get(block) or {}).items():
                items = value.items() if isinstance(value, dict) else [(None, value)]
                for sub, v in items:
                    if v is None or (isinstance(v, float) and key.endswith("_rate")):
                        continue
                    k = figure_key(block, key, label, sub)
                    if k is None or isinstance(v, bool):
                        continue
                    seen[k].add("c" if v == "c" else f"{int(v):,}" if isinstance(
                        v, int | float) else str(v))
                    where.setdefault(k, "figures.json")
    out = []
    for k, texts in seen.items():
        if "c" in texts and len(texts) > 1:
            out.append(Finding(where[k], "figure hidden in one place and shown in another",
                               k.split("|")[0]))
        elif len(texts - {"c"}) > 1:
            out.append(Finding(where[k], "one figure shown with two different values",
                               k.split("|")[0]))
    return seen, out


def _months_of_quarter(label: str) -> list[str]:
    import pandas as pd

    from ..periods import financial_year

    p = financial_year(*label.split(" "))
    return [m.strftime("%b %Y") for m in pd.period_range(p.start, p.end, freq="M")]


def _implied_lines(keys: set[str]) -> tuple[list[str], list[tuple[list[str], str, bool]]]:
    """Every key the sums need (published or not) and the sums themselves."""
    parsed = {k: parse_key(k) for k in keys}
    extra: set[str] = set()
    sums: list[tuple[list[str], str, bool]] = []
    groups: dict[tuple, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for _k, (measure, period, dims) in parsed.items():
        for d in dims:
            rest = {x: v for x, v in dims.items() if x != d}
            groups[(measure, period, tuple(sorted(rest.items())))][d].add(dims[d])
    for (measure, period, rest), by_dim in groups.items():
        total = make_key(measure, period, dict(rest))
        exact = measure not in DISTINCT
        for d, values in by_dim.items():
            parts = [make_key(measure, period, {**dict(rest), d: v}) for v in sorted(values)]
            sums.append((parts, total, exact))
            extra.add(total)
    for k, (measure, period, dims) in parsed.items():
        if dims or measure in DISTINCT or measure in STOCK:
            continue
        if " Q" in period:
            sums.append(([make_key(measure, m) for m in _months_of_quarter(period)], k, True))
        elif re.fullmatch(r"\d{4}-\d{2}", period):
            sums.append(([make_key(measure, f"{period} Q{i}") for i in range(1, 5)], k, True))
    for k, (measure, period, dims) in parsed.items():
        if measure == "plans_second_or_subsequent" and not dims:
            sums.append(([make_key("plans_started", period, {"plan": p})
                          for p in ("Second", "Third or later")], k, True))
        if measure == "plans_third_or_later" and not dims:
            sums.append(([make_key("plans_started", period, {"plan": "Third or later"})], k,
                         True))
        if measure == "plans_ended_2_years_plus" and not dims:
            sums.append(([make_key("plans_ended", period, {"band": "2 years and over"})], k,
                         True))
        if measure == "missing_episodes" and not dims:
            sums.append(([make_key("episodes", period, {"type": "Missing"})], k, True))
    names = sorted(set(keys) | extra | {p for parts, t, _ in sums for p in (*parts, t)})
    return names, sums


def _across_pages(seen: dict[str, set[str]]) -> list[Finding]:
    keys = set(seen)
    names, sums = _implied_lines(keys)
    index = {k: i for i, k in enumerate(names)}
    values = np.zeros(len(names))
    hidden = np.zeros(len(names), bool)
    free = np.zeros(len(names), bool)
    for k, i in index.items():
        texts = seen.get(k)
        if not texts:
            free[i] = True  # unpublished: the attacker knows nothing of it
            continue
        shown = [_count(t) for t in texts if t != "c"]
        shown = [v for v in shown if v is not None]
        if shown:
            values[i] = shown[0]
        else:
            hidden[i] = True
    # Unpublished figures are unknowns too (at least 0): solve them with the hidden ones.
    unknown = hidden | free
    lines = [Line(tuple(index[p] for p in parts), index[t], exact)
             for parts, t, exact in sums]
    if not hidden.any():
        return []
    rng = _ranges_with_free(values, unknown, free, lines)
    out = []
    for i, r in rng.items():
        if hidden[i] and pinned(r):
            out.append(Finding("pack", "hidden figure worked out from figures shown on other "
                               "pages", parse_key(names[i])[0] + " " + parse_key(names[i])[1]))
    return out


def _ranges_with_free(values, unknown, free, lines):
    """Like :func:`ranges`, with unpublished figures bounded below by 0 instead of 1."""
    from scipy.optimize import linprog

    from ..disclosure.suppress import _components

    cells = [int(i) for i in np.flatnonzero(unknown)]
    out = {}
    exact = [ln for ln in lines if ln.exact]
    for group, group_lines in _components(cells, exact):
        if not any(not free[c] for c in group):
            continue
        pos = {c: i for i, c in enumerate(group)}
        a_eq, b_eq = [], []
        for line in group_lines:
            row = np.zeros(len(group))
            rhs = 0.0
            for c in line.parts:
                if c in pos:
                    row[pos[c]] += 1
                else:
                    rhs -= values[c]
            if line.total in pos:
                row[pos[line.total]] -= 1
            else:
                rhs += values[line.total]
            if row.any():
                a_eq.append(row)
                b_eq.append(rhs)
        if not a_eq:
            continue
        bounds = [(0 if free[c] else 1, None) for c in group]
        a, b = np.array(a_eq), np.array(b_eq)
        for i, c in enumerate(group):
            if free[c]:
                continue
            obj = np.zeros(len(group))
            obj[i] = 1
            lo = linprog(obj, A_eq=a, b_eq=b, bounds=bounds, method="highs")
            hi = linprog(-obj, A_eq=a, b_eq=b, bounds=bounds, method="highs")
            if lo.status == 2:  # the shown figures contradict each other: report, not solve
                continue
            out[c] = (lo.fun if lo.status == 0 else np.nan,
                      -hi.fun if hi.status == 0 else np.inf)
    return out


def _rates(pages: dict[str, _Reader], seen: dict[str, set[str]]) -> list[Finding]:
    """A share or rate shown while a count it is built from is hidden anywhere."""
    out = []
    hidden = {k for k, texts in seen.items() if "c" in texts}
    for name, r in pages.items():
        for t in r.tables:
            for row in t.rows:
                for text, attrs in row:
                    if text in ("c", "x", "z", ""):
                        continue
                    if any(attrs.get(a) in hidden for a in ("data-num", "data-den")):
                        out.append(Finding(name, "rate or share shown for a hidden count",
                                           f"table '{t.caption}'"))
    return out


def _figures_text(pages: dict[str, _Reader]) -> list[Finding]:
    out = []
    for name, r in pages.items():
        for f in r.figures:
            t = f.table
            if t is None or t.kind != "children":
                continue
            shown = {c for row in t.rows[1:] for c, _ in row}
            shown |= {c.replace(",", "") for c in shown}
            constants = set(f.constants.split())
            hidden_rows = {row[0][0]: {c for c, _ in row[1:]} for row in t.rows[1:]
                           if any(c == "c" for c, _ in row)}
            for label, text in (("title", f.title), ("alt text", f.alt)):
                for m in _NUMBER.finditer(text):
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
                            or \
                            re.match(r"\s*(interval|confidence|limits?)", after) or \
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


def audit_pack(folder: Path | str) -> list[Finding]:
    """Every disclosure problem an attacker could find from the pack alone (empty: none)."""
    folder = Path(folder)
    pages: dict[str, _Reader] = {}
    for path in sorted(folder.glob("*.html")):
        reader = _Reader(path.name)
        text = re.sub(r'src="data:image/[^"]+"', 'src=""', path.read_text(encoding="utf-8"))
        reader.feed(text)
        pages[path.name] = reader
    figures = None
    fj = folder / "figures.json"
    if fj.exists():
        figures = json.loads(fj.read_text())
    out: list[Finding] = []
    for r in pages.values():
        out += _within_tables(r.tables)
    seen, clashes = _keyed(pages, figures)
    out += clashes
    out += _across_pages(seen)
    out += _rates(pages, seen)
    out += _figures_text(pages)
    return out


__all__ = ["audit_pack", "Finding"]
