#!/usr/bin/env python3
"""Set up the Entra app for m365-compliance with least privilege, from the policy file.

Prints (default) or runs (--apply, with the Azure CLI signed in as an administrator) every step:
app registration, service principal, the federated credential that lets this repository's GitHub
workflow sign in without any secret, exactly the Graph application permissions the policy file
needs, admin consent, and a Sites.Selected grant on each configured site with the role it needs.
The permissions come from the same computation `m365-compliance doctor` checks against
(m365_compliance/doctor/needs.py). docs/setup.md explains each step and the trade-offs.

Example:
  python scripts/setup_entra_app.py --config policy.toml --repo tretoen/m365-compliance > setup.sh
  python scripts/setup_entra_app.py --config policy.toml --repo tretoen/m365-compliance --mode execute --apply
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from m365_compliance.config.load import load_config
from m365_compliance.doctor.entra_setup import APP_ID, SetupPlan, render_script, setup_plan
from m365_compliance.doctor.needs import RUN_MODES
from m365_compliance.doctor.remedies import shell
from m365_compliance.errors import ComplianceError


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
        plan = setup_plan(config, repo=args.repo, branch=args.branch or None, environment=args.environment,
                          mode=args.mode, sharing_delta=args.sharing_delta, app_id=args.app_id,
                          app_name=args.app_name)
    except ComplianceError as error:
        print(f"error: {error.message}\nhint: {error.hint}", file=sys.stderr)
        return 2
    if not args.apply:
        sys.stdout.write(render_script(plan, tenant_id=config.tenant.tenant_id, mode=args.mode))
        return 0
    return _apply(plan, config.tenant.tenant_id)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Example:\n  python scripts/setup_entra_app.py --config policy.toml "
                                            "--repo OWNER/REPO > setup.sh",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=Path(os.environ.get("M365_COMPLIANCE_CONFIG", "policy.toml")),
                        help="the policy file (default: $M365_COMPLIANCE_CONFIG or policy.toml)")
    parser.add_argument("--repo", default=os.environ.get("GITHUB_REPOSITORY"),
                        required="GITHUB_REPOSITORY" not in os.environ,
                        help="the GitHub repository that runs the nightly workflow, OWNER/REPO")
    parser.add_argument("--branch", default="main",
                        help="the branch the nightly job runs on (its token's subject; '' for none)")
    parser.add_argument("--environment", help="also trust jobs that declare this GitHub environment")
    parser.add_argument("--mode", choices=RUN_MODES, default="dry-run",
                        help="dry-run: read-only grants; execute: write on the scope sites (default: dry-run)")
    parser.add_argument("--sharing-delta", action="store_true",
                        help="also request Sites.FullControl.All for sharing-change deltas (see docs/setup.md)")
    parser.add_argument("--app-id", help="use this existing app registration instead of creating one")
    parser.add_argument("--app-name", default="m365-compliance", help="display name of a new app registration")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--print", dest="apply", action="store_false", help="print the steps as a shell script "
                        "(default)")
    action.add_argument("--apply", dest="apply", action="store_true", help="run them with the Azure CLI")
    parser.set_defaults(apply=False)
    return parser


def _apply(plan: SetupPlan, tenant_id: str) -> int:
    az = shutil.which("az")
    if az is None:
        print("error: the Azure CLI (az) is not installed here.\nhint: install it and sign in "
              f"(az login --tenant {tenant_id} --allow-no-subscriptions), or run without --apply and execute the "
              "printed script elsewhere.", file=sys.stderr)
        return 2
    signed_in = _run(["az", "account", "show", "--query", "tenantId", "--output", "tsv"])
    if signed_in.returncode != 0 or signed_in.stdout.strip().lower() != tenant_id.lower():
        print(f"error: az is not signed in to tenant {tenant_id}.\nhint: az login --tenant {tenant_id} "
              "--allow-no-subscriptions", file=sys.stderr)
        return 2
    app_id = None
    for n, step in enumerate(plan.steps, start=1):
        print(f"{n}. {step.title}", flush=True)
        if step.unless is not None and _run(_fill(step.unless, app_id)).returncode == 0:
            print("   already done", flush=True)
            continue
        done = _run(_fill(step.command, app_id))
        if done.returncode != 0:
            print(f"error: step {n} failed: {shell(_fill(step.command, app_id))}\n{done.stderr.strip()}",
                  file=sys.stderr)
            return 1
        if step.captures_app_id:
            app_id = done.stdout.strip()
            print(f"   app id {app_id}", flush=True)
    print("Put these in policy.toml:")
    for line in plan.policy_lines:
        print(line.replace(APP_ID, app_id or APP_ID))
    print("Then run the nightly workflow by hand (mode dry-run): its doctor step checks every grant.")
    return 0


def _fill(command: tuple[str, ...], app_id: str | None) -> list[str]:
    return [arg.replace(APP_ID, app_id) if app_id else arg for arg in command]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


if __name__ == "__main__":
    raise SystemExit(main())
