#!/usr/bin/env python3
"""Render a report HTML file to a PNG with headless Chromium, so a person can look at it.

Usage:
    python scripts/render_report_png.py report/report.html docs/report-example.png [--width 1200] [--height 0]
    python scripts/render_report_png.py --demo docs/report-example.png     # runs the demo first
    python scripts/render_report_png.py --demo --lang en --section page-one docs/report-page-one-en.png
    python scripts/render_report_png.py report/report.html --overflow 390  # measures, writes no PNG
    python scripts/render_report_png.py report/report.html --pdf report.pdf  # prints it (A4)

``--section ID`` renders only that section of the page (``page-one``: the three questions). ``--overflow
WIDTH`` lays the page out WIDTH pixels wide (a phone is 360–412) and prints how wide it became: the page
must never scroll sideways (a wide table scrolls inside its own box); it exits 1 when it does.

``--height 0`` (the default) captures the whole page. Uses Playwright (``pip install
'm365-compliance[screenshot]'``) with its own Chromium or, when that was never downloaded, the
system's; without Playwright, a Chromium or Chrome binary on PATH (``chromium``, ``chromium-browser``,
``google-chrome``) through its own ``--headless --screenshot`` (a fixed window height then). To get one:

    apt-get install chromium                       # Debian/Ubuntu: the distribution's Chromium
    pip install playwright && playwright install chromium

The report has no script and no external asset, so the page is complete the moment it loads.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Without Playwright the page cannot be measured: the window is this tall (pass --height to change it).
FALLBACK_HEIGHT = 6000


def render(html: Path, png: Path, *, width: int, height: int) -> str:
    """Write ``png``; returns which renderer was used. SystemExit with instructions when there is none."""
    png.parent.mkdir(parents=True, exist_ok=True)
    if _with_playwright(html, png, width, height):
        return "playwright"
    binary = _system_binary()
    if binary is None:
        raise SystemExit("No headless Chromium found. Install one of:\n"
                         "  apt-get install chromium\n"
                         "  pip install playwright && playwright install chromium")
    _with_binary(binary, html, png, width, height or FALLBACK_HEIGHT)
    return binary


def _with_playwright(html: Path, png: Path, width: int, height: int) -> bool:
    """Playwright with its own Chromium, else with the system's (its browser download may be unreachable)."""
    try:
        from playwright.sync_api import Error, sync_playwright  # type: ignore[import-not-found]
    except ImportError:
        return False
    system = _system_binary()
    for executable in (None, system) if system else (None,):
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=executable)
                page = browser.new_page(viewport={"width": width, "height": height or 900})
                page.goto(html.resolve().as_uri())
                page.screenshot(path=str(png), full_page=not height)
                browser.close()
            return True
        except Error:
            continue
    return False


def _system_binary() -> str | None:
    return next((found for name in BINARIES if (found := shutil.which(name))), None)


