"""The plan diff of a change's whole branch against the base branch, and whether CI would accept it.

`change_report` is the single entry point the rest of the API uses. A change to one tenant's
file changes one stack, the tenant's own (`<region>.<tenant-id>`; the platform stack reads no
tenant file), so it plans that stack at the base branch (main) and at the change's commit, against
the platform's cached plan, and judges the pair with `dbaas diff`'s own review
(`tools.offline.diff_review.review_plans`: removal safety, protected deletes, destroyed data,
the CRDs' transition rules, the lifecycle guards and the policy pack on the new state). The base
is always the base branch, never the tenant's pending change: a stacked change is judged as the
whole branch CI will see (`dbaas diff <region> --base main --fail-on-destroy`), so protection
turned off in one change and a service dropped in the next is the removal of a protected service.
Its cost does not grow with the region. Invariants across stacks (ids, physical names, Kafka
prefixes) are CI's `dbaas policy --all`.

Pulumi's mock runtime is process-global and not thread-safe, so every plan is built on one
dedicated worker thread (which also owns the event loop the runtime needs).
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from api.git_store import BoundedMemo, GitRepository
from api.tenant_file import parse_tenant_bytes
from declarations.tenant_model import Tenant
from tools.offline.diff_render import refusal_lines
from tools.offline.diff_review import review_plans
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
    refusals: list[str] = Field(default_factory=list, exclude=True, description=(
        "Why `dbaas diff --fail-on-destroy` would fail the branch, in its words; empty when it passes."))


@dataclass(frozen=True)
class _EvaluatedPlan:
    plan: OfflinePlan
    policies: PolicyReport


_CACHE = BoundedMemo(16)
"""Evaluated plans keyed by (region, tenant, blob and tree ids): content-addressed, so never stale."""


def change_report(repo: GitRepository, region: str, tenant_id: str, base: str, head: str,
                  earlier_names: Callable[[Tenant], set[str]] | None = None) -> ChangeReport:
    """Plan diff, policy results and `dbaas diff`'s refusals of the tenant's stack from `base` (the base branch's
    commit) to `head` (the change's commit). `earlier_names` gives the service names of the tenant file's history."""
    stack = tenant_stack_name(region, tenant_id)
    old = _evaluated_plan(repo, region, tenant_id, base)
    new = _evaluated_plan(repo, region, tenant_id, head)
    with tempfile.TemporaryDirectory(prefix="dbaas-api-review-") as tmp:
        base_dir, head_dir = Path(tmp) / "base", Path(tmp) / "head"
        base_tenants = _export_tenant(repo, base, region, tenant_id, base_dir)
        head_tenants = _export_tenant(repo, head, region, tenant_id, head_dir)
        review = review_plans(stack, base, old.plan, new.plan, base_tenants, head_tenants, base_dir / "tenants",
                              head_dir / "tenants", head_dir, earlier_names, policy=new.policies)
    diff = review.diff
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
    return ChangeReport(plan=summary, policies=policies, policies_passed=passed,
                        refusals=refusal_lines(review, fail_on_destroy=True))


def _export_tenant(repo: GitRepository, commit: str, region: str, tenant_id: str, root: Path) -> list[Tenant]:
    """The project files a tenant stack's review reads, at `commit`, under `root`; the tenant as declared there."""
    tenant_path = f"tenants/{region}/{tenant_id}.yaml"
    present = [p for p in ("Pulumi.yaml", f"Pulumi.{region}.yaml", tenant_path) if repo.tree_oid(commit, p)]
    (root / "tenants").mkdir(parents=True)
    repo.export(commit, present, root)
    if tenant_path not in present:
        return []
    return [parse_tenant_bytes((root / tenant_path).read_bytes(), tenant_path)]


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
