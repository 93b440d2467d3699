"""The least-privilege Entra setup for a policy file, as data: the steps ``scripts/setup_entra_app.py``
prints or runs, built from the same ``needs`` that ``doctor`` checks.

Steps: app registration, service principal, the GitHub federated credential (no secret), exactly the
application permissions the policy file needs, admin consent, and a ``Sites.Selected`` grant on each
configured site with the role it needs. ``$APP_ID`` stands for the new app's id until it exists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from m365_compliance.config.schema import Config
from m365_compliance.doctor.credential import GITHUB_ISSUER
from m365_compliance.doctor.needs import (
    PermissionNeed,
    RunMode,
    SiteGrant,
    required_permissions,
    site_grants,
)
from m365_compliance.doctor.remedies import (
    add_permissions_command,
    admin_consent_command,
    shell,
    site_grant_command,
)
from m365_compliance.errors import ConfigError
from m365_compliance.graph.credentials import GITHUB_AUDIENCE

APP_ID = "$APP_ID"
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True, slots=True)
class Step:
    title: str
    command: tuple[str, ...]  # argv; APP_ID where the app's id goes
    unless: tuple[str, ...] | None = None  # skip the step when this command succeeds (already done)
    captures_app_id: bool = False  # the command prints the new app's id


@dataclass(frozen=True)
class SetupPlan:
    steps: tuple[Step, ...]
    permissions: tuple[PermissionNeed, ...]
    grants: tuple[SiteGrant, ...]
    subjects: tuple[str, ...]  # federated credential subjects
    policy_lines: tuple[str, ...]  # what the policy file must say afterwards


def federated_subjects(repo: str, branch: str | None, environment: str | None) -> tuple[str, ...]:
    """The ``sub`` claims GitHub puts in the job's token (facts §8.6): matched exactly, no wildcards."""
    if not _REPO.match(repo):
        raise ConfigError(f"--repo {repo!r} is not OWNER/REPO", hint="Give the GitHub repository as OWNER/REPO.")
    subjects = []
    if branch:
        subjects.append(f"repo:{repo}:ref:refs/heads/{branch}")
    if environment:
        subjects.append(f"repo:{repo}:environment:{environment}")
    if not subjects:
        raise ConfigError("No federated credential subject", hint="Give --branch (the nightly job's branch) "
                          "and/or --environment (when the job declares `environment:`).")
    return tuple(subjects)


def setup_plan(config: Config, *, repo: str, branch: str | None = "main", environment: str | None = None,
               mode: RunMode = "dry-run", sharing_delta: bool = False, app_id: str | None = None,
               app_name: str = "m365-compliance") -> SetupPlan:
    subjects = federated_subjects(repo, branch, environment)
    needs = tuple(n for n in required_permissions(config, mode) if not n.optional or sharing_delta)
    grants = site_grants(config, mode)
    app = app_id or APP_ID
    steps: list[Step] = []
    if app_id is None:
        steps.append(Step("Register the app (single tenant)", ("az", "ad", "app", "create", "--display-name",
                          app_name, "--sign-in-audience", "AzureADMyOrg", "--query", "appId", "--output", "tsv"),
                          captures_app_id=True))
    steps.append(Step("Create its service principal (what permissions and site grants attach to)",
                      ("az", "ad", "sp", "create", "--id", app), unless=("az", "ad", "sp", "show", "--id", app)))
    for subject in subjects:
        name = "github-" + re.sub(r"[^A-Za-z0-9-]+", "-", subject.split(":", 2)[2]).strip("-")[:100]
        parameters = {"name": name, "issuer": GITHUB_ISSUER, "subject": subject, "audiences": [GITHUB_AUDIENCE],
                      "description": f"GitHub Actions OIDC for {repo} (m365-compliance nightly)"}
        steps.append(Step(f"Trust GitHub's OIDC token for {subject} (no client secret)",
                          ("az", "ad", "app", "federated-credential", "create", "--id", app, "--parameters",
                           json.dumps(parameters))))
    steps.append(Step("Request the application permissions: " + ", ".join(n.permission for n in needs),
                      tuple(add_permissions_command(app, [n.permission for n in needs]))))
    steps.append(Step("Grant admin consent (Global or Privileged Role Administrator)",
                      tuple(admin_consent_command(app))))
    for grant in grants:  # to the policy's Graph: a sandbox named there rehearses the grants
        steps.append(Step(f"Grant Sites.Selected `{grant.role}` on {grant.site_url} ({'; '.join(grant.purposes)})",
                          tuple(site_grant_command(config.tenant.graph_url, grant.site_url, app, grant.role,
                                                   resource=config.tenant.cloud.graph_url))))
    policy_lines = ("[tenant]", f'tenant_id = "{config.tenant.tenant_id}"', f'client_id = "{app}"', "",
                    "[auth]", 'method = "github_oidc"')
    return SetupPlan(tuple(steps), needs, grants, subjects, policy_lines)


#: What each Sites.Selected role lets the tool do on a site (docs/permissions.md, "The role per feature").
ROLE_ALLOWS = {"read": "read items, permissions, labels and list items (inventory, dry runs)",
               "write": "read, and apply retention labels, delete items, upload the state store",
               "fullcontrol": "what `write` allows, and remove offending grants and sharing links"}


def feature_table(plan: SetupPlan) -> list[str]:
    """What each permission and grant of the plan is for, as the script's opening comment: an administrator
    consents to a list they can read, not to opaque ids."""
    width = max((len(n.permission) for n in plan.permissions), default=0)
    lines = ["# What each permission is for:"]
    lines += [f"#   {n.permission:<{width}}  {n.feature}" for n in plan.permissions]
    lines.append("# What each site grant is for:")
    for grant in plan.grants:
        lines.append(f"#   `{grant.role}` on {grant.site_url}: {ROLE_ALLOWS[grant.role]}")
        lines.append(f"#      for {'; '.join(grant.purposes)}")
    return lines


def render_script(plan: SetupPlan, *, tenant_id: str, mode: RunMode) -> str:
    """The plan as a POSIX shell script an admin can read, then run."""
    lines = ["#!/bin/sh",
             f"# Least-privilege Entra setup for m365-compliance (docs/setup.md), for runs in --mode {mode}.",
             *feature_table(plan),
             "# Sign in first as an administrator of the tenant:",
             f"#   az login --tenant {tenant_id} --allow-no-subscriptions", "set -eu", ""]
    for n, step in enumerate(plan.steps, start=1):
        lines.append(f"# {n}. {step.title}")
        command = shell(list(step.command))
        if step.captures_app_id:
            command = f"APP_ID=$({command})"
        elif step.unless is not None:
            command = f"{shell(list(step.unless))} >/dev/null 2>&1 || {command}"
        lines += [command, ""]
    lines += ["# Site grants need a caller with Sites.FullControl.All (a SharePoint administrator). If az's own",
              "# token is refused (403), send the same request from Graph Explorer, or use PnP PowerShell:",
              "#   Grant-PnPAzureADAppSitePermission -AppId $APP_ID -DisplayName m365-compliance -Site URL -Permissions X",
              "",
              "# The ids go into policy.toml: identifiers, not secrets, so no GitHub secret or variable is needed.",
              "echo 'Put these in policy.toml:'"]
    lines += [f"echo {shell([line])}" if line else "echo" for line in plan.policy_lines]
    lines.append("echo 'Then run the nightly workflow by hand (mode dry-run): its doctor step lists every check "
                 "with the exact fix.'")
    return "\n".join(lines) + "\n"
