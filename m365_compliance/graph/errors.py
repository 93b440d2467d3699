"""Graph failures as the project's errors, each saying what to do next.

GraphError (ComplianceError)        status, code, request_id
├── AuthenticationError   401       the credential was refused
├── PermissionDenied      403       names the application permission or Sites.Selected role the call needs (§9)
├── RetentionBlocked      403       a delete Graph says a retention label or hold refuses (facts §4.1)
├── NotFound              404
├── ResourceLocked        423       the item is checked out, locked or held
├── ResyncRequired        410       the delta token expired; ``location`` starts a fresh enumeration (§1.5)
├── PreconditionFailed    412       the eTag changed since the item was read (§5)
├── Throttled             429/503   still throttled after the retry budget; ``retry_after`` (§7.3)
└── TransportError        —         the connection failed or dropped
Unreachable (ComplianceError)       Graph's address answers nothing at all (refused, unknown host, no
                                    route): the run cannot go on, so this is not a GraphError that
                                    per-item code would turn into a gap; every later call fails at once
CredentialError (ConfigError)       a credential cannot be built from the settings/environment
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from kiota_abstractions.api_error import APIError
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from m365_compliance.errors import ComplianceError, ConfigError
from m365_compliance.graph.calls import Call
from m365_compliance.graph.headers import retry_after_seconds


class GraphError(ComplianceError):
    default_hint = "Run again; if it repeats, report the request id to the maintainers."

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 request_id: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code
        self.request_id = request_id


class AuthenticationError(GraphError):
    default_hint = ("Check tenant_id, client_id and the credential (expired secret or certificate, wrong "
                    "federated-credential subject) in the [graph] settings.")


class PermissionDenied(GraphError):
    def __init__(self, message: str, *, permission: str, **kwargs: Any) -> None:
        self.permission = permission
        kwargs.setdefault("hint", _grant_hint(permission))
        super().__init__(message, **kwargs)


def _grant_hint(permission: str) -> str:
    """What to grant: with a Sites.Selected role named (``calls`` say "… a Sites.Selected 'write' grant …"),
    raising the site's grant to that role comes first — the least privilege — then the tenant-wide one."""
    role = re.search(r"Sites\.Selected '(\w+)'", permission)
    if role is not None:
        tenant_wide = permission.split(" (", 1)[0]
        return (f"Raise the app's Sites.Selected grant on this site to '{role[1]}' (or grant the site with that "
                f"role), or grant the application permission {tenant_wide} (admin consent); "
                "`m365-compliance doctor --mode execute` names the exact request. Then run again.")
    sites = ", or add the site to its Sites.Selected grant" if "Sites.Selected" in permission else ""
    return f"Grant the app the application permission {permission} (admin consent){sites}, then run again."


class RetentionBlocked(GraphError):
    default_hint = ("A retention label on the item or its folder forbids deletion until its period ends; drop "
                    "the item from the plan or review the label in Purview.")


class ResourceLocked(GraphError):
    default_hint = ("The item is checked out, locked by an open editor, or held; it is left alone this time and "
                    "planned again once the lock is released.")


class NotFound(GraphError):
    default_hint = "Check the URL, name or id; the item may have been deleted or moved since it was read."


class ResyncRequired(GraphError):
    default_hint = "The stored delta token expired: run a full crawl (follow `location`) and reconcile."

    def __init__(self, message: str, *, location: str | None, **kwargs: Any) -> None:
        self.location = location
        super().__init__(message, **kwargs)


class PreconditionFailed(GraphError):
    default_hint = "The item changed since it was read (eTag mismatch): take a new inventory and plan again."


