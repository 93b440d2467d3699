"""Small inline SVG charts (stacked bars, histogram with a marker line, lines) for the HTML report.

Hand-written so the report stays one self-contained file with no scripts and no chart library:
every colour is an attribute (prints without the stylesheet), every text is escaped
(:func:`.html_parts.esc`), no URL appears (inline SVG in HTML needs no namespace), and every bar
and point carries its figure (``data-value`` and a ``<title>`` tooltip) so a reader, a screen reader
and a test can read the numbers back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from m365_compliance.report.html_parts import esc

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 30, 36


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float, ...]
    colour: str


def nice_ticks(top: float, most: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (steps of 1, 2 or 5 × 10ⁿ), at most ``most`` + 1 of them."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)
    count = math.ceil(top / step)
    return [i * step for i in range(count + 1)]


def _num(value: float) -> str:
    return f"{value:g}"


def _frame(title: str, ticks: list[float], plot_h: float, body: list[str], legend: Sequence[Series]) -> str:
    top = ticks[-1]
    parts = [(f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="11">'),
             f"<title>{esc(title)}</title>"]
    for tick in ticks:
        y = TOP + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#444">{_num(tick)}</text>')
    parts.extend(body)
    x = LEFT
    for s in legend:
        parts.append(f'<rect x="{x}" y="8" width="10" height="10" fill="{esc(s.colour)}"/>')
        parts.append(f'<text x="{x + 14}" y="17" fill="#222">{esc(s.label)}</text>')
        x += 24 + 7 * len(s.label)
    parts.append("</svg>")
    return "".join(parts)


def _label_every(count: int, plot_w: float) -> int:
    """Show every n-th category label so labels do not overlap (about 60 px each)."""
    return max(1, math.ceil(count * 60 / plot_w))


def stacked_bars(categories: Sequence[str], series: Sequence[Series], *, title: str,
                 marker: tuple[float, str] | None = None) -> str:
    """One stacked bar per category; ``marker`` = (position in categories, label) draws a vertical line there
    (a position of 12 lies between the 12th and 13th bar: the histogram's 12-month line)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    ticks = nice_ticks(max(totals, default=0))
    slot = plot_w / max(len(categories), 1)
    bar_w = max(slot * 0.7, 1)
    every = _label_every(len(categories), plot_w)
    body: list[str] = []
    for i, category in enumerate(categories):
        x = LEFT + i * slot + (slot - bar_w) / 2
        base = TOP + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / ticks[-1]
            base -= h
            body.append(f'<rect class="bar" x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                        f'fill="{esc(s.colour)}" data-series="{esc(s.label)}" '
                        f'data-category="{esc(category)}" data-value="{_num(value)}">'
                        f"<title>{esc(category)} – {esc(s.label)}: {_num(value)}</title></rect>")
        if i % every == 0:
            body.append(f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" '
                        f'fill="#444">{esc(category)}</text>')
    if marker is not None:
        position, label = marker
        mx = LEFT + position * slot
        body.append(f'<line class="marker" x1="{mx:.1f}" y1="{TOP - 4}" x2="{mx:.1f}" y2="{TOP + plot_h}" '
                    f'stroke="#b00020" stroke-width="2" stroke-dasharray="5 3"/>')
        body.append(f'<text x="{mx + 4:.1f}" y="{TOP + 8}" fill="#b00020">{esc(label)}</text>')
    return _frame(title, ticks, plot_h, body, series)


def line_chart(x_labels: Sequence[str], series: Sequence[Series], *, title: str) -> str:
    """One line per series across ``x_labels`` (a single point is drawn as a dot)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    ticks = nice_ticks(max((v for s in series for v in s.values), default=0))
    count = len(x_labels)
    step = plot_w / (count - 1) if count > 1 else 0
    xs = [LEFT + (i * step if count > 1 else plot_w / 2) for i in range(count)]
    every = _label_every(count, plot_w)
    body: list[str] = []
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == count - 1:
            if i == count - 1 and i % every and xs[i] - xs[i - i % every] < 60:
                continue  # the last label would overlap the one shown before it
            # The first and last labels sit inside the plot's edges, so the frame never clips them.
            anchor = "start" if i == 0 and count > 1 else "end" if i == count - 1 and count > 1 else "middle"
            body.append(f'<text x="{xs[i]:.1f}" y="{TOP + plot_h + 14}" text-anchor="{anchor}" fill="#444">'
                        f"{esc(label)}</text>")
    for s in series:
        points = [(xs[i], TOP + plot_h - plot_h * v / ticks[-1]) for i, v in enumerate(s.values)]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{esc(s.colour)}" stroke-width="2"/>')
        for (x, y), label, value in zip(points, x_labels, s.values, strict=True):
            body.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{esc(s.colour)}" '
                        f'data-series="{esc(s.label)}" data-category="{esc(label)}" data-value="{_num(value)}">'
                        f"<title>{esc(label)} – {esc(s.label)}: {_num(value)}</title></circle>")
    return _frame(title, ticks, plot_h, body, series)
