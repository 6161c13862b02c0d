"""Deletion safety: data-holding resources of protected tenants cannot be deleted silently."""

from __future__ import annotations

from typing import Iterable

from pulumi_policy import Severity

from policies.rules.model import Resource, Rule, RuleContext
from policies.rules.stateful import stateful_label


def is_protected_tenant(resource: Resource, ctx: RuleContext) -> bool:
    """A tenant's data is protected when its declaration says so; an undeclared tenant is
    treated as protected (the safe side). Platform resources are out of this rule's scope."""
    if resource.tenant is None:
        return False
    facts = ctx.tenants.get(resource.tenant)
    return facts is None or facts.deletion_protection


def check_protected_stateful(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    label = stateful_label(resource.type)
    if label is None or not is_protected_tenant(resource, ctx):
        return
    missing = [opt for opt, value in (("protect", resource.protect), ("retainOnDelete", resource.retain_on_delete))
               if value is False]
    if missing:
        yield f"{label} of protected tenant {resource.tenant} lacks {' and '.join(missing)}"


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
