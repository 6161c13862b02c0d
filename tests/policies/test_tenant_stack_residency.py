"""Residency on tenant stacks: `lagos.acme` is in region lagos, and holds only acme's resources,
checked through the analyzer protocol on the stack as `pulumi preview -s lagos.acme` would run it."""

from __future__ import annotations

import dataclasses

from tools.offline.plan import build_plan
from tools.policy.runner import evaluate_plan
from tests.conftest import PROJECT_DIR, TENANTS_DIR


def _as_stack(plan, stack: str):
    """The same resources, registered in another stack (the URN's first part names the stack)."""
    def moved(urn: str) -> str:
        return urn.replace("urn:pulumi:lagos.acme::", f"urn:pulumi:{stack}::") if urn else urn
    regs = [dataclasses.replace(r, urn=moved(r.urn), parent=moved(r.parent),
                                dependencies=tuple(moved(d) for d in r.dependencies),
                                provider=moved(r.provider)) for r in plan.registrations]
    return dataclasses.replace(plan, stack=stack, registrations=regs)


def residency(plan) -> set[str]:
    return {v.message for v in evaluate_plan(plan, TENANTS_DIR).violations
            if v.policy == "residency-tenant-in-data-region"}


def test_a_tenant_stack_is_in_its_region_and_holds_only_its_tenant():
    plan = build_plan("lagos.acme", PROJECT_DIR)
    assert {r.urn.split("::")[0] for r in plan.registrations} == {"urn:pulumi:lagos.acme"}
    assert residency(plan) == set()
    assert "tenant acme's resources may not exist in tenant kudi-pay's stack lagos.kudi-pay" in residency(
        _as_stack(plan, "lagos.kudi-pay"))
    assert "tenant acme has data_region lagos; its resources may not exist in stack frankfurt.acme" in residency(
        _as_stack(plan, "frankfurt.acme"))
