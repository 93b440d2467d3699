"""The GitHub sink against a local receiver answering as the issues REST API does."""

from __future__ import annotations

import httpx
import pytest
from alerts_world import Demo, alert_of, assert_no_people, batch_of
from github_repo import BASE, REPO, GithubRepo
from receiver import Answer, Receiver, refused_url

from m365_compliance.alerts.github import GithubIssueSink
from m365_compliance.alerts.github_text import LABEL, marker
from m365_compliance.alerts.model import Alert
from m365_compliance.alerts.texts import EN, NB

pytestmark = pytest.mark.anyio
TOKEN = "ghs_test_token"


class Sleeps:
    def __init__(self) -> None:
        self.waited: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)


def sink(api: str, *, sleep: Sleeps | None = None, **kwargs) -> GithubIssueSink:
    return GithubIssueSink(REPO, "GH_TOKEN", api, environ={"GH_TOKEN": TOKEN}, sleep=sleep or Sleeps(), **kwargs)


@pytest.fixture
def repo(receiver: Receiver) -> GithubRepo:
    receiver.router = GithubRepo(receiver.url)
    return receiver.router


def calls(receiver: Receiver) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in receiver.requests]


async def test_a_finding_is_opened_reminded_and_closed(receiver: Receiver, repo: GithubRepo, demo: Demo) -> None:
    finding = demo.with_paths("C1")[1]
    github = sink(receiver.url)

    new = await github.deliver(batch_of([alert_of(finding, "new", breach=True)]))
    assert new.ok and new.delivered == (f"{finding.id}:new",) and new.sink == f"github:{REPO}"
    assert calls(receiver) == [("GET", BASE), ("POST", BASE)]
    listing, create = receiver.requests
    assert listing.query == {"state": "open", "labels": LABEL, "per_page": "100"}
    for request in receiver.requests:
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
    sent = create.json
    assert sent["title"] == f"[C1 high] {finding.title} ({finding.id})"
    assert sent["labels"] == [LABEL, "severity:high"]
    assert sent["body"].startswith(marker(finding.id)) and NB.breach in sent["body"]
    assert finding.message in sent["body"] and finding.remediation in sent["body"]
    [issue] = repo.issues.values()

    receiver.requests.clear()
    reminder = await github.deliver(batch_of([alert_of(finding, "reminder", breach=True)]))
    assert reminder.ok and calls(receiver) == [("GET", BASE), ("POST", f"{BASE}/{issue.number}/comments")]
    assert issue.comments[0].startswith(f"**{NB.kind('reminder')}**") and NB.breach in issue.comments[0]

    receiver.requests.clear()
    fixed = await github.deliver(batch_of([alert_of(finding, "fixed")]))
    assert fixed.ok and calls(receiver) == [("GET", BASE), ("POST", f"{BASE}/{issue.number}/comments"),
                                            ("PATCH", f"{BASE}/{issue.number}")]
    assert receiver.requests[-1].json == {"state": "closed", "state_reason": "completed"}
    assert issue.state == "closed" and NB.issue_closed in issue.comments[1] and NB.breach not in issue.comments[1]
    assert len(repo.issues) == 1
    assert_no_people(receiver.bodies() + str([i.json() for i in repo.issues.values()]) + str(issue.comments),
                     demo.people(demo.with_paths()))


async def test_no_names_in_any_issue(receiver: Receiver, repo: GithubRepo, demo: Demo) -> None:
    alerts = [alert_of(f, "new", breach=f.control == "C1") for f in demo.with_paths()]
    delivery = await sink(receiver.url).deliver(batch_of(alerts, language="en"))
    assert delivery.ok and len(repo.issues) == len(alerts)
    text = receiver.bodies() + "".join(f"{i.title}\n{i.body}" for i in repo.issues.values())
    assert_no_people(text, demo.people(demo.with_paths()))
    assert all(i.title.endswith(f"({a.finding_id})") for i, a in zip(repo.issues.values(), alerts, strict=True))
    assert EN.control("C2") in text


