"""exceptions.toml: accepted exceptions as code, beside the policy file and reviewed like it.

Each ``[[exception]]`` names its owner, the reason, the day it was agreed and the last day it holds
(at most a year later), and what it accepts: one finding by id, or every finding of one rule in one
scope. The file is validated with the policy file — a rule that does not exist, a malformed date or a
finding id no rule could have made is an error naming the file and the key — so an exception can
never silently accept nothing. Whether it still holds on a given day is drift's business
(:mod:`m365_compliance.drift.applied`): an expired one stays in the file, reported, until removed.

exceptions.toml::

    [[exception]]
    finding = "C3-4f2a9c1b7d3e"               # one finding (from `m365-compliance drift show`), or
    # rule = "c3.customer-access"             # every finding of a rule ...
    # scope = "customers"                     # ... in one scope
    owner = "Daglig leder"
    reason = "Revisor trenger lesetilgang til årsoppgjøret er levert"
    accepted = 2026-11-25
    expires = 2027-01-31
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import cast, get_args

from m365_compliance.config.kinds import DAY, TEXT, Invalid, Kind, choice
from m365_compliance.config.reader import Problems, Table
from m365_compliance.config.schema import DeclaredException, FindingScope
from m365_compliance.errors import ConfigError
from m365_compliance.suggest import did_you_mean

#: The longest an exception may hold after it was agreed: nobody accepts anything for ever.
MAX_DAYS = 366
_FINDING_ID = re.compile(r"^([A-Z0-9]+)-[0-9a-f]{12}$")
_HINT = ("Fix the named entry in exceptions.toml (docs/drift.md describes the file) and check it with "
         "`m365-compliance config check <policy file>`.")


def read_exceptions(path: Path, problems: Problems) -> tuple[DeclaredException, ...]:
    """The exceptions in ``path`` (none when there is no such file); every error goes to ``problems``."""
    if not path.is_file():
        return ()
    raw = problems.section(lambda: _toml(path))
    if raw is None:
        return ()
    top = Table(raw, "", str(path))
    kinds = _kinds()
    declared = [problems.section(lambda t=t: _exception(t, kinds)) for t in
                problems.section(lambda: top.tables("exception")) or []]
    problems.section(top.close)
    found = tuple(d for d in declared if d is not None)
    seen: dict[str, str] = {}
    for exception in found:
        if exception.target in seen:
            problems.found.append(ConfigError(
                f"{path}: `{exception.key}` accepts {exception.target} again (`{seen[exception.target]}` does "
                "already): expected one exception per finding or rule and scope", key=exception.key,
                value=exception.target, allowed="one exception per finding or rule and scope",
                hint="Keep one of the two entries (change its expiry or reason instead)."))
        seen.setdefault(exception.target, exception.key)
    return found


def _toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): TOML files are UTF-8", value=str(path),
                          allowed="a UTF-8 text file", hint="Save the file as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})", value=str(path),
                          allowed="a readable exceptions file", hint=_HINT) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", allowed="TOML (https://toml.io)", hint=_HINT) from None


def _kinds() -> dict[str, Kind[str]]:
    """The finding id and rule kinds, from the rules that exist (imported here: the rules import the config)."""
    from m365_compliance.rules.registry import load_rules

    rules = sorted(load_rules())
    prefixes = {rule.split(".")[0].upper() for rule in rules}

    def finding(value: object) -> str:
        text = TEXT.parse(value)
        shape = _FINDING_ID.match(text)
        if shape is None:
            raise Invalid("a finding id is a rule's prefix, a dash and 12 hex digits")
        if shape.group(1) not in prefixes:
            raise Invalid(f"no rule makes findings starting {shape.group(1)}-")
        return text

    def rule(value: object) -> str:
        text = TEXT.parse(value)
        if text not in rules:
            raise Invalid(f"no rule {text!r}{did_you_mean(text, rules, n=1)}")
        return text

    return {"finding": Kind("a finding id such as C3-4f2a9c1b7d3e (from `m365-compliance drift show`)", finding),
            "rule": Kind("a rule id such as c3.customer-access (docs/rules.md lists them)", rule),
            "scope": choice(get_args(FindingScope))}


def _exception(t: Table, kinds: dict[str, Kind[str]]) -> DeclaredException:
    target = t.given(**kinds)
    owner, reason = t.get("owner", TEXT), t.get("reason", TEXT)
    accepted, expires = t.get("accepted", DAY), t.get("expires", DAY)
    t.close()
    if "finding" not in target and "rule" not in target:
        raise t.missing("finding", kinds["finding"].expected, "or `rule` with `scope`: say what is accepted")
    if "finding" in target and "rule" in target:
        raise t.invalid("rule", target["rule"], "either `finding` or `rule` (with `scope`), not both",
                        hint="Accept one finding by id, or every finding of a rule in a scope.")
    if "rule" in target and "scope" not in target:
        raise t.missing("scope", kinds["scope"].expected, "an exception for a rule holds in one scope")
    if "finding" in target and "scope" in target:
        raise t.invalid("scope", target["scope"], "no `scope` with `finding`",
                        "a finding id already names one subject", hint="Remove `scope`, or accept by `rule`.")
    if expires < accepted:
        raise t.invalid("expires", expires.isoformat(), f"a day on or after `accepted` ({accepted.isoformat()})")
    if (expires - accepted).days > MAX_DAYS:
        raise t.invalid("expires", expires.isoformat(), f"at most {MAX_DAYS} days after `accepted` "
                        f"({accepted.isoformat()})", "an exception is decided again at least once a year")
    return DeclaredException(t.key, owner, reason, accepted, expires, target.get("finding"), target.get("rule"),
                             cast(FindingScope | None, target.get("scope")))
