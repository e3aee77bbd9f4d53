"""Geometry for the report's small inline SVG charts; the templates only draw what is computed here.

Every number a chart shows is also printed as text beside it (segment counts, point labels): a
tooltip vanishes on paper, so none is relied on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scanner.render.report_model import Count


@dataclass(frozen=True)
class Segment:
    status: str
    count: int
    x: float
    width: float
    #: the count fits inside the segment (else it is only in the row's text)
    labelled: bool


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    segments: tuple[Segment, ...]
    summary: str  # "7 pass, 11 fail, ..." printed beside the bar


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bars: tuple[Bar, ...]
    bar_height: int


def stacked_bars(rows: Sequence[tuple[str, Sequence[Count]]], *, width: int = 760) -> BarChart:
    """One horizontal bar per row, segments in the order given, all scaled to the widest row."""
    label_width, bar_height, gap = 120, 22, 38
    plot = width - label_width - 10
    widest = max((sum(c.count for c in counts) for _, counts in rows), default=0) or 1
    bars = []
    for i, (label, counts) in enumerate(rows):
        x, segments = float(label_width), []
        for c in counts:
            w = plot * c.count / widest
            segments.append(Segment(c.status, c.count, round(x, 1), round(w, 1), w >= 8 * len(str(c.count)) + 6))
            x += w
        summary = ", ".join(f"{c.count} {c.status.replace('_', ' ')}" for c in counts)
        bars.append(Bar(label, 8 + i * gap, tuple(segments), summary))
    return BarChart(width, 8 + len(rows) * gap + 4, label_width, tuple(bars), bar_height)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int
    #: False when an earlier series already labels a point at the same place with the same value
    labelled: bool = True


@dataclass(frozen=True)
class Series:
    label: str
    css: str  # a class name the stylesheet colours and dashes
    points: tuple[Point, ...]
    label_y: float = 0.0  # where the series' name is written, right of its last point (never overlapping)


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    top: int
    bottom: int
    left: int
    right: int
    ticks: tuple[tuple[float, str], ...]  # x, label
    gridlines: tuple[tuple[float, int], ...]  # y, value
    series: tuple[Series, ...]


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], *,
               width: int = 760, height: int = 240) -> LineChart:
    """Values over time (one x position per label); every point carries its value as text."""
    left, right, top, bottom = 48, 150, 16, height - 36
    peak = max((v for _, _, values in series for v in values), default=0)
    top_value = max(peak, 1)
    span = max(len(labels) - 1, 1)
    plot_w = width - left - right

    def x_of(i: int) -> float:
        return round(left + (plot_w * i / span if len(labels) > 1 else plot_w / 2), 1)

    def y_of(v: int) -> float:
        return round(bottom - (bottom - top) * v / top_value, 1)

    steps = sorted({0, top_value, *(round(top_value * k / 4) for k in (1, 2, 3))})
    seen: set[tuple[float, float]] = set()
    lines = []
    for label, css, values in series:
        points = []
        for i, v in enumerate(values):
            at = (x_of(i), y_of(v))
            points.append(Point(at[0], at[1], v, at not in seen))
            seen.add(at)
        lines.append(Series(label, css, tuple(points)))
    return LineChart(
        width=width, height=height, top=top, bottom=bottom, left=left, right=width - right,
        ticks=tuple((x_of(i), label) for i, label in enumerate(labels)),
        gridlines=tuple((y_of(v), v) for v in steps), series=_spread_labels(lines),
    )


def _spread_labels(lines: list[Series], gap: float = 14.0) -> tuple[Series, ...]:
    """Series names beside their last points, pushed apart so that equal values stay readable."""
    order = sorted(range(len(lines)), key=lambda i: lines[i].points[-1].y if lines[i].points else 0.0)
    placed: dict[int, float] = {}
    last = float("-inf")
    for i in order:
        y = max(lines[i].points[-1].y + 4 if lines[i].points else 0.0, last + gap)
        placed[i] = round(y, 1)
        last = y
    return tuple(Series(s.label, s.css, s.points, placed[i]) for i, s in enumerate(lines))