class Throttled(GraphError):
    default_hint = ("Graph kept throttling: run again later (nights are less throttled), lower "
                    "[graph] ru_per_minute, or raise max_wait_seconds.")

    def __init__(self, message: str, *, retry_after: float | None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class TransportError(GraphError):
    default_hint = "Check the network path to Graph (proxy, DNS, firewall) and run again."


class Unreachable(ComplianceError):
    default_hint = ("Check tenant.graph_url in the policy file (host and port), the network path to it (DNS, proxy, "
                    "firewall), and that Graph — or the sandbox — is running; then run again.")


class CredentialError(ConfigError):
    default_hint = "Fix the [graph] credential settings or the named environment variable."


def error_from_exception(exc: BaseException, call: Call, *, retries: int = 0,
                         wait_capped: bool = False) -> GraphError:
    """Map what the SDK or httpx raised during ``call`` to the error tree."""
    if isinstance(exc, GraphError):
        return exc
    if isinstance(exc, httpx.TransportError):
        return TransportError(f"Could not {call.name}: {type(exc).__name__} after {retries} retries.")
    if isinstance(exc, ClientAuthenticationError):
        first_line = (exc.message or "").splitlines()[0][:200] if exc.message else type(exc).__name__
        return AuthenticationError(f"No token for Graph, so could not {call.name}: {first_line}")
    if isinstance(exc, ServiceRequestError):
        return TransportError(f"Could not reach the sign-in service to {call.name}: {type(exc).__name__}.",
                              hint="Check the network path to the Entra authority host (proxy, DNS, firewall).")
    if isinstance(exc, APIError):
        status = exc.response_status_code
        headers: Mapping[str, str] = exc.response_headers or {}
        code = message = inner_code = None
        if isinstance(exc, ODataError) and exc.error is not None:
            code, message = exc.error.code, exc.error.message
            inner = exc.error.inner_error
            inner_code = inner.additional_data.get("code") if inner is not None else None
        return error_from_response(call, status, code, message, headers, retries=retries, wait_capped=wait_capped,
                                   inner_code=str(inner_code) if inner_code else None)
    raise exc


def error_from_response(call: Call, status: int | None, code: str | None, message: str | None,
                        headers: Mapping[str, str], *, retries: int = 0, wait_capped: bool = False,
                        inner_code: str | None = None) -> GraphError:
    """One mapping for direct answers and ``$batch`` items alike (status, error code and inner code, headers).

    A 403 is a retention block only when Graph's words say so (:func:`retention_said`): the same
    ``accessDenied`` code answers a missing Sites.Selected role, whose fix is a grant, not a label review.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    request_id = lower.get("request-id")
    said = f" ({code}: {message})" if code else ""
    text = f"Graph answered {status} when asked to {call.name}{said}."
    common: dict[str, Any] = {"status": status, "code": code, "request_id": request_id}
    if status == 401:
        return AuthenticationError(text, **common)
    if status == 403 and call.deletes and retention_said(code, message, inner_code):
        return RetentionBlocked(f"Deletion refused by retention{said}.", **common)
    if status == 423:
        return ResourceLocked(f"{text} The item is locked.", **common)
    if status == 403:
        return PermissionDenied(text, permission=call.permission, **common)
    if status == 404:
        return NotFound(text, **common)
    if status == 410:
        return ResyncRequired(text, location=lower.get("location"), **common)
    if status == 412:
        return PreconditionFailed(text, **common)
    if status in (429, 503):
        retry_after = retry_after_seconds(lower.get("retry-after"))
        why = "the total wait cap was reached" if wait_capped else f"{retries} retries"
        return Throttled(f"Still throttled ({status}) when asked to {call.name} after {why}.",
                         retry_after=retry_after, **common)
    if status is not None and 300 <= status < 400:
        where = lower.get("location") or "no location"
        return GraphError(f"Graph answered a redirect ({status} to {where}) when asked to {call.name}; it was not "
                          "followed: answers are read only from the configured Graph.", **common,
                          hint="Check what answers at tenant.graph_url (a proxy redirecting requests?); run again.")
    if status is not None and status >= 500:
        return GraphError(f"{text} It persisted after {retries} retries.", **common,
                          hint="Graph had a service problem; run again later.")
    return GraphError(text, **common,
                      hint="Graph refused the request as malformed; report this with the request id.")



#: What Graph says when retention, a hold or a record refuses a delete (facts §4.1: "Request was cancelled by
#: event received. If attempting to delete a non-empty folder, it's possible that it's on hold").
_RETENTION_WORDS = re.compile(r"\b(retention|retained|on hold|holds?|records?|cancelled by event received)\b", re.I)


_RETENTION_CODES = ("retention", "hold", "record")  # inside camel-case codes such as "retentionLabelBlocksDelete"


def retention_said(code: str | None, message: str | None, inner_code: str | None) -> bool:
    """Whether a refusal names retention, a hold or a record — in its code, inner code or message."""
    codes = " ".join(c.lower() for c in (code, inner_code) if c)
    return any(word in codes for word in _RETENTION_CODES) or bool(message and _RETENTION_WORDS.search(message))
