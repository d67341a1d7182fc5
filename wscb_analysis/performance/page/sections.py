"""The scorecard page's sections (``notebooks/08_scorecard.ipynb``), each taking the page's
:class:`~wscb_analysis.report.Context` like every other page's, and the pack's index tile.

The context holds the extract (read with the pack's column map and cache choice), the period,
the profile and the pack's disclosure plan; the scorecard is worked out from it once per
context (:meth:`Context.derived`) and its sections share it. Computed indicators take their
hidden or shown state from the plan, so the scorecard hides a figure exactly as the other
pages do. Every value shown passes through :func:`wscb_analysis.disclosure.disclose` (see
:mod:`.display`); charts carry alt text and their data table; sentences come from the
figures. Partners' text is cut to a readable length on the page (:func:`.display.short_text`)
and given in full in the trend data table.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ...charts import xmr_chart
from ...disclosure import disclose
from ...report import Block, Context, Finding
from ..load import load_performance
from ..mdc import MIN_POINTS, TRIAL_BELOW, meets
from ..scorecard import ScorecardData, build_scorecard
from .display import (
    ASSURANCE_WORDS,
    MEANINGS,
    NOT_CHILDREN_MARK,
    NOT_CHILDREN_NOTE,
    VARIATION_WORDS,
    ScorecardTable,
    assurance_icon,
    assurance_words,
    disclose_values,
    period_text,
    short_text,
    sparkline,
    value_text,
    variation_icon,
    variation_words,
)
from .tile import PAGE, TILE_KEY, tile_html
from .words import (
    flag_sentence,
    judgement,
    kind_word,
    limits_words,
    names,
    period_words,
    rule_phrase,
    stat_text,
    target_text,
)

#: Points drawn in a row's trend line.
TREND_POINTS = 12
FLAGGED = ("special cause improving", "special cause concerning", "special cause neither")
#: Longest title (and priority) and agency a page prints; the trend data table has them whole.
TITLE_CHARS = 120
AGENCY_CHARS = 60


@dataclass
class Html:
    """Markup the page shows as it is (headings, lists, details)."""

    text: str

    def _repr_html_(self) -> str:
        return self.text


@dataclass
class PageData:
    """The scorecard as the page shows it: ``table`` holds the indicators with a value up to
    the period (titles cut to :data:`TITLE_CHARS`, the whole title in ``title_full``);
    ``not_held`` names the computed indicators the extract gives no value for and
    ``not_supplied`` the partners' catalogue entries with no value, each said once."""

    card: ScorecardData
    table: pd.DataFrame
    not_held: list[str]
    not_supplied: list[str]

    @property
    def period(self):
        return self.card.period

    @property
    def series(self) -> dict[str, pd.DataFrame]:
        return self.card.series

    @property
    def performance(self):
        return self.card.performance

    @property
    def authority(self) -> str:
        return self.card.authority

    @property
    def source(self) -> str:
        return self.card.source

    @property
    def notes(self) -> list[str]:
        return self.card.notes


# --------------------------------------------------------------------------- the data


def scorecard_data(ctx: Context) -> PageData:
    """The scorecard for the page's context, worked out once per context: the partners'
    dataset read with the extract's own column map, the computed indicators from the
    context's extract, rebased at the profile's events, hidden where the pack's plan hides."""
    return ctx.derived("scorecard", lambda: _page_data(ctx))


def _page_data(ctx: Context) -> PageData:
    extract = ctx.extract
    perf = load_performance(extract.data_dir, extract.column_map)
    card = _with_plan(build_scorecard(extract, perf, ctx.period, ctx.profile), ctx.plan)
    t = card.table
    held = card.held
    shown = t[held].reset_index(drop=True).assign(
        title_full=lambda f: f["title"].astype(str),
        title=lambda f: [short_text(x, TITLE_CHARS) for x in f["title"]],
        agency=lambda f: [short_text(x, AGENCY_CHARS) for x in f["agency"].fillna("")],
        priority=lambda f: [short_text(x, TITLE_CHARS) for x in f["priority"].fillna("")])
    empty = t[~held]
    short = [short_text(x, TITLE_CHARS) for x in empty["title"]]
    origin = empty["origin"].tolist()
    return PageData(card=card, table=shown,
                    not_held=[s for s, o in zip(short, origin, strict=True) if o == "computed"],
                    not_supplied=[s for s, o in zip(short, origin, strict=True)
                                  if o != "computed"])


