"""Charts in the UK Government Analysis Function style, each with its data table.

* Colour-blind-safe palette in order (#12436D, #28A197, #801650, #F46A25, then #3D3D3D,
  #A285D1), four series at most, never colour alone: lines are labelled directly at their end
  and vary in line style.
* An active title (the finding, about ten words), a subtitle (measure, geography, period), the
  source underneath, and the data table beside the chart.
* ``title`` and ``alt`` are required: alt text states the message, not "a chart".
* A chart draws what it is given: values the caller marked suppressed (``suppressed``) are not
  drawn or labelled, so no count from 1 to 5 reaches a figure. Deciding what to suppress is
  :mod:`wscb_analysis.disclosure`'s job.

Each helper returns a :class:`Chart`, which shows itself in a notebook (and so on a published
page) as a ``<figure>`` with an embedded PNG, its alt text and caption, then the table.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # no display on servers; pages embed PNGs
# Text from an extract ("$\\pounds 5$" in an organisation's name) is text, never TeX: with
# mathtext on, a stray "$" fails the page or draws something the data did not say.
matplotlib.rcParams["text.parse_math"] = False

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .disclosure import DisclosedTable  # noqa: E402

PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
LINE_STYLES = ["-", "--", "-.", ":"]
GRID = "#BFBFBF"
TEXT = "#0B0C0C"
FORMATS = {
    "percent": lambda v: f"{v * 100:.1f}%",
    "count": lambda v: f"{v:,.0f}",
    "rate": lambda v: f"{v:,.1f}",
}


@dataclass
class Chart:
    """A rendered chart: PNG bytes, its words, and the data table shown beside it."""

    png: bytes
    title: str
    alt: str
    subtitle: str = ""
    source: str = ""
    table: DisclosedTable | None = None
    labels: list[str] = field(default_factory=list)
    #: Numbers the title or alt text may state that are not counts from the extract (a
    #: target, an average of the values shown): the disclosure audit allows these.
    constants: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Chart: {self.title}"

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        consts = html.escape(" ".join(self.constants), quote=True)
        # Title and subtitle above the chart, source beneath (Analysis Function guidance).
        parts = [
            f'<figure class="wscb-chart" data-constants="{consts}">',
            "<figcaption>",
            f'<span class="chart-title">{html.escape(self.title)}</span>',
        ]
        if self.subtitle:
            parts.append(f'<span class="chart-subtitle">{html.escape(self.subtitle)}</span>')
        parts.append("</figcaption>")
        parts.append(f'<img src="data:image/png;base64,{data}" '
                     f'alt="{html.escape(self.alt, quote=True)}">')
        if self.source:
            parts.append(f'<p class="chart-source">{html.escape(self.source)}</p>')
        parts.append("</figure>")
        if self.table is not None:
            parts.append('<details class="wscb-data"><summary>Data table</summary>')
            parts.append(self.table.to_html())
            parts.append("</details>")
        return "\n".join(parts)


def _require(title: str, alt: str) -> None:
    if not isinstance(title, str) or not title.strip():
        raise ValueError("a chart needs an active title that states the finding")
    if not isinstance(alt, str) or len(alt.strip()) < 15:
        raise ValueError("a chart needs alt text that states its message")
    if alt.strip().lower() in {"chart", "a chart", "graph", "image", "figure"}:
        raise ValueError("alt text must state the message, not just 'chart'")


#: zlib level for chart PNGs: 4 makes files within 1% of the default 6's size in a third less
#: time per chart (about 17 ms of 66 on the demo's charts), dozens of charts a pack.
PNG_COMPRESSION = 4


def _figure(width: float = 8.0, height: float = 4.2):
    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(GRID)
    ax.spines["bottom"].set_color(GRID)
    ax.tick_params(colors=TEXT, labelsize=9)
    ax.yaxis.grid(True, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _finish(fig, ax, fmt: str, title: str, alt: str, subtitle: str, source: str,
            table: DisclosedTable | None, labels: list[str], axis: str = "y") -> Chart:
    formatter = FORMATS[fmt]
    getattr(ax, f"{axis}axis").set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda v, _: formatter(v)))
    fig.tight_layout()
    # tight_layout leaves a placeholder layout engine, which makes savefig lay the figure out
    # once more (a full pass over every text) before drawing it; the layout is already done.
    fig.set_layout_engine(None)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": PNG_COMPRESSION})
    plt.close(fig)
    return Chart(png=buf.getvalue(), title=title, alt=alt, subtitle=subtitle, source=source,
                 table=table, labels=labels)


def _mask(data: pd.DataFrame, suppressed) -> np.ndarray:
    if suppressed is None:
        return np.zeros(len(data), dtype=bool)
    if isinstance(suppressed, str):
        return data[suppressed].fillna(False).to_numpy(dtype=bool)
    return np.asarray(suppressed, dtype=bool)


def line_chart(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    alt: str,
    series: str | None = None,
    lower: str | None = None,
    upper: str | None = None,
    fmt: str = "percent",
    subtitle: str = "",
    source: str = "",
    table: DisclosedTable | None = None,
    suppressed=None,
    zero_based: bool = True,
) -> Chart:
    """Lines over ``x``, one per ``series`` (at most four), with an optional interval band,
    each labelled directly at its last point."""
    _require(title, alt)
    data = data.reset_index(drop=True)
    hide = _mask(data, suppressed)
    fig, ax = _figure()
    groups = [(None, data)] if series is None else list(data.groupby(series, sort=False))
    if len(groups) > 4:
        raise ValueError("four series at most: split the chart or group the rest")
    labels = []
    ends = []
    categories_all = list(dict.fromkeys(str(v) for v in data[x]))
    for i, (name, g) in enumerate(groups):
        g = g.loc[~hide[g.index]]
        colour = PALETTE[i]
        xs = g[x] if pd.api.types.is_datetime64_any_dtype(g[x]) else g[x].astype(str).tolist()
        if isinstance(xs, list):  # categories keep the order of the whole chart
            xs = [categories_all.index(v) for v in xs]
        ax.plot(xs, g[y], color=colour, linestyle=LINE_STYLES[i], linewidth=2,
                marker="o", markersize=3)
        if lower and upper:
            ax.fill_between(xs, g[lower], g[upper], color=colour, alpha=0.15, linewidth=0)
        if len(g):
            label = f"{name}: {FORMATS[fmt](g[y].iloc[-1])}" if name is not None else \
                FORMATS[fmt](g[y].iloc[-1])
            ends.append([xs[-1] if isinstance(xs, list) else xs.iloc[-1], float(g[y].iloc[-1]),
                         label, colour])
            labels.append(label)
    _place_end_labels(ax, ends)
    if zero_based:
        ax.set_ylim(bottom=0)
    ax.margins(x=0.12)
    categories = categories_all
    if not pd.api.types.is_datetime64_any_dtype(data[x]):
        # About a dozen labels: more are unreadable (and slow to lay out).
        step = max(1, -(-len(categories) // 12))
        ax.set_xticks(range(0, len(categories), step), categories[::step],
                      rotation=45 if len(categories) > 8 else 0,
                      ha="right" if len(categories) > 8 else "center")
    return _finish(fig, ax, fmt, title, alt, subtitle, source, table, labels)


def _place_end_labels(ax, ends: list) -> None:
    """Label each line at its last point, pushed apart vertically so no two labels overlap."""
    if not ends:
        return
    ax.figure.canvas.draw()
    lo, hi = ax.get_ylim()
    gap = (hi - lo) * 0.06
    ends.sort(key=lambda e: e[1])
    placed: list[float] = []
    for e in ends:
        y = e[1] if not placed else max(e[1], placed[-1] + gap)
        placed.append(y)
    # Shift the stack down if it runs off the top.
    over = placed[-1] - (hi - gap / 2)
    if over > 0:
        placed = [y - over for y in placed]
    for (xv, _yv, label, colour), y in zip(ends, placed, strict=True):
        ax.annotate(label, (xv, y), xytext=(6, 0), textcoords="offset points", va="center",
                    fontsize=9, color=colour, fontweight="bold", annotation_clip=False)
    # Room on the right for the labels.
    ax.margins(x=0.25)


def bar_chart(
    data: pd.DataFrame,
    category: str,
    value: str,
    *,
    title: str,
    alt: str,
    lower: str | None = None,
    upper: str | None = None,
    fmt: str = "count",
    subtitle: str = "",
    source: str = "",
    table: DisclosedTable | None = None,
    suppressed=None,
    highlight: str | None = None,
    reference: float | None = None,
    reference_label: str = "",
) -> Chart:
    """Horizontal bars labelled with their values; suppressed bars are left out and marked
    "c" in the axis label; an optional reference line (e.g. England) is labelled directly."""
    _require(title, alt)
    data = data.reset_index(drop=True)
    hide = _mask(data, suppressed)
    fig, ax = _figure(height=max(2.4, 0.42 * len(data) + 1.2))
    ax.yaxis.grid(False)
    ax.xaxis.grid(True, color=GRID, linewidth=0.6)
    names = [f"{c} (c)" if h else str(c) for c, h in zip(data[category], hide, strict=True)]
    values = data[value].where(~hide).astype(float)
    colours = [PALETTE[1] if highlight is not None and str(c) == highlight else PALETTE[0]
               for c in data[category]]
    ypos = np.arange(len(data))[::-1]
    ax.barh(ypos, values.fillna(0), color=colours, height=0.6)
    if lower and upper:
        lo = data[lower].where(~hide).astype(float)
        hi = data[upper].where(~hide).astype(float)
        ax.errorbar(values, ypos, xerr=[values - lo, hi - values], fmt="none", ecolor=TEXT,
                    elinewidth=1, capsize=3)
    labels = []
    ends = (data[upper].where(~hide).astype(float) if lower and upper else values)
    for yv, v, end, h in zip(ypos, values, ends, hide, strict=True):
        if h or np.isnan(v):
            continue
        label = FORMATS[fmt](v)
        ax.annotate(label, (max(v, end) if np.isfinite(end) else v, yv), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=9, color=TEXT)
        labels.append(label)
    if reference is not None:
        ax.axvline(reference, color=PALETTE[3], linestyle="--", linewidth=1.5)
        ref_label = f"{reference_label} {FORMATS[fmt](reference)}".strip()
        ax.annotate(ref_label, (reference, ypos.max() + 0.5), xytext=(3, 0),
                    textcoords="offset points", fontsize=9, color=PALETTE[3])
        labels.append(ref_label)
    ax.set_yticks(ypos, names)
    ax.margins(x=0.15)
    return _finish(fig, ax, fmt, title, alt, subtitle, source, table, labels, axis="x")


def xmr_chart(
    chart: pd.DataFrame,
    x,
    *,
    title: str,
    alt: str,
    fmt: str = "count",
    subtitle: str = "",
    source: str = "",
    table: DisclosedTable | None = None,
) -> Chart:
    """A Making Data Count XmR chart from :func:`wscb_analysis.stats.xmr` output: the values,
    mean and process limits per segment, special-cause points marked (orange for concern,
    blue for improvement, purple without a direction) and named in the key."""
    _require(title, alt)
    fig, ax = _figure()
    xs = [str(v) for v in x]
    ax.plot(xs, chart["value"], color=PALETTE[4], linewidth=1.5, marker="o", markersize=3,
            label="Each value")
    first = True
    for _, seg in chart.groupby("segment"):
        idx = [xs[i] for i in seg.index.map(chart.index.get_loc)]
        ax.plot(idx, seg["mean"], color=PALETTE[0], linewidth=1.2,
                label="Average" if first else "_mean")
        ax.plot(idx, seg["upl"], color=PALETTE[0], linestyle="--", linewidth=1,
                label="Expected range (process limits)" if first else "_limit")
        ax.plot(idx, seg["lpl"], color=PALETTE[0], linestyle="--", linewidth=1, label="_limit")
        first = False
    words = {"concern": "Unusual: a concern", "improvement": "Unusual: an improvement",
             "special cause": "Unusual (no better direction)"}
    colours = {"concern": PALETTE[3], "improvement": PALETTE[1], "special cause": PALETTE[2]}
    markers = {"concern": "o", "improvement": "s", "special cause": "D"}
    for variation, colour in colours.items():
        pts = chart["variation"].to_numpy() == variation
        if pts.any():
            ax.scatter([xs[i] for i in np.flatnonzero(pts)], chart["value"][pts], s=36,
                       color=colour, marker=markers[variation], zorder=3,
                       label=words[variation])
    last = chart.iloc[-1]
    # The key sits under the plot, in words, so it never covers a point.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize=8,
              frameon=False)
    ax.set_ylim(bottom=min(0, float(chart["lpl"].min())))
    ax.margins(x=0.03)
    step = max(1, -(-len(xs) // 12))
    ax.set_xticks(range(0, len(xs), step), [xs[i] for i in range(0, len(xs), step)],
                  rotation=45, ha="right")
    return _finish(fig, ax, fmt, title, alt, subtitle, source, table,
                   [f"Average {FORMATS[fmt](last['mean'])}"])


def _label_clear(ax, text: str, xy, points, placed: list, color: str) -> None:
    """Label ``xy`` on the side where the label covers the fewest other points and no label
    already placed (tried in eight directions around the point)."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_px = ax.transData.transform
    pts = to_px(points)
    best = None
    for dx, dy in ((10, 10), (10, -14), (-10, 10), (-10, -14), (14, 0), (-14, 0), (0, 16),
                   (0, -20)):
        note = ax.annotate(text, xy, xytext=(dx, dy), textcoords="offset points",
                           ha="left" if dx > 0 else "right" if dx < 0 else "center",
                           va="bottom" if dy > 0 else "top" if dy < 0 else "center",
                           fontsize=9, color=color, fontweight="bold")
        box = note.get_window_extent(renderer).expanded(1.05, 1.15)
        inside_axes = ax.get_window_extent(renderer).contains(box.x0, box.y0) and \
            ax.get_window_extent(renderer).contains(box.x1, box.y1)
        covered = int(((pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1) & (pts[:, 1] >= box.y0)
                       & (pts[:, 1] <= box.y1)).sum())
        clash = sum(box.overlaps(other) for other in placed)
        score = (not inside_axes, clash, covered)
        if best is None or score < best[0]:
            if best is not None:
                best[1].remove()
            best = (score, note, box)
        else:
            note.remove()
    placed.append(best[2])


