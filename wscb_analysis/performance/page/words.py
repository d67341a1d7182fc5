"""Words for the scorecard page, generated from the figures: periods, targets, limits, the
rule that flagged a point, and the sentence under each flagged indicator's chart."""

from __future__ import annotations

import pandas as pd

from ...disclosure import NOT_AVAILABLE, format_percent


def kind_word(kind: str, plural: bool = False) -> str:
    word = {"quarter": "quarter", "month": "month", "year": "year"}.get(kind, "period")
    return word + "s" if plural else word


def period_words(label: object, kind: str) -> str:
    """A period as a sentence says it: a month's label "2017-03" as "March 2017"; a quarter's
    ("2016-17 Q4") and a year's ("2016-17") as they are."""
    if kind == "month":
        try:
            return pd.Period(str(label), "M").strftime("%B %Y")
        except ValueError:
            return str(label)
    return str(label)


def target_text(row: pd.Series) -> str:
    t = row["target"]
    if t is None or pd.isna(t):
        return "none"
    unit = row["unit"]
    number = (f"{t:g}%" if unit == "percentage" else f"{t:g} days" if unit == "days"
              else f"{t:g} per 10,000" if unit.startswith("rate") else f"{t:,.0f}")
    return f"{row['target_direction']} {number}"


def stat_text(unit: str, v: float) -> str:
    """A mean or process limit (not a count of anyone) for a sentence or table."""
    if v is None or pd.isna(v):
        return NOT_AVAILABLE
    if unit == "percentage":
        return format_percent(v / 100)
    suffix = {"days": " days", "rate per 10,000": " per 10,000"}.get(unit, "")
    return f"{v:,.1f}{suffix}"


def rule_phrase(rule: str, direction: str, kind: str, period: str = "") -> str:
    """"above its usual range in 2016-17 Q4", "below its average for 7 or more quarters
    running", ... for the rule that flags the latest point."""
    high = direction == "high"
    many = kind_word(kind, plural=True)
    when = f" in {period}" if period else ""
    return {
        "outside limits": f"{'above' if high else 'below'} its usual range{when}",
        "shift": f"{'above' if high else 'below'} its average for 7 or more {many} running",
        "trend": f"{'rising' if high else 'falling'} for 7 or more {many} running",
        "two of three": f"close to its {'upper' if high else 'lower'} limit in 2 of the last "
                        f"3 {many}",
    }.get(rule, "showing special cause variation")


def judgement(variation: str) -> str:
    return {"special cause improving": "an improvement",
            "special cause concerning": "a concern",
            "special cause neither": "a change to ask about"}.get(variation, "")


def names(rows: pd.DataFrame) -> str:
    """"A, B and C" from the rows' titles."""
    titles = list(rows["title"])
    if len(titles) <= 1:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


def limits_words(info: pd.Series, kind: str) -> str:
    """"process limits from all 20 quarters held", "trial limits from the 3 quarters since
    2016-17 Q2": what the limits of the latest segment rest on."""
    limits = "trial limits" if info["trial_limits"] else "process limits"
    n = int(info["points"])
    many = kind_word(kind, n != 1)
    if info.get("limits_from"):
        return f"{limits} from the {n} {many} since {info['limits_from']}"
    return f"{limits} from all {n} {many} held"


def join_words(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def count_words(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


def flag_sentence(series: dict[str, pd.DataFrame], info: pd.Series, shown: str,
                  suppressed_any: bool) -> str:
    """What a flagged indicator's chart shows, in words: the latest value (as disclosed), the
    rule, the average and limits (left out when small numbers are suppressed: they would
    reveal them), the judgement by polarity, and a trial-limits warning."""
    kind = series[info["indicator"]]["kind"].iloc[-1]
    text = (f"{info['title']}: {shown} in {period_words(info['period'], kind)}, "
            f"{rule_phrase(info['rule'], info['direction'], kind)}")
    if not suppressed_any:
        text += (f" (average {stat_text(info['unit'], info['mean'])}, process limits "
                 f"{stat_text(info['unit'], info['lpl'])} to "
                 f"{stat_text(info['unit'], info['upl'])})")
    if info["variation"] == "special cause neither":
        text += (": a change chance alone would rarely produce. Neither direction is better "
                 "for this indicator, so it is a question to ask, not a verdict.")
    else:
        text += (f": a change chance alone would rarely produce, and {info['polarity']} for this "
                 f"indicator, so it is {judgement(info['variation'])}.")
    if info.get("limits_from"):
        text += (f" The limits are recalculated from {info['limits_from']}, after "
                 f"{info['rebase_why']}.")
    if info["trial_limits"]:
        text += (f" The limits are trial limits from {int(info['points'])} "
                 f"{kind_word(kind, True)} and may move as more arrive.")
    return text


__all__ = ["count_words", "flag_sentence", "join_words", "judgement", "kind_word",
           "limits_words", "names", "period_words", "rule_phrase", "stat_text", "target_text"]
