"""The plan diff of one change, and the policy results for it.

`change_report` is the single entry point the rest of the API uses. A change to one tenant's
file changes one stack, the tenant's own (`<region>.<tenant-id>`; the platform stack reads no
tenant file), so it plans that stack before and after the change, against the platform's cached
plan, compares them with the platform's own `dbaas diff` engine (`tools.offline.diff.diff_plans`)
and runs the policy pack on the result (`tools.policy.runner.evaluate_plan`): reviewers see in the
API's answer what CI's preview of that stack will show, and its cost does not grow with the region.
Invariants across stacks (ids, physical names, Kafka prefixes) are CI's `dbaas policy --all`.

Pulumi's mock runtime is process-global and not thread-safe, so every plan is built on one
dedicated worker thread (which also owns the event loop the runtime needs).
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from api.git_store import BoundedMemo, GitRepository
from tools.offline.diff import diff_plans
from declarations.stack_config import load_stack_file
from stacks.stack_names import parse_tenant_stack_name, tenant_stack_name
from tools.offline.plan import OfflinePlan, build_plan
from tools.policy.runner import PolicyReport, evaluate_plan

_PLAN_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dbaas-plan",
                                  initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop()))


class PlanDiffSummary(BaseModel):
    """Resources the change creates, updates, replaces and deletes, by URN."""

    stack: str
    add: int
    change: int
    replace: int
    delete: int
    added: list[str]
    changed: list[str]
    replaced: list[str]
    deleted: list[str]
    destructive: list[str] = Field(description="Data-holding resources the change deletes (neither retained nor "
                                               "decommissioned) or replaces: their data would be lost.")
    retained: list[str] = Field(default_factory=list, description="Deleted resources that leave the stack but stay "
                                                                  "in AWS or the cluster (retainOnDelete).")
    refused: list[str] = Field(default_factory=list, description="Deleted resources that are still protected: "
                                                                 "`pulumi up` would refuse the change.")


class PolicyResult(BaseModel):
    policy: str
    enforcement: str
    severity: str
    urn: str
    message: str
    fix_hint: str
    introduced: bool = Field(description="True when the violation is new with this change.")


class ChangeReport(BaseModel):
    plan: PlanDiffSummary
    policies: list[PolicyResult]
    policies_passed: bool = Field(description="The change introduces no mandatory violation.")


@dataclass(frozen=True)
class _EvaluatedPlan:
    plan: OfflinePlan
    policies: PolicyReport


_CACHE = BoundedMemo(16)
"""Evaluated plans keyed by (region, tenant, blob and tree ids): content-addressed, so never stale."""


def change_report(repo: GitRepository, region: str, tenant_id: str, before: str, after: str) -> ChangeReport:
    """Plan diff and policy results of the tenant's stack between two commits."""
    stack = tenant_stack_name(region, tenant_id)
    old = _evaluated_plan(repo, region, tenant_id, before)
    new = _evaluated_plan(repo, region, tenant_id, after)
    diff = diff_plans(old.plan, new.plan)
    by_op = {op: [c.urn for c in diff.changes if c.op == op] for op in ("create", "update", "replace", "delete")}
    summary = PlanDiffSummary(
        stack=stack, add=len(by_op["create"]), change=len(by_op["update"]), replace=len(by_op["replace"]),
        delete=len(by_op["delete"]), added=by_op["create"], changed=by_op["update"], replaced=by_op["replace"],
        deleted=by_op["delete"], destructive=[c.urn for c in diff.destructive],
        retained=[c.urn for c in diff.retained], refused=[c.urn for c in diff.refused],
    )
    existing = {(v.policy, v.urn, v.message) for v in old.policies.violations}
    policies = [PolicyResult(**dataclasses.asdict(v), introduced=(v.policy, v.urn, v.message) not in existing)
                for v in new.policies.violations]
    passed = not any(p.introduced and p.enforcement == "mandatory" for p in policies)
    return ChangeReport(plan=summary, policies=policies, policies_passed=passed)


def _evaluated_plan(repo: GitRepository, region: str, tenant_id: str, commit: str) -> _EvaluatedPlan:
    """The tenant stack's plan at `commit`: empty when the commit has no file for the tenant yet."""
    tenant_path = f"tenants/{region}/{tenant_id}.yaml"
    stack_file = f"Pulumi.{region}.yaml"
    tenant_blob = repo.tree_oid(commit, tenant_path)
    key = (region, tenant_id, tenant_blob or "", repo.tree_oid(commit, stack_file) or "",
           repo.tree_oid(commit, "Pulumi.yaml") or "")
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    with tempfile.TemporaryDirectory(prefix="dbaas-api-plan-") as tmp:
        root = Path(tmp)
        repo.export(commit, ["Pulumi.yaml", stack_file, *([tenant_path] if tenant_blob else [])], root)
        evaluated = _PLAN_WORKER.submit(_plan_and_policies, tenant_stack_name(region, tenant_id), root,
                                        tenant_blob is not None).result()
    _CACHE.put(key, evaluated)
    return evaluated


def _plan_and_policies(stack: str, root: Path, has_tenant: bool) -> _EvaluatedPlan:
    tenants_dir = root / "tenants"
    tenants_dir.mkdir(exist_ok=True)
    if has_tenant:
        plan = build_plan(stack, root, tenants_dir)
    else:
        region, _tenant = parse_tenant_stack_name(stack)
        plan = OfflinePlan(stack=stack, registrations=[], stack_file=load_stack_file(root, region))
    return _EvaluatedPlan(plan, evaluate_plan(plan, tenants_dir))