async def test_an_open_issue_on_the_second_page_is_found_not_duplicated(
        receiver: Receiver, repo: GithubRepo, demo: Demo) -> None:
    finding = demo.with_paths("C2")[0]
    for n in range(140):
        repo.add(f"other {n}", marker(f"C6-{n:012d}"), [LABEL])
    repo.add("a pull request", marker(finding.id), [LABEL], pull_request=True)
    repo.add("by hand", "no marker here", [LABEL])
    target = repo.add("the finding", f"{marker(finding.id)}\nold text", [LABEL, "severity:high"])

    delivery = await sink(receiver.url).deliver(batch_of([alert_of(finding, "new")]))
    assert delivery.ok
    assert calls(receiver) == [("GET", BASE), ("GET", BASE), ("POST", f"{BASE}/{target.number}/comments")]
    assert receiver.requests[1].query["page"] == "2"
    assert len(repo.issues) == 143 and target.comments and target.comments[0].startswith("**Nytt avvik**")


async def test_rate_limit_mid_batch_stops_and_fails_the_rest(receiver: Receiver, demo: Demo) -> None:
    repo = GithubRepo(receiver.url)
    alerts = [alert_of(f) for f in demo.with_paths()[:4]]
    limited = Answer(403, {"message": "API rate limit exceeded for installation ID 1."},
                     {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1767225600"})
    answers = iter([None, None, limited])  # list, first create, then the limit

    def route(request):
        answer = next(answers, None)
        return answer if answer is not None else repo(request)

    receiver.router = route
    delivery = await sink(receiver.url).deliver(batch_of(alerts))
    assert delivery.delivered == (alerts[0].key,) and delivery.failed == tuple(a.key for a in alerts[1:])
    assert "rate limited" in (delivery.error or "") and "3 not told" in (delivery.error or "")
    assert len(receiver.requests) == 3 and len(repo.issues) == 1


async def test_a_secondary_rate_limit_with_retry_after_stops(receiver: Receiver, repo: GithubRepo,
                                                            demo: Demo) -> None:
    receiver.script = [Answer(200, []), Answer(429, {"message": "You have exceeded a secondary rate limit."},
                                                   {"retry-after": "60"})]
    alerts = [alert_of(f) for f in demo.with_paths()[:3]]
    delivery = await sink(receiver.url).deliver(batch_of(alerts))
    assert delivery.delivered == () and len(delivery.failed) == 3
    assert "retry after 60" in (delivery.error or "") and len(receiver.requests) == 2


async def test_one_failing_alert_does_not_stop_the_others(receiver: Receiver, demo: Demo) -> None:
    repo = GithubRepo(receiver.url)
    alerts = [alert_of(f) for f in demo.with_paths()[:3]]
    answers = iter([None, Answer(500, {"message": "Server Error"})])
    receiver.router = lambda request: next(answers, None) or repo(request)
    delivery = await sink(receiver.url).deliver(batch_of(alerts))
    assert delivery.delivered == (alerts[1].key, alerts[2].key) and delivery.failed == (alerts[0].key,)
    assert delivery.error == f"{alerts[0].finding_id}: HTTP 500 (Server Error)"


async def test_an_expired_exception_reopens_the_closed_issue(receiver: Receiver, repo: GithubRepo,
                                                            demo: Demo) -> None:
    closed, fresh = demo.with_paths("C2")[:2]
    old = repo.add("closed", marker(closed.id), [LABEL], state="closed")
    delivery = await sink(receiver.url).deliver(batch_of([alert_of(closed, "expired"), alert_of(fresh, "expired")]))
    assert delivery.ok
    assert calls(receiver) == [("GET", BASE), ("GET", BASE), ("PATCH", f"{BASE}/{old.number}"),
                               ("POST", f"{BASE}/{old.number}/comments"), ("POST", BASE)]
    assert receiver.requests[1].query["state"] == "closed"
    assert old.state == "open" and NB.issue_reopened in old.comments[0]
    assert len(repo.issues) == 2 and repo.issues[2].body.startswith(marker(fresh.id))


async def test_a_fixed_finding_without_an_issue_needs_no_call(receiver: Receiver, repo: GithubRepo,
                                                             demo: Demo) -> None:
    delivery = await sink(receiver.url).deliver(batch_of([alert_of(demo.with_paths()[0], "fixed")]))
    assert delivery.ok and len(delivery.delivered) == 1 and calls(receiver) == [("GET", BASE)]


async def test_dropped_labels_are_reported(receiver: Receiver, demo: Demo) -> None:
    receiver.router = GithubRepo(receiver.url, keep_labels=False)
    delivery = await sink(receiver.url).deliver(batch_of([alert_of(demo.with_paths()[0])]))
    assert len(delivery.delivered) == 1 and not delivery.ok and "without its labels" in (delivery.error or "")


async def test_writes_are_spaced(receiver: Receiver, repo: GithubRepo, demo: Demo) -> None:
    sleeps = Sleeps()
    alerts: list[Alert] = [alert_of(f) for f in demo.with_paths()[:3]]
    assert (await sink(receiver.url, sleep=sleeps).deliver(batch_of(alerts))).ok
    assert sleeps.waited == [1.0, 1.0]  # three creates, one second between writes


async def test_a_missing_token_names_the_variable(demo: Demo) -> None:
    delivery = await GithubIssueSink(REPO, "GH_TOKEN", environ={}).deliver(batch_of([alert_of(demo.findings[0])]))
    assert len(delivery.failed) == 1 and "GH_TOKEN" in (delivery.error or "")


async def test_a_refused_connection_fails_everything(demo: Demo) -> None:
    alerts = [alert_of(f) for f in demo.findings[:3]]
    delivery = await sink(refused_url()).deliver(batch_of(alerts))
    assert len(delivery.failed) == 3 and "could not connect" in (delivery.error or "")


async def test_a_timeout_fails_everything(receiver: Receiver, demo: Demo) -> None:
    receiver.default = Answer(200, [], delay=1.0)
    delivery = await sink(receiver.url, timeout=httpx.Timeout(0.2)).deliver(batch_of([alert_of(demo.findings[0])]))
    assert len(delivery.failed) == 1 and "no answer in time" in (delivery.error or "")


async def test_a_refused_token_stops(receiver: Receiver, demo: Demo) -> None:
    receiver.default = Answer(401, {"message": "Bad credentials"})
    delivery = await sink(receiver.url).deliver(batch_of([alert_of(demo.findings[0])]))
    assert "HTTP 401 (Bad credentials)" in (delivery.error or "") and TOKEN not in (delivery.error or "")


async def test_the_api_url_comes_from_the_environment_in_actions(receiver: Receiver, repo: GithubRepo,
                                                                 demo: Demo) -> None:
    github = GithubIssueSink(REPO, environ={"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": receiver.url})
    assert github.api() == receiver.url
    assert (await github.deliver(batch_of([alert_of(demo.findings[0])]))).ok and len(repo.issues) == 1
    assert GithubIssueSink(REPO, api_url="https://ghe.example/api/v3/",
                           environ={"GITHUB_API_URL": receiver.url}).api() == "https://ghe.example/api/v3"
    assert GithubIssueSink(REPO, environ={}).api() == "https://api.github.com"


async def test_a_link_to_another_host_is_not_followed(receiver: Receiver, demo: Demo) -> None:
    receiver.script = [Answer(200, [], {"Link": '<https://elsewhere.example/steal?page=2>; rel="next"'})]
    receiver.router = GithubRepo(receiver.url)
    assert (await sink(receiver.url).deliver(batch_of([alert_of(demo.findings[0])]))).ok
    assert calls(receiver) == [("GET", BASE), ("POST", BASE)]