#: Computed indicators as figures of the pack's disclosure plan: (numerator, denominator).
PLAN_MEASURES = {
    "referrals": ("referrals", None), "rereferral_rate": ("rereferrals", "referrals"),
    "cp_plans_started": ("plans_started", None),
    "second_or_subsequent_rate": ("plans_second_or_subsequent", "plans_started"),
    "cp_open_2_years_plus_rate": ("plans_open_2_years_plus", "plans_open_at_end"),
    "children_missing": ("missing_children", None),
    "rhi_take_up": ("rhi_accepted", "rhi_offered"),
    "early_help_assessments": ("assessments", None),
    "ethnicity_not_recorded_rate": ("ethnicity_not_recorded", "referrals"),
}


def _hidden_by_plan(indicator: str, periods, plan) -> np.ndarray:
    """For each period of a computed indicator, whether the pack's plan hides its numerator
    or denominator (so the scorecard hides it the same way as every other page)."""
    from ...disclosure.plan import make_key

    out = np.zeros(len(periods), bool)
    for i, period in enumerate(periods):
        for m in filter(None, PLAN_MEASURES.get(indicator, ())):
            k = make_key(m, period)
            if plan.has(k) and plan.hidden(k):
                out[i] = True
    return out


def _with_plan(card: ScorecardData, plan) -> ScorecardData:
    """``value_plan_hidden`` on every computed point, and on each row's latest value and the
    value a year before."""
    series = dict(card.series)
    t = card.table.assign(value_plan_hidden=False, previous_year_value_plan_hidden=False)
    for i, row in t.iterrows():
        points = series[row["indicator"]]
        if row["origin"] != "computed" or points.empty:
            continue
        hide = _hidden_by_plan(row["indicator"], points["period"], plan)
        series[row["indicator"]] = points.assign(value_plan_hidden=hide)
        by_period = dict(zip(points["period"], hide, strict=True))
        t.at[i, "value_plan_hidden"] = bool(by_period.get(row["period"], False))
        t.at[i, "previous_year_value_plan_hidden"] = bool(
            by_period.get(row["previous_year_period"], False))
    return replace(card, table=t, series=series)


# --------------------------------------------------------------------------- summary


def summary(ctx: Context) -> Block:
    """How many indicators are in each state, which are concerning or improving, and how
    they stand against their targets. The block carries the index tile's counts
    (:func:`tile_summary`) in its metadata, for a publishing run to read from the executed
    notebook."""
    d = scorecard_data(ctx)
    return replace(_summary(d), meta={TILE_KEY: _tile_counts(d)})


