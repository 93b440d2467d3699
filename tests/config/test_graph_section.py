"""``[graph]``: how long one Graph request may take (graph/deadline.py), checked like every other key."""

from __future__ import annotations

import pytest

from m365_compliance.config import GraphConfig, demo_config_text, parse_config
from m365_compliance.errors import ConfigError
from m365_compliance.graph.configured import gateway_settings
from m365_compliance.graph.settings import GatewaySettings

SANDBOX = "http://127.0.0.1:8765/v1.0"


def _with(section: str) -> str:
    return demo_config_text(SANDBOX) + "\n" + section


def test_the_deadline_defaults_to_the_gateways_and_reaches_it() -> None:
    config = parse_config(demo_config_text(SANDBOX), "policy.toml")
    assert config.graph == GraphConfig() and config.graph.request_deadline_seconds == 120.0
    assert gateway_settings(config).request_deadline_seconds == GatewaySettings.request_deadline_seconds == 120.0
    tuned = parse_config(_with("[graph]\nrequest_deadline_seconds = 30\n"), "policy.toml")
    assert tuned.graph.request_deadline_seconds == 30.0
    assert gateway_settings(tuned).request_deadline_seconds == 30.0


@pytest.mark.parametrize("value", ["0", "0.5", "3601", "true", '"60"', "nan", "inf"])
def test_a_deadline_outside_1_to_3600_seconds_is_refused(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_with(f"[graph]\nrequest_deadline_seconds = {value}\n"), "policy.toml")
    assert "graph.request_deadline_seconds" in str(caught.value) and "from 1 to 3600" in str(caught.value)


def test_an_unknown_graph_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="request_deadline_seconds"):
        parse_config(_with("[graph]\nrequest_timeout = 30\n"), "policy.toml")
