"""The alert e-mail: a subject with the counts and an HTML body, every value escaped.

Only ids, controls, severities and the rules' fixed texts are rendered, but they are escaped all the
same (``html.escape``): what reaches a mail client must never be markup the tool did not write.
Inline styles only — mail clients drop ``<style>`` blocks.
"""

from __future__ import annotations

from html import escape

from m365_compliance.alerts.model import ALERT_KINDS, AlertBatch
from m365_compliance.alerts.texts import Texts, display_order

_CELL = 'style="border:1px solid #c8c8c8;padding:4px 6px;text-align:left;vertical-align:top"'
_TABLE = 'style="border-collapse:collapse;margin:6px 0 14px 0"'
_WARNING = 'style="background:#fde7e9;border-left:4px solid #a4262c;padding:8px 10px;font-weight:bold"'


def subject(batch: AlertBatch, texts: Texts) -> str:
    """``⚠ Personvernkontroll i Microsoft 365: Nytt avvik 2, Rettet 1``; the warning sign only with a breach clock."""
    counts = ", ".join(f"{label} {n}" for label, n in texts.kind_counts(batch.alerts))
    mark = "⚠ " if any(a.breach_clock for a in batch.alerts) else ""
    return f"{mark}{texts.title}: {counts}"


def body(batch: AlertBatch, texts: Texts) -> str:
    parts = ['<html><body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px">',
             f"<h2>{escape(texts.title)}: {escape(texts.count(len(batch.alerts)))}</h2>"]
    if any(a.breach_clock for a in batch.alerts):
        parts.append(f"<p {_WARNING}>⚠ {escape(texts.breach)}</p>")
    facts = [*texts.kind_counts(batch.alerts), *texts.severity_counts(batch.alerts)]
    parts.append(f"<table {_TABLE}>" + "".join(f"<tr><th {_CELL}>{escape(label)}</th><td {_CELL}>{n}</td></tr>"
                                               for label, n in facts) + "</table>")
    head = (texts.severity_word, texts.control_word, texts.finding, "", texts.status_word, texts.first_seen)
    ordered = sorted(batch.alerts, key=display_order)
    for kind in ALERT_KINDS:
        listed = [a for a in ordered if a.kind == kind]
        if not listed:
            continue
        parts.append(f"<h3>{escape(texts.kind(kind))}</h3><table {_TABLE}><tr>"
                     + "".join(f"<th {_CELL}>{escape(h)}</th>" for h in head) + "</tr>")
        for a in listed:
            warning = f"<br><b>⚠ {escape(texts.breach_short)}</b>" if a.breach_clock else ""
            about = (f"<b>{escape(a.title)}</b><br>{escape(a.message)}<br><i>{escape(texts.remediation)}:</i> "
                     f"{escape(a.remediation)}{warning}")
            cells = (texts.severity(a.severity), texts.control(a.control), a.finding_id)
            parts.append("<tr>" + "".join(f"<td {_CELL}>{escape(c)}</td>" for c in cells)
                         + f"<td {_CELL}>{about}</td><td {_CELL}>{escape(texts.status(a.status))}</td>"
                         f"<td {_CELL}>{a.first_seen.isoformat()}</td></tr>")
        parts.append("</table>")
    footer = (f"{texts.run} {batch.run_id} · {texts.policy_version} {batch.policy_version} · "
              f"{batch.generated_at.isoformat(timespec='minutes')}")
    parts.append(f'<p style="color:#605e5c;font-size:12px">{escape(footer)}</p>')
    if batch.report_link:
        parts.append(f'<p><a href="{escape(batch.report_link, quote=True)}">{escape(texts.open_report)}</a></p>')
    parts.append("</body></html>")
    return "".join(parts)
