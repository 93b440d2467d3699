"""GitHub issues: one per finding, opened, commented, closed and reopened through the REST API.

Which issue belongs to which finding is read from GitHub on every delivery (open issues with the
``m365-compliance`` label, the finding id in a hidden marker), so nothing depends on local state and a
lost state store creates no duplicates. Per alert: ``new`` opens an issue (or comments on the open
one), ``reminder`` comments, ``fixed`` comments and closes as completed, ``expired`` reopens the
closed issue (or opens one) and comments.

Each alert succeeds or fails on its own. A rate limit (403/429 with ``retry-after``,
``x-ratelimit-remaining: 0`` or a "rate limit" message), a refused token (401/403) or an unreachable
API stops the delivery: the alerts not yet told are failed and offered again next run. Writes are
spaced ``write_interval`` apart, as GitHub asks of clients making many POST/PATCH requests. Needs a
token with ``issues: write`` on the repository (in Actions: ``permissions: issues: write``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from m365_compliance.alerts import github_text, wire
from m365_compliance.alerts.model import Alert, AlertBatch, Delivery
from m365_compliance.alerts.texts import Texts, texts_for

DEFAULT_API = "https://api.github.com"
API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_OPEN_PAGES = 50  # 5,000 open issues: far more than one tenant should ever have
MAX_CLOSED_PAGES = 10  # how far back an expired exception's closed issue is looked for
_ERRORS_SHOWN = 3
Sleep = Callable[[float], Awaitable[None]]


class _Stop(Exception):
    """Nothing more can be told in this run (rate limit, refused token, API unreachable)."""


class _Failed(Exception):
    """This alert could not be told; the next may."""


class GithubIssueSink:
    """``GithubIssueSink("tretoen/compliance")``; ``environ``/``transport``/``sleep``/``timeout`` are for tests."""

    def __init__(self, repo: str, token_env: str = "GITHUB_TOKEN", api_url: str | None = None, *,
                 environ: Mapping[str, str] | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Sleep = asyncio.sleep, timeout: httpx.Timeout = wire.TIMEOUT,
                 write_interval: float = 1.0) -> None:
        self.repo = repo
        self.token_env = token_env
        self.api_url = api_url
        self._environ = os.environ if environ is None else environ
        self._transport = transport
        self._sleep = sleep
        self._timeout = timeout
        self._write_interval = write_interval

    @property
    def name(self) -> str:
        return f"github:{self.repo}"

    def api(self) -> str:
        """The configured API base, else ``$GITHUB_API_URL`` (set in GitHub Actions), else api.github.com."""
        return (self.api_url or self._environ.get("GITHUB_API_URL") or DEFAULT_API).rstrip("/")

    async def deliver(self, batch: AlertBatch) -> Delivery:
        keys = tuple(a.key for a in batch.alerts)
        if not keys:
            return Delivery(self.name)
        token = self._environ.get(self.token_env, "").strip()
        if not token:
            return Delivery(self.name, failed=keys,
                            error=f"environment variable {self.token_env} is not set: no GitHub token")
        api = self.api()
        if not wire.secure_url(api):
            return Delivery(self.name, failed=keys, error="the GitHub API URL is not https: refused to send the token")
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION,
                   "Authorization": f"Bearer {token}"}
        async with wire.client(base_url=api, headers=headers, transport=self._transport, timeout=self._timeout) as http:
            issues = _Issues(http, api, self.repo, self._sleep, self._write_interval)
            return await self._tell(issues, batch, texts_for(batch.language))

    async def _tell(self, issues: _Issues, batch: AlertBatch, texts: Texts) -> Delivery:
        try:
            await issues.load_open()
        except (_Stop, _Failed) as exc:
            return Delivery(self.name, failed=tuple(a.key for a in batch.alerts), error=f"listing issues: {exc}")
        delivered: list[str] = []
        failed: list[str] = []
        errors: list[str] = []
        for index, alert in enumerate(batch.alerts):
            try:
                await issues.tell(alert, batch, texts)
            except _Failed as exc:
                failed.append(alert.key)
                errors.append(f"{alert.finding_id}: {exc}")
                continue
            except _Stop as exc:
                failed.extend(a.key for a in batch.alerts[index:])
                errors.append(f"stopped at {alert.finding_id}, {len(batch.alerts) - index} not told: {exc}")
                break
            delivered.append(alert.key)
        errors.extend(issues.warnings)
        shown = "; ".join(errors[:_ERRORS_SHOWN]) + (f" (+{len(errors) - _ERRORS_SHOWN} more)"
                                                     if len(errors) > _ERRORS_SHOWN else "")
        return Delivery(self.name, tuple(delivered), tuple(failed), shown or None)


class _Issues:
    """One delivery's view of the repository's issues, and the REST calls that change them."""

    def __init__(self, http: httpx.AsyncClient, api: str, repo: str, sleep: Sleep, write_interval: float) -> None:
        self._http = http
        self._api = api
        self._path = f"/repos/{repo}/issues"
        self._sleep = sleep
        self._write_interval = write_interval
        self._wrote = False
        self.open: dict[str, int] = {}  # finding id → open issue number
        self._closed: dict[str, int] | None = None  # read only when an expired exception needs it
        self.warnings: list[str] = []

    async def load_open(self) -> None:
        self.open = await self._list("open", MAX_OPEN_PAGES)

    async def tell(self, alert: Alert, batch: AlertBatch, texts: Texts) -> None:
        number = self.open.get(alert.finding_id)
        if alert.kind == "fixed":
            if number is not None:
                await self._comment(number, github_text.comment(alert, batch, texts, note=texts.issue_closed))
                await self._update(number, {"state": "closed", "state_reason": "completed"})
                del self.open[alert.finding_id]
            return
        if number is None and alert.kind == "expired":
            number = (await self._closed_issues()).get(alert.finding_id)
            if number is not None:
                await self._update(number, {"state": "open", "state_reason": "reopened"})
                self.open[alert.finding_id] = number
                await self._comment(number, github_text.comment(alert, batch, texts, note=texts.issue_reopened))
                return
        if number is None:
            self.open[alert.finding_id] = await self._create(alert, batch, texts)
        else:
            await self._comment(number, github_text.comment(alert, batch, texts))

    # ------------------------------------------------------------------ REST calls
    async def _list(self, state: str, max_pages: int) -> dict[str, int]:
        found: dict[str, int] = {}
        first: dict[str, Any] = {"state": state, "labels": github_text.LABEL, "per_page": PER_PAGE}
        if state == "closed":
            first.update(sort="updated", direction="desc")
        params: dict[str, Any] | None = first
        url: str | None = self._path
        for _ in range(max_pages):
            if url is None:
                break
            response = await self._call("GET", url, params=params)
            for issue in response.json():
                finding = github_text.finding_of(issue.get("body"))
                if finding is not None and "pull_request" not in issue:
                    found[finding] = min(found.get(finding, issue["number"]), issue["number"])  # oldest wins
            url, params = self._next(response), None  # the next link carries the query
        return found

    async def _closed_issues(self) -> dict[str, int]:
        if self._closed is None:
            self._closed = await self._list("closed", MAX_CLOSED_PAGES)
        return self._closed

    async def _create(self, alert: Alert, batch: AlertBatch, texts: Texts) -> int:
        payload = {"title": github_text.title(alert), "body": github_text.body(alert, batch, texts),
                   "labels": github_text.labels(alert)}
        created = (await self._call("POST", self._path, json=payload, write=True)).json()
        if github_text.LABEL not in {label.get("name") for label in created.get("labels") or ()}:
            self.warnings.append(f"issue #{created['number']} was created without its labels (the token may not "
                                 "set labels): it cannot be found again and may be duplicated")
        return int(created["number"])

    async def _comment(self, number: int, text: str) -> None:
        await self._call("POST", f"{self._path}/{number}/comments", json={"body": text}, write=True)

    async def _update(self, number: int, change: dict[str, str]) -> None:
        await self._call("PATCH", f"{self._path}/{number}", json=change, write=True)

    async def _call(self, method: str, url: str, *, params: dict[str, Any] | None = None,
                    json: dict[str, Any] | None = None, write: bool = False) -> httpx.Response:
        if write:
            if self._wrote and self._write_interval > 0:
                await self._sleep(self._write_interval)
            self._wrote = True
        try:
            response = await self._http.request(method, url, params=params, json=json)
        except httpx.HTTPError as exc:
            raise _Stop(wire.transport_failure(exc)) from None
        if response.is_success:
            return response
        failure = wire.status_failure(response)
        if _rate_limited(response):
            wait = response.headers.get("retry-after") or response.headers.get("x-ratelimit-reset")
            raise _Stop(f"rate limited, {failure}" + (f", retry after {wait}" if wait else ""))
        if response.status_code == 401:
            raise _Stop(f"{failure}: the token was refused")
        if response.status_code == 403:
            raise _Stop(f"{failure}: the token needs issues: write on the repository")
        if response.status_code == 404 and url == self._path:
            raise _Stop(f"{failure}: no such repository, or the token cannot see it")
        raise _Failed(failure)

    def _next(self, response: httpx.Response) -> str | None:
        """The ``Link: rel="next"`` page, only on the same API (the token is not sent anywhere else)."""
        link = response.links.get("next", {}).get("url")
        return link if link and link.startswith(self._api + "/") else None


def _rate_limited(response: httpx.Response) -> bool:
    """GitHub's primary and secondary rate limits (docs: "Rate limits for the REST API")."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    headers = response.headers
    return ("retry-after" in headers or headers.get("x-ratelimit-remaining") == "0"
            or "rate limit" in (wire.error_code(response) or "").lower())
