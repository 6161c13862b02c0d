"""Deletion safety: data-holding resources of protected tenants cannot be deleted silently."""

from __future__ import annotations

from typing import Iterable

from pulumi_policy import Severity

from policies.rules.model import Resource, Rule, RuleContext
from policies.rules.stateful import stateful_label


PLATFORM_EXEMPT = {"namespace"}
"""Platform namespaces hold operators and agents, not data; a tenant namespace holds the tenant."""


def is_protected_owner(resource: Resource, label: str, ctx: RuleContext) -> bool:
    """Platform data is always protected; a tenant's data when its declaration says so
    (an undeclared tenant is treated as protected: the safe side)."""
    if resource.tenant is None:
        return label not in PLATFORM_EXEMPT
    facts = ctx.tenants.get(resource.tenant)
    return facts is None or facts.deletion_protection


def check_protected_stateful(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    label = stateful_label(resource.type)
    if label is None or not is_protected_owner(resource, label, ctx):
        return
    missing = [opt for opt, value in (("protect", resource.protect), ("retainOnDelete", resource.retain_on_delete))
               if value is False]
    if missing:
        owner = f"tenant {resource.tenant}" if resource.tenant else "the platform"
        yield f"{label} of {owner} lacks {' and '.join(missing)}"


RULES = [
    Rule(
        name="deletion-protected-stateful",
        description="Buckets, keys, namespaces, engine instances, volumes and Kafka topics of protected tenants "
                    "carry protect and retainOnDelete.",
        severity=Severity.CRITICAL,
        fix_hint="Pass opts through components.protection.stateful(opts, tenant.deletion_protection).",
        check_resource=check_protected_stateful,
    ),
]
