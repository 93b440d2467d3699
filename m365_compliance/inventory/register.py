"""Reading the agreement register as raw rows: from a SharePoint list, or from a CSV/XLSX file.

Only reading happens here; what a row means (dates, contact persons, duplicates) is judged by the
rules, so a malformed row becomes a finding instead of a crash. A register that cannot be read at
all is a gap, and every customer control is then "not evaluated".
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Sequence
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


def read_register_file(path: Path, columns: Sequence[str] = ()) -> tuple[list[dict[str, Any]], list[Gap]]:
    """Every cell as text (no type guessing: the rules parse and judge dates themselves).

    A CSV is UTF-8 (with or without a BOM) or UTF-16 with a BOM (Excel's "Unicode text"); a file
    without one of ``columns`` in its header row is a gap, not a register of empty rows.
    """
    import pandas as pd

    if not path.exists():
        return [], [Gap("register", path.name, "read register", f"The register file {path} does not exist.", None,
                        "Check [register] path in the policy file.")]
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=_csv_encoding(path), sep=None,
                                engine="python")
    except (OSError, ValueError, UnicodeDecodeError, csv.Error, zipfile.BadZipFile, KeyError) as exc:  # KeyError: a zip without a workbook
        return [], [Gap("register", path.name, "read register", f"The register file could not be read: {exc}", None,
                        "Save it as UTF-8 CSV or XLSX with a header row.")]
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if missing:
        return [], [Gap("register", path.name, "read register",
                        f"The register file has no column {', '.join(missing)} in its header row.", None,
                        "Add the columns, or map [register.columns] in the policy file to the file's header names.")]
    rows = frame.to_dict(orient="records")
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        row.setdefault("id", f"row {number}")
    return rows, []


def _csv_encoding(path: Path) -> str:
    with path.open("rb") as file:
        start = file.read(2)
    return "utf-16" if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
