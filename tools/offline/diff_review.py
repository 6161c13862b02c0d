"""The verdict of a diff: from two plans and the tenant declarations behind them, everything `dbaas diff`
reports and refuses. `dbaas diff` (tools/offline/diff_command.py) and the provisioning API (api/branch_review.py)
both call `review_plans`, so a change the API accepts is one CI's `dbaas diff --fail-on-destroy` accepts too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from declarations.decommission import removal_problems
from declarations.lifecycle.review import transition_review
from declarations.tenant_loader import locate_in_trees
from declarations.tenant_model import Tenant
from policies.tenant_facts import facts_of
from tools.offline.create_only import create_only_problems
from tools.offline.diff import PlanSnapshot, diff_plans
from tools.offline.diff_render import DiffReport
from tools.offline.diff_transitions import transition_problems_of
from tools.offline.retention import decommissioned_urns
from tools.policy.runner import PackConfig, PolicyReport, evaluate_plan


def review_plans(stack: str, base_label: str, base_plan: Any, head_plan: Any,
                 base_tenants: list[Tenant], head_tenants: list[Tenant], base_tree: Path, head_tree: Path,
                 project_dir: Path, earlier_names: Callable[[Tenant], set[str]] | None = None,
                 pack_config: PackConfig | None = None, policy: PolicyReport | None = None,
                 rendered_tenants: tuple[str, ...] | None = None, full_render_reasons: tuple[str, ...] = ()) -> DiffReport:
    """The diff report of `base_plan` -> `head_plan` (offline plans or plan snapshots). Problems are located in `head_tree` first, then `base_tree`
    (tenants folders holding the files the plans were built from); `policy` is the head's policy report when the
    caller has it already (else it is evaluated here)."""
    transitions = transition_review(base_tenants, head_tenants, head_tree, dt.datetime.now(dt.timezone.utc),
                                    earlier_names)
    removals = sorted(locate_in_trees(p, [head_tree, base_tree]) for p in removal_problems(base_tenants, head_tenants))
    return DiffReport(
        stack=stack,
        base=base_label,
        diff=diff_plans(base_plan, head_plan, decommissioned_urns(PlanSnapshot.of(base_plan), base_tenants)),
        policy=policy or evaluate_plan(head_plan, facts_of(head_tenants), pack_config),
        rendered_tenants=rendered_tenants,
        full_render_reasons=full_render_reasons,
        removal_problems=removals,
        crd_transition_problems=transition_problems_of(base_plan, head_plan),
        transition_problems=sorted(transitions.refused + create_only_problems(base_plan, head_plan, project_dir, stack)),
        attention=transitions.attention,
    )
