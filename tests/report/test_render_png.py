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


@pytest.mark.skipif(not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
                    reason="no Chromium on this machine (apt-get install chromium)")
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
