#!/usr/bin/env python3
"""Render a report HTML file to a PNG with headless Chromium, so a person can look at it.

Usage:
    python scripts/render_report_png.py report/report.html docs/report-example.png [--width 1200] [--height 0]
    python scripts/render_report_png.py --demo docs/report-example.png     # runs the demo first

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


def _demo_report(work: Path) -> Path:
    """Run the demo (sandbox tenant, inventory, check) and write its report in bokmål."""
    from m365_compliance.demo import run_demo
    from m365_compliance.report.service import write_report
    from m365_compliance.sandbox.demo import build_demo_tenant

    demo = build_demo_tenant()
    outcome = run_demo(work / "demo", demo=demo)
    # As of the tenant's clock, the instant the demo evaluated at: ages and findings agree.
    files = write_report(outcome.config, work / "report", now=demo.tenant.clock, formats=("html",))
    path = files.path("html")
    assert path is not None
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", nargs="?", type=Path, help="the report HTML file (omit with --demo)")
    parser.add_argument("png", type=Path, help="where to write the PNG")
    parser.add_argument("--demo", action="store_true", help="render the demo's report instead of a given file")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=0, help="viewport height; 0 = the whole page")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        html = _demo_report(Path(work)) if args.demo else args.html
        if html is None or not Path(html).is_file():
            parser.error("give the report HTML file, or --demo")
        used = render(Path(html), args.png, width=args.width, height=args.height)
    print(f"{args.png} written ({used})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
