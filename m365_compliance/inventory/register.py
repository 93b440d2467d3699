"""Reading the agreement register as raw rows: from a SharePoint list, or from a CSV/XLSX file.

Only reading happens here; what a row means (dates, contact persons, duplicates) is judged by the
rules, so a malformed row becomes a finding instead of a crash. A register that cannot be read at
all is a gap, and every customer control is then "not evaluated".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from m365_compliance.graph.errors import GraphError
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.state.inventory_repo import Gap


async def read_register_list(gateway: GraphGateway, site_url: str, list_name: str,
                             columns: list[str]) -> tuple[list[dict[str, Any]], list[Gap]]:
    try:
        site = await gateway.resolve_site(site_url)
        rows = await gateway.list_items(site.id, list_name, fields=tuple(columns))
    except GraphError as exc:
        return [], [Gap("register", f"{site_url} list {list_name}", "read register", str(exc), exc.status, exc.hint)]
    return rows, []


def read_register_file(path: Path) -> tuple[list[dict[str, Any]], list[Gap]]:
    """Every cell as text (no type guessing: the rules parse and judge dates themselves)."""
    import pandas as pd

    if not path.exists():
        return [], [Gap("register", path.name, "read register", f"The register file {path} does not exist.", None,
                        "Check [register] path in the policy file.")]
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None,
                                engine="python")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return [], [Gap("register", path.name, "read register", f"The register file could not be read: {exc}", None,
                        "Save it as UTF-8 CSV or XLSX with a header row.")]
    rows = frame.to_dict(orient="records")
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        row.setdefault("id", f"row {number}")
    return rows, []
