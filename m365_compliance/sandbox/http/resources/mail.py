"""Sending mail: ``POST /users/{id | userPrincipalName}/sendMail`` (Graph docs ``user-sendmail``).

Needs the Mail.Send application permission; without it Exchange answers 403 ``ErrorAccessDenied``.
An unknown sender is 404 ``ErrorInvalidUser``, a guest (no mailbox in this tenant) 404
``MailboxNotEnabledForRESTAPI``; a message without a usable recipient is 400 ``ErrorInvalidRecipients``
(Exchange's code for "no recipients, or one that is not valid"). Success is ``202 Accepted`` with no
body, and the message lands in :attr:`Tenant.outbox` (``GET /_sandbox/mail``) instead of a mailbox.
Only the JSON form is served (not MIME), and attachments are refused. Exchange traffic, not
SharePoint: charged 1 RU in the sandbox meter. Differences from Graph: docs/sandbox-endpoints-sites.md.
"""

from __future__ import annotations

import re
from typing import Any

from m365_compliance.sandbox.http import access
from m365_compliance.sandbox.http.routing import ROUTES, GraphRequest, GraphResponse
from m365_compliance.sandbox.model import SentMail, User
from m365_compliance.sandbox.tenant import SandboxError

BODY_TYPES = ("text", "html")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_RECIPIENT_LISTS = ("toRecipients", "ccRecipients", "bccRecipients")


def _invalid(message: str) -> SandboxError:
    return SandboxError(400, "ErrorInvalidRequest", message)


def _sender(request: GraphRequest) -> User:
    ref = request.params["user"]
    try:
        user = request.tenant.user(ref)
    except SandboxError:
        raise SandboxError(404, "ErrorInvalidUser", f"The requested user '{ref}' is invalid.") from None
    if user.is_guest:
        raise SandboxError(404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, "
                           "or is hosted on-premise.")
    return user


def _addresses(message: dict[str, Any], key: str) -> tuple[str, ...]:
    raw = message.get(key) or []
    if not isinstance(raw, list):
        raise _invalid(f"'{key}' must be an array of recipients.")
    found: list[str] = []
    for entry in raw:
        email = entry.get("emailAddress") if isinstance(entry, dict) else None
        address = email.get("address") if isinstance(email, dict) else None
        if not isinstance(address, str) or not _ADDRESS.match(address.strip()):
            raise SandboxError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
        found.append(address.strip())
    return tuple(found)


def _parameters(body: object) -> dict[str, Any]:
    """The action's parameters by lower-cased name: msgraph-sdk-python sends ``Message`` and
    ``SaveToSentItems`` (PascalCase), the docs ``message`` and ``saveToSentItems``; Graph takes both."""
    return {str(k).lower(): v for k, v in body.items()} if isinstance(body, dict) else {}


def _flag(value: object) -> bool:
    """``saveToSentItems``: a JSON boolean, or the strings "true"/"false" (the docs' own example sends "false")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _invalid("'saveToSentItems' must be true or false.")


@ROUTES.add("POST", r"/users/(?P<user>[^/]+)/sendMail", name="POST /users/{id}/sendMail", cost=1)
def send_mail(request: GraphRequest) -> GraphResponse:
    if not access.caller(request).has_any(*access.SEND_MAIL):
        raise SandboxError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    sender = _sender(request)
    body = _parameters(request.json())
    message = body.get("message")
    if not isinstance(message, dict):
        raise _invalid("The 'message' parameter is required: a message object with subject, body and recipients.")
    if message.get("attachments"):
        raise _invalid("The sandbox does not accept attachments.")
    to, cc, bcc = (_addresses(message, key) for key in _RECIPIENT_LISTS)
    if not (to or cc or bcc):
        raise SandboxError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
    content = message.get("body") or {}
    kind = str(content.get("contentType") or "text").lower() if isinstance(content, dict) else None
    if kind not in BODY_TYPES:
        raise _invalid("'body' must be an itemBody with contentType 'text' or 'html'.")
    subject = message.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise _invalid("'subject' must be a string.")
    mail = SentMail(from_user=sender.id, subject=subject or "", content_type=kind,
                    content=str(content.get("content") or ""), to=to, cc=cc, bcc=bcc, sent=request.tenant.now,
                    save_to_sent_items=_flag(body.get("savetosentitems", True)))
    request.tenant.outbox.append(mail)
    return GraphResponse(202)
