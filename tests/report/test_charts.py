"""The inline SVG charts: the figures they draw can be read back, bars are to scale, text is escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from m365_compliance.report.charts import (
    HEIGHT,
    LEFT,
    RIGHT,
    WIDTH,
    Series,
    line_chart,
    nice_ticks,
    stacked_bars,
)


def _svg(text: str) -> ET.Element:
    return ET.fromstring(text)  # well-formed XML, or this raises


@pytest.mark.parametrize(("top", "expected"), [(0, [0, 1]), (3, [0, 1, 2, 3]), (47, [0, 10, 20, 30, 40, 50]),
                                               (9, [0, 2, 4, 6, 8, 10]), (120, [0, 50, 100, 150])])
def test_nice_ticks(top, expected):
    assert nice_ticks(top) == expected


def test_stacked_bars_are_to_scale_and_carry_their_figures():
    svg = _svg(stacked_bars(["C1", "C2", "C3"], [Series("high", (4, 9, 0), "#b00020"),
                                                 Series("low", (1, 0, 2), "#d4a017")], title="Findings"))
    bars = [r for r in svg.iter("rect") if r.get("class") == "bar"]
    assert [(b.get("data-category"), b.get("data-series"), b.get("data-value")) for b in bars] == [
        ("C1", "high", "4"), ("C1", "low", "1"), ("C2", "high", "9"), ("C3", "low", "2")]
    unit = float(bars[0].get("height")) / 4
    for bar in bars:
        assert float(bar.get("height")) == pytest.approx(unit * float(bar.get("data-value")), abs=0.11)
    # Stacked: C1's low segment sits right on top of its high segment.
    assert float(bars[1].get("y")) + float(bars[1].get("height")) == pytest.approx(float(bars[0].get("y")), abs=0.11)
    assert svg.find("title").text == "Findings"


def test_histogram_marker_sits_between_the_bins():
    labels = [str(m) for m in range(25)]
    svg = _svg(stacked_bars(labels, [Series("n", tuple(1 for _ in labels), "#000")], title="ages",
                            marker=(12, "12 months")))
    line = next(e for e in svg.iter("line") if e.get("class") == "marker")
    bars = {b.get("data-category"): b for b in svg.iter("rect") if b.get("class") == "bar"}
    x = float(line.get("x1"))
    assert float(bars["11"].get("x")) + float(bars["11"].get("width")) < x < float(bars["12"].get("x"))
    assert x == pytest.approx(LEFT + 12 * (WIDTH - LEFT - RIGHT) / 25, abs=0.11)


def test_line_chart_points_and_escaping():
    svg_text = line_chart(["1: 2026-11-24", "2: 2026-11-25"], [Series("<b>fail</b> & co", (50, 47), "#b00020")],
                          title='trend "quoted"')
    svg = _svg(svg_text)
    points = [p for p in svg.iter("circle")]
    assert [p.get("data-value") for p in points] == ["50", "47"]
    assert float(points[0].get("cy")) < float(points[1].get("cy")) < HEIGHT
    assert "<b>" not in svg_text and "&lt;b&gt;fail&lt;/b&gt; &amp; co" in svg_text
    assert svg.find("polyline") is not None
    assert "http" not in svg_text


def test_line_chart_labels_sit_inside_the_frame():
    """The first label starts at the first point and the last ends at the last one, so neither is clipped."""
    labels = [f"2026-11-{d:02d}" for d in range(20, 26)]
    svg = _svg(line_chart(labels, [Series("fail", tuple(range(6)), "#b00020")], title="t"))
    texts = [t for t in svg.iter("text") if t.text in labels]
    assert texts[0].text == labels[0] and texts[0].get("text-anchor") == "start"
    assert texts[-1].text == labels[-1] and texts[-1].get("text-anchor") == "end"
    assert all(t.get("text-anchor") == "middle" for t in texts[1:-1])
