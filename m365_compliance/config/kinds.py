"""What a single value in the policy file may be: each kind says it in words and converts or refuses.

A kind's ``expected`` text is the "what is allowed" of every error message, so it is written for the
person editing the file. ``parse`` raises :class:`Invalid` (optionally with a reason) for a value
that does not fit; the table reader turns that into a :class:`~m365_compliance.errors.ConfigError`
naming the key.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Generic, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from m365_compliance.config.clouds import GRAPH_VERSIONS, is_loopback_url
from m365_compliance.engine.master import Master, master_forms, parse_master
from m365_compliance.private_files import path_problem
from m365_compliance.suggest import close_matches

T = TypeVar("T")

PrincipalKind = Literal["object_id", "mail", "site_group"]

SITE_GROUP_PREFIX = "site-group:"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_MAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MONTH_DAY = re.compile(r"^(\d\d)-(\d\d)$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")
_SITE_PATH = re.compile(r"^/(sites|teams)/[^/]+$")
_ORGANIZATION = re.compile(r"^[\x20-\x7b\x7d\x7e]+$")  # printable ASCII except "|"
_DURATION = re.compile(r"^(\d{1,5})\s*([hd])$")


class Invalid(ValueError):
    """A value that does not fit its kind; the message, if any, says which part is wrong."""


@dataclass(frozen=True, slots=True)
class Kind(Generic[T]):
    expected: str
    parse: Callable[[object], T]


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid
    return unicodedata.normalize("NFC", value.strip())  # SharePoint names compare in NFC


def _nonempty(value: object) -> str:
    text = _text(value)
    if not text:
        raise Invalid
    return text


def _matching(pattern: re.Pattern[str], value: object) -> str:
    text = _nonempty(value)
    if not pattern.match(text):
        raise Invalid
    return text


TEXT: Kind[str] = Kind("a non-empty string", _nonempty)
ANY_TEXT: Kind[str] = Kind("a string", _text)


def _master(value: object) -> Master:
    try:
        return parse_master(_nonempty(value))
    except ValueError as exc:
        raise Invalid(str(exc)) from None


ENGINE_MASTER: Kind[Master] = Kind(master_forms(), _master)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid
    return value


FLAG: Kind[bool] = Kind("true or false", _flag)


def integer(minimum: int | None = None, maximum: int | None = None) -> Kind[int]:
    """An integer; ``maximum`` keeps counts of days, months and items within what dates can hold."""
    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise Invalid
        return value
    if minimum is not None and maximum is not None:
        return Kind(f"an integer from {minimum} to {maximum:,}", parse)
    return Kind("an integer" if minimum is None else f"an integer ≥ {minimum}", parse)


def number(*, above: float | None = None, minimum: float | None = None,
           maximum: float | None = None) -> Kind[float]:
    """A float or integer; bounds: ``above`` exclusive, ``minimum``/``maximum`` inclusive."""
    def parse(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid
        number_ = float(value)
        if not math.isfinite(number_):  # nan passes every comparison; inf overflows date arithmetic
            raise Invalid
        if ((above is not None and number_ <= above) or (minimum is not None and number_ < minimum)
                or (maximum is not None and number_ > maximum)):
            raise Invalid
        return number_
    if minimum is not None and maximum is not None:
        expected = f"a number from {minimum:g} to {maximum:g}"
    elif above is not None and maximum is not None:
        expected = f"a number > {above:g} and ≤ {maximum:g}"
    elif above is not None:
        expected = f"a number > {above:g}"
    else:
        expected = "a number"
    return Kind(expected, parse)


def choice(options: tuple[str, ...]) -> Kind[str]:
    def parse(value: object) -> str:
        if value not in options:
            close = close_matches(value, options, n=1) if isinstance(value, str) else []
            raise Invalid(f"did you mean {close[0]!r}?" if close else "")
        return value
    return Kind("one of " + ", ".join(repr(o) for o in options), parse)


def _day(value: object) -> date:
    if isinstance(value, datetime):  # a TOML date-time: a day is asked for, not an instant
        raise Invalid("a day, without a time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise Invalid from None
    raise Invalid


DAY: Kind[date] = Kind("a date YYYY-MM-DD such as 2027-01-31", _day)


def _version(value: object) -> str:
    if isinstance(value, date):  # an unquoted TOML date: 2022-07-04
        return value.isoformat()
    return _nonempty(value)


VERSION: Kind[str] = Kind('a version string such as "2022-07-04"', _version)
GUID: Kind[str] = Kind("a GUID such as 3f2a3210-0000-4000-8000-000000000321",
                       lambda v: _matching(_GUID, v).lower())
MAIL: Kind[str] = Kind("an e-mail address such as name@example.com", lambda v: _matching(_MAIL, v).lower())
ENV_NAME: Kind[str] = Kind("the name of an environment variable (letters, digits and _, "
                           "not starting with a digit)", lambda v: _matching(_ENV_NAME, v))
REPO: Kind[str] = Kind('a GitHub repository as "owner/name"', lambda v: _matching(_REPO, v))
GLOB: Kind[str] = Kind('a non-empty glob pattern such as "*faktura*"', _nonempty)
ORGANIZATION: Kind[str] = Kind("an organisation name in plain ASCII without '|' (it goes into the "
                               "User-Agent header), such as \"TRETOEN AS\"", lambda v: _matching(_ORGANIZATION, v))


def duration(minimum: timedelta, maximum: timedelta) -> Kind[timedelta]:
    """A span of time written with its unit, ``"36h"`` or ``"7d"``: a bare number could mean either."""
    def parse(value: object) -> timedelta:
        match = _DURATION.match(_nonempty(value).lower())
        if not match:
            raise Invalid
        span = timedelta(hours=int(match[1])) if match[2] == "h" else timedelta(days=int(match[1]))
        if not minimum <= span <= maximum:
            raise Invalid
        return span
    return Kind(f'a duration in hours or days such as "36h" or "7d" (from {_span(minimum)} to {_span(maximum)})',
                parse)


def _span(value: timedelta) -> str:
    return f"{value.days}d" if not value.seconds else f"{int(value.total_seconds() // 3600)}h"


def _pattern(value: object) -> re.Pattern[str]:
    text = _nonempty(value)
    try:
        compiled = re.compile(text)
    except re.error as exc:
        raise Invalid(f"not a regular expression: {exc}") from exc
    if compiled.fullmatch("") is not None:
        raise Invalid("it matches the empty string")
    return compiled


PATTERN: Kind[re.Pattern[str]] = Kind("a regular expression (matched against the whole value) that no empty "
                                      "value matches", _pattern)


def _scalar(value: object) -> str | int | float | bool:
    if isinstance(value, (str, int, float, bool)):
        return value
    raise Invalid


SCALAR: Kind[str | int | float | bool] = Kind("a string, number or boolean", _scalar)


def _group(value: object) -> str:
    text = _nonempty(value)
    if _GUID.match(text) or _MAIL.match(text):
        return text.lower()
    raise Invalid


def _principal(value: object) -> str:
    text = _nonempty(value)
    if text.startswith(SITE_GROUP_PREFIX) and text[len(SITE_GROUP_PREFIX):].strip():
        return SITE_GROUP_PREFIX + text[len(SITE_GROUP_PREFIX):].strip()
    return _group(text)


GROUP: Kind[str] = Kind("an Entra group object id (GUID) or mail address", _group)
PRINCIPAL: Kind[str] = Kind('an object id (GUID) or mail of an app, user or group, or a SharePoint '
                            'site group as "site-group:<name>" (e.g. "site-group:Owners")', _principal)


def principal_kind(ref: str) -> PrincipalKind:
    """Which form a (validated) role member takes: object id, mail or SharePoint site group."""
    if ref.startswith(SITE_GROUP_PREFIX):
        return "site_group"
    return "object_id" if _GUID.match(ref) else "mail"


def _folder(value: object) -> str:
    text = _text(value).strip("/")
    if text and any(part in ("", ".", "..") or "\\" in part for part in text.split("/")):
        raise Invalid
    return text


FOLDER: Kind[str] = Kind('a folder path below the library root such as "Søkere" or "A/B" '
                         '("" for the root; no empty, "." or ".." parts, no backslashes)', _folder)


_FILE_NAME = re.compile(r'^[^"*:<>?/\\|]+$')


def _file_name(value: object) -> str:
    text = _matching(_FILE_NAME, value)
    if text != text.strip(" .") or text.startswith("~$"):
        raise Invalid
    return text


FILE_NAME: Kind[str] = Kind('a SharePoint file name such as "m365-compliance-state.sqlite" (none of " * : < > ? / '
                            '\\ |, no leading or trailing space or dot)', _file_name)


def user_info_hidden(value: object) -> str | None:
    """``value`` with its ``user:password@`` part shown as ``***@``, or None when it is no URL with one.

    A password in a URL would be echoed wherever the URL is (messages, reports, the state store), so a
    URL that has one is refused by name, never quoted."""
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # "http://[::1": no URL at all, so nothing of it is a password either
        return None
    if "@" not in parts.netloc:
        return None
    return parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()


def _web_url(value: object) -> str:
    """An http(s) URL with a host, no user info, query or fragment; plain http only on loopback."""
    text = _nonempty(value).rstrip("/")
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # an unclosed "[" of an IPv6 host
        raise Invalid from exc
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise Invalid
    if "@" in parts.netloc:
        raise Invalid("no user name or password in the URL")
    if parts.scheme == "http" and not is_loopback_url(text):
        raise Invalid(f"{parts.hostname} is not a loopback host")
    return text


def _site_url(value: object) -> str:
    if not _nonempty(value).lower().startswith("https://"):  # SharePoint is https only, loopback or not
        raise Invalid
    text = _web_url(value)
    if not _SITE_PATH.match(urlsplit(text).path):
        raise Invalid
    return text


SITE_URL: Kind[str] = Kind("a SharePoint site URL such as https://contoso.sharepoint.com/sites/name "
                           "(or /teams/name)", _site_url)


def _graph_url(value: object) -> str:
    text = _web_url(value)
    parts = urlsplit(text)
    if parts.path.rsplit("/", 1)[-1] not in GRAPH_VERSIONS:
        raise Invalid
    return text


GRAPH_URL: Kind[str] = Kind("an https URL ending in /v1.0 or /beta, such as https://graph.microsoft.com/v1.0 "
                            "(plain http only on 127.0.0.1, localhost or ::1)", _graph_url)


API_URL: Kind[str] = Kind("an https URL such as https://api.github.com or https://github.example.com/api/v3 "
                          "(plain http only on 127.0.0.1, localhost or ::1)", _web_url)


def _timezone(value: object) -> ZoneInfo:
    name = _nonempty(value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise Invalid from exc


TIMEZONE: Kind[ZoneInfo] = Kind('an IANA time zone such as "Europe/Oslo"', _timezone)


@dataclass(frozen=True, slots=True)
class MonthDay:
    """A day of the year without a year, e.g. the fiscal year's last day ``12-31``."""

    month: int
    day: int

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"

    def on_or_after(self, day: date) -> date:
        """The first date on or after ``day`` that falls on this month and day."""
        this_year = date(day.year, self.month, self.day)
        return this_year if this_year >= day else date(day.year + 1, self.month, self.day)


