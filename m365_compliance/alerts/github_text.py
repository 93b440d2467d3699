"""What the GitHub sink writes: one issue per finding (title, labels, body with a hidden marker) and
the comments that follow it through reminders, fixes and expired exceptions.

The marker ``<!-- m365-compliance:finding=ID -->`` in the body is how an issue is found again from
GitHub alone, so a lost state store never creates duplicates. Titles carry the control, severity,
the rule's title and the finding id — never a name or a path. Texts from the rules are HTML-escaped
so nothing in them can open a comment and hide the marker or anything after it.
"""

from __future__ import annotations

import re
from html import escape

from m365_compliance.alerts.model import Alert, AlertBatch
from m365_compliance.alerts.texts import Texts

LABEL = "m365-compliance"
_MARKER = re.compile(r"<!-- m365-compliance:finding=([A-Za-z0-9._:-]+) -->")


def marker(finding_id: str) -> str:
    return f"<!-- m365-compliance:finding={finding_id} -->"


def finding_of(body: str | None) -> str | None:
    """The finding id an issue body was written for, or None for an issue the tool did not open."""
    found = _MARKER.search(body or "")
    return found[1] if found else None


def labels(alert: Alert) -> list[str]:
    return [LABEL, f"severity:{alert.severity}"]


def title(alert: Alert) -> str:
    """``[C1 high] Anonymous sharing link (C1-706b1f482ea8)``."""
    return f"[{alert.control} {alert.severity}] {alert.title} ({alert.finding_id})"


def body(alert: Alert, batch: AlertBatch, texts: Texts) -> str:
    rows = ((texts.control_word, texts.control(alert.control)), (texts.severity_word, texts.severity(alert.severity)),
            (texts.status_word, texts.status(alert.status)), (texts.rule_word, f"`{alert.rule_id}`"),
            (texts.finding, f"`{alert.finding_id}`"), (texts.first_seen, alert.first_seen.isoformat()))
    lines = [marker(alert.finding_id), *_breach(alert, texts), f"**{_md(alert.title)}**", "", _md(alert.message), "",
             "| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows), "",
             f"**{texts.remediation}:** {_md(alert.remediation)}", "", _footer(batch, texts)]
    return "\n".join(lines)


def comment(alert: Alert, batch: AlertBatch, texts: Texts, *, note: str | None = None) -> str:
    """What one run says on the finding's issue: the kind, the status now and the finding's message."""
    lines = [f"**{texts.kind(alert.kind)}** · {texts.status_word}: {texts.status(alert.status)}", ""]
    if alert.kind != "fixed":
        lines += [*_breach(alert, texts), _md(alert.message), ""]
    if note:
        lines += [note, ""]
    lines.append(_footer(batch, texts))
    return "\n".join(lines)


def _breach(alert: Alert, texts: Texts) -> list[str]:
    return ["", "> [!CAUTION]", f"> **⚠ {texts.breach}**", ""] if alert.breach_clock else []


def _footer(batch: AlertBatch, texts: Texts) -> str:
    link = f" · [{texts.open_report}]({batch.report_link})" if batch.report_link else ""
    return (f"<sub>m365-compliance · {texts.run} {batch.run_id} · {texts.policy_version} {batch.policy_version} · "
            f"{batch.generated_at.isoformat(timespec='minutes')}{link}</sub>")


def _md(text: str) -> str:
    return escape(text, quote=False)
