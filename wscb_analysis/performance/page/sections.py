"""The scorecard page's sections (``notebooks/08_scorecard.ipynb``) and the pack's index tile.

Every section takes the notebook's parameters (``data_dir``, ``period``, ``quarter``,
``profile``; ``data_dir="demo"`` is the demo extract) and returns a
:class:`~wscb_analysis.report.Block`. The scorecard is computed once per kernel for the same
files and parameters. Every value shown passes through
:func:`wscb_analysis.disclosure.disclose` (see :mod:`.display`); charts carry alt text and
their data table; sentences are generated from the figures.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..charts import xmr_chart
from ..disclosure import disclose
from ..report import Block, Finding
from .display import (
    ASSURANCE_WORDS,
    MEANINGS,
    NOT_CHILDREN_MARK,
    NOT_CHILDREN_NOTE,
    VARIATION_WORDS,
    ScorecardTable,
    assurance_icon,
    disclose_values,
    sparkline,
    value_text,
    variation_icon,
    variation_words,
)
from .scorecard import MAX_POINTS, ScorecardData, build_scorecard, resolve_folder
from .tile import PAGE, TILE_KEY, tile_html
from .words import (
    flag_sentence,
    judgement,
    kind_word,
    names,
    rule_phrase,
    stat_text,
    target_text,
)

#: Points drawn in a row's trend line.
TREND_POINTS = 12
FLAGGED = ("special cause improving", "special cause concerning", "special cause neither")
_CACHE: dict = {}


@dataclass
class Html:
    """Markup the page shows as it is (headings, lists, details)."""

    text: str

    def _repr_html_(self) -> str:
        return self.text


# --------------------------------------------------------------------------- loading


def scorecard_data(data_dir: str | Path | None = "demo", period: str = "2016-17",
                   quarter: str | None = None, profile: str | Path | None = None
                   ) -> ScorecardData:
    """The scorecard for the notebook's parameters, computed once per kernel (a changed file
    is read afresh). Computed indicators take their hidden or shown state from the pack's
    disclosure plan, so the scorecard hides a figure exactly as the other pages do."""
    from ..report.context import _files_key, context

    folder = resolve_folder(data_dir)
    key = (str(folder), _files_key(folder), period, quarter, str(profile))
    if key not in _CACHE:
        _CACHE.clear()  # one scorecard at a time is enough for a page
        plan = None
        try:
            plan = context(folder, period, quarter, None, profile).plan
        except Exception:  # noqa: BLE001 - no usable extract: partners' indicators only
            plan = None
        _CACHE[key] = _held_only(build_scorecard(folder, period, quarter, profile, plan=plan))
    return _CACHE[key]


def _held_only(d: ScorecardData) -> ScorecardData:
    """The page lists a computed indicator only where the extract gives it a value: a row of
    "none held" for a source that was not supplied says nothing a board can use, and would
    make the count of indicators overstate what the scorecard holds."""
    t = d.table
    empty = (t["origin"] == "computed") & t["period"].isna()
    if not empty.any():
        return d
    return replace(d, table=t[~empty].reset_index(drop=True),
                   not_held=list(t.loc[empty, "title"]))


# --------------------------------------------------------------------------- summary


def summary(data_dir: str | Path | None = "demo", period: str = "2016-17",
            quarter: str | None = None, profile: str | Path | None = None) -> Block:
    """How many indicators are in each state, and which are concerning or missing target.
    The block carries the index tile's counts (:func:`tile_summary`) in its metadata, for a
    publishing run to read from the executed notebook."""
    d = scorecard_data(data_dir, period, quarter, profile)
    return replace(_summary(d), meta={TILE_KEY: _tile_counts(d)})


def _summary(d: ScorecardData) -> Block:
    t = d.table
    if t.empty and d.not_held:
        return Block([Finding(
            f"No indicator has a value up to {d.period.label}: no performance dataset of "
            "partners' returns was supplied, and the extract gives no whole quarter of "
            f"{names(pd.DataFrame({'title': d.not_held}))}.")])
    if t.empty:
        return Block([Finding("There are no indicators to show: the folder holds no "
                              "performance dataset and no extract to compute from.")])
    judged = t[t["variation"] != "too few points"]
    v = judged["variation"].value_counts()
    partners = int((t["origin"] == "partner").sum())
    if not d.performance.supplied:
        origin = "all computed from the extract"  # "About the data" says none was supplied
    else:
        origin = (f"{partners} from partners' returns, {len(t) - partners} computed from "
                  "the extract")
    if judged.empty:
        judgement = "None has enough points for a judgement yet (6 or more are needed)."
    elif len(judged) == 1:
        judgement = (f"{_of(1, len(t))} enough points for a judgement: it shows "
                     f"{_STATE_PHRASES[judged['variation'].iloc[0]]}.")
    else:
        k = [v.get(state, 0) for state in _STATE_PHRASES]
        p = list(_STATE_PHRASES.values())
        judgement = (f"{_of(len(judged), len(t))} enough points for a judgement. Of those, "
                     f"{k[0]} {'shows' if k[0] == 1 else 'show'} {p[0]}, {k[1]} {p[1]}, "
                     f"{k[2]} {p[2]} and {k[3]} {p[3]}.")
    if d.not_held:
        judgement += (f" Not computed, as the extract holds no value for them (the source or "
                      f"field was not supplied, or no whole quarter is held): "
                      f"{names(pd.DataFrame({'title': d.not_held}))}.")
    items = [Finding(
        f"The scorecard for {d.period.label} lists {len(t)} "
        f"{'indicator' if len(t) == 1 else 'indicators'} ({origin}). {judgement}")]
    with_target = t[~t["assurance"].isin(["no target", "too few points"])]
    if len(with_target):
        a = with_target["assurance"].value_counts()
        items.append(Finding(
            f"Of the {len(with_target)} indicators with a target that can be judged, "
            f"{a.get('consistently met', 0)} consistently meet it, "
            f"{a.get('consistently missed', 0)} consistently miss it and "
            f"{a.get('hit and miss', 0)} meet or miss it by chance."))
    for state, lead in (("special cause concerning", "Concerning"),
                        ("special cause improving", "Improving")):
        rows = t[t["variation"] == state]
        if len(rows):
            items.append(Finding(f"{lead}: {names(rows)}."))
    missed = t[t["assurance"] == "consistently missed"]
    if len(missed):
        items.append(Finding(f"Consistently missing the target: {names(missed)}."))
    stale = t[~t["up_to_date"] & t["period"].notna()]
    if len(stale):
        items.append(Finding(f"Not updated to {d.period.label}: {names(stale)} (their "
                             "latest period is shown)."))
    return Block(items)


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
                "</strong>: fewer than 6 values held, so no judgement is made. With 6 to 11 the "
                "limits are trial limits and may move as values arrive.</li>")
    for state in ("consistently met", "consistently missed", "hit and miss"):
        rows.append(f"<li>{assurance_icon(state)} <strong>"
                    f"{html.escape(ASSURANCE_WORDS[state])}</strong>: "
                    f"{html.escape(MEANINGS[state])}</li>")
    intro = ("<p>Each indicator is judged as NHS England's Making Data Count programme "
             "does: an XmR chart of its own history sets an average and process limits "
             "(the range chance alone gives), and four rules look for a change chance "
             "would rarely produce. H or L says whether the latest value is high or low.</p>")
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
    out["period"] = [("none held" if p is None or pd.isna(p) else
                      p if ok else f"{p} (not updated)")
                     for p, ok in zip(out["period"], out["up_to_date"], strict=True)]
    out["target"] = [target_text(r) for _, r in t.iterrows()]
    return out


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
        if tail.empty:
            out.append("no values held")
            continue
        rows = slice(at, at + len(tail))
        at += len(tail)
        hide = shown.suppressed["value"].iloc[rows].tolist()
        if all(hide) or len(tail) < 2:
            out.append("too few values to draw" if not all(hide)
                       else "suppressed (small numbers)")
            continue
        values = shown.display["value"].iloc[rows]
        first, last = values.iloc[0], values.iloc[-1]
        alt = (f"Trend of {info['title']} over {len(tail)} "
               f"{kind_word(tail['kind'].iloc[-1], True)} from {tail['period'].iloc[0]} "
               f"({first}) to {tail['period'].iloc[-1]} ({last})")
        if any(hide):
            alt += "; small numbers are suppressed and not drawn"
        target = None if pd.isna(info["target"]) else float(info["target"])
        out.append(sparkline(frame["value"].tolist(), hide, alt, target=target))
    return out


def by_priority(data_dir: str | Path | None = "demo", period: str = "2016-17",
                quarter: str | None = None, profile: str | Path | None = None) -> Block:
    """One table per board priority: latest value, a year before, trend, the two symbols."""
    d = scorecard_data(data_dir, period, quarter, profile)
    t = d.table
    if t.empty:  # where the extract gave no value, the summary has said so
        return Block([] if d.not_held else [Finding("No indicators to show.")])
    items: list = []
    for priority, group in t.groupby("priority", sort=False):
        group = group.reset_index(drop=True)
        frame = _value_frame(group)
        values = disclose_values(
            frame, [("value", "numerator", "denominator"),
                    ("previous_year_value", "previous_year_numerator",
                     "previous_year_denominator")],
            ["title", "agency", "period", "target"])
        trends = _trends(group, d.series)
        variation = [(variation_icon(r["variation"], r["direction"]),
                      variation_words(r["variation"], r["direction"], int(r["points"]),
                                      bool(r["trial_limits"]))) for _, r in group.iterrows()]
        assurance = [(assurance_icon(r["assurance"]), ASSURANCE_WORDS[r["assurance"]])
                     for _, r in group.iterrows()]
        shown_text = values.display[["value", "previous_year_value"]].to_numpy().ravel()
        notes = [NOT_CHILDREN_NOTE] if any(str(s).endswith(NOT_CHILDREN_MARK)
                                           for s in shown_text) else []
        items.append(Html(f"<h3>{html.escape(str(priority))}</h3>"))
        items.append(ScorecardTable(
            values=values, trends=trends, variation=variation, assurance=assurance,
            caption=f"{priority}: latest value held up to {d.period.label}, the same period a "
                    "year before, and the Making Data Count summaries", notes=notes,
            units=[str(u) for u in group["unit"]]))
        items.append(_trend_data(d, group, str(priority)))
    return Block(items)


def _trend_data(d: ScorecardData, group: pd.DataFrame, priority: str) -> Html:
    parts = []
    for _, info in group.iterrows():
        tail = d.series[info["indicator"]].tail(TREND_POINTS)
        if len(tail):
            cols = ["period", "value", "numerator", "denominator"] + (
                ["value_plan_hidden"] if "value_plan_hidden" in tail else [])
            parts.append(tail[cols].assign(
                title=info["title"], unit=info["unit"], about_children=info["about_children"]))
    if not parts:
        return Html("")
    frame = pd.concat(parts, ignore_index=True)
    for c in ("value", "numerator", "denominator"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    table = disclose_values(frame, [("value", "numerator", "denominator")],
                            ["title", "period"], caption=f"Trend data: {priority}")
    return Html('<details class="wscb-data"><summary>Trend data (the values the trend lines '
                f"draw)</summary>{table.to_html()}</details>")


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


def _mash_note(d: ScorecardData, info: pd.Series, profile) -> Finding | None:
    """A recording change from the partnership profile (e.g. a MASH opening) behind a step in
    referrals, when the series reaches it."""
    from ..profile import load_profile

    event = load_profile(profile).event_for("referrals")
    if event is None or info["indicator"] not in ("referrals", "rereferral_rate"):
        return None
    periods = pd.to_datetime(d.series[info["indicator"]]["end"])
    if not (periods >= pd.Timestamp(f"{event.month}-01")).any():
        return None
    when = pd.Period(event.month, "M").strftime("%B %Y")
    return Finding(f"{event.name[:1].upper()}{event.name[1:]} in {when}. {event.note}")


def flagged(data_dir: str | Path | None = "demo", period: str = "2016-17",
            quarter: str | None = None, profile: str | Path | None = None) -> Block:
    """An XmR chart and a sentence for each indicator whose latest point is a special cause
    (a table instead of a chart where small numbers are suppressed)."""
    d = scorecard_data(data_dir, period, quarter, profile)
    t = d.table[d.table["variation"].isin(FLAGGED)]
    if (d.table["variation"] == "too few points").all():
        return Block([Finding(f"No indicator has the 6 or more values an XmR chart needs up "
                              f"to {d.period.label}, so no change can be flagged yet.")])
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
        phrase = rule_phrase(info["rule"], info["direction"], kind, info["period"])
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
                     f"{points['period'].iloc[0]} to {points['period'].iloc[-1]}. The latest "
                     f"value, {shown}, is {phrase}. Average "
                     f"{stat_text(info['unit'], info['mean'])}, {limits} "
                     f"{stat_text(info['unit'], info['lpl'])} to "
                     f"{stat_text(info['unit'], info['upl'])}."),
                fmt=fmt,
                subtitle=(f"{info['unit'].capitalize()}, {d.authority}, "
                          f"{points['period'].iloc[0]} to {points['period'].iloc[-1]}; "
                          f"{limits} from {int(info['points'])} points (at most "
                          f"{MAX_POINTS})"),
                source=f"{d.source}; {info['agency']}", table=table))
        items.append(Finding(flag_sentence(d, info, shown, suppressed_any)))
        note = _mash_note(d, info, profile)
        if note is not None:
            items.append(note)
    return Block(items)


# --------------------------------------------------------------------------- data


def about_the_data(data_dir: str | Path | None = "demo", period: str = "2016-17",
                   quarter: str | None = None, profile: str | Path | None = None) -> Block:
    """What was read, kept and set aside, what is computed, and what cannot be judged."""
    d = scorecard_data(data_dir, period, quarter, profile)
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
                                  caption="Why rows were set aside (wscb validate lists each "
                                          "row)"))
        cov = perf.coverage()
        if cov["first_date"]:
            first, last = pd.Timestamp(cov["first_date"]), pd.Timestamp(cov["last_date"])
            items.append(Finding(
                f"The performance dataset holds periods from {first.day} {first:%B %Y} to "
                f"{last.day} {last:%B %Y}."))
    items.append(Finding(
        "Indicators marked 'computed from the extract' are worked out each quarter by this "
        "suite from the same records as the topic pages; a quarter the extract does not fully "
        "hold (or without the 12 months before it, for re-referrals) has no value rather "
        f"than a false zero. Each indicator uses an XmR chart of at most its latest "
        f"{MAX_POINTS} values."))
    for note in d.notes:
        items.append(Finding(note))
    t = d.table
    few = t[t["variation"] == "too few points"]
    if len(few):
        items.append(Finding(f"Too few values to judge (fewer than 6): {names(few)}."))
    trial = t[t["trial_limits"] & (t["variation"] != "too few points")]
    if len(trial):
        items.append(Finding(f"Trial limits (6 to 11 values, so the limits may move): "
                             f"{names(trial)}."))
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


def tile_summary(data_dir: str | Path | None = "demo", period: str = "2016-17",
                 quarter: str | None = None, profile: str | Path | None = None) -> dict:
    """Counts of indicators by variation and assurance for the period, for the index tile:
    ``indicators, judged, variation {state: n}, assurance {state: n}, concerning, improving,
    missed`` (titles), ``supplied`` (a performance dataset was given) and ``page``."""
    return _tile_counts(scorecard_data(data_dir, period, quarter, profile))


def _tile_counts(d: ScorecardData) -> dict:
    t = d.table
    return {
        "period": d.period.label,
        "indicators": int(len(t)),
        "judged": int((t["variation"] != "too few points").sum()),
        "variation": {k: int(v) for k, v in t["variation"].value_counts().items()},
        "assurance": {k: int(v) for k, v in t["assurance"].value_counts().items()},
        "concerning": list(t.loc[t["variation"] == "special cause concerning", "title"]),
        "improving": list(t.loc[t["variation"] == "special cause improving", "title"]),
        "missed": list(t.loc[t["assurance"] == "consistently missed", "title"]),
        "supplied": d.performance.supplied,
        "page": PAGE,
    }


__all__ = ["about_the_data", "by_priority", "flagged", "key", "resolve_folder",
           "scorecard_data", "summary", "tile_html", "tile_summary"]
