"""Plan and apply (issue 5): findings become a reviewed plan; apply executes it safely, journaled.

``planner.build_plan`` (pure) → ``Plan`` (``plan_model``, file format ``plan_json``) → approvals
(``approvals``) → ``executor.apply_plan`` (dry run unless ``execute``; ``limits`` checked before the
first write; ``steps`` re-check every precondition) → ``journal`` (evidence, resume).
docs/plan-and-apply.md describes the whole cycle.
"""

from m365_compliance.actions.executor import ApplyResult, apply_plan
from m365_compliance.actions.plan_json import read_plan, write_plan
from m365_compliance.actions.plan_model import Action, Plan, Skipped
from m365_compliance.actions.planner import build_plan

__all__ = ["Action", "ApplyResult", "Plan", "Skipped", "apply_plan", "build_plan", "read_plan", "write_plan"]
