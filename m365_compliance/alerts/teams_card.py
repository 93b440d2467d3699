"""The Adaptive Card (schema 1.4) a Teams Workflows webhook posts, and the split into several cards.

The webhook takes ``{"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": <card>}]}`` (Microsoft
Teams docs, "Create incoming webhooks" / "Send Adaptive Cards using an incoming webhook"). A Teams
message may be at most 28 KB, so a batch is split into cards of at most :data:`MAX_ALERTS` alerts and
:data:`MAX_BYTES` bytes, each posted as its own message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from m365_compliance.alerts.model import ALERT_KINDS, Alert, AlertBatch
from m365_compliance.alerts.texts import Texts, display_order
from m365_compliance.alerts.wire import json_body

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"
MAX_ALERTS = 25
MAX_BYTES = 24_000  # below Teams' 28 KB message limit, leaving room for what the flow adds
_COLORS = {"high": "Attention", "medium": "Warning", "low": "Default"}
_PLACEHOLDER_PART = (99, 99)  # sizes are measured with the widest part label, then rendered with the real one


@dataclass(frozen=True, slots=True)
class Card:
    """One Teams message: the alerts it lists and the JSON payload for the webhook."""

    alerts: tuple[Alert, ...]
    payload: dict[str, Any]


def cards(batch: AlertBatch, texts: Texts, *, max_alerts: int = MAX_ALERTS,
          max_bytes: int = MAX_BYTES) -> list[Card]:
    """The batch as one card, or several when it would be larger than ``max_alerts`` / ``max_bytes``."""
    ordered = sorted(batch.alerts, key=display_order)
    groups: list[list[Alert]] = [[]]
    for alert in ordered:
        current = groups[-1]
        if current and (len(current) >= max_alerts
                        or len(json_body(message(batch, texts, [*current, alert], _PLACEHOLDER_PART))) > max_bytes):
            groups.append([alert])
        else:
            current.append(alert)
    groups = [g for g in groups if g]
    total = len(groups)
    return [Card(tuple(group), message(batch, texts, group, (n, total) if total > 1 else None))
            for n, group in enumerate(groups, start=1)]


def message(batch: AlertBatch, texts: Texts, alerts: list[Alert], part: tuple[int, int] | None) -> dict[str, Any]:
    """The webhook payload for one card listing ``alerts`` (counts are the whole batch's)."""
    return {"type": "message", "attachments": [{"contentType": CARD_TYPE, "contentUrl": None,
                                                "content": card(batch, texts, alerts, part)}]}


def card(batch: AlertBatch, texts: Texts, alerts: list[Alert], part: tuple[int, int] | None) -> dict[str, Any]:
    title = f"{texts.title}: {texts.count(len(batch.alerts))}"
    if part is not None:
        title += f" ({texts.part.format(n=part[0], total=part[1])})"
    body: list[dict[str, Any]] = [_text(title, size="Large", weight="Bolder")]
    if any(a.breach_clock for a in alerts):
        body.append({"type": "Container", "style": "attention", "bleed": True,
                     "items": [_text(f"⚠ {texts.breach}", weight="Bolder", color="Attention")]})
    facts = [*texts.kind_counts(batch.alerts), *texts.severity_counts(batch.alerts)]
    body.append({"type": "FactSet", "facts": [{"title": label, "value": str(n)} for label, n in facts]})
    for kind in ALERT_KINDS:
        listed = [a for a in alerts if a.kind == kind]
        if not listed:
            continue
        body.append(_text(texts.kind(kind), weight="Bolder", spacing="Medium", separator=True))
        body.extend(_text(texts.line(a), spacing="Small", color="Attention" if a.breach_clock else _COLORS[a.severity])
                    for a in listed)
    footer = (f"{texts.run} {batch.run_id} · {texts.policy_version} {batch.policy_version} · "
              f"{batch.generated_at.isoformat(timespec='minutes')}")
    body.append(_text(footer, size="Small", isSubtle=True, spacing="Medium"))
    content: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                               "type": "AdaptiveCard", "version": CARD_VERSION, "msteams": {"width": "Full"},
                               "body": body}
    if batch.report_link:
        content["actions"] = [{"type": "Action.OpenUrl", "title": texts.open_report, "url": batch.report_link}]
    return content


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}
