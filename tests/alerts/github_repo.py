"""A repository's issues behind the local receiver, answering the GitHub REST calls the sink makes.

Only what the issues API documents for these calls (docs.github.com/rest/issues): list with
``state``/``labels``/``per_page``/``page`` and a ``Link`` header, create (201, labels as objects),
comment (201), update (200). Anything else is a 404, so an unexpected call shows up as a failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from receiver import Answer, Received

REPO = "tretoen/compliance"
BASE = f"/repos/{REPO}/issues"


@dataclass
class Issue:
    number: int
    title: str
    body: str | None
    labels: list[str]
    state: str = "open"
    state_reason: str | None = None
    comments: list[str] = field(default_factory=list)
    pull_request: bool = False

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"number": self.number, "title": self.title, "body": self.body, "state": self.state,
                               "state_reason": self.state_reason, "labels": [{"name": n} for n in self.labels]}
        if self.pull_request:
            out["pull_request"] = {"url": "https://api.github.com/repos/x/y/pulls/1"}
        return out


class GithubRepo:
    """``receiver.router = GithubRepo(receiver.url)``; ``issues`` is the repository's state."""

    def __init__(self, origin: str, *, keep_labels: bool = True) -> None:
        self.origin = origin
        self.issues: dict[int, Issue] = {}
        self.keep_labels = keep_labels

    def add(self, title: str, body: str | None, labels: list[str], *, state: str = "open",
            pull_request: bool = False) -> Issue:
        issue = Issue(len(self.issues) + 1, title, body, labels, state, pull_request=pull_request)
        self.issues[issue.number] = issue
        return issue

    def __call__(self, request: Received) -> Answer:
        if request.path == BASE and request.method == "GET":
            return self._list(request)
        if request.path == BASE and request.method == "POST":
            body = request.json
            issue = self.add(body["title"], body["body"], body.get("labels", []) if self.keep_labels else [])
            return Answer(201, issue.json())
        found = re.fullmatch(rf"{BASE}/(\d+)(/comments)?", request.path)
        if found is None or int(found[1]) not in self.issues:
            return Answer(404, {"message": "Not Found"})
        issue = self.issues[int(found[1])]
        if found[2] and request.method == "POST":
            issue.comments.append(request.json["body"])
            return Answer(201, {"id": len(issue.comments), "body": request.json["body"]})
        if not found[2] and request.method == "PATCH":
            change = request.json
            issue.state = change.get("state", issue.state)
            issue.state_reason = change.get("state_reason", issue.state_reason)
            return Answer(200, issue.json())
        return Answer(404, {"message": "Not Found"})

    def _list(self, request: Received) -> Answer:
        q = request.query
        wanted = [i for i in sorted(self.issues.values(), key=lambda i: i.number)
                  if (q.get("state", "open") in ("all", i.state)) and (q.get("labels") is None or q["labels"] in i.labels)]
        per_page, page = int(q.get("per_page", 30)), int(q.get("page", 1))
        chunk = wanted[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(wanted):
            query = "&".join(f"{k}={v}" for k, v in {**q, "page": str(page + 1)}.items())
            headers["Link"] = f'<{self.origin}{BASE}?{query}>; rel="next"'
        return Answer(200, [i.json() for i in chunk], headers)
