"""How the scorecard looks on a page: values disclosed by unit, the Making Data Count symbols
with their words, sparklines, and the scorecard table itself.

Disclosure (DEFINITIONS.md) goes through :func:`wscb_analysis.disclosure.disclose`, one call per
unit and kind of indicator: a count about children from 1 to 5 is ``c``; a percentage or rate
about children whose numerator or denominator is 1 to 5 is ``c``; counts that are not about
children (training events, audits returned) are shown as they are, with an asterisk from 1 to
5 and a note saying why. A figure not held is ``x``.

Each symbol is a small inline SVG hidden from screen readers, with its words beside it, so the
meaning never rests on colour or shape alone (screen readers, print, colour blindness).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...charts import PALETTE
from ...disclosure import (
    LOW,
    NOT_AVAILABLE,
    SUPPRESSED,
    DisclosedTable,
    disclose,
    format_text,
    is_small,
)
from ..mdc import MIN_POINTS

#: Shown after a count from 1 to 5 that is not about children (and so not suppressed).
NOT_CHILDREN_MARK = "*"
NOT_CHILDREN_NOTE = ("* A count of events or returns, not of children: shown even when it is "
                     "from 1 to 5.")


# --------------------------------------------------------------------------- values


def _count_text(v) -> str:
    if v is None or pd.isna(v):
        return NOT_AVAILABLE
    text = f"{int(round(float(v))):,}"
    return text + NOT_CHILDREN_MARK if is_small(v) else text


def disclose_values(frame: pd.DataFrame, cells: list[tuple[str, str | None, str | None]],
                    keep: list[str], caption: str | None = None) -> DisclosedTable:
    """The ``keep`` columns as text and each ``(value, numerator, denominator)`` of ``cells``
    as the page shows it, suppressed by the rules above. ``frame`` needs ``unit`` and
    ``about_children`` columns; percentages are 0-100 in ``frame``. A row with no unit is
    shown as not available."""
    frame = frame.reset_index(drop=True)
    values = [v for v, _, _ in cells]
    # Filled by position, one frame built at the end (a page discloses dozens of these).
    shown = {v: np.full(len(frame), NOT_AVAILABLE, dtype=object) for v in values}
    hidden = {v: np.zeros(len(frame), dtype=bool) for v in values}
    groups = frame.groupby(["unit", "about_children"], sort=False).indices
    for (unit, children), rows in groups.items():
        g = frame.iloc[rows].reset_index(drop=True)
        sub: dict = {}
        counts: list[str] = []
        percents: dict = {}
        rates: dict = {}
        for v, x, d in cells:
            parts = [p for p in (x, d) if p is not None]
            if children and parts:
                for p in parts:
                    sub[p] = g[p].round().astype("Int64")
                    counts.append(p)
            pair = (x, d) if children and parts else (None, None)
            if unit == "count":
                if children:
                    sub[v] = g[v].round().astype("Int64")
                    counts.append(v)
                else:
                    sub[v] = [_count_text(a) for a in g[v]]
            elif unit == "percentage":
                sub[v] = g[v] / 100
                percents[v] = pair
            elif unit == "rate per 10,000":
                sub[v] = g[v]
                rates[v] = pair
            else:  # days: an average, never a count of children
                sub[v] = [NOT_AVAILABLE if pd.isna(a) else f"{a:.1f} days" for a in g[v]]
        table = disclose(pd.DataFrame(sub), counts=counts, percents=percents, rates=rates)
        for v in values:
            text = table.display[v].to_numpy(dtype=object)
            hide = table.suppressed[v].to_numpy(dtype=bool)
            # A computed figure the pack's disclosure plan hides is hidden here too, so the
            # scorecard never shows what another page hides.
            forced = f"{v}_plan_hidden"
            if forced in g:
                plan = g[forced].fillna(False).astype(bool).to_numpy()
                text = np.where(plan, SUPPRESSED, text)
                hide = hide | plan
            if unit == "rate per 10,000":
                text = [s if s in (SUPPRESSED, NOT_AVAILABLE, LOW) else f"{s} per 10,000"
                        for s in text]
            shown[v][rows] = text
            hidden[v][rows] = hide
    columns = keep + values
    display = pd.DataFrame({**{c: [format_text(a) for a in frame[c]] for c in keep},
                            **{v: list(shown[v]) for v in values}}, columns=columns, dtype=str)
    kinds = ["children" if bool(c) else "events" for c in frame["about_children"]]
    return DisclosedTable(display=display, suppressed=pd.DataFrame(
        {**{c: np.zeros(len(frame), dtype=bool) for c in keep}, **hidden}, columns=columns),
        caption=caption, text_columns=tuple(keep), row_kinds=kinds)


def value_text(unit: str, value: float, about_children: bool, numerator=None,
               denominator=None, plan_hidden: bool = False) -> tuple[str, bool]:
    """One value as the page shows it, and whether it is suppressed."""
    frame = pd.DataFrame([{"unit": unit, "about_children": about_children, "value": value,
                           "numerator": numerator, "denominator": denominator,
                           "value_plan_hidden": bool(plan_hidden)}])
    frame[["value", "numerator", "denominator"]] = frame[
        ["value", "numerator", "denominator"]].astype(float)
    t = disclose_values(frame, [("value", "numerator", "denominator")], [])
    return str(t.display.at[0, "value"]), bool(t.suppressed.at[0, "value"])


# --------------------------------------------------------------------------- symbols

#: (fill, text colour, letter) per state. Colours from the pack's palette: blue improving,
#: orange concerning, purple for a change with no better direction, grey common cause.
_BLUE, _TEAL, _PURPLE, _ORANGE, _GREY = PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], \
    PALETTE[4]
VARIATION_WORDS = {
    "common cause": "Common cause: no significant change",
    "special cause improving": "Special cause: improving",
    "special cause concerning": "Special cause: concerning",
    "special cause neither": "Special cause: neither better nor worse",
    "too few points": "Too few points to judge",
}
ASSURANCE_WORDS = {
    "consistently met": "Consistently meets the target",
    "consistently missed": "Consistently misses the target",
    "hit and miss": "Hit and miss: meets or misses the target by chance",
    "no target": "No target",
    "too few points": "Too few points to judge",
}
MEANINGS = {
    "common cause": "The latest value is within the range the indicator's own history "
                    "leads us to expect.",
    "special cause improving": "A change that chance alone would rarely produce, in the "
                               "better direction.",
    "special cause concerning": "A change that chance alone would rarely produce, in the "
                                "worse direction.",
    "special cause neither": "A change that chance alone would rarely produce, for an "
                             "indicator where neither direction is better: a question to ask.",
    "consistently met": "The target lies outside the process limits, on the side the process "
                        "already beats: it will be met unless the process changes.",
    "consistently missed": "The target lies outside the process limits, on the other side: "
                           "it will be missed unless the process changes.",
    "hit and miss": "The target lies between the process limits: the indicator will meet it "
                    "some periods and miss it in others by chance alone.",
}


def _icon(fill: str, ink: str, letter: str, outline: str | None = None) -> str:
    stroke = f' stroke="{outline}" stroke-width="2"' if outline else ""
    return (f'<svg class="mdc-icon" width="22" height="22" viewBox="0 0 22 22" '
            f'aria-hidden="true" focusable="false"><circle cx="11" cy="11" r="10" '
            f'fill="{fill}"{stroke}/><text x="11" y="15.5" text-anchor="middle" '
            f'font-family="Arial, sans-serif" font-size="13" font-weight="bold" '
            f'fill="{ink}">{html.escape(letter)}</text></svg>')


def short_text(text: object, limit: int) -> str:
    """Partners' text cut for a page: at most ``limit`` characters, at a space where one is
    near, ending "..." when cut (the data table keeps the whole text)."""
    t = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    if len(t) <= limit:
        return t
    cut = t[:limit - 3]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "..."


def period_text(label: object, kind: str, up_to_date: bool) -> str:
    """A row's period with what kind of period it is ("2016-17 Q4 (quarter)"), so a quarter's
    figure is never read as the year's; "(not updated)" when it is older than the period
    asked."""
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return "none held"
    word = {"quarter": "quarter", "month": "month", "year": "year"}.get(kind, "")
    if kind == "month":
        label = pd.Period(str(label), "M").strftime("%B %Y")
    text = f"{label} ({word})" if word else str(label)
    return text if up_to_date else f"{text}, not updated"


def variation_icon(state: str, direction: str = "") -> str:
    letter = {"high": "H", "low": "L"}.get(direction, "")
    if state == "special cause improving":
        return _icon(_BLUE, "#FFFFFF", letter)
    if state == "special cause concerning":
        return _icon(_ORANGE, "#0B0C0C", letter)
    if state == "special cause neither":
        return _icon(_PURPLE, "#FFFFFF", letter)
    if state == "common cause":
        return _icon(_GREY, "#FFFFFF", "~")
    return _icon("#FFFFFF", _GREY, "?", outline=_GREY)


def assurance_icon(state: str, qualified: bool = False) -> str:
    """The assurance symbol; none where the process has changed since the limits were set
    and the judgement is "consistently met" or "missed" (a P or F beside values that say
    otherwise would mislead: the words say why)."""
    if qualified and state in ("consistently met", "consistently missed"):
        return ""
    return {"consistently met": _icon(_BLUE, "#FFFFFF", "P"),
            "consistently missed": _icon(_ORANGE, "#0B0C0C", "F"),
            "hit and miss": _icon(_GREY, "#FFFFFF", "?")}.get(state, "")


#: Said beside a target judgement made from limits the process has since left (METHODS.md).
CHANGED = "this describes the old process until its limits are recalculated from the change"


def assurance_words(state: str, qualified: bool = False, latest_meet: bool | None = None,
                    latest_value_meets: bool | None = None) -> str:
    """The assurance in words. Where the process has changed since the limits were set
    (special cause) the judgement is said to be of the process before the change, beside
    what the latest values do, so an indicator whose latest values meet the target is never
    said to miss it now."""
    if not qualified:
        return ASSURANCE_WORDS[state]
    lead = {"consistently met": "Met the target", "consistently missed": "Missed the target",
            "hit and miss": "Hit and miss"}.get(state, ASSURANCE_WORDS[state])
    if latest_meet:
        now = "; its latest values all meet it"
    elif latest_value_meets is None:
        now = ""
    else:
        now = f"; the latest value {'meets' if latest_value_meets else 'does not meet'} it"
    return f"{lead} before the process changed{now}: {CHANGED}."


def variation_words(state: str, direction: str = "", points: int = 0,
                    trial: bool = False, rule: str = "", limits_from: str | None = None
                    ) -> str:
    """The variation in words: the direction of a special cause (higher or lower; rising or
    falling for a trend), and how many points the limits rest on."""
    words = VARIATION_WORDS[state]
    if direction and state.startswith("special cause"):
        if rule == "trend":
            words += f" ({'rising' if direction == 'high' else 'falling'})"
        else:
            words += f" ({'higher' if direction == 'high' else 'lower'})"
    since = f" since the limits were recalculated from {limits_from}" if limits_from else ""
    if state == "too few points":
        words += f" ({points} of {MIN_POINTS} needed{since})"
    elif trial:
        words += f"; trial limits from {points} points{since}"
    elif limits_from:
        words += f"; limits recalculated from {limits_from}"
    return words


# --------------------------------------------------------------------------- sparklines


#: A sparkline's size in CSS pixels, and its line, marker and target line widths.
SPARK_WIDTH, SPARK_HEIGHT = 143, 50
_SPARK_LINE, _SPARK_DOT, _SPARK_LONE, _SPARK_TARGET = 2.1, 2.3, 1.6, 1.5
#: Space beyond the drawn values: a share of their range, across and up and down.
_SPARK_MARGIN_X, _SPARK_MARGIN_Y = 0.04, 0.2


def _spark_scale(lo: float, hi: float, margin: float, size: float, flip: bool):
    """Position in pixels of a value between ``lo`` and ``hi`` (each pushed out by ``margin``
    of the range; a single value sits in the middle)."""
    span = hi - lo
    if span <= 0:
        return lambda v: size / 2
    lo, span = lo - margin * span, span * (1 + 2 * margin)
    return (lambda v: size - (v - lo) / span * size) if flip else \
        (lambda v: (v - lo) / span * size)


def sparkline(values: list[float], hide: list[bool], alt: str, target: float | None = None
              ) -> str:
    """A small trend line as an ``<img>`` (SVG, with alt text): hidden and missing values
    are not drawn (the line breaks there, and a value with no drawn neighbour is a small dot),
    and the scale comes from the drawn values and the target alone, so the picture is the
    same whatever a hidden value is. The latest value, when drawn, has a dot; the target is a
    dashed line.

    Written as SVG directly: a sparkline has no axes or text, and drawing each through
    matplotlib cost about 12 ms (dozens a scorecard)."""
    y = np.array([np.nan if h else v for v, h in zip(values, hide, strict=True)], dtype=float)
    shown = np.isfinite(y)
    has_target = target is not None and np.isfinite(target)
    scale_y = np.append(y[shown], target) if has_target else y[shown]
    if not len(scale_y):
        scale_y = np.array([0.0])
    px = _spark_scale(0, len(y) - 1, _SPARK_MARGIN_X, SPARK_WIDTH, flip=False)
    py = _spark_scale(float(scale_y.min()), float(scale_y.max()), _SPARK_MARGIN_Y,
                      SPARK_HEIGHT, flip=True)
    parts = [f'<rect width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" fill="#FFFFFF"/>']
    if has_target:
        parts.append(f'<line x1="0" x2="{SPARK_WIDTH}" y1="{py(target):.1f}" '
                     f'y2="{py(target):.1f}" stroke="{_ORANGE}" stroke-width="{_SPARK_TARGET}" '
                     'stroke-dasharray="5.6 2.4"/>')
    def dot(i: int, r: float) -> str:
        return f'<circle cx="{px(i):.1f}" cy="{py(y[i]):.1f}" r="{r}" fill="{_BLUE}"/>'

    run: list[int] = []
    for i in [*range(len(y)), None]:  # None ends the last run
        if i is not None and shown[i]:
            run.append(i)
            continue
        if len(run) > 1:
            points = " ".join(f"{px(j):.1f},{py(y[j]):.1f}" for j in run)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{_BLUE}" '
                         f'stroke-width="{_SPARK_LINE}" stroke-linejoin="round" '
                         'stroke-linecap="round"/>')
        elif run and i is not None:  # a value between hidden ones: a dot, not nothing
            parts.append(dot(run[0], _SPARK_LONE))
        run = []
    if len(y) and shown[-1]:
        parts.append(dot(len(y) - 1, _SPARK_DOT))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SPARK_WIDTH}" '
           f'height="{SPARK_HEIGHT}" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}">'
           f'{"".join(parts)}</svg>')
    data = base64.b64encode(svg.encode("ascii")).decode("ascii")
    return (f'<img class="sparkline" src="data:image/svg+xml;base64,{data}" '
            f'width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" alt="{html.escape(alt, quote=True)}">')


# --------------------------------------------------------------------------- the table


@dataclass
class Html:
    """Markup the page shows as it is (headings, lists, details)."""

    text: str

    def _repr_html_(self) -> str:
        return self.text


def _period_cell(text: str) -> str:
    """A period's label kept on one line, what kind of period it is free to wrap below."""
    label, sep, rest = str(text).partition(" (")
    return (f'<span class="nowrap">{html.escape(label)}</span>'
            + (f" ({html.escape(rest)}" if sep else ""))


