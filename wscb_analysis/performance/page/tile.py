"""The scorecard's tile on the pack's index, from the counts :func:`.page.tile_summary` gives.

Apart from the page's module, so a publishing run that reads the counts its kernel worked
out does not load the charts of the page itself.
"""

from __future__ import annotations

import html

from ..mdc import ASSURANCE_STATES, MIN_POINTS, VARIATION_STATES

PAGE = "08_scorecard.html"
#: The key of the index tile's counts in the summary's output metadata (under "wscb").
TILE_KEY = "scorecard_tile"


_STATES = {"variation": set(VARIATION_STATES), "assurance": set(ASSURANCE_STATES)}


def valid_tile(summary: object) -> bool:
    """Whether ``summary`` has the shape :func:`.page.tile_summary` gives: whole counts of at
    least 0 (judged at most all), counts by known states only, lists of titles. A publishing
    run checks what an executed notebook carried before putting it on the index."""
    if not isinstance(summary, dict):
        return False

    def count(v: object) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    return (count(summary.get("indicators")) and count(summary.get("judged"))
            and summary["judged"] <= summary["indicators"]
            and count(summary.get("changed", 0))
            and isinstance(summary.get("supplied"), bool)
            and all(isinstance(summary.get(k), dict) and set(summary[k]) <= states
                    and all(count(v) for v in summary[k].values())
                    for k, states in _STATES.items())
            and all(isinstance(summary.get(k, []), list)
                    and all(isinstance(t, str) for t in summary.get(k, []))
                    for k in ("concerning", "improving", "missed")))


def tile_html(summary: dict) -> str:
    """The index tile for :func:`tile_summary`'s dict (no table cells, no child counts).
    Where no indicator can be judged yet the tile says so rather than "0 concerning"."""
    v = summary["variation"]
    a = summary["assurance"]
    n, judged = summary["indicators"], summary["judged"]
    if judged == 0:
        value = "none judged yet" if n else "no indicators"
        lines = [f"{n} {'indicator' if n == 1 else 'indicators'} with a value; none has the "
                 f"{MIN_POINTS} points a judgement needs" if n else
                 "no performance dataset supplied and no quarter computed from the extract"]
    else:
        value = f"{v.get('special cause concerning', 0)} concerning"
        lines = [
            f"{v.get('special cause improving', 0)} improving, "
            f"{v.get('common cause', 0)} common cause, "
            f"{v.get('special cause neither', 0)} changed with no better direction",
            f"Targets: {a.get('consistently met', 0)} consistently met, "
            f"{a.get('consistently missed', 0)} consistently missed, "
            f"{a.get('hit and miss', 0)} hit and miss"
            + (f"; {summary['changed']} judged on limits the process has since left"
               if summary.get("changed") else ""),
            f"{judged} of {n} indicators judged",
        ]
    if n and not summary.get("supplied", True):  # with none, the line above has said so
        lines.append("partners' returns not supplied")
    return ('<div class="tile"><h3><a href="{page}">Performance scorecard</a></h3>'
            '<div class="value">{value}</div>{rest}</div>').format(
        page=PAGE, value=html.escape(value),  # the page is ours, whatever the dict says
        rest="".join(f"<div>{html.escape(x)}</div>" for x in lines))


__all__ = ["PAGE", "TILE_KEY", "tile_html", "valid_tile"]