def _with_binary(binary: str, html: Path, png: Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        command = [binary, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                   "--no-first-run", f"--user-data-dir={profile}", f"--window-size={width},{height}",
                   f"--screenshot={png.resolve()}", html.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not png.exists():
        raise SystemExit(f"{binary} could not render the page (exit {done.returncode}):\n{done.stderr[-2000:]}")


def overflow(html: Path, width: int) -> tuple[int, int]:
    """(how wide the page's content reaches, ``width``) when laid out ``width`` pixels wide, measured by the
    system's headless Chromium (``--dump-dom`` of a copy with a measuring script at the end of its body).
    SystemExit when there is no Chromium."""
    binary = _system_binary()
    if binary is None:
        raise SystemExit("No headless Chromium found (apt-get install chromium).")
    # Headless Chromium keeps its window at least ~500 px wide, so the page is held to ``width`` by its own
    # stylesheet (the same media rules apply: they are max-width 640 px), and the probe measures the right edge of
    # everything outside a scrolling box: what would make a phone scroll the page sideways.
    probe = (f"<style>html {{ width: {width}px; }}</style><script>(() => {{ let right = 0; "
             "for (const e of document.querySelectorAll('body *')) { const box = e.parentElement.closest('.scroll'); "
             "if (!box) right = Math.max(right, e.getBoundingClientRect().right); } "
             f"document.body.setAttribute('data-measured', Math.ceil(right) + ' ' + {width}); }})();</script>")
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / "measure.html"
        copy.write_text(html.read_text(encoding="utf-8").replace("</body>", probe + "</body>"), encoding="utf-8")
        with tempfile.TemporaryDirectory() as profile:
            command = [binary, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--no-first-run",
                       f"--user-data-dir={profile}", f"--window-size={width},900", "--dump-dom", copy.as_uri()]
            done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'data-measured="(\d+) (\d+)"', done.stdout)
    if found is None:
        raise SystemExit(f"{binary} did not measure the page (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return int(found.group(1)), int(found.group(2))


def print_pdf(html: Path, pdf: Path) -> None:
    """Print ``html`` to ``pdf`` as the browser would (the stylesheet's print section and its A4 page), with the
    system's headless Chromium. SystemExit when there is none, or it fails."""
    binary = _system_binary()
    if binary is None:
        raise SystemExit("No headless Chromium found (apt-get install chromium).")
    with tempfile.TemporaryDirectory() as profile:
        command = [binary, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", f"--user-data-dir={profile}",
                   "--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}", html.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not pdf.exists():
        raise SystemExit(f"{binary} could not print the page (exit {done.returncode}):\n{done.stderr[-2000:]}")


def only_section(html: str, section: str) -> str:
    """The page with the header and one ``<section id=…>`` only (the table of contents and the rest left out)."""
    found = re.search(rf'<section id="{re.escape(section)}">.*?</section>', html, re.S)
    if found is None:
        raise SystemExit(f"The report has no section {section!r}.")
    body_start = html.index("<main>") + len("<main>")
    return html[:body_start] + found.group(0) + "</main></body></html>\n"


def _demo_report(work: Path, lang: str = "nb") -> Path:
    """Run the demo (sandbox tenant, inventory, check, plan) and write its report in ``lang``."""
    from m365_compliance.demo import run_demo
    from m365_compliance.report.service import write_report
    from m365_compliance.sandbox.demo import build_demo_tenant

    demo = build_demo_tenant()
    outcome = run_demo(work / "demo", demo=demo)
    # As of the tenant's clock, the instant the demo evaluated at: ages and findings agree.
    files = write_report(outcome.config, work / "report", now=demo.tenant.clock, formats=("html",),
                         lang=lang)  # type: ignore[arg-type]
    path = files.path("html")
    assert path is not None
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", nargs="?", type=Path, help="the report HTML file (omit with --demo)")
    parser.add_argument("png", nargs="?", type=Path, help="where to write the PNG")
    parser.add_argument("--demo", action="store_true", help="render the demo's report instead of a given file")
    parser.add_argument("--lang", choices=("nb", "en"), default="nb", help="the demo report's language")
    parser.add_argument("--section", help="render only this section (e.g. page-one)")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=0, help="viewport height; 0 = the whole page")
    parser.add_argument("--overflow", type=int, metavar="WIDTH", help="measure the page WIDTH pixels wide instead")
    parser.add_argument("--pdf", type=Path, help="print the page to this PDF (A4, as a browser prints it) instead")
    args = parser.parse_args(argv)
    if args.html is not None and args.png is None and args.demo:
        args.png, args.html = args.html, None  # "--demo OUT.png": the one path is the PNG
    with tempfile.TemporaryDirectory() as work:
        html = _demo_report(Path(work), args.lang) if args.demo else args.html
        if html is None or not Path(html).is_file():
            parser.error("give the report HTML file, or --demo")
        if args.section:
            part = Path(work) / "section.html"
            part.write_text(only_section(Path(html).read_text(encoding="utf-8"), args.section), encoding="utf-8")
            html = part
        if args.pdf:
            print_pdf(Path(html), args.pdf)
            print(f"{args.pdf} written")
            return 0
        if args.overflow:
            scroll, inner = overflow(Path(html), args.overflow)
            print(f"laid out {inner} px wide, the page reaches {scroll} px")
            return 0 if scroll <= inner else 1
        if args.png is None:
            parser.error("give where to write the PNG")
        used = render(Path(html), args.png, width=args.width, height=args.height)
    print(f"{args.png} written ({used})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
