"""Plan-side inputs that are hostile or plain wrong: one line and a documented exit code, never a traceback,
and nothing written (docs/safety.md). Found by attacking the CLI from the outside with the docs alone."""

from __future__ import annotations

import json
import os

from night import Night


def test_hostile_plan_files_dates_and_paths_are_one_line_errors(night: Night):
    (night.out / "latin1.json").write_bytes(b"\xff\xfe{}")
    (night.out / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (night.out / "approvals-latin1.toml").write_bytes(b"\xff\xfe = 1")
    fifo = night.out / "pipe.csv"
    os.mkfifo(fifo)
    with night.served() as server:
        results = {
            "latin1 plan": night.cli("apply", night.out / "latin1.json"),
            "deep plan": night.cli("apply", night.out / "deep.json"),
            "latin1 approvals": night.cli("apply", night.plan_path, "--approvals", night.out / "approvals-latin1.toml"),
            "far future": night.cli("plan", "--out", night.out / "far.json", now=False, extra=("--now", "9999-12-31T23:59:59Z")),
            "far past": night.cli("report", "--out", night.out / "r", now=False, extra=("--now", "0001-01-01T00:00:00+01:00")),
            "huge period": night.cli("report", "--out", night.out / "r", "--period-days", "99999999999"),
            "pipe": night.cli("journal", "export", "--format", "csv", fifo, now=False),
        }
        writes = server.app.meter.snapshot()["writes"]
    for name, result in results.items():
        assert result.exit_code in (1, 2), (name, result.output)
        assert result.output.strip().startswith(("error:", "Usage:")), (name, result.output)
    assert writes == 0 and fifo.is_fifo()  # the pipe was not replaced by a file


def test_planning_the_same_content_again_writes_the_plan_apply_accepts(night: Night):
    with night.served():
        assert night.cli("plan", "--out", night.out / "first.json").exit_code in (0, 3)
        first = json.loads((night.out / "first.json").read_text(encoding="utf-8"))
        again = night.cli("plan", "--out", night.out / "again.json")
        assert again.exit_code in (0, 3), again.output
        second = json.loads((night.out / "again.json").read_text(encoding="utf-8"))
        applied = night.cli("apply", night.out / "again.json")
    assert second == first  # the recorded plan, creation time included
    assert applied.exit_code == 0, applied.output
