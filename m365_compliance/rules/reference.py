"""docs/rules.md, generated from the rule registry: ``python -m m365_compliance.rules.reference > docs/rules.md``.

A test compares the file with :func:`render`, so the reference cannot drift from the rules.
"""

from __future__ import annotations

from m365_compliance.rules.registry import load_rules

HEADER = """# Rules reference

Generated from the rule registry (`python -m m365_compliance.rules.reference > docs/rules.md`); a test
keeps it current. Each rule is a pure function of (snapshot, policy file, now); `m365-compliance check`
runs them all. Status of a finding: `fail` (a violation), `warn` (a deadline is near), `info` (a
retention decision such as "keep until"), `not_evaluated` (the data could not be read). The severity
column is the rule's usual severity; "What it checks" says when a finding is more or less severe.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    lines = [HEADER, "| Id | Control | Severity | What it checks | Remediation |", "|---|---|---|---|---|"]
    for r in sorted(load_rules().values(), key=lambda r: (r.control, r.id)):
        lines.append(f"| `{r.id}` | {r.control} | {r.severity} | {_cell(r.checks)} | {_cell(r.remediation)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