def _label_right(ax, ends: list[tuple[float, float, str]], colour: str) -> None:
    """Label each point just to its right; where a label would overlap one already placed,
    nudge it up or down (whichever is nearer) until it clears, with a thin line back to its
    point: every label sits beside its own point and none covers another."""
    left, right = ax.get_xlim()
    if ax.get_xscale() == "log":
        ax.set_xlim(left, right * 1.8)
    else:
        ax.set_xlim(left, right + (right - left) * 0.45)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    placed: list = []
    for x, y, text in sorted(ends, key=lambda e: -e[1]):
        note = ax.annotate(text, (x, y), xytext=(9, 0), textcoords="offset points",
                           va="center", ha="left", fontsize=9, color=colour,
                           fontweight="bold",
                           bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                                 "edgecolor": "none", "alpha": 0.85})
        box = note.get_window_extent(renderer)
        step = box.height * 72 / fig.dpi + 1  # points
        best = 0.0
        for k in range(0, 12):
            tries = [0.0] if k == 0 else [-k * step, k * step]
            clear = [dy for dy in tries
                     if not any(box.translated(0, dy * fig.dpi / 72).overlaps(o)
                                for o in placed)]
            if clear:
                best = clear[0]
                break
        if best:
            note.remove()
            note = ax.annotate(text, (x, y), xytext=(9, best), textcoords="offset points",
                               va="center", ha="left", fontsize=9, color=colour,
                               fontweight="bold",
                               bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                                     "edgecolor": "none", "alpha": 0.85},
                               arrowprops={"arrowstyle": "-", "color": colour,
                                           "linewidth": 0.6, "shrinkA": 0, "shrinkB": 3})
        placed.append(note.get_window_extent(renderer))