def _summary(d: PageData) -> Block:
    t = d.table
    if t.empty:
        return Block([Finding(
            f"No indicator has a value up to {d.period.label}: "
            + ("no performance dataset of partners' returns was supplied, and "
               if not d.performance.supplied else "the partners' returns hold none, and ")
            + "the extract gives no whole quarter of the indicators it could compute "
              "(About the data names them).")])
    judged = t[t["variation"] != "too few points"]
    v = judged["variation"].value_counts()
    partners = int((t["origin"] == "partner").sum())
    if not d.performance.supplied:
        origin = "all computed from the extract"  # "About the data" says none was supplied
    else:
        origin = (f"{partners} from partners' returns, {len(t) - partners} computed from "
                  "the extract")
    if judged.empty:
        judgement = (f"None has enough points for a judgement yet ({MIN_POINTS} or more are "
                     "needed).")
    elif len(judged) == 1:
        judgement = (f"{_of(1, len(t))} enough points for a judgement: it shows "
                     f"{_STATE_PHRASES[judged['variation'].iloc[0]]}.")
    else:
        k = [v.get(state, 0) for state in _STATE_PHRASES]
        p = list(_STATE_PHRASES.values())
        judgement = (f"{_of(len(judged), len(t))} enough points for a judgement. Of those, "
                     f"{k[0]} {'shows' if k[0] == 1 else 'show'} {p[0]}, {k[1]} {p[1]}, "
                     f"{k[2]} {p[2]} and {k[3]} {p[3]}.")
    trial = judged[judged["trial_limits"]]
    if len(trial):
        rest = _count_words(len(trial), "of these judgements rests",
                            "of these judgements rest")
        judgement += (f" {rest} on trial limits (fewer than {TRIAL_BELOW} values), which "
                      "may move as values arrive.")
    missing_note = ""
    unvalued = len(d.not_supplied) + len(d.not_held)
    if unvalued:
        one = unvalued == 1
        missing_note = (f" {unvalued} more {'indicator has' if one else 'indicators have'} "
                        f"no value up to {d.period.label} and {'is' if one else 'are'} named "
                        "under About the data.")
    items = [Finding(
        f"The scorecard for {d.period.label} lists {len(t)} "
        f"{'indicator' if len(t) == 1 else 'indicators'} with a value ({origin}). "
        f"{judgement}{missing_note}")]
    items.extend(_target_findings(t))
    for state, lead in (("special cause concerning", "Concerning"),
                        ("special cause improving", "Improving")):
        rows = t[t["variation"] == state]
        if len(rows):
            items.append(Finding(f"{lead}: {names(rows)}."))
    stale = t[~t["up_to_date"]]
    if len(stale):
        items.append(Finding(f"Not updated to {d.period.label}: {names(stale)} (their "
                             "latest period is shown)."))
    if _mixes_quarters_with_a_year(d):
        items.append(Finding(_QUARTER_NOTE.format(year=d.period.label)))
    return Block(items)


_QUARTER_NOTE = ("Each value on this page is for the period shown beside it, most often a "
                 "quarter: a quarter's count, such as children going missing from January to "
                 "March, covers three months, while the index and the topic pages give the "
                 "whole year {year}.")


def _mixes_quarters_with_a_year(d: PageData) -> bool:
    """A year's pack whose scorecard shows quarters' (or months') values."""
    if d.period.quarter is not None:
        return False
    kinds = {str(s["kind"].iloc[-1]) for s in d.series.values() if len(s)}
    return bool(kinds & {"quarter", "month"})


def _target_findings(t: pd.DataFrame) -> list[Finding]:
    """The targets: how many are consistently met, missed or hit and miss, never counting an
    indicator whose process has changed since its limits were set among the consistent ones
    (its judgement describes the old process), and never calling one whose latest values all
    meet the target consistently missing it."""
    judged = t[t["assurance"].isin(["consistently met", "consistently missed",
                                    "hit and miss"])]
    if judged.empty:
        return []
    firm = judged[~judged["assurance_qualified"]]
    changed = judged[judged["assurance_qualified"]]
    a = firm["assurance"].value_counts()
    text = (f"Of the {len(judged)} indicators with a target that can be judged, "
            f"{a.get('consistently met', 0)} consistently meet it, "
            f"{a.get('consistently missed', 0)} consistently miss it and "
            f"{a.get('hit and miss', 0)} meet or miss it by chance")
    if len(changed):
        text += (f"; for {len(changed)} the process has changed since its limits were set "
                 "(special cause), so the judgement describes the process before the change "
                 "until the limits are recalculated from it")
    out = [Finding(text + ".")]
    missed = firm[firm["assurance"] == "consistently missed"]
    if len(missed):
        out.append(Finding(f"Consistently missing the target: {names(missed)}."))
    if len(changed):
        parts = []
        for _, r in changed.iterrows():
            if _flag(r["latest_meet_target"]):
                how = "its latest values all meet the target"
            else:
                how = (f"its latest value {'meets' if _latest_meets(r) else 'does not meet'} "
                       "the target")
            parts.append(f"{r['title']} ({how})")
        out.append(Finding("Changed since their limits were set, so their target judgement "
                           f"describes the process before the change: {_join(parts)}."))
    return out


