"""scripts/render_report_png.py renders a report page to a PNG a person can look at (needs a Chromium)."""

from __future__ import annotations

import importlib.util
import re
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


def _pdf_pages(pdf: Path) -> tuple[int, set[bytes]]:
    body = pdf.read_bytes()
    return len(re.findall(rb"/Type\s*/Page\b", body)), set(re.findall(rb"/MediaBox\s*\[([^\]]*)\]", body))


@needs_chromium
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_prints_on_a4_with_page_one_on_one_page(demo_state, tmp_path, lang):
    """The print stylesheet's A4 page (595 × 842 pt), and page one (the header with the three questions) fits on
    the first sheet; the whole report prints too, on more sheets."""
    script = _script()
    text = render_html(demo_state.data(), lang)
    (tmp_path / "one.html").write_text(script.only_section(text, "page-one"), encoding="utf-8")
    (tmp_path / "all.html").write_text(text, encoding="utf-8")
    script.print_pdf(tmp_path / "one.html", tmp_path / "one.pdf")
    script.print_pdf(tmp_path / "all.html", tmp_path / "all.pdf")
    pages, boxes = _pdf_pages(tmp_path / "one.pdf")
    assert pages == 1
    width, height = (round(float(v)) for v in boxes.pop().split()[2:])
    assert (width, height) == (595, 842) and not boxes
    pages, boxes = _pdf_pages(tmp_path / "all.pdf")
    assert pages > 2 and {tuple(round(float(v)) for v in b.split()[2:]) for b in boxes} == {(595, 842)}
