"""Charts as inline SVG text, drawn by matplotlib (imported here only: ``leadctl report`` pays
for it, nothing else does).

Why matplotlib: it renders offline to plain SVG (no JavaScript, no CDN, nothing to embed), the
output is deterministic (fixed hash salt, no date metadata, text kept as text so it stays
readable, searchable and printable), and it is the best-kept plotting library in Python.
Vega-Lite via altair would need ~1 MB of vega JavaScript inlined into every report to open
without a network. Every chart pairs colour with a second cue (hatching, marker shape, direct
labels), so it reads in greyscale and for colour-blind readers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo", "--")
WIDTH, HEIGHT = 8.0, 3.4


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "leadctl",
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "hatch.color": "#ffffff",
            "hatch.linewidth": 0.8,
        }
    )
    return plt


def _svg(fig: Any, title: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Title": title})
    _plt().close(fig)
    text = buf.getvalue()
    start = text.index("<svg")
    return text[start:]


def _empty(ax: Any) -> None:
    ax.text(0.5, 0.5, "no data in this period", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def stacked_bars(
    title: str, categories: Sequence[str], series: dict[str, Sequence[float]], ylabel: str
) -> str:
    """Bars per category stacked by series (colour + hatch per series, legend)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT))
    if not categories:
        _empty(ax)
    else:
        bottom = [0.0] * len(categories)
        xs = list(range(len(categories)))
        for i, (name, values) in enumerate(series.items()):
            ax.bar(
                xs,
                values,
                bottom=bottom,
                label=name,
                color=PALETTE[i % len(PALETTE)],
                hatch=HATCHES[i % len(HATCHES)],
                edgecolor="white",
                linewidth=0.5,
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        _category_ticks(ax, categories)
        ax.set_xlim(-0.6, max(len(categories), 7) - 0.4)  # a few days do not become wall-wide bars
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False, ncol=min(4, len(series)), loc="upper left", bbox_to_anchor=(0, 1.15))
    return _svg(fig, title)


def line_with_marks(
    title: str,
    categories: Sequence[str],
    values: Sequence[float | None],
    marked: Sequence[bool],
    ylabel: str,
    mark_label: str,
    percent: bool = True,
) -> str:
    """A line over categories; marked points get a large red triangle and a text label."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT))
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if not points:
        _empty(ax)
    else:
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, color=PALETTE[0], marker="o", markersize=4, linewidth=1.5, label="rate")
        spikes = [(i, v) for i, v in points if marked[i]]
        if spikes:
            sx, sy = zip(*spikes, strict=True)
            ax.plot(sx, sy, linestyle="none", marker="^", markersize=11, color=PALETTE[3], label=mark_label)
            for x, y in spikes:
                ax.annotate(
                    mark_label,
                    (x, y),
                    textcoords="offset points",
                    xytext=(0, 9),
                    ha="center",
                    fontweight="bold",
                )
        _category_ticks(ax, categories)
        ax.set_ylabel(ylabel)
        if percent:
            ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: f"{v * 100:.0f}%"))
        ax.set_ylim(bottom=0)
        ax.legend(frameon=False, loc="upper left")
    return _svg(fig, title)


def horizontal_bars(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    xlabel: str,
    notes: Sequence[str] | None = None,
) -> str:
    """Horizontal bars, top to bottom in the given order, each labelled with its value (and a
    note, e.g. a conversion rate); several series side by side, told apart by hatching too."""
    plt = _plt()
    height = max(HEIGHT, 0.42 * len(labels) * max(1, len(series)) + 0.8)
    fig, ax = plt.subplots(figsize=(WIDTH, height))
    if not labels:
        _empty(ax)
    else:
        n = len(series)
        bar = 0.8 / n
        for i, (name, values) in enumerate(series.items()):
            ys = [j + (i - (n - 1) / 2) * bar for j in range(len(labels))]
            bars = ax.barh(
                ys,
                values,
                height=bar * 0.92,
                label=name,
                color=PALETTE[i % len(PALETTE)],
                hatch=HATCHES[i % len(HATCHES)],
                edgecolor="white",
            )
            texts = [
                f"{v:g}" + (f"  ({notes[j]})" if notes and n == 1 and notes[j] else "")
                for j, v in enumerate(values)
            ]
            ax.bar_label(bars, labels=texts, padding=3)
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.margins(x=0.25)
        if n > 1:
            ax.legend(frameon=False, loc="lower right")
    return _svg(fig, title)


def _category_ticks(ax: Any, categories: Sequence[str]) -> None:
    step = max(1, len(categories) // 12)
    ticks = list(range(0, len(categories), step))
    ax.set_xticks(ticks, [categories[i] for i in ticks], rotation=30, ha="right")
