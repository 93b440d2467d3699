"""``m365-compliance sandbox``: serve the sandbox tenant, or export it as a tenant file or as MGDC datasets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from m365_compliance.cli.main import cli
from m365_compliance.cli.options import Choices, OutputPath
from m365_compliance.cli.output import fail
from m365_compliance.errors import ComplianceError
from m365_compliance.exit_codes import ERROR, INTERRUPTED, OK, USAGE


@cli.group("sandbox")
def sandbox_group() -> None:
    """The bundled sandbox tenant: a local Microsoft Graph–compatible server on 127.0.0.1.

    \b
    Example:
      m365-compliance sandbox serve --demo --port 8765 --write-config sandbox-policy.toml
      m365-compliance sandbox export --demo tenant.json
      m365-compliance sandbox export --demo --mgdc mgdc-out --mgdc-format parquet
    """


@sandbox_group.command("serve", exit_notes={
    OK.code: "stopped with Ctrl-C, the way to stop it.",
    ERROR.code: "also the port cannot be listened on.",
    USAGE.code: "also a tenant file that is not valid.",
    INTERRUPTED.code: "only before it listens (building a large tenant): once it serves, Ctrl-C stops it with 0.",
})
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--tenant", "tenant_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve this tenant file (docs/tenant-file.md) instead of the demo.")
@click.option("--demo", is_flag=True, help="Serve the generated 321 demo tenant (the default).")
@click.option("--scale", type=click.IntRange(min=1000), help="With --demo: grow it to about this many items.")
@click.option("--ru-per-minute", type=click.IntRange(min=1), help="Enforce this per-minute resource-unit budget.")
@click.option("--fault-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of Graph requests answered with an injected fault (429/503/504/drop/slow).")
@click.option("--seed", type=int, default=321, show_default=True, help="Seed for the demo tenant and the faults.")
@click.option("--require-token", is_flag=True, help="Answer 401 to requests without a bearer token.")
@click.option("--write-config", "config_out", type=OutputPath(folder=False),
              help="Write a policy file that targets this server (for the demo tenant).")
def serve_command(port: int, tenant_file: Path | None, demo: bool, scale: int | None, ru_per_minute: int | None,
                  fault_rate: float, seed: int, require_token: bool, config_out: Path | None) -> None:
    """Serve a sandbox tenant until Ctrl-C; prints its base URL (http://127.0.0.1:PORT/v1.0).

    Any bearer token is accepted unless --require-token. The operator window at /_sandbox/stats
    shows requests, resource units and throttling; docs/sandbox.md lists the endpoints.

    \b
    Example:
      m365-compliance sandbox serve --demo --port 8765 --write-config sandbox-policy.toml
      m365-compliance sandbox serve --tenant my-tenant.json --ru-per-minute 1250 --fault-rate 0.1
    """
    from m365_compliance.sandbox.http.app import SandboxOptions
    from m365_compliance.sandbox.http.faults import FaultPlan
    from m365_compliance.sandbox.server import SandboxServer

    if tenant_file is not None and (demo or scale):
        raise click.UsageError("--tenant serves a tenant file; --demo and --scale are for the demo tenant.")
    try:
        tenant = _load_tenant(tenant_file, scale, seed)
        options = SandboxOptions(ru_per_minute=ru_per_minute, faults=FaultPlan(rate=fault_rate, seed=seed),
                                 require_token=require_token)
        server = SandboxServer(tenant, options, port=port)
    except OSError as error:
        fail(ComplianceError(f"Cannot listen on 127.0.0.1:{port}: {error.strerror}.", hint="Try another --port."))
    except ComplianceError as error:
        fail(error, exit_code=2)
    if config_out is not None:
        from m365_compliance.config.demo import write_demo_config

        write_demo_config(config_out, graph_url=server.base_url)
        click.echo(f"Policy file written: {config_out}")
    click.echo(server.base_url)
    click.echo("Serving until Ctrl-C.", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@sandbox_group.command("export", exit_notes={
    OK.code: "the tenant file, or with --mgdc the four dataset folders, was written.",
    USAGE.code: "also neither or both of OUT and --mgdc, or an --mgdc option without --mgdc.",
    INTERRUPTED.code: "no half-written file is kept; with --mgdc the datasets not yet written are left empty "
                      "(an earlier export's files are removed first): run the command again.",
})
@click.option("--demo", is_flag=True, required=True, help="Export the generated 321 demo tenant.")
@click.option("--scale", type=click.IntRange(min=1000), help="Grow it to about this many items first.")
@click.option("--seed", type=int, default=321, show_default=True)
@click.option("--mgdc", "mgdc_dir", type=OutputPath(folder=True),
              help="Write the tenant as Microsoft Graph Data Connect SharePoint datasets (Sites, Permissions, "
                   "Files, Groups) into this folder, one subfolder per dataset, instead of a tenant file.")
@click.option("--snapshot-date", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="With --mgdc: the day the snapshot is of (SnapshotDate). Default: today (UTC).")
@click.option("--mgdc-format", type=Choices(["jsonl", "parquet"]), default=None,
              help="With --mgdc: JSON lines as MGDC delivers them (part-NNNNN.json, the default) or Parquet.")
@click.argument("out", type=OutputPath(folder=False), required=False)
def export_command(demo: bool, scale: int | None, seed: int, mgdc_dir: Path | None, snapshot_date: datetime | None,
                   mgdc_format: str | None, out: Path | None) -> None:
    """Write the demo tenant as a tenant file, a starting point for modelling your own tenant, or with
    --mgdc as the MGDC SharePoint datasets an MGDC reader is tested with (docs/sandbox.md, "MGDC datasets").

    \b
    Example:
      m365-compliance sandbox export --demo tenant.json
      m365-compliance sandbox export --demo --scale 100000 --mgdc mgdc-out --snapshot-date 2026-11-25
    """
    from m365_compliance.sandbox.demo import build_demo_tenant

    if (out is None) == (mgdc_dir is None):
        both = ", not both" if out is not None else ""
        raise click.UsageError(f"Give OUT (a tenant file) or --mgdc DIR (the MGDC datasets){both}.")
    if mgdc_dir is None and (snapshot_date is not None or mgdc_format is not None):
        raise click.UsageError("--snapshot-date and --mgdc-format are for --mgdc DIR.")
    tenant = build_demo_tenant(items=scale, seed=seed).tenant
    if mgdc_dir is not None:
        from m365_compliance.sandbox.mgdc_export import write_mgdc

        day = snapshot_date.date() if snapshot_date is not None else datetime.now(UTC).date()
        written = write_mgdc(tenant, mgdc_dir, snapshot_date=day, fmt=mgdc_format or "jsonl")
        counts = ", ".join(f"{d.name} {d.rows}" for d in written.datasets)
        click.echo(f"MGDC datasets of {day.isoformat()} written: {mgdc_dir} ({counts} rows)")
        return
    from m365_compliance.sandbox.tenant_file import dump_tenant_file

    assert out is not None
    out.write_text(json.dumps(dump_tenant_file(tenant), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"Tenant file written: {out}")


def _load_tenant(tenant_file: Path | None, scale: int | None, seed: int):  # type: ignore[no-untyped-def]
    if tenant_file is not None:
        from m365_compliance.sandbox.tenant_file import load_tenant_file

        return load_tenant_file(tenant_file)
    from m365_compliance.sandbox.demo import build_demo_tenant

    return build_demo_tenant(items=scale, seed=seed).tenant
