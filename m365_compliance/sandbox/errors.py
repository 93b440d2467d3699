"""The sandbox's refusal: a status, a Graph error code and a message for the error body."""

from __future__ import annotations


class SandboxError(Exception):
    """A request the tenant refuses; the HTTP skin turns it into a Graph error body."""

    def __init__(self, status: int, code: str, message: str, inner_code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.inner_code = inner_code


def not_found(what: str) -> SandboxError:
    return SandboxError(404, "itemNotFound", f"The resource '{what}' could not be found.")