def _flag(v: object) -> bool | None:
    """A yes/no/unknown cell as True, False or None (a table column may hold NaN for None)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return bool(v)


def _latest_meets(r: pd.Series) -> bool | None:
    """Whether a row's latest value meets its target (None without one)."""
    if pd.isna(r["target"]) or r["target_direction"] not in ("at least", "at most"):
        return None
    return meets(float(r["value"]), float(r["target"]), str(r["target_direction"]))


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _count_words(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


#: Each judged state in the summary's words, in the order the summary counts them.
_STATE_PHRASES = {"common cause": "common cause variation only",
                  "special cause improving": "special cause improvement",
                  "special cause concerning": "special cause concern",
                  "special cause neither": "a special cause where neither direction is "
                                           "better"}


def _of(k: int, n: int) -> str:
    """"All 9 have", "1 of 9 has", "4 of 9 have": indicators, so every count is shown."""
    if k == n:
        return "It has" if n == 1 else f"All {n} have"
    return f"{k} of {n} {'has' if k == 1 else 'have'}"


def key() -> Block:
    """The symbols, each with its words and meaning."""
    rows = []
    for state, words in VARIATION_WORDS.items():
        if state == "too few points":
            continue
        direction = "high" if state.startswith("special") else ""
        rows.append(f"<li>{variation_icon(state, direction)} <strong>{html.escape(words)}"
                    f"</strong>: {html.escape(MEANINGS[state])}</li>")
    rows.append(f"<li>{variation_icon('too few points')} <strong>Too few points to judge"
                f"</strong>: fewer than {MIN_POINTS} values held (since the limits were last "
                f"set), so no judgement is made. With {MIN_POINTS} to {TRIAL_BELOW - 1} the "
                "limits are trial limits and may move as values arrive.</li>")
    for state in ("consistently met", "consistently missed", "hit and miss"):
        rows.append(f"<li>{assurance_icon(state)} <strong>"
                    f"{html.escape(ASSURANCE_WORDS[state])}</strong>: "
                    f"{html.escape(MEANINGS[state])}</li>")
    rows.append("<li><strong>The process has changed</strong>: where the variation is a "
                "special cause, the limits describe the process before the change, so a "
                "target judgement from them is shown without its symbol and with this "
                "warning until the limits are recalculated from the change.</li>")
    intro = ("<p>Each indicator is judged as NHS England's Making Data Count programme "
             "does: an XmR chart of its own history sets an average and process limits "
             "(the range chance alone gives), from every value since the limits were last "
             "set, and four rules look for a change chance would rarely produce. H or L "
             "says whether the change is high or low (for a run of values each higher or "
             "lower than the last, rising or falling).</p>")
    return Block([Html(intro + '<ul class="mdc-key">' + "".join(rows) + "</ul>")])


# --------------------------------------------------------------------------- the table


def _value_frame(t: pd.DataFrame) -> pd.DataFrame:
    out = t.copy()
    for c in ("value", "numerator", "denominator", "previous_year_value",
              "previous_year_numerator", "previous_year_denominator"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    out["agency"] = np.where(out["origin"] == "computed",
                             out["agency"].astype(str) + "; computed from the extract",
                             out["agency"].fillna("").astype(str))
    out["period"] = [period_text(p, s["kind"].iloc[-1] if len(s) else "", ok)
                     for p, s, ok in zip(out["period"], out["_series"], out["up_to_date"],
                                         strict=True)]
    out["target"] = [target_text(r) for _, r in t.iterrows()]
    return out.drop(columns="_series")


def _trends(group: pd.DataFrame, series: dict) -> list[str]:
    """The trend cell of each row of ``group``: a sparkline of its last TREND_POINTS values
    (those the disclosure rules hide are not drawn), or why there is none. The values of all
    rows are disclosed in one call: each cell's state depends on its own row only."""
    tails = [series[info["indicator"]].tail(TREND_POINTS) for _, info in group.iterrows()]
    frames = []
    for (_, info), tail in zip(group.iterrows(), tails, strict=True):
        frame = tail.assign(unit=info["unit"], about_children=info["about_children"])
        for c in ("value", "numerator", "denominator"):
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
        frames.append(frame)
    filled = [f for f in frames if len(f)]
    shown = disclose_values(pd.concat(filled, ignore_index=True),
                            [("value", "numerator", "denominator")], ["period"]) \
        if filled else None
    out, at = [], 0
    for (_, info), tail, frame in zip(group.iterrows(), tails, frames, strict=True):
        rows = slice(at, at + len(tail))
        at += len(tail)
        hide = shown.suppressed["value"].iloc[rows].tolist()
        if all(hide) or len(tail) < 2:
            out.append("too few values to draw" if not all(hide)
                       else "suppressed (small numbers)")
            continue
        values = shown.display["value"].iloc[rows]
        first, last = values.iloc[0], values.iloc[-1]
        kind = tail["kind"].iloc[-1]
        alt = (f"Trend of {info['title']} over {len(tail)} "
               f"{kind_word(kind, True)} from {period_words(tail['period'].iloc[0], kind)} "
               f"({first}) to {period_words(tail['period'].iloc[-1], kind)} ({last})")
        if any(hide):
            alt += "; small numbers are suppressed and not drawn"
        target = None if pd.isna(info["target"]) else float(info["target"])
        out.append(sparkline(frame["value"].tolist(), hide, alt, target=target))
    return out


def by_priority(ctx: Context) -> Block:
    """One table per board priority: latest value, a year before, trend, the two symbols."""
    d = scorecard_data(ctx)
    t = d.table
    if t.empty:  # the summary has said why
        return Block([])
    items: list = []
    for priority, group in t.groupby("priority", sort=False):
        group = group.reset_index(drop=True)
        frame = _value_frame(group.assign(_series=[d.series[i] for i in group["indicator"]]))
        values = disclose_values(
            frame, [("value", "numerator", "denominator"),
                    ("previous_year_value", "previous_year_numerator",
                     "previous_year_denominator")],
            ["title", "agency", "period", "target"])
        trends = _trends(group, d.series)
        variation = [(variation_icon(r["variation"], r["direction"]),
                      variation_words(r["variation"], r["direction"], int(r["points"]),
                                      bool(r["trial_limits"]), r["rule"],
                                      r["limits_from"]))
                     for _, r in group.iterrows()]
        assurance = [(assurance_icon(r["assurance"], bool(r["assurance_qualified"])),
                      assurance_words(r["assurance"], bool(r["assurance_qualified"]),
                                      _flag(r["latest_meet_target"]), _latest_meets(r)))
                     for _, r in group.iterrows()]
        shown_text = values.display[["value", "previous_year_value"]].to_numpy().ravel()
        notes = [NOT_CHILDREN_NOTE] if any(str(s).endswith(NOT_CHILDREN_MARK)
                                           for s in shown_text) else []
        items.append(Html(f"<h3>{html.escape(str(priority))}</h3>"))
        items.append(ScorecardTable(
            values=values, trends=trends, variation=variation, assurance=assurance,
            caption=f"{priority}: latest value held up to {d.period.label} (for the period "
                    "shown), the same period a year before, and the Making Data Count "
                    "summaries", notes=notes,
            units=[str(u) for u in group["unit"]]))
        items.append(_trend_data(d, group, str(priority)))
    return Block(items)


def _trend_data(d: PageData, group: pd.DataFrame, priority: str) -> Html:
    """The values the trend lines draw; below them, any title cut on the page, whole, once."""
    parts = []
    for _, info in group.iterrows():
        tail = d.series[info["indicator"]].tail(TREND_POINTS)
        if len(tail):
            cols = ["period", "value", "numerator", "denominator"] + (
                ["value_plan_hidden"] if "value_plan_hidden" in tail else [])
            parts.append(tail[cols].assign(
                title=info["title"], unit=info["unit"],
                about_children=info["about_children"]))
    if not parts:
        return Html("")
    frame = pd.concat(parts, ignore_index=True)
    for c in ("value", "numerator", "denominator"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    table = disclose_values(frame, [("value", "numerator", "denominator")],
                            ["title", "period"], caption=f"Trend data: {priority}")
    cut = group[group["title"] != group["title_full"]]
    titles = "" if cut.empty else disclose(
        pd.DataFrame({"title": cut["title"], "in_full": cut["title_full"]}), counts=[],
        caption=f"Titles cut on this page, in full: {priority}").to_html()
    return Html('<details class="wscb-data"><summary>Trend data (the values the trend lines '
                f"draw)</summary>{table.to_html()}{titles}</details>")


# --------------------------------------------------------------------------- flagged


def _chart_table(info: pd.Series, points: pd.DataFrame):
    """The values behind a flagged indicator's XmR chart, with its average, limits and
    special causes. Where any value is suppressed, only the values are shown: the limits
    bound the hidden points (a point not flagged lies within them) and the average times the
    number of points gives their sum."""
    frame = points.assign(unit=info["unit"], about_children=info["about_children"])
    for c in ("value", "numerator", "denominator"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    frame["average"] = [stat_text(info["unit"], v) for v in frame["mean"]]
    frame["lower_limit"] = [stat_text(info["unit"], v) for v in frame["lpl"]]
    frame["upper_limit"] = [stat_text(info["unit"], v) for v in frame["upl"]]
    frame["special_cause"] = frame["rule"].replace("", "-")
    full = disclose_values(frame, [("value", "numerator", "denominator")],
                           ["period", "average", "lower_limit", "upper_limit",
                            "special_cause"],
                           caption=f"{info['title']}: values, average and process limits")
    if not full.suppressed["value"].any():
        return full
    # Which values are hidden depends on the values alone, so the same cells are hidden here.
    return disclose_values(frame, [("value", "numerator", "denominator")], ["period"],
                           caption=f"{info['title']}: values (small numbers suppressed, so "
                                   "the average and limits are not shown)")


def _event_note(ctx: Context, info: pd.Series) -> Finding | None:
    """A recording change from the partnership profile (e.g. a MASH opening) the latest
    limits were recalculated at, in the profile's own words."""
    if not info["limits_from"]:
        return None
    event = next((e for e in ctx.profile.events if e.name == info["rebase_why"]), None)
    if event is None or not event.note:
        return None
    when = pd.Period(event.month, "M").strftime("%B %Y")
    return Finding(f"{event.name[:1].upper()}{event.name[1:]} in {when}. "
                   f"{ctx.plain(event.note)}")


def flagged(ctx: Context) -> Block:
    """An XmR chart and a sentence for each indicator whose latest point is a special cause
    (a table instead of a chart where small numbers are suppressed)."""
    d = scorecard_data(ctx)
    t = d.table[d.table["variation"].isin(FLAGGED)]
    if d.table.empty:
        return Block([])
    if (d.table["variation"] == "too few points").all():
        return Block([Finding(f"No indicator has the {MIN_POINTS} or more values an XmR chart "
                              f"needs up to {d.period.label}, so no change can be flagged "
                              "yet.")])
    if t.empty:
        return Block([Finding(f"No indicator shows special cause variation in its latest "
                              f"period up to {d.period.label}: every change is within the "
                              "range chance alone gives.")])
    items: list = []
    for _, info in t.iterrows():
        points = d.series[info["indicator"]]
        table = _chart_table(info, points)
        suppressed_any = bool(table.suppressed["value"].any())
        shown, _ = value_text(info["unit"], info["value"], bool(info["about_children"]),
                              info["numerator"], info["denominator"],
                              bool(info.get("value_plan_hidden", False)))
        items.append(Html(f"<h3>{html.escape(info['title'])}</h3>"))
        kind = points["kind"].iloc[-1]
        phrase = rule_phrase(info["rule"], info["direction"], kind,
                             period_words(info["period"], kind))
        span = (f"{period_words(points['period'].iloc[0], kind)} to "
                f"{period_words(points['period'].iloc[-1], kind)}")
        if suppressed_any:
            items.append(Finding("Not charted: some periods have fewer than 6 and are "
                                 "suppressed, so the chart could reveal them."))
            items.append(table)
        else:
            chart = points.copy()
            scale = 100.0 if info["unit"] == "percentage" else 1.0
            for c in ("value", "mean", "lpl", "upl", "lower_2sigma", "upper_2sigma"):
                chart[c] = chart[c].astype(float) / scale
            fmt = {"percentage": "percent", "count": "count"}.get(info["unit"], "rate")
            limits = "trial limits" if info["trial_limits"] else "process limits"
            items.append(xmr_chart(
                chart, list(points["period"]),
                title=f"{info['title']}: {phrase}, {judgement(info['variation'])}",
                alt=(f"XmR chart of {info['title']} by {kind_word(kind)} from "
                     f"{span}. The latest "
                     f"value, {shown}, is {phrase}. Average "
                     f"{stat_text(info['unit'], info['mean'])}, {limits} "
                     f"{stat_text(info['unit'], info['lpl'])} to "
                     f"{stat_text(info['unit'], info['upl'])}"
                     + (f", recalculated from {info['limits_from']}" if info["limits_from"]
                        else "") + "."),
                fmt=fmt,
                subtitle=(f"{info['unit'].capitalize()}, {d.authority}, "
                          f"{span}; "
                          f"{limits_words(info, kind)}"),
                source=f"{d.source}; {info['agency']}", table=table))
        items.append(Finding(flag_sentence(d.series, info, shown, suppressed_any)))
        note = _event_note(ctx, info)
        if note is not None:
            items.append(note)
    return Block(items)


# --------------------------------------------------------------------------- data


def about_the_data(ctx: Context) -> Block:
    """What was read, kept and set aside, what is computed, which indicators have no value,
    and what cannot be judged."""
    d = scorecard_data(ctx)
    perf = d.performance
    items: list = []
    if not perf.supplied and perf.catalogue.file is None:
        items.append(Finding("No performance dataset was supplied (performance.csv and "
                             "indicators.csv, or the template workbook as performance.xlsx): "
                             "the scorecard shows only the indicators computed from the "
                             "extract."))
    else:
        q = perf.quality()
        q["usable"] = q["usable"].map({True: "yes", False: "NO"})
        items.append(disclose(q, counts=["rows_in", "rows_kept", "duplicates",
                                         "rows_set_aside"],
                              caption="Rows in = rows kept + duplicates + rows set aside"))
        for r in perf:
            for problem in r.problems:
                items.append(Finding(f"Not usable: {problem}"))
        reasons = _reasons(perf)
        if len(reasons):
            items.append(disclose(reasons, counts=["rows"],
                                  caption="Why rows were set aside (the analyst's data-quality "
                                          "report lists each row)"))
        cov = perf.coverage()
        if cov["first_date"]:
            first, last = pd.Timestamp(cov["first_date"]), pd.Timestamp(cov["last_date"])
            items.append(Finding(
                f"The performance dataset holds periods from {first.day} {first:%B %Y} to "
                f"{last.day} {last:%B %Y}."))
    if d.not_supplied:
        items.append(Finding(
            f"In the partners' catalogue but with no value up to {d.period.label}, so not on "
            f"the scorecard: {_join(d.not_supplied)}."))
    if d.not_held:
        items.append(Finding(
            "Not computed, as the extract holds no value for them up to "
            f"{d.period.label} (the source or field was not supplied, or no whole quarter is "
            f"held): {_join(d.not_held)}."))
    items.append(Finding(
        "Indicators marked 'computed from the extract' are worked out each quarter by this "
        "suite from the same records as the topic pages; a quarter the extract does not fully "
        "hold (or without the 12 months before it, for re-referrals) has no value rather "
        "than a false zero. Each indicator's average and process limits come from every value "
        "since its limits were last set: all its values, or those since a change in how it "
        "is recorded."))
    rebased = d.table[d.table["limits_from"] != ""]
    for why, rows in rebased.groupby("rebase_why", sort=False):
        starts = sorted(set(rows["limits_from"]))
        items.append(Finding(
            f"Limits recalculated from {_join(starts)}, after {why}: {names(rows)}."))
    for note in d.notes:
        items.append(Finding(note))
    t = d.table
    few = t[t["variation"] == "too few points"]
    if len(few):
        items.append(Finding(f"Too few values to judge (fewer than {MIN_POINTS} since the "
                             f"limits were last set): {names(few)}."))
    trial = t[t["trial_limits"] & (t["variation"] != "too few points")]
    if len(trial):
        items.append(Finding(f"Trial limits ({MIN_POINTS} to {TRIAL_BELOW - 1} values, so the "
                             f"limits may move): {names(trial)}."))
    return Block(items)


def _reasons(perf) -> pd.DataFrame:
    parts = [r.set_aside.assign(source=r.source) for r in perf if len(r.set_aside)]
    if not parts:
        return pd.DataFrame(columns=["source", "column", "reason", "rows"])
    df = pd.concat(parts, ignore_index=True)
    # Group by kind of reason: quoted values and row numbers are left out.
    kind = df["reason"].str.replace(r"'[^']*'", "'...'", regex=True)
    kind = kind.str.replace(r"rows? [\d, ]+", "other rows ", regex=True).str.strip()
    out = (df.assign(reason=kind).groupby(["source", "column", "reason"], as_index=False)
           .agg(rows=("row", "nunique")))
    return out.sort_values(["source", "rows"], ascending=[True, False]).reset_index(drop=True)


# --------------------------------------------------------------------------- index tile


def tile_summary(ctx: Context) -> dict:
    """Counts of indicators by variation and assurance for the period, for the index tile:
    ``indicators, judged, variation {state: n}, assurance {state: n}`` (firm judgements
    only), ``changed`` (target judgements the process has since left), ``concerning,
    improving, missed`` (titles), ``supplied`` (a performance dataset was given) and
    ``page``."""
    return _tile_counts(scorecard_data(ctx))


def _tile_counts(d: PageData) -> dict:
    t = d.table
    firm = t[~t["assurance_qualified"]]
    return {
        "period": d.period.label,
        "indicators": int(len(t)),
        "judged": int((t["variation"] != "too few points").sum()),
        "variation": {k: int(v) for k, v in t["variation"].value_counts().items()},
        "assurance": {k: int(v) for k, v in firm["assurance"].value_counts().items()},
        "changed": int(t["assurance_qualified"].sum()),
        "concerning": list(t.loc[t["variation"] == "special cause concerning", "title"]),
        "improving": list(t.loc[t["variation"] == "special cause improving", "title"]),
        "missed": list(firm.loc[firm["assurance"] == "consistently missed", "title"]),
        "supplied": d.performance.supplied,
        "page": PAGE,
    }


__all__ = ["PageData", "about_the_data", "by_priority", "flagged", "key", "scorecard_data",
           "summary", "tile_html", "tile_summary"]
