"""JSON lines on stdout, building sinks from the policy file, and ``deliver_all`` surviving any sink."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace

import pytest
from alerts_world import Demo, alert_of, assert_no_people, batch_of
from receiver import Answer, Receiver

from m365_compliance.alerts.email import GraphMailSink
from m365_compliance.alerts.github import GithubIssueSink
from m365_compliance.alerts.model import AlertBatch, Delivery
from m365_compliance.alerts.sinks import build_sinks, deliver_all
from m365_compliance.alerts.stdout import JsonLinesSink
from m365_compliance.alerts.teams import TeamsWorkflowSink
from m365_compliance.alerts.texts import EN, NB
from m365_compliance.config.demo import demo_config_text
from m365_compliance.config.load import parse_config
from m365_compliance.config.schema import (
    Alerts,
    EmailSink,
    GithubSink,
    StdoutSink,
    TeamsSink,
)
from m365_compliance.errors import ConfigError

pytestmark = pytest.mark.anyio
CONFIG = parse_config(demo_config_text("http://127.0.0.1:9/v1.0", "state.sqlite"), "/policies/policy.toml")


class _ClosedPipe(io.StringIO):
    def __init__(self, lines_before_close: int) -> None:
        super().__init__()
        self.left = lines_before_close

    def write(self, text: str) -> int:
        if self.left == 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.left -= 1
        return super().write(text)


class _Raises:
    name = "broken"

    async def deliver(self, batch: AlertBatch) -> Delivery:
        raise KeyError("a bug")


class _Forgets:
    name = "forgetful"

    async def deliver(self, batch: AlertBatch) -> Delivery:
        return Delivery(self.name, delivered=(batch.alerts[0].key, "someone-else:new"))


async def test_one_json_line_per_alert(demo: Demo) -> None:
    out = io.StringIO()
    alerts = [alert_of(f, "new", breach=f.control == "C1") for f in demo.with_paths()[:6]]
    delivery = await JsonLinesSink(out).deliver(batch_of(alerts, language="en", report_url="https://ci.example/1"))
    assert delivery.ok and delivery.sink == "stdout" and delivery.delivered == tuple(a.key for a in alerts)
    lines = out.getvalue().splitlines()
    assert len(lines) == 6
    for line, alert in zip(lines, alerts, strict=True):
        record = json.loads(line)
        assert record["type"] == "m365-compliance.alert" and record["findingId"] == alert.finding_id
        assert (record["kind"], record["control"], record["severity"], record["rule"]) == (
            alert.kind, alert.control, alert.severity, alert.rule_id)
        assert record["runId"] == "run-42" and record["firstSeen"] == "2026-11-01"
        assert record["breachClock"] is alert.breach_clock
        assert record["breachWarning"] == (EN.breach if alert.breach_clock else None)
        assert "path" not in record
    assert_no_people(out.getvalue(), demo.people(demo.with_paths()))


async def test_stdout_is_the_real_stdout_by_default(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    alert = alert_of(demo.findings[0])
    assert (await JsonLinesSink().deliver(batch_of([alert]))).ok
    assert json.loads(capsys.readouterr().out)["findingId"] == alert.finding_id


async def test_a_broken_pipe_fails_the_rest(demo: Demo) -> None:
    alerts = [alert_of(f) for f in demo.findings[:4]]
    delivery = await JsonLinesSink(_ClosedPipe(2)).deliver(batch_of(alerts))
    assert delivery.delivered == tuple(a.key for a in alerts[:2])
    assert delivery.failed == tuple(a.key for a in alerts[2:]) and "BrokenPipeError" in (delivery.error or "")


def test_build_sinks_from_the_policy_file() -> None:
    config = replace(CONFIG, alerts=Alerts(sinks=(
        TeamsSink(url_env="TEAMS_HOOK"), EmailSink(to=("ledelse@tretoen.no",), from_user="compliance@tretoen.no"),
        GithubSink(repo="tretoen/compliance", api_url="https://ghe.example/api/v3"), StdoutSink())))
    sinks = build_sinks(config, gateway=None, environ={})
    assert [s.name for s in sinks] == ["teams:TEAMS_HOOK", "email:compliance@tretoen.no", "github:tretoen/compliance",
                                       "stdout"]
    assert [type(s) for s in sinks] == [TeamsWorkflowSink, GraphMailSink, GithubIssueSink, JsonLinesSink]
    assert sinks[2].api() == "https://ghe.example/api/v3" and sinks[2].token_env == "GITHUB_TOKEN"
    assert [s.name for s in build_sinks(CONFIG, gateway=None)] == ["stdout"]  # the demo policy


def test_the_same_sink_twice_is_a_config_error() -> None:
    config = replace(CONFIG, alerts=Alerts(sinks=(TeamsSink(url_env="HOOK"), TeamsSink(url_env="HOOK", reminder_days=1))))
    with pytest.raises(ConfigError) as caught:
        build_sinks(config, gateway=None)
    assert "teams:HOOK" in str(caught.value) and caught.value.key == "alerts.sinks"


async def test_deliver_all_survives_a_sink_that_raises(receiver: Receiver, demo: Demo,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    alerts = [alert_of(f) for f in demo.with_paths()[:3]]
    batch = batch_of(alerts)
    out = io.StringIO()
    teams = TeamsWorkflowSink("HOOK", environ={"HOOK": receiver.url})
    sinks = [_Raises(), teams, JsonLinesSink(out), _Forgets()]
    with caplog.at_level(logging.INFO, logger="m365_compliance.alerts.sinks"):
        deliveries = await deliver_all(sinks, {s.name: batch for s in sinks})

    broken, posted, printed, forgot = deliveries
    assert broken.sink == "broken" and broken.delivered == () and broken.failed == tuple(a.key for a in alerts)
    assert broken.error == "the sink failed unexpectedly (KeyError)"
    assert posted.ok and len(posted.delivered) == 3 and len(receiver.requests) == 1
    assert printed.ok and len(out.getvalue().splitlines()) == 3
    assert forgot.delivered == (alerts[0].key,) and forgot.failed == (alerts[1].key, alerts[2].key)
    assert "did not account for 2" in (forgot.error or "")
    logged = caplog.text
    assert "broken: 0 delivered, 3 failed: the sink failed unexpectedly (KeyError)" in logged
    assert "a bug" not in logged
    assert_no_people(logged, demo.people(demo.with_paths()))
    for alert in alerts:
        assert alert.title not in logged and alert.finding_id not in logged


async def test_deliver_all_skips_sinks_without_alerts(receiver: Receiver) -> None:
    teams = TeamsWorkflowSink("HOOK", environ={"HOOK": receiver.url})
    assert await deliver_all([teams], {}) == [Delivery("teams:HOOK")]
    assert await deliver_all([teams], {"teams:HOOK": batch_of([])}) == [Delivery("teams:HOOK")]
    assert receiver.requests == []


async def test_deliver_all_times_out_a_hanging_sink(receiver: Receiver, demo: Demo) -> None:
    receiver.default = Answer(202, delay=1.0)
    teams = TeamsWorkflowSink("HOOK", environ={"HOOK": receiver.url})
    [delivery] = await deliver_all([teams], {"teams:HOOK": batch_of([alert_of(demo.findings[0])])}, timeout=0.2)
    assert len(delivery.failed) == 1 and "no result within 0.2 seconds" in (delivery.error or "")


def test_texts_in_both_languages() -> None:
    assert (NB.kind("new"), NB.kind("reminder"), NB.kind("fixed"), NB.kind("expired")) == (
        "Nytt avvik", "Påminnelse", "Rettet", "Unntaket er utløpt")
    assert (EN.kind("new"), EN.kind("reminder"), EN.kind("fixed"), EN.kind("expired")) == (
        "New finding", "Reminder", "Fixed", "Exception expired")
    assert NB.breach == ("Kan ha startet 72-timersfristen for vurdering av avviksmelding til Datatilsynet "
                         "(GDPR art. 33)")
    assert "72-hour" in EN.breach and "GDPR Art. 33" in EN.breach and "Datatilsynet" in EN.breach
    assert (NB.severity("high"), EN.severity("medium")) == ("Høy", "Medium")
    assert (NB.control("C1"), EN.control("C3"), NB.control("C42")) == (
        "C1 Tilgang til rekrutteringsdata", "C3 Customer access", "C42")
    assert (NB.count(1), NB.count(2), EN.count(1), EN.count(3)) == ("1 varsel", "2 varsler", "1 alert", "3 alerts")
    assert NB.status("not_evaluated") == "ikke vurdert" and EN.status("something-new") == "something-new"
