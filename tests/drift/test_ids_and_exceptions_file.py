"""Finding ids are checked before anything is recorded, and exceptions.toml beside the policy file accepts
findings exactly as `drift accept` does: applied, expired, refused when invalid, and kept per evaluation."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.load import load_config
from m365_compliance.drift.exceptions import ExceptionRepository
from m365_compliance.drift.service import drift_from_config
from m365_compliance.report.data import build_report_data
from m365_compliance.rules.dates import policy_today
from m365_compliance.rules.service import check_from_config
from m365_compliance.state.store import StateStore

_register_commands()


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _open_finding(world) -> tuple[str, str, str]:
    """(id, rule, scope) of a failing access finding of the latest night."""
    entry = next(e for e in world.night().drift.entries if e.finding.rule_id == "c3.customer-access")
    return entry.finding.id, entry.finding.rule_id, entry.finding.scope or ""


def _typo(finding_id: str) -> str:
    return finding_id[:-1] + ("0" if finding_id[-1] != "0" else "1")


def _recorded_exceptions(world) -> int:
    with sqlite3.connect(world.config.state.path) as db:
        return db.execute("SELECT COUNT(*) FROM drift_exceptions").fetchone()[0]


def _accept(world, finding_id: str):
    return _invoke("drift", "accept", finding_id, "--config", str(world.config.source), "--now",
                   world.now.isoformat(), "--owner", "Leder", "--reason", "Revisjon", "--expires",
                   (world.now.date() + timedelta(days=30)).isoformat())


def _write_exceptions(world, text: str):
    (world.config.source.parent / "exceptions.toml").write_text(text, encoding="utf-8")
    return load_config(world.config.source)


def test_accepting_an_unknown_finding_is_refused_with_the_closest_and_nothing_is_recorded(world):
    finding, _rule, _scope = _open_finding(world)
    typo = _accept(world, _typo(finding))
    assert typo.exit_code == 2, typo.output
    assert f"did you mean `{finding}`" in typo.output and typo.output.startswith("error: There is no finding")
    placeholder = _accept(world, "FINDING")  # the word from the documentation, copied as it is
    assert placeholder.exit_code == 2 and "open now: C1-" in placeholder.output and "more)" in placeholder.output
    assert _recorded_exceptions(world) == 0
    assert json.loads(_invoke("drift", "exceptions", "--config", str(world.config.source), "--json").output)[
        "exceptions"] == []


def test_revoking_what_was_never_accepted_names_the_recorded_ones(world):
    finding, _rule, _scope = _open_finding(world)
    assert _accept(world, finding).exit_code == 0
    result = _invoke("drift", "revoke", _typo(finding), "--config", str(world.config.source))
    assert result.exit_code == 2 and f"did you mean `{finding}`" in result.output
    assert _invoke("drift", "revoke", finding, "--config", str(world.config.source)).exit_code == 0


def test_an_unknown_evaluation_is_refused_with_the_closest(world):
    world.night()
    latest = drift_from_config(world.config, world.now).evaluation_id
    result = _invoke("drift", "show", "--config", str(world.config.source), "--evaluation", latest[:-1] + "x")
    assert result.exit_code == 2 and f"did you mean `{latest}`" in result.output  # the input's fault: usage


def test_an_exception_in_the_file_accepts_its_finding_and_is_kept_with_the_evaluation(world):
    finding, rule, scope = _open_finding(world)
    today = policy_today(world.config, world.now)
    config = _write_exceptions(world, f"""
[[exception]]
finding = "{finding}"
owner = "Daglig leder"
reason = "Revisor trenger lesetilgang"
accepted = {today.isoformat()}
expires = {(today + timedelta(days=60)).isoformat()}

