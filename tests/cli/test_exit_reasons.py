"""Every non-zero exit says why in one line on stderr, led by the table's word: inventory gaps, a failed
sink and failed actions are ``incomplete`` (3), a refusal is ``error`` (1) — each with the counts that decided it."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.exit_codes import ERROR, INCOMPLETE, USAGE

_register_commands()


def _one_line(result: Result, word: str) -> str:
    """The single verdict line on stderr (a ``hint:`` may follow it; JSON log lines are not verdicts)."""
    lines = [line for line in result.stderr.splitlines() if not line.startswith(("{", "hint: "))]
    verdicts = [line for line in lines if re.match(r"^(error|incomplete|findings|interrupted): ", line)]
    assert len(verdicts) == 1 and verdicts[0].startswith(f"{word}: "), result.stderr
    return verdicts[0]


def _set_app_role(demo, drive_id: str, role: str) -> None:  # type: ignore[no-untyped-def]
    """The app's Sites.Selected role on the site holding ``drive_id`` (read: every write is refused, 403)."""
    tenant = demo.tenant
    site = tenant.sites[tenant.drive(drive_id).site_id]
    grant = next(g for g in tenant.site_grants(site) if g.app_id == tenant.access.client_id)
    tenant.update_site_grant(site, grant.id, [role])


@pytest.fixture(scope="module")
def shared_night(tmp_path_factory: pytest.TempPathFactory) -> Iterator:  # type: ignore[type-arg]
    from night import first_night

    yield first_night(tmp_path_factory.mktemp("night"), acting=False)


def test_inventory_gaps_exit_3_naming_how_many_and_where(shared_night) -> None:  # type: ignore[no-untyped-def]
    demo = shared_night.demo
    site = demo.tenant.drive(demo.manifest.recruitment_drive).site_id
    demo.tenant.access.denied_sites.add(site)
    try:
        with shared_night.served():
            result = shared_night.cli("inventory", now=False)
    finally:
        demo.tenant.access.denied_sites.discard(site)
    assert result.exit_code == INCOMPLETE.code, result.output
    listed = re.search(r"Not evaluated \((\d+) gaps?\)", result.stdout)
    assert listed is not None, result.stdout
    gaps = int(listed.group(1))
    assert _one_line(result, "incomplete") == (
        f"incomplete: {gaps} gap{'s' if gaps != 1 else ''} in recruitment (listed above): what could not be read "
        "is not evaluated; the next inventory reads it again.")


def test_a_failed_alert_sink_exits_3_naming_it(shared_night) -> None:  # type: ignore[no-untyped-def]
    text = shared_night.policy.read_text(encoding="utf-8")
    policy = shared_night.out / "with-teams.toml"
    policy.write_text(text + '\n[[alerts.sinks]]\ntype = "teams"\nurl_env = "M365_TEST_NO_SUCH_WEBHOOK"\n',
                      encoding="utf-8")
    with shared_night.served():
        result = CliRunner().invoke(cli, ["alert", "--config", str(policy), "--now", shared_night.now])
    assert result.exit_code == INCOMPLETE.code, result.output
    line = _one_line(result, "incomplete")
    assert re.fullmatch(r"incomplete: 1 of 2 sinks failed \(teams[^)]*\): the others were told; what they missed is "
                        r"offered again next run\.", line), line


def test_no_exception_to_revoke_is_a_usage_error_line(shared_night) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["drift", "revoke", "C1-000000000000", "--config", str(shared_night.policy)])
    assert result.exit_code == USAGE.code  # an id that names nothing is the input's fault (ids are checked)
    assert _one_line(result, "error").startswith("error: No exception recorded for C1-000000000000")


def test_a_port_in_use_is_an_error_line_not_a_click_exception() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["sandbox", "serve", "--port", str(port), "--scale", "1000"])
    assert result.exit_code == ERROR.code, result.output
    assert _one_line(result, "error").startswith(f"error: Cannot listen on 127.0.0.1:{port}: ")
    assert "hint: Try another --port." in result.stderr


