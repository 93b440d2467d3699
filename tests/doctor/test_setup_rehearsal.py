"""scripts/setup_entra_app.py --apply rehearsed end to end against the sandbox demo tenant.

``az`` is a stand-in on PATH: the Entra steps (app, service principal, federated credential,
permissions, consent) are only recorded, as the sandbox has no Entra; ``az rest`` is sent to the
sandbox for real, with a token naming the Azure CLI's client id, which the demo tenant knows as an
administrator holding Sites.FullControl.All. After the script, consent is granted in the tenant
exactly as the script asked for it, and ``doctor`` with the new app's token finds everything OK.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from doctor_world import TENANT_ID, app_token, by_status, doctor, load, policy, site_id

from m365_compliance.doctor.remedies import APP_ROLE_IDS
from m365_compliance.sandbox.demo_access import ADMIN_APP_ID
from m365_compliance.sandbox.model import AppAccess

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "setup_entra_app.py"
NEW_APP = "5d1c0de0-0000-4000-8000-000000000042"

AZ = '''#!{python}
"""A stand-in for the Azure CLI: records each call; `az rest` goes to the URL given, with a token."""
import json, sys, urllib.error, urllib.request

args = sys.argv[1:]
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(json.dumps(args) + "\\n")
if args[:2] == ["account", "show"]:
    print({tenant!r})
elif args[:3] == ["ad", "app", "create"]:
    print({app!r})
elif args[:3] == ["ad", "sp", "show"]:
    sys.exit(1)
elif args[:1] == ["rest"]:
    request = urllib.request.Request(args[args.index("--url") + 1], method=args[args.index("--method") + 1].upper(),
                                     data=args[args.index("--body") + 1].encode(),
                                     headers={{"Content-Type": "application/json", "Authorization": {bearer!r}}})
    try:
        print(urllib.request.urlopen(request, timeout=10).read().decode())
    except urllib.error.HTTPError as error:
        print(error.read().decode(), file=sys.stderr)
        sys.exit(1)
'''


def az_token() -> str:
    """What `az account get-access-token` hands `az rest`: a JWT naming the Azure CLI (unsigned here)."""
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"Bearer {part({'typ': 'JWT'})}.{part({'appid': ADMIN_APP_ID, 'tid': TENANT_ID})}.c2ln"


def install_az(tmp_path: Path) -> tuple[dict[str, str], Path]:
    bin_dir, log = tmp_path / "bin", tmp_path / "az.log"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text(AZ.format(python=sys.executable, log=str(log), tenant=TENANT_ID, app=NEW_APP, bearer=az_token()),
                  encoding="utf-8")
    az.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, log


def consented(log: Path) -> set[str]:
    """The application permissions the script added (``--api-permissions <role-id>=Role``)."""
    names = {v: k for k, v in APP_ROLE_IDS.items()}
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    (added,) = [c for c in calls if c[:4] == ["ad", "app", "permission", "add"]]
    return {names[arg.split("=")[0]] for arg in added[added.index("--api-permissions") + 1:]}


def test_apply_grants_the_sites_in_the_sandbox_and_doctor_then_passes(tmp_path, server, tenant):
    env, log = install_az(tmp_path)
    path = policy(tmp_path, server.base_url)
    run = subprocess.run([sys.executable, str(SCRIPT), "--config", str(path), "--repo", "tretoen/m365-compliance",
                          "--mode", "execute", "--apply"], capture_output=True, text=True, timeout=120, env=env,
                         check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f'client_id = "{NEW_APP}"' in run.stdout
    # The grants were made on the sandbox's sites, by the administrator's token, for the new app.
    for name in ("rekruttering", "kunder"):
        assert tenant.site_roles(site_id(tenant, name), NEW_APP) == {"write"}
    # Admin consent, as Entra would record it for what the script asked, then the nightly app's own check.
    roles = consented(log)
    assert roles == {"Sites.Selected", "GroupMember.Read.All", "User.Read.All", "RecordsManagement.ReadWrite.All"}
    tenant.add_app(AppAccess(client_id=NEW_APP, display_name="m365-compliance", permissions=set(roles)))
    config = load(policy(tmp_path, server.base_url, (f'client_id = "{tenant.access.client_id}"',
                                                     f'client_id = "{NEW_APP}"')))
    report = doctor(config, mode="execute", credential=app_token(roles, appid=NEW_APP))
    assert report.ok, [(c.area, c.subject, c.detail) for c in report.checks if c.status in ("MISSING", "FAILED")]
    sites = {c.subject for c in by_status(report, "OK") if c.area == "site"}
    assert sites == {"https://tretoen.sharepoint.com/sites/rekruttering", "https://tretoen.sharepoint.com/sites/kunder"}


def test_a_grant_refused_by_the_sandbox_stops_the_script_with_its_reason(tmp_path, server, tenant):
    env, _ = install_az(tmp_path)
    tenant.app(ADMIN_APP_ID).permissions.discard("Sites.FullControl.All")  # an administrator without the right
    path = policy(tmp_path, server.base_url)
    run = subprocess.run([sys.executable, str(SCRIPT), "--config", str(path), "--repo", "tretoen/m365-compliance",
                          "--apply"], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert run.returncode == 1
    assert "Grant Sites.Selected `read` on https://tretoen.sharepoint.com/sites/rekruttering" in run.stdout
    assert "accessDenied" in run.stderr
    assert tenant.site_roles(site_id(tenant, "rekruttering"), NEW_APP) == frozenset()
