"""The drift and alert commands on a demo state store: exceptions recorded and refused, drift shown
by id (no paths), alerts as JSON lines on stdout and an exit code that says when a sink failed."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli

_register_commands()


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_show_accept_revoke_and_alert(world):
    world.night()
    policy = str(world.config.source)
    now = world.now.isoformat()
    shown = _invoke("drift", "show", "--config", policy, "--now", now, "--json")
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert body["previousEvaluation"] is None and body["counts"]["new"] == len(body["entries"]) > 0
    names = [a.name for a in world.demo.manifest.applicants]
    text = _invoke("drift", "show", "--config", policy, "--now", now).output
    assert not any(name in text for name in names)

    finding = body["entries"][0]["finding"]
    too_late = (world.now.date() + timedelta(days=400)).isoformat()
    refused = _invoke("drift", "accept", finding, "--config", policy, "--now", now, "--owner", "Leder",
                      "--reason", "Revisjon", "--expires", too_late)
    assert refused.exit_code == 2 and "at most" in refused.output
    ok = _invoke("drift", "accept", finding, "--config", policy, "--now", now, "--owner", "Leder",
                 "--reason", "Revisjon", "--expires", (world.now.date() + timedelta(days=30)).isoformat())
    assert ok.exit_code == 0, ok.output
    listed = json.loads(_invoke("drift", "exceptions", "--config", policy, "--now", now, "--json").output)
    assert [(e["finding"], e["state"]) for e in listed["exceptions"]] == [(finding, "in force")]

    alerted = _invoke("alert", "--config", policy, "--now", now)
    assert alerted.exit_code == 0, alerted.output
    lines = [json.loads(line) for line in alerted.stdout.splitlines() if line.startswith("{")]
    assert lines and all(line["findingId"] for line in lines) and finding not in {line["findingId"] for line in lines}
    assert not any(name in alerted.output for name in names)
    again = _invoke("alert", "--config", policy, "--now", now)
    assert not [line for line in again.stdout.splitlines() if line.startswith("{")]  # told once

    assert _invoke("drift", "revoke", finding, "--config", policy).exit_code == 0
    assert _invoke("drift", "revoke", finding, "--config", policy).exit_code == 2  # none left: a bad id


def test_no_evaluation_yet_is_a_clear_error(world):
    result = _invoke("drift", "show", "--config", str(world.config.source))
    assert result.exit_code == 1 and "m365-compliance check" in result.output
