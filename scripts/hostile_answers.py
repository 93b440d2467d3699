#!/usr/bin/env python3
"""Every Graph answer path broken every way, through a tampering proxy: a table of what each break left.

Paths: the site, its libraries, a delta page, a $batch envelope, one item inside a $batch, a folder's
children, list items, a directory page. Breaks: an HTML page, a list where an object belongs, a
``value`` that is not a list, entries without ids, nesting past the parser's limit, an answer over the
size limit. Each cell is one inventory of the demo tenant (tests/reliability/hostile_answers.py):
"ok" when no exception escaped, a gap named the request and what was wrong, the store stayed intact
and a clean inventory afterwards was complete. docs/reliability.md records a run.

Usage: scripts/hostile_answers.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "reliability"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hostile_answers import PATHS, SHAPES, run_case  # noqa: E402  (the matrix the tests run a part of)


def main() -> int:
    failed = []
    print("| answer path | " + " | ".join(SHAPES) + " |")
    print("|---|" + "---|" * len(SHAPES))
    with tempfile.TemporaryDirectory(prefix="hostile-answers-") as scratch:
        for n, path in enumerate(PATHS):
            cells = []
            for m, shape in enumerate(SHAPES):
                workdir = Path(scratch) / f"{n}-{m}"
                workdir.mkdir()
                outcome = run_case(workdir, path, shape)
                cells.append("ok" if outcome.clean else "not reached" if not outcome.broken else "FAILED")
                if outcome.broken and not outcome.clean:
                    failed.append(outcome)
            print(f"| {path} | " + " | ".join(cells) + " |")
    for outcome in failed:
        print(f"FAILED: {outcome}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
