"""``write_report``: build the report from the policy's state store and write the asked formats.

Each file is written to a temporary file created 0600 and renamed into place, so it is readable by
its owner only from the first byte (the XLSX names exception owners; with ``include_names`` every
format but the Markdown names applicants) and a reader never sees half a report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from m365_compliance.config.schema import Config
from m365_compliance.errors import StateError
from m365_compliance.private_files import write_private
from m365_compliance.report import BASENAME, FORMATS
from m365_compliance.report.data import build_report_data
from m365_compliance.report.html import render_html
from m365_compliance.report.markdown import render_markdown
from m365_compliance.report.model import ReportData, Selection
from m365_compliance.report.texts import Language
from m365_compliance.report.xlsx import render_xlsx
from m365_compliance.state.tenancy import open_store


@dataclass(frozen=True)
class ReportFiles:
    data: ReportData
    files: tuple[Path, ...]

    def path(self, fmt: str) -> Path | None:
        return next((p for p in self.files if p.suffix == f".{fmt}"), None)


def write_report(config: Config, out_dir: Path, *, now: datetime, lang: Language = "nb",
                 formats: Iterable[str] = FORMATS, include_names: bool = False, period_days: int = 30,
                 selection: Selection = Selection()) -> ReportFiles:
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be among {FORMATS}, not {unknown or 'none'}")
    path = config.state.path
    if not path.exists():  # opening it would create an empty store and hide the mistake
        raise StateError(f"There is no state store at {path}, so there is nothing to report.",
                         hint="Run `m365-compliance inventory` and `m365-compliance check` first (or fix [state] path).")
    with open_store(config) as store:
        data = build_report_data(store, config, now=now, include_names=include_names, period_days=period_days,
                                 selection=selection)
    written = []
    for fmt in formats:
        content = render_xlsx(data, lang) if fmt == "xlsx" else \
            render_html(data, lang) if fmt == "html" else render_markdown(data, lang)
        target = out_dir / f"{BASENAME}.{fmt}"
        write_private(target, content)  # the folder too: 0700 when it creates it
        written.append(target)
    return ReportFiles(data, tuple(written))