def _month_day(value: object) -> MonthDay:
    match = _MONTH_DAY.match(_nonempty(value))
    if not match:
        raise Invalid
    month, day = int(match[1]), int(match[2])
    try:
        date(2023, month, day)  # a common year: 02-29 would not exist three years in four
    except ValueError as exc:
        raise Invalid from exc
    return MonthDay(month, day)


MONTH_DAY: Kind[MonthDay] = Kind('a day of the year as "MM-DD" such as "12-31" (not "02-29")', _month_day)


def file_path(base_dir: Path, suffixes: tuple[str, ...] = (), *, room: int = 0,
              path_max: int | None = None) -> Kind[Path]:
    """A path, resolved against the policy file's folder when relative; optionally with given suffixes.

    A path no disk could hold is refused here, where it is read, not by a traceback later: a NUL in it, a
    name over the filesystem's limit (255 bytes on most) or a whole path over the system's (4096 bytes);
    ``room`` and ``path_max`` as in :func:`~m365_compliance.private_files.path_problem` (a state store's)."""
    def parse(value: object) -> Path:
        text = _nonempty(value)
        if "\x00" in text:  # before expanduser: "~user" is looked up by name, and a NUL there raises
            raise Invalid("it holds a NUL character, which no path may contain")
        path = Path(text).expanduser()
        if suffixes and path.suffix.lower() not in suffixes:
            raise Invalid
        path = path if path.is_absolute() else base_dir / path
        problem = path_problem(path, room=room, path_max=path_max)
        if problem is not None:
            raise Invalid(problem)
        return path
    ending = f" ending in {' or '.join(suffixes)}" if suffixes else ""
    return Kind(f"a file path{ending} (relative paths start at the policy file's folder)", parse)
