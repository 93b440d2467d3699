"""The rules reference (docs/rules.md), generated from the registry: ``python -m m365_compliance.rules.reference``."""

from __future__ import annotations

from m365_compliance.rules.registry import RULES, evaluate


def render() -> str:
    _ = evaluate  # importing evaluate's modules registers every rule
    from m365_compliance.rules import access, coverage, register_hygiene, retention  # noqa: F401

    lines = ["# Rules reference", "",
             "Generated from the rule registry (`python -m m365_compliance.rules.reference > docs/rules.md`); a test",
             "keeps it current. Each rule is a pure function of (snapshot, policy file, now).", "",
             "| Id | Control | Severity | What it checks | Remediation |", "|---|---|---|---|---|"]
    for r in sorted(RULES.values(), key=lambda r: (r.control, r.id)):
        lines.append(f"| `{r.id}` | {r.control} | {r.severity} | {r.checks} | {r.remediation} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