[[exception]]
rule = "c1.recruitment-access"
scope = "recruitment"
owner = "Daglig leder"
reason = "Rekrutteringsbyrå i en overgang"
accepted = {today.isoformat()}
expires = {(today + timedelta(days=10)).isoformat()}
""")
    evaluation = check_from_config(config, world.now)
    drift = drift_from_config(config, world.now)
    states = {e.finding.id: (e.state, e.exception.source if e.exception else None) for e in drift.entries}
    assert states[finding] == ("accepted", "exceptions.toml exception[0]")
    recruitment = [f.id for f in evaluation.findings if f.rule_id == "c1.recruitment-access" and f.is_open]
    assert recruitment and all(states[f] == ("accepted", "exceptions.toml exception[1]") for f in recruitment)
    others = [e for e in drift.entries if e.finding.rule_id == rule and e.finding.id != finding]
    assert others and all(e.state != "accepted" for e in others)  # one finding accepted, not its rule
    with StateStore(config.state.path) as store:
        kept = {x.finding_id: (x.source, x.state) for x in ExceptionRepository(store).applied(evaluation.evaluation_id)}
    assert kept[finding] == ("exceptions.toml exception[0]", "in_force") and set(recruitment) <= set(kept)
    with StateStore(config.state.path) as store:
        shown = {r.finding_id: (r.owner, r.state) for r in build_report_data(store, config, now=world.now).exceptions}
    assert shown[finding] == ("Daglig leder", "in_force")  # the report shows it like one accepted by command
    assert _recorded_exceptions(world) == 0  # the file is the record; `drift accept` stays its own
    alerted = _invoke("alert", "--config", str(config.source), "--now", world.now.isoformat())
    told = {json.loads(line)["findingId"] for line in alerted.stdout.splitlines() if line.startswith("{")}
    assert told and finding not in told and not told & set(recruitment)
    revoke = _invoke("drift", "revoke", finding, "--config", str(config.source))
    assert revoke.exit_code == 2 and "`exception[0]` of exceptions.toml" in revoke.output


def test_an_expired_exception_in_the_file_no_longer_applies_and_is_reported(world):
    finding, _rule, _scope = _open_finding(world)
    today = policy_today(world.config, world.now)
    config = _write_exceptions(world, f"""
[[exception]]
finding = "{finding}"
owner = "Daglig leder"
reason = "Revisor trengte lesetilgang"
accepted = {(today - timedelta(days=40)).isoformat()}
expires = {(today - timedelta(days=1)).isoformat()}
""")
    evaluation = check_from_config(config, world.now)
    entry = next(e for e in drift_from_config(config, world.now).entries if e.finding.id == finding)
    assert entry.state == "expired"
    with sqlite3.connect(config.state.path) as db:
        assert db.execute("SELECT state FROM evaluation_exceptions WHERE evaluation_id=? AND finding_id=?",
                          (evaluation.evaluation_id, finding)).fetchone() == ("expired",)
    listed = json.loads(_invoke("drift", "exceptions", "--config", str(config.source), "--now",
                                world.now.isoformat(), "--json").output)["exceptions"]
    assert [(e["finding"], e["state"], e["source"]) for e in listed] == [
        (finding, "expired", "exceptions.toml exception[0]")]
    checked = _invoke("config", "check", str(config.source))
    assert checked.exit_code == 0 and "exceptions.toml `exception[0]`" in checked.output
    assert "expired on" in checked.output
    alerted = _invoke("alert", "--config", str(config.source), "--now", world.now.isoformat())
    told = [json.loads(line) for line in alerted.stdout.splitlines() if line.startswith("{")]
    assert any(t["findingId"] == finding for t in told)


def test_an_invalid_exceptions_file_is_a_config_error_naming_file_and_key(world):
    today = date(2026, 11, 25)
    (world.config.source.parent / "exceptions.toml").write_text(f"""
[[exception]]
rule = "c3.customer-acces"
scope = "customers"
owner = "Daglig leder"
reason = "x"
accepted = {today.isoformat()}
expires = {(today + timedelta(days=30)).isoformat()}

[[exception]]
finding = "C3-0123456789ab"
owner = "Daglig leder"
reason = "x"
accepted = {today.isoformat()}
expires = "31.01.2027"
""", encoding="utf-8")
    checked = _invoke("config", "check", str(world.config.source))
    assert checked.exit_code == 2
    errors = [line for line in checked.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2, checked.output
    assert "exceptions.toml: `exception[0].rule` = 'c3.customer-acces'" in errors[0]
    assert "did you mean `c3.customer-access`" in errors[0]
    assert "`exception[1].expires` = '31.01.2027': expected a date YYYY-MM-DD" in errors[1]
    refused = _invoke("drift", "show", "--config", str(world.config.source))
    assert refused.exit_code == 2 and "exception[0].rule" in refused.output
