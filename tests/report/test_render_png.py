"""scripts/render_report_png.py renders a report page to a PNG a person can look at (needs a Chromium)."""

from __future__ import annotations

import importlib.util
import shutil
import struct
from pathlib import Path

import pytest

from m365_compliance.report.html import render_html

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "render_report_png.py"


def _script():
    spec = importlib.util.spec_from_file_location("render_report_png", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


needs_chromium = pytest.mark.skipif(
    not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
    reason="no Chromium on this machine (apt-get install chromium)")


@needs_chromium
def test_renders_the_report_to_a_png(demo_state, tmp_path):
    html = tmp_path / "report.html"
    html.write_text(render_html(demo_state.data(), "en"), encoding="utf-8")
    png = tmp_path / "report.png"
    _script().render(html, png, width=900, height=700)
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert (width, height) == (900, 700)
    assert png.stat().st_size > 20_000  # a rendered page, not a blank image


@needs_chromium
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_reads_on_a_phone_without_scrolling_sideways(demo_state, tmp_path, lang):
    """Laid out 360 px wide (a small phone), nothing outside a table's own scrolling box reaches past the edge:
    the page never scrolls sideways. Names on: the longest paths are in it."""
    html = tmp_path / "report.html"
    html.write_text(render_html(demo_state.data(include_names=True), lang), encoding="utf-8")
    reach, width = _script().overflow(html, 360)
    assert width == 360 and 300 < reach <= width


@needs_chromium
def test_the_phone_check_sees_a_page_that_overflows(demo_state, tmp_path):
    """The measurement is not vacuous: an element wider than the phone is seen."""
    html = tmp_path / "wide.html"
    page = render_html(demo_state.data(), "en").replace("<main>", '<main><div style="width: 900px">wide</div>')
    html.write_text(page, encoding="utf-8")
    reach, width = _script().overflow(html, 360)
    assert reach > 880 and width == 360


@needs_chromium
def test_page_one_alone_renders(demo_state, tmp_path):
    """``--section page-one``: the PNG for the docs holds page one only."""
    script = _script()
    text = script.only_section(render_html(demo_state.data(), "nb"), "page-one")
    assert 'id="page-one"' in text and 'id="summary"' not in text and 'class="toc"' not in text
    html = tmp_path / "one.html"
    html.write_text(text, encoding="utf-8")
    png = tmp_path / "one.png"
    script.render(html, png, width=900, height=600)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
