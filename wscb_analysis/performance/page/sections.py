"""The scorecard page's tables, charts and notes on the data (``notebooks/08_scorecard.ipynb``),
each section taking the page's :class:`~wscb_analysis.report.Context` like every other page's.

The context holds the extract (read with the pack's column map and cache choice), the period,
the profile and the pack's disclosure plan; the scorecard is worked out from it once per
context (:func:`.data.scorecard_data`, kept by :meth:`Context.derived`) and the sections share
it. Every value shown passes through :func:`wscb_analysis.disclosure.disclose` (see
:mod:`.display`); charts carry alt text and their data table; sentences come from the
figures. A title cut on the page is printed whole once, in a table of cut titles.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from ...charts import xmr_chart
from ...disclosure import disclose
from ...report import Block, Context, Finding
from ..mdc import MIN_POINTS, TRIAL_BELOW
from .data import PageData, flag, latest_meets, scorecard_data
from .display import (
    NOT_CHILDREN_MARK,
    NOT_CHILDREN_NOTE,
    Html,
    ScorecardTable,
    assurance_icon,
    assurance_words,
    disclose_values,
    period_text,
    sparkline,
    value_text,
    variation_icon,
    variation_words,
)
from .words import (
    flag_sentence,
    join_words,
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
                                      flag(r["latest_meet_target"]), latest_meets(r)))
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
            f"the scorecard: {join_words(d.not_supplied)}."))
    if d.not_held:
        items.append(Finding(
            "Not computed, as the extract holds no value for them up to "
            f"{d.period.label} (the source or field was not supplied, or no whole quarter is "
            f"held): {join_words(d.not_held)}."))
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
            f"Limits recalculated from {join_words(starts)}, after {why}: {names(rows)}."))
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


__all__ = ["about_the_data", "by_priority", "flagged"]