def funnel_chart(
    limits: pd.DataFrame,
    areas: pd.DataFrame,
    average: float,
    *,
    title: str,
    alt: str,
    label: str = "area_name",
    highlight: str = "highlight",
    subtitle: str = "",
    source: str = "",
    table: DisclosedTable | None = None,
    suppressed=None,
    fmt: str = "percent",
    size: str = "denominator",
    size_label: str = "Number in the denominator",
    average_label: str = "Average",
    limits_label: str = "",
    label_all: bool = False,
    not_shown: list[str] | tuple[str, ...] = (),
    others_label: str = "Other areas",
) -> Chart:
    """A funnel plot: 95% and 99.8% limits around the average, every area as a point,
    highlighted areas (or, with ``label_all``, every area) labelled with its value.

    ``fmt`` is "percent" (proportions, 0-1) or "rate" (per 10,000); ``size`` names the
    column on the x axis (log scale), described by ``size_label``; ``limits_label`` is added
    to the key's limit lines (e.g. "widened for real differences between authorities").
    Rows marked ``suppressed`` are not drawn; ``not_shown`` names areas whose figure is
    hidden: they are listed under the plot as "not shown", with no position, so no hidden
    count can be read from where a point sits."""
    _require(title, alt)
    hide = _mask(areas.reset_index(drop=True), suppressed)
    areas = areas.reset_index(drop=True).loc[~hide]
    form = FORMATS[fmt]
    fig, ax = _figure(height=4.6)
    extra = f" ({limits_label})" if limits_label else ""
    ax.plot(limits["n"], limits["upper_95"], color=PALETTE[0], linestyle="--", linewidth=1,
            label=f"95% limits{extra}")
    ax.plot(limits["n"], limits["lower_95"], color=PALETTE[0], linestyle="--", linewidth=1)
    ax.plot(limits["n"], limits["upper_998"], color=PALETTE[0], linestyle=":", linewidth=1,
            label=f"99.8% limits{extra}")
    ax.plot(limits["n"], limits["lower_998"], color=PALETTE[0], linestyle=":", linewidth=1)
    centre = f"{average_label} {form(average)}"
    ax.axhline(average, color=PALETTE[4], linewidth=1, label=centre)
    n_col = size if size in areas else areas.columns[0]
    if label_all:
        flag = np.ones(len(areas), dtype=bool)
    else:
        flag = areas[highlight].to_numpy(dtype=bool) if highlight in areas else np.zeros(
            len(areas), dtype=bool)
    if (~flag).any():
        ax.scatter(areas.loc[~flag, n_col], areas.loc[~flag, "value"], s=14,
                   color=PALETTE[5], alpha=0.8, zorder=2,
                   label=others_label if flag.any() else "Areas")
    labels = [centre]
    sizes = areas[n_col].astype(float)
    # A log scale where sizes span a wide range (authorities); a plain one for a few districts
    # of similar size, whose log axis would carry a single tick.
    log = len(sizes) == 0 or float(sizes.max()) > 4 * max(float(sizes.min()), 1.0)
    if log:
        ax.set_xscale("log")
    placed: list = []
    colour = PALETTE[0] if label_all else PALETTE[3]
    ends = []
    for _, row in areas.loc[flag].iterrows():
        ax.scatter([row[n_col]], [row["value"]], s=50 if not label_all else 36, color=colour,
                   zorder=3)
        text = f"{row[label]}: {form(row['value'])}"
        if label_all:
            ends.append((float(row[n_col]), float(row["value"]), text))
        else:
            _label_clear(ax, text, (row[n_col], row["value"]),
                         areas[[n_col, "value"]].to_numpy(float), placed, color=colour)
        labels.append(text)
    if ends:
        _label_right(ax, ends, colour)
    if log:
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    # Plain numbers on the axis (mathtext is off: text from data must stay text).
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(f"{size_label}{' (log scale)' if log else ''}", fontsize=9, color=TEXT)
    if not_shown:
        # Listed, not placed: a hidden figure has no point on the plot.
        note = "Not shown: " + ", ".join(not_shown)
        ax.annotate(note, (0, 1), xycoords="axes fraction", xytext=(4, -4),
                    textcoords="offset points", va="top", fontsize=8, color=TEXT,
                    wrap=True)
        labels.append(note)
    # The key sits under the plot so it never covers a point.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2 if extra else 4,
              fontsize=8, frameon=False)
    return _finish(fig, ax, fmt, title, alt, subtitle, source, table, labels)