@dataclass
class ScorecardTable:
    """The scorecard for one board priority: values from a :class:`DisclosedTable`, with the
    trend line and the two symbols (and their words) beside them."""

    values: DisclosedTable
    trends: list[str]
    variation: list[tuple[str, str]]
    assurance: list[tuple[str, str]]
    caption: str
    notes: list[str] = field(default_factory=list)
    #: Each row's unit ("count", "percentage", ...), written on its value cells so a reader
    #: (and the disclosure audit) knows a hidden rate from a hidden count.
    units: list[str] = field(default_factory=list)

    HEADINGS = ("Indicator", "Agency", "Period", "Latest", "Same period a year before",
                "Trend", "Variation", "Target", "Assurance")

    def _repr_html_(self) -> str:
        d = self.values.display
        head = "".join(f'<th scope="col">{h}</th>' for h in self.HEADINGS)
        body = []
        for i in range(len(d)):
            v_icon, v_words = self.variation[i]
            a_icon, a_words = self.assurance[i]
            unit = (f' data-unit="{html.escape(str(self.units[i]), quote=True)}"'
                    if i < len(self.units) else "")
            cells = [
                f'<th scope="row">{html.escape(d.at[i, "title"])}</th>',
                f'<td class="text">{html.escape(d.at[i, "agency"])}</td>',
                f'<td class="text">{_period_cell(d.at[i, "period"])}</td>',
                f"<td{unit}>{html.escape(d.at[i, 'value'])}</td>",
                f"<td{unit}>{html.escape(d.at[i, 'previous_year_value'])}</td>",
                f"<td>{self.trends[i]}</td>",
                f'<td class="text">{v_icon} {html.escape(v_words)}</td>',
                f'<td class="text">{html.escape(d.at[i, "target"])}</td>',
                f'<td class="text">{a_icon} {html.escape(a_words)}</td>',
            ]
            kind = (self.values.row_kinds or [None] * len(d))[i]
            tr = '<tr data-counts="events">' if kind == "events" else "<tr>"
            body.append(tr + "".join(cells) + "</tr>")
        notes = "".join(f'<p class="table-note">{html.escape(n)}</p>' for n in self.notes)
        style = ('<style>table.scorecard td.text, table.scorecard th[scope=row] '
                 "{ text-align: left; } table.scorecard svg.mdc-icon { vertical-align: middle; "
                 "} table.scorecard img.sparkline { display: block; } "
                 "table.scorecard .nowrap { white-space: nowrap; }</style>")
        return (f'{style}<div class="table-scroll" role="region" tabindex="0" aria-label="'
                f'{html.escape(self.caption, quote=True)}"><table class="scorecard"><caption>'
                f"{html.escape(self.caption)}</caption><thead><tr>{head}</tr></thead><tbody>"
                f"{''.join(body)}</tbody></table></div>{notes}")

    def to_html(self) -> str:
        return self._repr_html_()


__all__ = ["ASSURANCE_WORDS", "CHANGED", "Html", "MEANINGS", "NOT_CHILDREN_NOTE", "ScorecardTable",
           "VARIATION_WORDS", "assurance_icon", "assurance_words", "disclose_values",
           "period_text", "short_text", "sparkline", "value_text", "variation_icon",
           "variation_words"]
