"""scripts/setup_entra_app.py: the printed setup is exactly what the policy file needs, and runs as printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from doctor_world import TENANT_ID, policy
from test_doctor_needs import EMAIL_SINK

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "setup_entra_app.py"
SANDBOX = "http://127.0.0.1:8765/v1.0"
MAIL_SEND_ID = "b633e1c5-b582-4048-a93e-9f11b44c7e96"


def setup(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                          env=env, check=False)


def test_print_gives_the_least_privilege_setup_for_the_demo_policy(tmp_path):
    path = policy(tmp_path, SANDBOX)
    result = setup("--config", str(path), "--repo", "tretoen/m365-compliance")
    assert result.returncode == 0, result.stderr
    script = result.stdout
    assert "883ea226-0bf2-4a8f-9f9d-92c9162a727d=Role" in script  # Sites.Selected
    assert "98830695-27a2-44f7-8c18-0c3ebc9698f6=Role" in script  # GroupMember.Read.All
    assert "df021288-bdef-4463-88db-98f22de89214=Role" in script  # User.Read.All
    for absent in ("Mail.Send", MAIL_SEND_ID, "a82116e5-55eb-4c41-a434-62fe8a61c773", "client_secret", "credential reset"):
        assert absent not in script  # no mail without an e-mail sink; no FullControl unless asked; no secrets
    assert "sites/tretoen.sharepoint.com:/sites/rekruttering:/permissions" in script
    assert script.count('\\"roles\\": [\\"read\\"]') == 2 and "write" not in script.split("az rest")[1]
    assert '"subject": "repo:tretoen/m365-compliance:ref:refs/heads/main"' in script
    assert '"issuer": "https://token.actions.githubusercontent.com"' in script
    assert '"audiences": ["api://AzureADTokenExchange"]' in script
    assert "admin-consent" in script and 'method = "github_oidc"' in script


def test_an_email_sink_adds_mail_send_and_execute_grants_write(tmp_path):
    path = policy(tmp_path, SANDBOX, EMAIL_SINK)
    script = setup("--config", str(path), "--repo", "tretoen/m365-compliance", "--mode", "execute",
                   "--environment", "production", "--sharing-delta").stdout
    assert f"{MAIL_SEND_ID}=Role" in script and "Mail.Send" in script
    assert "a82116e5-55eb-4c41-a434-62fe8a61c773=Role" in script  # asked for with --sharing-delta
    assert script.count('\\"roles\\": [\\"write\\"]') == 2
    assert "repo:tretoen/m365-compliance:environment:production" in script


def test_the_printed_script_runs_and_passes_each_command_its_exact_arguments(tmp_path):
    """Run the script with `az` replaced by a shell function that records its arguments: the quoting
    must deliver the app id into every JSON body and command."""
    path = policy(tmp_path, SANDBOX)
    script = tmp_path / "setup.sh"
    script.write_text(setup("--config", str(path), "--repo", "tretoen/m365-compliance").stdout, encoding="utf-8")
    log = tmp_path / "az.log"
    app_id = "5d1c0de0-0000-4000-8000-000000000042"
    recorder = (f'az() {{ printf "%s\\037" "$@" >> "{log}"; printf "\\036" >> "{log}"; '
                f'if [ "$1 $2 $3" = "ad app create" ]; then echo {app_id}; fi; '
                f'if [ "$1 $2 $3" = "ad sp show" ]; then return 1; fi; }}')
    run = subprocess.run(["sh", "-c", f'{recorder}\n. "{script}"'], capture_output=True, text=True, timeout=60,
                         check=False)
    assert run.returncode == 0, run.stderr
    calls = [c.split("\x1f")[:-1] for c in log.read_text(encoding="utf-8").split("\x1e")[:-1]]
    assert [c[:3] for c in calls] == [["ad", "app", "create"], ["ad", "sp", "show"], ["ad", "sp", "create"],
                                      ["ad", "app", "federated-credential"], ["ad", "app", "permission"],
                                      ["ad", "app", "permission"], ["rest", "--method", "post"],
                                      ["rest", "--method", "post"]]
    grants = [(c[c.index("--url") + 1], json.loads(c[c.index("--body") + 1])) for c in calls if c[0] == "rest"]
    assert [url for url, _ in grants] == [  # the policy's Graph: here the sandbox it names
        f"{SANDBOX}/sites/tretoen.sharepoint.com:/sites/rekruttering:/permissions",
        f"{SANDBOX}/sites/tretoen.sharepoint.com:/sites/kunder:/permissions"]
    assert all(c[c.index("--resource") + 1] == "https://graph.microsoft.com" for c in calls if c[0] == "rest")
    assert all(body["grantedToIdentities"][0]["application"]["id"] == app_id for _, body in grants)
    assert f'client_id = "{app_id}"' in run.stdout and f'tenant_id = "{TENANT_ID}"' in run.stdout


def test_apply_without_the_azure_cli_says_what_to_do(tmp_path):
    path = policy(tmp_path, SANDBOX)
    env = {**os.environ, "PATH": str(tmp_path)}  # no az here
    result = setup("--config", str(path), "--repo", "tretoen/m365-compliance", "--apply", env=env)
    assert result.returncode == 2
    assert "Azure CLI (az) is not installed" in result.stderr and f"az login --tenant {TENANT_ID}" in result.stderr


def test_bad_input_is_a_clear_error(tmp_path):
    path = policy(tmp_path, SANDBOX)
    result = setup("--config", str(path), "--repo", "not-a-repo")
    assert result.returncode == 2 and "OWNER/REPO" in result.stderr and "Traceback" not in result.stderr
    missing = setup("--config", str(tmp_path / "nope.toml"), "--repo", "a/b")
    assert missing.returncode == 2 and "nope.toml" in missing.stderr


def test_the_script_opens_with_what_each_permission_and_grant_is_for(tmp_path):
    path = policy(tmp_path, SANDBOX, ("remove_grants = []", 'remove_grants = ["C1"]'))
    script = setup("--config", str(path), "--repo", "tretoen/m365-compliance", "--mode", "execute").stdout
    header = script.split("# Sign in first")[0]
    assert "#   GroupMember.Read.All" in header and "expand the role groups" in header
    assert "#   RecordsManagement.ReadWrite.All" in header and "retention event" in header
    rec = "`fullcontrol` on https://tretoen.sharepoint.com/sites/rekruttering: what `write` allows, and remove"
    cus = "`write` on https://tretoen.sharepoint.com/sites/kunder: read, and apply retention labels, delete items"
    assert rec in header and cus in header
    assert "for recruitment library 'Dokumenter'" in header and "agreement register list 'Avtaleregister'" in header
