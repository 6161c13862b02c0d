"""Helpers to break one resource of a plan, or build a small fixture plan, without touching the
shared plans; every result goes through the analyzer protocol (tools.policy.runner.evaluate_plan)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Callable, Iterable, Mapping

from tools.offline.plan import OfflinePlan
from tools.offline.runtime import Registration
from tools.policy.runner import PackConfig, Violation, evaluate_plan
from policies.rules.model import TenantFacts

STACK_URN = "urn:pulumi:lagos::dbaas-platform::pulumi:pulumi:Stack::dbaas-platform-lagos"


def named(plan: OfflinePlan, name: str) -> Registration:
    found = [r for r in plan.registrations if r.name == name]
    assert len(found) == 1, f"expected one resource named {name}, found {len(found)}"
    return found[0]


def _replaced(plan: OfflinePlan, registrations: list[Registration]) -> OfflinePlan:
    return dataclasses.replace(plan, registrations=registrations)


def with_resource(plan: OfflinePlan, name: str, change: Callable[[dict[str, Any]], None] | None = None,
                  **fields: Any) -> OfflinePlan:
    """A new plan in which resource `name` has deep-copied, changed inputs and/or other fields."""
    target = named(plan, name)
    inputs = copy.deepcopy(target.inputs)
    if change is not None:
        change(inputs)
    replaced = dataclasses.replace(target, inputs=inputs, **fields)
    return _replaced(plan, [replaced if r is target else r for r in plan.registrations])


def without(plan: OfflinePlan, name: str) -> OfflinePlan:
    target = named(plan, name)
    return _replaced(plan, [r for r in plan.registrations if r is not target])


def plus(plan: OfflinePlan, registration: Registration) -> OfflinePlan:
    return _replaced(plan, [*plan.registrations, registration])


def registration(type_: str, name: str, inputs: dict[str, Any], *, parent: str = STACK_URN, protect: bool = False,
                 retain_on_delete: bool = False) -> Registration:
    """A custom resource registered directly under the stack (or `parent`), in the parent's stack."""
    stack_part, project, parent_type = parent.split("::")[:3]
    qualified = type_ if parent_type == "pulumi:pulumi:Stack" else f"{parent_type}${type_}"
    return Registration(urn=f"{stack_part}::{project}::{qualified}::{name}", type=type_, name=name,
                        custom=True, parent=parent, provider="", inputs=inputs, protect=protect,
                        retain_on_delete=retain_on_delete, dependencies=())


def fixture_plan(registrations: Iterable[Registration], stack: str = "lagos") -> OfflinePlan:
    """A plan of just these resources (plus the stack), as the engine would see them."""
    root = Registration(urn=STACK_URN.replace("lagos", stack), type="pulumi:pulumi:Stack",
                        name=f"dbaas-platform-{stack}", custom=False, parent="", provider="", inputs={},
                        protect=False, retain_on_delete=False, dependencies=())
    return OfflinePlan(stack=stack, registrations=[root, *registrations], stack_file=None)  # type: ignore[arg-type]


def violations(plan: OfflinePlan, tenants: Mapping[str, TenantFacts],
               config: PackConfig | None = None, *policies: str) -> list[tuple[str, str, str]]:
    """(policy, resource name, message) of every violation, or only of `policies`."""
    found: tuple[Violation, ...] = evaluate_plan(plan, tenants, config).violations
    return [(v.policy, v.urn.rsplit("::", 1)[-1], v.message) for v in found if not policies or v.policy in policies]
