"""``m365-compliance state restore|save``: the state store between runs on ephemeral runners."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from m365_compliance.cli.main import cli
from m365_compliance.cli.options import config_option, load_policy
from m365_compliance.cli.output import fail
from m365_compliance.errors import ComplianceError
from m365_compliance.exit_codes import ERROR, OK


@cli.group("state")
def state_group() -> None:
    """Keep the state store (delta links, history, journal, exceptions, requests) between runs in a
    SharePoint library of the tenant ([state.remote] in the policy file).

    \b
    Example:
      m365-compliance state restore --config policy.toml   # before the run
      m365-compliance state save --config policy.toml      # after it, even when it failed
    """


@state_group.command("restore", exit_notes={
    OK.code: "restored, or nothing saved yet (a first night).",
    ERROR.code: "it could not be fetched or is damaged: do not run and save over it.",
})
@config_option
def state_restore(config_path: Path) -> None:
    """Fetch the saved state store into [state] path, after checking it; none saved yet means a first
    night (a full crawl). Writes a receipt that `state save` requires.

    \b
    Example:
      m365-compliance state restore --config policy.toml
    """
    _transfer(config_path, "restore")


@state_group.command("save", exit_notes={
    OK.code: "saved.",
    ERROR.code: "refused (no restore receipt, the remote file changed since) or failed.",
})
@config_option
def state_save(config_path: Path) -> None:
    """Upload a consistent copy of the state store, only if this run restored it and nobody saved since.

    \b
    Example:
      m365-compliance state save --config policy.toml
    """
    _transfer(config_path, "save")


def _transfer(config_path: Path, what: str) -> None:
    from m365_compliance.graph.configured import gateway_settings
    from m365_compliance.graph.gateway import GraphGateway
    from m365_compliance.state.remote import restore, save

    config = load_policy(config_path)

    async def go():  # type: ignore[no-untyped-def]
        async with GraphGateway(gateway_settings(config)) as graph:
            return await (restore if what == "restore" else save)(config, graph)

    try:
        done = asyncio.run(go())
    except ComplianceError as error:
        fail(error)
    words = {"restored": f"State restored ({done.size:,} bytes) from {done.where}.",
             "first-run": f"No saved state at {done.where} yet: this is a first night (a full crawl).",
             "saved": f"State saved ({done.size:,} bytes) to {done.where}."}
    click.echo(words[done.status])
