"""The scorecard page's summary, its key to the symbols, and the pack's index tile: how many
indicators are in each state, which are concerning or improving, and how they stand against
their targets (never counting a judgement from limits the process has since left as a
consistent one)."""

from __future__ import annotations

import html
from dataclasses import replace

import pandas as pd

from ...report import Block, Context, Finding
from ..mdc import MIN_POINTS, TRIAL_BELOW
from .data import PageData, flag, latest_meets, scorecard_data
from .display import (
    ASSURANCE_WORDS,
    MEANINGS,
    VARIATION_WORDS,
    Html,
    assurance_icon,
    variation_icon,
)
from .tile import PAGE, TILE_KEY
from .words import count_words, join_words, names


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
        rest = count_words(len(trial), "of these judgements rests",
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
            if flag(r["latest_meet_target"]):
                how = "its latest values all meet the target"
            else:
                how = (f"its latest value {'meets' if latest_meets(r) else 'does not meet'} "
                       "the target")
            parts.append(f"{r['title']} ({how})")
        out.append(Finding("Changed since their limits were set, so their target judgement "
                           f"describes the process before the change: {join_words(parts)}."))
    return out


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


__all__ = ["key", "summary", "tile_summary"]
