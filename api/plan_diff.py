"""The plan diff of one change, and the policy results for it.

`change_report` is the single entry point the rest of the API uses; when the platform's own
`dbaas diff` and policy pack land, only its body changes. Until then it builds the offline
plan of the tenant's region before and after the change and compares registrations by URN.

Pulumi's mock runtime is process-global and not thread-safe, so every plan is built on one
dedicated worker thread (which also owns the event loop the runtime needs).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from api.git_store import GitRepository
from dbaas.offline.plan import build_plan
from dbaas.offline.runtime import Registration

_PLAN_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dbaas-plan",
                                  initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop()))


class PlanDiffSummary(BaseModel):
    """Resources the change adds, changes (inputs or protection differ) and deletes, by URN."""

    stack: str
    add: int
    change: int
    delete: int
    added: list[str]
    changed: list[str]
    deleted: list[str]


class PolicyResult(BaseModel):
    policy: str
    enforcement: Literal["advisory", "mandatory"]
    urn: str
    message: str


class ChangeReport(BaseModel):
    plan: PlanDiffSummary
    policies: list[PolicyResult]
    policies_passed: bool


class _PlanCache:
    """Plans keyed by (region, tenants tree, stack file): content-addressed, so never stale."""

    def __init__(self, size: int = 16):
        self._size = size
        self._plans: OrderedDict[tuple[str, ...], dict[str, Registration]] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> dict[str, Registration] | None:
        if key in self._plans:
            self._plans.move_to_end(key)
        return self._plans.get(key)

    def put(self, key: tuple[str, ...], plan: dict[str, Registration]) -> None:
        self._plans[key] = plan
        while len(self._plans) > self._size:
            self._plans.popitem(last=False)


_CACHE = _PlanCache()


def change_report(repo: GitRepository, region: str, before: str, after: str) -> ChangeReport:
    """Plan diff and policy results of the region stack between two commits."""
    old = _region_plan(repo, region, before)
    new = _region_plan(repo, region, after)
    added = sorted(set(new) - set(old))
    deleted = sorted(set(old) - set(new))
    changed = sorted(
        urn for urn in set(old) & set(new)
        if (old[urn].inputs, old[urn].protect, old[urn].retain_on_delete)
        != (new[urn].inputs, new[urn].protect, new[urn].retain_on_delete)
    )
    policies = [
        PolicyResult(
            policy="protected-resource-deletion",
            enforcement="mandatory",
            urn=urn,
            message="deletes a resource that holds data and is protected; set a decommission marker instead",
        )
        for urn in deleted
        if old[urn].protect
    ]
    summary = PlanDiffSummary(stack=region, add=len(added), change=len(changed), delete=len(deleted),
                              added=added, changed=changed, deleted=deleted)
    return ChangeReport(plan=summary, policies=policies,
                        policies_passed=not any(p.enforcement == "mandatory" for p in policies))


def _region_plan(repo: GitRepository, region: str, commit: str) -> dict[str, Registration]:
    stack_file = f"Pulumi.{region}.yaml"
    key = (region, repo.tree_oid(commit, "tenants") or "", repo.tree_oid(commit, stack_file) or "")
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    with tempfile.TemporaryDirectory(prefix="dbaas-api-plan-") as tmp:
        root = Path(tmp)
        repo.export(commit, ["tenants", stack_file], root)
        plan = _PLAN_WORKER.submit(build_plan, region, root, root / "tenants").result()
    registrations = {r.urn: r for r in plan.registrations}
    _CACHE.put(key, registrations)
    return registrations