def test_actions_that_fail_exit_3_counting_them(tmp_path: Path) -> None:
    from night import first_night

    night = first_night(tmp_path / "n")
    night.demo.tenant.access.permissions.discard("Sites.FullControl.All")  # the night's tenant-wide role
    _set_app_role(night.demo, night.demo.manifest.recruitment_drive, "read")  # every write there answers 403
    with night.served():
        result = night.cli("apply", night.plan_path, "--execute")
    assert result.exit_code == INCOMPLETE.code, result.output
    failed = [line for line in result.stdout.splitlines() if re.match(r"^  act-[0-9a-f]+ failed: ", line)]
    summary = next(line for line in result.stdout.splitlines() if line.startswith("Applied plan "))
    ran = sum(int(n) for n in re.findall(r"\b[a-z_]+ (\d+)", summary.split(": ", 1)[1].split(";")[0]))
    assert failed and _one_line(result, "incomplete") == (
        f"incomplete: {len(failed)} of {ran} actions failed (listed above); apply the plan again to retry them.")


@pytest.mark.parametrize("path", [[], ["dsar"], ["drift"]], ids=lambda p: " ".join(p) or "m365-compliance")
def test_no_command_given_is_a_usage_error_line_after_the_help(path: list[str]) -> None:
    result = CliRunner().invoke(cli, path)
    assert result.exit_code == 2 and "Exit codes (the same for every command)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: no command given: choose one of ")


def test_an_erasure_plan_over_a_limit_says_what_apply_will_still_do(tmp_path: Path) -> None:
    import json

    from night import first_night

    night = first_night(tmp_path / "n")
    night.edit_policy(("max_deletions = 500", "max_deletions = 1"))
    subject = next(a for a in night.demo.manifest.applicants if not a.hired)
    with night.served():
        opened = night.cli("dsar", "open", "--subject", subject.email, "--kind", "erasure", "--name", subject.person,
                           "--received", "2026-11-20")
        case = re.search(r"dsar-\d{8}-[0-9a-f]+", opened.output).group(0)  # type: ignore[union-attr]
        assert night.cli("dsar", "find", case).exit_code == 0
        shown = night.cli("dsar", "show", case, now=False)
        for match in re.findall(r"(m-[0-9a-f]+)\s.*pending", shown.output):
            night.cli("dsar", "confirm", case, "--match", match, "--by", "Marte", now=False)
        planned = night.cli("dsar", "erase", case, "--out", night.out / "erasure.json")
    plan = json.loads((night.out / "erasure.json").read_text(encoding="utf-8"))
    items = sum(1 + len(a["expect"].get("contents", [])) for a in plan["actions"])
    assert items > 1 and planned.exit_code == INCOMPLETE.code, planned.output
    deletions = len(plan["actions"])
    assert _one_line(planned, "incomplete") == (
        f"incomplete: over max_deletions (1): apply will run nothing yet and leave the {deletions} "
        f"deletion{'s' if deletions != 1 else ''} ({items} items) awaiting approval; approve deletions of at most "
        "1 item in all (max_deletions) from this plan, or apply stops before any change (the rest waits for the "
        "next plan).")


@pytest.mark.parametrize("args", [("check", "--controls", "C9"), ("check", "--bogus"), ("report", "--lang", "de"),
                                  ("drift", "accept", "C1-0", "--owner", "x", "--reason", "y",
                                   "--expires", "31.01.2027")])
def test_a_bad_option_or_value_is_one_error_line_and_a_hint(args) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == USAGE.code
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert [line.split(":")[0] for line in lines] == ["error", "hint"], result.output  # no "Usage:", no "Try"
    command = " ".join(a for a in args[:2] if not a.startswith("-")) if args[0] == "drift" else args[0]
    assert f" {command} --help`" in lines[1], lines[1]  # the help of the command that refused
